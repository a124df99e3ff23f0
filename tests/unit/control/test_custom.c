/*
 * test_custom.c - cluster-state customs (osp_custom_t): lookups and the
 * sorted run of a type, clone/write/parse round trips, Elasticsearch's
 * views in GET _cluster/state, and PUT_CUSTOM / DELETE_CUSTOM through a
 * real control server (its loop on a thread, a channel client on the test
 * thread acknowledging states), persisted by the local coordination store
 * across a control restart.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/chan.h"
#include "osprey/cluster.h"

#include "ctl_coord.h"
#include "ctl_custom.h"
#include "ctl_server.h"

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
put(osp_cluster_t *cs, const char *type, const char *name, const char *body, int64_t v)
{
	assert_int_equal(osp_cluster_put_custom(cs, type, name, body, strlen(body), v), 0);
}

static void
test_model(void **state)
{
	osp_cluster_t *cs = osp_cluster_new();
	const osp_custom_t *c;
	uint32_t n;

	(void)state;
	put(cs, "template", "b", "{\"order\":1}", 3);
	put(cs, "index_template", "z", "{\"priority\":1}", 4);
	put(cs, "template", "a", "{}", 5);
	put(cs, "index_template", "a", "{\"priority\":2}", 6);
	put(cs, "component_template", "m", "{\"template\":{}}", 7);
	assert_int_equal(cs->n_customs, 5);
	/* sorted by (type, name), a type's entries contiguous */
	assert_string_equal(cs->customs[0].type, "component_template");
	assert_string_equal(cs->customs[1].name, "a");
	assert_string_equal(cs->customs[2].name, "z");
	osp_cluster_customs(cs, "template", &c, &n);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].name, "a");
	assert_string_equal(c[1].body, "{\"order\":1}");
	osp_cluster_customs(cs, "ingest_pipeline", &c, &n);
	assert_int_equal(n, 0);
	assert_null(c);
	c = osp_cluster_custom(cs, "index_template", "z");
	assert_non_null(c);
	assert_int_equal(c->version, 4);
	assert_null(osp_cluster_custom(cs, "index_template", "b"));
	/* replace keeps one entry */
	put(cs, "index_template", "z", "{\"priority\":9}", 8);
	assert_int_equal(cs->n_customs, 5);
	assert_string_equal(osp_cluster_custom(cs, "index_template", "z")->body, "{\"priority\":9}");
	assert_int_equal(osp_cluster_remove_custom(cs, "template", "a"), 0);
	assert_int_equal(osp_cluster_remove_custom(cs, "template", "a"), -ENOENT);
	assert_int_equal(cs->n_customs, 4);
	/* bad arguments */
	assert_int_equal(osp_cluster_put_custom(cs, "", "x", "{}", 2, 1), -EINVAL);
	assert_int_equal(osp_cluster_put_custom(cs, "t", "", "{}", 2, 1), -EINVAL);
	assert_int_equal(osp_cluster_put_custom(cs, "0123456789012345678901234567890123", "x",
						"{}", 2, 1), -EINVAL);
	osp_cluster_free(cs);
}

static void
test_roundtrip(void **state)
{
	osp_cluster_t *cs = osp_cluster_new(), *back = NULL, *copy;
	char *one, *two, *three, *pub;

	(void)state;
	strcpy(cs->cluster_name, "c");
	strcpy(cs->cluster_uuid, "uuidAAAAAAAAAAAAAAAAAA");
	cs->version = 3;
	put(cs, "template", "legacy", "{\"order\":0,\"index_patterns\":[\"l*\"],\"settings\":{},"
	    "\"mappings\":{},\"aliases\":{}}", 2);
	put(cs, "index_template", "it", "{\"index_patterns\":[\"i*\"],\"priority\":5,"
	    "\"data_stream\":{}}", 3);
	put(cs, "component_template", "ct", "{\"template\":{\"settings\":{\"number_of_shards\":\"2\"}}}", 3);
	put(cs, "stored_script", "s \"q\"", "{\"lang\":\"painless\",\"source\":\"x\"}", 1);
	put(cs, "data_stream", "logs", "{\"name\":\"logs\",\"indices\":[]}", 3);
	one = write_state(cs, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_non_null(strstr(one, "\"osprey_customs\":[{\"type\":\"component_template\""));
	assert_int_equal(osp_cluster_parse(one, strlen(one), &back), 0);
	assert_int_equal(back->n_customs, 5);
	assert_int_equal(osp_cluster_custom(back, "stored_script", "s \"q\"")->version, 1);
	two = write_state(back, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_string_equal(one, two);
	copy = osp_cluster_clone(back);
	osp_cluster_free(back);
	three = write_state(copy, OSP_CLUSTER_FLAT_SETTINGS | OSP_CLUSTER_INTERNAL);
	assert_string_equal(one, three);
	/* Elasticsearch's views, no private key */
	pub = write_state(copy, 0);
	assert_null(strstr(pub, "osprey_customs"));
	assert_non_null(strstr(pub, "\"templates\":{\"legacy\":{\"order\":0,"));
	assert_non_null(strstr(pub, "\"index_template\":{\"index_template\":{\"it\":{"));
	assert_non_null(strstr(pub, "\"component_template\":{\"component_template\":{\"ct\":{"));
	assert_non_null(strstr(pub, "\"data_stream\":{\"data_stream\":{\"logs\":{"));
	assert_null(strstr(pub, "stored_script"));
	free(one);
	free(two);
	free(three);
	free(pub);
	osp_cluster_free(copy);
	osp_cluster_free(cs);
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = {
		"[{\"name\":\"x\",\"body\":{}}]",                                   /* no type */
		"[{\"type\":\"t\",\"body\":{}}]",                                   /* no name */
		"[{\"type\":\"t\",\"name\":\"x\"}]",                                /* no body */
		"[{\"type\":\"t\",\"name\":\"x\",\"body\":1},{\"type\":\"t\",\"name\":\"x\",\"body\":2}]",
		"[{\"type\":\"0123456789012345678901234567890123\",\"name\":\"x\",\"body\":{}}]",
	};
	char doc[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		osp_cluster_t *cs = NULL;

		snprintf(doc, sizeof(doc), "{\"cluster_name\":\"c\",\"cluster_uuid\":\"u\","
			 "\"version\":1,\"metadata\":{\"osprey_customs\":%s}}", bad[i]);
		assert_int_not_equal(osp_cluster_parse(doc, strlen(doc), &cs), 0);
		assert_null(cs);
	}
}

/* ---- through a control server ---- */

static char dir[128], sock[200];
static ctl_coord_t *coord;
static ctl_server_t *srv;
static pthread_t srv_thread;
static int srv_rc;

static void *
srv_main(void *arg)
{
	(void)arg;
	srv_rc = ctl_server_run(srv);
	return NULL;
}

static void
srv_start(void)
{
	ctl_server_opts_t o = { .socket_path = sock, .cluster_name = "customs",
				.state_key = "/osprey/customs/state", .ack_timeout_ms = 600000 };

	strcpy(o.self.id, "nodeAAAAAAAAAAAAAAAAAA");
	strcpy(o.self.name, "n1");
	o.self.roles = OSP_ROLE_MASTER | OSP_ROLE_DATA;
	assert_int_equal(ctl_coord_local_open(dir, 0, &coord), 0);
	assert_int_equal(ctl_server_open(&o, coord, &srv), 0);
	assert_int_equal(pthread_create(&srv_thread, NULL, srv_main, NULL), 0);
}

static void
srv_stop(void)
{
	kill(getpid(), SIGTERM);   /* blocked everywhere: the loop's signalfd reads it */
	pthread_join(srv_thread, NULL);
	assert_int_equal(srv_rc, 0);
	ctl_server_close(srv);
	ctl_coord_close(coord);
	srv = NULL;
	coord = NULL;
}

/* The client side: the last state seen (acknowledged as it arrives). */
typedef struct dp {
	osp_chan_client_t *c;
	osp_cluster_t *cs;
} dp_t;

/* Poll until an event of kind `want` (acking states meanwhile); bounded by
 * iterations, waiting on the socket in between. */
static void
dp_wait(dp_t *d, osp_chan_event_kind_t want, osp_chan_event_t *ev)
{
	for (int i = 0; i < 100000; i++) {
		int fd = osp_chan_client_fd(d->c);

		while (osp_chan_client_poll(d->c, i * 10, ev) == 0) {
			if (ev->kind == OSP_CHAN_EV_STATE) {
				osp_cluster_free(d->cs);
				d->cs = NULL;
				assert_int_equal(osp_cluster_parse(ev->payload, ev->len, &d->cs), 0);
				assert_int_equal(osp_chan_client_ack(d->c, ev->id), 0);
			}
			if (ev->kind == want)
				return;
		}
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			poll(&p, 1, 10);
		} else {
			usleep(10000);
		}
	}
	fail_msg("no event of kind %d", (int)want);
}

static void
dp_connect(dp_t *d)
{
	osp_chan_event_t ev;

	memset(d, 0, sizeof(*d));
	assert_int_equal(osp_chan_client_new(sock, &d->c), 0);
	dp_wait(d, OSP_CHAN_EV_STATE, &ev);
}

static void
dp_close(dp_t *d)
{
	osp_chan_client_free(d->c);
	osp_cluster_free(d->cs);
}

/* Send a request and wait for its reply; returns the payload (malloc). */
static char *
dp_call(dp_t *d, uint16_t type, const char *json, bool *error)
{
	osp_chan_event_t ev;
	uint64_t id;

	assert_int_equal(osp_chan_client_request(d->c, type, json, strlen(json), &id), 0);
	dp_wait(d, OSP_CHAN_EV_REPLY, &ev);
	assert_int_equal(ev.id, id);
	*error = ev.error;
	return strndup(ev.payload, ev.len);
}

static void
expect_ok(dp_t *d, uint16_t type, const char *json, const char *needle)
{
	bool error;
	char *r = dp_call(d, type, json, &error);

	assert_false(error);
	assert_non_null(strstr(r, "\"acknowledged\":true"));
	if (needle)
		assert_non_null(strstr(r, needle));
	free(r);
}

static void
expect_err(dp_t *d, uint16_t type, const char *json, const char *reason)
{
	bool error;
	char *r = dp_call(d, type, json, &error);
	osp_err_t e;

	assert_true(error);
	assert_int_equal(osp_chan_err_parse(r, strlen(r), &e), 0);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.type, "illegal_argument_exception");
	assert_string_equal(e.reason, reason);
	free(r);
}

static void
test_requests_and_restart(void **state)
{
	dp_t d;
	const osp_custom_t *c;
	int64_t v;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/osprey-custom-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/control.sock", dir);
	srv_start();
	dp_connect(&d);

	expect_ok(&d, OSP_CHAN_PUT_CUSTOM, "{\"type\":\"index_template\",\"name\":\"t1\","
		  "\"body\":{\"index_patterns\":[\"a*\"], \"priority\": 3},\"create\":true}",
		  "\"state_version\":");
	/* the reply came after the ack: the state we applied holds it */
	c = osp_cluster_custom(d.cs, "index_template", "t1");
	assert_non_null(c);
	assert_string_equal(c->body, "{\"index_patterns\":[\"a*\"],\"priority\":3}");
	assert_int_equal(c->version, d.cs->version);
	v = c->version;

	expect_err(&d, OSP_CHAN_PUT_CUSTOM, "{\"type\":\"index_template\",\"name\":\"t1\","
		   "\"body\":{},\"create\":true}", "index_template [t1] already exists");
	expect_err(&d, OSP_CHAN_PUT_CUSTOM, "{\"type\":\"\",\"name\":\"t1\",\"body\":{}}",
		   "custom type must be a string of 1 to 31 bytes");
	expect_err(&d, OSP_CHAN_PUT_CUSTOM, "{\"type\":\"template\",\"name\":\"t1\"}",
		   "template [t1] has no body");
	/* a batch is all or nothing */
	expect_err(&d, OSP_CHAN_PUT_CUSTOM, "{\"items\":[{\"type\":\"template\",\"name\":\"x\","
		   "\"body\":{}},{\"type\":\"index_template\",\"name\":\"t1\",\"body\":{},"
		   "\"create\":true}]}", "index_template [t1] already exists");
	assert_null(osp_cluster_custom(d.cs, "template", "x"));
	expect_ok(&d, OSP_CHAN_PUT_CUSTOM, "{\"items\":[{\"type\":\"template\",\"name\":\"x\","
		  "\"body\":{\"order\":1}},{\"type\":\"stored_script\",\"name\":\"s\","
		  "\"body\":{\"lang\":\"painless\"}}]}", NULL);
	assert_non_null(osp_cluster_custom(d.cs, "template", "x"));
	assert_non_null(osp_cluster_custom(d.cs, "stored_script", "s"));
	/* overwrite without create */
	expect_ok(&d, OSP_CHAN_PUT_CUSTOM, "{\"type\":\"index_template\",\"name\":\"t1\","
		  "\"body\":{\"index_patterns\":[\"b*\"]}}", NULL);
	c = osp_cluster_custom(d.cs, "index_template", "t1");
	assert_string_equal(c->body, "{\"index_patterns\":[\"b*\"]}");
	assert_true(c->version > v);

	expect_ok(&d, OSP_CHAN_DELETE_CUSTOM, "{\"type\":\"template\",\"names\":[\"x\",\"nope\"]}",
		  "\"deleted\":1,");
	assert_null(osp_cluster_custom(d.cs, "template", "x"));
	expect_ok(&d, OSP_CHAN_DELETE_CUSTOM, "{\"type\":\"template\",\"names\":[\"x\"]}",
		  "\"deleted\":0,");
	expect_err(&d, OSP_CHAN_DELETE_CUSTOM, "{\"type\":\"template\",\"names\":\"x\"}",
		   "[names] must be an array of strings");
	/* CREATE_INDEX with customs: both in one state, or neither */
	expect_ok(&d, OSP_CHAN_CREATE_INDEX, "{\"index\":\".ds-s-1\",\"body\":{},\"customs\":"
		  "[{\"type\":\"data_stream\",\"name\":\"s\",\"body\":{\"g\":1},\"create\":true}]}",
		  NULL);
	assert_non_null(osp_cluster_index(d.cs, ".ds-s-1"));
	assert_int_equal(osp_cluster_custom(d.cs, "data_stream", "s")->version, d.cs->version);
	expect_err(&d, OSP_CHAN_CREATE_INDEX, "{\"index\":\".ds-s-2\",\"body\":{},\"customs\":"
		   "[{\"type\":\"data_stream\",\"name\":\"s\",\"body\":{},\"create\":true}]}",
		   "data_stream [s] already exists");
	assert_null(osp_cluster_index(d.cs, ".ds-s-2"));
	expect_ok(&d, OSP_CHAN_DELETE_CUSTOM, "{\"type\":\"data_stream\",\"names\":[\"s\"]}",
		  "\"deleted\":1,");
	dp_close(&d);
	srv_stop();

	/* control restarts on the same local store: the customs come back */
	srv_start();
	dp_connect(&d);
	c = osp_cluster_custom(d.cs, "index_template", "t1");
	assert_non_null(c);
	assert_string_equal(c->body, "{\"index_patterns\":[\"b*\"]}");
	assert_non_null(osp_cluster_custom(d.cs, "stored_script", "s"));
	assert_null(osp_cluster_custom(d.cs, "template", "x"));
	assert_int_equal(d.cs->n_customs, 2);
	dp_close(&d);
	srv_stop();

	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_requests_and_restart),
	};
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
