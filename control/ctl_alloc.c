/*
 * ctl_alloc.c - the allocator (ctl_alloc.h), run by the master on its copy
 * of the next state.
 *
 * Decisions follow Elasticsearch's deciders that matter for correctness:
 * SameShardAllocationDecider (one copy of a shard per node) and a balance by
 * shard count. A replica is assigned only once its primary is active. On a
 * single node replicas therefore stay UNASSIGNED and the cluster is yellow,
 * exactly as Elasticsearch reports it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_alloc.h"
#include "ctl_uuid.h"

static void
copy_unassigned(osp_shard_copy_t *c, uint32_t shard, bool primary,
		osp_unassigned_reason_t why, int64_t now_ms)
{
	memset(c, 0, sizeof(*c));
	c->shard = shard;
	c->primary = primary;
	c->state = OSP_SHARD_UNASSIGNED;
	c->empty_store = primary;
	c->unassigned_reason = (uint8_t)why;
	c->unassigned_at_ms = now_ms;
}

int
ctl_alloc_index_init(osp_index_t *idx, int64_t now_ms)
{
	uint32_t per = 1 + idx->number_of_replicas;

	idx->copies = calloc((size_t)idx->number_of_shards * per, sizeof(osp_shard_copy_t));
	idx->primary_terms = calloc(idx->number_of_shards, sizeof(int64_t));
	idx->in_sync = calloc(idx->number_of_shards, sizeof(osp_in_sync_t));
	if (!idx->copies || !idx->primary_terms || !idx->in_sync)
		return -ENOMEM;
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		osp_shard_copy_t *g = osp_index_shard(idx, s);

		idx->primary_terms[s] = 1;
		for (uint32_t r = 0; r < per; r++)
			copy_unassigned(&g[r], s, r == 0, OSP_UNASSIGNED_INDEX_CREATED, now_ms);
	}
	return 0;
}

/* Drop an allocation id from a shard's in-sync set. */
static void
in_sync_remove(osp_in_sync_t *is, const char *id)
{
	for (uint32_t i = 0; i < is->n; i++) {
		if (strcmp(is->ids[i], id) == 0) {
			memmove(is->ids[i], is->ids[i + 1], (is->n - i - 1) * sizeof(is->ids[0]));
			is->n--;
			return;
		}
	}
}

static int
in_sync_add(osp_in_sync_t *is, const char *id)
{
	void *p = realloc(is->ids, (is->n + 1) * sizeof(is->ids[0]));

	if (p == NULL)
		return -ENOMEM;
	is->ids = p;
	memcpy(is->ids[is->n], id, OSP_UUID_LEN + 1);
	is->n++;
	return 0;
}

int
ctl_alloc_set_replicas(osp_index_t *idx, uint32_t replicas, int64_t now_ms)
{
	uint32_t old_per = 1 + idx->number_of_replicas, per = 1 + replicas;
	osp_shard_copy_t *nc = calloc((size_t)idx->number_of_shards * per, sizeof(*nc));

	if (nc == NULL)
		return -ENOMEM;
	for (uint32_t s = 0; s < idx->number_of_shards; s++) {
		osp_shard_copy_t *og = idx->copies + (size_t)s * old_per;
		osp_shard_copy_t *ng = nc + (size_t)s * per;
		uint32_t k = 1;

		ng[0] = og[0];
		/* Keep assigned replicas first, then unassigned ones. */
		for (int pass = 0; pass < 2; pass++) {
			for (uint32_t r = 1; r < old_per; r++) {
				bool assigned = og[r].node[0] != '\0';

				if (assigned != (pass == 0))
					continue;
				if (k < per)
					ng[k++] = og[r];
				else if (og[r].allocation_id[0])
					in_sync_remove(&idx->in_sync[s], og[r].allocation_id);
			}
		}
		for (; k < per; k++)
			copy_unassigned(&ng[k], s, false, OSP_UNASSIGNED_REPLICA_ADDED, now_ms);
	}
	free(idx->copies);
	idx->copies = nc;
	idx->number_of_replicas = replicas;
	return 0;
}

/* Copies per node id, for balancing. */
static uint32_t
node_load(const osp_cluster_t *cs, const char *node)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cs->n_indices; i++) {
		const osp_index_t *idx = cs->indices[i];
		size_t total = (size_t)idx->number_of_shards * (1 + idx->number_of_replicas);

		for (size_t j = 0; j < total; j++)
			n += strcmp(idx->copies[j].node, node) == 0;
	}
	return n;
}

/* Best data node for a copy of shard group g, or NULL. */
static const osp_node_t *
pick_node(const osp_cluster_t *cs, const osp_shard_copy_t *g, uint32_t per)
{
	const osp_node_t *best = NULL;
	uint32_t best_load = UINT32_MAX;

	for (uint32_t i = 0; i < cs->n_nodes; i++) {
		const osp_node_t *n = &cs->nodes[i];
		bool holds = false;

		if (!(n->roles & OSP_ROLE_DATA))
			continue;
		for (uint32_t r = 0; r < per; r++)
			holds |= strcmp(g[r].node, n->id) == 0 ||
				 strcmp(g[r].relocating_node, n->id) == 0;
		if (holds)
			continue;
		uint32_t load = node_load(cs, n->id);

		if (load < best_load) {
			best = n;
			best_load = load;
		}
	}
	return best;
}

int
ctl_alloc_reroute(osp_cluster_t *cs, int64_t now_ms)
{
	int changed = 0;

	(void)now_ms;
	for (uint32_t i = 0; i < cs->n_indices; i++) {
		osp_index_t *idx = cs->indices[i];
		uint32_t per = 1 + idx->number_of_replicas;

		for (uint32_t s = 0; s < idx->number_of_shards; s++) {
			osp_shard_copy_t *g = osp_index_shard(idx, s);

			for (uint32_t r = 0; r < per; r++) {
				osp_shard_copy_t *c = &g[r];
				const osp_node_t *n;

				if (c->state != OSP_SHARD_UNASSIGNED)
					continue;
				if (!c->primary && g[0].state != OSP_SHARD_STARTED &&
				    g[0].state != OSP_SHARD_RELOCATING)
					continue;
				n = pick_node(cs, g, per);
				if (n == NULL)
					continue;
				memcpy(c->node, n->id, sizeof(c->node));
				if (ctl_uuid_random(c->allocation_id) != 0)
					return -EIO;
				if (c->primary) {
					c->state = OSP_SHARD_STARTED;
					c->unassigned_reason = OSP_UNASSIGNED_NONE;
					if (c->empty_store)
						idx->in_sync[s].n = 0;
					c->empty_store = false;
					if (in_sync_add(&idx->in_sync[s], c->allocation_id) != 0)
						return -ENOMEM;
				} else {
					c->state = OSP_SHARD_INITIALIZING;
				}
				changed++;
			}
		}
	}
	return changed;
}
