/*
 * ctl_main.c - `osprey-control`, the control-plane process of one node.
 *
 * Reads -E key=value settings (osprey/settings.h), makes sure path.data
 * exists, loads or creates the node id (path.data/node.id), opens the
 * coordination store (cluster.coordination: local, or etcd at
 * cluster.etcd.endpoints), and runs the channel
 * server on control.socket (default <path.data>/control.sock) until SIGTERM
 * or SIGINT, then exits 0. Everything else lives in ctl_server.c.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "osprey/settings.h"

#include "ctl_coord.h"
#include "ctl_log.h"
#include "ctl_server.h"
#include "ctl_uuid.h"

/* mkdir -p. */
static int
make_dirs(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Hold an exclusive lock on <dir>/control.lock for the life of the process,
 * so two control processes never share a state file (the kernel drops the
 * lock when the process dies, even by SIGKILL). Returns the fd or -errno. */
static int
lock_data_path(const char *dir)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s/control.lock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	osp_settings_t *set = osp_settings_new();
	ctl_coord_t *coord = NULL;
	ctl_server_t *srv = NULL;
	ctl_server_opts_t o;
	char err[512], sock[PATH_MAX], host[256], key[512];
	const char *data;
	struct timespec ts;
	sigset_t mask;
	int rc = 1, lock_fd = -1;

	memset(&o, 0, sizeof(o));
	if (set == NULL)
		return 1;
	if (osp_settings_parse_args(set, &argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey-control: %s\n", err);
		goto cleanup;
	}
	if (argc > 1) {
		fprintf(stderr, "osprey-control: unexpected argument [%s]; usage: osprey-control [-E key=value]...\n",
			argv[1]);
		goto cleanup;
	}
	/* Signals are read through a signalfd in the loop. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	data = osp_settings_str(set, "path.data");
	if (make_dirs(data) != 0) {
		fprintf(stderr, "osprey-control: cannot create path.data [%s]: %s\n", data, strerror(errno));
		goto cleanup;
	}
	lock_fd = lock_data_path(data);
	if (lock_fd < 0) {
		fprintf(stderr, "osprey-control: failed to obtain node locks, tried [%s]; maybe these locations are not writable or multiple nodes were started on the same data path?\n",
			data);
		goto cleanup;
	}
	if (ctl_node_id_load(data, o.self.id) != 0) {
		fprintf(stderr, "osprey-control: cannot read or create %s/node.id\n", data);
		goto cleanup;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (strcmp(osp_settings_str(set, "cluster.coordination"), "etcd") == 0) {
		if (ctl_coord_etcd_open(osp_settings_str(set, "cluster.etcd.endpoints"), &coord) != 0) {
			fprintf(stderr, "osprey-control: cannot reach etcd at [%s] (cluster.etcd.endpoints)\n",
				osp_settings_str(set, "cluster.etcd.endpoints"));
			goto cleanup;
		}
	} else if (ctl_coord_local_open(data, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
					&coord) != 0) {
		fprintf(stderr, "osprey-control: the cluster state in [%s] is unreadable (both copies)\n", data);
		goto cleanup;
	}
	snprintf(key, sizeof(key), "/osprey/%s/state", osp_settings_str(set, "cluster.name"));
	o.state_key = key;
	if (*osp_settings_str(set, "control.socket"))
		snprintf(sock, sizeof(sock), "%s", osp_settings_str(set, "control.socket"));
	else
		snprintf(sock, sizeof(sock), "%s/control.sock", data);
	if (ctl_uuid_random(o.self.ephemeral_id) != 0)
		goto cleanup;
	if (*osp_settings_str(set, "node.name"))
		snprintf(o.self.name, sizeof(o.self.name), "%s", osp_settings_str(set, "node.name"));
	else if (gethostname(host, sizeof(host)) == 0)
		snprintf(o.self.name, sizeof(o.self.name), "%s", host);
	/* network.host is address/prefix on the dpdk backend: publish the address. */
	const char *addr = osp_settings_str(set, "network.host");
	int addr_len = (int)strcspn(addr, "/");

	snprintf(o.self.transport_address, sizeof(o.self.transport_address), "%.*s:%lld",
		 addr_len, addr, (long long)osp_settings_int(set, "transport.port"));
	snprintf(o.self.http_address, sizeof(o.self.http_address), "%.*s:%lld",
		 addr_len, addr, (long long)osp_settings_int(set, "http.port"));
	o.self.roles = OSP_ROLE_MASTER | OSP_ROLE_DATA | OSP_ROLE_INGEST;
	o.socket_path = sock;
	o.cluster_name = osp_settings_str(set, "cluster.name");
	o.ack_timeout_ms = 30000;
	if (ctl_server_open(&o, coord, &srv) != 0)
		goto cleanup;
	rc = ctl_server_run(srv) == 0 ? 0 : 1;
cleanup:
	ctl_server_close(srv);
	ctl_coord_close(coord);
	osp_settings_free(set);
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
