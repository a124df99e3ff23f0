/*
 * err.c - filling osp_err_t values (osprey/err.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "osprey/err.h"

void
osp_err_clear(osp_err_t *e)
{
	memset(e, 0, sizeof(*e));
	e->shard = -1;
	e->line = -1;
	e->col = -1;
}

static int
err_code(uint16_t status)
{
	switch (status) {
	case 400: return -EINVAL;
	case 404: return -ENOENT;
	case 409: return -EEXIST;
	case 429: return -EBUSY;
	case 503: return -EAGAIN;
	default: return -EIO;
	}
}

int
osp_err_vset(osp_err_t *e, uint16_t status, const char *type,
	     const char *fmt, va_list ap)
{
	osp_err_clear(e);
	e->status = status;
	snprintf(e->type, sizeof(e->type), "%s", type);
	vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
	return err_code(status);
}

int
osp_err_set(osp_err_t *e, uint16_t status, const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = osp_err_vset(e, status, type, fmt, ap);
	va_end(ap);
	return rc;
}

int
osp_err_index_not_found(osp_err_t *e, const char *index)
{
	int rc = osp_err_set(e, 404, "index_not_found_exception", "no such index [%s]", index);

	snprintf(e->index, sizeof(e->index), "%s", index);
	snprintf(e->resource_type, sizeof(e->resource_type), "index_or_alias");
	snprintf(e->resource_id, sizeof(e->resource_id), "%s", index);
	snprintf(e->index_uuid, sizeof(e->index_uuid), "_na_");
	return rc;
}

int
osp_err_illegal_argument(osp_err_t *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int rc = osp_err_vset(e, 400, "illegal_argument_exception", fmt, ap);
	va_end(ap);
	return rc;
}
