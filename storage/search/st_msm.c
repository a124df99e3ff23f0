/*
 * st_msm.c - minimum_should_match specs, evaluated as Elasticsearch's
 * Queries.calculateMinShouldMatch: integers, negative integers, percentages
 * (truncated toward zero in float arithmetic), and space-separated
 * conditional "N<spec" clauses. Pure function; no allocation.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/query.h"

/* Java Integer.parseInt over s[0..n): optional sign, digits only. */
static int
parse_int(const char *s, size_t n, int *out)
{
	size_t i = 0;
	long v = 0;
	bool neg = false;

	if (n && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return -EINVAL;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > 2147483647L)
			return -EINVAL;
	}
	*out = (int)(neg ? -v : v);
	return 0;
}

static int
simple(const char *s, size_t n, uint32_t count, int *out)
{
	int result = (int)count, v;

	while (n && isspace((unsigned char)*s)) { s++; n--; }
	while (n && isspace((unsigned char)s[n - 1])) n--;
	if (n && s[n - 1] == '%') {
		if (parse_int(s, n - 1, &v))
			return -EINVAL;
		float calc = (float)(result * v) * (1 / 100.0f);
		result = calc < 0 ? result + (int)calc : (int)calc;
	} else {
		if (parse_int(s, n, &v))
			return -EINVAL;
		result = v < 0 ? result + v : v;
	}
	*out = result < 0 ? 0 : result;
	return 0;
}

int
st_msm_eval(const char *spec, uint32_t n, uint32_t *out)
{
	char buf[256];
	size_t len, w = 0;
	int result = (int)n;

	if (!spec)
		return -EINVAL;
	len = strlen(spec);
	if (len >= sizeof(buf))
		return -EINVAL;
	if (!strchr(spec, '<')) {
		if (simple(spec, len, n, &result))
			return -EINVAL;
		*out = (uint32_t)result;
		return 0;
	}
	/* Remove spaces around '<' then split on spaces. */
	for (size_t i = 0; i < len; i++) {
		if (isspace((unsigned char)spec[i])) {
			size_t j = i;
			while (j < len && isspace((unsigned char)spec[j]))
				j++;
			if ((j < len && spec[j] == '<') || (w && buf[w - 1] == '<')) {
				i = j - 1;
				continue;
			}
		}
		buf[w++] = spec[i];
	}
	buf[w] = '\0';
	char *save = NULL;
	bool any = false;
	for (char *tok = strtok_r(buf, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		char *lt = strchr(tok, '<');
		int upper;
		any = true;
		if (!lt || parse_int(tok, (size_t)(lt - tok), &upper))
			return -EINVAL;
		if ((int)n <= upper)
			break;
		if (simple(lt + 1, strlen(lt + 1), n, &result))
			return -EINVAL;
	}
	if (!any)
		return -EINVAL;
	*out = (uint32_t)(result < 0 ? 0 : result);
	return 0;
}
