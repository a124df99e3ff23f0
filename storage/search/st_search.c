/*
 * st_search.c - the shard search entry points: query phase, _count, explain.
 *
 * Per shard: build the weight tree once (statistics over all segments), then
 * per segment, oldest first:
 *   - if hits must be counted (track_total_hits) or aggregated, compute the
 *     segment's match set by roaring algebra and intersect it with the live
 *     docs; the count is its cardinality, never an iteration (or, when only
 *     the count is needed, st_weight_count answers without the set);
 *   - collect the top k = from + size: in relevance order through the scorer
 *     tree, publishing the heap's threshold to the root scorer so MaxScore /
 *     block-max skip what cannot compete; in field / _doc order by walking
 *     the match set and reading doc values, without scoring unless asked;
 *   - feed the match set to the aggregation collectors.
 * min_score needs every score, so with it counting and aggregation follow the
 * scored iteration instead. Results go into the caller's arena.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "st_collect.h"

/* Per-search state; on the stack of st_search_shard. */
typedef struct run {
	const st_search_req_t *req;
	st_reader_t *const *r;
	uint32_t n;
	osp_arena_t *a;
	st_weight_t *w;
	st_coll_t coll;
	st_agg_coll_t *aggs;
	uint64_t total;
} run_t;

static roaring_bitmap_t *
live_matches(const st_weight_t *w, const st_reader_t *r)
{
	roaring_bitmap_t *m = st_weight_bitmap(w, r);

	if (m && r->live)
		roaring_bitmap_and_inplace(m, r->live);
	return m;
}

/* Scored iteration of one segment. scored_set collects matching live docs
 * when min_score decides membership (counting / aggregations). */
static int
scored_pass(run_t *s, uint32_t ord, roaring_bitmap_t *scored_set)
{
	const st_reader_t *r = s->r[ord];
	st_sctx_t sc;
	st_scorer_t *root;
	bool prune = s->coll.by_score_only && !s->req->has_min_score;
	float thr = 0;
	int rc = 0;

	st_sctx_init(&sc, r, s->a);
	root = st_scorer_build(s->w, &sc);
	if (sc.rc) {
		rc = sc.rc;
		goto cleanup;
	}
	if (!root)
		goto cleanup;
	if (prune && root->set_min && (thr = st_coll_threshold(&s->coll)) > 0)
		root->set_min(root, thr);
	for (uint32_t doc = root->advance(root, 0); doc != ST_NO_MORE_DOCS;
	     doc = root->advance(root, doc + 1)) {
		if (!st_reader_is_live(r, doc))
			continue;
		float score = root->score(root);
		if (s->req->has_min_score && score < s->req->min_score)
			continue;
		if (scored_set)
			roaring_bitmap_add(scored_set, doc);
		if (st_coll_offer(&s->coll, doc, score) && prune && root->set_min) {
			float t = st_coll_threshold(&s->coll);
			if (t > thr) {
				thr = t;
				root->set_min(root, t);
			}
		}
	}
cleanup:
	st_sctx_done(&sc);
	return rc;
}

/* Unscored walk of a match set (field / _doc order). Scores are computed
 * only with track_scores. */
static int
unscored_pass(run_t *s, uint32_t ord, const roaring_bitmap_t *m)
{
	roaring_uint32_iterator_t it;

	roaring_init_iterator(m, &it);
	for (; it.has_value; roaring_advance_uint32_iterator(&it))
		st_coll_offer(&s->coll, it.current_value, NAN);
	(void)ord;
	return 0;
}

static int
segment(run_t *s, uint32_t ord)
{
	const st_search_req_t *req = s->req;
	const st_reader_t *r = s->r[ord];
	bool counting = req->track_total_hits != ST_TRACK_TOTAL_NONE;
	roaring_bitmap_t *m = NULL;
	int rc = 0;

	if ((rc = st_coll_segment(&s->coll, r, ord)))
		return rc;
	if (req->has_min_score) {
		/* membership depends on the score: one scored pass decides all */
		m = roaring_bitmap_create();
		if (!m)
			return -ENOMEM;
		if ((rc = scored_pass(s, ord, m)))
			goto cleanup;
		s->total += roaring_bitmap_get_cardinality(m);
	} else {
		bool need_set = s->aggs || !s->coll.need_scores, counted = false;
		uint64_t cnt;

		if (counting && !need_set) {
			rc = st_weight_count(s->w, r, &cnt);
			if (rc == 0) {
				s->total += cnt;
				counted = true;
			} else if (rc != -ENOTSUP) {
				return rc;
			}
			rc = 0;
		}
		if ((counting && !counted) || need_set) {
			if (!(m = live_matches(s->w, r)))
				return -ENOMEM;
			s->total += roaring_bitmap_get_cardinality(m);
		}
		if (s->coll.k > 0) {
			if (s->coll.need_scores)
				rc = scored_pass(s, ord, NULL);
			else
				rc = unscored_pass(s, ord, m);
			if (rc)
				goto cleanup;
		}
	}
	if (s->aggs)
		rc = st_agg_coll_segment(s->aggs, r, m);
cleanup:
	if (m)
		roaring_bitmap_free(m);
	return rc;
}

int
st_search_shard(st_reader_t *const *readers, uint32_t n, const st_search_req_t *req,
		const st_search_fields_t *fields, osp_arena_t *a,
		st_shard_result_t *out, osp_err_t *err)
{
	run_t s = { .req = req, .r = readers, .n = n, .a = a };
	int rc;

	memset(out, 0, sizeof(*out));
	out->max_score = NAN;
	if ((rc = st_weight_build(readers, n, req->query, fields, req->now_ms, a, &s.w, err)))
		return rc;
	if ((rc = st_coll_init(&s.coll, req, fields, a, err)))
		return rc;
	if (req->n_aggs &&
	    (rc = st_agg_coll_create(req->aggs, req->n_aggs, fields, a, &s.aggs, err)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = segment(&s, i)))
			return rc;
	if ((rc = st_coll_finish(&s.coll, readers, &out->hits, &out->n_hits)))
		return rc;
	for (uint32_t i = 0; i < out->n_hits; i++)
		out->hits[i].shard = out->shard;
	if (req->explain) {
		for (uint32_t i = 0; i < out->n_hits; i++) {
			st_hit_t *h = &out->hits[i];
			h->expl = st_weight_explain(s.w, readers[h->seg_ord], h->doc, a);
			if (!h->expl)
				return -ENOMEM;
		}
	}
	out->total_tracked = req->track_total_hits != ST_TRACK_TOTAL_NONE;
	out->total = out->total_tracked ? s.total : 0;
	out->max_score = s.coll.need_scores ? s.coll.max_score : NAN;
	if (s.aggs && (rc = st_agg_coll_finish(s.aggs, req->num_shards, &out->aggs)))
		return rc;
	out->n_aggs = req->n_aggs;
	return 0;
}

int
st_search_count(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		const st_search_fields_t *fields, int64_t now_ms, osp_arena_t *a,
		uint64_t *count, osp_err_t *err)
{
	st_weight_t *w;
	int rc;

	*count = 0;
	if ((rc = st_weight_build(readers, n, q, fields, now_ms, a, &w, err)))
		return rc;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t cnt;
		rc = st_weight_count(w, readers[i], &cnt);
		if (rc == 0) {
			*count += cnt;
			continue;
		}
		if (rc != -ENOTSUP)
			return rc;
		roaring_bitmap_t *m = st_weight_bitmap(w, readers[i]);
		if (!m)
			return -ENOMEM;
		*count += readers[i]->live ? roaring_bitmap_and_cardinality(m, readers[i]->live)
					   : roaring_bitmap_get_cardinality(m);
		roaring_bitmap_free(m);
	}
	return 0;
}

int
st_search_explain(st_reader_t *const *readers, uint32_t n, const st_query_t *q,
		  const st_search_fields_t *fields, int64_t now_ms,
		  uint32_t seg_ord, uint32_t doc, osp_arena_t *a,
		  st_expl_t **out, osp_err_t *err)
{
	st_weight_t *w;
	int rc;

	if (seg_ord >= n)
		return -ENOENT;
	if ((rc = st_weight_build(readers, n, q, fields, now_ms, a, &w, err)))
		return rc;
	*out = st_weight_explain(w, readers[seg_ord], doc, a);
	return *out ? 0 : -ENOMEM;
}
