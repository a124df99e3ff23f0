/*
 * dp_wguard.h - checks a document write passes before it goes to its shard:
 * index blocks (index.blocks.write / read_only / read_only_allow_delete ->
 * Elasticsearch's cluster_block_exception) and data stream rules (only
 * op_type=create through the stream's name, @timestamp present).
 */
#ifndef DP_WGUARD_H
#define DP_WGUARD_H

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/storage.h"

/* 0 when the write may go on; -1 with err filled otherwise. name is the
 * target as requested (index, alias or data stream). */
int dp_write_guard(const char *name, const osp_index_t *meta, const st_write_req_t *req,
		   osp_err_t *err);
/* The block that forbids writes to meta, as "FORBIDDEN/8/index write (api)"
 * (status in *status), or NULL. */
const char *dp_index_write_block(const osp_index_t *meta, st_op_t op, uint16_t *status);

#endif
