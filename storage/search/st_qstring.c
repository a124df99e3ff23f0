/*
 * st_qstring.c - Lucene classic query syntax (query_string, URI q=) -> AST.
 *
 * A recursive-descent parser over the string that builds the same AST the
 * JSON DSL builds: bare words become match leaves over the default fields
 * (dis_max of per-field matches, lenient over "*"), "phrases"~N become
 * match_phrase, field:[a TO b] / field:>x become range, field:* exists,
 * word* prefix. Clause occurrence follows Lucene's QueryParser.addClause
 * (+/-/NOT modifiers, AND/OR conjunctions, default_operator). Everything is
 * allocated in the request arena.
 */
#include <ctype.h>
#include <stdlib.h>

#include "st_dsl_int.h"

enum { OCC_SHOULD, OCC_MUST, OCC_MUST_NOT };
enum { MOD_NONE, MOD_REQ, MOD_NOT };
enum { CONJ_NONE, CONJ_AND, CONJ_OR };

/* Parser state; lives on the stack of st_query_string_parse. */
typedef struct qs {
	osp_arena_t *a;
	const char *s;
	size_t n, i;
	const char *const *fields;
	const float *boosts;
	uint32_t n_fields;
	uint8_t default_op;
	osp_err_t *err;
	int depth;
} qs_t;

/* One parsed clause with its occurrence, before assembly. */
typedef struct qclause {
	st_query_t *q;
	uint8_t occ;
} qclause_t;

static int parse_query(qs_t *p, const char *field, st_query_t **out);

static int
qerr(qs_t *p, const char *what)
{
	return st_dsl_perr(p->err, "Failed to parse query [%.*s]: %s", (int)p->n, p->s, what);
}

static void
skip_ws(qs_t *p)
{
	while (p->i < p->n && isspace((unsigned char)p->s[p->i]))
		p->i++;
}

static bool
is_special(char c)
{
	return strchr("()[]{}:^\"~", c) != NULL;
}

/* Read a term (unescaping \x) into the arena; NULL/0 when none. */
static const char *
read_term(qs_t *p, uint32_t *len)
{
	char *out = osp_arena_alloc(p->a, p->n - p->i + 1);
	uint32_t w = 0;

	if (!out)
		return NULL;
	while (p->i < p->n) {
		char c = p->s[p->i];
		if (c == '\\' && p->i + 1 < p->n) {
			out[w++] = p->s[p->i + 1];
			p->i += 2;
			continue;
		}
		if (isspace((unsigned char)c) || is_special(c))
			break;
		out[w++] = c;
		p->i++;
	}
	out[w] = '\0';
	*len = w;
	return out;
}

static bool
has_wildcard(const char *f)
{
	return strchr(f, '*') != NULL;
}

/* A match / phrase leaf over field (or the default fields). */
static st_query_t *
leaf(qs_t *p, const char *field, const char *text, uint32_t len, bool phrase, int32_t slop)
{
	st_query_t *q;
	bool single = field ? !has_wildcard(field)
			    : (p->n_fields == 1 && !has_wildcard(p->fields[0]));

	if (single) {
		q = st_dsl_new(p->a, phrase ? ST_Q_MATCH_PHRASE : ST_Q_MATCH);
		if (!q)
			return NULL;
		q->u.match.field = field ? field : p->fields[0];
		q->u.match.text = text;
		q->u.match.text_len = len;
		q->u.match.slop = slop;
		if (!field && p->boosts)
			q->boost = p->boosts[0];
		return q;
	}
	q = st_dsl_new(p->a, ST_Q_MULTI_MATCH);
	if (!q)
		return NULL;
	q->u.mm.type = phrase ? ST_MM_PHRASE : ST_MM_BEST_FIELDS;
	q->u.mm.text = text;
	q->u.mm.text_len = len;
	q->u.mm.slop = slop;
	q->u.mm.lenient = true;
	if (field || p->n_fields == 0) {
		q->u.mm.fields = osp_arena_calloc(p->a, sizeof(char *));
		q->u.mm.field_boosts = osp_arena_calloc(p->a, sizeof(float));
		if (!q->u.mm.fields || !q->u.mm.field_boosts)
			return NULL;
		q->u.mm.fields[0] = field ? field : "*";
		q->u.mm.field_boosts[0] = 1.0f;
		q->u.mm.n_fields = 1;
	} else {
		q->u.mm.fields = (const char **)(uintptr_t)p->fields;
		q->u.mm.field_boosts = (float *)(uintptr_t)p->boosts;
		if (!q->u.mm.field_boosts) {
			q->u.mm.field_boosts = osp_arena_calloc(p->a, p->n_fields * sizeof(float));
			if (!q->u.mm.field_boosts)
				return NULL;
			for (uint32_t i = 0; i < p->n_fields; i++)
				q->u.mm.field_boosts[i] = 1.0f;
		}
		q->u.mm.n_fields = p->n_fields;
	}
	return q;
}

static int
range_value(const char *t, uint32_t len, st_value_t *v)
{
	memset(v, 0, sizeof(*v));
	if (len == 1 && t[0] == '*')
		return 0;
	v->type = ST_VAL_STRING;
	v->s = t;
	v->len = len;
	return 0;
}

static int
parse_range(qs_t *p, const char *field, st_query_t **out)
{
	st_query_t *q = st_dsl_new(p->a, ST_Q_RANGE);
	const char *lo, *to, *hi;
	uint32_t llen, tlen, hlen;
	char open = p->s[p->i++], close;

	if (!q)
		return -ENOMEM;
	skip_ws(p);
	lo = read_term(p, &llen);
	skip_ws(p);
	to = read_term(p, &tlen);
	skip_ws(p);
	hi = read_term(p, &hlen);
	skip_ws(p);
	if (!lo || !to || !hi || strcmp(to, "TO") || p->i >= p->n)
		return qerr(p, "Cannot parse range");
	close = p->s[p->i++];
	if (close != ']' && close != '}')
		return qerr(p, "Cannot parse range");
	q->u.range.field = field;
	q->u.range.include_lower = open == '[';
	q->u.range.include_upper = close == ']';
	range_value(lo, llen, &q->u.range.from);
	range_value(hi, hlen, &q->u.range.to);
	*out = q;
	return 0;
}

/* field:>=x style comparisons. */
static int
parse_compare(qs_t *p, const char *field, st_query_t **out)
{
	st_query_t *q = st_dsl_new(p->a, ST_Q_RANGE);
	bool gt = p->s[p->i] == '>', eq;
	const char *t;
	uint32_t len;

	if (!q)
		return -ENOMEM;
	p->i++;
	eq = p->i < p->n && p->s[p->i] == '=';
	if (eq)
		p->i++;
	t = read_term(p, &len);
	if (!t || !len)
		return qerr(p, "Cannot parse comparison");
	q->u.range.field = field;
	if (gt) {
		range_value(t, len, &q->u.range.from);
		q->u.range.include_lower = eq;
		q->u.range.include_upper = true;
	} else {
		range_value(t, len, &q->u.range.to);
		q->u.range.include_upper = eq;
		q->u.range.include_lower = true;
	}
	*out = q;
	return 0;
}

/* Optional ^boost / ~slop suffixes. */
static int
suffixes(qs_t *p, st_query_t *q, bool phrase)
{
	while (p->i < p->n && (p->s[p->i] == '^' || p->s[p->i] == '~')) {
		char c = p->s[p->i++];
		char *end;
		double v = strtod(p->s + p->i, &end);
		bool has = end != p->s + p->i;
		p->i = (size_t)(end - p->s);
		if (c == '^') {
			if (!has)
				return qerr(p, "Cannot parse boost");
			q->boost *= (float)v;
		} else if (phrase) {
			int32_t slop = has ? (int32_t)v : 0;
			if (q->kind == ST_Q_MATCH_PHRASE)
				q->u.match.slop = slop;
			else
				q->u.mm.slop = slop;
		} else {
			return osp_err_illegal_argument(p->err,
				"fuzzy queries are not supported by this node");
		}
	}
	return 0;
}

static int
parse_clause(qs_t *p, const char *field, st_query_t **out)
{
	size_t save;
	const char *t;
	uint32_t len;
	int rc;

	skip_ws(p);
	if (p->i >= p->n)
		return qerr(p, "Encountered \"<EOF>\"");
	/* field: prefix? */
	save = p->i;
	if (!field && p->s[p->i] != '(' && p->s[p->i] != '"' && p->s[p->i] != '[' &&
	    p->s[p->i] != '{') {
		t = read_term(p, &len);
		if (t && len && p->i < p->n && p->s[p->i] == ':') {
			p->i++;
			field = t;
			skip_ws(p);
		} else {
			p->i = save;
		}
	}
	if (p->i >= p->n)
		return qerr(p, "Encountered \"<EOF>\"");
	char c = p->s[p->i];
	if (c == '(') {
		p->i++;
		if (++p->depth > 64)
			return qerr(p, "too deeply nested");
		if ((rc = parse_query(p, field, out)))
			return rc;
		p->depth--;
		skip_ws(p);
		if (p->i >= p->n || p->s[p->i] != ')')
			return qerr(p, "Encountered \"<EOF>\", expected \")\"");
		p->i++;
		return suffixes(p, *out, false);
	}
	if (c == '"') {
		size_t start = ++p->i;
		char *buf = osp_arena_alloc(p->a, p->n - start + 1);
		uint32_t w = 0;
		if (!buf)
			return -ENOMEM;
		while (p->i < p->n && p->s[p->i] != '"') {
			if (p->s[p->i] == '\\' && p->i + 1 < p->n)
				p->i++;
			buf[w++] = p->s[p->i++];
		}
		if (p->i >= p->n)
			return qerr(p, "Lexical error: unterminated phrase");
		p->i++;
		buf[w] = '\0';
		*out = leaf(p, field, buf, w, true, 0);
		if (!*out)
			return -ENOMEM;
		return suffixes(p, *out, true);
	}
	if (c == '[' || c == '{') {
		const char *f = field ? field : (p->n_fields == 1 ? p->fields[0] : NULL);
		if (!f)
			return qerr(p, "range query needs a field");
		if ((rc = parse_range(p, f, out)))
			return rc;
		return suffixes(p, *out, false);
	}
	if ((c == '>' || c == '<') && field) {
		if ((rc = parse_compare(p, field, out)))
			return rc;
		return suffixes(p, *out, false);
	}
	t = read_term(p, &len);
	if (!t)
		return -ENOMEM;
	if (!len)
		return qerr(p, "Encountered unexpected token");
	if (field && len == 1 && t[0] == '*') {
		*out = st_dsl_new(p->a, ST_Q_EXISTS);
		if (!*out)
			return -ENOMEM;
		(*out)->u.exists.field = field;
	} else if (len > 1 && t[len - 1] == '*' && !memchr(t, '*', len - 1) &&
		   !memchr(t, '?', len) && (field || p->n_fields == 1)) {
		char *pre = osp_arena_strndup(p->a, t, len - 1);
		if (!pre)
			return -ENOMEM;
		for (char *x = pre; *x; x++)
			*x = (char)tolower((unsigned char)*x);
		*out = st_dsl_new(p->a, ST_Q_PREFIX);
		if (!*out)
			return -ENOMEM;
		(*out)->u.term.field = field ? field : p->fields[0];
		(*out)->u.term.value.type = ST_VAL_STRING;
		(*out)->u.term.value.s = pre;
		(*out)->u.term.value.len = len - 1;
	} else {
		*out = leaf(p, field, t, len, false, 0);
		if (!*out)
			return -ENOMEM;
	}
	return suffixes(p, *out, false);
}

/* Lucene QueryParser.addClause occurrence rules. */
static void
add_clause(qs_t *p, qclause_t *cl, uint32_t *n, int conj, int mods, st_query_t *q)
{
	bool required, prohibited;

	if (*n > 0 && conj == CONJ_AND && cl[*n - 1].occ != OCC_MUST_NOT)
		cl[*n - 1].occ = OCC_MUST;
	if (*n > 0 && p->default_op == ST_OP_AND && conj == CONJ_OR &&
	    cl[*n - 1].occ != OCC_MUST_NOT)
		cl[*n - 1].occ = OCC_SHOULD;
	if (p->default_op == ST_OP_OR) {
		required = mods == MOD_REQ;
		prohibited = mods == MOD_NOT;
		if (conj == CONJ_AND && !prohibited)
			required = true;
	} else {
		prohibited = mods == MOD_NOT;
		required = !prohibited && conj != CONJ_OR;
	}
	cl[*n].q = q;
	cl[*n].occ = prohibited ? OCC_MUST_NOT : required ? OCC_MUST : OCC_SHOULD;
	(*n)++;
}

static bool
word_at(qs_t *p, const char *w)
{
	size_t l = strlen(w);
	if (p->i + l > p->n || memcmp(p->s + p->i, w, l))
		return false;
	return p->i + l == p->n || isspace((unsigned char)p->s[p->i + l]) || p->s[p->i + l] == '(';
}

static int
parse_query(qs_t *p, const char *field, st_query_t **out)
{
	uint32_t cap = 8, n = 0, counts[3] = { 0 };
	qclause_t *cl = osp_arena_alloc(p->a, cap * sizeof(*cl));
	st_query_t *b;
	int rc;

	if (!cl)
		return -ENOMEM;
	for (;;) {
		int conj = CONJ_NONE, mods = MOD_NONE;
		st_query_t *q = NULL;

		skip_ws(p);
		if (p->i >= p->n || p->s[p->i] == ')')
			break;
		if (word_at(p, "AND") || (p->i + 1 < p->n && !memcmp(p->s + p->i, "&&", 2))) {
			conj = CONJ_AND;
			p->i += p->s[p->i] == '&' ? 2 : 3;
		} else if (word_at(p, "OR") || (p->i + 1 < p->n && !memcmp(p->s + p->i, "||", 2))) {
			conj = CONJ_OR;
			p->i += 2;
		}
		skip_ws(p);
		if (n == 0 && conj != CONJ_NONE)
			return qerr(p, "Encountered an operator without a left operand");
		if (p->i < p->n && p->s[p->i] == '+') {
			mods = MOD_REQ;
			p->i++;
		} else if (p->i < p->n && (p->s[p->i] == '-' || p->s[p->i] == '!')) {
			mods = MOD_NOT;
			p->i++;
		} else if (word_at(p, "NOT")) {
			mods = MOD_NOT;
			p->i += 3;
		}
		if ((rc = parse_clause(p, field, &q)))
			return rc;
		if (n == cap) {
			qclause_t *ncl = osp_arena_alloc(p->a, 2 * cap * sizeof(*cl));
			if (!ncl)
				return -ENOMEM;
			memcpy(ncl, cl, n * sizeof(*cl));
			cl = ncl;
			cap *= 2;
		}
		add_clause(p, cl, &n, conj, mods, q);
	}
	if (n == 0) {
		*out = st_dsl_new(p->a, ST_Q_MATCH_NONE);
		return *out ? 0 : -ENOMEM;
	}
	if (n == 1 && cl[0].occ != OCC_MUST_NOT) {
		*out = cl[0].q;
		return 0;
	}
	b = st_dsl_new(p->a, ST_Q_BOOL);
	if (!b)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		counts[cl[i].occ]++;
	b->u.bool_q.should = osp_arena_calloc(p->a, (counts[0] + 1) * sizeof(st_query_t *));
	b->u.bool_q.must = osp_arena_calloc(p->a, (counts[1] + 1) * sizeof(st_query_t *));
	b->u.bool_q.must_not = osp_arena_calloc(p->a, (counts[2] + 1) * sizeof(st_query_t *));
	if (!b->u.bool_q.should || !b->u.bool_q.must || !b->u.bool_q.must_not)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		if (cl[i].occ == OCC_SHOULD)
			b->u.bool_q.should[b->u.bool_q.n_should++] = cl[i].q;
		else if (cl[i].occ == OCC_MUST)
			b->u.bool_q.must[b->u.bool_q.n_must++] = cl[i].q;
		else
			b->u.bool_q.must_not[b->u.bool_q.n_must_not++] = cl[i].q;
	}
	*out = b;
	return 0;
}

int
st_query_string_parse(osp_arena_t *a, const char *q, size_t len,
		      const char *const *fields, const float *boosts,
		      uint32_t n_fields, st_operator_t default_op,
		      st_query_t **out, osp_err_t *err)
{
	qs_t p = {
		.a = a, .s = q, .n = len, .fields = fields, .boosts = boosts,
		.n_fields = fields ? n_fields : 0, .default_op = (uint8_t)default_op,
		.err = err,
	};
	int rc = parse_query(&p, NULL, out);

	if (rc)
		return rc;
	skip_ws(&p);
	if (p.i < p.n)
		return qerr(&p, "Encountered \")\"");
	return 0;
}
