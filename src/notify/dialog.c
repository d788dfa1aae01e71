/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The question as a dialog when no notification server has actions:
 * zenity --question, else kdialog --yesno, each only from a directory only
 * root or the user can write (trusted_program) and only with a display.
 * The text goes as arguments (no shell); zenity is told it is no markup,
 * kdialog (which guesses rich text) gets it escaped inside <qt>.  A dialog
 * still open at the deadline is killed: no answer is a no; so is one whose
 * question's cancel_fd fired (the answer came from elsewhere).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "notify/internal.h"
#include "base/banned.h"

/* How long a killed dialog may take to go before SIGKILL. */
#define KILL_GRACE_MS 1000
/* zenity's exit status when its own --timeout ran out. */
#define ZENITY_TIMEOUT_STATUS 5

/* A dialog on the screen (under notify_lock): notify_dialog_cancel ends it. */
struct open_dialog {
    int pidfd; /* signals go through it: the pid cannot have been reused */
    pid_t pid;
    bool cancelled;
    char why[128];
    struct open_dialog *next;
};
static struct open_dialog *g_open;

static void open_add(struct open_dialog *d)
{
    pthread_mutex_lock(&notify_lock);
    d->next = g_open;
    g_open = d;
    pthread_mutex_unlock(&notify_lock);
}

/* Unlists d: whether it was cancelled meanwhile. */
static bool open_remove(struct open_dialog *d)
{
    pthread_mutex_lock(&notify_lock);
    for (struct open_dialog **p = &g_open; *p; p = &(*p)->next)
        if (*p == d) {
            *p = d->next;
            break;
        }
    bool cancelled = d->cancelled;
    pthread_mutex_unlock(&notify_lock);
    return cancelled;
}

/* Through the pidfd when there is one: a dialog already reaped is then
 * ESRCH, never a process that got its pid since. */
static void terminate(int pidfd, pid_t pid)
{
    if (pidfd >= 0)
        (void)pidfd_send_signal(pidfd, SIGTERM, NULL, 0);
    else
        (void)kill(pid, SIGTERM);
}

void notify_dialog_cancel(const char *why)
{
    pthread_mutex_lock(&notify_lock);
    for (struct open_dialog *d = g_open; d; d = d->next) {
        d->cancelled = true;
        (void)snprintf(d->why, sizeof(d->why), "%s", why);
        terminate(d->pidfd, d->pid);
    }
    pthread_mutex_unlock(&notify_lock);
}

static bool have_display(void)
{
    const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
    return (x && x[0]) || (w && w[0]);
}

enum notify_path notify_dialog_find(char **prog, char *why, size_t why_size)
{
    *prog = NULL;
    const char *path = getenv("PATH");
    static const struct {
        const char *name;
        enum notify_path path;
    } dialogs[] = {{"zenity", NOTIFY_PATH_ZENITY}, {"kdialog", NOTIFY_PATH_KDIALOG}};
    for (size_t i = 0; i < ARRAY_SIZE(dialogs); i++) {
        char *found = trusted_program(path, dialogs[i].name);
        if (!found)
            continue;
        if (!have_display()) {
            (void)snprintf(why, why_size, "%s needs a display ($DISPLAY and $WAYLAND_DISPLAY "
                                          "are unset)", dialogs[i].name);
            free(found);
            return NOTIFY_PATH_NONE;
        }
        *prog = found;
        return dialogs[i].path;
    }
    (void)snprintf(why, why_size, "no zenity or kdialog on PATH (in a directory only root or "
                                  "you can write)");
    return NOTIFY_PATH_NONE;
}

/* kdialog's text: rich text on purpose, so that nothing in it is taken for a tag. */
static char *kdialog_text(const char *title, const char *body)
{
    struct strbuf sb;
    strbuf_init(&sb, (strlen(title) + strlen(body)) * 6 + 64);
    _cleanup_free_ char *t = notify_text(title, NOTIFY_TITLE_MAX, true, true),
                        *b = notify_text(body, NOTIFY_BODY_MAX, false, true);
    int r = strbuf_appendf(&sb, "<qt><b>%s</b><br><br>", t);
    for (const char *p = b; r == 0 && *p; p++)
        r = *p == '\n' ? strbuf_appends(&sb, "<br>") : strbuf_appendc(&sb, *p);
    if (r == 0)
        r = strbuf_appends(&sb, "</qt>");
    return strbuf_steal(&sb);
}

static char **dialog_argv(enum notify_path path, const char *prog,
                          const struct notify_question *q, int64_t left_ms)
{
    char **argv = xcalloc(12, sizeof(*argv));
    size_t n = 0;
    argv[n++] = xstrdup(prog);
    if (path == NOTIFY_PATH_ZENITY) {
        argv[n++] = xstrdup("--question");
        argv[n++] = xstrdup("--no-markup");
        /* Enter on a dialog that grabbed the focus mid-typing must not allow. */
        argv[n++] = xstrdup("--default-cancel");
        argv[n++] = xasprintf("--title=%s", q->title);
        argv[n++] = xasprintf("--text=%s\n\n%s", q->title, q->body);
        argv[n++] = xasprintf("--ok-label=%s", q->allow_label);
        argv[n++] = xasprintf("--cancel-label=%s", q->deny_label);
        argv[n++] = xasprintf("--timeout=%lld", (long long)((left_ms + 999) / 1000));
    } else {
        argv[n++] = xstrdup("--title");
        argv[n++] = xstrdup(q->title);
        argv[n++] = xstrdup("--yes-label");
        argv[n++] = xstrdup(q->allow_label);
        argv[n++] = xstrdup("--no-label");
        argv[n++] = xstrdup(q->deny_label);
        argv[n++] = xstrdup("--yesno");
        argv[n++] = kdialog_text(q->title, q->body);
    }
    return argv;
}

static void free_argv(char **argv)
{
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

enum wait_end { WAIT_EXITED, WAIT_DEADLINE, WAIT_CANCELLED };

/* Waits for pid until deadline or until cancel_fd (-1: none) fires: with
 * WAIT_EXITED, *status. */
static enum wait_end wait_until(pid_t pid, int pidfd, int cancel_fd, int64_t deadline,
                                int *status)
{
    for (;;) {
        pid_t got = waitpid(pid, status, WNOHANG);
        if (got == pid)
            return WAIT_EXITED;
        if (got < 0 && errno != EINTR)
            return WAIT_DEADLINE;
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            return WAIT_DEADLINE;
        /* Without a pidfd (an old kernel) the exit is looked for every 50 ms. */
        struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                              {.fd = cancel_fd, .events = POLLIN}};
        if (poll(p, 2, pidfd < 0 && left > 50 ? 50 : (int)left) > 0 && p[1].revents)
            return WAIT_CANCELLED;
    }
}

int notify_dialog_ask(enum notify_path path, const char *prog, const struct notify_question *q,
                      int64_t deadline, char *why, size_t why_size)
{
    const char *name = path == NOTIFY_PATH_ZENITY ? "zenity" : "kdialog";
    char **argv = dialog_argv(path, prog, q, deadline - monotonic_ms());
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    /* GTK and Qt chatter would land on the terminal the agent shares. */
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int e = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free_argv(argv);
    if (e != 0) {
        (void)snprintf(why, why_size, "cannot run %s: %s", prog, strerror(e));
        return -e;
    }
    _cleanup_close_ int pidfd = pidfd_open(pid, 0);
    struct open_dialog me = {.pidfd = pidfd, .pid = pid};
    open_add(&me);
    int status = 0;
    enum wait_end end = wait_until(pid, pidfd, q->cancel_fd, deadline, &status);
    bool ended = end == WAIT_EXITED;
    if (!ended) {
        terminate(pidfd, pid);
        if (wait_until(pid, pidfd, -1, monotonic_ms() + KILL_GRACE_MS, &status) != WAIT_EXITED) {
            (void)kill(pid, SIGKILL);
            (void)waitpid(pid, &status, 0);
        }
    }
    if (open_remove(&me)) {
        (void)snprintf(why, why_size, "%s", me.why);
        return 0;
    }
    if (end == WAIT_CANCELLED) {
        (void)snprintf(why, why_size, NOTIFY_ANSWERED_ELSEWHERE);
        return 0;
    }
    if (!ended) {
        (void)snprintf(why, why_size, "no answer in the %s dialog in time", name);
        return 0;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        (void)snprintf(why, why_size, "allowed");
        return 1;
    }
    /* 1: the deny button or the window closed; kdialog says 2 for cancel. */
    if (WIFEXITED(status) && (WEXITSTATUS(status) == 1 ||
                              (path == NOTIFY_PATH_KDIALOG && WEXITSTATUS(status) == 2))) {
        (void)snprintf(why, why_size, "denied");
        return 0;
    }
    if (path == NOTIFY_PATH_ZENITY && WIFEXITED(status) &&
        WEXITSTATUS(status) == ZENITY_TIMEOUT_STATUS) {
        (void)snprintf(why, why_size, "no answer in the %s dialog in time", name);
        return 0;
    }
    (void)snprintf(why, why_size, "the %s dialog failed (status %d): not allowed", name,
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return -EIO;
}
