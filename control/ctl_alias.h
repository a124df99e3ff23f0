/*
 * ctl_alias.h - index aliases: name rules, definitions, and the actions of
 * POST /_aliases (add, remove, remove_index), applied to a private copy of
 * the state like every other transition (ctl_state.h).
 */
#ifndef CTL_ALIAS_H
#define CTL_ALIAS_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/cluster.h"
#include "osprey/err.h"
#include "osprey/json.h"

/* Validate an alias name as AliasValidator does (invalid_alias_name_exception;
 * unlike index names, aliases may hold upper case). 0 or -EINVAL. */
int
ctl_alias_name_validate(const char *alias, osp_err_t *err);

/* True when some index of cs has this alias. */
bool
ctl_alias_exists(const osp_cluster_t *cs, const char *alias);

/* Add or replace alias on idx with definition def (the object of an "add"
 * action or of create-index's "aliases"; NULL = {}). Validates the
 * definition and that no index is named like the alias. */
int
ctl_alias_put(const osp_cluster_t *cs, osp_index_t *idx, const char *alias,
	      const osp_json_t *def, osp_err_t *err);

/* Remove alias from idx; -ENOENT when it has no such alias. */
int
ctl_alias_remove(osp_index_t *idx, const char *alias);

/* Add every alias of a create-index body's "aliases" object to idx. */
int
ctl_alias_put_all(const osp_cluster_t *cs, osp_index_t *idx, const osp_json_t *aliases,
		  osp_err_t *err);

/* POST /_aliases {"actions":[...]}: all actions or none. */
int
ctl_state_update_aliases(osp_cluster_t *cs, const osp_json_t *body, osp_err_t *err);

#endif
