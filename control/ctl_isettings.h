/*
 * ctl_isettings.h - index settings: normalizing what users send (nested,
 * dotted, with or without the "index." prefix, numbers or strings) into
 * Elasticsearch's flat form, validating them against the registry of index
 * settings, and the update rules (final, static, dynamic).
 */
#ifndef CTL_ISETTINGS_H
#define CTL_ISETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* Flatten a settings object into a new object in a: dotted keys prefixed
 * "index.", scalar values as strings, arrays as arrays of strings, null kept
 * (it means "reset to default" in an update). Keys sorted. 0, -EINVAL
 * (settings_exception-free ES wording) or -ENOMEM. */
int
ctl_isettings_flatten(osp_arena_t *a, const osp_json_t *settings, osp_json_t **out,
		      osp_err_t *err);

/* Check every key of a flat object against the registry: unknown keys,
 * private keys (unless allow_private), values that do not parse. */
int
ctl_isettings_validate(const osp_json_t *flat, bool allow_private, osp_err_t *err);

/* Check that an update may touch these keys on idx: final settings never,
 * static ones only on a closed index (ES wording). */
int
ctl_isettings_check_update(const osp_index_t *idx, const osp_json_t *update,
			   osp_err_t *err);

/* Set key (string value) in flat, replacing an existing value. */
int
ctl_isettings_set(osp_arena_t *a, osp_json_t *flat, const char *key, const char *value);

/* Apply update onto base (both flat): null removes, anything else sets. */
int
ctl_isettings_merge(osp_arena_t *a, osp_json_t *base, const osp_json_t *update);

/* Serialize a flat object with keys sorted into out (replaced). */
int
ctl_isettings_serialize(const osp_json_t *flat, osp_buf_t *out);

/* Integer setting value (string or number), dflt when absent. -EINVAL when
 * present but not an integer. */
int
ctl_isettings_int(const osp_json_t *flat, const char *key, int64_t dflt, int64_t *out);

/* ES 7+ default number_of_routing_shards for n primaries. */
uint32_t
ctl_routing_num_shards(uint32_t n);

/* The analysis settings of a flat object nested back into
 * {"analyzer":{..},"tokenizer":{..},...}, or NULL when there are none. */
osp_json_t *
ctl_isettings_analysis(osp_arena_t *a, const osp_json_t *flat);

#endif
