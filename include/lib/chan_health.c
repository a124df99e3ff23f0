/*
 * chan_health.c - cluster health from a routing table (osprey/cluster.h),
 * computed as Elasticsearch's ClusterShardHealth / ClusterIndexHealth /
 * ClusterStateHealth do, plus the wait_for_* conditions of
 * GET _cluster/health and its response body.
 *
 * Pure functions over a state the caller owns; nothing is cached, so the
 * dataplane can call them on whatever state version it holds. A shard is
 * green when every copy is active, yellow when the primary is active but a
 * replica is not (or a new index's primary is still being created), red
 * otherwise; an index is its worst shard, the cluster its worst index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "osprey/cluster.h"

const char *
osp_health_status_name(osp_health_status_t s)
{
	switch (s) {
	case OSP_HEALTH_GREEN: return "green";
	case OSP_HEALTH_YELLOW: return "yellow";
	default: return "red";
	}
}

int
osp_health_status_parse(const char *s, osp_health_status_t *out)
{
	if (strcasecmp(s, "green") == 0)
		*out = OSP_HEALTH_GREEN;
	else if (strcasecmp(s, "yellow") == 0)
		*out = OSP_HEALTH_YELLOW;
	else if (strcasecmp(s, "red") == 0)
		*out = OSP_HEALTH_RED;
	else
		return -EINVAL;
	return 0;
}

static bool
copy_active(const osp_shard_copy_t *c)
{
	return c->state == OSP_SHARD_STARTED || c->state == OSP_SHARD_RELOCATING;
}

/* An inactive primary of a brand-new shard (empty store, never failed) is
 * yellow, as ES's getInactivePrimaryHealth decides; any other is red. */
static osp_health_status_t
inactive_primary_health(const osp_shard_copy_t *p)
{
	if (p->empty_store && p->failed_attempts == 0 &&
	    p->unassigned_reason == OSP_UNASSIGNED_INDEX_CREATED)
		return OSP_HEALTH_YELLOW;
	return OSP_HEALTH_RED;
}

void
osp_health_shard(const osp_index_t *idx, uint32_t shard, osp_health_counts_t *out)
{
	const osp_shard_copy_t *g = osp_index_shard(idx, shard);
	uint32_t n = 1 + idx->number_of_replicas;

	memset(out, 0, sizeof(*out));
	out->total_shards = n;
	for (uint32_t i = 0; i < n; i++) {
		const osp_shard_copy_t *c = &g[i];

		if (copy_active(c)) {
			out->active_shards++;
			if (c->primary)
				out->active_primary_shards++;
			if (c->state == OSP_SHARD_RELOCATING)
				out->relocating_shards++;
		} else if (c->state == OSP_SHARD_INITIALIZING) {
			out->initializing_shards++;
		} else {
			out->unassigned_shards++;
			if (c->primary)
				out->unassigned_primary_shards++;
		}
	}
	if (copy_active(&g[0]))
		out->status = out->active_shards == n ? OSP_HEALTH_GREEN : OSP_HEALTH_YELLOW;
	else
		out->status = (uint8_t)inactive_primary_health(&g[0]);
}

static void
counts_add(osp_health_counts_t *sum, const osp_health_counts_t *c)
{
	if (c->status > sum->status)
		sum->status = c->status;
	sum->active_primary_shards += c->active_primary_shards;
	sum->active_shards += c->active_shards;
	sum->relocating_shards += c->relocating_shards;
	sum->initializing_shards += c->initializing_shards;
	sum->unassigned_shards += c->unassigned_shards;
	sum->unassigned_primary_shards += c->unassigned_primary_shards;
	sum->delayed_unassigned_shards += c->delayed_unassigned_shards;
	sum->total_shards += c->total_shards;
}

void
osp_health_index(const osp_index_t *idx, osp_health_counts_t *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		osp_health_counts_t c;

		osp_health_shard(idx, s, &c);
		counts_add(out, &c);
	}
}

void
osp_health_cluster(const osp_cluster_t *cs, const osp_index_t *const *indices,
		   uint32_t n, osp_health_t *out)
{
	memset(out, 0, sizeof(*out));
	if (indices == NULL) {
		indices = (const osp_index_t *const *)cs->indices;
		n = cs->n_indices;
	}
	for (uint32_t i = 0; i < n; i++) {
		osp_health_counts_t c;

		osp_health_index(indices[i], &c);
		counts_add(&out->c, &c);
	}
	out->number_of_nodes = cs->n_nodes;
	for (uint32_t i = 0; i < cs->n_nodes; i++) {
		if (cs->nodes[i].roles & OSP_ROLE_DATA)
			out->number_of_data_nodes++;
	}
	/* No elected master means no cluster: ES reports red. */
	if (cs->master_node[0] == '\0')
		out->c.status = OSP_HEALTH_RED;
	out->active_shards_percent = out->c.total_shards == 0 ? 100.0 :
		100.0 * (double)out->c.active_shards / (double)out->c.total_shards;
}

/* ---- wait_for_* ---- */

void
osp_health_wait_init(osp_health_wait_t *w)
{
	memset(w, 0, sizeof(*w));
	w->active_shards = -1;
	w->nodes = -1;
	w->timeout_ms = 30000;
}

/* Elasticsearch time value ("30s", "500ms", "1m", "-1"). */
static int
health_parse_time(const char *v, int64_t *out)
{
	static const struct { const char *u; int64_t div, mul; } units[] = {
		{ "nanos", 1000000, 1 }, { "micros", 1000, 1 }, { "ms", 1, 1 },
		{ "s", 1, 1000 }, { "m", 1, 60000 }, { "h", 1, 3600000 },
		{ "d", 1, 86400000 },
	};
	char *end;
	long long x;

	if (strcmp(v, "-1") == 0 || strcmp(v, "0") == 0) {
		*out = strcmp(v, "0") == 0 ? 0 : -1;
		return 0;
	}
	x = strtoll(v, &end, 10);
	if (end == v || x < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].u) == 0) {
			*out = x / units[i].div * units[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

static int
health_parse_bool(const char *v, bool *out)
{
	if (v[0] == '\0' || strcmp(v, "true") == 0)
		*out = true;
	else if (strcmp(v, "false") == 0)
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int
health_parse_nodes(osp_health_wait_t *w, const char *v)
{
	static const struct { const char *p; const char *op; bool paren; } forms[] = {
		{ ">=", ">=", false }, { "<=", "<=", false }, { ">", ">", false },
		{ "<", "<", false }, { "ge(", ">=", true }, { "le(", "<=", true },
		{ "gt(", ">", true }, { "lt(", "<", true },
	};
	const char *num = v;
	bool paren = false;
	char *end;

	w->nodes_op[0] = '\0';
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		size_t n = strlen(forms[i].p);

		if (strncmp(v, forms[i].p, n) == 0) {
			num = v + n;
			paren = forms[i].paren;
			strcpy(w->nodes_op, forms[i].op);
			break;
		}
	}
	long long x = strtoll(num, &end, 10);

	if (end == num || x < 0)
		return -EINVAL;
	if (paren ? strcmp(end, ")") != 0 : *end != '\0')
		return -EINVAL;
	w->nodes = x;
	return 0;
}

int
osp_health_wait_param(osp_health_wait_t *w, const char *key, const char *value,
		      osp_err_t *err)
{
	if (strcmp(key, "wait_for_status") == 0) {
		osp_health_status_t s;

		if (osp_health_status_parse(value, &s) != 0)
			return osp_err_illegal_argument(err, "unknown cluster health status [%s]", value);
		w->has_status = true;
		w->status = (uint8_t)s;
		return 0;
	}
	if (strcmp(key, "wait_for_nodes") == 0) {
		if (value[0] && health_parse_nodes(w, value) != 0)
			return osp_err_illegal_argument(err, "cannot parse wait_for_nodes [%s]", value);
		return 0;
	}
	if (strcmp(key, "wait_for_active_shards") == 0) {
		char *end;

		if (strcmp(value, "all") == 0) {
			w->active_shards = -2;
			return 0;
		}
		long long x = strtoll(value, &end, 10);

		if (end == value || *end || x < 0)
			return osp_err_illegal_argument(err,
				"failed to parse value [%s] for wait_for_active_shards", value);
		w->active_shards = x;
		return 0;
	}
	if (strcmp(key, "wait_for_no_relocating_shards") == 0 ||
	    strcmp(key, "wait_for_no_initializing_shards") == 0) {
		bool b;

		if (health_parse_bool(value, &b) != 0)
			return osp_err_illegal_argument(err,
				"Failed to parse value [%s] as only [true] or [false] are allowed.", value);
		if (key[16] == 'r')
			w->no_relocating = b;
		else
			w->no_initializing = b;
		return 0;
	}
	if (strcmp(key, "timeout") == 0) {
		if (health_parse_time(value, &w->timeout_ms) != 0)
			return osp_err_set(err, 400, "parse_exception",
				"failed to parse setting [timeout] with value [%s] as a time value: unit is missing or unrecognized",
				value);
		return 0;
	}
	if (strcmp(key, "wait_for_events") == 0)
		return 0;   /* the dataplane's copy has no pending task queue */
	return -ENOENT;
}

bool
osp_health_wait_met(const osp_health_t *h, const osp_health_wait_t *w)
{
	if (w->has_status && h->c.status > w->status)
		return false;
	if (w->no_relocating && h->c.relocating_shards)
		return false;
	if (w->no_initializing && h->c.initializing_shards)
		return false;
	if (w->active_shards == -2 && h->c.active_shards < h->c.total_shards)
		return false;
	if (w->active_shards >= 0 && h->c.active_shards < (uint64_t)w->active_shards)
		return false;
	if (w->nodes >= 0) {
		int64_t n = h->number_of_nodes;
		const char *op = w->nodes_op;

		if ((!op[0] && n != w->nodes) ||
		    (strcmp(op, ">=") == 0 && n < w->nodes) ||
		    (strcmp(op, "<=") == 0 && n > w->nodes) ||
		    (strcmp(op, ">") == 0 && n <= w->nodes) ||
		    (strcmp(op, "<") == 0 && n >= w->nodes))
			return false;
	}
	return true;
}

static void
write_counts(osp_jw_t *w, const osp_health_counts_t *c, bool shard_level)
{
	osp_jw_kv_str(w, "status", osp_health_status_name(c->status));
	if (shard_level)
		osp_jw_kv_bool(w, "primary_active", c->active_primary_shards > 0);
	else
		osp_jw_kv_int(w, "active_primary_shards", c->active_primary_shards);
	osp_jw_kv_int(w, "active_shards", c->active_shards);
	osp_jw_kv_int(w, "relocating_shards", c->relocating_shards);
	osp_jw_kv_int(w, "initializing_shards", c->initializing_shards);
	osp_jw_kv_int(w, "unassigned_shards", c->unassigned_shards);
	osp_jw_kv_int(w, "unassigned_primary_shards", c->unassigned_primary_shards);
}

void
osp_health_write(const osp_cluster_t *cs, const osp_index_t *const *indices,
		 uint32_t n, const osp_health_t *h, bool timed_out, int level,
		 osp_jw_t *w)
{
	const osp_health_counts_t *c = &h->c;

	if (indices == NULL) {
		indices = (const osp_index_t *const *)cs->indices;
		n = cs->n_indices;
	}
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "cluster_name", cs->cluster_name);
	osp_jw_kv_str(w, "status", osp_health_status_name(c->status));
	osp_jw_kv_bool(w, "timed_out", timed_out);
	osp_jw_kv_int(w, "number_of_nodes", h->number_of_nodes);
	osp_jw_kv_int(w, "number_of_data_nodes", h->number_of_data_nodes);
	osp_jw_kv_int(w, "active_primary_shards", c->active_primary_shards);
	osp_jw_kv_int(w, "active_shards", c->active_shards);
	osp_jw_kv_int(w, "relocating_shards", c->relocating_shards);
	osp_jw_kv_int(w, "initializing_shards", c->initializing_shards);
	osp_jw_kv_int(w, "unassigned_shards", c->unassigned_shards);
	osp_jw_kv_int(w, "unassigned_primary_shards", c->unassigned_primary_shards);
	osp_jw_kv_int(w, "delayed_unassigned_shards", c->delayed_unassigned_shards);
	osp_jw_kv_int(w, "number_of_pending_tasks", h->number_of_pending_tasks);
	osp_jw_kv_int(w, "number_of_in_flight_fetch", h->number_of_in_flight_fetch);
	osp_jw_kv_int(w, "task_max_waiting_in_queue_millis", h->task_max_waiting_in_queue_millis);
	osp_jw_key(w, "active_shards_percent_as_number");
	osp_jw_double(w, h->active_shards_percent);
	if (level >= 1) {
		osp_jw_key(w, "indices");
		osp_jw_obj_begin(w);
		for (uint32_t i = 0; i < n; i++) {
			const osp_index_t *idx = indices[i];
			osp_health_counts_t ic;

			osp_health_index(idx, &ic);
			osp_jw_key(w, idx->name);
			osp_jw_obj_begin(w);
			osp_jw_kv_str(w, "status", osp_health_status_name(ic.status));
			osp_jw_kv_int(w, "number_of_shards", idx->number_of_shards);
			osp_jw_kv_int(w, "number_of_replicas", idx->number_of_replicas);
			osp_jw_kv_int(w, "active_primary_shards", ic.active_primary_shards);
			osp_jw_kv_int(w, "active_shards", ic.active_shards);
			osp_jw_kv_int(w, "relocating_shards", ic.relocating_shards);
			osp_jw_kv_int(w, "initializing_shards", ic.initializing_shards);
			osp_jw_kv_int(w, "unassigned_shards", ic.unassigned_shards);
			osp_jw_kv_int(w, "unassigned_primary_shards", ic.unassigned_primary_shards);
			if (level >= 2) {
				osp_jw_key(w, "shards");
				osp_jw_obj_begin(w);
				for (uint32_t s = 0; s < idx->number_of_shards; s++) {
					osp_health_counts_t sc;
					char k[16];

					osp_health_shard(idx, s, &sc);
					snprintf(k, sizeof(k), "%u", s);
					osp_jw_key(w, k);
					osp_jw_obj_begin(w);
					write_counts(w, &sc, true);
					osp_jw_obj_end(w);
				}
				osp_jw_obj_end(w);
			}
			osp_jw_obj_end(w);
		}
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
}
