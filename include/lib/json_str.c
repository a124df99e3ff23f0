/*
 * json_str.c - JSON string bodies: validating scan, unescape, escape.
 *
 * The scanner walks a string body once, 16 bytes at a time (SSE2, or 8 with
 * SWAR elsewhere), stopping only at bytes that need attention: '"', '\',
 * control characters and non-ASCII lead bytes. Non-ASCII sequences are
 * checked against Unicode's well-formed UTF-8 table (no overlongs, no
 * surrogates, nothing above U+10FFFF); escapes are checked in place, including
 * \uXXXX surrogate pairing, so unescaping later cannot fail. Nothing here
 * allocates: the parser sizes the arena copy from the scan (an unescaped body
 * is never longer than its raw form).
 */
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json_int.h"

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Read 4 hex digits at s[pos]; -1 and *bad set when one is missing. */
static int32_t
hex4(const char *s, size_t len, size_t pos, size_t *bad)
{
	int32_t v = 0;

	for (size_t k = 0; k < 4; k++) {
		if (pos + k >= len) {
			*bad = len;
			return -1;
		}
		int h = hexval((unsigned char)s[pos + k]);

		if (h < 0) {
			*bad = pos + k;
			return -1;
		}
		v = (v << 4) | h;
	}
	return v;
}

/* Validate one UTF-8 sequence whose lead byte is s[pos] (>= 0x80); returns its
 * length or 0 with out->bad/code set and *st the reason. */
static size_t
utf8_check(const unsigned char *s, size_t len, size_t pos,
	   json_str_scan_t *out, json_str_status_t *st)
{
	unsigned char c = s[pos];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* above U+10FFFF */
	} else {
		out->bad = pos;
		out->code = c;
		*st = JSON_STR_UTF8_START;
		return 0;
	}
	for (size_t k = 1; k < n; k++) {
		if (pos + k >= len) {
			out->bad = len;
			out->code = c;
			*st = JSON_STR_UTF8_EOF;
			return 0;
		}
		unsigned char b = s[pos + k];

		if (b < lo || b > hi) {
			out->bad = pos + k;
			out->code = b;
			*st = JSON_STR_UTF8_MIDDLE;
			return 0;
		}
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

/* Offset of the first byte at or after pos that is '"', '\', < 0x20 or
 * >= 0x80; len when there is none. */
static size_t
find_special(const unsigned char *s, size_t len, size_t pos)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');
	const __m128i sp = _mm_set1_epi8(0x20);

	while (pos + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
		/* signed compare: bytes >= 0x80 are negative, so one compare
		 * catches both control characters and non-ASCII. */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q),
						      _mm_cmpeq_epi8(v, bs)),
					 _mm_cmplt_epi8(v, sp));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask)
			return pos + (size_t)__builtin_ctz(mask);
		pos += 16;
	}
#else
	const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;

	while (pos + 8 <= len) {
		uint64_t v;

		memcpy(&v, s + pos, 8);
		uint64_t xq = v ^ (ones * '"'), xb = v ^ (ones * '\\');
		uint64_t t = ((xq - ones) & ~xq) | ((xb - ones) & ~xb) |
			     (v - ones * 0x20) | v;

		if (t & high)
			break;      /* exact position found by the byte loop */
		pos += 8;
	}
#endif
	while (pos < len) {
		unsigned char c = s[pos];

		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
			return pos;
		pos++;
	}
	return len;
}

json_str_status_t
osp_json_str_scan(const char *str, size_t len, size_t pos, json_str_scan_t *out)
{
	const unsigned char *s = (const unsigned char *)str;
	json_str_status_t st = JSON_STR_OK;

	out->has_escape = false;
	out->code = 0;
	for (;;) {
		pos = find_special(s, len, pos);
		if (pos >= len) {
			out->bad = len;
			return JSON_STR_EOF;
		}
		unsigned char c = s[pos];

		if (c == '"') {
			out->end = pos;
			return JSON_STR_OK;
		}
		if (c >= 0x80) {
			/* Non-Latin text runs multi-byte characters back to back:
			 * validate the run here rather than per SIMD block. */
			do {
				size_t n = utf8_check(s, len, pos, out, &st);

				if (n == 0)
					return st;
				pos += n;
			} while (pos < len && s[pos] >= 0x80);
			continue;
		}
		if (c < 0x20) {
			out->bad = pos;
			out->code = c;
			return JSON_STR_CTRL;
		}
		/* backslash */
		out->has_escape = true;
		if (pos + 1 >= len) {
			out->bad = len;
			return JSON_STR_EOF;
		}
		c = s[pos + 1];
		switch (c) {
		case '"': case '\\': case '/': case 'b':
		case 'f': case 'n': case 'r': case 't':
			pos += 2;
			continue;
		case 'u':
			break;
		default:
			out->bad = pos + 1;
			out->code = c;
			return JSON_STR_BAD_ESCAPE;
		}
		int32_t u = hex4(str, len, pos + 2, &out->bad);

		if (u < 0) {
			if (out->bad >= len)
				return JSON_STR_EOF;
			out->code = s[out->bad];
			return JSON_STR_BAD_HEX;
		}
		if (u >= 0xDC00 && u <= 0xDFFF) {
			out->bad = pos;
			out->code = (uint32_t)u;
			return JSON_STR_LONE_LOW;
		}
		if (u >= 0xD800 && u <= 0xDBFF) {
			size_t p2 = pos + 6;

			if (p2 + 1 >= len || s[p2] != '\\' || s[p2 + 1] != 'u') {
				if (p2 + 1 >= len && (p2 >= len || s[p2] == '\\')) {
					out->bad = len;
					return JSON_STR_EOF;
				}
				out->bad = pos;
				out->code = (uint32_t)u;
				return JSON_STR_LONE_HIGH;
			}
			int32_t l = hex4(str, len, p2 + 2, &out->bad);

			if (l < 0) {
				if (out->bad >= len)
					return JSON_STR_EOF;
				out->code = s[out->bad];
				return JSON_STR_BAD_HEX;
			}
			if (l < 0xDC00 || l > 0xDFFF) {
				out->bad = pos;
				out->code = (uint32_t)u;
				return JSON_STR_LONE_HIGH;
			}
			pos += 12;
			continue;
		}
		pos += 6;
	}
}

static size_t
put_utf8(char *d, uint32_t cp)
{
	unsigned char *o = (unsigned char *)d;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

static uint32_t
hex4_ok(const char *s)
{
	uint32_t v = 0;

	for (int k = 0; k < 4; k++)
		v = (v << 4) | (uint32_t)hexval((unsigned char)s[k]);
	return v;
}

size_t
osp_json_str_unescape(char *dst, const char *src, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		const char *bsl = memchr(src + i, '\\', n - i);
		size_t run = bsl ? (size_t)(bsl - (src + i)) : n - i;

		memcpy(dst + o, src + i, run);
		o += run;
		i += run;
		if (i >= n)
			break;
		char c = src[i + 1];

		i += 2;
		switch (c) {
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u': {
			uint32_t u = hex4_ok(src + i);

			i += 4;
			if (u >= 0xD800 && u <= 0xDBFF) {
				uint32_t l = hex4_ok(src + i + 2);

				i += 6;
				u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
			}
			o += put_utf8(dst + o, u);
			break;
		}
		default: dst[o++] = c; break;   /* " \ / */
		}
	}
	dst[o] = '\0';
	return o;
}

/* What each byte becomes when escaped: 0 = as is, 'u' = \u00XX, else \c. */
static const char escape_tab[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u',
	[0x0F] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u', [0x1C] = 'u', [0x1D] = 'u',
	[0x1E] = 'u', [0x1F] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* Make a NUL-terminated message valid UTF-8 in place: bytes of invalid
 * sequences become '?', a sequence cut by the end is dropped. Error messages
 * quote input bytes and are truncated to a fixed size; they must still be
 * writable into a JSON reply. */
void
osp_json_utf8_sanitize(char *msg)
{
	unsigned char *s = (unsigned char *)msg;
	size_t len = strlen(msg), pos = 0;

	while (pos < len) {
		if (s[pos] < 0x80) {
			pos++;
			continue;
		}
		json_str_scan_t sc;
		json_str_status_t st;
		size_t n = utf8_check(s, len, pos, &sc, &st);

		if (n) {
			pos += n;
		} else if (st == JSON_STR_UTF8_EOF) {
			s[pos] = '\0';
			return;
		} else {
			s[pos++] = '?';
		}
	}
}

/* Offset of the first byte at or after pos that must be escaped ('"', '\',
 * < 0x20); len when there is none. UTF-8 passes at full speed. */
static size_t
find_escape(const unsigned char *s, size_t len, size_t pos)
{
#ifdef __SSE2__
	const __m128i q = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1F);

	while (pos + 16 <= len) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + pos));
		/* unsigned v <= 0x1F  <=>  min(v, 0x1F) == v */
		__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q),
						      _mm_cmpeq_epi8(v, bs)),
					 _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v));
		unsigned mask = (unsigned)_mm_movemask_epi8(m);

		if (mask)
			return pos + (size_t)__builtin_ctz(mask);
		pos += 16;
	}
#endif
	while (pos < len) {
		unsigned char c = s[pos];

		if (c == '"' || c == '\\' || c < 0x20)
			return pos;
		pos++;
	}
	return len;
}

/* Escape as Jackson does: the two-character forms for \b \t \n \f \r " \,
 * \u00XX (upper-case hex) for other control characters, everything else
 * (including '/', DEL and UTF-8) as is. */
void
osp_json_escape(osp_buf_t *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;

	while (i < n) {
		i = find_escape(u, n, i);
		if (i >= n)
			break;
		char e = escape_tab[u[i]];
		if (i > start)
			json_out_append(out, s + start, i - start);
		if (e == 'u') {
			char x[6] = { '\\', 'u', '0', '0', hex[u[i] >> 4], hex[u[i] & 15] };

			json_out_append(out, x, 6);
		} else {
			char x[2] = { '\\', e };

			json_out_append(out, x, 2);
		}
		i++;
		start = i;
	}
	if (n > start)
		json_out_append(out, s + start, n - start);
}
