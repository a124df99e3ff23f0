/*
 * dp_bgio.h - the dataplane's background I/O thread, for file work that is
 * neither a shard's (worker) nor allowed on the network core: snapshot
 * repositories (copying files, reading and writing repository metadata).
 *
 * The network core submits a task; run() executes on the helper thread
 * (blocking file I/O is fine there), then done() executes on the network
 * core from dp_bgio_poll, which the main loop calls with the other slow
 * polls. Tasks run one at a time in submission order, so tasks touching one
 * repository never race. The task is owned by the submitter (usually in a
 * request's arena) and must stay valid until done() ran. The thread starts
 * on the first submit.
 */
#ifndef DP_BGIO_H
#define DP_BGIO_H

typedef struct dp_bgio_task dp_bgio_task_t;

struct dp_bgio_task {
	void (*run)(dp_bgio_task_t *t);     /* helper thread */
	void (*done)(dp_bgio_task_t *t);    /* network core */
	dp_bgio_task_t *next;               /* queue link (internal) */
};

/* Queue t; 0 or -errno when the thread cannot be started (then nothing
 * runs and the caller answers the error). */
int dp_bgio_submit(dp_bgio_task_t *t);

/* Network core: run done() of finished tasks; returns how many. */
unsigned dp_bgio_poll(void);

#endif
