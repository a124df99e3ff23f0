/*
 * rest_pretty.c - re-indenting serialized JSON as Elasticsearch's ?pretty
 * (dp_rest_pretty.h).
 *
 * One pass over the bytes: strings are copied whole, insignificant
 * whitespace dropped, structure characters rewritten with newlines and
 * indentation. Nesting is bounded so hostile input cannot blow the indent.
 */
#include <errno.h>
#include <string.h>

#include "dp_rest_pretty.h"

#define PRETTY_MAX_DEPTH 1024

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static void
newline(osp_buf_t *out, unsigned depth)
{
	static const char spaces[] = "                                ";

	osp_buf_putc(out, '\n');
	depth *= 2;
	while (depth) {
		unsigned k = depth < sizeof(spaces) - 1 ? depth : (unsigned)sizeof(spaces) - 1;

		osp_buf_append(out, spaces, k);
		depth -= k;
	}
}

int
dp_rest_pretty(osp_buf_t *out, const char *json, size_t n)
{
	const char *p = json, *end = json + n;
	unsigned depth = 0;
	char stack[PRETTY_MAX_DEPTH];

	for (p = skip_ws(p, end); p < end; p = skip_ws(p, end)) {
		char c = *p;

		switch (c) {
		case '{':
		case '[': {
			const char *q = skip_ws(p + 1, end);
			char close = c == '{' ? '}' : ']';

			if (q < end && *q == close) {
				osp_buf_putc(out, c);
				osp_buf_putc(out, ' ');
				osp_buf_putc(out, close);
				p = q + 1;
				break;
			}
			if (depth == PRETTY_MAX_DEPTH)
				return -EINVAL;
			stack[depth++] = close;
			osp_buf_putc(out, c);
			newline(out, depth);
			p++;
			break;
		}
		case '}':
		case ']':
			if (depth == 0 || stack[depth - 1] != c)
				return -EINVAL;
			depth--;
			newline(out, depth);
			osp_buf_putc(out, c);
			p++;
			break;
		case ',':
			if (depth == 0)
				return -EINVAL;
			osp_buf_putc(out, ',');
			newline(out, depth);
			p++;
			break;
		case ':':
			osp_buf_append(out, " : ", 3);
			p++;
			break;
		case '"': {
			const char *q = p + 1;

			while (q < end && *q != '"') {
				if (*q == '\\' && ++q == end)
					break;
				q++;
			}
			if (q >= end)
				return -EINVAL;
			osp_buf_append(out, p, (size_t)(q + 1 - p));
			p = q + 1;
			break;
		}
		default: {
			const char *q = p;

			while (q < end && *q != '\0' && !strchr(",:{}[]\" \t\r\n", *q))
				q++;
			if (q == p)
				return -EINVAL;
			osp_buf_append(out, p, (size_t)(q - p));
			p = q;
			break;
		}
		}
	}
	if (depth)
		return -EINVAL;
	osp_buf_putc(out, '\n');
	return osp_buf_failed(out) ? -ENOMEM : 0;
}

int
dp_rest_pretty_inplace(osp_buf_t *b)
{
	osp_buf_t tmp = OSP_BUF_INIT;
	int rc;

	if (b->len == 0)
		return 0;
	rc = osp_buf_reserve(&tmp, b->len + b->len / 2);
	if (rc == 0)
		rc = dp_rest_pretty(&tmp, b->data, b->len);
	if (rc) {
		osp_buf_free(&tmp);
		return rc;
	}
	osp_buf_free(b);
	*b = tmp;
	return 0;
}
