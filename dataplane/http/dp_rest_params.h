/*
 * dp_rest_params.h - Elasticsearch's "unrecognized parameter" check.
 *
 * Every ES handler refuses query parameters it did not read, with a 400
 * illegal_argument_exception such as
 *   request [/_search] contains unrecognized parameter: [szie] -> did you mean [size]?
 * Suggestions are the known names whose Lucene LevenshteinDistance score
 * (1 - edits / longer length) is above 0.5, best first, then by name; the
 * names known to every request (pretty, human, error_trace, filter_path)
 * and the route's path parameters count as known, as in ES where the
 * channel and the handler consume them. Pure function; any core.
 */
#ifndef DP_REST_PARAMS_H
#define DP_REST_PARAMS_H

#include "dp_http.h"
#include "dp_rest_router.h"
#include "osprey/err.h"

/* known: NULL-terminated names the handler reads (may be NULL); m: the
 * route match, for its path parameter names (may be NULL). 0 when every
 * parameter is known, else -EINVAL with err filled. */
int
dp_rest_params_check(const dp_http_req_t *req, const char *const *known,
		     const dp_rest_match_t *m, osp_err_t *err);

#endif
