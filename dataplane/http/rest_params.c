/*
 * rest_params.c - refusing query parameters a handler does not know, in
 * BaseRestHandler's words (dp_rest_params.h).
 *
 * The message is built into the osp_err_t reason (512 bytes, truncated if a
 * client sends absurdly many unknown names). Distances are Lucene's
 * LevenshteinDistance over bytes (parameter names are ASCII).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_rest_params.h"

#define MAX_NAME 64
#define MAX_CAND 128

static const char *const global_params[] = {
	"pretty", "human", "error_trace", "filter_path", NULL,
};

/* Lucene: 1 - distance / max(len); two empty strings score 1. */
static float
lev_score(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned prev[MAX_NAME + 1], cur[MAX_NAME + 1];

	if (n == 0 || m == 0)
		return n == m ? 1.0f : 0.0f;
	if (n > MAX_NAME || m > MAX_NAME)
		return 0.0f;
	for (size_t j = 0; j <= m; j++)
		prev[j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			unsigned del = prev[j] + 1, ins = cur[j - 1] + 1;

			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (m + 1) * sizeof(*prev));
	}
	return 1.0f - (float)prev[m] / (float)(n > m ? n : m);
}

static int
in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

static int
is_known(const char *name, const char *const *known, const dp_rest_match_t *m)
{
	if (in_list(global_params, name) || in_list(known, name))
		return 1;
	for (uint32_t i = 0; m && i < m->nparams; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return 1;
	return 0;
}

typedef struct cand {
	float score;
	const char *name;
} cand_t;

static int
cand_cmp(const void *x, const void *y)
{
	const cand_t *a = x, *b = y;

	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int
str_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void
append(char *buf, size_t cap, size_t *len, const char *s)
{
	int n = snprintf(buf + *len, *len < cap ? cap - *len : 0, "%s", s);

	if (n > 0)
		*len += (size_t)n;
	if (*len >= cap)
		*len = cap - 1;
}

/* Suggestions for one unknown name, as " -> did you mean [x]?" or
 * " -> did you mean any of [x, y]?". */
static void
suggest(char *msg, size_t cap, size_t *len, const char *bad,
	const char *const *known, const dp_rest_match_t *m)
{
	cand_t c[MAX_CAND];
	size_t nc = 0;
	const char *const *lists[2] = { global_params, known };

	for (int l = 0; l < 2; l++)
		for (const char *const *p = lists[l]; p && *p && nc < MAX_CAND; p++) {
			float s = lev_score(bad, *p);

			if (s > 0.5f)
				c[nc++] = (cand_t){ s, *p };
		}
	for (uint32_t i = 0; m && i < m->nparams && nc < MAX_CAND; i++) {
		float s = lev_score(bad, m->params[i].name);

		if (s > 0.5f)
			c[nc++] = (cand_t){ s, m->params[i].name };
	}
	if (nc == 0)
		return;
	qsort(c, nc, sizeof(*c), cand_cmp);
	append(msg, cap, len, nc == 1 ? " -> did you mean [" : " -> did you mean any of [");
	for (size_t i = 0; i < nc; i++) {
		if (i)
			append(msg, cap, len, ", ");
		append(msg, cap, len, c[i].name);
	}
	append(msg, cap, len, "]?");
}

int
dp_rest_params_check(const dp_http_req_t *req, const char *const *known,
		     const dp_rest_match_t *m, osp_err_t *err)
{
	const char **bad;
	size_t nbad = 0, len = 0;
	char msg[sizeof(err->reason)];

	if (req->nparams == 0)
		return 0;
	bad = malloc(req->nparams * sizeof(*bad));
	if (bad == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < req->nparams; i++) {
		const char *name = req->params[i].name;

		if (is_known(name, known, m))
			continue;
		int dup = 0;

		for (size_t k = 0; k < nbad && !dup; k++)
			dup = strcmp(bad[k], name) == 0;
		if (!dup)
			bad[nbad++] = name;
	}
	if (nbad == 0) {
		free(bad);
		return 0;
	}
	qsort(bad, nbad, sizeof(*bad), str_cmp);
	len = (size_t)snprintf(msg, sizeof(msg), "request [%s] contains unrecognized parameter%s: ",
			       req->path, nbad > 1 ? "s" : "");
	if (len >= sizeof(msg))
		len = sizeof(msg) - 1;
	for (size_t k = 0; k < nbad; k++) {
		if (k)
			append(msg, sizeof(msg), &len, ", ");
		append(msg, sizeof(msg), &len, "[");
		append(msg, sizeof(msg), &len, bad[k]);
		append(msg, sizeof(msg), &len, "]");
		suggest(msg, sizeof(msg), &len, bad[k], known, m);
	}
	free(bad);
	return osp_err_illegal_argument(err, "%s", msg);
}
