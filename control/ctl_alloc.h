/*
 * ctl_alloc.h - shard allocation: building and maintaining the routing
 * table of each index (which node holds which copy).
 */
#ifndef CTL_ALLOC_H
#define CTL_ALLOC_H

#include <stdint.h>

#include "osprey/cluster.h"

/* Give a new index its routing table: every copy UNASSIGNED
 * (INDEX_CREATED), primary terms 1, no in-sync ids. 0 or -ENOMEM. */
int
ctl_alloc_index_init(osp_index_t *idx, int64_t now_ms);

/* Change the number of replicas: surplus replicas are dropped (unassigned
 * ones first), new ones are UNASSIGNED (REPLICA_ADDED). 0 or -ENOMEM. */
int
ctl_alloc_set_replicas(osp_index_t *idx, uint32_t replicas, int64_t now_ms);

/* Assign unassigned copies to data nodes: never two copies of a shard on
 * one node, fewest copies first. A new primary starts at once on its node
 * (its shard is created empty when the dataplane applies the state); a
 * replica goes INITIALIZING until its recovery finishes. Returns how many
 * copies changed. */
int
ctl_alloc_reroute(osp_cluster_t *cs, int64_t now_ms);

#endif
