/*
 * test_crash_shard.c - kill -9 at random points; no acknowledged write may
 * be lost, none may come back from the dead.
 *
 * Each trial forks a child that opens the shard (replaying what the last
 * trial left), and runs a worker loop with durability `request`: batches of
 * index / overwrite / delete ops, st_shard_tick until the batch is durable,
 * with refreshes, flushes and merges happening on the way. Before applying
 * an op the child writes "P <op> <type> <id>" to a pipe, once the op is
 * durable "A <op>". The parent SIGKILLs the child after a random number of
 * acks, then opens the shard itself and checks every id: its state must be
 * the one after its last acknowledged op, or after one of the later ops the
 * child had started (those may or may not have reached the disk).
 * OSP_CRASH_TRIALS sets the number of trials (default 200).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "osprey/storage.h"

#define MAX_OPS 400000
#define MAX_IDS 200000

static char dir[256];

/* The parent's model of what the child did. */
typedef struct op {
	int id;                 /* index into ids */
	char type;              /* 'I' index (content = op number), 'D' delete */
	bool acked;
} op_t;

static op_t *ops;
static int nops;
static int *id_last_op;         /* latest op started per id, -1 none */
static int *id_last_ack;        /* latest acked op per id, -1 none */
static int *id_prev;            /* per op: previous op on the same id */
static int nids;

static const char *MAPPING = "{\"properties\":{\"n\":{\"type\":\"long\"},"
			     "\"title\":{\"type\":\"text\"}}}";

static int
open_shard(st_io_t *io, st_shard_t **sh, osp_err_t *e)
{
	st_shard_config_t c;

	memset(&c, 0, sizeof(c));
	c.path = dir;
	c.index_name = "crash";
	c.index_uuid = "uuid-crash";
	c.primary_term = 1;
	c.mapping_json = MAPPING;
	c.mapping_len = strlen(MAPPING);
	st_shard_settings_default(&c.settings);
	c.settings.refresh_interval_ms = 7;       /* in loop ticks */
	c.settings.flush_threshold_bytes = 48 * 1024;
	c.settings.segments_per_tier = 3;
	c.settings.max_merge_at_once = 3;
	c.settings.floor_segment_bytes = 1;
	c.settings.merge_slice_docs = 16;
	c.io = io;
	return st_shard_open(&c, sh, e);
}

static void
say(int fd, const char *fmt, ...)
{
	char line[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	va_end(ap);
	if (write(fd, line, (size_t)n) != n)
		_exit(3);
}

/* The child: a worker loop until killed. Ops are numbered from op0, ids
 * from id0 (the parent tells it where the model stands). */
static void
child(int fd, int op0, int id0, unsigned seed)
{
	st_io_t *io;
	st_shard_t *sh;
	osp_err_t e;
	osp_arena_t a;
	int64_t now = 1;
	int op = op0, next_id = id0;
	int mine[4096], nmine = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	srand(seed);
	if (st_io_create_best(&io, 256) < 0 || open_shard(io, &sh, &e) < 0) {
		fprintf(stderr, "child open failed: %s %s\n", e.type, e.reason);
		_exit(2);
	}
	osp_arena_init(&a, 64 * 1024, 0);
	for (;;) {
		int k = 1 + rand() % 8, first = op;

		for (int b = 0; b < k; b++, op++) {
			int kind = rand() % 10;
			int id;
			char idbuf[32], src[96];
			st_write_req_t q;
			st_write_res_t r;

			memset(&q, 0, sizeof(q));
			q.version = ST_MATCH_ANY_VERSION;
			q.if_seq_no = ST_UNASSIGNED_SEQ_NO;
			if (kind < 7 || nmine == 0) {
				id = next_id++;
				if (nmine < 4096)
					mine[nmine++] = id;
			} else {
				id = mine[rand() % nmine];
			}
			snprintf(idbuf, sizeof(idbuf), "id%d", id);
			q.id = idbuf;
			q.id_len = strlen(idbuf);
			if (kind >= 8) {
				q.op = ST_OP_DELETE;
				say(fd, "P %d D %d\n", op, id);
			} else {
				snprintf(src, sizeof(src), "{\"n\":%d,\"title\":\"op %d of id %d\"}",
					 op, op, id);
				q.op = ST_OP_INDEX;
				q.source = src;
				q.source_len = strlen(src);
				say(fd, "P %d I %d\n", op, id);
			}
			if (st_shard_write(sh, &q, &a, &r, &e) < 0) {
				fprintf(stderr, "child write failed: %s\n", e.reason);
				_exit(4);
			}
		}
		int64_t want = st_shard_max_seq_no(sh);

		while (st_shard_durable_seq_no(sh) < want) {
			if (st_shard_tick(sh, now++) < 0)
				_exit(5);
			if (st_shard_durable_seq_no(sh) < want)
				st_io_poll(io, 1);
		}
		for (int i = first; i < op; i++)
			say(fd, "A %d\n", i);
		osp_arena_reset(&a);
		if (rand() % 97 == 0)
			st_shard_flush(sh);
		if (rand() % 301 == 0)
			st_shard_force_merge(sh, 1, false);
	}
}

/* Read the child's lines; kill it after `kill_after` acks. */
static void
run_trial(unsigned seed, int kill_after)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child(p[1], nops, nids, seed);
		_exit(0);
	}
	close(p[1]);
	FILE *in = fdopen(p[0], "r");
	char line[128];
	int acks = 0;
	bool killed = false;

	while (fgets(line, sizeof(line), in)) {
		int o, id;
		char t;

		if (sscanf(line, "P %d %c %d", &o, &t, &id) == 3) {
			assert_int_equal(o, nops);
			assert_true(nops < MAX_OPS && id < MAX_IDS);
			if (id >= nids)
				nids = id + 1;
			ops[o].id = id;
			ops[o].type = t;
			ops[o].acked = false;
			id_prev[o] = id_last_op[id];
			id_last_op[id] = o;
			nops++;
		} else if (sscanf(line, "A %d", &o) == 1) {
			assert_true(o < nops);
			ops[o].acked = true;
			if (o > id_last_ack[ops[o].id])
				id_last_ack[ops[o].id] = o;
			if (++acks >= kill_after && !killed) {
				/* land somewhere random in the next batch */
				for (volatile int spin = rand() % 200000; spin > 0; spin--)
					;
				kill(pid, SIGKILL);
				killed = true;
			}
		}
	}
	fclose(in);
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!killed) {
		fail_msg("child exited on its own: status %d", status);
	}
}

/* Is the state found for id one the ops allow? */
static bool
state_ok(int id, bool found, int n)
{
	int acked = id_last_ack[id];

	/* walk back from the latest started op to the last acked one */
	for (int o = id_last_op[id]; o >= 0; o = id_prev[o]) {
		if (ops[o].type == 'D' ? !found : (found && n == o))
			return true;
		if (o == acked)
			return false;
	}
	return !found && acked < 0;     /* never acked: may be absent */
}

static void
verify(st_io_t *io, int from_id, bool flush)
{
	st_shard_t *sh;
	osp_err_t e;
	osp_arena_t a;

	if (open_shard(io, &sh, &e) < 0)
		fail_msg("reopen after kill failed: %s: %s", e.type, e.reason);
	osp_arena_init(&a, 64 * 1024, 0);
	uint64_t live = 0;

	for (int id = from_id; id < nids; id++) {
		char idbuf[32];
		st_get_res_t g;
		int n = -1;

		if (id_last_op[id] < 0)
			continue;
		snprintf(idbuf, sizeof(idbuf), "id%d", id);
		assert_int_equal(st_shard_get(sh, idbuf, strlen(idbuf), true, &a, &g), 0);
		if (g.found) {
			assert_int_equal(sscanf(g.source, "{\"n\":%d", &n), 1);
			live++;
		}
		if (!state_ok(id, g.found, n))
			fail_msg("id%d: found=%d n=%d, last acked op %d (%c), last op %d",
				 id, g.found, n, id_last_ack[id],
				 id_last_ack[id] >= 0 ? ops[id_last_ack[id]].type : '-',
				 id_last_op[id]);
		osp_arena_reset(&a);
	}
	osp_arena_free(&a);
	/* every doc once: search sees exactly the live ids (open refreshes) */
	if (from_id == 0 && st_shard_count(sh) != live)
		fail_msg("search counts %llu docs, %llu ids are live",
			 (unsigned long long)st_shard_count(sh), (unsigned long long)live);
	assert_int_equal(st_shard_close(sh, flush), 0);
}

static void
test_kill9(void **state)
{
	(void)state;
	const char *env = getenv("OSP_CRASH_TRIALS");
	int trials = env ? atoi(env) : 200;
	st_io_t *io;
	unsigned seed = (unsigned)time(NULL);
	int acked = 0;

	if (getenv("OSP_CRASH_SEED"))
		seed = (unsigned)atoi(getenv("OSP_CRASH_SEED"));
	print_message("crash: %d trials, seed %u (OSP_CRASH_SEED to replay)\n", trials, seed);
	srand(seed);
	assert_int_equal(st_io_create_best(&io, 64), 0);
	for (int t = 0; t < trials; t++) {
		int from = nids;

		run_trial(seed + (unsigned)t, rand() % 40);
		/* every id after each trial would be quadratic: this trial's ids,
		 * and all of them every 25 trials and at the end */
		bool all = t % 25 == 24 || t == trials - 1;

		verify(io, all ? 0 : from, t % 5 == 4);
	}
	for (int i = 0; i < nops; i++)
		acked += ops[i].acked;
	print_message("crash: %d ops started, %d acknowledged, all present\n", nops, acked);
	st_io_destroy(io);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/osp-test-crash-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	ops = calloc(MAX_OPS, sizeof(*ops));
	id_prev = calloc(MAX_OPS, sizeof(*id_prev));
	id_last_op = malloc(MAX_IDS * sizeof(int));
	id_last_ack = malloc(MAX_IDS * sizeof(int));
	if (!ops || !id_prev || !id_last_op || !id_last_ack)
		return -1;
	memset(id_last_op, 0xff, MAX_IDS * sizeof(int));
	memset(id_last_ack, 0xff, MAX_IDS * sizeof(int));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	free(ops);
	free(id_prev);
	free(id_last_op);
	free(id_last_ack);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill9),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
