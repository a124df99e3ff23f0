/*
 * rest_segments.c - GET /_segments, /{index}/_segments: every segment of
 * every local shard copy as the storage engine lists it (a
 * DP_ADMIN_SEGMENTS fan-out), in Elasticsearch's shape. Osprey's segments
 * are its own codec: "version" names the Lucene version Osprey reports,
 * compound is false (components are separate files), memory is 0.
 */
#include <stdio.h>
#include <string.h>

#include "osprey/cluster.h"
#include "dp_fanout.h"
#include "dp_indices_ext.h"
#include "dp_rest.h"

static void
segments_copy(osp_jw_t *w, const dp_fanout_slot_t *slot)
{
	const osp_shard_copy_t *cp = osp_index_shard(slot->idx->meta, slot->shard);
	uint32_t n = slot->job.n_segs < slot->job.max_segs ? slot->job.n_segs : slot->job.max_segs;
	uint32_t committed = 0, search = 0;

	for (uint32_t k = 0; k < n; k++) {
		committed += slot->job.segs[k].committed;
		search += slot->job.segs[k].searchable;
	}
	osp_jw_obj_begin(w);
	osp_jw_key(w, "routing");
	osp_jw_obj_begin(w);
	osp_jw_kv_str(w, "state", osp_shard_state_name(cp[0].state));
	osp_jw_kv_bool(w, "primary", true);
	osp_jw_kv_str(w, "node", cp[0].node);
	osp_jw_obj_end(w);
	osp_jw_kv_int(w, "num_committed_segments", committed);
	osp_jw_kv_int(w, "num_search_segments", search);
	osp_jw_key(w, "segments");
	osp_jw_obj_begin(w);
	for (uint32_t k = 0; k < n; k++) {
		const st_segment_info_t *sg = &slot->job.segs[k];

		osp_jw_key(w, sg->name);
		osp_jw_obj_begin(w);
		osp_jw_kv_int(w, "generation", (int64_t)sg->generation);
		osp_jw_kv_int(w, "num_docs", sg->docs_count);
		osp_jw_kv_int(w, "deleted_docs", sg->docs_deleted);
		osp_jw_kv_int(w, "size_in_bytes", (int64_t)sg->size_bytes);
		osp_jw_kv_bool(w, "committed", sg->committed);
		osp_jw_kv_bool(w, "search", sg->searchable);
		osp_jw_kv_str(w, "version", DP_LUCENE_VERSION);
		osp_jw_kv_bool(w, "compound", false);
		osp_jw_key(w, "attributes");
		osp_jw_obj_begin(w);
		osp_jw_obj_end(w);
		osp_jw_obj_end(w);
	}
	osp_jw_obj_end(w);
	osp_jw_obj_end(w);
}

static void
segments_done(dp_fanout_t *f)
{
	osp_buf_t out;
	osp_jw_t w;
	uint32_t ok = 0;
	const dp_index_t *cur = NULL;

	for (uint32_t i = 0; i < f->n_slots; i++)
		ok += f->slots[i].ran && f->slots[i].job.job.rc == 0;
	dp_rest_jw(f->r, &w, &out);
	osp_jw_obj_begin(&w);
	dp_rest_write_shards(&w, f->n_slots, ok, f->failed, false);
	osp_jw_key(&w, "indices");
	osp_jw_obj_begin(&w);
	/* slots are grouped by index, shards in order */
	for (uint32_t i = 0; i < f->n_slots; i++) {
		const dp_fanout_slot_t *slot = &f->slots[i];
		char k[16];

		if (slot->idx != cur) {
			if (cur) {
				osp_jw_obj_end(&w);
				osp_jw_obj_end(&w);
			}
			cur = slot->idx;
			osp_jw_key(&w, cur->name);
			osp_jw_obj_begin(&w);
			osp_jw_key(&w, "shards");
			osp_jw_obj_begin(&w);
		}
		if (!slot->ran || slot->job.job.rc != 0)
			continue;
		snprintf(k, sizeof(k), "%u", slot->shard);
		osp_jw_key(&w, k);
		osp_jw_arr_begin(&w);
		segments_copy(&w, slot);
		osp_jw_arr_end(&w);
	}
	if (cur) {
		osp_jw_obj_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_obj_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(f->r, 200, &out);
}

static void
rest_segments(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_SEGMENTS, segments_done, NULL);
}

void
rest_segments_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_segments", rest_segments, 0);
	dp_rest_route(DP_HTTP_GET, "/{index}/_segments", rest_segments, 0);
}
