/*
 * launcher.c - `osprey`, the program a user starts: one node.
 *
 * Reads config/osprey.yml and -E key=value settings (osprey/settings.h),
 * validates them (an unknown or malformed setting stops it with one line),
 * then starts the node's two processes - osprey-control first, then
 * osprey-dataplane - passing every resolved setting on as -E arguments, and
 * supervises them: a control process that dies is restarted after
 * control.restart_delay (the dataplane keeps serving meanwhile); a dataplane
 * that dies takes the node down (exit 1, control stopped), as a crashed
 * Elasticsearch node would. SIGTERM/SIGINT stop both (SIGTERM, then SIGKILL
 * after 10 s) and exit 0. The launcher is single-threaded; all state is in
 * this file's statics and touched only from main's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "osprey/settings.h"

#define LAUNCH_MAX_ARGS 256

/* One supervised child. */
typedef struct launch_child {
	const char *name;        /* "control" or "dataplane" */
	char path[PATH_MAX];     /* program to exec */
	pid_t pid;               /* 0 when not running */
	int restarts;
} launch_child_t;

static volatile sig_atomic_t launch_stop;

static void
launch_on_signal(int sig)
{
	(void)sig;
	launch_stop = 1;
}

static void
launch_usage(FILE *f)
{
	fprintf(f,
		"usage: osprey [-c FILE] [-E key=value]... [--help] [--version]\n"
		"Start one Osprey node (control + dataplane processes).\n\n"
		"  -c FILE        settings file (default: <exe dir>/../config/osprey.yml)\n"
		"  -E key=value   set a setting, overriding the file\n"
		"  --help         this text\n"
		"  --version      print the version\n\n"
		"Settings:\n");
	osp_settings_print_help(f);
}

static int
launch_mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* Directory of the running executable, for finding the sibling programs. */
static int
launch_exe_dir(char *out, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", out, len - 1);

	if (n <= 0)
		return -errno;
	out[n] = '\0';
	char *slash = strrchr(out, '/');

	if (slash)
		*slash = '\0';
	return 0;
}

/* Find PROG next to the launcher or in its build sub-folder. */
static int
launch_find(const char *exe_dir, const char *sub, const char *prog, char *out, size_t len)
{
	if ((size_t)snprintf(out, len, "%s/%s", exe_dir, prog) < len && access(out, X_OK) == 0)
		return 0;
	if ((size_t)snprintf(out, len, "%s/%s/%s", exe_dir, sub, prog) < len && access(out, X_OK) == 0)
		return 0;
	return -ENOENT;
}

/* Spawn a child with "-E key=value" for every explicitly set setting. */
static int
launch_spawn(launch_child_t *c, const osp_settings_t *s)
{
	char *argv[LAUNCH_MAX_ARGS];
	size_t argc = 0, n = osp_settings_count(s);
	char **kv = calloc(n, sizeof(char *));
	int rc = 0;

	if (kv == NULL)
		return -ENOMEM;
	argv[argc++] = c->path;
	for (size_t i = 0; i < n && argc + 2 < LAUNCH_MAX_ARGS; i++) {
		if (asprintf(&kv[i], "%s=%s", osp_settings_key_at(s, i),
			     osp_settings_value_at(s, i)) < 0) {
			kv[i] = NULL;
			rc = -ENOMEM;
			goto cleanup;
		}
		argv[argc++] = "-E";
		argv[argc++] = kv[i];
	}
	argv[argc] = NULL;

	pid_t pid = fork();

	if (pid < 0) {
		rc = -errno;
		goto cleanup;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the launcher, which stops us */
		execv(c->path, argv);
		fprintf(stderr, "osprey: cannot start %s: %s\n", c->path, strerror(errno));
		_exit(127);
	}
	c->pid = pid;
	fprintf(stderr, "osprey: started %s (pid %d)\n", c->name, (int)pid);
cleanup:
	for (size_t i = 0; i < n; i++)
		free(kv[i]);
	free(kv);
	return rc;
}

static void
launch_sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !launch_stop)
		;
}

/* Stop children: SIGTERM, wait up to 10 s, then SIGKILL. */
static void
launch_stop_children(launch_child_t *kids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (int waited = 0; waited < 1000; waited++) {
		bool any = false;

		for (size_t i = 0; i < n; i++) {
			if (kids[i].pid <= 0)
				continue;
			if (waitpid(kids[i].pid, NULL, WNOHANG) == kids[i].pid)
				kids[i].pid = 0;
			else
				any = true;
		}
		if (!any)
			return;
		struct timespec ts = { 0, 10000000L };

		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (kids[i].pid > 0) {
			fprintf(stderr, "osprey: %s did not stop in 10 s, killing it\n", kids[i].name);
			kill(kids[i].pid, SIGKILL);
			waitpid(kids[i].pid, NULL, 0);
			kids[i].pid = 0;
		}
	}
}

/* Resolve defaults that depend on the machine or on other settings, and make
 * them explicit so both children see the same values. */
static int
launch_resolve(osp_settings_t *s, char *err, size_t errlen)
{
	char buf[PATH_MAX], abs[PATH_MAX];

	if (!osp_settings_is_set(s, "node.name") || !*osp_settings_str(s, "node.name")) {
		if (gethostname(buf, sizeof(buf)) != 0)
			snprintf(buf, sizeof(buf), "osprey-node");
		buf[sizeof(buf) - 1] = '\0';
		if (osp_settings_set(s, "node.name", buf, err, errlen) != 0)
			return -EINVAL;
	}
	const char *data = osp_settings_str(s, "path.data");
	int rc = launch_mkdirs(data);

	if (rc != 0) {
		snprintf(err, errlen, "setting [path.data]: cannot create [%s]: %s", data, strerror(-rc));
		return rc;
	}
	if (realpath(data, abs) == NULL) {
		snprintf(err, errlen, "setting [path.data]: [%s]: %s", data, strerror(errno));
		return -errno;
	}
	if (osp_settings_set(s, "path.data", abs, err, errlen) != 0)
		return -EINVAL;
	if (!*osp_settings_str(s, "control.socket")) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s/control.sock", abs) >= 108) {
			snprintf(err, errlen, "setting [path.data]: path too long for the control socket; set control.socket");
			return -ENAMETOOLONG;
		}
		if (osp_settings_set(s, "control.socket", buf, err, errlen) != 0)
			return -EINVAL;
	}
	const char *logs = osp_settings_str(s, "path.logs");

	if (*logs) {
		rc = launch_mkdirs(logs);
		if (rc != 0) {
			snprintf(err, errlen, "setting [path.logs]: cannot create [%s]: %s", logs, strerror(-rc));
			return rc;
		}
		snprintf(buf, sizeof(buf), "%s/%s.log", logs, osp_settings_str(s, "node.name"));
		int fd = open(buf, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd < 0) {
			snprintf(err, errlen, "setting [path.logs]: cannot open [%.300s]: %s", buf, strerror(errno));
			return -errno;
		}
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char err[512] = "", exe_dir[PATH_MAX], conf[PATH_MAX + 64];
	const char *conf_path = NULL;
	osp_settings_t *s = osp_settings_new();
	launch_child_t kids[2] = { { .name = "control" }, { .name = "dataplane" } };
	int status = 1;

	if (s == NULL)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			launch_usage(stdout);
			status = 0;
			goto cleanup;
		}
		if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("osprey %s (Elasticsearch API 8.x compatible)\n", OSP_VERSION);
			status = 0;
			goto cleanup;
		}
	}
	if (launch_exe_dir(exe_dir, sizeof(exe_dir)) != 0) {
		fprintf(stderr, "osprey: cannot find own executable\n");
		goto cleanup;
	}
	/* -c FILE first, so -E can override the file whatever the order. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "osprey: -c needs a file\n");
				goto cleanup;
			}
			conf_path = argv[i + 1];
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(char *));
			argc -= 2;
			i--;
		}
	}
	if (conf_path == NULL) {
		snprintf(conf, sizeof(conf), "%s/../config/osprey.yml", exe_dir);
		if (osp_settings_load_yaml(s, conf, true, err, sizeof(err)) != 0) {
			fprintf(stderr, "osprey: %s\n", err);
			goto cleanup;
		}
	} else if (osp_settings_load_yaml(s, conf_path, false, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey: %s\n", err);
		goto cleanup;
	}
	if (osp_settings_parse_args(s, &argc, argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey: %s\n", err);
		goto cleanup;
	}
	if (argc > 1) {
		fprintf(stderr, "osprey: unexpected argument [%s] (see osprey --help)\n", argv[1]);
		goto cleanup;
	}
	if (launch_resolve(s, err, sizeof(err)) != 0) {
		fprintf(stderr, "osprey: %s\n", err);
		goto cleanup;
	}
	if (launch_find(exe_dir, "control", "osprey-control", kids[0].path, sizeof(kids[0].path)) ||
	    launch_find(exe_dir, "dataplane", "osprey-dataplane", kids[1].path, sizeof(kids[1].path))) {
		fprintf(stderr, "osprey: osprey-control or osprey-dataplane not found beside %s\n", exe_dir);
		goto cleanup;
	}

	struct sigaction sa = { 0 };

	sa.sa_handler = launch_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (launch_spawn(&kids[0], s) != 0 || launch_spawn(&kids[1], s) != 0) {
		fprintf(stderr, "osprey: cannot start the node's processes\n");
		launch_stop_children(kids, 2);
		goto cleanup;
	}
	fprintf(stderr, "osprey: node [%s] of cluster [%s] starting on %.*s:%lld\n",
		osp_settings_str(s, "node.name"), osp_settings_str(s, "cluster.name"),
		(int)strcspn(osp_settings_str(s, "network.host"), "/"),
		osp_settings_str(s, "network.host"), (long long)osp_settings_int(s, "http.port"));

	while (!launch_stop) {
		int wst;
		pid_t pid = waitpid(-1, &wst, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pid == kids[1].pid) {
			kids[1].pid = 0;
			fprintf(stderr, "osprey: dataplane exited (%s %d); stopping the node\n",
				WIFSIGNALED(wst) ? "signal" : "status",
				WIFSIGNALED(wst) ? WTERMSIG(wst) : WEXITSTATUS(wst));
			launch_stop_children(kids, 2);
			goto cleanup;
		}
		if (pid == kids[0].pid) {
			kids[0].pid = 0;
			fprintf(stderr, "osprey: control exited (%s %d); restarting it\n",
				WIFSIGNALED(wst) ? "signal" : "status",
				WIFSIGNALED(wst) ? WTERMSIG(wst) : WEXITSTATUS(wst));
			launch_sleep_ms(osp_settings_time_ms(s, "control.restart_delay"));
			if (launch_stop)
				break;
			kids[0].restarts++;
			if (launch_spawn(&kids[0], s) != 0)
				fprintf(stderr, "osprey: cannot restart control\n");
		}
	}
	fprintf(stderr, "osprey: stopping\n");
	launch_stop_children(kids, 2);
	status = 0;
cleanup:
	osp_settings_free(s);
	return status;
}
