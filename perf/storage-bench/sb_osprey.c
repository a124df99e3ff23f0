/* sb_osprey.c - Osprey's storage engine as a pf_engine_ops_t driver, so the
 * storage-level bench drives it exactly like the in-process peers.
 *
 * One shard (storage.h) on the io_uring (or plain) io of this thread, no
 * HTTP, no dataplane: documents go through st_shard_write as the JSON
 * {"section":..,"size":..,"body":..} (mapping: body text, section keyword,
 * size long; _source off unless sb_osprey_keep_source, because the peers
 * store no document text), WAL durability async, no periodic refresh (the
 * shard refreshes when its buffer fills), st_shard_tick every 256 docs.
 * commit = flush, let the merge policy finish, flush again (peers: their
 * commit / optimize). Queries are the Elasticsearch bodies of
 * perf/workloads/osprey, parsed and run through st_shard_search (top 10,
 * no total) or st_shard_count_query (count); parsing is timed with them. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "osprey/arena.h"
#include "osprey/buf.h"
#include "osprey/json.h"
#include "osprey/storage.h"
#include "pf_engine.h"
#include "sb_osprey.h"

typedef struct osh {
	st_io_t *io;
	st_shard_t *sh;
	osp_arena_t a;
	osp_buf_t buf;
	uint64_t n;
} osh_t;

static bool keep_source;

void
sb_osprey_keep_source(bool on)
{
	keep_source = on;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st; (void)flag; (void)f;
	return remove(p);
}

static void
os_close(void *h)
{
	osh_t *o = h;

	if (!o)
		return;
	if (o->sh)
		st_shard_close(o->sh, true);
	if (o->io)
		st_io_destroy(o->io);
	osp_arena_free(&o->a);
	osp_buf_free(&o->buf);
	free(o);
}

static int
os_open(void **h, const char *path, int create)
{
	static const char props[] = "\"properties\":{\"body\":{\"type\":\"text\"},"
				    "\"section\":{\"type\":\"keyword\"},\"size\":{\"type\":\"long\"}}}";
	char mapping[256];
	st_shard_config_t cfg;
	osp_err_t err;
	osh_t *o = calloc(1, sizeof(*o));
	int rc;

	if (!o)
		return -ENOMEM;
	osp_arena_init(&o->a, 1 << 16, 0);
	osp_buf_init(&o->buf);
	if (create)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	snprintf(mapping, sizeof(mapping), "{%s%s",
		 keep_source ? "" : "\"_source\":{\"enabled\":false},", props);
	if ((rc = st_io_create_best(&o->io, 256)))
		goto fail;
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = path;
	cfg.index_name = "bench";
	cfg.index_uuid = "storage-bench-0000000000";
	cfg.primary_term = 1;
	cfg.mapping_json = mapping;
	cfg.mapping_len = strlen(mapping);
	st_shard_settings_default(&cfg.settings);
	cfg.settings.refresh_interval_ms = -1;
	cfg.settings.durability = ST_DURABILITY_ASYNC;
	cfg.settings.sync_interval_ms = 5000;
	cfg.io = o->io;
	if ((rc = st_shard_open(&cfg, &o->sh, &err))) {
		fprintf(stderr, "osprey: open %s: %s %s\n", path, err.type, err.reason);
		goto fail;
	}
	*h = o;
	return 0;
fail:
	os_close(o);
	return rc;
}

static int
os_add(void *h, const pf_doc_t *d)
{
	osh_t *o = h;
	st_write_req_t req;
	st_write_res_t res;
	osp_err_t err;
	char id[24];
	int rc;

	osp_buf_clear(&o->buf);
	osp_buf_append(&o->buf, "{\"section\":\"", 12);
	osp_json_escape(&o->buf, d->section, strlen(d->section));
	osp_buf_printf(&o->buf, "\",\"size\":%lld,\"body\":\"", d->size);
	osp_json_escape(&o->buf, d->body, strlen(d->body));
	osp_buf_append(&o->buf, "\"}", 2);
	if (osp_buf_failed(&o->buf))
		return -ENOMEM;
	memset(&req, 0, sizeof(req));
	req.op = ST_OP_INDEX;
	req.id_len = (size_t)snprintf(id, sizeof(id), "%lld", d->id);
	req.id = id;
	req.source = o->buf.data;
	req.source_len = o->buf.len;
	req.version = ST_MATCH_ANY_VERSION;
	req.if_seq_no = ST_UNASSIGNED_SEQ_NO;
	rc = st_shard_write(o->sh, &req, &o->a, &res, &err);
	osp_arena_reset(&o->a);
	if (rc) {
		fprintf(stderr, "osprey: write %s: %d %s %s\n", id, rc, err.type, err.reason);
		return rc < 0 ? rc : -EIO;
	}
	if (++o->n % 256 == 0)
		return st_shard_tick(o->sh, now_ms());
	return 0;
}

static int
os_commit(void *h)
{
	osh_t *o = h;
	st_shard_stats_t st;
	int rc, idle = 0;
	int64_t until = now_ms() + 1800 * 1000;

	if ((rc = st_shard_flush(o->sh)))
		return rc;
	/* let the merge policy finish what the refreshes started */
	while (idle < 3 && now_ms() < until) {
		if ((rc = st_shard_tick(o->sh, now_ms())))
			return rc;
		st_shard_get_stats(o->sh, &st);
		idle = st.merge_current ? 0 : idle + 1;
	}
	return st_shard_flush(o->sh);
}

/* The query part of the body, as perf/workloads/osprey writes it. */
static void
query_json(osp_buf_t *b, const pf_query_t *q)
{
	const char *op = q->cat == PF_CAT_AND_HIGH_HIGH || q->cat == PF_CAT_AND_HIGH_MED ? "and"
									      : "or";

	switch (q->cat) {
	case PF_CAT_AND_HIGH_HIGH:
	case PF_CAT_AND_HIGH_MED:
	case PF_CAT_OR_HIGH_HIGH:
	case PF_CAT_OR_HIGH_MED:
	case PF_CAT_PHRASE:
		osp_buf_puts(b, q->cat == PF_CAT_PHRASE ? "{\"match_phrase\":{\"body\":\""
							: "{\"match\":{\"body\":{\"query\":\"");
		osp_json_escape(b, q->w1, strlen(q->w1));
		osp_buf_append(b, " ", 1);
		osp_json_escape(b, q->w2, strlen(q->w2));
		if (q->cat == PF_CAT_PHRASE)
			osp_buf_puts(b, "\"}}");
		else
			osp_buf_printf(b, "\",\"operator\":\"%s\"}}}", op);
		break;
	case PF_CAT_INT_NRQ:
		osp_buf_printf(b, "{\"range\":{\"size\":{\"gte\":%lld,\"lte\":%lld}}}", q->lo, q->hi);
		break;
	default:
		osp_buf_puts(b, "{\"match\":{\"body\":\"");
		osp_json_escape(b, q->w1, strlen(q->w1));
		osp_buf_puts(b, "\"}}");
	}
}

static int
os_query(void *h, const pf_query_t *q, long *hits)
{
	osh_t *o = h;
	osp_json_t *body;
	osp_json_error_t je;
	st_search_req_t req;
	st_shard_result_t res;
	osp_err_t err;
	uint64_t cnt;
	int rc = -EINVAL;

	osp_buf_clear(&o->buf);
	osp_buf_puts(&o->buf, "{\"query\":");
	query_json(&o->buf, q);
	if (!q->count && q->cat == PF_CAT_TERM_AGG)
		osp_buf_puts(&o->buf, ",\"size\":0,\"aggs\":{\"sections\":{\"terms\":"
				      "{\"field\":\"section\",\"size\":10}}}");
	else if (!q->count && q->cat == PF_CAT_TERM_SORT)
		osp_buf_puts(&o->buf, ",\"sort\":[{\"size\":\"desc\"}],\"size\":10");
	osp_buf_puts(&o->buf, ",\"track_total_hits\":false}");
	if (osp_buf_failed(&o->buf))
		return -ENOMEM;
	st_search_req_init(&req);
	if (osp_json_parse(&o->a, o->buf.data, o->buf.len, NULL, &body, &je) < 0 ||
	    st_search_req_parse(&o->a, body, &req, &err))
		goto done;
	if (q->count) {
		rc = st_shard_count_query(o->sh, req.query, req.now_ms, &o->a, &cnt, &err);
		*hits = (long)cnt;
	} else {
		rc = st_shard_search(o->sh, &req, &o->a, &res, NULL, &err);
		*hits = q->cat == PF_CAT_TERM_AGG ? (res.n_aggs ? (long)res.aggs[0]->n_buckets : 0)
						  : (long)res.n_hits;
	}
	if (rc)
		fprintf(stderr, "osprey: query: %s %s\n", err.type, err.reason);
done:
	osp_arena_reset(&o->a);
	return rc;
}

static long long total_bytes;

static int
add_size(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)p; (void)f;
	if (flag == FTW_F)
		total_bytes += (long long)st->st_size;
	return 0;
}

static long long
os_size(void *h, const char *path)
{
	(void)h;
	total_bytes = 0;
	if (nftw(path, add_size, 16, FTW_PHYS))
		return -1;
	return total_bytes;
}

const pf_engine_ops_t pf_engine_osprey = {
	.name = "osprey", .open = os_open, .add = os_add, .commit = os_commit,
	.query = os_query, .size_bytes = os_size, .close = os_close,
};
