/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One client of the agent proxy as a state machine driven by the server's
 * poll loop (internal to src/ssh).  A client is in one of three states:
 *
 *   READ      its bytes are fed to the frame reader; a whole request is
 *             decided by agent_filter_request
 *   UPSTREAM  the rebuilt request is on its way to the real agent, or the
 *             answer on its way back (a connection of its own per request)
 *   WRITE     the answer is partly written; the rest waits for POLLOUT
 *
 * One request at a time: further requests wait in the socket until the
 * answer is out, so per client at most one frame is buffered each way
 * (and one read's worth of requests sent ahead).  A step serves at most
 * SSH_PROXY_REQUESTS_PER_STEP requests; what was read beyond them is served
 * in the next steps, which the server makes without waiting in poll
 * (agent_client_has_unserved).  Each step that waits on the peer has a
 * deadline (conf->timeout_ms).
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strbuf.h"
#include "ssh/agent-filter.h"
#include "ssh/agent-log.h"
#include "ssh/agent-proto.h"
#include "ssh/agent-server.h"

/* What every client of one proxy shares (the proxy's options, copied, and its log). */
struct agent_serve_conf {
    const char *upstream_path;
    const struct ssh_pubkey *keys;
    size_t n_keys;
    enum ssh_confirm confirm;
    ssh_approve_fn *approve;
    void *approve_data;
    struct agent_log *log;
    int timeout_ms;
};

enum agent_client_state {
    CLIENT_READ,
    CLIENT_UPSTREAM,
    CLIENT_WRITE,
};

#define AGENT_CLIENT_CHUNK 4096u

struct agent_upstream {
    int fd;            /* -1: no request with the real agent */
    bool connecting;   /* a nonblocking connect not yet done */
    struct strbuf req; /* the rebuilt request frame */
    size_t req_off;
    struct agent_reader answer;
};

struct agent_client {
    int fd;
    pid_t pid; /* 0: unknown */
    enum agent_client_state state;
    struct agent_reader reader;
    uint8_t in[AGENT_CLIENT_CHUNK]; /* read but not yet fed (requests sent ahead) */
    size_t in_off, in_len;
    struct strbuf out; /* the answer being written */
    size_t out_off;
    int64_t deadline;        /* CLOCK_MONOTONIC ms of the step that waits; 0: none */
    struct agent_decision d; /* the request in progress */
    struct agent_upstream up;
    unsigned failures_in_row; /* requests answered SSH_AGENT_FAILURE since the last success */
};

/* Takes fd (closed by agent_client_free). */
struct agent_client *agent_client_new(int fd, pid_t pid);
void agent_client_free(struct agent_client *c);

/* Requests read and not yet served: the next step must come without waiting. */
bool agent_client_has_unserved(const struct agent_client *c);
/* What poll should wait for: on the client's fd, and on *up_fd (-1: none). */
short agent_client_events(const struct agent_client *c, int *up_fd, short *up_events);
/*
 * Acts on what poll returned for the client's fd and its upstream fd (0 for
 * either when nothing happened) and on a passed deadline.  false: the client
 * is finished (it left, or was dropped with a log line); free it.
 */
bool agent_client_step(const struct agent_serve_conf *conf, struct agent_client *c, short revents,
                       short up_revents, int64_t now);


/* ---- the real agent's side (agent-upstream.c) ---- */

void agent_upstream_init(struct agent_upstream *u);
void agent_upstream_close(struct agent_upstream *u);
/* Connects to path and begins sending u->req: 0, or -errno with why. */
int agent_upstream_open(struct agent_upstream *u, const char *path, char *why, size_t why_size);
/* Moves bytes in whichever direction is due: 1 when the whole answer is held
 * (agent_reader_body(&u->answer)), 0 when waiting, -errno with why. */
int agent_upstream_pump(struct agent_upstream *u, char *why, size_t why_size);
/* What poll should wait for on u->fd. */
short agent_upstream_events(const struct agent_upstream *u);
