/*
 * rest_customs.c - the shared plumbing of REST APIs over cluster-state
 * customs (dp_customs.h). Reads use the dataplane's current state; writes go
 * to control, which answers after the dataplane applied the new state, so a
 * GET right after an acknowledged PUT sees it.
 */
#include <errno.h>
#include <string.h>

#include "../server/dp_ctl.h"
#include "dp_customs.h"

bool
dp_customs_glob(const char *p, const char *s)
{
	const char *star = NULL, *back = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			back = s;
		} else if (*p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++back;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int
dp_customs_select(osp_arena_t *a, const char *type, const char *expr,
		  const osp_custom_t ***out, uint32_t *n, const char **missing)
{
	const osp_custom_t *first = NULL;
	uint32_t total = 0, k = 0;
	bool all = expr == NULL || *expr == '\0' || strcmp(expr, "*") == 0 || strcmp(expr, "_all") == 0;
	char *copy = all ? NULL : osp_arena_strndup(a, expr, strlen(expr));

	*missing = NULL;
	*n = 0;
	dp_ctl_customs(type, &first, &total);
	*out = osp_arena_calloc(a, (total + 1) * sizeof(**out));
	if (*out == NULL || (!all && copy == NULL))
		return -ENOMEM;
	if (all) {
		for (uint32_t i = 0; i < total; i++)
			(*out)[k++] = &first[i];
		*n = k;
		return 0;
	}
	bool *taken = osp_arena_calloc(a, total + 1);

	if (taken == NULL)
		return -ENOMEM;
	for (char *save = NULL, *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		bool wild = strchr(name, '*') != NULL, hit = false;

		for (uint32_t i = 0; i < total; i++) {
			if (wild ? dp_customs_glob(name, first[i].name) : strcmp(name, first[i].name) == 0) {
				hit = true;
				taken[i] = true;
			}
		}
		if (!hit && !wild && *missing == NULL)
			*missing = name;
	}
	for (uint32_t i = 0; i < total; i++)
		if (taken[i])
			(*out)[k++] = &first[i];
	*n = k;
	return 0;
}

osp_json_t *
dp_customs_body(osp_arena_t *a, const osp_custom_t *c)
{
	osp_json_error_t jerr;
	osp_json_t *v = NULL;

	if (osp_json_parse(a, c->body, c->body_len, NULL, &v, &jerr) != 0)
		return NULL;
	return v;
}

void
dp_customs_reply_map(dp_rest_req_t *r, const osp_custom_t *const *list, uint32_t n, uint16_t status)
{
	osp_buf_t out;
	osp_jw_t w;

	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	for (uint32_t i = 0; i < n; i++) {
		osp_jw_key(&w, list[i]->name);
		osp_jw_raw(&w, list[i]->body, list[i]->body_len);
	}
	osp_jw_obj_end(&w);
	dp_rest_reply(r, status, &out);
}

static void
customs_ack(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_rest_req_t *r = user;

	(void)payload;
	(void)len;
	if (err) {
		dp_rest_reply_err(r, err);
		return;
	}
	dp_rest_reply_ack(r, true);
}

void
dp_customs_put(dp_rest_req_t *r, const char *type, const char *name, const osp_json_t *body, bool create)
{
	osp_buf_t b;
	osp_jw_t w;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, body);
	dp_ctl_put_custom(type, name, b.data ? b.data : "{}", b.len ? b.len : 2, create, customs_ack, r);
	osp_buf_free(&b);
}

void
dp_customs_delete(dp_rest_req_t *r, const char *type, const osp_custom_t *const *list, uint32_t n)
{
	const char **names = osp_arena_calloc(r->http->arena, (n + 1) * sizeof(*names));

	if (names == NULL) {
		osp_err_t err;

		osp_err_set(&err, 500, "out_of_memory_error", "no memory for the request");
		dp_rest_reply_err(r, &err);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		names[i] = list[i]->name;
	dp_ctl_delete_custom(type, names, n, customs_ack, r);
}
