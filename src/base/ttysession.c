/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/ttysession.h"

#include <errno.h>

#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/banned.h"

/* Shared with the signal handler: only sig_atomic_t flags, and a termios
 * written before g_raw_fd publishes it. */
static volatile sig_atomic_t g_pipe_wr = -1;
static volatile sig_atomic_t g_raw_fd = -1;
static volatile sig_atomic_t g_interrupt;
static struct termios g_saved;
static bool g_active;

static void on_signal(int sig)
{
    int saved_errno = errno;
    if (sig != SIGWINCH) {
        if (!g_interrupt)
            g_interrupt = sig;
        int fd = g_raw_fd;
        if (fd >= 0)
            (void)tcsetattr(fd, TCSANOW, &g_saved);
    }
    int wr = g_pipe_wr;
    if (wr >= 0) {
        unsigned char b = (unsigned char)sig;
        (void)!write(wr, &b, 1); /* a full pipe already holds a wake-up */
    }
    errno = saved_errno;
}

static int install_handlers(struct tty_session *s, bool tty)
{
    /* signals_catch installs without SA_RESTART: a blocking write to a stuck
     * output returns EINTR, so the pump notices the signal.  What it saved
     * comes back in tty_session_end() even if an install here fails. */
    static const int winch[] = {SIGWINCH};
    static const int ending[] = {SIGINT, SIGTERM, SIGHUP};
    static const int pipe_sig[] = {SIGPIPE};
    int r = tty ? signals_catch(&s->signals, winch, ARRAY_SIZE(winch), on_signal) : 0;
    if (r >= 0)
        r = signals_catch(&s->signals, ending, ARRAY_SIZE(ending), on_signal);
    if (r >= 0)
        r = signals_catch(&s->signals, pipe_sig, ARRAY_SIZE(pipe_sig), SIG_IGN);
    return r;
}

static int enter_raw(struct tty_session *s, int fd, struct ags_error *err)
{
    if (tcgetattr(fd, &s->saved) < 0)
        return ags_error_set(err, -errno, "cannot read the terminal settings: %m");
    struct termios raw = s->saved;
    cfmakeraw(&raw);
    g_saved = s->saved;
    g_raw_fd = fd;
    s->in_fd = fd;
    if (tcsetattr(fd, TCSANOW, &raw) < 0) {
        int e = -errno;
        g_raw_fd = -1;
        s->in_fd = -1;
        return ags_error_set(err, e, "cannot put the terminal in raw mode: %s", strerror(-e));
    }
    return 0;
}

int tty_session_begin(struct tty_session *s, int in_fd, bool tty, struct ags_error *err)
{
    if (g_active)
        return ags_error_set(err, -EBUSY, "another attached run is active in this process");
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    *s = (struct tty_session){.active = true, .in_fd = -1, .sig_rd = p[0], .sig_wr = p[1]};
    g_active = true;
    g_interrupt = 0;
    g_pipe_wr = p[1];
    int r = install_handlers(s, tty);
    if (r < 0) {
        tty_session_end(s);
        return ags_error_set(err, r, "cannot install signal handlers: %s", strerror(-r));
    }
    if (tty && in_fd >= 0 && isatty(in_fd)) {
        r = enter_raw(s, in_fd, err);
        if (r < 0) {
            tty_session_end(s);
            return r;
        }
    }
    return 0;
}

void tty_session_restore_tty(struct tty_session *s)
{
    if (s->in_fd < 0)
        return;
    g_raw_fd = -1;
    /* TCSADRAIN: output already written to the terminal still shows raw. */
    while (tcsetattr(s->in_fd, TCSADRAIN, &s->saved) < 0 && errno == EINTR)
        ;
    s->in_fd = -1;
}

void tty_session_end(struct tty_session *s)
{
    if (!s->active)
        return;
    tty_session_restore_tty(s);
    signals_restore(&s->signals);
    g_pipe_wr = -1;
    (void)close(s->sig_rd);
    (void)close(s->sig_wr);
    s->sig_rd = s->sig_wr = -1;
    s->active = false;
    g_active = false;
}

int tty_session_poll_signals(struct tty_session *s, bool *ret_winch)
{
    unsigned char buf[64];
    ssize_t n;
    *ret_winch = false;
    while ((n = read(s->sig_rd, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] == SIGWINCH)
                *ret_winch = true;
    return g_interrupt;
}

int tty_session_interrupted(void)
{
    return g_interrupt;
}

int tty_session_last_interrupt(void)
{
    return g_active ? 0 : g_interrupt;
}

int tty_term_size(int out_fd, int in_fd, unsigned *ret_rows, unsigned *ret_cols)
{
    const int fds[2] = {out_fd, in_fd};
    for (size_t i = 0; i < 2; i++) {
        struct winsize ws = {0};
        if (fds[i] >= 0 && ioctl(fds[i], TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
            *ret_rows = ws.ws_row;
            *ret_cols = ws.ws_col;
            return 0;
        }
    }
    return -ENOTTY;
}
