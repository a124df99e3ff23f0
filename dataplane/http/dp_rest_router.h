/*
 * dp_rest_router.h - mapping (method, path) to a handler id, with
 * Elasticsearch's RestController/PathTrie semantics.
 *
 * Routes are patterns like "/{index}/_doc/{id}": literal segments and
 * {named} parameters. Matching walks the raw (still percent-encoded) path
 * split on '/', so "/a%2Fb/_doc/1" has index "a/b"; parameter values are
 * decoded afterwards. When several patterns match, the order is PathTrie's:
 * patterns matched with literals only, then with a parameter only at the
 * root, then only at the leaf, then anywhere; within one class, a literal
 * segment beats a parameter at the first place they differ (so "/_search"
 * beats "/{index}"). The first candidate registered for the method wins. If
 * none has it: OPTIONS gets 200 with Allow, a path some route knows gets 405
 * "Incorrect HTTP method for uri [..] and method [..], allowed: [..]" with
 * an Allow header, anything else 400 "no handler found for uri [..] and
 * method [..]". A chosen handler receiving a body that is not JSON/NDJSON
 * gets 406 "Content-Type header [..] is not supported" (or "... is missing").
 *
 * The table is built at start-up and then only read: any core may match.
 */
#ifndef DP_REST_ROUTER_H
#define DP_REST_ROUTER_H

#include <stdint.h>

#include "dp_http.h"
#include "osprey/err.h"

#define DP_REST_MAX_PARAMS 8

/* Route flags. */
#define DP_ROUTE_F_ANY_BODY 0x1u   /* accept bodies of any Content-Type */

typedef struct dp_rest_router dp_rest_router_t;

typedef enum dp_route_result {
	DP_ROUTE_FOUND = 0,
	DP_ROUTE_OPTIONS,            /* answer 200 with Allow */
	DP_ROUTE_METHOD_NOT_ALLOWED, /* 405 */
	DP_ROUTE_NOT_FOUND,          /* 400 no handler found */
	DP_ROUTE_BAD_CONTENT_TYPE,   /* 406 */
	DP_ROUTE_BAD_REQUEST,        /* 400, err filled (bad escape in a param) */
} dp_route_result_t;

/* What matching found. Parameter strings are in the request's arena. */
typedef struct dp_rest_match {
	int handler;                 /* id given to dp_rest_router_add */
	uint32_t flags;
	const char *pattern;         /* the route's pattern */
	uint32_t allowed;            /* bit per dp_http_method_t over all matches */
	uint32_t nparams;
	dp_http_kv_t params[DP_REST_MAX_PARAMS];
	osp_err_t err;               /* DP_ROUTE_BAD_REQUEST */
} dp_rest_match_t;

dp_rest_router_t *
dp_rest_router_new(void);

void
dp_rest_router_free(dp_rest_router_t *r);

/* Register pattern for method. -EEXIST when that (method, pattern) is
 * taken, -EINVAL for a malformed pattern, -ENOMEM. */
int
dp_rest_router_add(dp_rest_router_t *r, dp_http_method_t method,
		   const char *pattern, int handler, uint32_t flags);

/* Match req. Returns a dp_route_result_t; m is filled in every case. */
dp_route_result_t
dp_rest_router_match(const dp_rest_router_t *r, dp_http_req_t *req,
		     dp_rest_match_t *m);

/* Path parameter by name ("index"), NULL when the route has none. */
const char *
dp_rest_match_param(const dp_rest_match_t *m, const char *name);

/* Answer a request whose match was not DP_ROUTE_FOUND, as ES does. */
int
dp_rest_router_reject(dp_http_conn_t *c, dp_http_req_t *req,
		      dp_route_result_t res, dp_rest_match_t *m);

#endif
