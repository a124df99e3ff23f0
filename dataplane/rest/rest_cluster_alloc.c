/*
 * rest_cluster_alloc.c - allocation APIs on Osprey's one-node cluster:
 * _cluster/allocation/explain, _cluster/reroute and
 * _cluster/voting_config_exclusions.
 *
 * Control allocates every primary to the node and leaves replicas
 * unassigned, since a copy never goes to the node holding its primary
 * (Elasticsearch's same_shard decider). Explanations say exactly that, with
 * Elasticsearch's decider wording. Reroute commands are validated and
 * decided the way Elasticsearch decides them; on one node each one is a NO
 * (an error, or with ?explain an explanation), so none changes the state.
 * Voting exclusions are stored as the "voting_config_exclusions" custom
 * (body: ES's [{"node_id","node_name"}] list), which GET _cluster/state
 * shows under metadata.cluster_coordination.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osprey/cluster.h"
#include "../server/dp_ctl.h"
#include "../shard/dp_shards.h"
#include "dp_rest.h"

#define VOTING_TYPE "voting_config_exclusions"
#define VOTING_NAME "exclusions"
#define VOTING_MAX 10
#define REROUTE_MSG 4096

static const osp_node_t *
alloc_node_by_id(const osp_cluster_t *cs, const char *id)
{
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++)
		if (strcmp(cs->nodes[i].id, id) == 0)
			return &cs->nodes[i];
	return NULL;
}

/* Resolve a node given by id or name. */
static const osp_node_t *
alloc_node_resolve(const osp_cluster_t *cs, const char *s)
{
	for (uint32_t i = 0; cs && s && i < cs->n_nodes; i++)
		if (strcmp(cs->nodes[i].id, s) == 0 || strcmp(cs->nodes[i].name, s) == 0)
			return &cs->nodes[i];
	return NULL;
}

static void
alloc_node_obj(osp_jw_t *w, const osp_node_t *n)
{
	osp_jw_kv_str(w, "node_id", n->id);
	osp_jw_kv_str(w, "node_name", n->name);
	osp_jw_kv_str(w, "transport_address", n->transport_address);
}

/* "[idx][0], node[id], [P], s[STARTED], a[id=..]" as ES prints a routing. */
static void
alloc_routing_str(char *b, size_t n, const osp_index_t *m, uint32_t s, const osp_shard_copy_t *cp)
{
	snprintf(b, n, "[%s][%u], node[%s], [%s], s[%s], a[id=%s]", m->name, s, cp->node,
		 cp->primary ? "P" : "R", osp_shard_state_name((osp_shard_state_t)cp->state),
		 cp->allocation_id);
}

static void
alloc_explain_reply(dp_rest_req_t *r, const osp_cluster_t *cs, const osp_index_t *m, uint32_t s,
		    bool primary)
{
	const osp_shard_copy_t *cp = osp_index_shard(m, s);
	const osp_shard_copy_t *copy = NULL, *pri = &cp[0];
	char b[512];
	osp_buf_t out;
	osp_jw_t w;

	for (uint32_t c = 0; c <= m->number_of_replicas; c++) {
		if (cp[c].primary == primary) {
			copy = &cp[c];
			/* prefer an unassigned replica, the one worth explaining */
			if (primary || cp[c].state == OSP_SHARD_UNASSIGNED)
				break;
		}
	}
	if (copy == NULL) {
		osp_err_t err;

		osp_err_set(&err, 400, "illegal_argument_exception",
			    "unable to find any replica shards [%s][%u] in the routing table", m->name, s);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "index", m->name);
	osp_jw_kv_int(&w, "shard", s);
	osp_jw_kv_bool(&w, "primary", primary);
	if (copy->node[0]) {
		const osp_node_t *n = alloc_node_by_id(cs, copy->node);
		char st[32];

		snprintf(st, sizeof(st), "%s", osp_shard_state_name((osp_shard_state_t)copy->state));
		for (char *p = st; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		osp_jw_kv_str(&w, "current_state", st);
		osp_jw_key(&w, "current_node");
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "id", copy->node);
		if (n) {
			osp_jw_kv_str(&w, "name", n->name);
			osp_jw_kv_str(&w, "transport_address", n->transport_address);
		}
		osp_jw_kv_int(&w, "weight_ranking", 1);
		osp_jw_obj_end(&w);
		osp_jw_kv_str(&w, "can_remain_on_current_node", "yes");
		osp_jw_kv_str(&w, "can_rebalance_cluster", "no");
		osp_jw_kv_str(&w, "can_rebalance_to_other_node", "no");
		osp_jw_kv_str(&w, "rebalance_explanation",
			      "Elasticsearch cannot rebalance this shard to another node since there is no node to which allocation is permitted which would improve the cluster balance. If you expect this shard to be rebalanced to another node, find this node in the node-by-node explanation and address the reasons which prevent Elasticsearch from rebalancing this shard there.");
		osp_jw_obj_end(&w);
		dp_rest_reply(r, 200, &out);
		return;
	}
	time_t at = (time_t)(copy->unassigned_at_ms / 1000);
	struct tm tm;
	char ts[40];

	gmtime_r(&at, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03dZ", (int)(copy->unassigned_at_ms % 1000));
	osp_jw_kv_str(&w, "current_state", "unassigned");
	osp_jw_key(&w, "unassigned_info");
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "reason", osp_unassigned_reason_name((osp_unassigned_reason_t)copy->unassigned_reason));
	osp_jw_kv_str(&w, "at", ts);
	osp_jw_kv_str(&w, "last_allocation_status", "no_attempt");
	osp_jw_obj_end(&w);
	osp_jw_kv_str(&w, "can_allocate", "no");
	osp_jw_kv_str(&w, "allocate_explanation",
		      "Elasticsearch isn't allowed to allocate this shard to any of the nodes in the cluster. Choose a node to which you expect this shard to be allocated, find this node in the node-by-node explanation, and address the reasons which prevent Elasticsearch from allocating this shard there.");
	osp_jw_key(&w, "node_allocation_decisions");
	osp_jw_arr_begin(&w);
	for (uint32_t i = 0; cs && i < cs->n_nodes; i++) {
		const osp_node_t *n = &cs->nodes[i];
		bool same = strcmp(pri->node, n->id) == 0;

		osp_jw_obj_begin(&w);
		alloc_node_obj(&w, n);
		osp_jw_kv_str(&w, "node_decision", "no");
		osp_jw_kv_int(&w, "weight_ranking", 1);
		osp_jw_key(&w, "deciders");
		osp_jw_arr_begin(&w);
		osp_jw_obj_begin(&w);
		if (same) {
			alloc_routing_str(b, sizeof(b), m, s, pri);
			osp_jw_kv_str(&w, "decider", "same_shard");
			osp_jw_kv_str(&w, "decision", "NO");
			osp_buf_t e;

			osp_buf_init(&e);
			osp_buf_printf(&e, "a copy of this shard is already allocated to this node [%s]", b);
			osp_jw_key(&w, "explanation");
			osp_jw_strn(&w, e.data, e.len);
			osp_buf_free(&e);
		} else {
			osp_jw_kv_str(&w, "decider", "replica_after_primary_active");
			osp_jw_kv_str(&w, "decision", "NO");
			osp_jw_kv_str(&w, "explanation", "primary shard for this replica is not yet active");
		}
		osp_jw_obj_end(&w);
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	osp_jw_arr_end(&w);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* GET/POST _cluster/allocation/explain. */
static void
rest_alloc_explain(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	osp_json_t *body;
	osp_err_t err;

	if (!dp_rest_body_json(r, &body))
		return;
	if (cs == NULL) {
		osp_err_set(&err, 503, "master_not_discovered_exception", "no cluster state yet");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (body == NULL || body->len == 0) {
		/* Explain the first unassigned shard, as ES picks one. */
		for (uint32_t i = 0; i < cs->n_indices; i++) {
			const osp_index_t *m = cs->indices[i];

			for (uint32_t s = 0; s < m->number_of_shards; s++) {
				const osp_shard_copy_t *cp = osp_index_shard(m, s);

				for (uint32_t c = 0; c <= m->number_of_replicas; c++) {
					if (cp[c].state == OSP_SHARD_UNASSIGNED) {
						alloc_explain_reply(r, cs, m, s, cp[c].primary);
						return;
					}
				}
			}
		}
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "No shard was specified in the explain API request, so this response explains a randomly chosen unassigned shard. There are no unassigned shards in this cluster, so this API cannot explain anything.");
		dp_rest_reply_err(r, &err);
		return;
	}
	const osp_json_t *ji = osp_json_get(body, "index"), *js = osp_json_get(body, "shard");
	const osp_json_t *jp = osp_json_get(body, "primary");

	OSP_JSON_FOREACH(m, body) {
		static const char *const ok[] = { "index", "shard", "primary", "current_node" };
		bool known = false;

		for (size_t k = 0; k < 4; k++)
			known = known || strcmp(m->key, ok[k]) == 0;
		if (!known) {
			osp_err_set(&err, 400, "x_content_parse_exception",
				    "[cluster/allocation/explain] unknown field [%s]", m->key);
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	if (!osp_json_is(ji, OSP_JSON_STRING) || !osp_json_is(js, OSP_JSON_NUMBER) || !js->is_int ||
	    !osp_json_is(jp, OSP_JSON_BOOL)) {
		osp_err_set(&err, 400, "action_request_validation_exception",
			    "Validation Failed: 1: index must be specified;2: shard must be specified;3: primary must be specified;");
		dp_rest_reply_err(r, &err);
		return;
	}
	const osp_index_t *m = osp_cluster_index(cs, ji->u.str);

	if (m == NULL) {
		osp_err_set(&err, 404, "index_not_found_exception", "no such index [%s]", ji->u.str);
		snprintf(err.index, sizeof(err.index), "%s", ji->u.str);
		dp_rest_reply_err(r, &err);
		return;
	}
	if (js->i < 0 || js->i >= m->number_of_shards) {
		osp_err_set(&err, 400, "illegal_argument_exception", "No shard with id [%lld] in index [%s]",
			    (long long)js->i, m->name);
		dp_rest_reply_err(r, &err);
		return;
	}
	alloc_explain_reply(r, cs, m, (uint32_t)js->i, jp->boolean);
}

/* ---- _cluster/reroute ---- */

/* One command's decision: NULL = yes; else the NO explanation. */
static const char *
reroute_decide(dp_rest_req_t *r, const osp_cluster_t *cs, const char *cmd, const osp_json_t *p,
	       osp_err_t *err)
{
	osp_arena_t *a = r->http->arena;
	const osp_json_t *ji = osp_json_get(p, "index"), *js = osp_json_get(p, "shard");
	const osp_index_t *m;
	char *b = osp_arena_alloc(a, REROUTE_MSG);
	bool move = strcmp(cmd, "move") == 0;
	const char *node_key = move ? "from_node" : "node";
	const osp_json_t *jn = osp_json_get(p, node_key);
	const osp_node_t *n;

	if (b == NULL)
		return "out of memory";
	if (!osp_json_is(ji, OSP_JSON_STRING) || !osp_json_is(js, OSP_JSON_NUMBER) || !js->is_int ||
	    !osp_json_is(jn, OSP_JSON_STRING)) {
		osp_err_set(err, 400, "illegal_argument_exception", "[%s] requires index, shard and %s",
			    cmd, node_key);
		return NULL;
	}
	m = osp_cluster_index(cs, ji->u.str);
	if (m == NULL) {
		osp_err_set(err, 404, "index_not_found_exception", "no such index [%s]", ji->u.str);
		snprintf(err->index, sizeof(err->index), "%s", ji->u.str);
		return NULL;
	}
	if (js->i < 0 || js->i >= m->number_of_shards) {
		osp_err_set(err, 400, "illegal_argument_exception", "[%s] shard id [%lld] is out of bounds", cmd,
			    (long long)js->i);
		return NULL;
	}
	n = alloc_node_resolve(cs, jn->u.str);
	if (n == NULL) {
		osp_err_set(err, 400, "illegal_argument_exception", "failed to resolve [%s], no matching nodes",
			    jn->u.str);
		return NULL;
	}
	uint32_t s = (uint32_t)js->i;
	const osp_shard_copy_t *cp = osp_index_shard(m, s);
	char rs[512];

	alloc_routing_str(rs, sizeof(rs), m, s, &cp[0]);
	if (move) {
		const osp_json_t *jt = osp_json_get(p, "to_node");
		const osp_node_t *to = osp_json_is(jt, OSP_JSON_STRING) ? alloc_node_resolve(cs, jt->u.str) : NULL;

		if (to == NULL) {
			osp_err_set(err, 400, "illegal_argument_exception",
				    "failed to resolve [%s], no matching nodes",
				    osp_json_is(jt, OSP_JSON_STRING) ? jt->u.str : "");
			return NULL;
		}
		snprintf(b, REROUTE_MSG, "[move_allocation] can't move [%s][%u], from {%s}{%s}, to {%s}{%s}, since its not allowed, reason: [NO(a copy of this shard is already allocated to this node [%s])]",
			 m->name, s, n->name, n->id, to->name, to->id, rs);
		return b;
	}
	if (strcmp(cmd, "cancel") == 0) {
		const osp_json_t *ap = osp_json_get(p, "allow_primary");

		if (osp_json_is(ap, OSP_JSON_BOOL) && ap->boolean)
			snprintf(b, REROUTE_MSG, "[cancel_allocation] can't cancel [%s][%u] on node {%s}{%s}: Osprey cannot fail a started primary on a one-node cluster",
				 m->name, s, n->name, n->id);
		else
			snprintf(b, REROUTE_MSG, "[cancel_allocation] can't cancel [%s][%u] on node {%s}{%s}, shard is primary and %s",
				 m->name, s, n->name, n->id,
				 cp[0].state == OSP_SHARD_STARTED ? "started" : "initializing");
		return b;
	}
	if (strcmp(cmd, "allocate_replica") == 0) {
		snprintf(b, REROUTE_MSG, "[allocate_replica] allocation of [%s][%u] on node {%s}{%s} is not allowed, reason: [NO(a copy of this shard is already allocated to this node [%s])]",
			 m->name, s, n->name, n->id, rs);
		return b;
	}
	/* allocate_empty_primary / allocate_stale_primary */
	const osp_json_t *adl = osp_json_get(p, "accept_data_loss");

	if (!osp_json_is(adl, OSP_JSON_BOOL) || !adl->boolean) {
		snprintf(b, REROUTE_MSG, "[%s] allocating an empty primary for [%s][%u] can result in data loss. Please confirm by setting the accept_data_loss parameter to true",
			 cmd, m->name, s);
		return b;
	}
	if (cp[0].node[0]) {
		snprintf(b, REROUTE_MSG, "[%s] primary [%s][%u] is already assigned", cmd, m->name, s);
		return b;
	}
	snprintf(b, REROUTE_MSG, "[%s] Osprey's control allocates primaries itself; [%s][%u] is waiting for it",
		 cmd, m->name, s);
	return b;
}

static void
rest_reroute(dp_rest_req_t *r)
{
	static const char *const cmds[] = { "move", "cancel", "allocate_replica", "allocate_empty_primary",
					    "allocate_stale_primary" };
	const osp_cluster_t *cs = dp_shards_state();
	bool ok = true, explain = dp_rest_qs_bool(r, "explain", false, &ok);
	osp_json_t *body;
	const osp_json_t *list;
	osp_err_t err;
	osp_buf_t out;
	osp_jw_t w;

	if (!ok)
		return;
	/* dry_run: nothing is ever applied on one node, so both answers agree. */
	(void)dp_rest_qs_bool(r, "dry_run", false, &ok);
	if (!ok || !dp_rest_body_json(r, &body))
		return;
	if (cs == NULL) {
		osp_err_set(&err, 503, "master_not_discovered_exception", "no cluster state yet");
		dp_rest_reply_err(r, &err);
		return;
	}
	list = body ? osp_json_get(body, "commands") : NULL;
	OSP_JSON_FOREACH(m, body) {
		if (strcmp(m->key, "commands") != 0) {
			osp_err_set(&err, 400, "x_content_parse_exception",
				    "[cluster_reroute] unknown field [%s]", m->key);
			dp_rest_reply_err(r, &err);
			return;
		}
	}
	if (list && list->type != OSP_JSON_ARRAY) {
		osp_err_set(&err, 400, "x_content_parse_exception", "[cluster_reroute] commands must be an array");
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_rest_jw(r, &w, &out);
	osp_jw_obj_begin(&w);
	osp_jw_kv_bool(&w, "acknowledged", true);
	if (explain) {
		osp_jw_key(&w, "explanations");
		osp_jw_arr_begin(&w);
	}
	OSP_JSON_FOREACH(c, list) {
		const osp_json_t *cmd = c->type == OSP_JSON_OBJECT ? c->u.child : NULL;
		const char *no;
		size_t k = 0;

		while (cmd && k < 5 && strcmp(cmd->key, cmds[k]) != 0)
			k++;
		if (cmd == NULL || k == 5 || cmd->type != OSP_JSON_OBJECT) {
			osp_buf_free(&out);
			if (cmd == NULL)
				osp_err_set(&err, 400, "x_content_parse_exception",
					    "[cluster_reroute] each command must be an object naming one of [move, cancel, allocate_replica, allocate_empty_primary, allocate_stale_primary]");
			else
				osp_err_set(&err, 400, "x_content_parse_exception", "unknown allocation command [%s]",
					    cmd->key);
			dp_rest_reply_err(r, &err);
			return;
		}
		osp_err_clear(&err);
		no = reroute_decide(r, cs, cmd->key, cmd, &err);
		if (no == NULL || !explain) {
			osp_buf_free(&out);
			if (no != NULL)
				osp_err_set(&err, 400, "illegal_argument_exception", "%s", no);
			dp_rest_reply_err(r, &err);
			return;
		}
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "command", cmd->key);
		osp_jw_key(&w, "parameters");
		osp_jw_obj_begin(&w);
		OSP_JSON_FOREACH(pm, cmd) {
			osp_jw_key(&w, pm->key);
			if (pm->type == OSP_JSON_STRING)
				osp_jw_str(&w, pm->u.str);
			else if (pm->type == OSP_JSON_BOOL)
				osp_jw_bool(&w, pm->boolean);
			else if (pm->type == OSP_JSON_NUMBER)
				osp_jw_int(&w, pm->i);
			else
				osp_jw_null(&w);
		}
		osp_jw_obj_end(&w);
		osp_jw_key(&w, "decisions");
		osp_jw_arr_begin(&w);
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "decider", cmd->key);
		osp_jw_kv_str(&w, "decision", "NO");
		osp_jw_kv_str(&w, "explanation", no);
		osp_jw_obj_end(&w);
		osp_jw_arr_end(&w);
		osp_jw_obj_end(&w);
	}
	if (explain)
		osp_jw_arr_end(&w);
	/* The resulting state (nothing moved), without metadata as ES sends it. */
	osp_jw_key(&w, "state");
	osp_cluster_write_filtered(cs, &w, 0, OSP_CLUSTER_M_ALL & ~OSP_CLUSTER_M_METADATA, NULL, 0);
	osp_jw_obj_end(&w);
	dp_rest_reply(r, 200, &out);
}

/* ---- voting config exclusions ---- */

static void
voting_done(void *user, const osp_err_t *err, const char *payload, size_t len)
{
	dp_rest_req_t *r = user;
	osp_buf_t out;

	(void)payload;
	(void)len;
	if (err) {
		dp_rest_reply_err(r, err);
		return;
	}
	osp_buf_init(&out);
	dp_rest_reply(r, 200, &out);
}

/* POST _cluster/voting_config_exclusions?node_names=|node_ids= */
static void
rest_voting_post(dp_rest_req_t *r)
{
	const osp_cluster_t *cs = dp_shards_state();
	const char *names = dp_rest_qs(r, "node_names"), *ids = dp_rest_qs(r, "node_ids");
	const osp_custom_t *cur = dp_ctl_custom(VOTING_TYPE, VOTING_NAME);
	osp_arena_t *a = r->http->arena;
	osp_json_t *doc = NULL;
	osp_json_error_t jerr;
	uint32_t n_old = 0, n_new = 0;
	osp_err_t err;
	osp_buf_t b;
	osp_jw_t w;
	char buf[1024];

	if ((names == NULL) == (ids == NULL) || (names && !*names) || (ids && !*ids)) {
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "Please set node identifiers correctly. One and only one of [node_name], [node_names] and [node_ids] has to be set");
		dp_rest_reply_err(r, &err);
		return;
	}
	if (cur)
		osp_json_parse(a, cur->body, cur->body_len, NULL, &doc, &jerr);
	const osp_json_t *old = osp_json_is(doc, OSP_JSON_ARRAY) ? doc : NULL;

	osp_buf_init(&b);
	osp_jw_init(&w, &b, 0);
	osp_jw_arr_begin(&w);
	OSP_JSON_FOREACH(e, old) {
		const osp_json_t *id = osp_json_get(e, "node_id"), *nm = osp_json_get(e, "node_name");

		if (!osp_json_is(id, OSP_JSON_STRING) || !osp_json_is(nm, OSP_JSON_STRING))
			continue;
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "node_id", id->u.str);
		osp_jw_kv_str(&w, "node_name", nm->u.str);
		osp_jw_obj_end(&w);
		n_old++;
	}
	snprintf(buf, sizeof(buf), "%s", names ? names : ids);
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const osp_node_t *n = NULL;

		for (uint32_t i = 0; cs && i < cs->n_nodes; i++)
			if (strcmp(names ? cs->nodes[i].name : cs->nodes[i].id, t) == 0)
				n = &cs->nodes[i];
		if (n) {
			osp_buf_free(&b);
			osp_err_set(&err, 400, "illegal_argument_exception",
				    "cannot exclude node {%s}{%s} from the voting configuration: it is the cluster's only master-eligible node",
				    n->name, n->id);
			dp_rest_reply_err(r, &err);
			return;
		}
		osp_jw_obj_begin(&w);
		osp_jw_kv_str(&w, "node_id", names ? "_absent_" : t);
		osp_jw_kv_str(&w, "node_name", names ? t : "_absent_");
		osp_jw_obj_end(&w);
		n_new++;
	}
	osp_jw_arr_end(&w);
	if (n_old + n_new > VOTING_MAX) {
		osp_buf_free(&b);
		osp_err_set(&err, 400, "illegal_argument_exception",
			    "add voting config exclusions request for nodes named %s would add [%u] exclusions to the existing [%u] which would exceed the maximum of [%d] set by [cluster.max_voting_config_exclusions]",
			    names ? names : ids, n_new, n_old, VOTING_MAX);
		dp_rest_reply_err(r, &err);
		return;
	}
	dp_ctl_put_custom(VOTING_TYPE, VOTING_NAME, b.data, b.len, false, voting_done, r);
	osp_buf_free(&b);
}

/* DELETE _cluster/voting_config_exclusions: clear them all. */
static void
rest_voting_delete(dp_rest_req_t *r)
{
	static const char *const names[] = { VOTING_NAME };
	bool ok = true;

	dp_rest_qs_bool(r, "wait_for_removal", true, &ok);
	if (!ok)
		return;
	if (dp_ctl_custom(VOTING_TYPE, VOTING_NAME) == NULL) {
		voting_done(r, NULL, NULL, 0);
		return;
	}
	dp_ctl_delete_custom(VOTING_TYPE, names, 1, voting_done, r);
}

void
rest_cluster_alloc_routes(void)
{
	dp_rest_route(DP_HTTP_GET, "/_cluster/allocation/explain", rest_alloc_explain, 0);
	dp_rest_route(DP_HTTP_POST, "/_cluster/allocation/explain", rest_alloc_explain, 0);
	dp_rest_route(DP_HTTP_POST, "/_cluster/reroute", rest_reroute, 0);
	dp_rest_route(DP_HTTP_POST, "/_cluster/voting_config_exclusions", rest_voting_post, 0);
	dp_rest_route(DP_HTTP_DELETE, "/_cluster/voting_config_exclusions", rest_voting_delete, 0);
}
