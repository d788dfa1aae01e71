/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The questions a run asks the user (approve.h). */
#include "run/approve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "notify/notify.h"
#include "base/banned.h"

int run_ssh_approve(const struct ssh_sign_question *q, char *why, size_t why_size, void *userdata)
{
    const int *timeout = userdata;
    const char *comment = q->key->comment && q->key->comment[0] ? q->key->comment : q->key->type;
    _cleanup_free_ char *title = xasprintf("Allow the sandbox to sign with %s (%s)?", comment,
                                           ssh_key_purpose_name(q->key->purpose));
    _cleanup_free_ char *who = q->peer_pid > 0 ? xasprintf("process %ld", (long)q->peer_pid)
                                               : xstrdup("an unknown process");
    /* The quoted account name of a user authentication is the sandbox's
     * choice: said so, so that a name made to look like ags's words cannot
     * pass as them. */
    bool auth = q->key->purpose == SSH_KEY_AUTH;
    _cleanup_free_ char *body = xasprintf("%s.\nAsked by %s through the sandbox's ssh agent%s.",
                                          q->what, who,
                                          auth ? " (the account name is the sandbox's, unchecked)"
                                               : "");
    const struct notify_question nq = {
            .title = title,
            .body = body,
            .allow_label = "Sign",
            .deny_label = "Refuse",
            .timeout_ms = timeout ? *timeout : RUN_SSH_APPROVE_TIMEOUT_MS,
            .cancel_fd = -1,
    };
    return notify_ask(&nq, why, why_size);
}

/* A long host is cut from the left: its registrable end is what tells
 * where the page is (accounts.google.com.<...>.evil.test). */
static char *host_for_title(const char *host)
{
    size_t n = strlen(host);
    return n <= RUN_PROXY_TITLE_HOST_MAX ? xstrdup(host)
                                         : xasprintf("...%s", host + n - (RUN_PROXY_TITLE_HOST_MAX - 3));
}

int run_proxy_approve(const struct proxy_question *q, int cancel_fd, int timeout_ms, char *why,
                      size_t why_size, void *userdata)
{
    (void)userdata;
    _cleanup_free_ char *host = host_for_title(q->host);
    _cleanup_free_ char *title =
            q->relay_port ? xasprintf("Open a login for the sandbox (%s, callback port %u)?", host,
                                      (unsigned)q->relay_port)
                          : xasprintf("Open a URL for the sandbox (%s)?", host);
    _cleanup_free_ char *relay =
            q->relay_port ? xasprintf("Then relay the login's callback on port %u of this "
                                      "machine into the sandbox.\n", (unsigned)q->relay_port)
                          : xstrdup("");
    _cleanup_free_ char *who = q->peer_pid > 0 ? xasprintf("process %ld", (long)q->peer_pid)
                                               : xstrdup("an unknown process");
    /* The whole URL, never only the host: the user decides on what the
     * browser will load.  It comes last: a long one is what gets cut, never
     * the relay or the request id (for `ags approve ID` in another terminal). */
    _cleanup_free_ char *body = xasprintf("%sAsked by %s in the sandbox (request %s).\n%s", relay,
                                          who, q->id, q->url);
    const struct notify_question nq = {
            .title = title,
            .body = body,
            .allow_label = "Open",
            .deny_label = "Deny",
            .timeout_ms = timeout_ms,
            .cancel_fd = cancel_fd,
    };
    return notify_ask(&nq, why, why_size);
}
