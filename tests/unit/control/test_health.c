/*
 * test_health.c - health from a routing table (chan_health.c): shard, index
 * and cluster status and counts as Elasticsearch computes them (green,
 * yellow for missing replicas or a new primary, red for a lost primary),
 * active_shards_percent, the wait_for_* conditions and their errors, and the
 * _cluster/health body.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osprey/cluster.h"

/* An index with n shards and r replicas, all copies STARTED. */
static osp_index_t *
make_index(const char *name, uint32_t n, uint32_t r)
{
	osp_index_t *idx = calloc(1, sizeof(*idx));

	strcpy(idx->name, name);
	idx->number_of_shards = n;
	idx->number_of_replicas = r;
	idx->copies = calloc((size_t)n * (1 + r), sizeof(osp_shard_copy_t));
	idx->primary_terms = calloc(n, sizeof(int64_t));
	idx->in_sync = calloc(n, sizeof(osp_in_sync_t));
	for (uint32_t s = 0; s < n; s++) {
		for (uint32_t k = 0; k <= r; k++) {
			osp_shard_copy_t *c = &osp_index_shard(idx, s)[k];

			c->shard = s;
			c->primary = k == 0;
			c->state = OSP_SHARD_STARTED;
			snprintf(c->node, sizeof(c->node), "node%u", k);
		}
	}
	return idx;
}

static osp_cluster_t *
make_cluster(uint32_t nodes)
{
	osp_cluster_t *cs = osp_cluster_new();

	strcpy(cs->cluster_name, "hc");
	strcpy(cs->master_node, "node0");
	cs->nodes = calloc(nodes, sizeof(osp_node_t));
	cs->n_nodes = nodes;
	for (uint32_t i = 0; i < nodes; i++) {
		snprintf(cs->nodes[i].id, sizeof(cs->nodes[i].id), "node%u", i);
		cs->nodes[i].roles = OSP_ROLE_DATA | OSP_ROLE_MASTER;
	}
	return cs;
}

static void
unassign(osp_shard_copy_t *c, osp_unassigned_reason_t why)
{
	c->state = OSP_SHARD_UNASSIGNED;
	c->node[0] = '\0';
	c->unassigned_reason = (uint8_t)why;
}

static void
test_shard_and_index(void **state)
{
	osp_index_t *idx = make_index("i", 2, 1);
	osp_health_counts_t c;

	(void)state;
	osp_health_index(idx, &c);
	assert_int_equal(c.status, OSP_HEALTH_GREEN);
	assert_int_equal(c.active_shards, 4);
	assert_int_equal(c.active_primary_shards, 2);
	/* a missing replica: yellow */
	unassign(&osp_index_shard(idx, 1)[1], OSP_UNASSIGNED_REPLICA_ADDED);
	osp_health_shard(idx, 1, &c);
	assert_int_equal(c.status, OSP_HEALTH_YELLOW);
	assert_int_equal(c.unassigned_shards, 1);
	osp_health_shard(idx, 0, &c);
	assert_int_equal(c.status, OSP_HEALTH_GREEN);
	osp_health_index(idx, &c);
	assert_int_equal(c.status, OSP_HEALTH_YELLOW);
	/* initializing and relocating copies */
	osp_index_shard(idx, 0)[1].state = OSP_SHARD_INITIALIZING;
	osp_index_shard(idx, 0)[0].state = OSP_SHARD_RELOCATING;
	osp_health_index(idx, &c);
	assert_int_equal(c.initializing_shards, 1);
	assert_int_equal(c.relocating_shards, 1);
	assert_int_equal(c.active_shards, 2);
	/* a new index's primary not yet started: yellow, not red */
	osp_shard_copy_t *p = &osp_index_shard(idx, 1)[0];

	unassign(p, OSP_UNASSIGNED_INDEX_CREATED);
	p->empty_store = true;
	osp_health_shard(idx, 1, &c);
	assert_int_equal(c.status, OSP_HEALTH_YELLOW);
	assert_int_equal(c.unassigned_primary_shards, 1);
	/* a lost primary of existing data: red */
	p->empty_store = false;
	p->unassigned_reason = OSP_UNASSIGNED_NODE_LEFT;
	osp_health_shard(idx, 1, &c);
	assert_int_equal(c.status, OSP_HEALTH_RED);
	osp_health_index(idx, &c);
	assert_int_equal(c.status, OSP_HEALTH_RED);
	osp_index_free(idx);
}

static void
test_cluster_counts(void **state)
{
	osp_cluster_t *cs = make_cluster(1);
	osp_health_t h;

	(void)state;
	osp_health_cluster(cs, NULL, 0, &h);
	assert_int_equal(h.c.status, OSP_HEALTH_GREEN);
	assert_true(h.active_shards_percent == 100.0);
	/* one node, 1 shard 1 replica: yellow, 50% */
	osp_index_t *idx = make_index("a", 1, 1);

	unassign(&osp_index_shard(idx, 0)[1], OSP_UNASSIGNED_INDEX_CREATED);
	osp_cluster_add_index(cs, idx);
	osp_health_cluster(cs, NULL, 0, &h);
	assert_int_equal(h.c.status, OSP_HEALTH_YELLOW);
	assert_int_equal(h.number_of_nodes, 1);
	assert_int_equal(h.number_of_data_nodes, 1);
	assert_int_equal(h.c.active_primary_shards, 1);
	assert_int_equal(h.c.active_shards, 1);
	assert_int_equal(h.c.unassigned_shards, 1);
	assert_true(h.active_shards_percent == 50.0);
	/* a subset: only a green index */
	osp_index_t *g = make_index("b", 1, 0);

	osp_cluster_add_index(cs, g);
	const osp_index_t *only[] = { g };

	osp_health_cluster(cs, only, 1, &h);
	assert_int_equal(h.c.status, OSP_HEALTH_GREEN);
	/* no master: red */
	cs->master_node[0] = '\0';
	osp_health_cluster(cs, only, 1, &h);
	assert_int_equal(h.c.status, OSP_HEALTH_RED);
	osp_cluster_free(cs);
}

static void
test_wait_conditions(void **state)
{
	osp_health_wait_t w;
	osp_health_t h;
	osp_err_t err;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.c.status = OSP_HEALTH_YELLOW;
	h.c.active_shards = 3;
	h.c.total_shards = 4;
	h.number_of_nodes = 2;
	osp_health_wait_init(&w);
	assert_int_equal(w.timeout_ms, 30000);
	assert_true(osp_health_wait_met(&h, &w));
	assert_int_equal(osp_health_wait_param(&w, "wait_for_status", "yellow", &err), 0);
	assert_true(osp_health_wait_met(&h, &w));
	assert_int_equal(osp_health_wait_param(&w, "wait_for_status", "green", &err), 0);
	assert_false(osp_health_wait_met(&h, &w));
	assert_int_equal(osp_health_wait_param(&w, "wait_for_status", "blue", &err), -EINVAL);
	assert_string_equal(err.reason, "unknown cluster health status [blue]");
	osp_health_wait_init(&w);
	assert_int_equal(osp_health_wait_param(&w, "wait_for_active_shards", "all", &err), 0);
	assert_false(osp_health_wait_met(&h, &w));
	assert_int_equal(osp_health_wait_param(&w, "wait_for_active_shards", "3", &err), 0);
	assert_true(osp_health_wait_met(&h, &w));
	static const struct { const char *v; bool met; } nodes[] = {
		{ "2", true }, { "3", false }, { ">=2", true }, { ">2", false }, { "<3", true },
		{ "le(1)", false }, { "ge(2)", true }, { "lt(2)", false }, { "gt(1)", true },
	};
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		osp_health_wait_init(&w);
		assert_int_equal(osp_health_wait_param(&w, "wait_for_nodes", nodes[i].v, &err), 0);
		assert_int_equal(osp_health_wait_met(&h, &w), nodes[i].met);
	}
	assert_int_equal(osp_health_wait_param(&w, "wait_for_nodes", ">=x", &err), -EINVAL);
	osp_health_wait_init(&w);
	assert_int_equal(osp_health_wait_param(&w, "wait_for_no_initializing_shards", "true", &err), 0);
	assert_true(osp_health_wait_met(&h, &w));
	h.c.initializing_shards = 1;
	assert_false(osp_health_wait_met(&h, &w));
	assert_int_equal(osp_health_wait_param(&w, "timeout", "2m", &err), 0);
	assert_int_equal(w.timeout_ms, 120000);
	assert_int_equal(osp_health_wait_param(&w, "timeout", "10", &err), -EINVAL);
	assert_string_equal(err.type, "parse_exception");
	assert_int_equal(osp_health_wait_param(&w, "level", "indices", &err), -ENOENT);
}

static void
test_body(void **state)
{
	osp_cluster_t *cs = make_cluster(1);
	osp_index_t *idx = make_index("a", 2, 1);
	osp_buf_t b = OSP_BUF_INIT;
	osp_health_t h;
	osp_jw_t w;

	(void)state;
	unassign(&osp_index_shard(idx, 0)[1], OSP_UNASSIGNED_INDEX_CREATED);
	unassign(&osp_index_shard(idx, 1)[1], OSP_UNASSIGNED_INDEX_CREATED);
	osp_cluster_add_index(cs, idx);
	osp_health_cluster(cs, NULL, 0, &h);
	osp_jw_init(&w, &b, 0);
	osp_health_write(cs, NULL, 0, &h, false, 0, &w);
	assert_string_equal(b.data,
		"{\"cluster_name\":\"hc\",\"status\":\"yellow\",\"timed_out\":false,"
		"\"number_of_nodes\":1,\"number_of_data_nodes\":1,\"active_primary_shards\":2,"
		"\"active_shards\":2,\"relocating_shards\":0,\"initializing_shards\":0,"
		"\"unassigned_shards\":2,\"unassigned_primary_shards\":0,"
		"\"delayed_unassigned_shards\":0,\"number_of_pending_tasks\":0,"
		"\"number_of_in_flight_fetch\":0,\"task_max_waiting_in_queue_millis\":0,"
		"\"active_shards_percent_as_number\":50.0}");
	osp_buf_clear(&b);
	osp_jw_init(&w, &b, 0);
	osp_health_write(cs, NULL, 0, &h, true, 2, &w);
	assert_non_null(strstr(b.data, "\"timed_out\":true"));
	assert_non_null(strstr(b.data, "\"indices\":{\"a\":{\"status\":\"yellow\",\"number_of_shards\":2,"
			       "\"number_of_replicas\":1,"));
	assert_non_null(strstr(b.data, "\"shards\":{\"0\":{\"status\":\"yellow\",\"primary_active\":true,"));
	osp_buf_free(&b);
	osp_cluster_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shard_and_index),
		cmocka_unit_test(test_cluster_counts),
		cmocka_unit_test(test_wait_conditions),
		cmocka_unit_test(test_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
