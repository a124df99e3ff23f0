/*
 * st_shard_terms.c - term-level reads of a shard: _terms_enum (the terms
 * of a field's dictionaries by prefix) and _termvectors of one document.
 *
 * Term vectors are not stored: the document's _source (realtime get) is
 * parsed again against the current mapping and its text fields analyzed
 * with their analyzers, which gives the same terms, positions and offsets
 * indexing produced (Elasticsearch does the same for fields without stored
 * term vectors). Field and term statistics come from the searchable view:
 * per field doc_count / sum_doc_freq / sum_ttf, per term doc_freq / ttf,
 * summed over segments (deleted documents included, as Lucene's).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "st_reader.h"
#include "st_shard_int.h"

static int
terms_cmp(const void *x, const void *y)
{
	const char *a = *(const char *const *)x, *b = *(const char *const *)y;

	return strcmp(a, b);
}

int
st_shard_terms_enum(st_shard_t *sh, const char *field, const char *prefix, size_t prefix_len,
		    bool case_insensitive, const char *after, uint32_t size, osp_arena_t *a,
		    const char ***out, uint32_t *n_out)
{
	st_reader_set_t *set = st_shard_acquire_readers(sh);
	uint32_t cap = (size ? size : 1) * (set->n ? set->n : 1), n = 0;
	const char **terms = osp_arena_alloc(a, cap * sizeof(*terms));
	int rc = 0;

	*out = NULL;
	*n_out = 0;
	if (terms == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	for (uint32_t s = 0; s < set->n; s++) {
		const st_reader_t *r = set->r[s];
		st_term_iter_t it;
		uint32_t got = 0;
		const char *from = case_insensitive ? NULL : prefix;

		memset(&it, 0, sizeof(it));
		if (r->ops->terms_seek(r, field, from, from ? (uint32_t)prefix_len : 0, &it))
			continue;
		for (; !it.done && got < size; r->ops->terms_next(&it)) {
			if (it.term_len < prefix_len ||
			    (case_insensitive ? strncasecmp(it.term, prefix, prefix_len)
					      : memcmp(it.term, prefix, prefix_len)) != 0) {
				if (case_insensitive)
					continue;
				break;
			}
			char *t = osp_arena_strndup(a, it.term, it.term_len);

			if (t == NULL) {
				rc = -ENOMEM;
				goto cleanup;
			}
			if (after && strcmp(t, after) <= 0)
				continue;
			terms[n++] = t;
			got++;
		}
	}
	qsort(terms, n, sizeof(*terms), terms_cmp);
	uint32_t u = 0;

	for (uint32_t i = 0; i < n; i++)
		if (u == 0 || strcmp(terms[u - 1], terms[i]) != 0)
			terms[u++] = terms[i];
	*out = terms;
	*n_out = u < size ? u : size;
cleanup:
	st_shard_release_readers(set);
	return rc;
}

static bool
tv_wanted(const char *path, const char *const *fields, uint32_t n)
{
	if (n == 0)
		return true;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(fields[i], path) == 0)
			return true;
	return false;
}

/* Fill one field's terms from its tokens (sorted by term). */
static int
tv_field(st_reader_set_t *set, const st_doc_field_t *df, osp_arena_t *a, st_tv_field_t *out)
{
	st_tv_term_t *terms = osp_arena_calloc(a, (df->n_tokens + 1) * sizeof(*terms));
	uint32_t n = 0;

	if (terms == NULL)
		return -ENOMEM;
	out->field = df->field->path;
	for (uint32_t i = 0; i < df->n_tokens; i++) {
		const st_token_t *tk = &df->tokens[i];
		st_tv_term_t *t = NULL;

		for (uint32_t k = 0; k < n && !t; k++)
			if (terms[k].len == tk->len && memcmp(terms[k].term, tk->term, tk->len) == 0)
				t = &terms[k];
		if (t == NULL) {
			t = &terms[n++];
			t->term = tk->term;
			t->len = tk->len;
			t->tokens = osp_arena_calloc(a, df->n_tokens * sizeof(*t->tokens));
			if (t->tokens == NULL)
				return -ENOMEM;
		}
		t->tokens[t->freq].position = tk->position;
		t->tokens[t->freq].start_offset = tk->start_offset;
		t->tokens[t->freq].end_offset = tk->end_offset;
		t->freq++;
	}
	for (uint32_t s = 0; s < set->n; s++) {
		const st_reader_t *r = set->r[s];
		st_field_stats_t fs;

		if (r->ops->field_stats(r, out->field, &fs) == 0) {
			out->doc_count += fs.doc_count;
			out->sum_doc_freq += fs.sum_doc_freq;
			out->sum_ttf += fs.sum_total_term_freq;
		}
		for (uint32_t k = 0; k < n; k++) {
			const st_postings_t *p;

			if (r->ops->postings(r, out->field, terms[k].term, terms[k].len, &p) == 0) {
				terms[k].doc_freq += p->doc_freq;
				terms[k].ttf += p->total_term_freq;
			}
		}
	}
	for (uint32_t i = 1; i < n; i++)    /* insertion sort by term bytes */
		for (uint32_t k = i; k > 0; k--) {
			st_tv_term_t *x = &terms[k - 1], *y = &terms[k];
			uint32_t m = x->len < y->len ? x->len : y->len;
			int c = memcmp(x->term, y->term, m);

			if (c < 0 || (c == 0 && x->len <= y->len))
				break;
			st_tv_term_t tmp = *x;

			*x = *y;
			*y = tmp;
		}
	out->terms = terms;
	out->n_terms = n;
	return 0;
}

int
st_shard_termvectors(st_shard_t *sh, const char *id, size_t id_len, const char *doc,
		     size_t doc_len, const char *const *fields, uint32_t n_fields,
		     osp_arena_t *a, st_tv_t *out, osp_err_t *err)
{
	st_reader_set_t *set = NULL;
	st_get_res_t got;
	st_doc_t parsed;
	int rc;

	memset(out, 0, sizeof(*out));
	if (doc == NULL) {
		rc = st_shard_get(sh, id, id_len, true, a, &got);
		if (rc != 0 || !got.found)
			return rc;
		out->found = true;
		out->version = got.version;
		out->seq_no = got.seq_no;
		out->primary_term = got.primary_term;
		doc = got.source;
		doc_len = got.source_len;
	} else {
		out->found = true;
	}
	rc = st_doc_parse(sh->mapping, sh->actx, id ? id : "", doc ? doc : "{}", doc ? doc_len : 2, a,
			  &parsed, err);
	if (rc != 0)
		return rc;
	out->fields = osp_arena_calloc(a, (parsed.n_fields + 1) * sizeof(*out->fields));
	if (out->fields == NULL)
		return -ENOMEM;
	set = st_shard_acquire_readers(sh);
	for (uint32_t i = 0; i < parsed.n_fields && rc == 0; i++) {
		const st_doc_field_t *df = &parsed.fields[i];

		if (df->n_tokens == 0 || df->field->type != ST_FIELD_TEXT ||
		    !tv_wanted(df->field->path, fields, n_fields))
			continue;
		rc = tv_field(set, df, a, &out->fields[out->n_fields]);
		if (rc == 0)
			out->n_fields++;
	}
	st_shard_release_readers(set);
	return rc;
}
