/*
 * test_state.c - cluster state transitions (ctl_state.c with ctl_alloc.c
 * and ctl_isettings.c): create with defaults and explicit settings,
 * routing_num_shards as ES 7+ computes it, Elasticsearch's errors (exists,
 * bad settings, unknown/private settings, final and static settings),
 * replicas up and down, mapping merges and versions, open/close, delete
 * with tombstones.
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

#include "ctl_alloc.h"
#include "ctl_isettings.h"
#include "ctl_state.h"

static osp_arena_t arena;

static const osp_json_t *
J(const char *text)
{
	osp_json_t *v = NULL;
	osp_json_error_t e;

	assert_int_equal(osp_json_parse(&arena, text, strlen(text), NULL, &v, &e), 0);
	return v;
}

static osp_cluster_t *
new_state(void)
{
	osp_cluster_t *cs = osp_cluster_new();
	osp_node_t self = { .id = "nodeAAAAAAAAAAAAAAAAAA", .name = "n1",
			    .roles = OSP_ROLE_MASTER | OSP_ROLE_DATA };

	strcpy(cs->cluster_name, "c");
	strcpy(cs->cluster_uuid, "uuidAAAAAAAAAAAAAAAAAA");
	assert_int_equal(ctl_state_set_local_node(cs, &self), 0);
	return cs;
}

static int
setup(void **state)
{
	(void)state;
	osp_arena_init(&arena, 8192, 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	osp_arena_free(&arena);
	return 0;
}

static const char *
setting(const osp_index_t *idx, const char *key)
{
	return osp_index_setting(idx, &arena, key);
}

static void
test_routing_num_shards(void **state)
{
	(void)state;
	assert_int_equal(ctl_routing_num_shards(1), 1024);
	assert_int_equal(ctl_routing_num_shards(2), 1024);
	assert_int_equal(ctl_routing_num_shards(3), 768);
	assert_int_equal(ctl_routing_num_shards(5), 640);
	assert_int_equal(ctl_routing_num_shards(30), 960);
	assert_int_equal(ctl_routing_num_shards(512), 1024);
	assert_int_equal(ctl_routing_num_shards(1000), 1000);
	assert_int_equal(ctl_routing_num_shards(1024), 1024);
}

static void
test_create_defaults(void **state)
{
	osp_cluster_t *cs = new_state();
	osp_err_t err;
	osp_index_t *idx;

	(void)state;
	assert_int_equal(ctl_state_create_index(cs, "test", NULL, 1700000000000, &err), 0);
	idx = osp_cluster_index(cs, "test");
	assert_non_null(idx);
	assert_int_equal(idx->number_of_shards, 1);
	assert_int_equal(idx->number_of_replicas, 1);
	assert_int_equal(idx->routing_num_shards, 1024);
	assert_int_equal(idx->creation_date, 1700000000000);
	assert_int_equal(strlen(idx->uuid), 22);
	assert_int_equal(idx->version, 1);
	assert_string_equal(setting(idx, "index.number_of_shards"), "1");
	assert_string_equal(setting(idx, "index.number_of_replicas"), "1");
	assert_string_equal(setting(idx, "index.provided_name"), "test");
	assert_string_equal(setting(idx, "index.uuid"), idx->uuid);
	assert_string_equal(setting(idx, "index.creation_date"), "1700000000000");
	assert_string_equal(idx->mappings, "{}");
	/* before allocation: all unassigned, new primary health is yellow-ish */
	assert_int_equal(osp_index_shard(idx, 0)[0].state, OSP_SHARD_UNASSIGNED);
	assert_int_equal(ctl_alloc_reroute(cs, 0), 1);
	assert_int_equal(osp_index_shard(idx, 0)[0].state, OSP_SHARD_STARTED);
	assert_string_equal(osp_index_shard(idx, 0)[0].node, "nodeAAAAAAAAAAAAAAAAAA");
	assert_int_equal(osp_index_shard(idx, 0)[1].state, OSP_SHARD_UNASSIGNED);
	assert_int_equal(idx->in_sync[0].n, 1);
	assert_string_equal(idx->in_sync[0].ids[0], osp_index_shard(idx, 0)[0].allocation_id);
	assert_int_equal(idx->primary_terms[0], 1);
	/* the replica has nowhere to go on one node */
	assert_int_equal(ctl_alloc_reroute(cs, 0), 0);
	osp_cluster_free(cs);
}

static void
test_create_settings_and_errors(void **state)
{
	osp_cluster_t *cs = new_state();
	osp_err_t err;
	osp_index_t *idx;

	(void)state;
	assert_int_equal(ctl_state_create_index(cs, "a", J(
		"{\"settings\":{\"index\":{\"number_of_shards\":3,\"refresh_interval\":\"5s\"},"
		"\"number_of_replicas\":\"0\",\"index.translog.durability\":\"async\","
		"\"analysis\":{\"analyzer\":{\"my\":{\"type\":\"custom\",\"tokenizer\":\"standard\","
		"\"filter\":[\"lowercase\"]}}}},"
		"\"mappings\":{\"properties\":{\"t\":{\"type\":\"text\",\"analyzer\":\"my\"}}}}"),
		0, &err), 0);
	idx = osp_cluster_index(cs, "a");
	assert_int_equal(idx->number_of_shards, 3);
	assert_int_equal(idx->number_of_replicas, 0);
	assert_int_equal(idx->routing_num_shards, 768);
	assert_string_equal(setting(idx, "index.refresh_interval"), "5s");
	assert_string_equal(setting(idx, "index.translog.durability"), "async");
	assert_string_equal(setting(idx, "index.analysis.analyzer.my.type"), "custom");
	assert_non_null(strstr(idx->mappings, "\"t\""));

	assert_int_equal(ctl_state_create_index(cs, "a", NULL, 0, &err), -EINVAL);
	assert_string_equal(err.type, "resource_already_exists_exception");
	char want[128];

	snprintf(want, sizeof(want), "index [a/%s] already exists", idx->uuid);
	assert_string_equal(err.reason, want);
	assert_string_equal(err.index, "a");
	assert_string_equal(err.index_uuid, idx->uuid);

	assert_int_equal(ctl_state_create_index(cs, "Bad", NULL, 0, &err), -EINVAL);
	assert_string_equal(err.type, "invalid_index_name_exception");

	static const struct { const char *body, *type, *reason; } bad[] = {
		{ "{\"settings\":{\"number_of_shards\":0}}", "illegal_argument_exception",
		  "Failed to parse value [0] for setting [index.number_of_shards] must be >= 1" },
		{ "{\"settings\":{\"number_of_shards\":2000}}", "illegal_argument_exception",
		  "Failed to parse value [2000] for setting [index.number_of_shards] must be <= 1024" },
		{ "{\"settings\":{\"number_of_replicas\":-1}}", "illegal_argument_exception",
		  "Failed to parse value [-1] for setting [index.number_of_replicas] must be >= 0" },
		{ "{\"settings\":{\"number_of_shards\":\"abc\"}}", "illegal_argument_exception",
		  "Failed to parse value [abc] for setting [index.number_of_shards]" },
		{ "{\"settings\":{\"foo\":1}}", "illegal_argument_exception",
		  "unknown setting [index.foo] please check that any required plugins are installed, or check the breaking changes documentation for removed settings" },
		{ "{\"settings\":{\"number_of_shard\":1}}", "illegal_argument_exception",
		  "unknown setting [index.number_of_shard] did you mean [index.number_of_shards]?" },
		{ "{\"settings\":{\"index.uuid\":\"x\"}}", "illegal_argument_exception",
		  "private index setting [index.uuid] can not be set explicitly" },
		{ "{\"settings\":{\"refresh_interval\":\"fast\"}}", "illegal_argument_exception",
		  "failed to parse setting [index.refresh_interval] with value [fast] as a time value: unit is missing or unrecognized" },
		{ "{\"settings\":{\"translog.durability\":\"sometimes\"}}", "illegal_argument_exception",
		  "No enum constant org.elasticsearch.index.translog.Translog.Durability.SOMETIMES" },
		{ "{\"settings\":{\"number_of_shards\":3,\"number_of_routing_shards\":10}}",
		  "illegal_argument_exception",
		  "the number of source shards [3] must be a factor of [10]" },
		{ "{\"setting\":{}}", "parse_exception", "unknown key [setting] for create index" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		osp_err_clear(&err);
		assert_int_equal(ctl_state_create_index(cs, "b", J(bad[i].body), 0, &err), -EINVAL);
		assert_string_equal(err.type, bad[i].type);
		assert_string_equal(err.reason, bad[i].reason);
		assert_int_equal(err.status, 400);
		assert_null(osp_cluster_index(cs, "b"));
	}
	osp_cluster_free(cs);
}

static void
test_update_settings(void **state)
{
	osp_cluster_t *cs = new_state();
	osp_err_t err;
	osp_index_t *idx;

	(void)state;
	assert_int_equal(ctl_state_create_index(cs, "x", J("{\"settings\":{\"number_of_shards\":2}}"),
						0, &err), 0);
	ctl_alloc_reroute(cs, 0);
	idx = osp_cluster_index(cs, "x");
	char primary_alloc[32];

	strcpy(primary_alloc, osp_index_shard(idx, 1)[0].allocation_id);
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"index\":{\"number_of_replicas\":3}}"), 0, &err), 0);
	assert_int_equal(idx->number_of_replicas, 3);
	assert_int_equal(idx->settings_version, 2);
	assert_int_equal(idx->version, 2);
	assert_string_equal(osp_index_shard(idx, 1)[0].allocation_id, primary_alloc);
	assert_int_equal(osp_index_shard(idx, 1)[0].state, OSP_SHARD_STARTED);
	for (uint32_t r = 1; r <= 3; r++)
		assert_int_equal(osp_index_shard(idx, 1)[r].state, OSP_SHARD_UNASSIGNED);
	assert_int_equal(osp_index_shard(idx, 1)[3].unassigned_reason, OSP_UNASSIGNED_REPLICA_ADDED);
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"settings\":{\"index.number_of_replicas\":0}}"), 0, &err), 0);
	assert_int_equal(idx->number_of_replicas, 0);
	assert_string_equal(osp_index_shard(idx, 1)[0].allocation_id, primary_alloc);
	/* the same value again changes nothing */
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"number_of_replicas\":0}"), 0, &err), 0);
	assert_int_equal(idx->settings_version, 3);
	/* reset to default with null */
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"number_of_replicas\":null}"), 0, &err), 0);
	assert_int_equal(idx->number_of_replicas, 1);

	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"index\":{\"number_of_shards\":5}}"), 0, &err), -EINVAL);
	assert_string_equal(err.reason, "final index setting [index.number_of_shards], not updateable");
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"index\":{\"codec\":\"best_compression\"}}"), 0, &err), -EINVAL);
	char want[200];

	snprintf(want, sizeof(want),
		 "Can't update non dynamic settings [[index.codec]] for open indices [[x/%s]]", idx->uuid);
	assert_string_equal(err.reason, want);
	/* static settings are fine on a closed index */
	assert_int_equal(ctl_state_set_open(cs, "x", false, 0, &err), 0);
	assert_int_equal(ctl_state_update_settings(cs, "x",
		J("{\"index\":{\"codec\":\"best_compression\"}}"), 0, &err), 0);
	assert_int_equal(ctl_state_update_settings(cs, "nope",
		J("{\"refresh_interval\":\"1s\"}"), 0, &err), -ENOENT);
	assert_string_equal(err.type, "index_not_found_exception");
	assert_int_equal(ctl_state_update_settings(cs, "x", J("{}"), 0, &err), -EINVAL);
	osp_cluster_free(cs);
}

static void
test_mappings(void **state)
{
	osp_cluster_t *cs = new_state();
	osp_err_t err;
	osp_index_t *idx;
	bool changed;
	int64_t mv;

	(void)state;
	assert_int_equal(ctl_state_create_index(cs, "m",
		J("{\"mappings\":{\"properties\":{\"a\":{\"type\":\"long\"}}}}"), 0, &err), 0);
	idx = osp_cluster_index(cs, "m");
	assert_int_equal(ctl_state_put_mapping(cs, "m",
		J("{\"properties\":{\"b\":{\"type\":\"keyword\"}}}"), &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(idx->mapping_version, 2);
	assert_non_null(strstr(idx->mappings, "\"b\""));
	assert_non_null(strstr(idx->mappings, "\"a\""));
	/* the same again: no change, no version bump */
	assert_int_equal(ctl_state_put_mapping(cs, "m",
		J("{\"properties\":{\"b\":{\"type\":\"keyword\"}}}"), &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(idx->mapping_version, 2);
	/* a type change is a conflict */
	assert_int_equal(ctl_state_put_mapping(cs, "m",
		J("{\"properties\":{\"a\":{\"type\":\"text\"}}}"), &changed, &err), -EINVAL);
	assert_string_equal(err.type, "illegal_argument_exception");
	assert_non_null(strstr(err.reason, "mapper [a] cannot be changed from type [long] to [text]"));
	assert_int_equal(idx->mapping_version, 2);
	/* dynamic update from a primary */
	assert_int_equal(ctl_state_dynamic_mapping(cs, "m", idx->uuid,
		J("{\"properties\":{\"c\":{\"type\":\"float\"}}}"), &changed, &mv, &err), 0);
	assert_true(changed);
	assert_int_equal(mv, 3);
	assert_int_equal(ctl_state_dynamic_mapping(cs, "m", "otheruuidAAAAAAAAAAAAA",
		J("{\"properties\":{}}"), &changed, &mv, &err), -ENOENT);
	assert_int_equal(ctl_state_put_mapping(cs, "missing",
		J("{\"properties\":{}}"), &changed, &err), -ENOENT);
	osp_cluster_free(cs);
}

static void
test_open_close_delete(void **state)
{
	osp_cluster_t *cs = new_state();
	ctl_expr_opts_t o = { .expand_open = true, .expand_closed = true, .allow_no_indices = true };
	osp_err_t err;
	osp_index_t *idx;

	(void)state;
	assert_int_equal(ctl_state_create_index(cs, "k1", NULL, 0, &err), 0);
	assert_int_equal(ctl_state_create_index(cs, "k2", NULL, 0, &err), 0);
	assert_int_equal(ctl_state_create_index(cs, "other", NULL, 0, &err), 0);
	idx = osp_cluster_index(cs, "k1");
	assert_int_equal(ctl_state_set_open(cs, "k1", false, 0, &err), 0);
	assert_int_equal(idx->state, OSP_INDEX_CLOSE);
	assert_int_equal(idx->version, 2);
	assert_string_equal(setting(idx, "index.verified_before_close"), "true");
	assert_int_equal(ctl_state_set_open(cs, "k1", true, 0, &err), 0);
	assert_int_equal(idx->state, OSP_INDEX_OPEN);
	assert_null(setting(idx, "index.verified_before_close"));
	assert_int_equal(idx->primary_terms[0], 2);
	assert_int_equal(ctl_state_delete_indices(cs, "k*", &o, 42, &err), 0);
	assert_int_equal(cs->n_indices, 1);
	assert_int_equal(cs->n_tombstones, 2);
	assert_int_equal(cs->tombstones[0].delete_date_ms, 42);
	assert_int_equal(ctl_state_delete_indices(cs, "k1", &o, 42, &err), -ENOENT);
	assert_string_equal(err.type, "index_not_found_exception");
	assert_string_equal(err.reason, "no such index [k1]");
	assert_int_equal(ctl_state_delete_indices(cs, "_all", &o, 42, &err), 0);
	assert_int_equal(cs->n_indices, 0);
	osp_cluster_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routing_num_shards),
		cmocka_unit_test_setup_teardown(test_create_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_settings_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mappings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_close_delete, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
