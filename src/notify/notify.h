/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Desktop notifications and the user's yes/no to a question a host-side
 * service asks (the ssh agent's confirm = "always", the auth proxy's
 * browser opens).  Plain C only: GLib and libnotify stay inside
 * src/notify.  Safe to call from several threads at once.
 *
 * A question goes, in this order, to
 *  1. a notification server on the session bus whose capabilities include
 *     "actions": a notification with an allow and a deny button (libnotify,
 *     on a GLib main loop in a thread of its own, started on first use and
 *     stopped at exit);
 *  2. zenity --question or kdialog --yesno, when one is on PATH in a
 *     directory only root or the user can write and a display is set;
 *  3. nothing: -ENOTSUP, and why.
 * Text shown comes from outside (a URL an agent chose, a key comment): its
 * control characters, invalid UTF-8 and invisible characters are shown as
 * escapes (base/termesc.h), it is cut to a bound, and markup is escaped
 * where the path would read it.
 */

#include <stddef.h>

/* Bytes of the title and body shown (after escaping; a cut ends with "..."). */
#define NOTIFY_TITLE_MAX 200u
#define NOTIFY_BODY_MAX  2000u
/* How long notify_send and notify_probe wait for the bus at most. */
#define NOTIFY_BUS_TIMEOUT_MS 3000

struct notify_question {
    const char *title;       /* one line: "Allow the sandbox to ...?" */
    const char *body;        /* what would be done, in full */
    const char *allow_label; /* the buttons: "Allow", "Deny" */
    const char *deny_label;
    int timeout_ms;          /* no answer within it counts as denied (> 0) */
    /* -1: none.  Else an fd that becomes readable (or hangs up) when the
     * caller has the answer from elsewhere (`ags approve`, the sandbox gave
     * up): the notification is withdrawn, a dialog killed, and the question
     * answered 0, "answered elsewhere".  Only watched, never read or closed. */
    int cancel_fd;
};

/* The why of a question whose cancel_fd fired. */
#define NOTIFY_ANSWERED_ELSEWHERE "answered elsewhere"

/*
 * Asks q and waits for the answer, at most q->timeout_ms (plus the time a
 * dialog takes to die when killed).  1: allowed; 0: denied, timed out, the
 * notification was closed or q->cancel_fd fired, and why says which;
 * negative errno: no way to ask (-ENOTSUP: no notification server with
 * actions, no zenity or kdialog;
 * -EIO: the server refused the notification ...), and why says why.  why may
 * be NULL.
 */
int notify_ask(const struct notify_question *q, char *why, size_t why_size);

/*
 * Shows a plain notification (a long session ended).  0 when the server took
 * it; -ENOTCONN without a session bus or a server, -ETIMEDOUT when the bus did
 * not answer within NOTIFY_BUS_TIMEOUT_MS (the only wait); why says why.
 */
int notify_send(const char *title, const char *body, char *why, size_t why_size);

/* The way a question would be asked on this host, for ags doctor. */
enum notify_path {
    NOTIFY_PATH_NONE,
    NOTIFY_PATH_SERVER,
    NOTIFY_PATH_ZENITY,
    NOTIFY_PATH_KDIALOG,
};

struct notify_probe {
    enum notify_path path;
    /* The server's name and version, the dialog's path, or why none (for NONE,
     * why each path is missing). */
    char what[512];
};

/* Which path notify_ask would take now; waits for the bus at most NOTIFY_BUS_TIMEOUT_MS. */
void notify_probe(struct notify_probe *ret);
/* "notification server", "zenity", "kdialog", "none". */
const char *notify_path_name(enum notify_path path);

/* Answers every question still waiting 0, "ags is ending" (the notification
 * is withdrawn, a dialog killed): for a service that stops while one of its
 * questions is on the desktop, so that stopping does not wait for the user.
 * Questions asked afterwards are asked as usual. */
void notify_cancel_questions(void);

/* Stops the loop thread if it runs (also done at exit); questions asked
 * afterwards take the dialog path or none. */
void notify_stop(void);
