/*
 * http_url.c - percent-decoding (dp_http_url.h).
 *
 * A query string is copied into the arena once and each component decoded
 * in place (decoded text is never longer than its source). Error messages are RestUtils' so a client sees the same 400 as
 * from Elasticsearch. Pure functions over caller memory; any core.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dp_http_url.h"

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

/* Decode src[0..n) into dst (which may be src itself: output never runs
 * ahead of input) and NUL-terminate; errors quote orig, the untouched text. */
static int
decode_into(char *dst, const char *src, size_t n, const char *orig,
	    uint32_t *out_len, osp_err_t *err)
{
	size_t j = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '+') {
			dst[j++] = ' ';
		} else if (c == '%') {
			if (i + 1 >= n)
				return osp_err_illegal_argument(err,
					"unterminated escape sequence at end of string: %.*s",
					(int)n, orig);
			if (i + 2 >= n)
				return osp_err_illegal_argument(err,
					"partial escape sequence at end of string: %.*s",
					(int)n, orig);
			int hi = hexval((unsigned char)src[i + 1]);
			int lo = hexval((unsigned char)src[i + 2]);

			if (hi < 0 || lo < 0)
				return osp_err_illegal_argument(err,
					"invalid escape sequence `%%%c%c' at index %zu of: %.*s",
					src[i + 1], src[i + 2], i, (int)n, orig);
			dst[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			dst[j++] = (char)c;
		}
	}
	dst[j] = '\0';
	*out_len = (uint32_t)j;
	return 0;
}

int
dp_http_url_decode(osp_arena_t *a, const char *s, size_t n, char **out,
		   uint32_t *out_len, osp_err_t *err)
{
	char *d = osp_arena_alloc(a, n + 1);
	int rc;

	if (d == NULL)
		return -ENOMEM;
	rc = decode_into(d, s, n, s, out_len, err);
	if (rc == 0)
		*out = d;
	return rc;
}

/* Mirrors RestUtils.decodeQueryString: a name ends at the first '=', a pair
 * at '&' or ';'; "=x" (no name) yields the parameter "x" with value "".
 * The query is copied into the arena once; components without '%' or '+'
 * (the common case) are only NUL-terminated there, others decoded in place. */
static int
component(char *buf, const char *q, size_t from, size_t len, int esc,
	  uint32_t *out_len, osp_err_t *err)
{
	if (!esc) {
		buf[from + len] = '\0';
		*out_len = (uint32_t)len;
		return 0;
	}
	return decode_into(buf + from, q + from, len, q + from, out_len, err);
}

int
dp_http_url_query(osp_arena_t *a, const char *q, size_t n, dp_http_kv_t **out,
		  uint32_t *count, osp_err_t *err)
{
	static char empty[1];
	dp_http_kv_t *arr;
	uint32_t cnt = 0;
	size_t name = SIZE_MAX, name_len = 0, pos = 0;
	int name_esc = 0, esc = 0;
	char *buf;
	int rc = 0;

	*out = NULL;
	*count = 0;
	/* At most one pair per two bytes ("a&b&..."), plus one. */
	buf = osp_arena_alloc(a, n + 1);
	arr = osp_arena_alloc(a, (n / 2 + 1) * sizeof(*arr));
	if (buf == NULL || arr == NULL)
		return -ENOMEM;
	memcpy(buf, q, n);
	buf[n] = '\0';
	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? q[i] : '&';

		if (c == '%' || c == '+') {
			esc = 1;
		} else if (c == '=' && name == SIZE_MAX) {
			if (pos != i) {
				name = pos;
				name_len = i - pos;
				name_esc = esc;
			}
			pos = i + 1;
			esc = 0;
		} else if (c == '&' || c == ';') {
			dp_http_kv_t *kv = &arr[cnt];

			if (name == SIZE_MAX && pos != i) {
				rc = component(buf, q, pos, i - pos, esc, &kv->name_len, err);
				kv->name = buf + pos;
				kv->value = empty;
				kv->value_len = 0;
				cnt++;
			} else if (name != SIZE_MAX) {
				rc = component(buf, q, name, name_len, name_esc, &kv->name_len, err);
				if (rc == 0)
					rc = component(buf, q, pos, i - pos, esc, &kv->value_len, err);
				kv->name = buf + name;
				kv->value = buf + pos;
				cnt++;
			}
			if (rc)
				return rc;
			name = SIZE_MAX;
			pos = i + 1;
			esc = 0;
		}
	}
	*out = cnt ? arr : NULL;
	*count = cnt;
	return 0;
}
