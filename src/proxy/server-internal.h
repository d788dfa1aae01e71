/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The auth proxy's host server inside (server.h), internal to src/proxy.
 * Everything below is owned by the server's one loop thread, except the
 * asker (pending.c), which runs the approval callback on a worker thread
 * and hands its answer back through an eventfd.
 *
 * A sandbox connection goes through these states:
 *
 *   READ_OPEN  reading its one OPEN (a frame of at most OPEN_FRAME_MAX)
 *   PENDING    the session's one request that waits for the user
 *   RELAY      OPENED with a port: its relay window (struct relay_window)
 *              is open; CALLBACK_REQUESTs go out, answers come back
 *   CLOSING    its last frame (REFUSED, OPENED 0, DONE) is written, then
 *              the connection is closed
 *
 * Every wait on a peer has a deadline: a sandbox connection must deliver
 * its OPEN, finish a frame it began and read what is written to it within
 * io_ms (the relay bound), a browser connection its request and its answer
 * within io_ms, a control client within PROXY_CONTROL_TIMEOUT_MS.
 */

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/frame-reader.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "proxy/control.h"
#include "proxy/decide.h"
#include "proxy/proto.h"
#include "proxy/server.h"

#define PROXY_DEFAULT_APPROVAL_MS       300000
#define PROXY_DEFAULT_FIRST_CALLBACK_MS 300000
#define PROXY_DEFAULT_RELAY_MS          60000
#define PROXY_DEFAULT_LINGER_MS         10000
/* Control clients at once: `ags approve` and the like, one short request each. */
#define PROXY_MAX_CONTROL_CLIENTS 4u
/* Approval callbacks answered elsewhere that may still be returning (each returns at once
 * when its cancel_fd fires); a new request waits only while one of these places is free. */
#define PROXY_MAX_RETIRED_ASKERS 4u
/* The pause before the next question after one withdrawn or denied: a sandbox that asks
 * and hangs up in a loop cannot flash questions under the user's pointer. */
#define PROXY_COOLDOWN_FIRST_MS 2000
#define PROXY_COOLDOWN_MAX_MS   30000
/* The largest OPEN: type, version, the URL's length and the URL. */
#define PROXY_OPEN_FRAME_MAX (1u + 4u + 4u + AGS_PROXY_MAX_URL)

/* Bytes waiting to be written to a nonblocking socket. */
struct proxy_out {
    struct strbuf buf;
    size_t off;
};

enum sandbox_state {
    SANDBOX_READ_OPEN,
    SANDBOX_PENDING,
    SANDBOX_RELAY,
    SANDBOX_CLOSING,
};

enum browser_state {
    BROWSER_NONE,  /* waiting for a connection on the window's ports */
    BROWSER_READ,  /* reading its request */
    BROWSER_RELAY, /* the request is with the sandbox */
    BROWSER_WRITE, /* writing the answer */
};

/* A callback port bound on the host's loopback and the one browser connection served. */
struct relay_window {
    uint16_t port;
    int lfd[2];        /* 127.0.0.1, ::1; -1: not bound */
    int64_t closes_at; /* while no browser connection is served */
    int bfd;           /* -1: none */
    enum browser_state bstate;
    struct strbuf bin; /* the browser's request as read */
    struct proxy_out bout;
    int64_t bdeadline;
    /* CALLBACK_REQUEST ids: the next one sent, the oldest the sandbox has not answered
     * (it answers each in turn), the one the browser waits for (0: none).  An answer the
     * browser no longer waits for (504, it left) is read and dropped. */
    uint32_t next_id, expect_id, inflight_id;
};

struct sandbox_conn {
    int fd;
    pid_t pid; /* SO_PEERCRED, 0 unknown */
    enum sandbox_state state;
    struct frame_reader reader;
    struct proxy_out out;
    int64_t io_deadline; /* 0: not waiting on the peer */
    char *url;           /* the OPEN's, once read */
    struct proxy_open_decision d;
    struct relay_window *win; /* RELAY */
};

struct control_conn {
    int fd;
    char in[PROXY_CONTROL_LINE_MAX];
    size_t in_len;
    bool answered;
    struct proxy_out out;
    int64_t deadline;
};

/* The session's one request that waits for the user. */
struct pending {
    char id[PROXY_ID_LEN + 1];
    char *url, *host;
    uint16_t port;
    pid_t pid;
    struct sandbox_conn *conn;
    int64_t deadline;
};

/* The approval callback's run on its worker thread.  Its strings are its own, so a request
 * answered from elsewhere can go while the callback returns. */
struct asker {
    pthread_t thread;
    int cancel_fd, done_fd; /* eventfds: fired by the loop, by the worker */
    bool cancelled;
    char id[PROXY_ID_LEN + 1];
    char *url, *host;
    struct proxy_question q;
    proxy_approve_fn approve;
    void *userdata;
    int timeout_ms;
    int result;
    char why[AGS_PROXY_MAX_TEXT];
};

struct proxy_server {
    char *sandbox_path, *control_path;
    char **auto_allow;
    int approval_ms, first_callback_ms, io_ms, linger_ms;
    proxy_approve_fn approve;
    proxy_open_fn open;
    proxy_event_fn event;
    void *userdata;
    uid_t uid;

    int sandbox_lfd, control_lfd, wake_fd;
    pthread_t thread;
    int64_t accept_paused_to; /* after EMFILE: 0 accepting */
    struct sandbox_conn *conns[AGS_PROXY_MAX_CLIENTS];
    size_t n_conns;
    struct control_conn *ctls[PROXY_MAX_CONTROL_CLIENTS];
    size_t n_ctls;
    struct pending *pending;
    struct asker *asker; /* the pending request's callback, while it runs */
    /* Callbacks of requests answered elsewhere, told to stop and not yet returned. */
    struct asker *retired[PROXY_MAX_RETIRED_ASKERS];
    size_t n_retired;
    /* After a question the sandbox withdrew (it hung up) or the user denied, the session's
     * next one waits cooldown_ms from cooldown_from: 0 none, else from
     * PROXY_COOLDOWN_FIRST_MS doubling to PROXY_COOLDOWN_MAX_MS; an allow resets it. */
    int64_t cooldown_from;
    int cooldown_ms;
};

void proxy_out_init(struct proxy_out *o, size_t max);
void proxy_out_done(struct proxy_out *o);
bool proxy_out_busy(const struct proxy_out *o);
/* Writes what it can: 1 when all is written, 0 when the rest waits for POLLOUT, -errno. */
int proxy_out_flush(struct proxy_out *o, int fd);
/* recv without blocking: bytes, 0 at EOF, -EAGAIN, -errno. */
ssize_t proxy_recv(int fd, void *buf, size_t n);
/* s->event, when set. */
void proxy_emit(const struct proxy_server *s, const struct proxy_event *e);
/* The protocol's and the events' texts are printable ASCII of at most AGS_PROXY_MAX_TEXT
 * bytes: anything else is replaced by '?', an empty one says "refused".  dst may be src. */
void proxy_printable_text(char *dst, size_t size, const char *src);
/* "PREFIX URL SUFFIX" cut to a text the protocol carries (AGS_PROXY_MAX_TEXT). */
void proxy_url_text(char *buf, size_t size, const char *prefix, const char *url,
                    const char *suffix);
/* "300 s", or "250 ms" for a bound that is no whole number of seconds (tests use those). */
void proxy_duration_text(char *buf, size_t size, int ms);
/* After an accept that failed for want of fds or memory (errno), every listener rests a
 * moment instead of spinning on poll. */
void proxy_pause_accepting(struct proxy_server *s, int64_t now);
/* The peer's credentials: false when unknown. */
bool proxy_peer_cred(int fd, pid_t *pid, uid_t *uid);

/* ---- server-sandbox.c ---- */
struct sandbox_conn *sandbox_conn_new(struct proxy_server *s, int fd, int64_t now);
void sandbox_conn_free(struct proxy_server *s, struct sandbox_conn *c);
/* Queues a text frame (REFUSED, WAITING) on c; REFUSED also ends it (CLOSING). */
void sandbox_send_text(struct sandbox_conn *c, enum proxy_msg_type type, const char *text);
/* OPENED: the relay follows (port), or the connection ends (0). */
void sandbox_send_opened(struct sandbox_conn *c, uint16_t port);
/* The relay window closes: DONE, and the connection ends. */
void sandbox_end_window(struct proxy_server *s, struct sandbox_conn *c);
/* REFUSED with an event: the connection ends. */
void sandbox_refuse(struct proxy_server *s, struct sandbox_conn *c, const char *text);
/* Number of pollfds of a connection (its socket, the window's two ports and browser). */
#define SANDBOX_POLLFDS 4
/* accepting: false while the listeners rest (EMFILE): the relay ports rest too. */
void sandbox_conn_pollfds(const struct sandbox_conn *c, bool accepting, struct pollfd *fds);
/* Acts on what poll returned and on passed deadlines: false when c is finished. */
bool sandbox_conn_step(struct proxy_server *s, struct sandbox_conn *c, const struct pollfd *fds,
                       int64_t now);
int64_t sandbox_conn_deadline(const struct sandbox_conn *c);
/* The server stops: last frames written if they fit at once. */
void sandbox_conn_shutdown(struct proxy_server *s, struct sandbox_conn *c);

/* ---- server-open.c ---- */
/* The request is allowed (how: "auto-allowed" or "approved"): bind, open, OPENED. */
void sandbox_open_allowed(struct proxy_server *s, struct sandbox_conn *c, const char *how,
                          int64_t now);

/* ---- server-relay.c ---- */
/* Binds port on 127.0.0.1 (and ::1 when ipv6 and the host has it): 0, or -errno. */
int relay_window_open(struct sandbox_conn *c, uint16_t port, bool ipv6, int64_t closes_at);
/* Closes the ports and answers a browser still waiting 502; event RELAY_DONE. */
void relay_window_close(struct proxy_server *s, struct sandbox_conn *c);
void relay_window_pollfds(const struct relay_window *w, bool accepting, struct pollfd *fds);
/* Browser side: false when the window is to close. */
bool relay_window_step(struct proxy_server *s, struct sandbox_conn *c, const struct pollfd *fds,
                       int64_t now);
/* A frame of the sandbox while the window is open: false for a protocol error. */
bool relay_window_answer(struct proxy_server *s, struct sandbox_conn *c, const uint8_t *body,
                         size_t len, int64_t now);
/* Whether the sandbox may send now (a relay in flight, or a late answer expected). */
bool relay_window_expects_answer(const struct relay_window *w);
int64_t relay_window_deadline(const struct relay_window *w);
/* The window's ports of every connection, for LIST. */
size_t relay_windows_list(const struct proxy_server *s, uint16_t *ports, size_t max);
size_t relay_windows_count(const struct proxy_server *s);

/* ---- relay-headers.c ---- */
/* The browser's request as the sandbox gets it: its Cookie headers left out.  headers has
 * room for req->n_headers; out's strings are req's. */
void relay_request_view(const struct proxy_http *req, struct proxy_header *headers,
                        struct proxy_http *out);
/* The headers relay_response_view adds: Content-Security-Policy: sandbox and
 * X-Content-Type-Options: nosniff. */
#define RELAY_ADDED_HEADERS 2
/* The sandbox's response as the browser gets it: without Set-Cookie, Set-Cookie2, Refresh
 * or a Location relay_location_allowed refuses, with the added headers in place of the
 * sandbox's own.  headers has room for resp->n_headers + RELAY_ADDED_HEADERS. */
void relay_response_view(const struct proxy_http *resp, uint16_t port,
                         struct proxy_header *headers, struct proxy_http *out);
/* A Location the browser may follow: a path on the relay ("/x", not "//x"), an http URL on
 * the relay's own loopback port, or a public http(s) URL (proxy_url_parse). */
bool relay_location_allowed(struct proxy_str v, uint16_t port);

/* ---- pending.c ---- */
/* An ASK: the pending request, event PENDING, WAITING, the approval started. */
void pending_start(struct proxy_server *s, struct sandbox_conn *c, int64_t now);
/* allow/deny the pending request (by says who): 0, or -ENOENT when id is not pending. */
int pending_answer(struct proxy_server *s, const char *id, bool allow, const char *by, int64_t now);
/* Denied without an answer (the sandbox left: withdrawn, which starts the cool-down; the
 * server stops). */
void pending_drop(struct proxy_server *s, const char *why, const char *refused, bool withdrawn);
void pending_check_deadline(struct proxy_server *s, int64_t now);
/* No request waits, a retired callback's place is free and no cool-down runs: true, or false
 * with why (a text for the sandbox). */
bool pending_can_start(const struct proxy_server *s, int64_t now, char *why, size_t size);
/* The askers' done_fds: the current one's, then each retired one's. */
#define ASKER_POLLFDS (1 + PROXY_MAX_RETIRED_ASKERS)
void askers_pollfds(const struct proxy_server *s, struct pollfd *fds);
/* A done_fd fired: the worker is joined; the current one's answer is acted on. */
void askers_step(struct proxy_server *s, const struct pollfd *fds, int64_t now);
/* Fires every worker's cancel_fd (once each). */
void askers_cancel_all(struct proxy_server *s);
/* Cancels and joins every worker (stop, after the loop ended). */
void askers_join_all(struct proxy_server *s);
struct proxy_question pending_question(const struct pending *p);

/* ---- server-control.c ---- */
void control_accept(struct proxy_server *s, int64_t now);
bool control_conn_step(struct proxy_server *s, struct control_conn *c, short revents, int64_t now);
void control_conn_free(struct control_conn *c);
short control_conn_events(const struct control_conn *c);
