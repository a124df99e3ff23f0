/*
 * dp_mustache.h - the Mustache renderer behind search templates
 * (_search/template, _render/template, _msearch/template) and the {{ }}
 * templates of ingest processors.
 *
 * It renders a template against a JSON context the way Elasticsearch's
 * mustache script engine does: {{name}} writes a value JSON-string-escaped
 * (the engine's JSON escaping, no quotes added), {{{name}}} and {{& name}}
 * write it raw, {{#name}}..{{/name}} is a section (false, null, missing and
 * empty lists skip it, a list repeats it per element, an object or other
 * truthy value pushes itself on the context stack), {{^name}} an inverted
 * section, {{! ..}} a comment, {{.}} the current element. Dotted names walk
 * objects and list indices ("a.b.0"). Elasticsearch's functions:
 * {{#toJson}}name{{/toJson}} writes the JSON of name, {{#join}}name{{/join}}
 * joins a list with "," ({{#join delimiter=' '}}..{{/join delimiter=' '}}),
 * {{#url}}..{{/url}} URL-encodes what its body renders. Partials and
 * delimiter changes are refused with a parse error. Pure: any core may call
 * it; the output goes to a caller-owned buffer.
 */
#ifndef DP_MUSTACHE_H
#define DP_MUSTACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "osprey/buf.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* How {{name}} escapes: JSON (search templates, content type JSON) or none
 * (ingest templates render plain strings). */
typedef enum dp_mustache_escape {
	DP_MUSTACHE_ESCAPE_JSON = 0,
	DP_MUSTACHE_ESCAPE_NONE,
} dp_mustache_escape_t;

/* Render tpl (n bytes) with ctx (may be NULL) into out. 0, or -EINVAL with
 * err = general_script_exception / mustache parse errors worded as
 * Elasticsearch's ("Improperly closed variable ..."). */
int
dp_mustache_render(const char *tpl, size_t n, const osp_json_t *ctx,
		   dp_mustache_escape_t esc, osp_buf_t *out, osp_err_t *err);

/* Quick test: does s contain a mustache tag ("{{")? */
bool
dp_mustache_has_tags(const char *s, size_t n);

#endif
