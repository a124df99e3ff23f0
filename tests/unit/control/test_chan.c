/*
 * test_chan.c - the channel codec and client of osprey/chan.h: round trips,
 * frames fed one byte at a time (OSP_AGAIN until whole), garbage and
 * oversized lengths rejected without reading past the buffer, error payload
 * round trip, connection queues over a socketpair, and the client against a
 * server played by the test (hello, publish/ack, request/reply, a dropped
 * connection failing outstanding requests with 503, reconnect).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/chan.h"

static void
test_roundtrip_and_partial(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_chan_frame_t f;
	size_t used = 0;

	(void)state;
	assert_int_equal(osp_chan_encode(&b, OSP_CHAN_CREATE_INDEX, OSP_CHAN_F_JSON, 77,
					 "{\"index\":\"x\"}", 13), 0);
	assert_int_equal(osp_chan_encode(&b, OSP_CHAN_ACK, 0, 5, NULL, 0), 0);
	assert_int_equal(b.len, 2 * OSP_CHAN_HDR_SIZE + 13);
	assert_memory_equal(b.data, "OSPC", 4);
	/* every strict prefix of the first frame is incomplete */
	for (size_t n = 0; n < OSP_CHAN_HDR_SIZE + 13; n++) {
		char *copy = malloc(n ? n : 1);

		memcpy(copy, b.data, n);
		assert_int_equal(osp_chan_decode(copy, n, &f, &used), OSP_AGAIN);
		free(copy);
	}
	assert_int_equal(osp_chan_decode(b.data, b.len, &f, &used), 0);
	assert_int_equal(used, OSP_CHAN_HDR_SIZE + 13);
	assert_int_equal(f.type, OSP_CHAN_CREATE_INDEX);
	assert_int_equal(f.id, 77);
	assert_int_equal(f.flags, OSP_CHAN_F_JSON);
	assert_memory_equal(f.payload, "{\"index\":\"x\"}", 13);
	assert_int_equal(osp_chan_decode(b.data + used, b.len - used, &f, &used), 0);
	assert_int_equal(f.type, OSP_CHAN_ACK);
	assert_int_equal(f.id, 5);
	assert_int_equal(f.len, 0);
	assert_string_equal(osp_chan_type_name(OSP_CHAN_PUBLISH), "publish");
	assert_string_equal(osp_chan_type_name(999), "unknown");
	osp_buf_free(&b);
}

static void
test_garbage(void **state)
{
	osp_buf_t b = OSP_BUF_INIT;
	osp_chan_frame_t f;
	size_t used;
	unsigned char junk[64];

	(void)state;
	assert_int_equal(osp_chan_decode("GET / HTTP/1.1\r\n", 16, &f, &used), -EPROTO);
	assert_int_equal(osp_chan_decode("X", 1, &f, &used), -EPROTO);
	osp_chan_encode(&b, OSP_CHAN_HELLO, 0, 0, "x", 1);
	b.data[4] = 9;   /* version 9 */
	assert_int_equal(osp_chan_decode(b.data, b.len, &f, &used), -EPROTONOSUPPORT);
	b.data[4] = 1;
	b.data[23] = 0x7f;   /* length ~2 GiB */
	assert_int_equal(osp_chan_decode(b.data, b.len, &f, &used), -EMSGSIZE);
	/* random bytes never crash and never succeed without the magic */
	srand(1);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk));

		for (size_t i = 0; i < n; i++)
			junk[i] = (unsigned char)rand();
		if (round % 2 && n >= 4)
			memcpy(junk, "OSPC", 4);
		int rc = osp_chan_decode(junk, n, &f, &used);

		assert_true(rc == OSP_AGAIN || rc < 0 || (rc == 0 && used <= n));
	}
	assert_int_equal(osp_chan_encode(&b, 1, 0, 0, "", (size_t)OSP_CHAN_MAX_PAYLOAD + 1), -EMSGSIZE);
	osp_buf_free(&b);
}

static void
test_err_payload(void **state)
{
	osp_err_t e, back;
	osp_buf_t b = OSP_BUF_INIT;
	osp_jw_t w;

	(void)state;
	osp_err_index_not_found(&e, "missing");
	osp_jw_init(&w, &b, 0);
	osp_chan_err_write(&w, &e);
	assert_int_equal(osp_chan_err_parse(b.data, b.len, &back), 0);
	assert_int_equal(back.status, 404);
	assert_string_equal(back.type, "index_not_found_exception");
	assert_string_equal(back.reason, "no such index [missing]");
	assert_string_equal(back.resource_type, "index_or_alias");
	assert_string_equal(back.resource_id, "missing");
	assert_string_equal(back.index_uuid, "_na_");
	assert_int_equal(back.shard, -1);
	assert_int_equal(osp_chan_err_parse("{nope", 5, &back), -EINVAL);
	assert_int_equal(back.status, 500);
	assert_int_equal(osp_chan_err_parse("{\"x\":1}", 7, &back), -EINVAL);
	osp_buf_free(&b);
}

static void
test_conn_socketpair(void **state)
{
	int sv[2];
	osp_chan_conn_t a, z;
	osp_chan_frame_t f;
	char big[200000];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	osp_chan_conn_init(&a, sv[0]);
	osp_chan_conn_init(&z, sv[1]);
	memset(big, 'q', sizeof(big));
	/* a frame larger than the socket buffer: queued, flushed as read */
	assert_int_equal(osp_chan_conn_send(&a, OSP_CHAN_PUBLISH, 0, 3, big, sizeof(big)), 0);
	assert_int_equal(osp_chan_conn_send(&a, OSP_CHAN_ACK, 0, 4, NULL, 0), 0);
	int got = 0;

	for (int spins = 0; spins < 100000 && got < 2; spins++) {
		assert_int_equal(osp_chan_conn_flush(&a), 0);
		assert_int_equal(osp_chan_conn_read(&z), 0);
		while (osp_chan_conn_next(&z, &f) == 0) {
			if (got == 0) {
				assert_int_equal(f.type, OSP_CHAN_PUBLISH);
				assert_int_equal(f.len, sizeof(big));
				assert_int_equal(f.payload[sizeof(big) - 1], 'q');
			} else {
				assert_int_equal(f.type, OSP_CHAN_ACK);
				assert_int_equal(f.id, 4);
			}
			got++;
		}
	}
	assert_int_equal(got, 2);
	osp_chan_conn_close(&a);
	assert_int_equal(osp_chan_conn_read(&z), -EPIPE);
	osp_chan_conn_close(&z);
}

/* ---- client against a server played by the test ---- */

static int
listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	strcpy(sa.sun_path, path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* Poll the client until it reports an event (bounded by iterations, not time). */
static void
next_event(osp_chan_client_t *c, osp_chan_conn_t *srv, osp_chan_event_t *ev)
{
	for (int i = 0; i < 1000000; i++) {
		if (srv && srv->fd >= 0)
			osp_chan_conn_flush(srv);
		if (osp_chan_client_poll(c, i, ev) == 0)
			return;
	}
	fail_msg("no event");
}

static void
server_expect(osp_chan_conn_t *srv, uint16_t type, osp_chan_frame_t *f)
{
	for (int i = 0; i < 1000000; i++) {
		assert_int_equal(osp_chan_conn_read(srv), 0);
		if (osp_chan_conn_next(srv, f) == 0) {
			assert_int_equal(f->type, type);
			return;
		}
	}
	fail_msg("server saw nothing");
}

static void
test_client(void **state)
{
	char path[108];
	osp_chan_client_t *c;
	osp_chan_event_t ev;
	osp_chan_frame_t f;
	osp_chan_conn_t srv;
	uint64_t id1, id2;
	int lfd, fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/osprey-chan-%d.sock", (int)getpid());
	lfd = listen_at(path);
	assert_int_equal(osp_chan_client_new(path, &c), 0);
	assert_int_equal(osp_chan_client_request(c, OSP_CHAN_GET_STATE, "{}", 2, &id1), -ENOTCONN);
	next_event(c, NULL, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_CONNECTED);
	assert_true(osp_chan_client_connected(c));
	assert_true(osp_chan_client_fd(c) >= 0);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	osp_chan_conn_init(&srv, fd);
	server_expect(&srv, OSP_CHAN_HELLO, &f);

	/* publish -> STATE event -> ack reaches the server */
	osp_chan_conn_send(&srv, OSP_CHAN_PUBLISH, OSP_CHAN_F_JSON, 7, "{\"v\":7}", 7);
	next_event(c, &srv, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_STATE);
	assert_int_equal(ev.id, 7);
	assert_int_equal(osp_chan_client_ack(c, 7), 0);
	server_expect(&srv, OSP_CHAN_ACK, &f);
	assert_int_equal(f.id, 7);

	/* request -> reply, matched by id */
	assert_int_equal(osp_chan_client_request(c, OSP_CHAN_GET_STATE, "{}", 2, &id1), 0);
	server_expect(&srv, OSP_CHAN_GET_STATE, &f);
	assert_int_equal(f.id, id1);
	osp_chan_conn_send(&srv, OSP_CHAN_REPLY, OSP_CHAN_F_JSON, id1, "{\"ok\":1}", 8);
	next_event(c, &srv, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_REPLY);
	assert_int_equal(ev.id, id1);
	assert_false(ev.error);

	/* an outstanding request when control dies: 503, then DISCONNECTED */
	assert_int_equal(osp_chan_client_request(c, OSP_CHAN_CREATE_INDEX, "{}", 2, &id2), 0);
	server_expect(&srv, OSP_CHAN_CREATE_INDEX, &f);
	osp_chan_conn_close(&srv);
	next_event(c, NULL, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_REPLY);
	assert_int_equal(ev.id, id2);
	assert_true(ev.error);
	osp_err_t e;

	assert_int_equal(osp_chan_err_parse(ev.payload, ev.len, &e), 0);
	assert_int_equal(e.status, 503);
	assert_string_equal(e.type, "master_not_discovered_exception");
	next_event(c, NULL, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_DISCONNECTED);
	/* control comes back: the client reconnects and says hello again */
	next_event(c, NULL, &ev);
	assert_int_equal(ev.kind, OSP_CHAN_EV_CONNECTED);
	fd = accept(lfd, NULL, NULL);
	osp_chan_conn_init(&srv, fd);
	server_expect(&srv, OSP_CHAN_HELLO, &f);
	assert_non_null(strstr(f.payload, "\"applied_version\":7"));
	osp_chan_conn_close(&srv);
	osp_chan_client_free(c);
	close(lfd);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_partial),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_err_payload),
		cmocka_unit_test(test_conn_socketpair),
		cmocka_unit_test(test_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
