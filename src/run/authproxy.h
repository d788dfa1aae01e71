/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The auth proxy of a run (issue 16, docs/auth-proxy.md) and the commands
 * that answer it from another terminal.  A run outside lockdown serves
 * plan->auth_proxy_sock through src/proxy's server in a fresh private
 * directory (run/sessiondir.h) beside the server's control socket, asks the
 * user through run_proxy_approve (a desktop notification or dialog) and says
 * on stderr that a request waits for `ags approve`; `ags approve`, `ags deny`
 * and `ags auth-callback` find the running sessions' control sockets in the
 * same private directory.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"
#include "config/config.h"
#include "plan/plan.h"
#include "proxy/control.h"
#include "run/run.h"

/* How to open an approved URL on this host. */
struct run_browser {
    char *const *command; /* [auth_proxy].browser_command; NULL or empty: xdg-open */
    const char *(*getenv)(const char *name);
};

/* Starts the browser with url, detached; 0, or negative errno and why
 * (-ENOTSUP: no display and no browser_command: a headless host). */
int run_open_url(const struct run_browser *b, const char *url, char *why, size_t why_size);

struct run_authproxy_ctx;
struct proxy_server;
struct run_authproxy {
    char *dir; /* made by run_authproxy_begin, removed by run_authproxy_end */
    struct run_authproxy_ctx *ctx;
    struct proxy_server *server;
};

struct run_authproxy_opts {
    const struct ags_config *cfg;
    const struct ags_plan *plan;
    const struct run_callbacks *cb;
    const char *(*getenv)(const char *name);
};

/* Serves plan->auth_proxy_sock (nothing when it is NULL). */
int run_authproxy_begin(struct run_authproxy *ap, const struct run_authproxy_opts *o,
                        struct ags_error *err) _warn_unused_;
/* Stops the server (a pending request is denied) and removes the dir; safe on
 * a zeroed or failed ap. */
void run_authproxy_end(struct run_authproxy *ap);

/* The running sessions' proxies, for ags approve / deny / auth-callback. */
struct run_proxy_session {
    char *session;   /* the session id (the dir's name after the prefix) */
    char *control;   /* its control socket */
    struct proxy_listing listing;
};
struct run_proxy_sessions {
    struct run_proxy_session *v;
    size_t n;
};

/* Every session whose proxy answers LIST (an ended one is skipped). */
int run_proxy_sessions_list(const char *(*getenv_fn)(const char *name), const char *cache_dir,
                            struct run_proxy_sessions *ret, struct ags_error *err) _warn_unused_;
void run_proxy_sessions_done(struct run_proxy_sessions *s);

/* Answers id in the session that has it pending: 1 answered (*which: that
 * session), 0 no session has it, negative errno. */
int run_proxy_answer(const struct run_proxy_sessions *s, const char *id, bool allow,
                     const struct run_proxy_session **which, struct ags_error *err) _warn_unused_;

/* `ags auth-callback URL`: URL must be http://localhost|127.0.0.1|[::1]:PORT/...
 * with a PORT that a session relays; the request is sent there as the
 * browser would (GET of the path and query) and *status is the sandbox's
 * answer.  -EINVAL for a URL that is not such a callback (err says why),
 * -ENOENT when no session relays that port. */
int run_auth_callback(const struct run_proxy_sessions *s, const char *url, uint16_t *status,
                      struct ags_error *err) _warn_unused_;
