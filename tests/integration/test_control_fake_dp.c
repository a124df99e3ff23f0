/*
 * test_control_fake_dp.c - a stand-in dataplane for control's integration tests.
 *
 * Usage: test_control_fake_dp SOCKET TYPE [JSON]
 * Connects to osprey-control through the client API of osprey/chan.h,
 * applies and acknowledges every published state (parsing it with
 * osp_cluster_parse, as the dataplane does), sends one request of TYPE
 * (create_index, delete_index, put_mapping, dynamic_mapping,
 * update_settings, open_index, close_index, get_state, health) and prints
 * the reply on stdout. For "health" it prints the _cluster/health body
 * computed from the applied state. Checks that a success reply's
 * state_version was already applied (control must publish before it
 * replies). Exit status: 0 success reply, 2 error reply, 1 failure.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osprey/chan.h"
#include "osprey/cluster.h"

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const struct { const char *name; uint16_t type; } types[] = {
	{ "create_index", OSP_CHAN_CREATE_INDEX }, { "delete_index", OSP_CHAN_DELETE_INDEX },
	{ "put_mapping", OSP_CHAN_PUT_MAPPING }, { "dynamic_mapping", OSP_CHAN_DYNAMIC_MAPPING },
	{ "update_settings", OSP_CHAN_UPDATE_SETTINGS }, { "open_index", OSP_CHAN_OPEN_INDEX },
	{ "close_index", OSP_CHAN_CLOSE_INDEX }, { "get_state", OSP_CHAN_GET_STATE },
	{ "health", 0 },
};

int
main(int argc, char **argv)
{
	osp_chan_client_t *c = NULL;
	osp_cluster_t *applied = NULL;
	const char *body = argc > 3 ? argv[3] : "{}";
	int64_t deadline = mono_ms() + 60000;
	uint64_t req = 0;
	bool sent = false;
	int type = -1, rc = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: test_control_fake_dp SOCKET TYPE [JSON]\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(argv[2], types[i].name) == 0)
			type = types[i].type;
	}
	if (type < 0 || osp_chan_client_new(argv[1], &c) != 0) {
		fprintf(stderr, "bad type or socket\n");
		return 1;
	}
	while (mono_ms() < deadline) {
		osp_chan_event_t ev;
		int prc = osp_chan_client_poll(c, mono_ms(), &ev);

		if (prc == OSP_AGAIN) {
			struct pollfd pfd = { .fd = osp_chan_client_fd(c), .events = POLLIN };

			poll(&pfd, pfd.fd >= 0 ? 1 : 0, pfd.fd >= 0 ? 1000 : 20);
			continue;
		}
		if (ev.kind == OSP_CHAN_EV_STATE) {
			osp_cluster_t *cs = NULL;

			if (osp_cluster_parse(ev.payload, ev.len, &cs) != 0 ||
			    (uint64_t)cs->version != ev.id) {
				fprintf(stderr, "published state %llu does not parse\n",
					(unsigned long long)ev.id);
				goto cleanup;
			}
			osp_cluster_free(applied);
			applied = cs;
			osp_chan_client_ack(c, ev.id);
			if (type == 0) {   /* health: computed locally, no request */
				osp_buf_t b = OSP_BUF_INIT;
				osp_health_t h;
				osp_jw_t w;

				osp_health_cluster(applied, NULL, 0, &h);
				osp_jw_init(&w, &b, 0);
				osp_health_write(applied, NULL, 0, &h, false, 2, &w);
				printf("%s\n", b.data);
				osp_buf_free(&b);
				rc = 0;
				goto cleanup;
			}
		} else if (ev.kind == OSP_CHAN_EV_DISCONNECTED && !sent) {
			fprintf(stderr, "control closed the connection\n");
			goto cleanup;
		} else if (ev.kind == OSP_CHAN_EV_REPLY && sent && ev.id == req) {
			printf("%.*s\n", (int)ev.len, ev.payload);
			if (ev.error) {
				rc = 2;
				goto cleanup;
			}
			const char *sv = strstr(ev.payload, "\"state_version\":");

			if (sv && applied && strtoll(sv + 16, NULL, 10) > applied->version) {
				fprintf(stderr, "reply for version %lld came before its state\n",
					strtoll(sv + 16, NULL, 10));
				goto cleanup;
			}
			rc = 0;
			goto cleanup;
		}
		if (!sent && applied && type != 0 && osp_chan_client_connected(c)) {
			if (osp_chan_client_request(c, (uint16_t)type, body, strlen(body), &req) != 0)
				goto cleanup;
			sent = true;
		}
	}
	fprintf(stderr, "no reply\n");
cleanup:
	fflush(stdout);
	osp_cluster_free(applied);
	osp_chan_client_free(c);
	return rc;
}
