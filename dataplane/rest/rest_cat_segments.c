/*
 * rest_cat_segments.c - GET _cat/segments: one row per segment of every
 * local shard copy, read by the shard's worker (a DP_ADMIN_SEGMENTS
 * fan-out) from the storage engine's view and last commit point.
 *
 * Osprey's segments are its own codec, not Lucene's: the version column
 * stays empty, compound is false (components are separate files) and
 * size.memory (heap Lucene keeps per segment) has no counterpart.
 */
#include <stdio.h>
#include <string.h>

#include "osprey/cluster.h"
#include "dp_cat.h"
#include "dp_fanout.h"

#define NCOLS(a) (uint32_t)(sizeof(a) / sizeof((a)[0]))

static const dp_cat_col_t cat_segments_cols[] = {
	{ "index", "i,idx", "index name", false, false },
	{ "shard", "s,sh", "shard name", true, false },
	{ "prirep", "p,pr,primaryOrReplica", "primary or replica", false, false },
	{ "ip", NULL, "ip of node where it lives", false, false },
	{ "id", NULL, "unique id of node where it lives", false, true },
	{ "segment", "seg", "segment name", false, false },
	{ "generation", "g,gen", "segment generation", true, false },
	{ "docs.count", "dc,docsCount", "number of docs in segment", true, false },
	{ "docs.deleted", "dd,docsDeleted", "number of deleted docs in segment", true, false },
	{ "size", "si", "segment size in bytes", true, false },
	{ "size.memory", "sm,sizeMemory", "segment memory in bytes", true, false },
	{ "committed", "ic,isCommitted", "is segment committed", false, false },
	{ "searchable", "is,isSearchable", "is segment searched", false, false },
	{ "version", "v,ver", "version", false, false },
	{ "compound", "ico,isCompound", "is segment compound", false, false },
};

static void
cat_segments_done(dp_fanout_t *f)
{
	dp_cat_t t;

	dp_cat_init(&t, f->r, cat_segments_cols, NCOLS(cat_segments_cols));
	for (uint32_t i = 0; i < f->n_slots; i++) {
		const dp_fanout_slot_t *slot = &f->slots[i];
		const osp_shard_copy_t *cp;
		uint32_t n;

		if (!slot->ran || slot->job.job.rc != 0)
			continue;
		cp = osp_index_shard(slot->idx->meta, slot->shard);
		n = slot->job.n_segs < slot->job.max_segs ? slot->job.n_segs : slot->job.max_segs;
		for (uint32_t k = 0; k < n; k++) {
			const st_segment_info_t *sg = &slot->job.segs[k];
			const char **row = dp_cat_row(&t);

			if (row == NULL)
				return;
			row[0] = dp_cat_str(&t, slot->idx->name);
			row[1] = dp_cat_int(&t, slot->shard);
			row[2] = "p";
			row[3] = dp_cat_str(&t, dp_node_info.host);
			row[4] = dp_cat_str(&t, cp[0].node);
			row[5] = dp_cat_str(&t, sg->name);
			row[6] = dp_cat_int(&t, (int64_t)sg->generation);
			row[7] = dp_cat_int(&t, sg->docs_count);
			row[8] = dp_cat_int(&t, sg->docs_deleted);
			row[9] = dp_cat_bytes(&t, (int64_t)sg->size_bytes);
			row[11] = sg->committed ? "true" : "false";
			row[12] = sg->searchable ? "true" : "false";
			row[14] = "false";
		}
	}
	dp_cat_reply(&t);
}

static void
rest_cat_segments(dp_rest_req_t *r)
{
	dp_fanout_start(r, dp_rest_param(r, "index"), DP_ADMIN_SEGMENTS, cat_segments_done, NULL);
}

void
rest_cat_segments_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cat/segments", rest_cat_segments, 0);
	dp_rest_route(DP_HTTP_GET, "/_cat/segments/{index}", rest_cat_segments, 0);
}
