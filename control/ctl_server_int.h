/*
 * ctl_server_int.h - what only ctl_server.c and ctl_request.c may see: the
 * server's state and the helpers the request handlers use. Everything here
 * belongs to the control loop thread.
 */
#ifndef CTL_SERVER_INT_H
#define CTL_SERVER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "osprey/buf.h"
#include "osprey/chan.h"
#include "osprey/cluster.h"

#include "ctl_coord.h"
#include "ctl_member.h"
#include "ctl_server.h"

#define SRV_MAX_CONNS 64
/* Membership lease: renewed every third of it from the loop. */
#define CTL_LEASE_TTL_MS 15000
/* A dataplane that lets this much queue up unread is dropped. */
#define SRV_MAX_TX_QUEUE (512u << 20)

/* One dataplane connection. */
typedef struct srv_conn {
	osp_chan_conn_t c;
	uint64_t gen;            /* distinguishes reuse of the slot */
	bool hello;
	int64_t acked;           /* highest state version acknowledged */
} srv_conn_t;

/* A reply held back until its state version is acknowledged. */
typedef struct srv_wait {
	int slot;
	uint64_t gen;
	uint64_t req_id;
	int64_t version;         /* 0 = in the batch not yet committed */
	int64_t deadline_ms;
	uint16_t type;           /* request type: decides the reply's shape */
	int64_t mapping_version;
	int64_t count;           /* DELETE_CUSTOM: entries deleted */
	char *index;             /* the request's index expression */
} srv_wait_t;

struct ctl_server {
	ctl_server_opts_t o;
	ctl_coord_t *coord;
	int64_t coord_rev;
	osp_cluster_t *cs;
	osp_buf_t state_json;    /* flat-settings JSON of cs */
	int lfd, epfd, sigfd;
	srv_conn_t conns[SRV_MAX_CONNS];
	uint64_t next_gen;
	srv_wait_t *waits;
	size_t n_waits;
	ctl_member_t member;     /* lease, node record, master key */
	osp_cluster_t *batch;    /* next state being built, or NULL */
	osp_buf_t batch_what;    /* "; "-joined descriptions for the log */
	bool stop;
	int fatal;               /* why the loop stopped on its own, 0 = signal */
};

int64_t
ctl_srv_now_realtime_ms(void);
int64_t
ctl_srv_now_mono_ms(void);
/* Queue a frame to a connection (dropping it on error or overflow). */
void
ctl_srv_send(ctl_server_t *s, int slot, uint16_t type, uint32_t flags, uint64_t id,
	     const char *p, size_t n);
void
ctl_srv_reply_err(ctl_server_t *s, int slot, uint64_t id, const osp_err_t *err);
/* Persist next as the new committed state, then publish it. Takes next. */
int
ctl_srv_commit(ctl_server_t *s, osp_cluster_t *next, const char *what);

/* Handle one request frame (ctl_request.c): apply it to the batch, reply
 * with an error at once or queue the success reply. */
void
ctl_request_handle(ctl_server_t *s, int slot, const osp_chan_frame_t *f);
/* Send queued replies whose version is acknowledged or timed out. */
void
ctl_request_flush_waits(ctl_server_t *s);

#endif
