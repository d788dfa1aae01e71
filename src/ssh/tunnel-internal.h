/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The tunnel behind ssh/tunnel.h (internal to src/ssh): tunnel.c opens and
 * frees it and serves dial requests, tunnel-connect.c makes the session
 * (TCP, handshake, host key, auth), tunnel-pump.c is the one thread that
 * drives it afterwards.
 */

#include <libssh2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/dialer.h"
#include "ssh/uri.h"

/* A dial request from another thread, answered by the pump. */
struct ssh_dial_req {
    struct ssh_dial_req *next;
    int fd;         /* the pump's end of the caller's socketpair; -1 once taken */
    bool done;      /* result and err are set (under the tunnel's lock) */
    bool abandoned; /* the caller gave up: the pump frees it */
    int result;
    struct ags_error err;
};

/* A run's control connection to a shared tunnel (tunnel-shared.c): its
 * dial requests, answered with a stream passed over it; the link's death. */
struct ssh_ctl {
    struct ssh_ctl *next;
    int fd; /* SOCK_SEQPACKET, the run's */
};

/* One API connection: a channel and the local stream it is bridged to. */
struct ssh_bridge {
    struct ssh_bridge *next;
    LIBSSH2_CHANNEL *ch;      /* NULL while it is being opened */
    int fd;                   /* our end: a socketpair's or an accepted connection */
    struct ssh_dial_req *req; /* answered once the channel is open; NULL: accepted */
    struct ssh_ctl *ctl;      /* a shared tunnel's dial: answered there with pass_fd */
    int pass_fd;              /* the caller's end of the socketpair, -1 once passed */
    char *up, *down;          /* local -> channel, channel -> local */
    size_t up_len, down_len;
    bool local_eof, eof_sent, chan_eof, local_shut;
};

struct ssh_tunnel {
    struct ags_dialer base;
    struct ssh_uri uri;
    char *name; /* "host" or "[host]:port", as known_hosts names it */
    int sock;   /* the TCP connection */
    LIBSSH2_SESSION *session;
    char *listen_dir; /* 0700, ours; holds the socket for libcurl */
    char *listen_path;
    int listen_fd;
    int wake_fd; /* eventfd: a request was queued, or stop */
    pthread_t thread;
    bool started;
    pthread_mutex_t lock; /* queue, stop, dead, dead_err; requests' done/abandoned */
    pthread_cond_t cond;  /* a request was answered */
    struct ssh_dial_req *queue;
    bool stop;
    int dead; /* 0, or why the link died (negative errno; dead_err) */
    struct ags_error dead_err;
    /* The pump thread's own (before it starts: the opener's). */
    struct ssh_bridge *bridges;
    size_t n_bridges;
    LIBSSH2_CHANNEL **closing; /* channels being freed (nonblocking) */
    size_t n_closing;
    long last_rx; /* monotonic ms of the last byte from the server */
    /* A shared tunnel's process (tunnel-shared.c): the runs' control
     * connections, the idle clock, the host key re-check. */
    bool shared;
    int ctl_listen_fd; /* -1: none */
    char *ctl_path;
    struct ssh_ctl *ctls;
    size_t n_ctls;
    long persist_ms;  /* idle this long (no run, no connection): exit */
    long idle_since;  /* monotonic ms */
    bool replies;     /* keepalives ask for answers (while streams are open) */
    const char *home; /* ~/.ssh/known_hosts, re-read for every run */
};

/* TCP connect to the URI's host within the deadline, the handshake (ed25519
 * and ECDSA host keys only), the host key against known_hosts, then the
 * agent and the identity file; leaves the session nonblocking (the pump
 * sends the keepalives). */
int ssh_tunnel_connect(struct ssh_tunnel *t, const struct ags_dial_target *tg,
                       struct ags_error *err) _warn_unused_;

/* The server's host key (of the session) against ~/.ssh/known_hosts: 0
 * only for a known, unchanged, unrevoked key; else the refusal, saying what
 * to do. */
int ssh_tunnel_check_host_key(struct ssh_tunnel *t, const char *home, struct ags_error *err)
        _warn_unused_;

/* A stream to bridge to a new channel: fd is ours; the one who asked is
 * answered once the channel is open (req: a thread; ctl: a run of a shared
 * tunnel, handed pass_fd) or failed. */
void ssh_tunnel_bridge_add(struct ssh_tunnel *t, int fd, struct ssh_dial_req *req,
                           struct ssh_ctl *ctl, int pass_fd);

/* The pump thread (arg: the tunnel). */
void *ssh_tunnel_pump(void *arg);

/* A new tunnel, nothing opened (tunnel.c), and its end: the pump stopped,
 * the session closed, every descriptor and the local socket gone. */
struct ssh_tunnel *ssh_tunnel_new(void);
void ssh_tunnel_destroy(struct ssh_tunnel *t);
/* The private socket libcurl connects to, at path (0600) or, when path is
 * NULL, in a fresh 0700 directory below runtime_dir. */
int ssh_tunnel_listen(struct ssh_tunnel *t, const char *runtime_dir, const char *path,
                      struct ags_error *err) _warn_unused_;

/* ---- shared tunnels (tunnel-shared.c) ---- */

/* ssh_tunnel_open with persist_seconds > 0: a run's connection to the
 * user's tunnel process for the target, started when there is none. */
int ssh_shared_open(const struct ags_dial_target *tg, struct ags_dialer **ret,
                    struct ags_error *err) _warn_unused_;

/* A run connected to the control socket: the peer and host key checks, the
 * first answer, then its requests. */
void ssh_shared_accept(struct ssh_tunnel *t);
/* A control connection is readable: a dial request, or the run is gone. */
void ssh_shared_ctl_input(struct ssh_tunnel *t, struct ssh_ctl *c);
/* Answers a dial request of c: the stream (fd), or the error. */
void ssh_shared_answer(struct ssh_tunnel *t, struct ssh_ctl *c, int result, int fd,
                       const struct ags_error *err);
/* The link died (or the host key no longer checks out): every run told
 * why; the process then ends. */
void ssh_shared_link_dead(struct ssh_tunnel *t, const struct ags_error *why);
/* Whether the shared tunnel is done (no run and no stream for persist);
 * *wait_ms: lowered to when it may be. */
bool ssh_shared_done(struct ssh_tunnel *t, int *wait_ms);

/* Answers a request (under the tunnel's lock): frees an abandoned one. */
void ssh_tunnel_answer(struct ssh_tunnel *t, struct ssh_dial_req *req, int result,
                       const struct ags_error *err);
