/*
 * dp_bgio.c - the background I/O thread (dp_bgio.h): a mutex-protected FIFO
 * of pending tasks the thread drains, and a FIFO of finished tasks the
 * network core drains in dp_bgio_poll. The poll takes the lock only when an
 * atomic counter says something finished, so an idle poll costs one load.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "dp_bgio.h"

static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_cond = PTHREAD_COND_INITIALIZER;
static dp_bgio_task_t *bg_head, *bg_tail;       /* pending */
static dp_bgio_task_t *done_head, *done_tail;   /* finished */
static atomic_uint done_count;
static int bg_started;

static void *
bg_main(void *arg)
{
	(void)arg;
	for (;;) {
		dp_bgio_task_t *t;

		pthread_mutex_lock(&bg_lock);
		while (bg_head == NULL)
			pthread_cond_wait(&bg_cond, &bg_lock);
		t = bg_head;
		bg_head = t->next;
		if (bg_head == NULL)
			bg_tail = NULL;
		pthread_mutex_unlock(&bg_lock);
		t->next = NULL;
		t->run(t);
		pthread_mutex_lock(&bg_lock);
		if (done_tail)
			done_tail->next = t;
		else
			done_head = t;
		done_tail = t;
		pthread_mutex_unlock(&bg_lock);
		atomic_fetch_add(&done_count, 1);
	}
	return NULL;
}

int
dp_bgio_submit(dp_bgio_task_t *t)
{
	pthread_t th;

	if (!bg_started) {
		pthread_attr_t at;
		int rc;

		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&th, &at, bg_main, NULL);
		pthread_attr_destroy(&at);
		if (rc != 0)
			return -rc;
		pthread_setname_np(th, "osprey-bgio");
		bg_started = 1;
	}
	t->next = NULL;
	pthread_mutex_lock(&bg_lock);
	if (bg_tail)
		bg_tail->next = t;
	else
		bg_head = t;
	bg_tail = t;
	pthread_cond_signal(&bg_cond);
	pthread_mutex_unlock(&bg_lock);
	return 0;
}

unsigned
dp_bgio_poll(void)
{
	dp_bgio_task_t *list;
	unsigned n = 0;

	if (atomic_load(&done_count) == 0)
		return 0;
	pthread_mutex_lock(&bg_lock);
	list = done_head;
	done_head = done_tail = NULL;
	atomic_store(&done_count, 0);
	pthread_mutex_unlock(&bg_lock);
	while (list) {
		dp_bgio_task_t *t = list;

		list = t->next;
		t->next = NULL;
		t->done(t);
		n++;
	}
	return n;
}
