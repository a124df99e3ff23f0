/*
 * json_err.c - parse errors worded and positioned as Jackson reports them.
 *
 * Elasticsearch parses JSON with Jackson and shows its exception text to
 * users, so a parse error here carries Jackson's message, the byte offset of
 * the offending character or token, and Jackson's line/column: lines count
 * LF, CR and CRLF; the column is 1-based where Jackson 2.17+ (current
 * Elasticsearch) puts it: on the offending character for unexpected
 * characters, escapes and close markers (jackson-core #1173), one past it for
 * errors reported after reading (control characters, bad UTF-8, duplicate
 * names), past the token and its terminator for unrecognized tokens, at the
 * end for end-of-input. Line and column are computed only when an error is
 * raised (one rescan of the input up to it), so the parse loop pays nothing.
 * Messages quote input bytes and are kept valid UTF-8.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json_int.h"

#define JSON_TOKEN_MAX 64   /* bytes of a bad token quoted in a message */

static void
position(const char *s, size_t off, uint32_t *line, size_t *line_start)
{
	uint32_t ln = 1;
	size_t ls = 0;

	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			ln++;
			ls = i + 1;
		} else if (s[i] == '\r') {
			if (i + 1 < off && s[i + 1] == '\n')
				i++;
			ln++;
			ls = i + 1;
		}
	}
	*line = ln;
	*line_start = ls;
}

/* Record an error about the byte at offset off (or the end), with Jackson's
 * location: its read pointer ptr (>= off), column = ptr - line start + 1. */
static int
failv(json_parser_t *p, size_t off, size_t ptr, const char *fmt, va_list ap)
{
	osp_json_error_t *e = p->err;
	size_t ls;

	if (e == NULL)
		return -EINVAL;
	if (off > p->len)
		off = p->len;
	if (ptr < off)
		ptr = off;
	e->offset = off;
	position(p->s, off, &e->line, &ls);
	e->column = (uint32_t)(ptr - ls + 1);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	osp_json_utf8_sanitize(e->msg);
	return -EINVAL;
}

/* The common case: Jackson has consumed the offending byte at off. */
int
osp_json_fail(json_parser_t *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = failv(p, off, off < p->end ? off + 1 : off, fmt, ap);
	va_end(ap);
	return rc;
}

/* Jackson's pointer is elsewhere (after a token, or before a peeked byte). */
__attribute__((format(printf, 4, 5))) int
osp_json_fail_at(json_parser_t *p, size_t off, size_t ptr, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = failv(p, off, ptr, fmt, ap);
	va_end(ap);
	return rc;
}

/* Describe the character at off as Jackson's _getCharDesc does. */
const char *
osp_json_char_desc(const json_parser_t *p, size_t off, char *buf, size_t n)
{
	const unsigned char *s = (const unsigned char *)p->s;
	unsigned c = s[off];

	if (c < 0x20 || c == 0x7F) {
		snprintf(buf, n, "(CTRL-CHAR, code %u)", c);
		return buf;
	}
	if (c < 0x80) {
		snprintf(buf, n, "'%c' (code %u)", (char)c, c);
		return buf;
	}
	/* Decode one UTF-8 character (validity was not checked here). */
	unsigned len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	uint32_t cp = len == 4 ? c & 7 : len == 3 ? c & 15 : len == 2 ? c & 31 : c;

	for (unsigned k = 1; k < len; k++) {
		if (off + k >= p->end || (s[off + k] & 0xC0) != 0x80) {
			snprintf(buf, n, "(code %u / 0x%x)", c, c);
			return buf;
		}
		cp = (cp << 6) | (s[off + k] & 0x3F);
	}
	if (cp >= 0x80 && cp <= 0x9F)
		snprintf(buf, n, "(CTRL-CHAR, code %u)", cp);
	else if (cp > 255)
		snprintf(buf, n, "'%.*s' (code %u / 0x%x)", (int)len, p->s + off, cp, cp);
	else
		snprintf(buf, n, "'%.*s' (code %u)", (int)len, p->s + off, cp);
	return buf;
}

int
osp_json_fail_char(json_parser_t *p, size_t off, const char *what)
{
	char d[48];

	/* Jackson 2.17+ reports these at the character itself */
	return osp_json_fail_at(p, off, off, "Unexpected character (%s): %s",
			osp_json_char_desc(p, off, d, sizeof(d)), what);
}

/* A ']' or '}' that closes nothing open here (Jackson's mismatched end
 * marker), reported at the marker. */
int
osp_json_fail_close(json_parser_t *p, size_t off)
{
	char c = p->s[off];
	char want = c == '}' ? ']' : '}';
	uint32_t line = 1;
	size_t ls = 0, col = 0;
	const char *what = "root";

	if (p->depth) {
		json_frame_t *f = &p->stack[p->depth - 1];

		position(p->s, f->start, &line, &ls);
		col = f->start - ls + 1;
		what = f->node->type == OSP_JSON_OBJECT ? "Object" : "Array";
	}
	return osp_json_fail_at(p, off, off,
			"Unexpected close marker '%c': expected '%c' (for %s starting at [Source: " JSON_SOURCE_REDACTED "; line: %u, column: %zu])",
			c, want, what, line, col);
}


int
osp_json_fail_size(json_parser_t *p)
{
	return osp_json_fail(p, p->end, "Document length (%zu) exceeds the maximum allowed (%zu, from `StreamReadConstraints.getMaxDocumentLength()`)",
		    p->len, p->max_bytes);
}

/* End of input where more was needed; a size error when the limit cut it. */
int
osp_json_fail_eof(json_parser_t *p, const char *what)
{
	if (p->end < p->len)
		return osp_json_fail_size(p);
	if (what)
		return osp_json_fail(p, p->end, "Unexpected end-of-input%s", what);
	if (p->depth == 0)
		return osp_json_fail(p, p->end, "No content to map due to end-of-input");
	json_frame_t *f = &p->stack[p->depth - 1];
	uint32_t line;
	size_t ls;

	position(p->s, f->start, &line, &ls);
	return osp_json_fail(p, p->end,
		    "Unexpected end-of-input: expected close marker for %s (start marker at [Source: " JSON_SOURCE_REDACTED "; line: %u, column: %zu])",
		    f->node->type == OSP_JSON_OBJECT ? "Object" : "Array", line,
		    f->start - ls + 1);
}

/* A byte that is not allowed here; a '/' is reported as Jackson reports a
 * comment it cannot take (disabled, malformed or unterminated). */
int
osp_json_fail_unexpected(json_parser_t *p, size_t off, const char *what)
{
	if (p->s[off] != '/')
		return osp_json_fail_char(p, off, what);
	if (!p->allow_comments)
		return osp_json_fail_char(p, off, "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)");
	if (off + 1 >= p->end || p->s[off + 1] == '*')
		return osp_json_fail_eof(p, " in a comment");
	return osp_json_fail_char(p, off + 1, "was expecting either '*' or '/' for a comment");
}


/* "Unrecognized token 'xyz'" for the identifier-like run at off. */
int
osp_json_fail_token(json_parser_t *p, size_t off)
{
	size_t e = off;

	while (e < p->end && json_is_ident((unsigned char)p->s[e]) && e - off < JSON_TOKEN_MAX)
		e++;
	if (e == off)
		e = off + 1;
	/* Jackson reads the token and the byte that ends it */
	return osp_json_fail_at(p, off, e < p->end ? e + 1 : e,
			"Unrecognized token '%.*s%s': was expecting " JSON_VALID_VALUES,
		    (int)(e - off), p->s + off,
		    e < p->end && json_is_ident((unsigned char)p->s[e]) ? "..." : "");
}

int
osp_json_fail_string(json_parser_t *p, json_str_status_t st, const json_str_scan_t *sc,
	    bool key)
{
	switch (st) {
	case JSON_STR_EOF:
		return osp_json_fail_eof(p, key ? ": was expecting closing '\"' for name"
				   : ": was expecting closing quote for a string value");
	case JSON_STR_CTRL:
		return osp_json_fail(p, sc->bad, "Illegal unquoted character ((CTRL-CHAR, code %u)): has to be escaped using backslash to be included in %s",
			    sc->code, key ? "name" : "string value");
	case JSON_STR_BAD_ESCAPE: {
		char d[48];

		return osp_json_fail_at(p, sc->bad, sc->bad, "Unrecognized character escape %s",
				osp_json_char_desc(p, sc->bad, d, sizeof(d)));
	}
	case JSON_STR_BAD_HEX: {
		char d[48];

		return osp_json_fail_at(p, sc->bad, sc->bad, "Unexpected character (%s): expected a hex-digit for character escape sequence",
				osp_json_char_desc(p, sc->bad, d, sizeof(d)));
	}
	case JSON_STR_LONE_HIGH:
		return osp_json_fail(p, sc->bad, "Unmatched first part of surrogate pair (0x%04X)", sc->code);
	case JSON_STR_LONE_LOW:
		return osp_json_fail(p, sc->bad, "Unmatched second part of surrogate pair (0x%04X)", sc->code);
	case JSON_STR_UTF8_START:
		return osp_json_fail(p, sc->bad, "Invalid UTF-8 start byte 0x%x", sc->code);
	case JSON_STR_UTF8_MIDDLE:
		return osp_json_fail(p, sc->bad, "Invalid UTF-8 middle byte 0x%x", sc->code);
	case JSON_STR_UTF8_EOF:
		return osp_json_fail_eof(p, " in a multi-byte UTF-8 character");
	case JSON_STR_OK:
		break;
	}
	return -EINVAL;
}

size_t
osp_json_error_format(char *buf, size_t n, const osp_json_error_t *err,
		      const char *source)
{
	int r = snprintf(buf, n, "%s\n at [Source: %s; line: %u, column: %u]",
			 err->msg, source ? source : JSON_SOURCE_REDACTED,
			 err->line, err->column);

	if (r < 0)
		return 0;
	if (n && (size_t)r >= n)
		osp_json_utf8_sanitize(buf);    /* truncation may cut a character */
	return (size_t)r;
}
