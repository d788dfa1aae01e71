/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The desktop notification that a long session ended ([notify], run.h). */
#include <stdio.h>

#include "base/alloc.h"
#include "notify/notify.h"
#include "run/run.h"
#include "base/banned.h"

bool run_session_end_notice(const struct run_session_end *s, char **title, char **body)
{
    *title = *body = NULL;
    uint64_t seconds = s->elapsed_ms / 1000;
    /* An update of the agents is ags's own errand, not a session of the user's. */
    if (!s->enabled || s->maintenance || seconds < s->min_seconds)
        return false;
    *title = xasprintf("ags: %s session ended", s->agent);
    *body = xasprintf("exit status %d after %llu min %llu s", s->exit_status,
                      (unsigned long long)(seconds / 60), (unsigned long long)(seconds % 60));
    return true;
}

void run_session_end_notify(const struct run_session_end *s, run_notify_send_fn *send)
{
    _cleanup_free_ char *title = NULL, *body = NULL;
    if (!run_session_end_notice(s, &title, &body))
        return;
    /* No session bus or no server is normal (ssh, a console): nothing to say. */
    char why[256];
    (void)(send ? send : notify_send)(title, body, why, sizeof(why));
}
