/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags attach and ags logs (docs/sessions.md): a supervised session's tmux
 * reached through the backend's exec (backend.h exec_session), as the
 * sandbox user, with the image's own tmux by absolute path (a volume on the
 * sandbox's PATH could hold another).  What comes back is the sandbox's:
 * through the terminal filter in lockdown, as for the run itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/signals.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

#define TMUX "/usr/bin/tmux"
/* The session is up a moment after the sandbox starts: attach waits for it
 * (50 tries 0.1 s apart) instead of failing on "no server running". */
#define ATTACH_SCRIPT                                                                      \
    "for i in $(seq 50); do " TMUX " has-session -t ags 2>/dev/null && exec " TMUX        \
    " attach-session -t ags; sleep 0.1; done; echo '[ags] the session has no tmux (it "    \
    "ended)' >&2; exit 1"
#define FOLLOW_INTERVAL_NS (1000L * 1000L * 1000L)

/* Terminal names the image's terminfo has; another becomes xterm-256color
 * (tmux refuses a terminal it knows nothing of). */
static const char *term_for_sandbox(void)
{
    static const char *const known[] = {"xterm", "xterm-256color", "screen", "screen-256color",
                                        "tmux", "tmux-256color", "linux", "vt100", "vt220",
                                        "xterm-color", "rxvt-unicode", "rxvt-unicode-256color"};
    const char *t = getenv("TERM");
    for (size_t i = 0; t && i < ARRAY_SIZE(known); i++)
        if (strcmp(t, known[i]) == 0)
            return known[i];
    return "xterm-256color";
}

static int tmux_session_of(const struct run_sessions *l, size_t i, struct ags_error *err)
{
    const struct backend_ops *ops = l->backend->ops;
    if (!ops->exec_session)
        return ags_error_set(err, -EOPNOTSUPP,
                             "the %s backend cannot attach to a running sandbox (Podman can)",
                             ops->name);
    if (!l->v[i].supervised)
        return ags_error_set(err, -EINVAL,
                             "%s is not a detachable session: only runs started with --detach "
                             "or --tmux have one",
                             l->v[i].name);
    if (l->v[i].state != BACKEND_SESSION_RUNNING)
        return ags_error_set(err, -ESRCH, "%s is not running (`ags stop %s` removes it)",
                             l->v[i].name, l->v[i].name);
    return 0;
}

/* Whether session i's tmux session is still there (its sandbox runs). */
static bool tmux_alive(struct run_sessions *l, size_t i)
{
    static const char *const argv[] = {TMUX, "has-session", "-t", "ags", NULL};
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    const struct backend_io io = {.in_fd = -1, .out_fd = null, .err_fd = null};
    int code = -1;
    struct ags_error e = {0};
    int r = l->backend->ops->exec_session(l->backend, l->raw.v[i].id, argv, NULL, &io, &code, &e);
    return null >= 0 && r == 0 && code == 0;
}

int run_session_attach(struct run_sessions *l, size_t i, bool *ret_running, struct ags_error *err)
{
    *ret_running = false;
    int r = tmux_session_of(l, i, err);
    if (r < 0)
        return r;
    static const char *const argv[] = {"/bin/bash", "-c", ATTACH_SCRIPT, NULL};
    _cleanup_free_ char *term = xasprintf("TERM=%s", term_for_sandbox());
    const char *const env[] = {term, NULL};
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    if (!tty)
        return ags_error_set(err, -ENOTTY, "ags attach needs a terminal");
    struct term_filter out_filter;
    const struct backend_io io = {
        .in_fd = STDIN_FILENO,
        .out_fd = STDOUT_FILENO,
        .err_fd = STDERR_FILENO,
        .tty = true,
        .out_filter = run_terminal_filter(&out_filter, STDOUT_FILENO, l->v[i].lockdown),
    };
    int code = 0;
    r = l->backend->ops->exec_session(l->backend, l->raw.v[i].id, argv, env, &io, &code, err);
    if (io.out_filter)
        run_terminal_finish(&out_filter, STDOUT_FILENO);
    *ret_running = tmux_alive(l, i);
    return r;
}

/* ---- ags logs ---- */

/* One capture: its text split into lines in place. */
struct pane_text {
    char *text;
    char **v; /* into text */
    size_t n;
};

static void pane_text_done(struct pane_text *t)
{
    free(t->text);
    free(t->v);
    *t = (struct pane_text){0};
}

static void split_lines(struct pane_text *t)
{
    size_t n = 1;
    for (const char *c = t->text; *c; c++)
        n += *c == '\n';
    t->v = xcalloc(n, sizeof(*t->v));
    for (char *line = t->text; line;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        t->v[t->n++] = line;
        line = nl ? nl + 1 : NULL;
    }
}

/* What the exec writes, read while it runs and held to AGS_SESSION_LOG_MAX:
 * past that the reader stops and closes its end, so the writer fails (the
 * tmux answering is the sandbox's, and could answer without end). */
struct drain {
    int fd;
    struct strbuf text;
    bool over;
};

static void *drain_run(void *arg)
{
    struct drain *d = arg;
    char buf[16384];
    for (;;) {
        ssize_t n = read(d->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (strbuf_append(&d->text, buf, (size_t)n) < 0) {
            d->over = true;
            break;
        }
    }
    (void)close(d->fd);
    d->fd = -EBADF;
    return NULL;
}

/* What the pane holds now (scrollback and screen, wrapped lines joined),
 * without the empty lines below the last one written; -ESRCH when the
 * session's tmux has ended, -EFBIG when it answered too much. */
static int capture(struct run_sessions *l, size_t i, struct pane_text *ret, struct ags_error *err)
{
    static const char *const argv[] = {TMUX, "capture-pane", "-p", "-J", "-S", "-",
                                       "-E",  "-",            "-t", "ags", NULL};
    *ret = (struct pane_text){0};
    int sp[2];
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
        return ags_error_set(err, -errno, "cannot make room for the session's output: %m");
    struct drain d = {.fd = sp[0]};
    strbuf_init(&d.text, AGS_SESSION_LOG_MAX);
    pthread_t t;
    int r = -pthread_create(&t, NULL, drain_run, &d);
    if (r < 0) {
        (void)close(sp[0]);
        (void)close(sp[1]);
        strbuf_done(&d.text);
        return ags_error_set(err, r, "cannot start reading the session's output");
    }
    const struct backend_io io = {.in_fd = -1, .out_fd = sp[1], .err_fd = null};
    int code = -1;
    r = l->backend->ops->exec_session(l->backend, l->raw.v[i].id, argv, NULL, &io, &code, err);
    (void)close(sp[1]);
    (void)pthread_join(t, NULL);
    if (d.over)
        r = ags_error_set(err, -EFBIG, "the session's tmux answered more than %u MiB",
                          AGS_SESSION_LOG_MAX >> 20);
    else if (r == 0 && code != 0)
        r = ags_error_set(err, -ESRCH, "the session's tmux has ended");
    if (r < 0) {
        strbuf_done(&d.text);
        return r;
    }
    size_t len = d.text.len;
    ret->text = strbuf_steal(&d.text);
    while (len > 0 && ret->text[len - 1] == '\n')
        ret->text[--len] = '\0';
    split_lines(ret);
    return 0;
}

size_t run_logs_new_from(const char *const *prev, size_t np, const char *const *now, size_t nn)
{
    /* Lines leave the top when the scrollback is full: the previous capture
     * is aligned at the offset that keeps most of it in place.  The pane is
     * the agent's (a scrollback of identical lines makes every offset look
     * alike): the comparisons are held to AGS_SESSION_LOG_ALIGN_WORK, and
     * what is found by then is taken. */
    size_t best = 0, work = 0;
    for (size_t d = 0; d < np && d <= AGS_SESSION_LOG_SHIFT_MAX; d++) {
        size_t k = 0;
        while (d + k < np && k < nn && work++ < AGS_SESSION_LOG_ALIGN_WORK &&
               strcmp(prev[d + k], now[k]) == 0)
            k++;
        if (work >= AGS_SESSION_LOG_ALIGN_WORK)
            return k > best ? k : best;
        if (k > best)
            best = k;
        if (d + k == np)
            break; /* all of the rest matched: no better alignment */
    }
    return best;
}

static volatile sig_atomic_t logs_signal;

static void on_logs_signal(int sig)
{
    logs_signal = sig;
}

/* Lines from..t->n to fd, through f (the terminal filter) when there is one. */
static int write_lines(int fd, const struct pane_text *t, size_t from,
                       const struct output_filter *f)
{
    int r = 0;
    for (size_t k = from; k < t->n && r == 0; k++) {
        _cleanup_free_ char *line = xasprintf("%s\n", t->v[k]);
        size_t len = strlen(line);
        _cleanup_free_ char *out = f ? xmalloc(len + f->slack) : NULL;
        if (f)
            len = f->filter(f->state, line, len, out);
        r = write_all(fd, f ? out : line, len);
    }
    return r;
}

/* Every second, what is new in the pane, until the session ends or a signal. */
static int follow(struct run_sessions *l, size_t i, int fd, struct pane_text *prev,
                  const struct output_filter *f)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    struct signals_saved saved = {0};
    logs_signal = 0;
    int r = signals_catch(&saved, sigs, ARRAY_SIZE(sigs), on_logs_signal);
    while (r == 0 && !logs_signal) {
        struct timespec ts = {.tv_nsec = FOLLOW_INTERVAL_NS - 1};
        if (nanosleep(&ts, NULL) < 0 || logs_signal)
            break;
        struct pane_text now;
        struct ags_error e = {0};
        if (capture(l, i, &now, &e) < 0)
            break; /* the session ended (or went): so does the follow */
        r = write_lines(fd, &now, run_logs_new_from((const char *const *)prev->v, prev->n,
                                                 (const char *const *)now.v, now.n), f);
        pane_text_done(prev);
        *prev = now;
    }
    signals_restore(&saved);
    return r;
}

int run_session_logs(struct run_sessions *l, size_t i, int fd, bool follow_it,
                     struct ags_error *err)
{
    int r = tmux_session_of(l, i, err);
    struct pane_text t = {0};
    if (r == 0)
        r = capture(l, i, &t, err);
    if (r < 0)
        return r;
    /* The scrollback is the agent's text: never raw to a terminal. */
    struct term_filter tf;
    const struct output_filter *f = run_terminal_filter(&tf, fd, true);
    r = write_lines(fd, &t, 0, f);
    if (r == 0 && follow_it)
        r = follow(l, i, fd, &t, f);
    pane_text_done(&t);
    if (f)
        run_terminal_finish(&tf, fd);
    return r < 0 ? ags_error_set(err, r, "cannot write the session's output: %s", strerror(-r))
                 : 0;
}
