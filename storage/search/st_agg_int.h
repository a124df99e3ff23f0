/*
 * st_agg_int.h - shared by the st_agg_*.c files and st_merge.c only:
 * reducing partials and calendar arithmetic for date histograms.
 */
#ifndef ST_AGG_INT_H
#define ST_AGG_INT_H

#include "st_search_int.h"

/* Reduce n partials of the same request node into *out (arena a). */
int
st_agg_reduce(st_agg_part_t *const *parts, uint32_t n, osp_arena_t *a,
	      st_agg_part_t **out, osp_err_t *err);

/* Round millis down to a calendar unit (y q M w d h m s) in a fixed-offset
 * time zone; st_agg_cal_add steps one unit forward from a rounded key. */
int64_t
st_agg_cal_round(int64_t ms, char unit, int32_t tz_offset_s);
int64_t
st_agg_cal_add(int64_t ms, char unit, int32_t tz_offset_s);

#endif
