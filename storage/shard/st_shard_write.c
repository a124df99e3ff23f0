/*
 * st_shard_write.c - the shard's write path: index, create, update, delete
 * with Elasticsearch's versioning and conflict rules, and WAL replay.
 *
 * An op is resolved against the current state of its _id (version map
 * first, then the segments), checked (if_seq_no/if_primary_term, op_type
 * create, external versions), its document parsed with the mapping (a
 * dynamic mapping update stops the op before anything is applied), then it
 * gets the next _seq_no, is appended to the WAL batch and applied to the
 * indexing buffer and the version map. Durability is the WAL's business
 * (st_shard_tick group-commits); visibility the refresh's. Parsed field
 * values are copied from the request arena into the shard's buffer arena,
 * so the request can be freed as soon as the reply is built.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/json.h"
#include "st_shard_int.h"
#include "st_update.h"

/* What an _id currently is. */
typedef struct cur_doc {
	bool exists;              /* a live doc */
	bool tomb;                /* a remembered delete */
	int64_t seq_no, term, version;
	st_vmap_ent_t *ve;        /* version map entry, when any */
	st_sseg_t *seg;           /* segment holding the live doc (no ve) */
	uint32_t doc;
} cur_doc_t;

static int
cur_lookup(st_shard_t *sh, const char *id, size_t len, cur_doc_t *c)
{
	st_doc_meta_t meta;

	memset(c, 0, sizeof(*c));
	c->ve = st_vmap_get(&sh->vmap, id, len);
	if (c->ve) {
		c->exists = !c->ve->deleted;
		c->tomb = c->ve->deleted;
		c->seq_no = c->ve->seq_no;
		c->term = c->ve->term;
		c->version = c->ve->version;
		return 0;
	}
	int rc = st_shard_seg_lookup(sh, id, len, &c->seg, &c->doc, &meta);

	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	c->exists = true;
	c->seq_no = meta.seq_no;
	c->term = meta.primary_term;
	c->version = meta.version;
	return 0;
}

static int
conflict(st_shard_t *sh, osp_err_t *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
conflict(st_shard_t *sh, osp_err_t *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = osp_err_vset(err, 409, "version_conflict_engine_exception", fmt, ap);

	va_end(ap);
	snprintf(err->index, sizeof(err->index), "%s", sh->index_name);
	snprintf(err->index_uuid, sizeof(err->index_uuid), "%s", sh->index_uuid);
	err->shard = (int32_t)sh->shard_id;
	return rc;
}

static int
validation(osp_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ES's ActionRequestValidationException with one message. */
static int
validation(osp_err_t *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return osp_err_set(err, 400, "action_request_validation_exception",
			   "Validation Failed: 1: %s;", msg);
}

/* ES's request validation plus the version checks against the current doc;
 * on success *version is the version the op will carry. */
static int
check_versions(st_shard_t *sh, const st_write_req_t *req, bool is_delete,
	       const cur_doc_t *c, int64_t *version, osp_err_t *err)
{
	const char *id = req->id;
	int idl = (int)req->id_len;
	bool cas = req->if_seq_no != ST_UNASSIGNED_SEQ_NO || req->if_primary_term != 0;

	if (cas && (req->version != ST_MATCH_ANY_VERSION ||
		    req->version_type != ST_VERSION_INTERNAL))
		return validation(err, "compare and write operations can not use versioning");
	if (req->op == ST_OP_CREATE && cas)
		return validation(err, "create operations do not support compare and set. "
				  "use index instead");
	if (req->op == ST_OP_CREATE && req->version_type != ST_VERSION_INTERNAL)
		return validation(err, "create operations only support internal versioning. "
				  "use index instead");
	if (req->version_type == ST_VERSION_INTERNAL && req->version != ST_MATCH_ANY_VERSION)
		return validation(err, "internal versioning can not be used for optimistic "
				  "concurrency control. Please use `if_seq_no` and "
				  "`if_primary_term` instead");
	if (req->version_type != ST_VERSION_INTERNAL && req->version < 0)
		return validation(err, "illegal version value [%lld] for version type [%s]",
				  (long long)req->version,
				  req->version_type == ST_VERSION_EXTERNAL ? "EXTERNAL" : "EXTERNAL_GTE");
	if (cas && (req->if_seq_no < 0 || req->if_primary_term <= 0))
		return validation(err, req->if_seq_no < 0 ? "ifSeqNo must be non negative" :
				  "ifPrimaryTerm must be non negative");
	if (req->op == ST_OP_CREATE && req->version_type == ST_VERSION_INTERNAL && c->exists)
		return conflict(sh, err, "[%.*s]: version conflict, document already exists "
				"(current version [%lld])", idl, id, (long long)c->version);
	if (cas) {
		if (!c->exists)
			return conflict(sh, err, "[%.*s]: version conflict, required seqNo [%lld], "
					"primary term [%lld]. but no document was found", idl, id,
					(long long)req->if_seq_no, (long long)req->if_primary_term);
		if (c->seq_no != req->if_seq_no || c->term != req->if_primary_term)
			return conflict(sh, err, "[%.*s]: version conflict, required seqNo [%lld], "
					"primary term [%lld]. current document has seqNo [%lld] "
					"and primary term [%lld]", idl, id,
					(long long)req->if_seq_no, (long long)req->if_primary_term,
					(long long)c->seq_no, (long long)c->term);
	}
	bool known = c->exists || c->tomb;

	switch (req->version_type) {
	case ST_VERSION_EXTERNAL:
		if (known && c->version >= req->version)
			return conflict(sh, err, "[%.*s]: version conflict, current version [%lld] "
					"is higher or equal to the one provided [%lld]", idl, id,
					(long long)c->version, (long long)req->version);
		*version = req->version;
		break;
	case ST_VERSION_EXTERNAL_GTE:
		if (known && c->version > req->version)
			return conflict(sh, err, "[%.*s]: version conflict, current version [%lld] "
					"is higher than the one provided [%lld]", idl, id,
					(long long)c->version, (long long)req->version);
		*version = req->version;
		break;
	default:
		*version = known ? c->version + 1 : 1;
		break;
	}
	(void)is_delete;
	return 0;
}

/* Copy a parsed document's fields into the buffer arena. */
static int
copy_fields(osp_arena_t *a, const st_doc_t *d, st_doc_field_t **out, uint32_t *n)
{
	st_doc_field_t *fs = NULL;

	if (d->n_fields) {
		fs = osp_arena_alloc(a, sizeof(*fs) * d->n_fields);
		if (!fs)
			return -ENOMEM;
	}
	for (uint32_t i = 0; i < d->n_fields; i++) {
		const st_doc_field_t *s = &d->fields[i];
		st_doc_field_t *t = &fs[i];

		memset(t, 0, sizeof(*t));
		t->field = s->field;
		t->length = s->length;
		if (s->n_tokens) {
			t->tokens = osp_arena_alloc(a, sizeof(*t->tokens) * s->n_tokens);
			if (!t->tokens)
				return -ENOMEM;
			for (uint32_t k = 0; k < s->n_tokens; k++) {
				t->tokens[k] = s->tokens[k];
				t->tokens[k].term = osp_arena_strndup(a, s->tokens[k].term,
								      s->tokens[k].len);
				if (!t->tokens[k].term)
					return -ENOMEM;
			}
			t->n_tokens = s->n_tokens;
		}
		if (s->n_terms) {
			t->terms = osp_arena_alloc(a, sizeof(*t->terms) * s->n_terms);
			if (!t->terms)
				return -ENOMEM;
			for (uint32_t k = 0; k < s->n_terms; k++) {
				t->terms[k].len = s->terms[k].len;
				t->terms[k].s = osp_arena_strndup(a, s->terms[k].s, s->terms[k].len);
				if (!t->terms[k].s)
					return -ENOMEM;
			}
			t->n_terms = s->n_terms;
		}
		if (s->n_values) {
			size_t sz = sizeof(int64_t) * s->n_values;

			if (s->longs) {
				t->longs = osp_arena_alloc(a, sz);
				if (!t->longs)
					return -ENOMEM;
				memcpy(t->longs, s->longs, sz);
			}
			if (s->doubles) {
				t->doubles = osp_arena_alloc(a, sizeof(double) * s->n_values);
				if (!t->doubles)
					return -ENOMEM;
				memcpy(t->doubles, s->doubles, sizeof(double) * s->n_values);
			}
			t->n_values = s->n_values;
		}
	}
	*out = fs;
	*n = d->n_fields;
	return 0;
}

/* Parse src with the current mapping. ST_MAPPING_UPDATE when it needs new
 * fields (res->mapping_update filled from arena a). */
static int
parse_doc(st_shard_t *sh, const char *id, size_t id_len, const char *src,
	  size_t len, osp_arena_t *a, st_doc_t *doc, st_write_res_t *res,
	  osp_err_t *err)
{
	char *idz = osp_arena_strndup(a, id, id_len);

	if (!idz)
		return -ENOMEM;
	int rc = st_doc_parse(sh->mapping, sh->actx, idz, src, len, a, doc, err);

	if (rc < 0)
		return rc;
	if (doc->mapping_update) {
		osp_buf_t b = OSP_BUF_INIT;
		osp_jw_t w;

		osp_jw_init(&w, &b, 0);
		osp_jw_value(&w, doc->mapping_update);
		if (osp_buf_failed(&b)) {
			osp_buf_free(&b);
			return -ENOMEM;
		}
		if (res) {
			res->mapping_update = osp_arena_strndup(a, b.data, b.len);
			res->mapping_update_len = b.len;
		}
		osp_buf_free(&b);
		if (res && !res->mapping_update)
			return -ENOMEM;
		return ST_MAPPING_UPDATE;
	}
	return 0;
}

static int
buffer_grow(st_shard_t *sh)
{
	if (sh->nb < sh->capb)
		return 0;
	uint32_t ncap = sh->capb ? sh->capb * 2 : 256;
	st_bdoc_t *nd = realloc(sh->bdocs, sizeof(*nd) * ncap);

	if (!nd)
		return -ENOMEM;
	sh->bdocs = nd;
	sh->capb = ncap;
	return 0;
}

/* The previous version of the doc stops being live: in the buffer at once,
 * in a segment at the next refresh. */
static int
retire(st_shard_t *sh, const cur_doc_t *c)
{
	if (c->ve && c->ve->buf_doc != ST_VMAP_NO_DOC) {
		st_bdoc_t *b = st_shard_bdoc(sh, c->ve->buf_doc);

		if (c->ve->buf_doc & ST_BUF_FROZEN)
			return st_shard_rslice_retire(sh, b);
		if (b->live) {
			b->live = false;
			sh->nb_live--;
		}
	} else if (c->seg) {
		return st_shard_seg_add_delete(c->seg, c->doc);
	}
	return 0;
}

/* Apply an op that has its seq_no and version: buffer + version map. For a
 * delete doc is NULL. */
static int
apply(st_shard_t *sh, const st_wal_op_t *op, const st_doc_t *doc, const cur_doc_t *c)
{
	st_vmap_ent_t ent = {
		.buf_doc = ST_VMAP_NO_DOC, .seq_no = op->seq_no, .term = op->primary_term,
		.version = op->version, .time_ms = sh->now_ms,
		.deleted = op->type == ST_WAL_OP_DELETE,
	};
	int rc;

	if (doc) {
		rc = buffer_grow(sh);
		if (rc < 0)
			return rc;
		st_bdoc_t *b = &sh->bdocs[sh->nb];

		memset(b, 0, sizeof(*b));
		b->id = osp_arena_strndup(&sh->barena, op->id, op->id_len);
		b->source = osp_arena_strndup(&sh->barena, op->source, op->source_len);
		b->routing = op->routing_len ?
			     osp_arena_strndup(&sh->barena, op->routing, op->routing_len) : NULL;
		if (!b->id || !b->source || (op->routing_len && !b->routing))
			return -ENOMEM;
		b->id_len = op->id_len;
		b->source_len = op->source_len;
		b->routing_len = op->routing_len;
		b->seq_no = op->seq_no;
		b->term = op->primary_term;
		b->version = op->version;
		rc = copy_fields(&sh->barena, doc, &b->fields, &b->n_fields);
		if (rc < 0)
			return rc;
		b->live = true;
		ent.buf_doc = sh->nb;
	}
	rc = retire(sh, c);
	if (rc < 0)
		return rc;
	rc = st_vmap_put(&sh->vmap, op->id, op->id_len, &ent, NULL);
	if (rc < 0)
		return rc;
	if (doc) {
		sh->nb++;
		sh->nb_live++;
	}
	if (op->seq_no > sh->buf_max_seq_no)
		sh->buf_max_seq_no = op->seq_no;
	if (op->seq_no > sh->max_seq_no)
		sh->max_seq_no = op->seq_no;
	sh->dirty = true;
	return 0;
}

/* Log then apply a new op. A failure after the WAL append fails the shard:
 * the op may reach the disk but the buffer does not have it. */
static int
log_and_apply(st_shard_t *sh, st_wal_op_t *op, const st_doc_t *doc,
	      const cur_doc_t *c, osp_err_t *err)
{
	op->seq_no = sh->max_seq_no + 1;
	op->primary_term = sh->term;
	int rc = st_wal_append(sh->wal, op);

	if (rc < 0) {
		osp_err_set(err, 500, "translog_exception",
			    "[%s][%u] failed to append to the translog: %s",
			    sh->index_name, sh->shard_id, strerror(-rc));
		return rc;
	}
	sh->max_seq_no = op->seq_no;
	rc = apply(sh, op, doc, c);
	if (rc < 0) {
		st_shard_fail(sh, rc);
		osp_err_set(err, 500, "engine_exception", "[%s][%u] failed to apply operation: %s",
			    sh->index_name, sh->shard_id, strerror(-rc));
	}
	return rc;
}

static void
fill_res(st_shard_t *sh, const st_wal_op_t *op, st_result_t r, st_write_res_t *res)
{
	res->result = r;
	res->seq_no = op->seq_no;
	res->primary_term = op->primary_term;
	res->version = op->version;
	res->flags = sh->set.durability == ST_DURABILITY_ASYNC ? ST_WRITE_DURABLE : 0;
}

static int
do_index(st_shard_t *sh, const st_write_req_t *req, const char *src, size_t src_len,
	 osp_arena_t *a, st_write_res_t *res, osp_err_t *err)
{
	cur_doc_t c;
	st_doc_t doc;
	int64_t version = 0;
	int rc = cur_lookup(sh, req->id, req->id_len, &c);

	if (rc < 0)
		return rc;
	rc = check_versions(sh, req, false, &c, &version, err);
	if (rc < 0)
		return rc;
	rc = parse_doc(sh, req->id, req->id_len, src, src_len, a, &doc, res, err);
	if (rc < 0 || rc == ST_MAPPING_UPDATE)
		return rc;
	st_wal_op_t op = {
		.type = ST_WAL_OP_INDEX, .version = version,
		.id = req->id, .id_len = (uint32_t)req->id_len,
		.routing = req->routing, .routing_len = (uint32_t)req->routing_len,
		.source = src, .source_len = (uint32_t)src_len,
	};

	rc = log_and_apply(sh, &op, &doc, &c, err);
	if (rc < 0)
		return rc;
	fill_res(sh, &op, c.exists ? ST_RESULT_UPDATED : ST_RESULT_CREATED, res);
	sh->st.index_total++;
	return 0;
}

static int
do_delete(st_shard_t *sh, const st_write_req_t *req, st_write_res_t *res, osp_err_t *err)
{
	cur_doc_t c;
	int64_t version = 0;
	int rc = cur_lookup(sh, req->id, req->id_len, &c);

	if (rc < 0)
		return rc;
	rc = check_versions(sh, req, true, &c, &version, err);
	if (rc < 0)
		return rc;
	st_wal_op_t op = {
		.type = ST_WAL_OP_DELETE, .version = version,
		.id = req->id, .id_len = (uint32_t)req->id_len,
		.routing = req->routing, .routing_len = (uint32_t)req->routing_len,
	};

	rc = log_and_apply(sh, &op, NULL, &c, err);
	if (rc < 0)
		return rc;
	fill_res(sh, &op, c.exists ? ST_RESULT_DELETED : ST_RESULT_NOT_FOUND, res);
	sh->st.delete_total++;
	return 0;
}

/* The current _source of a live doc (buffer or segment), into arena a. */
static int
cur_source(st_shard_t *sh, const cur_doc_t *c, osp_arena_t *a, const char **src,
	   size_t *len)
{
	if (c->ve) {
		/* copied: the buffer arena is reset by the next refresh */
		const st_bdoc_t *b = st_shard_bdoc(sh, c->ve->buf_doc);

		*src = osp_arena_strndup(a, b->source, b->source_len);
		*len = b->source_len;
		return *src ? 0 : -ENOMEM;
	}
	return c->seg->r->ops->source(c->seg->r, c->doc, a, src, len);
}

static int
json_err(osp_err_t *err, const osp_json_error_t *je, const char *what)
{
	int rc = osp_err_set(err, 400, "x_content_parse_exception", "[%u:%u] %s",
			     je->line, je->column, je->msg);

	(void)what;
	err->line = (int32_t)je->line;
	err->col = (int32_t)je->column;
	return rc;
}

static int
serialize(osp_arena_t *a, const osp_json_t *v, const char **out, size_t *len)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, v);
	if (osp_buf_failed(&b)) {
		osp_buf_free(&b);
		return -ENOMEM;
	}
	*out = osp_arena_strndup(a, b.data ? b.data : "", b.len);
	*len = b.len;
	osp_buf_free(&b);
	return *out ? 0 : -ENOMEM;
}

static int
do_update(st_shard_t *sh, const st_write_req_t *req, osp_arena_t *a,
	  st_write_res_t *res, osp_err_t *err)
{
	osp_json_t *body, *doc, *upsert;
	osp_json_error_t je;
	cur_doc_t c;
	bool doc_as_upsert = false, detect_noop = true;
	int rc;

	if (req->version != ST_MATCH_ANY_VERSION || req->version_type != ST_VERSION_INTERNAL)
		return validation(err, req->version_type != ST_VERSION_INTERNAL ?
				  "version type [external] is not supported by the update API" :
				  "internal versioning can not be used for optimistic concurrency "
				  "control. Please use `if_seq_no` and `if_primary_term` instead");
	if (osp_json_parse(a, req->source, req->source_len, NULL, &body, &je) < 0)
		return json_err(err, &je, "update");
	if (!osp_json_is(body, OSP_JSON_OBJECT))
		return osp_err_set(err, 400, "x_content_parse_exception",
				   "[1:1] Expected START_OBJECT but was %s", "VALUE");
	if (osp_json_get(body, "script"))
		return osp_err_illegal_argument(err, "script updates are not supported");
	doc = osp_json_get(body, "doc");
	upsert = osp_json_get(body, "upsert");
	if (osp_json_is(osp_json_get(body, "doc_as_upsert"), OSP_JSON_BOOL))
		doc_as_upsert = osp_json_get(body, "doc_as_upsert")->boolean;
	if (osp_json_is(osp_json_get(body, "detect_noop"), OSP_JSON_BOOL))
		detect_noop = osp_json_get(body, "detect_noop")->boolean;
	if (!doc)   /* ES: an upsert alone is not an update */
		return validation(err, "script or doc is missing");
	if ((doc && !osp_json_is(doc, OSP_JSON_OBJECT)) ||
	    (upsert && !osp_json_is(upsert, OSP_JSON_OBJECT)))
		return osp_err_set(err, 400, "x_content_parse_exception",
				   "[1:1] [UpdateRequest] doc doesn't support values of type: VALUE_STRING");

	if (req->if_seq_no != ST_UNASSIGNED_SEQ_NO && (upsert || doc_as_upsert))
		return validation(err, "upsert requests don't support `if_seq_no` and "
				  "`if_primary_term`");
	rc = cur_lookup(sh, req->id, req->id_len, &c);
	if (rc < 0)
		return rc;
	st_write_req_t ir = *req;

	ir.op = ST_OP_INDEX;
	if (!c.exists) {
		const osp_json_t *nd = doc_as_upsert && doc ? doc : upsert;

		if (!nd) {
			rc = osp_err_set(err, 404, "document_missing_exception",
					 "[%.*s]: document missing", (int)req->id_len, req->id);
			snprintf(err->index, sizeof(err->index), "%s", sh->index_name);
			snprintf(err->index_uuid, sizeof(err->index_uuid), "%s", sh->index_uuid);
			err->shard = (int32_t)sh->shard_id;
			return rc;
		}
		ir.op = ST_OP_CREATE;
		rc = serialize(a, nd, &ir.source, &ir.source_len);
		if (rc < 0)
			return rc;
		rc = do_index(sh, &ir, ir.source, ir.source_len, a, res, err);
		if (rc == 0) {
			res->source = ir.source;
			res->source_len = ir.source_len;
		}
		return rc;
	}
	if (req->if_seq_no != ST_UNASSIGNED_SEQ_NO &&
	    (c.seq_no != req->if_seq_no || c.term != req->if_primary_term))
		return check_versions(sh, req, false, &c, &(int64_t){ 0 }, err);
	const char *src;
	size_t src_len;
	osp_json_t *old, *merged;
	bool changed = false;

	rc = cur_source(sh, &c, a, &src, &src_len);
	if (rc < 0)
		return rc;
	if (osp_json_parse(a, src, src_len, NULL, &old, &je) < 0)
		return json_err(err, &je, "source");
	rc = st_update_merge(a, old, doc, &merged, &changed);
	if (rc < 0)
		return rc;
	if (!changed && detect_noop) {
		res->result = ST_RESULT_NOOP;
		res->seq_no = c.seq_no;
		res->primary_term = c.term;
		res->version = c.version;
		res->flags = ST_WRITE_DURABLE;
		res->source = src;
		res->source_len = src_len;
		sh->st.noop_update_total++;
		return 0;
	}
	rc = serialize(a, merged, &ir.source, &ir.source_len);
	if (rc < 0)
		return rc;
	/* the doc cannot change under us (one worker), so no CAS is needed */
	ir.if_seq_no = ST_UNASSIGNED_SEQ_NO;
	ir.if_primary_term = 0;
	rc = do_index(sh, &ir, ir.source, ir.source_len, a, res, err);
	if (rc == 0) {
		res->source = ir.source;
		res->source_len = ir.source_len;
	}
	return rc;
}

int
st_shard_write(st_shard_t *sh, const st_write_req_t *req, osp_arena_t *a,
	       st_write_res_t *res, osp_err_t *err)
{
	int rc;

	memset(res, 0, sizeof(*res));
	osp_err_clear(err);
	if (sh->failed) {
		osp_err_set(err, 500, "translog_exception", "[%s][%u] shard failed: %s",
			    sh->index_name, sh->shard_id, strerror(-sh->failed));
		return sh->failed;
	}
	if (req->id_len == 0 || req->id_len > 512)
		return validation(err, req->id_len ? "id [...] is too long, must be no longer "
				  "than 512 bytes" : "id is missing");
	switch (req->op) {
	case ST_OP_INDEX:
	case ST_OP_CREATE:
		rc = do_index(sh, req, req->source, req->source_len, a, res, err);
		break;
	case ST_OP_UPDATE:
		rc = do_update(sh, req, a, res, err);
		break;
	case ST_OP_DELETE:
		rc = do_delete(sh, req, res, err);
		break;
	default:
		rc = osp_err_illegal_argument(err, "unknown operation");
	}
	if (rc < 0 && rc != ST_MAPPING_UPDATE && req->op != ST_OP_DELETE)
		sh->st.index_failed++;
	return rc;
}

/* Replay: the op already has its seq_no and version; only parse and apply.
 * A mapping update found here was accepted before the crash (the op would
 * not be in the log otherwise), so it is merged locally. */
int
st_shard_replay_op(void *ctx, const st_wal_op_t *op)
{
	st_shard_t *sh = ctx;
	osp_arena_t a;
	cur_doc_t c;
	st_doc_t doc;
	osp_err_t err;
	int rc;

	osp_arena_init(&a, 64 * 1024, 0);
	rc = cur_lookup(sh, op->id, op->id_len, &c);
	if (rc < 0)
		goto cleanup;
	if (op->type == ST_WAL_OP_DELETE) {
		rc = apply(sh, op, NULL, &c);
		goto cleanup;
	}
	for (int tries = 0; tries < 8; tries++) {
		st_write_res_t res;

		memset(&res, 0, sizeof(res));
		rc = parse_doc(sh, op->id, op->id_len, op->source, op->source_len, &a,
			       &doc, NULL, &err);
		if (rc != ST_MAPPING_UPDATE)
			break;
		st_mapping_t *nm = NULL;

		rc = st_mapping_merge(sh->mapping, doc.mapping_update, &nm, &err);
		if (rc < 0)
			break;
		rc = st_shard_set_mapping_obj(sh, nm);
		st_mapping_unref(nm);
		if (rc < 0)
			break;
		rc = ST_MAPPING_UPDATE;
	}
	if (rc == ST_MAPPING_UPDATE)
		rc = -EUCLEAN;
	if (rc < 0) {
		/* a logged op that no longer parses cannot be applied; ES would
		 * fail the recovery too */
		fprintf(stderr, "osprey: [%s][%u] translog op seq_no %lld fails to parse: %s\n",
			sh->index_name, sh->shard_id, (long long)op->seq_no, err.reason);
		goto cleanup;
	}
	rc = apply(sh, op, &doc, &c);
cleanup:
	osp_arena_free(&a);
	return rc;
}
