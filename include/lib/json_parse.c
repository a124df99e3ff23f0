/*
 * json_parse.c - the RFC 8259 parser of osprey/json.h: text to an arena tree.
 *
 * One pass, no recursion: an explicit stack of open containers (in the
 * arena past 32 levels) bounded by limits->max_depth, so hostile nesting
 * cannot exhaust the C stack. Each value costs one arena allocation holding
 * the node, its member name (when the parent is an object) and its payload
 * (string bytes or number literal), all NUL-terminated copies: the input
 * buffer may be freed as soon as the parse returns. String bodies are found
 * by a SIMD scan that validates UTF-8 and escapes on the way (json_str.c).
 *
 * Errors are worded and positioned as Jackson does (json_err.c). The tree
 * belongs to the arena; nothing here keeps state between calls.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json_int.h"

#define JSON_DEFAULT_DEPTH 512u
#define JSON_DEFAULT_BYTES (100u * 1024 * 1024)

/* Past a comment starting at s[pos] == '/': the offset after it, or pos
 * when it is malformed (the caller then reports it at pos). */
static size_t
skip_comment(const json_parser_t *p, size_t pos)
{
	const char *s = p->s;

	if (pos + 1 >= p->end)
		return pos;
	if (s[pos + 1] == '/') {
		/* to the end of the line (one pass: searching for LF and CR
		 * separately would rescan the rest of the input per comment) */
		size_t q = pos + 2;

		while (q < p->end && s[q] != '\n' && s[q] != '\r')
			q++;
		return q;
	}
	if (s[pos + 1] == '*') {
		size_t q = pos + 2;

		while (q + 1 < p->end) {
			/* a '*' with a byte after it */
			const char *star = memchr(s + q, '*', p->end - q - 1);

			if (star == NULL)
				break;
			q = (size_t)(star - s);
			if (s[q + 1] == '/')
				return q + 2;
			q++;
		}
	}
	return pos;
}

/* JSON whitespace, and comments when the caller allowed them. */
static inline size_t
skip_ws(const json_parser_t *p, size_t pos)
{
	const char *s = p->s;

	while (pos < p->end) {
		char c = s[pos];

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
			pos++;
			continue;
		}
		if (c == '/' && p->allow_comments) {
			size_t q = skip_comment(p, pos);

			if (q == pos)
				break;
			pos = q;
			continue;
		}
		break;
	}
	return pos;
}

/* Allocate a node with room for payload bytes after it and, inside an
 * object, the pending member name (unescaped, NUL-terminated). *payload
 * points at the payload room. NULL on -ENOMEM. */
static osp_json_t *
node_new(json_parser_t *p, osp_json_type_t type, size_t payload, char **pl)
{
	bool member = p->depth && p->stack[p->depth - 1].node->type == OSP_JSON_OBJECT;
	size_t kroom = member ? p->key_raw + 1 : 0;
	osp_json_t *v = osp_arena_alloc(p->a, sizeof(*v) + kroom + payload);

	if (v == NULL)
		return NULL;
	memset(v, 0, sizeof(*v));
	v->type = (uint8_t)type;
	char *extra = (char *)(v + 1);

	if (member) {
		const char *src = p->s + p->key_pos;
		size_t kl;

		if (p->key_esc) {
			kl = osp_json_str_unescape(extra, src, p->key_raw);
		} else {
			memcpy(extra, src, p->key_raw);
			extra[p->key_raw] = '\0';
			kl = p->key_raw;
		}
		v->key = extra;
		v->key_len = (uint32_t)kl;
		extra += kroom;
	}
	if (pl)
		*pl = extra;
	/* link into the parent */
	if (p->depth) {
		osp_json_t *parent = p->stack[p->depth - 1].node;

		if (parent->last)
			parent->last->next = v;
		else
			parent->u.child = v;
		parent->last = v;
		parent->len++;
	}
	return v;
}

static int
push(json_parser_t *p, osp_json_t *v, size_t start)
{
	if (p->depth == p->cap) {
		uint32_t ncap = p->cap * 2;

		if (ncap > p->max_depth)
			ncap = p->max_depth;
		json_frame_t *ns = osp_arena_alloc(p->a, ncap * sizeof(*ns));

		if (ns == NULL)
			return -ENOMEM;
		memcpy(ns, p->stack, p->depth * sizeof(*ns));
		p->stack = ns;
		p->cap = ncap;
	}
	p->stack[p->depth].node = v;
	p->stack[p->depth].start = start;
	osp_json_dupset_init(&p->stack[p->depth].dups);
	p->depth++;
	return 0;
}

static int
parse_literal(json_parser_t *p, size_t *pos, osp_json_t **out)
{
	const char *s = p->s + *pos;
	size_t avail = p->end - *pos;
	const char *word;
	osp_json_type_t t;
	bool b = false;

	switch (*s) {
	case 't': word = "true"; t = OSP_JSON_BOOL; b = true; break;
	case 'f': word = "false"; t = OSP_JSON_BOOL; break;
	case 'n': word = "null"; t = OSP_JSON_NULL; break;
	case 'N': word = "NaN"; t = OSP_JSON_NULL; break;
	default: word = "Infinity"; t = OSP_JSON_NULL; break;
	}
	size_t wl = strlen(word);

	if (avail < wl && memcmp(s, word, avail) == 0 && p->end < p->len)
		return osp_json_fail_size(p);
	if (avail < wl || memcmp(s, word, wl) != 0 ||
	    (avail > wl && json_is_ident((unsigned char)s[wl])))
		return osp_json_fail_token(p, *pos);
	if (*s == 'N' || *s == 'I')
		return osp_json_fail_at(p, *pos, *pos + wl, "Non-standard token '%s': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow", word);
	osp_json_t *v = node_new(p, t, 0, NULL);

	if (v == NULL)
		return -ENOMEM;
	v->boolean = b;
	*pos += wl;
	*out = v;
	return 0;
}

static int
parse_number(json_parser_t *p, size_t *pos, osp_json_t **out)
{
	json_num_scan_t sc;
	json_num_status_t st = osp_json_num_scan(p->s, p->end, *pos, &sc);
	char d[48];

	if (st != JSON_NUM_OK && sc.bad >= p->end)
		return osp_json_fail_eof(p, " in a Number value");
	switch (st) {
	case JSON_NUM_OK:
		break;
	case JSON_NUM_MINUS:
		if (p->s[sc.bad] == 'I' && p->end - sc.bad >= 8 &&
		    memcmp(p->s + sc.bad, "Infinity", 8) == 0)
			return osp_json_fail_at(p, sc.bad - 1, sc.bad + 8, "Non-standard token '-Infinity': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow");
		return osp_json_fail_at(p, sc.bad, sc.bad, "Unexpected character (%s) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value",
				osp_json_char_desc(p, sc.bad, d, sizeof(d)));
	case JSON_NUM_LEADING_ZERO:
		/* Jackson peeks at the second digit without consuming it */
		return osp_json_fail_at(p, sc.bad, sc.bad, "Invalid numeric value: Leading zeroes not allowed");
	case JSON_NUM_FRAC:
		return osp_json_fail_at(p, sc.bad, sc.bad, "Unexpected character (%s) in numeric value: Decimal point not followed by a digit",
				osp_json_char_desc(p, sc.bad, d, sizeof(d)));
	case JSON_NUM_EXP:
		return osp_json_fail_at(p, sc.bad, sc.bad, "Unexpected character (%s) in numeric value: Exponent indicator not followed by a digit",
				osp_json_char_desc(p, sc.bad, d, sizeof(d)));
	}
	if (sc.end == p->end && p->end < p->len)
		return osp_json_fail_size(p);    /* the literal may go on past the limit */
	if (p->depth == 0 && sc.end < p->end) {
		char c = p->s[sc.end];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return osp_json_fail_char(p, sc.end, "Expected space separating root-level values");
	}
	size_t n = sc.end - *pos;
	char *lit;
	osp_json_t *v = node_new(p, OSP_JSON_NUMBER, n + 1, &lit);

	if (v == NULL)
		return -ENOMEM;
	memcpy(lit, p->s + *pos, n);
	lit[n] = '\0';
	v->num = lit;
	v->num_len = (uint32_t)n;
	v->is_int = sc.is_int;
	v->i = sc.i;
	v->d = sc.fast ? sc.d : osp_json_num_strtod(lit);
	*pos = sc.end;
	*out = v;
	return 0;
}

static int
parse_string(json_parser_t *p, size_t *pos, osp_json_t **out)
{
	json_str_scan_t sc;
	json_str_status_t st = osp_json_str_scan(p->s, p->end, *pos + 1, &sc);

	if (st != JSON_STR_OK)
		return osp_json_fail_string(p, st, &sc, false);
	size_t raw = sc.end - (*pos + 1);

	if (raw > UINT32_MAX)
		return osp_json_fail(p, *pos, "String value length (%zu) exceeds the maximum allowed (%u)",
			    raw, UINT32_MAX);
	char *dst;
	osp_json_t *v = node_new(p, OSP_JSON_STRING, raw + 1, &dst);

	if (v == NULL)
		return -ENOMEM;
	const char *src = p->s + *pos + 1;

	if (sc.has_escape) {
		v->len = (uint32_t)osp_json_str_unescape(dst, src, raw);
	} else {
		memcpy(dst, src, raw);
		dst[raw] = '\0';
		v->len = (uint32_t)raw;
	}
	v->u.str = dst;
	*pos = sc.end + 1;
	*out = v;
	return 0;
}

static int
check_duplicate(json_parser_t *p, size_t quote)
{
	const char *k = p->s + p->key_pos;
	size_t kl = p->key_raw;
	bool found;
	int rc;

	if (p->key_esc) {
		char *tmp = osp_arena_alloc(p->a, kl + 1);

		if (tmp == NULL)
			return -ENOMEM;
		kl = osp_json_str_unescape(tmp, k, kl);
		k = tmp;
	}
	json_frame_t *f = &p->stack[p->depth - 1];

	rc = osp_json_dupset_find(&f->dups, p->a, f->node, k, kl, p->seed, &found);
	if (rc != 0)
		return rc;
	if (found) {
		size_t shown = kl;

		if (shown > 100) {      /* cut at a character boundary */
			shown = 100;
			while (shown > 0 && ((unsigned char)k[shown] & 0xC0) == 0x80)
				shown--;
		}
		return osp_json_fail(p, quote, "Duplicate field '%.*s'", (int)shown, k);
	}
	return 0;
}

/* Member name at pos (a '"' already seen); leaves pos after the ':'. */
static int
parse_key(json_parser_t *p, size_t *pos)
{
	json_str_scan_t sc;
	json_str_status_t st = osp_json_str_scan(p->s, p->end, *pos + 1, &sc);

	if (st != JSON_STR_OK)
		return osp_json_fail_string(p, st, &sc, true);
	p->key_pos = *pos + 1;
	p->key_raw = sc.end - p->key_pos;
	p->key_esc = sc.has_escape;
	if (p->key_raw > UINT32_MAX)
		return osp_json_fail(p, *pos, "Name length (%zu) exceeds the maximum allowed (%u)",
			    p->key_raw, UINT32_MAX);
	if (p->reject_dup) {
		int rc = check_duplicate(p, sc.end);

		if (rc != 0)
			return rc;
	}
	size_t q = skip_ws(p, sc.end + 1);

	if (q >= p->end)
		return osp_json_fail_eof(p, " within/between Object entries");
	if (p->s[q] != ':')
		return osp_json_fail_unexpected(p, q, "was expecting a colon to separate field name and value");
	*pos = q + 1;
	return 0;
}

/* The value grammar as a loop over an explicit container stack. */
static int
parse_root(json_parser_t *p, size_t *posp, osp_json_t **root)
{
	const char *s = p->s;
	size_t pos = *posp;
	osp_json_t *v = NULL;
	/* end of input where a value is due: after ',' or ':' Jackson says
	 * "within/between ... entries", elsewhere "expected close marker" */
	const char *eof_what = NULL;
	int rc;

	*root = NULL;
value:
	pos = skip_ws(p, pos);
	if (pos >= p->end)
		return osp_json_fail_eof(p, eof_what);
	eof_what = NULL;
	switch (s[pos]) {
	case '{':
	case '[': {
		bool obj = s[pos] == '{';

		if (p->depth >= p->max_depth)
			return osp_json_fail(p, pos, "Document nesting depth (%u) exceeds the maximum allowed (%u, from `StreamReadConstraints.getMaxNestingDepth()`)",
				    p->depth + 1, p->max_depth);
		v = node_new(p, obj ? OSP_JSON_OBJECT : OSP_JSON_ARRAY, 0, NULL);
		if (v == NULL)
			return -ENOMEM;
		if (*root == NULL)
			*root = v;
		if ((rc = push(p, v, pos)) != 0)
			return rc;
		pos = skip_ws(p, pos + 1);
		if (pos >= p->end)
			return osp_json_fail_eof(p, NULL);
		if (s[pos] == (obj ? '}' : ']')) {
			pos++;
			p->depth--;
			goto after;
		}
		if (s[pos] == (obj ? ']' : '}'))
			return osp_json_fail_close(p, pos);
		if (!obj)
			goto value;
		goto key;
	}
	case '"':
		rc = parse_string(p, &pos, &v);
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		rc = parse_number(p, &pos, &v);
		break;
	case 't': case 'f': case 'n': case 'N': case 'I':
		rc = parse_literal(p, &pos, &v);
		break;
	case ']': case '}':
		if (p->depth == 0)
			return osp_json_fail_close(p, pos);
		return osp_json_fail_char(p, pos, "expected a value");
	case ',':
		return osp_json_fail_char(p, pos, "expected a value");
	case '+':
		if (pos + 1 < p->end && s[pos + 1] >= '0' && s[pos + 1] <= '9')
			return osp_json_fail_char(p, pos, "JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow");
		return osp_json_fail_char(p, pos, "expected a valid value " JSON_VALID_VALUES);
	default: {
		unsigned char c = (unsigned char)s[pos];

		if (c >= 0x80 && (c < 0xC2 || c > 0xF4))
			return osp_json_fail(p, pos, "Invalid UTF-8 start byte 0x%x", c);
		if (json_is_ident(c))
			return osp_json_fail_token(p, pos);
		return osp_json_fail_unexpected(p, pos, "expected a valid value " JSON_VALID_VALUES);
	}
	}
	if (rc != 0)
		return rc;
	if (*root == NULL)
		*root = v;
after:
	if (p->depth == 0) {
		*posp = pos;
		return 0;
	}
	pos = skip_ws(p, pos);
	if (pos >= p->end)
		return osp_json_fail_eof(p, NULL);
	if (p->stack[p->depth - 1].node->type == OSP_JSON_OBJECT) {
		if (s[pos] == ',') {
			pos = skip_ws(p, pos + 1);
			if (pos >= p->end)
				return osp_json_fail_eof(p, " within/between Object entries");
			goto key;
		}
		if (s[pos] == '}') {
			pos++;
			p->depth--;
			goto after;
		}
		if (s[pos] == ']')
			return osp_json_fail_close(p, pos);
		return osp_json_fail_unexpected(p, pos, "was expecting comma to separate Object entries");
	}
	if (s[pos] == ',') {
		pos++;
		eof_what = " within/between Array entries";
		goto value;
	}
	if (s[pos] == ']') {
		pos++;
		p->depth--;
		goto after;
	}
	if (s[pos] == '}')
		return osp_json_fail_close(p, pos);
	return osp_json_fail_unexpected(p, pos, "was expecting comma to separate Array entries");
key:
	if (s[pos] != '"')
		return osp_json_fail_unexpected(p, pos, "was expecting double-quote to start field name");
	if ((rc = parse_key(p, &pos)) != 0)
		return rc;
	eof_what = " within/between Object entries";
	goto value;
}

static void
parser_init(json_parser_t *p, osp_arena_t *a, const char *text, size_t len,
	    const osp_json_limits_t *limits, osp_json_error_t *err)
{
	p->a = a;
	p->s = text;
	p->len = len;
	p->max_depth = limits && limits->max_depth ? limits->max_depth : JSON_DEFAULT_DEPTH;
	p->max_bytes = limits && limits->max_bytes ? limits->max_bytes : JSON_DEFAULT_BYTES;
	p->end = len < p->max_bytes ? len : p->max_bytes;
	p->reject_dup = limits && limits->reject_duplicates;
	p->allow_comments = limits && limits->allow_comments;
	p->seed = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uintptr_t)text;
	p->err = err;
	p->stack = p->inline_stack;
	p->cap = JSON_STACK_INLINE;
	p->depth = 0;
	p->key_pos = p->key_raw = 0;
	p->key_esc = false;
	if (err) {
		err->offset = 0;
		err->line = 0;
		err->column = 0;
		err->msg[0] = '\0';
	}
}


/* Jackson skips a UTF-8 byte order mark; so do we. */
static size_t
skip_bom(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

int
osp_json_parse(osp_arena_t *a, const char *text, size_t len,
	       const osp_json_limits_t *limits, osp_json_t **out,
	       osp_json_error_t *err)
{
	json_parser_t p;
	size_t pos = 0;
	int rc;

	*out = NULL;
	parser_init(&p, a, text, len, limits, err);
	if (len > p.max_bytes)
		return osp_json_fail_size(&p);
	pos = skip_bom(text, len);
	rc = parse_root(&p, &pos, out);
	if (rc != 0)
		goto fail;
	pos = skip_ws(&p, pos);
	if (pos < len) {
		if (text[pos] == '}' || text[pos] == ']')
			rc = osp_json_fail_close(&p, pos);
		else
			rc = osp_json_fail_unexpected(&p, pos, "expected end-of-input");
		goto fail;
	}
	return 0;
fail:
	*out = NULL;
	return rc;
}

int
osp_json_parse_prefix(osp_arena_t *a, const char *text, size_t len,
		      const osp_json_limits_t *limits, osp_json_t **out,
		      size_t *consumed, osp_json_error_t *err)
{
	json_parser_t p;
	size_t pos = 0;
	int rc;

	*out = NULL;
	*consumed = 0;
	parser_init(&p, a, text, len, limits, err);
	pos = skip_bom(text, p.end);
	rc = parse_root(&p, &pos, out);
	if (rc != 0) {
		*out = NULL;
		return rc;
	}
	*consumed = pos;
	return 0;
}
