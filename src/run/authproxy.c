/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy of a run (authproxy.h): its private directory, the server
 * of src/proxy with the approval wired to the desktop (run/approve.c), the
 * approved URL opened in the user's browser (browser-open.c), and what
 * happens told on stderr.  What ags prints shares the terminal with the
 * agent, which can print look-alike lines: so a line never carries what the
 * user should act on by itself (a request's id); `ags approve` shows the
 * request from the proxy's own state.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "proxy/server.h"
#include "run/approve.h"
#include "run/authproxy.h"
#include "run/internal.h"
#include "run/sessiondir.h"
#include "run/stage.h"
#include "base/banned.h"

struct run_authproxy_ctx {
    const struct run_callbacks *cb;
    struct run_browser browser;
    int approval_timeout_s;
};

static void say_pending(const struct run_authproxy_ctx *c, const struct proxy_question *q)
{
    run_warnf(c->cb, "the sandbox asks to open a page on %s: answer the desktop notification, or "
                     "run `ags approve` in another terminal, which shows the whole address (no "
                     "answer within %d s is no)",
              q->host, c->approval_timeout_s);
}

static void say_open_failed(const struct run_authproxy_ctx *c, const struct proxy_event *e)
{
    if (!e->port) {
        run_warnf(c->cb, "could not open %s here (%s): open it in a browser yourself", e->url,
                  e->text ? e->text : "?");
        return;
    }
    run_warnf(c->cb, "could not open the login page here (%s): open %s in a browser on any "
                     "device; when the login ends on http://localhost:%u/... (a page that does not "
                     "load), paste that address into: ags auth-callback '<address>'",
              e->text ? e->text : "?", e->url, (unsigned)e->port);
}

static void on_event(const struct proxy_event *e, void *userdata)
{
    const struct run_authproxy_ctx *c = userdata;
    switch (e->kind) {
    case PROXY_EV_PENDING:
        say_pending(c, e->question);
        break;
    case PROXY_EV_DENIED:
        run_warnf(c->cb, "not opened: %s", e->text ? e->text : "denied");
        break;
    case PROXY_EV_OPENED:
        if (e->port)
            run_warnf(c->cb, "opened %s in your browser; its login callback on port %u is "
                             "relayed into the sandbox", e->url, (unsigned)e->port);
        else
            run_warnf(c->cb, "opened %s in your browser", e->url);
        break;
    case PROXY_EV_OPEN_FAILED:
        say_open_failed(c, e);
        break;
    case PROXY_EV_REFUSED:
        run_warnf(c->cb, "refused the sandbox's request to open a page: %s",
                  e->text ? e->text : "?");
        break;
    case PROXY_EV_RELAYED:
        run_warnf(c->cb, "relayed a login callback on port %u into the sandbox (it answered %u)",
                  (unsigned)e->port, (unsigned)e->status);
        break;
    case PROXY_EV_ALLOWED:
    case PROXY_EV_RELAY_DONE:
    default:
        break;
    }
}

static int open_url(const char *url, char *why, size_t why_size, void *userdata)
{
    const struct run_authproxy_ctx *c = userdata;
    return run_open_url(&c->browser, url, why, why_size);
}

static int approve(const struct proxy_question *q, int cancel_fd, int timeout_ms, char *why,
                   size_t why_size, void *userdata _unused_)
{
    return run_proxy_approve(q, cancel_fd, timeout_ms, why, why_size, NULL);
}

int run_authproxy_begin(struct run_authproxy *ap, const struct run_authproxy_opts *o,
                        struct ags_error *err)
{
    *ap = (struct run_authproxy){0};
    const char *sock = o->plan->auth_proxy_sock;
    if (!sock)
        return 0;
    const struct ags_config *cfg = o->cfg;
    int r = run_session_dir_make(o->getenv, cfg->sandbox.cache_dir.v, sock, RUN_PROXY_DIR_PREFIX,
                                 RUN_PROXY_SOCK_NAME, &ap->dir, err);
    if (r < 0)
        return ags_error_prefix(err, "the auth proxy");
    ap->ctx = xmalloc(sizeof(*ap->ctx));
    *ap->ctx = (struct run_authproxy_ctx){
        .cb = o->cb,
        .browser = {.command = cfg->auth_proxy.browser_command.v, .getenv = o->getenv},
        .approval_timeout_s = (int)cfg->auth_proxy.approval_timeout.v,
    };
    _cleanup_free_ char *control = xasprintf("%s/" RUN_PROXY_CONTROL_NAME, ap->dir);
    const struct proxy_server_opts so = {
        .sandbox_socket = sock,
        .control_socket = control,
        .auto_allow = cfg->auth_proxy.auto_allow_domains.v,
        .approval_timeout_ms = ap->ctx->approval_timeout_s * 1000,
        .approve = approve,
        .open = open_url,
        .event = on_event,
        .userdata = ap->ctx,
    };
    r = proxy_server_start(&so, &ap->server, err);
    return r < 0 ? ags_error_prefix(err, "the auth proxy") : 0;
}

void run_authproxy_end(struct run_authproxy *ap)
{
    proxy_server_stop(ap->server);
    ap->server = NULL;
    struct ags_error e = {0};
    if (ap->dir && stage_remove_tree(ap->dir, &e) < 0)
        ags_error_clear(&e); /* the next run's sweep removes it */
    free(ap->dir);
    ap->dir = NULL;
    free(ap->ctx);
    ap->ctx = NULL;
}
