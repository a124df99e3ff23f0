/*
 * dp_main.c - osprey-dataplane: the DPDK primary process of a node.
 *
 * Started by the launcher with the node's settings as -E arguments. Brings
 * up the EAL and the worker lcores, opens the network backend on the main
 * lcore (the network core), connects to control, and runs the network core's
 * loop: backend events, finished jobs from workers, control channel events;
 * idle back-off between them. SIGTERM/SIGINT end the loop; workers are
 * stopped and joined before exit.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osprey/settings.h"
#include "core/dp_core.h"
#include "net/dp_net.h"
#include "net/net_dpdk.h"
#include "rest/dp_rest.h"
#include "rest/dp_sctx.h"
#include "server/dp_ctl.h"
#include "server/dp_server.h"
#include "snapshot/dp_bgio.h"
#include "shard/dp_shards.h"

static dp_server_t *dp_main_srv;
static volatile sig_atomic_t main_stop;

static void
main_on_signal(int sig)
{
	(void)sig;
	main_stop = 1;
}

static void
main_wake_net(void *arg)
{
	(void)arg;
	if (dp_main_srv)
		dp_server_wake(dp_main_srv);
}

const dp_net_stats_t *
dp_rest_net_stats(void)
{
	return dp_main_srv ? dp_server_net_stats(dp_main_srv) : NULL;
}

const dp_net_ops_t *
dp_net_backend(const char *name)
{
	if (strcmp(name, "kernel") == 0)
		return &dp_net_kernel_ops;
	if (strcmp(name, "dpdk") == 0)
		return &dp_net_dpdk_ops;
	return NULL;
}

int
main(int argc, char **argv)
{
	char err[512] = "";
	osp_settings_t *s = osp_settings_new();
	int status = 1;

	if (s == NULL)
		return 1;
	if (osp_settings_parse_args(s, &argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey-dataplane: %s\n", err);
		goto cleanup;
	}
	const dp_net_ops_t *ops = dp_net_backend(osp_settings_str(s, "dataplane.net"));

	if (ops == NULL) {
		fprintf(stderr, "osprey-dataplane: setting [dataplane.net]: backend [%s] is not built in\n",
			osp_settings_str(s, "dataplane.net"));
		goto cleanup;
	}
	if (dp_core_init(s, argv[0], err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey-dataplane: %s\n", err);
		goto cleanup;
	}
	dp_rest_init(s);
	if (dp_server_create(s, ops, &dp_main_srv, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey-dataplane: %s\n", err);
		dp_core_stop();
		goto cleanup;
	}
	dp_node_info.http_port = dp_server_port(dp_main_srv);
	dp_core.net_idle.wake_fn = main_wake_net;
	dp_shards_init(s);
	if (dp_ctl_init(osp_settings_str(s, "control.socket")) != 0) {
		fprintf(stderr, "osprey-dataplane: cannot create the control channel client\n");
		dp_server_destroy(dp_main_srv);
		dp_core_stop();
		goto cleanup;
	}
	signal(SIGTERM, main_on_signal);
	signal(SIGINT, main_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (dp_core_start_workers() != 0) {
		fprintf(stderr, "osprey-dataplane: cannot start worker lcores\n");
		main_stop = 1;
	}
	fprintf(stderr, "osprey-dataplane: %s backend serving http on %s:%u with %u workers\n",
		ops->name, osp_settings_str(s, "network.host"), dp_node_info.http_port,
		dp_core.n_workers);

	dp_idle_t *idle = &dp_core.net_idle;
	uint64_t next_slow = 0, slow_tsc = dp_tsc_hz() / 10000;

	while (!main_stop) {
		unsigned events = (unsigned)dp_server_poll(dp_main_srv);

		events += dp_core_collect();
		/* The control socket and parked health waits are not latency
		 * critical: a syscall per iteration cost half the idle network
		 * core (perf), so look at them every 100 us. */
		uint64_t now = dp_tsc();

		if (now >= next_slow) {
			next_slow = now + slow_tsc;
			events += dp_ctl_poll();
			events += dp_rest_cluster_poll();
			events += dp_sctx_poll();
			events += dp_bgio_poll();
		}
		if (dp_idle_should_sleep(idle, events)) {
			atomic_store(&idle->sleeping, 1);
			if (dp_core_collect() == 0)
				dp_server_wait(dp_main_srv, (uint32_t)dp_core.idle_sleep_us);
			atomic_store(&idle->sleeping, 0);
			idle->empty_polls = 0;
		}
	}
	fprintf(stderr, "osprey-dataplane: stopping\n");
	dp_ctl_fini();
	dp_shards_fini();
	dp_server_destroy(dp_main_srv);
	dp_rest_fini();
	dp_core_stop();
	status = 0;
cleanup:
	osp_settings_free(s);
	return status;
}
