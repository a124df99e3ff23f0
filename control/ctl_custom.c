/*
 * ctl_custom.c - PUT_CUSTOM / DELETE_CUSTOM applied to a copy of the state
 * (ctl_custom.h).
 *
 * Control checks only what keeps the state well formed (a known-size type,
 * a name, a body present) and the create flag; the dataplane validated the
 * body against Elasticsearch's rules before sending it and checked create
 * against its own copy first, so the check here only settles races between
 * two dataplane requests. A put marks its entries with
 * CTL_CUSTOM_VERSION_PENDING; the commit stamps them with the version it
 * assigns (several requests share one batched commit, so the version is not
 * known while a request is applied).
 */
#include <errno.h>
#include <string.h>

#include "osprey/buf.h"

#include "ctl_custom.h"

static const char *
req_str(const osp_json_t *o, const char *key)
{
	const osp_json_t *v = osp_json_get(o, key);

	return osp_json_is(v, OSP_JSON_STRING) ? v->u.str : NULL;
}

/* Validate one {"type","name","body","create"} and apply it to cs. */
static int
custom_put_one(osp_cluster_t *cs, const osp_json_t *item, osp_err_t *err)
{
	const char *type = req_str(item, "type"), *name = req_str(item, "name");
	const osp_json_t *body = osp_json_get(item, "body");
	const osp_json_t *create = osp_json_get(item, "create");
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	int rc;

	if (type == NULL || type[0] == '\0' || strlen(type) >= sizeof(((osp_custom_t *)0)->type))
		return osp_err_illegal_argument(err, "custom type must be a string of 1 to %zu bytes",
						sizeof(((osp_custom_t *)0)->type) - 1);
	if (name == NULL || name[0] == '\0')
		return osp_err_illegal_argument(err, "%s name must be a non-empty string", type);
	if (body == NULL)
		return osp_err_illegal_argument(err, "%s [%s] has no body", type, name);
	if (osp_json_is(create, OSP_JSON_BOOL) && create->boolean &&
	    osp_cluster_custom(cs, type, name) != NULL)
		return osp_err_illegal_argument(err, "%s [%s] already exists", type, name);
	osp_jw_init(&w, &b, 0);
	osp_jw_value(&w, body);
	rc = osp_buf_failed(&b) ? -ENOMEM :
	     osp_cluster_put_custom(cs, type, name, b.data, b.len, CTL_CUSTOM_VERSION_PENDING);
	osp_buf_free(&b);
	if (rc != 0)
		osp_err_set(err, 500, "exception", "cannot store %s [%s]: %s", type, name,
			    strerror(-rc));
	return rc;
}

int
ctl_custom_put(osp_cluster_t *cs, const osp_json_t *req, osp_err_t *err)
{
	const osp_json_t *items = osp_json_get(req, "items");

	if (items == NULL)
		return custom_put_one(cs, req, err);
	return ctl_custom_put_items(cs, items, err);
}

int
ctl_custom_put_items(osp_cluster_t *cs, const osp_json_t *items, osp_err_t *err)
{
	if (!osp_json_is(items, OSP_JSON_ARRAY) || items->len == 0)
		return osp_err_illegal_argument(err, "[items] must be a non-empty array");
	OSP_JSON_FOREACH(it, items) {
		int rc = custom_put_one(cs, it, err);

		if (rc != 0)
			return rc;   /* the caller drops the copy: nothing applied */
	}
	return 0;
}

int
ctl_custom_delete(osp_cluster_t *cs, const osp_json_t *req, uint32_t *deleted, osp_err_t *err)
{
	const char *type = req_str(req, "type");
	const osp_json_t *names = osp_json_get(req, "names");

	*deleted = 0;
	if (type == NULL || type[0] == '\0')
		return osp_err_illegal_argument(err, "custom type must be a non-empty string");
	if (!osp_json_is(names, OSP_JSON_ARRAY))
		return osp_err_illegal_argument(err, "[names] must be an array of strings");
	OSP_JSON_FOREACH(n, names) {
		if (!osp_json_is(n, OSP_JSON_STRING))
			return osp_err_illegal_argument(err, "[names] must be an array of strings");
		if (osp_cluster_remove_custom(cs, type, n->u.str) == 0)
			(*deleted)++;
	}
	return 0;
}

void
ctl_custom_stamp(osp_cluster_t *cs)
{
	for (uint32_t i = 0; i < cs->n_customs; i++) {
		if (cs->customs[i].version == CTL_CUSTOM_VERSION_PENDING)
			cs->customs[i].version = cs->version;
	}
}
