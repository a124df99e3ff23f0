/*
 * ctl_names.h - index names: Elasticsearch's validation rules and the
 * resolution of index expressions ("a,b*,-b2", "_all") against a state.
 */
#ifndef CTL_NAMES_H
#define CTL_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"

/* Validate a name for a new index as MetadataCreateIndexService does:
 * invalid_index_name_exception (400) worded as ES words it. 0 or -EINVAL. */
int
ctl_index_name_validate(const char *name, osp_err_t *err);

/* Options of an index expression (ES IndicesOptions). */
typedef struct ctl_expr_opts {
	bool ignore_unavailable;     /* missing concrete names are skipped */
	bool allow_no_indices;       /* a wildcard matching nothing is fine */
	bool expand_open;            /* wildcards match open indices */
	bool expand_closed;          /* wildcards match closed indices */
	bool forbid_aliases;         /* DELETE: an alias is an error, not its indices */
} ctl_expr_opts_t;

/* Resolve expr into indices of cs (no duplicates, state order); names and
 * wildcards match aliases too, which stand for their indices. *out is
 * malloc'd (caller frees), *n its length. Errors: index_not_found_exception
 * (404) for a missing concrete name or, without allow_no_indices, for an
 * expression matching nothing. 0, -ENOENT or -ENOMEM. */
int
ctl_index_expr_resolve(const osp_cluster_t *cs, const char *expr,
		       const ctl_expr_opts_t *opts, osp_index_t ***out,
		       uint32_t *n, osp_err_t *err);

/* Simple wildcard match ('*' only), as Regex.simpleMatch. */
bool
ctl_wildcard_match(const char *pattern, const char *s);

#endif
