/*
 * ctl_member.c - node membership and mastership through leases
 * (ctl_member.h), as DESIGN section 5 has it: a node is a member while its
 * lease lives, and the master is whoever created the master key under its
 * lease (etcd's election recipe: create-if-absent, then keep the lease
 * alive). A lease is liveness only, never fencing: the state itself is
 * written with compare-and-swap on its revision, so a master that lost its
 * lease without noticing cannot overwrite a successor's state.
 *
 * Keys (values are JSON):
 *   /osprey/<cluster>/nodes/<node id>  {"id","name","transport_address","http_address"}
 *   /osprey/<cluster>/master           {"id","name"}
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osprey/json.h"

#include "ctl_log.h"
#include "ctl_member.h"

static int
member_put_master(ctl_member_t *m, const osp_buf_t *val)
{
	return ctl_coord_put(m->coord, m->master_key, val->data, val->len, CTL_COORD_ABSENT,
			     m->lease, NULL);
}

int
ctl_member_join(ctl_member_t *m, ctl_coord_t *coord, const char *cluster,
		const osp_node_t *self, int64_t ttl_ms, int64_t now_ms)
{
	osp_buf_t node = OSP_BUF_INIT, master = OSP_BUF_INIT, cur = OSP_BUF_INIT;
	osp_arena_t a;
	osp_jw_t w;
	int64_t rev;
	int rc;

	memset(m, 0, sizeof(*m));
	m->coord = coord;
	m->ttl_ms = ttl_ms;
	osp_arena_init(&a, 1024, 0);
	snprintf(m->node_key, sizeof(m->node_key), "/osprey/%s/nodes/%s", cluster, self->id);
	snprintf(m->master_key, sizeof(m->master_key), "/osprey/%s/master", cluster);
	osp_jw_init(&w, &node, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "id", self->id);
	osp_jw_kv_str(&w, "name", self->name);
	osp_jw_kv_str(&w, "transport_address", self->transport_address);
	osp_jw_kv_str(&w, "http_address", self->http_address);
	osp_jw_obj_end(&w);
	osp_jw_init(&w, &master, 0);
	osp_jw_obj_begin(&w);
	osp_jw_kv_str(&w, "id", self->id);
	osp_jw_kv_str(&w, "name", self->name);
	osp_jw_obj_end(&w);
	rc = coord->ops->lease_grant(coord, ttl_ms, &m->lease);
	if (rc != 0)
		goto cleanup;
	m->next_keepalive_ms = now_ms + ttl_ms / 3;
	rc = ctl_coord_put(coord, m->node_key, node.data, node.len, CTL_COORD_ANY, m->lease, NULL);
	if (rc != 0)
		goto cleanup;
	rc = member_put_master(m, &master);
	if (rc == -ECANCELED && ctl_coord_get(coord, m->master_key, &cur, &rev) == 0) {
		osp_json_t *v = NULL;
		osp_json_error_t jerr;
		const osp_json_t *id = NULL;

		if (osp_json_parse(&a, cur.data, cur.len, NULL, &v, &jerr) == 0)
			id = osp_json_get(v, "id");
		if (osp_json_is(id, OSP_JSON_STRING) && strcmp(id->u.str, self->id) == 0) {
			/* our previous process died holding it: take it back */
			rc = coord->ops->del(coord, m->master_key, rev);
			if (rc == 0 || rc == -ENOENT)
				rc = member_put_master(m, &master);
		} else {
			ctl_log("node [%s] is the master of cluster [%s]; a second master-eligible node is not supported yet",
				osp_json_is(id, OSP_JSON_STRING) ? id->u.str : "?", cluster);
			rc = -EBUSY;
		}
	}
	if (rc == 0)
		ctl_log("joined cluster [%s] as master, lease %lld (ttl %lld ms)", cluster,
			(long long)m->lease, (long long)ttl_ms);
cleanup:
	if (rc != 0 && m->lease) {
		coord->ops->lease_revoke(coord, m->lease);
		m->lease = 0;
	}
	osp_buf_free(&node);
	osp_buf_free(&master);
	osp_buf_free(&cur);
	osp_arena_free(&a);
	return rc;
}

int
ctl_member_tick(ctl_member_t *m, int64_t now_ms)
{
	int rc;

	if (m->lease == 0 || now_ms < m->next_keepalive_ms)
		return 0;
	m->next_keepalive_ms = now_ms + m->ttl_ms / 3;
	rc = m->coord->ops->lease_keepalive(m->coord, m->lease);
	if (rc == -ENOENT)
		ctl_log("lease %lld expired: mastership lost", (long long)m->lease);
	else if (rc != 0)
		ctl_log("lease %lld keepalive failed (%s); retrying", (long long)m->lease,
			strerror(-rc));
	return rc == -ENOENT ? rc : 0;
}

void
ctl_member_leave(ctl_member_t *m)
{
	if (m->lease && m->coord)
		m->coord->ops->lease_revoke(m->coord, m->lease);
	m->lease = 0;
}
