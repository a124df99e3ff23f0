/*
 * seg_merge.c - merging segments into one, in bounded slices.
 *
 * The merged segment holds the live docs of the inputs in input order (doc
 * ids remapped densely: a doc's new id is its input's base plus its rank
 * among that input's live docs). Nothing is re-analyzed: term dictionaries
 * are merged k-way and each term's postings (freqs, positions) are
 * concatenated with remapped doc ids, dropping deleted docs (and terms left
 * with none); norms, doc values (sorted-set ordinals remapped through the
 * merged term list), stored _source and doc meta are copied. The result is
 * encoded by the same writer as a fresh segment.
 *
 * Work runs in phases (docs, then per field: terms, norms, doc values) and
 * st_seg_merge_step stops once it has done `budget` units (one per doc,
 * per 128 bytes of _source, per posting moved), resuming where it stopped,
 * so a worker core can interleave merges with queries. A step may overrun
 * its budget by one input's postings of one term, or one field's norms or
 * doc values. Inputs are held by reference and read
 * through their views taken at create; deletes arriving later are carried
 * over by the caller with st_seg_merge_map_doc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "seg_int.h"

enum { PH_DOCS, PH_TERMS, PH_NORMS, PH_DV, PH_FINISH, PH_DONE };

/* A field of the merged segment and where it is in each input. */
typedef struct mfield {
	st_seg_field_spec_t spec;     /* name points into an input's core */
	st_seg_rfield_t **in;         /* per input, NULL when absent */
} mfield_t;

/* Merge state; owned by the caller of create, one worker core. */
struct st_seg_merge {
	size_t n;
	st_reader_t **in;
	st_seg_core_t **core;
	uint32_t **docmap;            /* per input: old doc -> new or ST_NO_MORE_DOCS */
	uint32_t max_doc;             /* of the merged segment */
	uint32_t nfields;
	mfield_t *fields;
	st_seg_writer_t *w;
	int phase;
	int err;
	/* cursors */
	size_t ci;                    /* input (docs phase) */
	uint32_t cd;                  /* doc within input */
	uint32_t cf;                  /* field (terms/norms/dv phases) */
	uint32_t *tord;               /* per input: next term ordinal in field cf */
	bool terms_started;
	bool term_active;             /* a term is being merged across steps */
	const char *term;             /* current term (in an input's decoded block) */
	uint32_t term_len;
	size_t term_in;               /* next input to take the term from */
	uint64_t term_npos;           /* positions gathered in pout */
	st_seg_pbuf_t pin;            /* one input term */
	st_seg_pbuf_t pout;           /* merged term */
};

static int
spec_eq(const st_seg_finfo_t *a, const st_seg_field_spec_t *b)
{
	return a->index == b->index && a->norms == b->norms && a->dv == b->dv;
}

int
st_seg_merge_create(st_reader_t *const *readers, size_t n,
		    const st_seg_builder_opts_t *opts, st_seg_merge_t **out)
{
	st_seg_merge_t *m;
	uint64_t total = 0;
	int rc = -ENOMEM;

	if (readers == NULL || n == 0 || opts == NULL)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!st_segment_is_segment(readers[i]))
			return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->n = n;
	m->in = calloc(n, sizeof(*m->in));
	m->core = calloc(n, sizeof(*m->core));
	m->docmap = calloc(n, sizeof(*m->docmap));
	m->tord = calloc(n, sizeof(*m->tord));
	if (!m->in || !m->core || !m->docmap || !m->tord)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		st_reader_t *r = readers[i];

		st_reader_ref(r);
		m->in[i] = r;
		m->core[i] = ((st_seg_reader_t *)(void *)r)->core;
		m->docmap[i] = malloc((size_t)(r->max_doc ? r->max_doc : 1) * 4);
		if (m->docmap[i] == NULL)
			goto fail;
		for (uint32_t d = 0; d < r->max_doc; d++) {
			if (st_reader_is_live(r, d)) {
				if (total >= UINT32_MAX - 1) {
					rc = -E2BIG;
					goto fail;
				}
				m->docmap[i][d] = (uint32_t)total++;
			} else {
				m->docmap[i][d] = ST_NO_MORE_DOCS;
			}
		}
	}
	m->max_doc = (uint32_t)total;
	rc = st_seg_writer_create(opts, &m->w);
	if (rc)
		goto fail;
	/* Expect the live share of each input's stored fields and postings. */
	{
		double src = 0, doc = 0, pos = 0;

		for (size_t i = 0; i < n; i++) {
			double live = readers[i]->max_doc ?
				(double)readers[i]->num_docs / readers[i]->max_doc : 0;

			src += live * (double)m->core[i]->files[ST_SEG_C_SRC].len;
			doc += live * (double)m->core[i]->files[ST_SEG_C_DOC].len;
			pos += live * (double)m->core[i]->files[ST_SEG_C_POS].len;
		}
		rc = st_seg_writer_reserve(m->w, (size_t)(src * 1.05) + 65536,
					   (size_t)(doc * 1.05) + 65536,
					   (size_t)(pos * 1.05) + 65536);
		if (rc)
			goto fail;
	}
	/* Field union in order of first appearance; specs must agree. */
	for (size_t i = 0; i < n; i++) {
		st_seg_core_t *c = m->core[i];

		for (uint32_t k = 0; k < c->nfields; k++) {
			st_seg_rfield_t *f = &c->fields[k];
			uint32_t j;

			for (j = 0; j < m->nfields; j++)
				if (strcmp(m->fields[j].spec.name, f->fi.name) == 0)
					break;
			if (j == m->nfields) {
				mfield_t *nf = realloc(m->fields, (m->nfields + 1) * sizeof(*nf));

				rc = -ENOMEM;
				if (nf == NULL)
					goto fail;
				m->fields = nf;
				nf[j].spec.name = f->fi.name;
				nf[j].spec.index = f->fi.index;
				nf[j].spec.norms = f->fi.norms;
				nf[j].spec.dv = f->fi.dv;
				nf[j].in = calloc(n, sizeof(*nf[j].in));
				m->nfields++;
				if (nf[j].in == NULL || st_seg_writer_add_field(m->w, &nf[j].spec))
					goto fail;
			} else if (!spec_eq(&f->fi, &m->fields[j].spec)) {
				rc = -EINVAL;
				goto fail;
			}
			m->fields[j].in[i] = f;
		}
	}
	m->phase = PH_DOCS;
	*out = m;
	return 0;
fail:
	st_seg_merge_free(m);
	return rc;
}

uint32_t
st_seg_merge_map_doc(const st_seg_merge_t *m, size_t i, uint32_t doc)
{
	if (i >= m->n || doc >= m->in[i]->max_doc)
		return ST_NO_MORE_DOCS;
	return m->docmap[i][doc];
}

void
st_seg_merge_free(st_seg_merge_t *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		if (m->in && m->in[i])
			st_reader_unref(m->in[i]);
		if (m->docmap)
			free(m->docmap[i]);
	}
	for (uint32_t j = 0; j < m->nfields; j++)
		free(m->fields[j].in);
	free(m->fields);
	free(m->in);
	free(m->core);
	free(m->docmap);
	free(m->tord);
	st_seg_pbuf_free(&m->pin);
	st_seg_pbuf_free(&m->pout);
	st_seg_writer_free(m->w);
	free(m);
}

/* Copy live docs' meta and source; one unit per doc plus one per 4 KiB. */
static int
step_docs(st_seg_merge_t *m, uint64_t *work, uint64_t budget)
{
	while (m->ci < m->n && *work < budget) {
		st_seg_core_t *c = m->core[m->ci];

		if (m->cd >= c->max_doc) {
			m->ci++;
			m->cd = 0;
			continue;
		}
		uint32_t d = m->cd++;
		const char *src;
		size_t len;
		st_doc_meta_t meta;
		int rc;

		if (m->docmap[m->ci][d] == ST_NO_MORE_DOCS)
			continue;
		rc = st_seg_met_r_get(&c->met, d, &meta);
		if (rc == 0)
			rc = st_seg_src_r_get(&c->src, d, &src, &len);
		if (rc == 0)
			rc = st_seg_writer_doc(m->w, &meta, src, len);
		if (rc)
			return rc;
		*work += 1 + len / 128;
	}
	if (m->ci == m->n) {
		m->phase = PH_TERMS;
		m->cf = 0;
		m->terms_started = false;
	}
	return 0;
}

static int
term_cmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
	uint32_t mn = al < bl ? al : bl;
	int c = mn ? memcmp(a, b, mn) : 0;

	return c ? c : (al < bl ? -1 : al > bl);
}

/* Term ord of input i in field f (its bytes). */
static int
term_at(st_seg_merge_t *m, size_t i, st_seg_rfield_t *f, uint32_t ord, const char **t,
	uint32_t *len)
{
	const st_seg_tblock_t *tb;
	int rc = st_seg_tim_r_block(m->core[i], f, ord / ST_SEG_TERMS_PER_BLOCK, &tb);
	uint32_t k = ord % ST_SEG_TERMS_PER_BLOCK;

	if (rc)
		return rc;
	*t = tb->bytes + tb->off[k];
	*len = tb->off[k + 1] - tb->off[k];
	return 0;
}

/* Pick the smallest current term over the inputs into m->term; false when
 * every input's field is exhausted. */
static int
next_term(st_seg_merge_t *m, const mfield_t *mf, bool *found)
{
	const char *t;
	uint32_t len;
	int rc;

	*found = false;
	for (size_t i = 0; i < m->n; i++) {
		st_seg_rfield_t *f = mf->in[i];

		if (f == NULL || m->tord[i] >= f->fi.num_terms)
			continue;
		rc = term_at(m, i, f, m->tord[i], &t, &len);
		if (rc)
			return rc;
		if (!*found || term_cmp(t, len, m->term, m->term_len) < 0) {
			/* Points into an input's decoded block: valid while held. */
			m->term = t;
			m->term_len = len;
			*found = true;
		}
	}
	return 0;
}

/* Append input i's postings of the current term (when it has it). */
static int
take_input(st_seg_merge_t *m, const mfield_t *mf, size_t i, uint64_t *work)
{
	st_seg_rfield_t *f = mf->in[i];
	st_seg_pbuf_t *o = &m->pout;
	const st_seg_pbuf_t *p = &m->pin;
	bool pos = mf->spec.index >= ST_SEG_INDEX_POSITIONS;
	const char *t;
	uint32_t len;
	uint64_t k = 0;
	int rc;

	if (f == NULL || m->tord[i] >= f->fi.num_terms)
		return 0;
	rc = term_at(m, i, f, m->tord[i], &t, &len);
	if (rc || term_cmp(t, len, m->term, m->term_len) != 0)
		return rc;
	rc = st_seg_doc_r_read(m->core[i], f, m->tord[i], &m->pin);
	if (rc)
		return rc;
	m->tord[i]++;
	rc = st_seg_pbuf_reserve(o, (size_t)o->n + p->n, pos ? m->term_npos + p->ttf : 0);
	if (rc)
		return rc;
	for (uint32_t j = 0; j < p->n; j++) {
		uint32_t nd = m->docmap[i][p->docs[j]];
		uint32_t fr = p->freqs[j];

		if (nd != ST_NO_MORE_DOCS) {
			o->docs[o->n] = nd;
			o->freqs[o->n] = fr;
			o->n++;
			o->ttf += fr;
			if (pos) {
				memcpy(o->pos + m->term_npos, p->pos + k, (size_t)fr * 4);
				m->term_npos += fr;
			}
		}
		k += fr;
	}
	*work += p->n + (pos ? p->ttf / 4 : 0);
	return 0;
}

/* Merge the next terms of field cf until the budget is spent. A term's
 * inputs may be spread over several steps (one input at a time), so a
 * frequent term costs at most one input's postings per step. Returns 1 when
 * the field is done. */
static int
step_terms(st_seg_merge_t *m, uint64_t *work, uint64_t budget)
{
	const mfield_t *mf = &m->fields[m->cf];
	int rc;

	if (!m->terms_started) {
		memset(m->tord, 0, m->n * sizeof(*m->tord));
		m->terms_started = true;
		m->term_active = false;
	}
	while (*work < budget) {
		if (!m->term_active) {
			bool found;

			rc = next_term(m, mf, &found);
			if (rc)
				return rc;
			if (!found) {
				m->terms_started = false;
				return st_seg_writer_field_end(m->w, m->cf) ? -ENOMEM : 1;
			}
			m->term_active = true;
			m->term_in = 0;
			m->term_npos = 0;
			m->pout.n = 0;
			m->pout.ttf = 0;
		}
		while (m->term_in < m->n && *work < budget) {
			rc = take_input(m, mf, m->term_in, work);
			if (rc)
				return rc;
			m->term_in++;
		}
		if (m->term_in < m->n)
			break;
		m->term_active = false;
		if (m->pout.n) {
			st_seg_wterm_t wt = { m->term, m->term_len, m->pout.n, m->pout.docs,
					      m->pout.freqs,
					      mf->spec.index >= ST_SEG_INDEX_POSITIONS ?
					      m->pout.pos : NULL };

			rc = st_seg_writer_term(m->w, m->cf, &wt);
			if (rc)
				return rc;
			*work += m->pout.n / 4;
		}
		*work += 1;
	}
	return 0;
}

static int
merge_norms(st_seg_merge_t *m, const mfield_t *mf, uint64_t *work)
{
	uint8_t *nrm = calloc(m->max_doc ? m->max_doc : 1, 1);
	int rc;

	if (nrm == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const st_seg_rfield_t *f = mf->in[i];

		for (uint32_t d = 0; f && f->norms && d < m->core[i]->max_doc; d++)
			if (m->docmap[i][d] != ST_NO_MORE_DOCS)
				nrm[m->docmap[i][d]] = f->norms[d];
	}
	rc = st_seg_writer_norms(m->w, m->cf, nrm, m->max_doc);
	free(nrm);
	*work += m->max_doc / 16 + 1;
	return rc;
}

static int
merge_dv_numeric(st_seg_merge_t *m, const mfield_t *mf, uint64_t *work)
{
	uint32_t *cnt = calloc((size_t)m->max_doc + 1, 4);
	int64_t *vals = NULL;
	uint64_t nv = 0, at = 0;
	int rc = -ENOMEM;

	if (cnt == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		st_seg_rfield_t *f = mf->in[i];

		if (f == NULL)
			continue;
		rc = st_seg_dvd_r_decode(m->core[i], f);
		if (rc)
			goto cleanup;
		for (uint32_t d = 0; d < m->core[i]->max_doc; d++)
			if (m->docmap[i][d] != ST_NO_MORE_DOCS)
				nv += f->dvn.start[d + 1] - f->dvn.start[d];
	}
	rc = -ENOMEM;
	vals = malloc((size_t)(nv ? nv : 1) * 8);
	if (vals == NULL)
		goto cleanup;
	for (size_t i = 0; i < m->n; i++) {
		const st_seg_rfield_t *f = mf->in[i];

		for (uint32_t d = 0; f && d < m->core[i]->max_doc; d++) {
			uint32_t nd = m->docmap[i][d], s = f->dvn.start[d], e = f->dvn.start[d + 1];

			if (nd == ST_NO_MORE_DOCS)
				continue;
			cnt[nd] = e - s;
			memcpy(vals + at, f->dvn.ival + s, (size_t)(e - s) * 8);
			at += e - s;
		}
	}
	rc = st_seg_writer_dv_numeric(m->w, m->cf, cnt, vals, m->max_doc, nv);
	*work += m->max_doc / 8 + nv / 8 + 1;
cleanup:
	free(cnt);
	free(vals);
	return rc;
}

/* Sorted set: union the inputs' sorted term lists, map old ords to new. */
static int
merge_dv_sorted_set(st_seg_merge_t *m, const mfield_t *mf, uint64_t *work)
{
	uint32_t **omap = calloc(m->n, sizeof(*omap));
	uint32_t *pos = calloc(m->n, 4);
	uint32_t *cnt = calloc((size_t)m->max_doc + 1, 4);
	uint32_t *toff = NULL, *ords = NULL, nt = 0;
	char *bytes = NULL;
	size_t total = 0, maxt = 0;
	uint64_t no = 0, at = 0;
	int rc = -ENOMEM;

	if (omap == NULL || pos == NULL || cnt == NULL)
		goto cleanup;
	for (size_t i = 0; i < m->n; i++) {
		st_seg_rfield_t *f = mf->in[i];

		if (f == NULL)
			continue;
		rc = st_seg_dvd_r_decode(m->core[i], f);
		if (rc)
			goto cleanup;
		rc = -ENOMEM;
		omap[i] = malloc(((size_t)f->dvs.num_terms + 1) * 4);
		if (omap[i] == NULL)
			goto cleanup;
		total += f->dvs.term_off[f->dvs.num_terms];
		maxt += f->dvs.num_terms;
		for (uint32_t d = 0; d < m->core[i]->max_doc; d++)
			if (m->docmap[i][d] != ST_NO_MORE_DOCS)
				no += f->dvs.start[d + 1] - f->dvs.start[d];
	}
	toff = malloc((maxt + 1) * 4);
	bytes = malloc(total + 1);
	ords = malloc((size_t)(no ? no : 1) * 4);
	if (toff == NULL || bytes == NULL || ords == NULL)
		goto cleanup;
	/* k-way union; terms with no live doc are kept (harmless, rare). */
	total = 0;
	for (;;) {
		const char *best = NULL;
		uint32_t bl = 0;

		for (size_t i = 0; i < m->n; i++) {
			const st_seg_rfield_t *f = mf->in[i];

			if (f == NULL || pos[i] >= f->dvs.num_terms)
				continue;
			const char *t = f->dvs.term_bytes + f->dvs.term_off[pos[i]];
			uint32_t l = f->dvs.term_off[pos[i] + 1] - f->dvs.term_off[pos[i]];

			if (best == NULL || term_cmp(t, l, best, bl) < 0) {
				best = t;
				bl = l;
			}
		}
		if (best == NULL)
			break;
		toff[nt] = (uint32_t)total;
		memcpy(bytes + total, best, bl);
		total += bl;
		for (size_t i = 0; i < m->n; i++) {
			const st_seg_rfield_t *f = mf->in[i];

			if (f == NULL || pos[i] >= f->dvs.num_terms)
				continue;
			const char *t = f->dvs.term_bytes + f->dvs.term_off[pos[i]];
			uint32_t l = f->dvs.term_off[pos[i] + 1] - f->dvs.term_off[pos[i]];

			if (term_cmp(t, l, bytes + toff[nt], bl) == 0)
				omap[i][pos[i]++] = nt;
		}
		nt++;
	}
	toff[nt] = (uint32_t)total;
	for (size_t i = 0; i < m->n; i++) {
		const st_seg_rfield_t *f = mf->in[i];

		for (uint32_t d = 0; f && d < m->core[i]->max_doc; d++) {
			uint32_t nd = m->docmap[i][d], s = f->dvs.start[d], e = f->dvs.start[d + 1];

			if (nd == ST_NO_MORE_DOCS)
				continue;
			cnt[nd] = e - s;
			for (uint32_t k = s; k < e; k++)
				ords[at++] = omap[i][f->dvs.ords[k]];
		}
	}
	rc = st_seg_writer_dv_sorted_set(m->w, m->cf, nt, toff, bytes, cnt, ords, m->max_doc, no);
	*work += m->max_doc / 8 + no / 8 + nt + 1;
cleanup:
	for (size_t i = 0; omap && i < m->n; i++)
		free(omap[i]);
	free(omap);
	free(pos);
	free(cnt);
	free(toff);
	free(bytes);
	free(ords);
	return rc;
}

int
st_seg_merge_step(st_seg_merge_t *m, uint64_t budget)
{
	uint64_t work = 0;
	int rc = 0;

	if (m->err)
		return m->err;
	if (budget == 0)
		budget = 1;
	if (m->max_doc == 0) {
		m->phase = PH_DONE;
		return 0;
	}
	while (rc == 0 && work < budget && m->phase != PH_DONE) {
		switch (m->phase) {
		case PH_DOCS:
			rc = step_docs(m, &work, budget);
			break;
		case PH_TERMS:
			if (m->cf >= m->nfields) {
				m->phase = PH_NORMS;
				m->cf = 0;
				break;
			}
			if (m->fields[m->cf].spec.index == ST_SEG_INDEX_NONE) {
				m->cf++;
				break;
			}
			rc = step_terms(m, &work, budget);
			if (rc == 1) {
				rc = 0;
				m->cf++;
			}
			break;
		case PH_NORMS:
			if (m->cf >= m->nfields) {
				m->phase = PH_DV;
				m->cf = 0;
				break;
			}
			if (m->fields[m->cf].spec.norms)
				rc = merge_norms(m, &m->fields[m->cf], &work);
			m->cf++;
			break;
		case PH_DV:
			if (m->cf >= m->nfields) {
				m->phase = PH_DONE;
				break;
			}
			if (m->fields[m->cf].spec.dv == ST_SEG_DV_SORTED_SET)
				rc = merge_dv_sorted_set(m, &m->fields[m->cf], &work);
			else if (m->fields[m->cf].spec.dv != ST_SEG_DV_NONE)
				rc = merge_dv_numeric(m, &m->fields[m->cf], &work);
			m->cf++;
			break;
		}
	}
	if (rc) {
		m->err = rc;
		return rc;
	}
	return m->phase == PH_DONE ? 0 : OSP_AGAIN;
}

int
st_seg_merge_finish(st_seg_merge_t *m, st_seg_files_t *out)
{
	memset(out, 0, sizeof(*out));
	if (m->err)
		return m->err;
	if (m->max_doc == 0)
		return -ENODATA;
	if (m->phase != PH_DONE)
		return -EINVAL;
	m->phase = PH_FINISH;
	return st_seg_writer_finish(m->w, out);
}
