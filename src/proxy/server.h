/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The auth proxy's host side (docs/auth-proxy.md): the server a run starts
 * for its sandbox.  One thread with every signal blocked runs one poll loop
 * over three kinds of sockets:
 *
 *  - the sandbox's socket (sandbox_socket, 0600, mounted into the sandbox):
 *    one OPEN per connection, judged by proxy_open_decide; a URL to ask
 *    about becomes the session's one pending request (a second one while it
 *    waits is refused), WAITING is sent, and the approval callback is called
 *    on a worker thread so the loop keeps serving; an allowed URL's relay
 *    port is bound on the host's loopback before the open callback opens
 *    the URL; then OPENED, the relay (CALLBACK_REQUEST / CALLBACK_RESPONSE)
 *    and DONE;
 *  - the control socket (control_socket, 0600, never mounted): `ags approve`,
 *    `ags deny` and `ags auth-callback` of the same user (SO_PEERCRED uid ==
 *    geteuid(), anything else is closed unanswered) list the pending request
 *    and the open relays and answer the request (control.h);
 *  - the relay's listening sockets on 127.0.0.1 (and ::1 for a localhost or
 *    [::1] redirect) while a relay window is open: each browser connection's
 *    request is read (http.h), relayed to the sandbox, and the answer written
 *    back unchanged.
 *
 * Nothing here prints, reads config or knows about desktops: the run layer
 * passes the allow list, the bounds and the callbacks (run/authproxy.c wires
 * approve to notify and the events to its warnings).
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

/* The random id of a pending request: `ags approve ID` names it. */
#define PROXY_ID_LEN 12u /* lowercase hex characters */

/* A request that waits for the user. */
struct proxy_question {
    const char *id;       /* PROXY_ID_LEN hex characters */
    const char *url;      /* as the sandbox sent it (proxy_url_parse accepted it) */
    const char *host;     /* lowercased, for the title */
    uint16_t relay_port;  /* 0: no relay */
    pid_t peer_pid;       /* the sandbox process that asked (SO_PEERCRED), 0 unknown */
};

/*
 * Asks the user about q, on a worker thread of the server; blocks at most
 * timeout_ms.  cancel_fd becomes readable when the answer came from
 * elsewhere (`ags approve`/`ags deny`, the timeout, the sandbox hung up, the
 * server stops): return at once then (the value is ignored).  1: allowed,
 * 0: denied; negative errno: no way to ask here (the request keeps waiting
 * for `ags approve` until the timeout), why says why.
 */
typedef int (*proxy_approve_fn)(const struct proxy_question *q, int cancel_fd, int timeout_ms,
                                char *why, size_t why_size, void *userdata);

/* Opens url on the host (the user's browser); called on the loop thread after
 * approval, must not block for long (spawn and return).  0, or negative errno
 * with why (no browser on this host: the user opens the URL elsewhere and
 * completes the login with `ags auth-callback`). */
typedef int (*proxy_open_fn)(const char *url, char *why, size_t why_size, void *userdata);

/* What happened, for the run to tell the user (it prints on stderr). */
enum proxy_event_kind {
    PROXY_EV_PENDING,     /* a request waits for approval (question) */
    PROXY_EV_ALLOWED,     /* the pending one was allowed (question; text: by whom) */
    PROXY_EV_DENIED,      /* ... denied, timed out, or the sandbox gave up (text: why) */
    PROXY_EV_OPENED,      /* url opened (text: auto-allowed or approved) */
    PROXY_EV_OPEN_FAILED, /* url allowed but could not be opened here (text: why) */
    PROXY_EV_REFUSED,     /* an OPEN refused without asking (text: the REFUSED text) */
    PROXY_EV_RELAYED,     /* a callback relayed (port, status) */
    PROXY_EV_RELAY_DONE,  /* a relay window closed (port) */
};

struct proxy_event {
    enum proxy_event_kind kind;
    const struct proxy_question *question; /* PENDING, ALLOWED, DENIED; else NULL */
    const char *url;                        /* OPENED, OPEN_FAILED, REFUSED (may be NULL) */
    const char *text;                       /* printable ASCII, may be NULL */
    uint16_t port;                          /* RELAYED, RELAY_DONE, OPENED with a relay */
    uint16_t status;                        /* RELAYED: the sandbox's HTTP status */
};

/* Called on the server's threads (loop or worker), one call at a time. */
typedef void (*proxy_event_fn)(const struct proxy_event *e, void *userdata);

struct proxy_server_opts {
    const char *sandbox_socket; /* bound fresh (an existing path is refused), 0600 */
    const char *control_socket; /* bound fresh, 0600; never mounted into the sandbox */
    char *const *auto_allow;    /* [auth_proxy].auto_allow_domains, NULL-terminated or NULL */
    int approval_timeout_ms;    /* unanswered -> denied; 0: 300000 */
    int first_callback_ms;      /* a relay window waits this long for its first callback; 0: 300000 */
    int relay_ms;               /* one callback relayed within this, else 504; 0: 60000 */
    int linger_ms;              /* the window stays open this long after a relayed callback; 0: 10000 */
    proxy_approve_fn approve;   /* NULL: every request waits for `ags approve` */
    proxy_open_fn open;         /* NULL: nothing is opened (OPEN_FAILED) */
    proxy_event_fn event;       /* may be NULL */
    void *userdata;
};

struct proxy_server;

/* Binds both sockets and starts the thread; on error nothing is left behind. */
int proxy_server_start(const struct proxy_server_opts *o, struct proxy_server **ret,
                       struct ags_error *err) _warn_unused_;

/* Denies what is pending (the approval's cancel_fd fires), sends DONE / closes
 * every connection, closes the relay ports, joins the threads and unlinks
 * both sockets.  NULL is fine. */
void proxy_server_stop(struct proxy_server *s);
