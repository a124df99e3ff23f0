/*
 * ctl_coord.h - the coordination store behind the cluster state.
 *
 * One interface, several backends (an ops table, as nginx's ngx_os_io_t):
 * a small key/value store with revisions, shaped after etcd v3 so the etcd
 * backend is a thin translation:
 *   get     value + mod_revision (etcd: Range)
 *   put     compare-and-swap on a key's mod_revision (etcd: Txn with
 *           compare mod_revision == R, success Put), optionally attached to
 *           a lease
 *   del     same compare (etcd: Txn, DeleteRange)
 *   watch   callback for every change under a key prefix (etcd: Watch)
 *   leases  grant with a TTL, keepalive, revoke; keys attached to a lease
 *           vanish when it expires or is revoked (etcd: Lease*)
 * Revisions are store-wide and increase by one per change, as etcd's do.
 *
 * The `local` backend keeps everything in memory and persists every change
 * to a checksummed file replaced atomically (ctl_coord_local.c); its leases
 * and watches are in-process. The `etcd` backend (ctl_coord_etcd.c) speaks
 * etcd v3's HTTP/JSON gateway. A store belongs to the control process's
 * main loop thread; callbacks run on that thread from inside put/del/poll.
 */
#ifndef CTL_COORD_H
#define CTL_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "osprey/buf.h"

/* Compare values for put/del. */
#define CTL_COORD_ANY     (-1)   /* unconditional */
#define CTL_COORD_ABSENT  0      /* the key must not exist (create) */

typedef struct ctl_coord ctl_coord_t;

/* A change seen by a watch. value is NULL for a delete. Valid during the
 * callback only. */
typedef struct ctl_coord_event {
	const char *key;
	const void *value;
	size_t len;
	int64_t mod_revision;
} ctl_coord_event_t;

typedef void (*ctl_coord_watch_cb)(void *arg, const ctl_coord_event_t *ev);

/* Backend operations. Every function returns 0 or a negative errno:
 * -ENOENT no such key/lease, -ECANCELED the compare failed (someone else
 * wrote first: re-read and retry), -EIO persistence failed (nothing
 * changed). */
typedef struct ctl_coord_ops {
	const char *name;
	/* Value into val (replaced), its mod_revision into *rev. */
	int (*get)(ctl_coord_t *c, const char *key, osp_buf_t *val, int64_t *rev);
	/* Store value if the key's mod_revision equals expect (ANY: always,
	 * ABSENT: key missing). lease 0 = none. *new_rev = the change's rev. */
	int (*put)(ctl_coord_t *c, const char *key, const void *val, size_t len,
		   int64_t expect, int64_t lease, int64_t *new_rev);
	int (*del)(ctl_coord_t *c, const char *key, int64_t expect);
	/* Call cb for each change under prefix after this revision; *id for
	 * unwatch. */
	int (*watch)(ctl_coord_t *c, const char *prefix, ctl_coord_watch_cb cb,
		     void *arg, int64_t *id);
	int (*unwatch)(ctl_coord_t *c, int64_t id);
	int (*lease_grant)(ctl_coord_t *c, int64_t ttl_ms, int64_t *id);
	int (*lease_keepalive)(ctl_coord_t *c, int64_t id);
	int (*lease_revoke)(ctl_coord_t *c, int64_t id);
	/* Drive timers (lease expiry) and deliver events; never blocks. */
	int (*poll)(ctl_coord_t *c, int64_t now_ms);
	/* Current store revision. */
	int64_t (*revision)(ctl_coord_t *c);
	void (*close)(ctl_coord_t *c);
} ctl_coord_ops_t;

/* Every backend's handle starts with this. */
struct ctl_coord {
	const ctl_coord_ops_t *ops;
};

/* Open the local backend on dir (files coord.dat and coord.dat.prev).
 * now_ms seeds lease clocks. 0, -EIO (both copies unreadable), -ENOMEM. */
int
ctl_coord_local_open(const char *dir, int64_t now_ms, ctl_coord_t **out);

/* Open the etcd backend on a comma-separated list of client URLs
 * ("http://127.0.0.1:2379,..."); fails with -EIO when none answers. */
int
ctl_coord_etcd_open(const char *endpoints, ctl_coord_t **out);

/* Which copy the local backend loaded: 0 none (new store), 1 current,
 * 2 previous (the current one was torn or corrupt). For logs and tests. */
int
ctl_coord_local_loaded_from(const ctl_coord_t *c);

static inline int
ctl_coord_get(ctl_coord_t *c, const char *key, osp_buf_t *val, int64_t *rev)
{
	return c->ops->get(c, key, val, rev);
}

static inline int
ctl_coord_put(ctl_coord_t *c, const char *key, const void *val, size_t len,
	      int64_t expect, int64_t lease, int64_t *new_rev)
{
	return c->ops->put(c, key, val, len, expect, lease, new_rev);
}

static inline void
ctl_coord_close(ctl_coord_t *c)
{
	if (c)
		c->ops->close(c);
}

#endif
