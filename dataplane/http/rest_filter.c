/*
 * rest_filter.c - filter_path over serialized JSON (dp_rest_filter.h).
 *
 * Matching is a small NFA per pattern: a position (pattern, segment) moves
 * on each object key; "**" stays put on any key and also tries the next
 * segment (epsilon). Inclusion and exclusion positions are kept apart; the
 * sets of every open container live on one stack in the walker. Output is
 * lazy, as in Jackson's FilteringGeneratorDelegate: a container's key and
 * opening bracket are written only when the first member inside survives.
 * Input is validated while walking; nesting is bounded (fuzz-safe).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rest_filter.h"

#define FILTER_MAX_DEPTH 256
#define FILTER_MAX_SEGS  64

typedef struct fpat {
	const char **seg;
	uint32_t *seg_len;
	uint16_t nseg;
} fpat_t;

struct dp_rest_filter {
	fpat_t *inc, *exc;
	uint16_t ninc, nexc;
};

typedef struct fpos {
	uint16_t pat, seg;
} fpos_t;

/* ---- compile ---------------------------------------------------------- */

static int
pat_parse(osp_arena_t *a, const char *s, size_t n, fpat_t *p)
{
	uint16_t k = 1;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '.')
			k++;
	if (k > FILTER_MAX_SEGS)
		return -EINVAL;
	p->seg = osp_arena_alloc(a, k * sizeof(*p->seg));
	p->seg_len = osp_arena_alloc(a, k * sizeof(*p->seg_len));
	if (p->seg == NULL || p->seg_len == NULL)
		return -ENOMEM;
	p->nseg = 0;
	for (size_t i = 0, st = 0; i <= n; i++) {
		if (i < n && s[i] != '.')
			continue;
		if (i > st) {
			p->seg[p->nseg] = s + st;
			p->seg_len[p->nseg] = (uint32_t)(i - st);
			p->nseg++;
		}
		st = i + 1;
	}
	return 0;
}

int
dp_rest_filter_compile(osp_arena_t *a, const char *expr, size_t n,
		       dp_rest_filter_t **out)
{
	dp_rest_filter_t *f;
	size_t cnt = 1;
	char *copy;

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (expr[i] == ',')
			cnt++;
	f = osp_arena_calloc(a, sizeof(*f));
	copy = osp_arena_strndup(a, expr, n);
	if (f == NULL || copy == NULL)
		return -ENOMEM;
	f->inc = osp_arena_alloc(a, cnt * sizeof(fpat_t));
	f->exc = osp_arena_alloc(a, cnt * sizeof(fpat_t));
	if (f->inc == NULL || f->exc == NULL)
		return -ENOMEM;
	for (size_t i = 0, st = 0; i <= n; i++) {
		if (i < n && copy[i] != ',')
			continue;
		const char *s = copy + st;
		size_t len = i - st;
		int excl = 0;

		st = i + 1;
		while (len && (*s == ' ' || *s == '\t')) {
			s++;
			len--;
		}
		while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len && *s == '-') {
			excl = 1;
			s++;
			len--;
		}
		if (len == 0)
			continue;
		fpat_t *p = excl ? &f->exc[f->nexc] : &f->inc[f->ninc];
		int rc = pat_parse(a, s, len, p);

		if (rc)
			return rc;
		if (p->nseg == 0)
			continue;
		if (excl)
			f->nexc++;
		else
			f->ninc++;
	}
	if (f->ninc == 0 && f->nexc == 0)
		return 0;
	*out = f;
	return 0;
}

/* ---- matching --------------------------------------------------------- */

/* Regex.simpleMatch: '*' matches any run of characters. */
static int
glob(const char *pat, size_t pn, const char *s, size_t sn)
{
	size_t pi = 0, si = 0, star = SIZE_MAX, mark = 0;

	while (si < sn) {
		if (pi < pn && pat[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < pn && pat[pi] == s[si]) {
			pi++;
			si++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < pn && pat[pi] == '*')
		pi++;
	return pi == pn;
}

static int
is_dstar(const fpat_t *p, uint16_t i)
{
	return p->seg_len[i] == 2 && p->seg[i][0] == '*' && p->seg[i][1] == '*';
}

/* The walker: input bounds, output, the position stack and the lazily
 * opened containers. Lives on the caller's stack for one apply. */
typedef struct walker {
	const dp_rest_filter_t *f;
	const char *end;
	osp_buf_t *out;
	fpos_t *pos;            /* stack of position sets */
	size_t npos, cap;
	int depth;
	struct {
		const char *key;    /* raw key with quotes; NULL in arrays */
		size_t klen;
		char open;
		uint8_t written, has_child;
	} fr[FILTER_MAX_DEPTH + 1];
	uint8_t root_written;
} walker_t;

/* Push (pat, seg) and its epsilon closure unless already in [from, npos). */
static int
pos_add(walker_t *w, const fpat_t *pats, size_t from, uint16_t pat, uint16_t seg,
	int *full)
{
	const fpat_t *p = &pats[pat];

	if (seg >= p->nseg) {
		*full = 1;
		return 0;
	}
	for (size_t i = from; i < w->npos; i++)
		if (w->pos[i].pat == pat && w->pos[i].seg == seg)
			return 0;
	if (w->npos == w->cap)
		return -ENOMEM;
	w->pos[w->npos].pat = pat;
	w->pos[w->npos].seg = seg;
	w->npos++;
	if (is_dstar(p, seg) && seg + 1 < p->nseg)
		return pos_add(w, pats, from, pat, (uint16_t)(seg + 1), full);
	return 0;
}

/* Move the set [s, s+n) of pats over key; append the result at the top of
 * the stack. *full is set when some pattern ends on this key. */
static int
pos_step(walker_t *w, const fpat_t *pats, size_t s, size_t n, const char *key,
	 size_t klen, int *full)
{
	size_t from = w->npos;
	int rc;

	*full = 0;
	for (size_t i = s; i < s + n; i++) {
		fpos_t q = w->pos[i];
		const fpat_t *p = &pats[q.pat];

		if (is_dstar(p, q.seg)) {
			if (q.seg + 1 == p->nseg) {
				*full = 1;
				continue;
			}
			rc = pos_add(w, pats, from, q.pat, q.seg, full);
		} else if (glob(p->seg[q.seg], p->seg_len[q.seg], key, klen)) {
			rc = pos_add(w, pats, from, q.pat, (uint16_t)(q.seg + 1), full);
		} else {
			rc = 0;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- scanning --------------------------------------------------------- */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\') {
			if (++p >= end)
				return NULL;
		} else if (*p == '"') {
			return p + 1;
		}
	}
	return NULL;
}

/* End of the value at p, or NULL when malformed. */
static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	do {
		p = skip_ws(p, end);
		if (p >= end)
			return NULL;
		switch (*p) {
		case '"':
			p = skip_string(p, end);
			if (p == NULL)
				return NULL;
			break;
		case '{': case '[':
			depth++;
			p++;
			break;
		case '}': case ']':
			if (--depth < 0)
				return NULL;
			p++;
			break;
		case ',': case ':':
			if (depth == 0)
				return NULL;
			p++;
			break;
		default:
			if (*p == '\0' || !strchr("-0123456789tfn", *p))
				return NULL;
			while (p < end && *p != '\0' && !strchr(",:{}[]\" \t\r\n", *p))
				p++;
			break;
		}
	} while (depth > 0);
	return p;
}

/* ---- output ----------------------------------------------------------- */

/* Write every pending container down to the current one, then the prefix
 * (comma and key) of a member about to be written at depth d. */
static void
open_upto(walker_t *w, int d)
{
	for (int i = 0; i <= d; i++) {
		if (w->fr[i].written)
			continue;
		if (i > 0) {
			if (w->fr[i - 1].has_child)
				osp_buf_putc(w->out, ',');
			w->fr[i - 1].has_child = 1;
			if (w->fr[i].key) {
				osp_buf_append(w->out, w->fr[i].key, w->fr[i].klen);
				osp_buf_putc(w->out, ':');
			}
		}
		osp_buf_putc(w->out, w->fr[i].open);
		w->fr[i].written = 1;
	}
}

static void
emit(walker_t *w, const char *key, size_t klen, const char *v, size_t vn)
{
	open_upto(w, w->depth);
	if (w->fr[w->depth].has_child)
		osp_buf_putc(w->out, ',');
	w->fr[w->depth].has_child = 1;
	if (key) {
		osp_buf_append(w->out, key, klen);
		osp_buf_putc(w->out, ':');
	}
	osp_buf_append(w->out, v, vn);
}

/* ---- walking ---------------------------------------------------------- */

typedef struct fset {
	size_t inc, ninc, exc, nexc;
	int all;
} fset_t;

static const char *walk(walker_t *w, const char *p, const char *key, size_t klen,
			const fset_t *set);

/* One member or element: decide from the sets whether to skip, copy or
 * descend. */
static const char *
member(walker_t *w, const char *p, const char *key, size_t klen, const fset_t *set)
{
	const char *v = skip_ws(p, w->end), *e;

	if (v >= w->end)
		return NULL;
	if (*v == '{' || *v == '[') {
		if (!(set->all && set->nexc == 0))
			return walk(w, v, key, klen, set);
	} else if (!set->all) {
		return skip_value(v, w->end);
	}
	if (!set->all)
		return skip_value(v, w->end);
	e = skip_value(v, w->end);
	if (e)
		emit(w, key, klen, v, (size_t)(e - v));
	return e;
}

static const char *
walk_object(walker_t *w, const char *p, const fset_t *set)
{
	const dp_rest_filter_t *f = w->f;

	p = skip_ws(p + 1, w->end);
	if (p < w->end && *p == '}')
		return p + 1;
	for (;;) {
		const char *k = skip_ws(p, w->end), *ke;

		if (k >= w->end || *k != '"' || (ke = skip_string(k, w->end)) == NULL)
			return NULL;
		p = skip_ws(ke, w->end);
		if (p >= w->end || *p != ':')
			return NULL;
		p++;
		/* Child sets live above the parent's on the stack. */
		size_t mark = w->npos;
		fset_t child = { 0, 0, 0, 0, set->all };
		int full = 0, rc;

		child.exc = w->npos;
		rc = pos_step(w, f->exc, set->exc, set->nexc, k + 1,
			      (size_t)(ke - k - 2), &full);
		if (rc)
			return NULL;
		child.nexc = w->npos - child.exc;
		if (full) {
			p = skip_value(p, w->end);
		} else {
			child.inc = w->npos;
			if (!set->all) {
				rc = pos_step(w, f->inc, set->inc, set->ninc, k + 1,
					      (size_t)(ke - k - 2), &full);
				if (rc)
					return NULL;
				child.all = full;
			}
			child.ninc = w->npos - child.inc;
			if (!child.all && child.ninc == 0)
				p = skip_value(p, w->end);
			else
				p = member(w, p, k, (size_t)(ke - k), &child);
		}
		w->npos = mark;
		if (p == NULL)
			return NULL;
		p = skip_ws(p, w->end);
		if (p >= w->end)
			return NULL;
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

static const char *
walk_array(walker_t *w, const char *p, const fset_t *set)
{
	p = skip_ws(p + 1, w->end);
	if (p < w->end && *p == ']')
		return p + 1;
	for (;;) {
		p = member(w, p, NULL, 0, set);
		if (p == NULL)
			return NULL;
		p = skip_ws(p, w->end);
		if (p >= w->end)
			return NULL;
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

static const char *
walk(walker_t *w, const char *p, const char *key, size_t klen, const fset_t *set)
{
	const char *e;

	if (w->depth + 1 > FILTER_MAX_DEPTH)
		return NULL;
	w->depth++;
	w->fr[w->depth].key = key;
	w->fr[w->depth].klen = klen;
	w->fr[w->depth].open = *p;
	w->fr[w->depth].written = 0;
	w->fr[w->depth].has_child = 0;
	e = *p == '{' ? walk_object(w, p, set) : walk_array(w, p, set);
	if (e && w->fr[w->depth].written)
		osp_buf_putc(w->out, *p == '{' ? '}' : ']');
	w->depth--;
	return e;
}

int
dp_rest_filter_apply(const dp_rest_filter_t *f, const char *json, size_t n,
		     osp_buf_t *out)
{
	walker_t *w;
	const char *p, *e;
	size_t start = out->len;
	int rc = -EINVAL, full = 0;

	if (f == NULL) {
		osp_buf_append(out, json, n);
		return osp_buf_failed(out) ? -ENOMEM : 0;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->f = f;
	w->end = json + n;
	w->out = out;
	w->cap = 4096;
	w->pos = malloc(w->cap * sizeof(*w->pos));
	if (w->pos == NULL) {
		rc = -ENOMEM;
		goto cleanup;
	}
	/* Frame 0 is a virtual root holding the top-level value. */
	w->fr[0].open = 0;
	w->fr[0].written = 1;
	fset_t root = { 0, 0, 0, 0, f->ninc == 0 };

	for (uint16_t i = 0; i < f->ninc; i++)
		if (pos_add(w, f->inc, 0, i, 0, &full))
			goto cleanup;
	root.ninc = w->npos;
	root.exc = w->npos;
	for (uint16_t i = 0; i < f->nexc; i++)
		if (pos_add(w, f->exc, root.exc, i, 0, &full))
			goto cleanup;
	root.nexc = w->npos - root.exc;
	p = skip_ws(json, w->end);
	if (p >= w->end)
		goto cleanup;
	if (*p == '{' || *p == '[')
		e = walk(w, p, NULL, 0, &root);
	else
		e = member(w, p, NULL, 0, &root);
	if (e == NULL || skip_ws(e, w->end) != w->end) {
		out->len = start;
		goto cleanup;
	}
	if (!w->fr[0].has_child)
		osp_buf_puts(out, "{}");
	rc = osp_buf_failed(out) ? -ENOMEM : 0;
cleanup:
	if (rc && out->data && !osp_buf_failed(out)) {
		out->len = start;
		out->data[start] = '\0';
	}
	free(w->pos);
	free(w);
	return rc;
}
