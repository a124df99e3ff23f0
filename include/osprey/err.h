/*
 * osprey/err.h - return codes and Elasticsearch-shaped errors.
 *
 * Functions return int: 0, a negative errno, or OSP_AGAIN when input is
 * incomplete (nginx's NGX_AGAIN). When an operation fails for a reason a user
 * must see, the callee also fills an osp_err_t with Elasticsearch's error type
 * ("index_not_found_exception"), reason, HTTP status and the extra fields
 * Elasticsearch puts beside them (index, index_uuid, resource.type/id, shard).
 * The dataplane turns it into {"error":{"root_cause":[...],...},"status":N}.
 * An osp_err_t is a plain value: no pointers, so it can cross rings and the
 * control channel by copy.
 */
#ifndef OSPREY_ERR_H
#define OSPREY_ERR_H

#include <stdarg.h>
#include <stdint.h>

#define OSP_AGAIN (-11000)   /* incomplete input; call again with more */

/* One Elasticsearch error. Empty strings mean "absent". */
typedef struct osp_err {
	uint16_t status;          /* HTTP status, 0 = no error */
	char type[64];            /* e.g. "illegal_argument_exception" */
	char reason[512];
	char index[256];          /* "index" field, when ES gives it */
	char index_uuid[40];
	char resource_type[32];   /* "resource.type", e.g. "index_or_alias" */
	char resource_id[256];    /* "resource.id" */
	int32_t shard;            /* "shard" field as a string when >= 0 */
	char caused_by_type[64];  /* optional nested caused_by */
	char caused_by_reason[512];
	/* Numeric position for json/x_content parse errors ("line", "col"). */
	int32_t line, col;
} osp_err_t;

/* Reset to "no error". */
void osp_err_clear(osp_err_t *e);

/* Fill type, status and a printf-formatted reason; returns -EINVAL-ish code
 * chosen from status (400 -> -EINVAL, 404 -> -ENOENT, 409 -> -EEXIST,
 * 429 -> -EBUSY, 503 -> -EAGAIN, else -EIO) so callers can `return osp_err_set(...)`. */
int osp_err_set(osp_err_t *e, uint16_t status, const char *type,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int osp_err_vset(osp_err_t *e, uint16_t status, const char *type,
		 const char *fmt, va_list ap);

/* Helpers for the common cases, worded as Elasticsearch words them. */
int osp_err_index_not_found(osp_err_t *e, const char *index);
int osp_err_illegal_argument(osp_err_t *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
