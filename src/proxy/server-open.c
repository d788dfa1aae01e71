/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An allowed OPEN carried out: the relay's port bound first, then the URL opened, then
 * OPENED to the sandbox. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proxy/server-internal.h"
#include "base/banned.h"

/* A new login on the port of an earlier one of this session replaces it: the agent gave
 * up on the earlier one (its callback server is gone), and the user would otherwise wait
 * out the old window before the retry could bind. */
static void supersede(struct proxy_server *s, uint16_t port)
{
    for (size_t i = 0; i < s->n_conns; i++) {
        struct sandbox_conn *o = s->conns[i];
        if (o->win && o->win->port == port)
            sandbox_end_window(s, o);
    }
}

/* The relay's port, before anything is opened: 0, or the REFUSED text in text. */
static int bind_relay(struct proxy_server *s, struct sandbox_conn *c, int64_t now, char *text,
                      size_t size)
{
    uint16_t port = c->d.callback_port;
    supersede(s, port);
    if (relay_windows_count(s) >= AGS_PROXY_MAX_RELAYS) {
        (void)snprintf(text, size, "%u logins wait for their callbacks already on this host",
                       AGS_PROXY_MAX_RELAYS);
        return -EBUSY;
    }
    int r = relay_window_open(c, port, c->d.callback_ipv6, now + s->first_callback_ms);
    if (r == -EADDRINUSE)
        (void)snprintf(text, size, "port %u is in use on the host", (unsigned)port);
    else if (r < 0)
        (void)snprintf(text, size, "cannot listen on port %u of the host's loopback: %s",
                       (unsigned)port, strerror(-r));
    return r;
}

void sandbox_open_allowed(struct proxy_server *s, struct sandbox_conn *c, const char *how,
                          int64_t now)
{
    uint16_t port = c->d.callback_port;
    char text[AGS_PROXY_MAX_TEXT];
    if (port && bind_relay(s, c, now, text, sizeof(text)) < 0) {
        sandbox_refuse(s, c, text);
        return;
    }
    char why[AGS_PROXY_MAX_TEXT] = "";
    int r = -ENOTSUP;
    if (s->open)
        r = s->open(c->url, why, sizeof(why), s->userdata);
    if (r < 0) {
        why[sizeof(why) - 1] = '\0';
        if (!why[0])
            (void)snprintf(why, sizeof(why), "%s",
                           s->open ? strerror(-r) : "no way to open a URL on this host");
        proxy_printable_text(why, sizeof(why), why);
        struct proxy_event e = {
                .kind = PROXY_EV_OPEN_FAILED, .url = c->url, .text = why, .port = port};
        proxy_emit(s, &e);
        /* The login can still be completed: the user opens the URL on any device. */
        sandbox_send_text(c, PROXY_WAITING,
                          port ? "the host could not open the URL: the user opens it elsewhere "
                                 "and completes the login with `ags auth-callback`"
                               : "the host could not open the URL: the user opens it elsewhere");
    } else {
        struct proxy_event e = {.kind = PROXY_EV_OPENED, .url = c->url, .text = how, .port = port};
        proxy_emit(s, &e);
    }
    sandbox_send_opened(c, port);
}
