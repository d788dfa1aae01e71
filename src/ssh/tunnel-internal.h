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

/* One API connection: a channel and the local stream it is bridged to. */
struct ssh_bridge {
    struct ssh_bridge *next;
    LIBSSH2_CHANNEL *ch;      /* NULL while it is being opened */
    int fd;                   /* our end: a socketpair's or an accepted connection */
    struct ssh_dial_req *req; /* answered once the channel is open; NULL: accepted */
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
};

/* TCP connect to the URI's host within the deadline, the handshake (ed25519
 * and ECDSA host keys only), the host key against known_hosts, then the
 * agent and the identity file; leaves the session nonblocking with
 * keepalives on. */
int ssh_tunnel_connect(struct ssh_tunnel *t, const struct ags_dial_target *tg,
                       struct ags_error *err) _warn_unused_;

/* The pump thread (arg: the tunnel). */
void *ssh_tunnel_pump(void *arg);

/* Answers a request (under the tunnel's lock): frees an abandoned one. */
void ssh_tunnel_answer(struct ssh_tunnel *t, struct ssh_dial_req *req, int result,
                       const struct ags_error *err);
