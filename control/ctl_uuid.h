/*
 * ctl_uuid.h - Elasticsearch-style random ids and the node's persisted id.
 */
#ifndef CTL_UUID_H
#define CTL_UUID_H

#include <stddef.h>

#include "osprey/cluster.h"

/* A random id as ES's UUIDs.randomBase64UUID: 16 random bytes (version 4
 * bits set), base64url without padding, 22 characters + NUL. 0 or -errno. */
int
ctl_uuid_random(char out[OSP_UUID_LEN + 1]);

/* Read <dir>/node.id, creating it (fsynced) with a new id when missing.
 * A file that does not hold a valid id is an error, never silently
 * replaced: the node's identity matters to the cluster. 0 or -errno. */
int
ctl_node_id_load(const char *dir, char out[OSP_UUID_LEN + 1]);

/* fsync a directory so a rename or create in it is durable. */
int
ctl_fsync_dir(const char *dir);

#endif
