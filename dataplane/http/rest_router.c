/*
 * rest_router.c - the route trie and Elasticsearch's dispatch rules
 * (dp_rest_router.h).
 *
 * A node per path position: literal children in a sorted array (binary
 * search) and at most one parameter child shared by every pattern with a
 * parameter there (names are kept per route, so "/{index}/_doc/{id}" and
 * "/{name}/_alias" can coexist). Matching is a depth-first walk trying the
 * literal child before the parameter child, which yields candidates in
 * literal-first order; a stable sort by PathTrie's matching class then
 * gives ES's precedence. Built once, then read-only on every core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dp_http_url.h"
#include "dp_rest_error.h"
#include "dp_rest_pretty.h"
#include "dp_rest_router.h"

#define MAX_SEGS 32
#define MAX_CANDIDATES 32

typedef struct route {
	int handler;
	uint32_t flags;
	char *pattern;
	uint8_t nnames;
	char *names[DP_REST_MAX_PARAMS];
} route_t;

typedef struct node node_t;
struct node {
	char *seg;              /* literal text; NULL for a parameter node */
	size_t seg_len;
	node_t **lit;           /* sorted by seg */
	uint32_t nlit;
	node_t *param;
	route_t *routes[DP_HTTP_METHOD_COUNT];
};

struct dp_rest_router {
	node_t root;
};

dp_rest_router_t *
dp_rest_router_new(void)
{
	return calloc(1, sizeof(dp_rest_router_t));
}

static void
node_free(node_t *n)
{
	for (uint32_t i = 0; i < n->nlit; i++) {
		node_free(n->lit[i]);
		free(n->lit[i]);
	}
	free(n->lit);
	if (n->param) {
		node_free(n->param);
		free(n->param);
	}
	for (int m = 0; m < DP_HTTP_METHOD_COUNT; m++) {
		route_t *rt = n->routes[m];

		if (rt == NULL)
			continue;
		for (int k = 0; k < rt->nnames; k++)
			free(rt->names[k]);
		free(rt->pattern);
		free(rt);
	}
	free(n->seg);
}

void
dp_rest_router_free(dp_rest_router_t *r)
{
	if (r == NULL)
		return;
	node_free(&r->root);
	free(r);
}

static int
seg_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	return c ? c : (an < bn ? -1 : an > bn);
}

/* Index of the literal child s, or -(insertion point) - 1. */
static long
lit_find(const node_t *n, const char *s, size_t len)
{
	long lo = 0, hi = (long)n->nlit - 1;

	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		int c = seg_cmp(n->lit[mid]->seg, n->lit[mid]->seg_len, s, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -lo - 1;
}

static node_t *
child_literal(node_t *n, const char *s, size_t len)
{
	long i = lit_find(n, s, len);
	node_t *c, **arr;

	if (i >= 0)
		return n->lit[i];
	i = -i - 1;
	c = calloc(1, sizeof(*c));
	arr = realloc(n->lit, (n->nlit + 1) * sizeof(*arr));
	if (c == NULL || arr == NULL) {
		free(c);
		if (arr)
			n->lit = arr;
		return NULL;
	}
	n->lit = arr;
	c->seg = strndup(s, len);
	if (c->seg == NULL) {
		free(c);
		return NULL;
	}
	c->seg_len = len;
	memmove(&arr[i + 1], &arr[i], (n->nlit - (size_t)i) * sizeof(*arr));
	arr[i] = c;
	n->nlit++;
	return c;
}

int
dp_rest_router_add(dp_rest_router_t *r, dp_http_method_t method,
		   const char *pattern, int handler, uint32_t flags)
{
	node_t *n = &r->root;
	route_t *rt;
	const char *p = pattern;
	int rc = -ENOMEM;

	if ((unsigned)method >= DP_HTTP_METHOD_COUNT || pattern[0] != '/')
		return -EINVAL;
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return -ENOMEM;
	while (*p) {
		const char *s, *e;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		s = p;
		e = strchr(s, '/');
		if (e == NULL)
			e = s + strlen(s);
		p = e;
		if (*s == '{') {
			if (e - s < 3 || e[-1] != '}' || rt->nnames == DP_REST_MAX_PARAMS) {
				rc = -EINVAL;
				goto fail;
			}
			rt->names[rt->nnames] = strndup(s + 1, (size_t)(e - s - 2));
			if (rt->names[rt->nnames] == NULL)
				goto fail;
			rt->nnames++;
			if (n->param == NULL && (n->param = calloc(1, sizeof(node_t))) == NULL)
				goto fail;
			n = n->param;
		} else {
			n = child_literal(n, s, (size_t)(e - s));
			if (n == NULL)
				goto fail;
		}
	}
	if (n->routes[method]) {
		rc = -EEXIST;
		goto fail;
	}
	rt->handler = handler;
	rt->flags = flags;
	rt->pattern = strdup(pattern);
	if (rt->pattern == NULL)
		goto fail;
	n->routes[method] = rt;
	return 0;
fail:
	for (int k = 0; k < rt->nnames; k++)
		free(rt->names[k]);
	free(rt->pattern);
	free(rt);
	return rc;
}

/* A matched node, its PathTrie class and where its parameters were. */
typedef struct cand {
	const node_t *node;
	uint8_t cls;
	uint8_t nparam;
	uint8_t at[DP_REST_MAX_PARAMS];     /* segment index of each parameter */
} cand_t;

typedef struct walk {
	const char *seg[MAX_SEGS];
	size_t len[MAX_SEGS];
	int nseg;
	cand_t c[MAX_CANDIDATES];
	int nc;
	uint8_t at[DP_REST_MAX_PARAMS];
} walk_t;

static int
node_has_routes(const node_t *n)
{
	for (int m = 0; m < DP_HTTP_METHOD_COUNT; m++)
		if (n->routes[m])
			return 1;
	return 0;
}

static void
collect(walk_t *w, const node_t *n, int depth, int nparam)
{
	if (depth == w->nseg) {
		if (!node_has_routes(n) || w->nc == MAX_CANDIDATES)
			return;
		cand_t *c = &w->c[w->nc++];
		int root = 0, leaf = 0, other = 0;

		c->node = n;
		c->nparam = (uint8_t)nparam;
		for (int i = 0; i < nparam; i++) {
			c->at[i] = w->at[i];
			if (w->at[i] == 0)
				root = 1;
			else if (w->at[i] == w->nseg - 1)
				leaf = 1;
			else
				other = 1;
		}
		c->cls = nparam == 0 ? 0 : (other || (root && leaf)) ? 3 : root ? 1 : 2;
		return;
	}
	long i = lit_find(n, w->seg[depth], w->len[depth]);

	if (i >= 0)
		collect(w, n->lit[i], depth + 1, nparam);
	if (n->param && nparam < DP_REST_MAX_PARAMS) {
		w->at[nparam] = (uint8_t)depth;
		collect(w, n->param, depth + 1, nparam + 1);
	}
}

dp_route_result_t
dp_rest_router_match(const dp_rest_router_t *r, dp_http_req_t *req,
		     dp_rest_match_t *m)
{
	walk_t w;
	const char *p = req->raw_path, *end = p + req->raw_path_len;
	const cand_t *best = NULL;
	const route_t *rt = NULL;

	memset(m, 0, sizeof(*m));
	m->handler = -1;
	osp_err_clear(&m->err);
	w.nseg = 0;
	w.nc = 0;
	/* Split like Java's String.split("/"): a leading empty token and
	 * trailing empty tokens are dropped, inner empty ones kept. */
	if (p < end && *p == '/')
		p++;
	while (p < end) {
		const char *e = memchr(p, '/', (size_t)(end - p));

		if (e == NULL)
			e = end;
		if (w.nseg == MAX_SEGS)
			return DP_ROUTE_NOT_FOUND;
		w.seg[w.nseg] = p;
		w.len[w.nseg] = (size_t)(e - p);
		w.nseg++;
		p = e < end ? e + 1 : end;
	}
	while (w.nseg > 0 && w.len[w.nseg - 1] == 0)
		w.nseg--;
	collect(&w, &r->root, 0, 0);
	/* Stable insertion sort by class keeps the literal-first order. */
	for (int i = 1; i < w.nc; i++) {
		cand_t t = w.c[i];
		int j = i - 1;

		while (j >= 0 && w.c[j].cls > t.cls) {
			w.c[j + 1] = w.c[j];
			j--;
		}
		w.c[j + 1] = t;
	}
	for (int i = 0; i < w.nc; i++) {
		for (int k = 0; k < DP_HTTP_METHOD_COUNT; k++)
			if (w.c[i].node->routes[k])
				m->allowed |= 1u << k;
		if (best == NULL && w.c[i].node->routes[req->method] &&
		    req->method != DP_HTTP_OTHER) {
			best = &w.c[i];
			rt = best->node->routes[req->method];
		}
	}
	if (best == NULL) {
		if (req->method == DP_HTTP_OPTIONS)
			return DP_ROUTE_OPTIONS;
		return m->allowed ? DP_ROUTE_METHOD_NOT_ALLOWED : DP_ROUTE_NOT_FOUND;
	}
	m->handler = rt->handler;
	m->flags = rt->flags;
	m->pattern = rt->pattern;
	for (int i = 0; i < best->nparam && i < rt->nnames; i++) {
		char *v;
		uint32_t vl;
		int rc = dp_http_url_decode(req->arena, w.seg[best->at[i]],
					    w.len[best->at[i]], &v, &vl, &m->err);

		if (rc == -ENOMEM) {
			osp_err_set(&m->err, 500, "exception", "out of memory");
			return DP_ROUTE_BAD_REQUEST;
		}
		if (rc)
			return DP_ROUTE_BAD_REQUEST;
		m->params[i].name = rt->names[i];
		m->params[i].name_len = (uint32_t)strlen(rt->names[i]);
		m->params[i].value = v;
		m->params[i].value_len = vl;
		m->nparams++;
	}
	if (req->has_body && !(rt->flags & DP_ROUTE_F_ANY_BODY) &&
	    req->content_type != DP_MEDIA_JSON && req->content_type != DP_MEDIA_NDJSON)
		return DP_ROUTE_BAD_CONTENT_TYPE;
	return DP_ROUTE_FOUND;
}

const char *
dp_rest_match_param(const dp_rest_match_t *m, const char *name)
{
	for (uint32_t i = 0; i < m->nparams; i++)
		if (strcmp(m->params[i].name, name) == 0)
			return m->params[i].value;
	return NULL;
}

/* "GET,POST" for Allow and "[GET, POST]" for the message (Java's Set). */
static void
allowed_lists(uint32_t allowed, char *hdr, size_t hn, char *msg, size_t mn)
{
	size_t h = 0, g = 0;

	g += (size_t)snprintf(msg, mn, "[");
	hdr[0] = '\0';
	for (int k = 0; k < DP_HTTP_METHOD_COUNT; k++) {
		if (!(allowed & (1u << k)))
			continue;
		const char *name = dp_http_method_name((dp_http_method_t)k);

		if (h < hn)
			h += (size_t)snprintf(hdr + h, hn - h, "%s%s", h ? "," : "", name);
		if (g < mn)
			g += (size_t)snprintf(msg + g, mn - g, "%s%s", g > 1 ? ", " : "", name);
	}
	if (g < mn)
		snprintf(msg + g, mn - g, "]");
}

int
dp_rest_router_reject(dp_http_conn_t *c, dp_http_req_t *req,
		      dp_route_result_t res, dp_rest_match_t *m)
{
	char hdr[128], list[160];
	dp_http_kv_t allow = { "Allow", hdr, 5, 0 };
	dp_http_resp_t r = { .status = 400, .type = DP_MEDIA_JSON };
	osp_buf_t body = OSP_BUF_INIT;
	char *msg = NULL;
	int rc, n = 0;

	allowed_lists(m->allowed, hdr, sizeof(hdr), list, sizeof(list));
	allow.value_len = (uint32_t)strlen(hdr);
	switch (res) {
	case DP_ROUTE_OPTIONS:
		r.status = 200;
		r.type = DP_MEDIA_TEXT;
		r.headers = &allow;
		r.nheaders = 1;
		return dp_http_conn_respond(c, req, &r, NULL);
	case DP_ROUTE_METHOD_NOT_ALLOWED:
		r.status = 405;
		r.headers = &allow;
		r.nheaders = 1;
		n = asprintf(&msg, "Incorrect HTTP method for uri [%s] and method [%s], allowed: %s",
			     req->target, req->method_name, list);
		break;
	case DP_ROUTE_BAD_CONTENT_TYPE: {
		const dp_http_kv_t *ct = dp_http_req_header(req, "content-type");

		r.status = 406;
		if (ct)
			n = asprintf(&msg, "Content-Type header [%s] is not supported", ct->value);
		else
			n = asprintf(&msg, "Content-Type header is missing");
		break;
	}
	case DP_ROUTE_BAD_REQUEST:
		r.status = m->err.status ? m->err.status : 400;
		dp_rest_error_json(&body, &m->err, req->error_trace);
		goto send;
	case DP_ROUTE_NOT_FOUND:
	default:
		n = asprintf(&msg, "no handler found for uri [%s] and method [%s]",
			     req->target, req->method_name);
		break;
	}
	if (n < 0)
		return -ENOMEM;
	dp_rest_error_simple_json(&body, r.status, msg);
	free(msg);
send:
	if (req->pretty)
		dp_rest_pretty_inplace(&body);
	rc = dp_http_conn_respond(c, req, &r, &body);
	osp_buf_free(&body);
	return rc;
}
