/*
 * test_cluster.c - the cluster state model and its JSON (chan_cluster*.c):
 * a state built by the control transitions survives write -> parse ->
 * write byte for byte, clones are deep, settings render nested and flat,
 * and malformed state documents are rejected without crashing.
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
#include "ctl_state.h"

static osp_cluster_t *
build(void)
{
	osp_cluster_t *cs = osp_cluster_new();
	osp_node_t self = { .id = "nodeAAAAAAAAAAAAAAAAAA", .name = "n1",
			    .ephemeral_id = "ephAAAAAAAAAAAAAAAAAAA",
			    .transport_address = "127.0.0.1:9300",
			    .roles = OSP_ROLE_MASTER | OSP_ROLE_DATA | OSP_ROLE_INGEST };
	osp_arena_t a;
	osp_json_t *body = NULL;
	osp_json_error_t je;
	osp_err_t err;
	const char *txt = "{\"settings\":{\"number_of_shards\":2,\"number_of_replicas\":1,"
			  "\"analysis\":{\"analyzer\":{\"x\":{\"type\":\"custom\",\"tokenizer\":\"standard\","
			  "\"filter\":[\"lowercase\",\"asciifolding\"]}}}},"
			  "\"mappings\":{\"properties\":{\"f\":{\"type\":\"keyword\"}}}}";

	osp_arena_init(&a, 4096, 0);
	strcpy(cs->cluster_name, "c \"quoted\"");
	strcpy(cs->cluster_uuid, "uuidAAAAAAAAAAAAAAAAAA");
	strcpy(cs->state_uuid, "stateAAAAAAAAAAAAAAAAA");
	cs->version = 12;
	assert_int_equal(ctl_state_set_local_node(cs, &self), 0);
	assert_int_equal(osp_json_parse(&a, txt, strlen(txt), NULL, &body, &je), 0);
	assert_int_equal(ctl_state_create_index(cs, "one", body, 1700000000123, &err), 0);
	assert_int_equal(ctl_state_create_index(cs, "two", NULL, 1700000000456, &err), 0);
	assert_int_equal(ctl_state_create_index(cs, "gone", NULL, 1700000000456, &err), 0);
	ctl_expr_opts_t o = { .expand_open = true };

	assert_int_equal(ctl_state_delete_indices(cs, "gone", &o, 1700000000999, &err), 0);
	assert_int_equal(ctl_state_set_open(cs, "two", false, 0, &err), 0);
	ctl_alloc_reroute(cs, 1700000000500);
	osp_arena_free(&a);
	return cs;
}

static char *
write_state(const osp_cluster_t *cs, unsigned flags)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	osp_jw_init(&w, &b, 0);
	assert_int_equal(osp_cluster_write(cs, &w, flags), 0);
	return b.data;
}

static void
test_roundtrip(void **state)
{
	osp_cluster_t *cs = build(), *back = NULL, *copy;
	char *one, *two, *three;

	(void)state;
	one = write_state(cs, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_int_equal(osp_cluster_parse(one, strlen(one), &back), 0);
	two = write_state(back, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_string_equal(one, two);
	copy = osp_cluster_clone(back);
	osp_cluster_free(back);
	three = write_state(copy, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_string_equal(one, three);
	/* what the dataplane reads */
	osp_index_t *idx = osp_cluster_index(copy, "one");

	assert_non_null(idx);
	assert_int_equal(idx->number_of_shards, 2);
	assert_int_equal(idx->routing_num_shards, 1024);
	assert_int_equal(osp_index_shard(idx, 1)[0].state, OSP_SHARD_STARTED);
	assert_int_equal(osp_index_shard(idx, 1)[1].state, OSP_SHARD_UNASSIGNED);
	assert_int_equal(osp_cluster_index(copy, "two")->state, OSP_INDEX_CLOSE);
	assert_int_equal(copy->n_tombstones, 1);
	assert_string_equal(copy->tombstones[0].name, "gone");
	assert_int_equal(copy->nodes[0].roles, OSP_ROLE_MASTER | OSP_ROLE_DATA | OSP_ROLE_INGEST);
	free(one);
	free(two);
	free(three);
	osp_cluster_free(copy);
	osp_cluster_free(cs);
}

static void
test_nested_render(void **state)
{
	osp_cluster_t *cs = build();
	char *s = write_state(cs, 0);

	(void)state;
	assert_non_null(strstr(s, "\"settings\":{\"index\":{"));
	assert_non_null(strstr(s, "\"analysis\":{\"analyzer\":{\"x\":{"));
	assert_non_null(strstr(s, "\"filter\":[\"lowercase\",\"asciifolding\"]"));
	assert_non_null(strstr(s, "\"version\":{\"created\":\"" OSP_INDEX_VERSION_CREATED "\"}"));
	assert_non_null(strstr(s, "\"mappings\":{\"_doc\":{"));
	assert_non_null(strstr(s, "\"routing_nodes\":{\"unassigned\":["));
	assert_non_null(strstr(s, "\"reason\":\"INDEX_CREATED\""));
	assert_non_null(strstr(s, "\"at\":\"2023-11-14T22:13:20.123Z\""));
	/* "two" is closed: block 4, and verified_before_close in its settings */
	assert_non_null(strstr(s, "\"blocks\":{\"indices\":{\"two\":{\"4\":{\"description\":"
			       "\"index closed\",\"retryable\":false,\"levels\":[\"read\",\"write\"]}}}}"));
	assert_non_null(strstr(s, "\"verified_before_close\":\"true\""));
	free(s);
	osp_cluster_free(cs);
}

static void
test_malformed(void **state)
{
	osp_cluster_t *cs = build(), *out = NULL;
	char *s = write_state(cs, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	size_t n = strlen(s);

	(void)state;
	assert_int_equal(osp_cluster_parse("{}", 2, &out), -EINVAL);
	assert_int_equal(osp_cluster_parse("[1]", 3, &out), -EINVAL);
	assert_int_equal(osp_cluster_parse("nope", 4, &out), -EINVAL);
	/* every truncation fails cleanly */
	for (size_t k = 0; k < n; k += 7)
		assert_int_not_equal(osp_cluster_parse(s, k, &out), 0);
	/* a routing table that does not match the replica count */
	char *bad = strdup(s);
	char *p = strstr(bad, "\"index.number_of_replicas\":\"1\"");

	assert_non_null(p);
	p[strlen("\"index.number_of_replicas\":\"")] = '4';
	assert_int_equal(osp_cluster_parse(bad, n, &out), -EINVAL);
	free(bad);
	free(s);
	osp_cluster_free(cs);
}

static void
test_filtered(void **state)
{
	osp_cluster_t *cs = build();
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;
	unsigned m;
	osp_err_t err;
	const osp_index_t *only[] = { osp_cluster_index(cs, "one") };

	(void)state;
	assert_int_equal(osp_cluster_metrics_parse("metadata,version", &m, &err), 0);
	assert_int_equal(m, OSP_CLUSTER_M_METADATA | OSP_CLUSTER_M_VERSION);
	assert_int_equal(osp_cluster_metrics_parse("_all", &m, &err), 0);
	assert_int_equal(m, OSP_CLUSTER_M_ALL);
	assert_int_equal(osp_cluster_metrics_parse("metadata,bogus", &m, &err), -EINVAL);
	assert_string_equal(err.reason, "Unknown metric [bogus]");
	osp_jw_init(&w, &b, 0);
	assert_int_equal(osp_cluster_write_filtered(cs, &w, 0, OSP_CLUSTER_M_METADATA, only, 1), 0);
	assert_non_null(strstr(b.data, "\"cluster_name\""));
	assert_non_null(strstr(b.data, "\"one\":{"));
	assert_null(strstr(b.data, "\"two\":{"));
	assert_null(strstr(b.data, "routing_table"));
	assert_null(strstr(b.data, "\"nodes\""));
	assert_null(strstr(b.data, "state_uuid"));
	osp_buf_clear(&b);
	osp_jw_init(&w, &b, 0);
	assert_int_equal(osp_cluster_write_filtered(cs, &w, 0, OSP_CLUSTER_M_ROUTING_TABLE |
						    OSP_CLUSTER_M_VERSION, NULL, 0), 0);
	assert_non_null(strstr(b.data, "\"routing_table\":{\"indices\":{\"one\""));
	assert_non_null(strstr(b.data, "\"state_uuid\""));
	assert_null(strstr(b.data, "metadata"));
	osp_buf_free(&b);
	osp_cluster_free(cs);
}

/* Flipped, dropped and duplicated bytes of a valid state: parse either
 * fails or yields a state that writes and frees cleanly (ASan checks). */
static void
test_mutations(void **state)
{
	osp_cluster_t *cs = build(), *out = NULL;
	char *s = write_state(cs, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	size_t n = strlen(s);
	char *m = malloc(n + 16);
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 3000; round++) {
		size_t len = n;

		memcpy(m, s, n);
		for (int k = 0; k < 1 + round % 4; k++) {
			size_t at = (size_t)rand_r(&seed) % len;

			switch (rand_r(&seed) % 3) {
			case 0:
				m[at] = (char)(rand_r(&seed) & 0xff);
				break;
			case 1:
				memmove(m + at, m + at + 1, len - at - 1);
				len--;
				break;
			default:
				if (len < n + 15) {
					memmove(m + at + 1, m + at, len - at);
					len++;
				}
				break;
			}
		}
		if (osp_cluster_parse(m, len, &out) == 0) {
			char *again = write_state(out, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);

			free(again);
			osp_cluster_free(out);
			out = NULL;
		}
	}
	free(m);
	free(s);
	osp_cluster_free(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_nested_render),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_filtered),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
