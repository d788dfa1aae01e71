/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A transport to a far service that is neither a local socket nor plain TCP:
 * the ssh:// tunnel (ssh/tunnel.h) implements it, the Podman client
 * (podman/) uses it without knowing ssh, and run/ hands the one to the other
 * (the engine clients may not include ssh/, docs/architecture.md).
 */

#include "base/error.h"

struct ags_dialer {
    /* A new connected stream to the far service (close-on-exec, blocking),
     * within timeout_ms; -errno with err (the link's own error once it died). */
    int (*dial)(struct ags_dialer *d, long timeout_ms, struct ags_error *err);
    /* A private unix socket (0600 in a 0700 directory of ours) each
     * connection to which is one more stream to the far service, for a client
     * that must connect by itself: libcurl 7.88 (Debian 12) calls connect()
     * even on a socket CURLOPT_OPENSOCKETFUNCTION hands it connected (curl
     * issue 10626, fixed in 8.0). */
    const char *(*local_path)(const struct ags_dialer *d);
    /* 0 while the link is up, else its error (why it died). */
    int (*status)(struct ags_dialer *d, struct ags_error *err);
    void (*free)(struct ags_dialer *d);
};

/* What an ssh:// URI's dialer needs besides the URI. */
struct ags_dial_target {
    const char *uri;         /* ssh://[user@]host[:port]/path/to/podman.sock */
    const char *identity;    /* a private key file (CONTAINER_SSHKEY, identity=), or NULL */
    const char *home;        /* $HOME: ~/.ssh/known_hosts */
    const char *runtime_dir; /* private to us: the local socket's directory goes below it */
    const char *(*getenv)(const char *name); /* SSH_AUTH_SOCK, USER */
    long timeout_ms;                         /* connect, handshake and auth together; 0: 10 s */
    /* > 0: the connection outlives the run in a process of its own, reused
     * by later runs to the same target, until idle this long; 0: one per run. */
    unsigned persist_seconds;
};

typedef int ags_dialer_open_fn(const struct ags_dial_target *t, struct ags_dialer **ret,
                               struct ags_error *err);
