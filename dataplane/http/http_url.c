/*
 * http_url.c - percent-decoding (dp_http_url.h).
 *
 * Decoding copies at most once: a component without '%' or '+' is copied
 * as is. Error messages are RestUtils' so a client sees the same 400 as
 * from Elasticsearch. Pure functions over caller memory; any core.
 */
#include <errno.h>
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

int
dp_http_url_decode(osp_arena_t *a, const char *s, size_t n, char **out,
		   uint32_t *out_len, osp_err_t *err)
{
	char *d = osp_arena_alloc(a, n + 1);
	size_t j = 0;

	if (d == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '+') {
			d[j++] = ' ';
		} else if (c == '%') {
			if (i + 1 >= n)
				return osp_err_illegal_argument(err,
					"unterminated escape sequence at end of string: %.*s",
					(int)n, s);
			if (i + 2 >= n)
				return osp_err_illegal_argument(err,
					"partial escape sequence at end of string: %.*s",
					(int)n, s);
			int hi = hexval((unsigned char)s[i + 1]);
			int lo = hexval((unsigned char)s[i + 2]);

			if (hi < 0 || lo < 0)
				return osp_err_illegal_argument(err,
					"invalid escape sequence `%%%c%c' at index %zu of: %.*s",
					s[i + 1], s[i + 2], i, (int)n, s);
			d[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			d[j++] = (char)c;
		}
	}
	d[j] = '\0';
	*out = d;
	*out_len = (uint32_t)j;
	return 0;
}

/* Append one decoded pair; the array grows by doubling inside the arena. */
static int
query_add(osp_arena_t *a, dp_http_kv_t **arr, uint32_t *count, uint32_t *cap,
	  const char *k, size_t kn, const char *v, size_t vn, osp_err_t *err)
{
	dp_http_kv_t *kv;
	char *ks, *vs;
	uint32_t kl, vl;
	int rc;

	if (*count == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		dp_http_kv_t *n = osp_arena_alloc(a, ncap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		if (*count)
			memcpy(n, *arr, *count * sizeof(*n));
		*arr = n;
		*cap = ncap;
	}
	rc = dp_http_url_decode(a, k, kn, &ks, &kl, err);
	if (rc)
		return rc;
	rc = dp_http_url_decode(a, v, vn, &vs, &vl, err);
	if (rc)
		return rc;
	kv = &(*arr)[(*count)++];
	kv->name = ks;
	kv->name_len = kl;
	kv->value = vs;
	kv->value_len = vl;
	return 0;
}

/* Mirrors RestUtils.decodeQueryString: a name ends at the first '=', a pair
 * at '&' or ';'; "=x" (no name) yields the parameter "x" with value "". */
int
dp_http_url_query(osp_arena_t *a, const char *q, size_t n, dp_http_kv_t **out,
		  uint32_t *count, osp_err_t *err)
{
	dp_http_kv_t *arr = NULL;
	uint32_t cnt = 0, cap = 0;
	const char *name = NULL;
	size_t name_len = 0, pos = 0;
	int rc;

	for (size_t i = 0; i <= n; i++) {
		char c = i < n ? q[i] : '&';

		if (c == '=' && name == NULL) {
			if (pos != i) {
				name = q + pos;
				name_len = i - pos;
			}
			pos = i + 1;
		} else if (c == '&' || c == ';') {
			if (name == NULL && pos != i)
				rc = query_add(a, &arr, &cnt, &cap, q + pos, i - pos,
					       "", 0, err);
			else if (name != NULL)
				rc = query_add(a, &arr, &cnt, &cap, name, name_len,
					       q + pos, i - pos, err);
			else
				rc = 0;
			if (rc)
				return rc;
			name = NULL;
			pos = i + 1;
		}
	}
	*out = arr;
	*count = cnt;
	return 0;
}
