/* SPDX-License-Identifier: GPL-2.0-or-later */
/* notify.h: each question tries the server, then a dialog, then says why it cannot ask. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "notify/internal.h"
#include "base/banned.h"

/* Bytes of a button's label. */
#define LABEL_MAX 40u

struct safe_question {
    struct notify_question q;
    char *title, *body, *body_markup, *allow, *deny;
};

static void safe_init(struct safe_question *s, const struct notify_question *q)
{
    s->title = notify_text(q->title, NOTIFY_TITLE_MAX, true, false);
    s->body = notify_text(q->body, NOTIFY_BODY_MAX, false, false);
    s->body_markup = notify_text(q->body, NOTIFY_BODY_MAX, false, true);
    s->allow = notify_text(q->allow_label ? q->allow_label : "Allow", LABEL_MAX, true, false);
    s->deny = notify_text(q->deny_label ? q->deny_label : "Deny", LABEL_MAX, true, false);
    s->q = (struct notify_question){.title = s->title, .body = s->body, .allow_label = s->allow,
                                    .deny_label = s->deny, .timeout_ms = q->timeout_ms,
                                    .cancel_fd = q->cancel_fd};
}

static void safe_done(struct safe_question *s)
{
    free(s->title);
    free(s->body);
    free(s->body_markup);
    free(s->allow);
    free(s->deny);
}

bool notify_cancelled(int cancel_fd, int wait_ms)
{
    if (cancel_fd < 0)
        return false;
    struct pollfd p = {.fd = cancel_fd, .events = POLLIN};
    return poll(&p, 1, wait_ms) > 0;
}

int notify_ask(const struct notify_question *q, char *why, size_t why_size)
{
    char scratch[512];
    if (!why || why_size == 0) {
        why = scratch;
        why_size = sizeof(scratch);
    }
    if (q->timeout_ms <= 0) {
        (void)snprintf(why, why_size, "internal: a question without a timeout");
        return -EINVAL;
    }
    /* Answered before it was asked: nothing reaches the desktop. */
    if (notify_cancelled(q->cancel_fd, 0)) {
        (void)snprintf(why, why_size, NOTIFY_ANSWERED_ELSEWHERE);
        return 0;
    }
    int64_t deadline = monotonic_ms() + q->timeout_ms;
    struct safe_question s;
    safe_init(&s, q);
    char server_why[512] = "";
    int r = notify_server_ask(&s.q, s.body_markup, deadline, server_why, sizeof(server_why));
    if (r >= 0) {
        (void)snprintf(why, why_size, "%s", server_why);
        safe_done(&s);
        return r;
    }
    /* No server with actions, or it failed: a dialog, with the time left,
     * unless the answer came meanwhile. */
    if (notify_cancelled(q->cancel_fd, 0)) {
        (void)snprintf(why, why_size, NOTIFY_ANSWERED_ELSEWHERE);
        safe_done(&s);
        return 0;
    }
    char dialog_why[256] = "";
    _cleanup_free_ char *prog = NULL;
    enum notify_path path = notify_dialog_find(&prog, dialog_why, sizeof(dialog_why));
    if (path != NOTIFY_PATH_NONE)
        r = notify_dialog_ask(path, prog, &s.q, deadline, why, why_size);
    else
        r = -ENOTSUP;
    if (r == -ENOTSUP)
        (void)snprintf(why, why_size, "no notification server with actions (%s), no zenity or "
                                      "kdialog (%s)", server_why, dialog_why);
    safe_done(&s);
    return r;
}

int notify_send(const char *title, const char *body, char *why, size_t why_size)
{
    char scratch[512];
    if (!why || why_size == 0) {
        why = scratch;
        why_size = sizeof(scratch);
    }
    _cleanup_free_ char *t = notify_text(title, NOTIFY_TITLE_MAX, true, false),
                        *b = notify_text(body, NOTIFY_BODY_MAX, false, false),
                        *m = notify_text(body, NOTIFY_BODY_MAX, false, true);
    return notify_server_send(t, b, m, why, why_size);
}

void notify_cancel_questions(void)
{
    notify_server_cancel("ags is ending");
    notify_dialog_cancel("ags is ending");
}

void notify_probe(struct notify_probe *ret)
{
    *ret = (struct notify_probe){.path = NOTIFY_PATH_NONE};
    char server_why[256] = "";
    if (notify_server_probe(server_why, sizeof(server_why)) == 1) {
        ret->path = NOTIFY_PATH_SERVER;
        (void)snprintf(ret->what, sizeof(ret->what), "%s", server_why);
        return;
    }
    char dialog_why[256] = "";
    _cleanup_free_ char *prog = NULL;
    ret->path = notify_dialog_find(&prog, dialog_why, sizeof(dialog_why));
    if (ret->path != NOTIFY_PATH_NONE)
        (void)snprintf(ret->what, sizeof(ret->what), "%s (%s)", prog, server_why);
    else
        (void)snprintf(ret->what, sizeof(ret->what), "no notification server with actions "
                       "(%s), no zenity or kdialog (%s)", server_why, dialog_why);
}

const char *notify_path_name(enum notify_path path)
{
    switch (path) {
    case NOTIFY_PATH_SERVER: return "notification server";
    case NOTIFY_PATH_ZENITY: return "zenity";
    case NOTIFY_PATH_KDIALOG: return "kdialog";
    case NOTIFY_PATH_NONE: break;
    }
    return "none";
}
