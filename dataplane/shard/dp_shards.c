/*
 * dp_shards.c - applying cluster states to local shards (dp_shards.h).
 *
 * The directory is an array of dp_index_t sorted by name, rebuilt from each
 * published state: indices are matched by uuid so a shard stays open across
 * versions; a uuid that disappeared is a deleted index (its shards are closed
 * and their files removed); a closed index closes its shards but keeps the
 * files. Open, close and mapping jobs are fire-and-forget from here: their
 * done() updates the ref's state and frees the job.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../route/dp_routing.h"
#include "dp_shard_jobs.h"
#include "dp_shards.h"

static struct {
	char data[PATH_MAX - 64];
	osp_cluster_t *state;
	dp_index_t **idx;           /* sorted by name */
	uint32_t n, cap;
	char node_id[OSP_UUID_LEN + 1];
	int64_t refresh_slice_us;   /* storage.refresh_slice_us */
	int64_t postings_cache;     /* storage.postings_cache_bytes */
} dir;

int
dp_shards_init(const osp_settings_t *s)
{
	memset(&dir, 0, sizeof(dir));
	snprintf(dir.data, sizeof(dir.data), "%s", osp_settings_str(s, "path.data"));
	dir.refresh_slice_us = osp_settings_int(s, "storage.refresh_slice_us");
	dir.postings_cache = osp_settings_bytes(s, "storage.postings_cache_bytes");
	return 0;
}

const osp_cluster_t *
dp_shards_state(void)
{
	return dir.state;
}

const char *
dp_shards_node_id(void)
{
	return dir.node_id;
}

static void
shards_path(char *out, size_t len, const char *uuid, uint32_t shard)
{
	snprintf(out, len, "%s/indices/%s/%u", dir.data, uuid, shard);
}

/* ---- job completions (network core) ---- */

static void
shards_open_done(dp_job_t *job)
{
	dp_job_open_t *j = (dp_job_open_t *)job;

	if (job->rc == 0) {
		if (j->ref->state == DP_SHARD_OPENING)
			j->ref->state = DP_SHARD_OPEN;
	} else {
		j->ref->state = DP_SHARD_FAILED;
		j->ref->err = j->err;
		fprintf(stderr, "osprey-dataplane: shard [%s][%u] failed to open: %s: %s\n",
			j->cfg.index_name, j->ref->shard, j->err.type, j->err.reason);
	}
	free(j->mapping);
	free(j);
}

static void
shards_close_done(dp_job_t *job)
{
	dp_job_close_t *j = (dp_job_close_t *)job;

	free(j->ref);
	free(j);
}

static void
shards_mapping_done(dp_job_t *job)
{
	dp_job_mapping_t *j = (dp_job_mapping_t *)job;

	if (job->rc != 0)
		fprintf(stderr, "osprey-dataplane: shard [%u] rejected a mapping: %s\n",
			j->ref->shard, j->err.reason);
	free(j->mapping);
	free(j);
}

/* ---- shard actions ---- */

static unsigned
shards_worker_of(const char *uuid, uint32_t shard)
{
	char key[OSP_UUID_LEN + 16];
	int n = snprintf(key, sizeof(key), "%s#%u", uuid, shard);

	return dp_murmur3_32(key, (size_t)n, 0) % (dp_core.n_workers ? dp_core.n_workers : 1);
}

static int64_t
shards_setting_ms(const osp_index_t *meta, const char *key, int64_t def)
{
	osp_arena_t a;
	int64_t v = def;

	osp_arena_init(&a, 1024, 0);
	const char *s = osp_index_setting(meta, &a, key);

	if (s && osp_parse_time_ms(s, &v) != 0)
		v = def;
	osp_arena_free(&a);
	return v;
}

static void
shards_settings(const osp_index_t *meta, st_shard_settings_t *st)
{
	osp_arena_t a;

	st_shard_settings_default(st);
	st->refresh_interval_ms = shards_setting_ms(meta, "index.refresh_interval", st->refresh_interval_ms);
	st->sync_interval_ms = shards_setting_ms(meta, "index.translog.sync_interval", st->sync_interval_ms);
	st->refresh_slice_us = dir.refresh_slice_us;
	if (dir.postings_cache > 0)
		st->postings_cache_bytes = (uint64_t)dir.postings_cache;
	osp_arena_init(&a, 1024, 0);
	const char *d = osp_index_setting(meta, &a, "index.translog.durability");

	if (d && strcmp(d, "async") == 0)
		st->durability = ST_DURABILITY_ASYNC;
	osp_arena_free(&a);
}

int
dp_shards_analysis_json(const osp_index_t *meta, osp_buf_t *out)
{
	osp_arena_t a;
	osp_buf_t sb;
	osp_jw_t w;
	osp_json_t *settings = NULL;
	osp_json_error_t jerr;
	int rc = 0;

	osp_buf_clear(out);
	osp_buf_init(&sb);
	osp_arena_init(&a, 4096, 0);
	osp_jw_init(&w, &sb, 0);
	osp_index_write_settings(meta, &w, false);
	if (osp_buf_failed(&sb)) {
		rc = -ENOMEM;
	} else if (osp_json_parse(&a, sb.data, sb.len, NULL, &settings, &jerr) == 0) {
		const osp_json_t *an = osp_json_path(settings, "index.analysis");

		if (an) {
			osp_jw_init(&w, out, 0);
			osp_jw_value(&w, an);
			rc = osp_buf_failed(out) ? -ENOMEM : 0;
		}
	}
	osp_arena_free(&a);
	osp_buf_free(&sb);
	return rc;
}

static int
shards_open(dp_index_t *idx, uint32_t s, const osp_index_t *meta)
{
	dp_shard_ref_t *ref = calloc(1, sizeof(*ref));
	dp_job_open_t *j = calloc(1, sizeof(*j));

	if (ref == NULL || j == NULL) {
		free(ref);
		free(j);
		return -ENOMEM;
	}
	ref->shard = s;
	ref->worker = shards_worker_of(idx->uuid, s);
	ref->state = DP_SHARD_OPENING;
	ref->index = idx;
	j->ref = ref;
	shards_path(j->path, sizeof(j->path), idx->uuid, s);
	/* the analysis settings ride after the mapping in the same block */
	osp_buf_t an = OSP_BUF_INIT;

	j->mapping = dp_shards_analysis_json(meta, &an) == 0 ?
		     malloc(meta->mappings_len + an.len + 2) : NULL;
	if (j->mapping == NULL) {
		osp_buf_free(&an);
		free(ref);
		free(j);
		return -ENOMEM;
	}
	memcpy(j->mapping, meta->mappings, meta->mappings_len);
	j->mapping[meta->mappings_len] = '\0';
	if (an.len)
		memcpy(j->mapping + meta->mappings_len + 1, an.data, an.len);
	j->mapping[meta->mappings_len + 1 + an.len] = '\0';
	j->cfg.analysis_json = an.len ? j->mapping + meta->mappings_len + 1 : NULL;
	j->cfg.analysis_len = an.len;
	osp_buf_free(&an);
	j->cfg.path = j->path;
	snprintf(j->index_name, sizeof(j->index_name), "%s", idx->name);
	snprintf(j->index_uuid, sizeof(j->index_uuid), "%s", idx->uuid);
	j->cfg.index_name = j->index_name;
	j->cfg.index_uuid = j->index_uuid;
	j->cfg.shard_id = s;
	j->cfg.primary_term = meta->primary_terms ? meta->primary_terms[s] : 1;
	j->cfg.mapping_json = j->mapping;
	j->cfg.mapping_len = meta->mappings_len;
	shards_settings(meta, &j->cfg.settings);
	dp_job_prepare(&j->job, ref, dp_job_open_run, shards_open_done);
	idx->shards[s] = ref;
	return dp_core_submit(&j->job);
}

static void
shards_close(dp_index_t *idx, uint32_t s, bool remove)
{
	dp_shard_ref_t *ref = idx->shards[s];
	dp_job_close_t *j;

	if (ref == NULL)
		return;
	idx->shards[s] = NULL;
	ref->state = DP_SHARD_CLOSING;
	/* idx may be freed right after (index deleted): completions of jobs
	 * still in flight on this ref see NULL instead of a dangling index. */
	ref->index = NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		/* Leak the ref rather than free what a worker may still use. */
		fprintf(stderr, "osprey-dataplane: out of memory closing a shard\n");
		return;
	}
	j->ref = ref;
	j->remove = remove;
	shards_path(j->path, sizeof(j->path), idx->uuid, s);
	dp_job_prepare(&j->job, ref, dp_job_close_run, shards_close_done);
	dp_core_submit(&j->job);
}

static void
shards_push_mapping(dp_index_t *idx, const osp_index_t *meta)
{
	for (uint32_t s = 0; s < idx->n_shards; s++) {
		dp_shard_ref_t *ref = idx->shards[s];
		dp_job_mapping_t *j;

		if (ref == NULL)
			continue;
		j = calloc(1, sizeof(*j));
		if (j == NULL)
			continue;
		j->ref = ref;
		j->len = meta->mappings_len;
		j->mapping = malloc(j->len + 1);
		if (j->mapping == NULL) {
			free(j);
			continue;
		}
		memcpy(j->mapping, meta->mappings, j->len);
		j->mapping[j->len] = '\0';
		dp_job_prepare(&j->job, ref, dp_job_mapping_run, shards_mapping_done);
		dp_core_submit(&j->job);
	}
}

static void
shards_index_free(dp_index_t *idx, bool remove)
{
	for (uint32_t s = 0; s < idx->n_shards; s++)
		shards_close(idx, s, remove);
	free(idx->shards);
	free(idx);
}

static dp_index_t *
shards_find_uuid(const char *uuid)
{
	for (uint32_t i = 0; i < dir.n; i++)
		if (strcmp(dir.idx[i]->uuid, uuid) == 0)
			return dir.idx[i];
	return NULL;
}

/* Is copy c of this shard assigned to this node? */
static bool
shards_local(const osp_index_t *meta, uint32_t s)
{
	osp_shard_copy_t *c = osp_index_shard(meta, s);

	for (uint32_t r = 0; r <= meta->number_of_replicas; r++)
		if (c[r].node[0] && strcmp(c[r].node, dir.node_id) == 0 &&
		    c[r].state != OSP_SHARD_UNASSIGNED)
			return true;
	return false;
}

static int
shards_cmp(const void *a, const void *b)
{
	return strcmp((*(dp_index_t *const *)a)->name, (*(dp_index_t *const *)b)->name);
}

int
dp_shards_apply(osp_cluster_t *cs)
{
	dp_index_t **next = calloc(cs->n_indices + 1, sizeof(*next));
	uint32_t n = 0;

	if (next == NULL) {
		osp_cluster_free(cs);
		return -ENOMEM;
	}
	if (cs->master_node[0])
		snprintf(dir.node_id, sizeof(dir.node_id), "%s", cs->master_node);
	if (cs->n_nodes == 1)
		snprintf(dir.node_id, sizeof(dir.node_id), "%s", cs->nodes[0].id);
	for (uint32_t i = 0; i < dir.n; i++)
		dir.idx[i]->seen = false;
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		const osp_index_t *meta = cs->indices[i];
		dp_index_t *idx = shards_find_uuid(meta->uuid);
		bool is_new = idx == NULL;

		if (is_new) {
			idx = calloc(1, sizeof(*idx));
			if (idx == NULL)
				continue;
			snprintf(idx->uuid, sizeof(idx->uuid), "%s", meta->uuid);
			idx->n_shards = meta->number_of_shards;
			idx->shards = calloc(idx->n_shards ? idx->n_shards : 1, sizeof(*idx->shards));
			if (idx->shards == NULL) {
				free(idx);
				continue;
			}
			idx->mapping_version = meta->mapping_version;
		}
		snprintf(idx->name, sizeof(idx->name), "%s", meta->name);
		idx->meta = meta;
		idx->seen = true;
		idx->closed = meta->state == OSP_INDEX_CLOSE;
		if (!is_new && idx->mapping_version != meta->mapping_version) {
			idx->mapping_version = meta->mapping_version;
			shards_push_mapping(idx, meta);
		}
		for (uint32_t s = 0; s < idx->n_shards; s++) {
			bool want = !idx->closed && shards_local(meta, s);

			if (want && idx->shards[s] == NULL)
				shards_open(idx, s, meta);
			else if (!want && idx->shards[s] != NULL)
				shards_close(idx, s, false);
		}
		next[n++] = idx;
	}
	for (uint32_t i = 0; i < dir.n; i++)
		if (!dir.idx[i]->seen)
			shards_index_free(dir.idx[i], true); /* deleted: remove files */
	free(dir.idx);
	dir.idx = next;
	dir.n = n;
	qsort(dir.idx, dir.n, sizeof(*dir.idx), shards_cmp);
	/* Jobs hold no pointer into the old state: free it. */
	osp_cluster_free(dir.state);
	dir.state = cs;
	return 0;
}

void
dp_shards_fini(void)
{
	for (uint32_t i = 0; i < dir.n; i++) {
		for (uint32_t s = 0; s < dir.idx[i]->n_shards; s++)
			shards_close(dir.idx[i], s, false);
	}
	while (dp_core_inflight())
		dp_core_collect();
	for (uint32_t i = 0; i < dir.n; i++) {
		free(dir.idx[i]->shards);
		free(dir.idx[i]);
	}
	free(dir.idx);
	osp_cluster_free(dir.state);
	memset(&dir, 0, sizeof(dir));
}

dp_index_t *
dp_shards_index(const char *name)
{
	uint32_t lo = 0, hi = dir.n;

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		int c = strcmp(dir.idx[mid]->name, name);

		if (c == 0)
			return dir.idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

uint32_t
dp_shards_count(void)
{
	return dir.n;
}

dp_index_t *
dp_shards_at(uint32_t i)
{
	return i < dir.n ? dir.idx[i] : NULL;
}

uint32_t
dp_shards_route(const dp_index_t *idx, const char *routing, size_t len)
{
	return dp_routing_shard(routing, len, idx->meta->routing_num_shards, idx->n_shards);
}

dp_shard_ref_t *
dp_shards_ref(dp_index_t *idx, uint32_t s, osp_err_t *err)
{
	dp_shard_ref_t *ref = s < idx->n_shards ? idx->shards[s] : NULL;

	if (idx->closed) {
		osp_err_set(err, 400, "index_closed_exception", "closed");
		snprintf(err->index, sizeof(err->index), "%s", idx->name);
		snprintf(err->index_uuid, sizeof(err->index_uuid), "%s", idx->uuid);
		return NULL;
	}
	if (ref == NULL) {
		osp_err_set(err, 503, "unavailable_shards_exception",
			    "[%s][%u] primary shard is not active", idx->name, s);
		return NULL;
	}
	if (ref->state == DP_SHARD_FAILED) {
		*err = ref->err;
		if (err->status == 0)
			osp_err_set(err, 500, "shard_failed_exception", "[%s][%u] shard failed", idx->name, s);
		return NULL;
	}
	return ref;
}

int
dp_shards_resolve(const char *expr, bool ignore_unavailable, bool allow_no_indices,
		  dp_index_t **out, uint32_t max, osp_err_t *err)
{
	char buf[4096];
	uint32_t n = 0;
	bool wildcard_seen = false;

	if (expr == NULL || *expr == '\0' || strcmp(expr, "_all") == 0 || strcmp(expr, "*") == 0)
		expr = "*";
	if (strlen(expr) >= sizeof(buf))
		return osp_err_illegal_argument(err, "index expression too long");
	snprintf(buf, sizeof(buf), "%s", expr);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool exclude = tok[0] == '-' && n > 0;

		if (exclude)
			tok++;
		if (strchr(tok, '*') || strchr(tok, '?') || strcmp(tok, "_all") == 0) {
			const char *pat = strcmp(tok, "_all") == 0 ? "*" : tok;

			wildcard_seen = true;
			for (uint32_t i = 0; i < dir.n; i++) {
				dp_index_t *idx = dir.idx[i];

				if (fnmatch(pat, idx->name, 0) != 0)
					continue;
				if (idx->name[0] == '.' && pat[0] != '.')
					continue; /* hidden from wildcards */
				if (exclude) {
					uint32_t o = 0;

					for (uint32_t k = 0; k < n; k++)
						if (out[k] != idx)
							out[o++] = out[k];
					n = o;
					continue;
				}
				bool dup = false;

				for (uint32_t k = 0; k < n; k++)
					dup = dup || out[k] == idx;
				if (!dup && n < max)
					out[n++] = idx;
			}
			continue;
		}
		dp_index_t *idx = dp_shards_index(tok);
		dp_index_t *via[64];
		uint32_t nvia = 0;

		if (idx) {
			via[nvia++] = idx;
		} else {
			/* An alias names every index that has it. */
			for (uint32_t i = 0; i < dir.n && nvia < 64; i++)
				if (osp_index_has_alias(dir.idx[i]->meta, tok))
					via[nvia++] = dir.idx[i];
		}
		if (exclude) {
			uint32_t o = 0;

			for (uint32_t k = 0; k < n; k++) {
				bool drop = false;

				for (uint32_t v = 0; v < nvia; v++)
					drop = drop || out[k] == via[v];
				if (!drop)
					out[o++] = out[k];
			}
			n = o;
			continue;
		}
		if (nvia == 0) {
			if (ignore_unavailable)
				continue;
			return osp_err_index_not_found(err, tok);
		}
		for (uint32_t v = 0; v < nvia; v++) {
			bool dup = false;

			for (uint32_t k = 0; k < n; k++)
				dup = dup || out[k] == via[v];
			if (!dup && n < max)
				out[n++] = via[v];
		}
	}
	if (n == 0 && !allow_no_indices && wildcard_seen)
		return osp_err_index_not_found(err, expr);
	return (int)n;
}

/* Is alias name of idx marked is_write_index (true: 1, false: 0, unset: -1)? */
static int
shards_alias_write_flag(const dp_index_t *idx, const char *name)
{
	osp_arena_t a;
	osp_json_t *root = NULL, *def, *w;
	osp_json_error_t jerr;
	int flag = -1;

	osp_arena_init(&a, 4096, 0);
	if (idx->meta->aliases_len &&
	    osp_json_parse(&a, idx->meta->aliases, idx->meta->aliases_len, NULL, &root, &jerr) == 0 &&
	    (def = osp_json_get(root, name)) != NULL &&
	    (w = osp_json_get(def, "is_write_index")) != NULL && osp_json_is(w, OSP_JSON_BOOL))
		flag = w->boolean;
	osp_arena_free(&a);
	return flag;
}

dp_index_t *
dp_shards_write_index(const char *name, bool require_alias, osp_err_t *err)
{
	dp_index_t *idx = require_alias ? NULL : dp_shards_index(name);
	dp_index_t *only = NULL, *writer = NULL;
	uint32_t count = 0;

	if (idx)
		return idx;
	for (uint32_t i = 0; i < dir.n; i++) {
		if (!osp_index_has_alias(dir.idx[i]->meta, name))
			continue;
		int flag = shards_alias_write_flag(dir.idx[i], name);

		count++;
		if (flag == 1)
			writer = dir.idx[i];
		else if (flag == -1)
			only = dir.idx[i];
	}
	if (writer)
		return writer;
	if (count == 1 && only)
		return only;
	if (count > 0) {
		osp_err_illegal_argument(err,
			"no write index is defined for alias [%s]. The write index may be explicitly disabled "
			"using is_write_index=false or the alias points to multiple indices without one being "
			"designated as a write index", name);
		return NULL;
	}
	if (require_alias) {
		osp_err_index_not_found(err, name);
		snprintf(err->reason, sizeof(err->reason),
			 "no such index [%s] and [require_alias] request flag is [true] and [%s] is not an alias",
			 name, name);
		return NULL;
	}
	osp_err_index_not_found(err, name);
	return NULL;
}

bool
dp_shards_is_alias(const char *name)
{
	for (uint32_t i = 0; i < dir.n; i++)
		if (osp_index_has_alias(dir.idx[i]->meta, name))
			return true;
	return false;
}
