/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The poll loop between the caller's fds and a hijacked attach/exec stream. */
#include "podman/io.h"

#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "podman/frames.h"
#include "base/banned.h"

#define PUMP_IN_BUF  (16u * 1024u)
#define PUMP_OUT_BUF (64u * 1024u)
#define KEY_CTRL_P   0x10
#define KEY_CTRL_Q   0x11

struct pump {
    const struct podman_pump *p;
    struct ags_error *err;
    struct podman_demux demux;
    char in[PUMP_IN_BUF];
    size_t in_len, in_off;
    char out[PUMP_OUT_BUF];
    char *filtered; /* PUMP_OUT_BUF + the largest slack, with an output filter */
    uint64_t out_total; /* stdout bytes so far (podman_io.out_max) */
    bool in_open;   /* still reading in_fd */
    bool in_eof;    /* in_fd reached its end */
    bool wr_open;   /* the write side of the socket is open */
    int detach;     /* 0, 1 after a lone ctrl-p, 2 after ctrl-p then a lone ctrl-q */
};

const char *podman_detach_keys(const struct podman_io *io, const struct podman_attach_opts *aopts)
{
    return io->tty && aopts && aopts->detach_keys ? "ctrl-p,ctrl-q" : "";
}

static int interrupted(struct pump *s)
{
    int sig = tty_session_interrupted();
    const char *name = sig ? sigabbrev_np(sig) : NULL;
    return ags_error_set(s->err, -EINTR, "interrupted by SIG%s", name ? name : "?");
}

/* Waits until fd takes output (or a signal arrives): for non-blocking outputs. */
static int wait_writable(struct pump *s, int fd)
{
    struct pollfd fds[2] = {{.fd = fd, .events = POLLOUT},
                            {.fd = s->p->session->sig_rd, .events = POLLIN}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR)
        return ags_error_set(s->err, -errno, "poll: %m");
    return 0;
}

/* Writes all of p to fd: partial writes, EINTR and EAGAIN handled. */
static int write_out(struct pump *s, int fd, const char *p, size_t n)
{
    while (n > 0) {
        if (tty_session_interrupted())
            return interrupted(s);
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN)) {
            int r = wait_writable(s, fd);
            if (r < 0)
                return r;
            continue;
        }
        if (w < 0)
            return ags_error_set(s->err, -errno, "writing the container's output: %m");
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes p through the output filter f (if any), in pieces that fit its buffer. */
static int write_filtered(struct pump *s, int fd, const struct output_filter *f,
                          const char *p, size_t n)
{
    if (!f)
        return write_out(s, fd, p, n);
    while (n > 0) {
        size_t len = n < PUMP_OUT_BUF ? n : PUMP_OUT_BUF;
        size_t k = f->filter(f->state, p, len, s->filtered);
        int r = write_out(s, fd, s->filtered, k);
        if (r < 0)
            return r;
        p += len;
        n -= len;
    }
    return 0;
}

static int on_frame(void *userdata, enum podman_stream_id stream, const char *p, size_t n)
{
    struct pump *s = userdata;
    const struct podman_io *io = s->p->io;
    if (stream == PODMAN_STREAM_STDERR)
        return write_filtered(s, io->err_fd, io->err_filter, p, n);
    s->out_total += n;
    if (io->out_max && s->out_total > io->out_max)
        return ags_error_set(s->err, -EFBIG, "the container's output exceeds %" PRIu64 " bytes",
                             io->out_max);
    return write_filtered(s, io->out_fd, io->out_filter, p, n);
}

static int deliver(struct pump *s, const char *p, size_t n)
{
    if (s->p->io->tty)
        return write_filtered(s, s->p->io->out_fd, s->p->io->out_filter, p, n);
    return podman_demux_feed(&s->demux, p, n, on_frame, s, s->err);
}

/* The filters' output buffer: checked slack (podman_check_io), one buffer. */
static char *filter_buffer(const struct podman_io *io)
{
    size_t slack = 0;
    if (io->out_filter)
        slack = io->out_filter->slack;
    if (io->err_filter && io->err_filter->slack > slack)
        slack = io->err_filter->slack;
    return io->out_filter || io->err_filter ? xmalloc(PUMP_OUT_BUF + slack) : NULL;
}

/* Returns 1 at the end of the stream. */
static int recv_output(struct pump *s)
{
    ssize_t n = recv(s->p->sock, s->out, sizeof(s->out), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    /* A reset after the service hung up ends the stream like a close; a
     * truncated frame is still caught by podman_demux_finish(). */
    if (n == 0 || (n < 0 && errno == ECONNRESET))
        return 1;
    if (n < 0)
        return ags_error_set(s->err, -errno, "reading the container's stream: %m");
    return deliver(s, s->out, (size_t)n);
}

static void track_detach(struct pump *s, ssize_t n)
{
    if (!s->p->detach_keys || n != 1)
        s->detach = 0;
    else if (s->in[0] == KEY_CTRL_P)
        s->detach = 1;
    else
        s->detach = s->detach == 1 && s->in[0] == KEY_CTRL_Q ? 2 : 0;
}

static void read_stdin(struct pump *s)
{
    ssize_t n = read(s->p->io->in_fd, s->in, sizeof(s->in));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        /* EOF, or an error (EIO: the terminal hung up): no more input. */
        s->in_open = false;
        s->in_eof = true;
        return;
    }
    s->in_len = (size_t)n;
    s->in_off = 0;
    track_detach(s, n);
}

static void send_stdin(struct pump *s)
{
    ssize_t w =
            send(s->p->sock, s->in + s->in_off, s->in_len - s->in_off, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (w < 0) {
        /* The service stopped reading (the process exited): keep the output. */
        s->wr_open = false;
        s->in_open = false;
        s->in_off = s->in_len = 0;
        return;
    }
    s->in_off += (size_t)w;
    if (s->in_off == s->in_len)
        s->in_off = s->in_len = 0;
}

/* Non-TTY: stdin's EOF becomes a half-close, which the service turns into
 * EOF on the process's stdin; output keeps flowing.  A TTY has no such EOF
 * (a half-close does not reach the process): TTY input just stops. */
static void maybe_half_close(struct pump *s)
{
    if (s->p->io->tty || !s->in_eof || !s->wr_open || s->in_len)
        return;
    (void)shutdown(s->p->sock, SHUT_WR);
    s->wr_open = false;
}

static int handle_signals(struct pump *s)
{
    bool winch = false;
    if (tty_session_poll_signals(s->p->session, &winch))
        return interrupted(s);
    unsigned rows, cols;
    if (winch && s->p->resize && tty_term_size(s->p->io->out_fd, s->p->io->in_fd, &rows, &cols) == 0)
        s->p->resize(s->p->userdata, rows, cols);
    return 0;
}

enum { FD_SIG, FD_SOCK, FD_IN };

static int pump_step(struct pump *s)
{
    struct pollfd fds[3] = {
            [FD_SIG] = {.fd = s->p->session->sig_rd, .events = POLLIN},
            [FD_SOCK] = {.fd = s->p->sock, .events = POLLIN},
            [FD_IN] = {.fd = -1},
    };
    if (s->in_len && s->wr_open)
        fds[FD_SOCK].events |= POLLOUT;
    if (s->in_open && !s->in_len)
        fds[FD_IN] = (struct pollfd){.fd = s->p->io->in_fd, .events = POLLIN};
    if (poll(fds, 3, -1) < 0)
        return errno == EINTR ? 0 : ags_error_set(s->err, -errno, "poll: %m");
    int r = 0;
    if (fds[FD_SIG].revents)
        r = handle_signals(s);
    if (r == 0 && (fds[FD_SOCK].revents & POLLOUT))
        send_stdin(s);
    if (r == 0 && (fds[FD_SOCK].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
        r = recv_output(s);
    if (r == 0 && fds[FD_IN].revents)
        read_stdin(s);
    maybe_half_close(s);
    return r;
}

int podman_pump_run(const struct podman_pump *p, bool *ret_detach, struct ags_error *err)
{
    /* ~80 KiB of buffers: on the heap, not the stack. */
    _cleanup_free_ struct pump *s = xcalloc(1, sizeof(*s));
    _cleanup_free_ char *filtered = filter_buffer(p->io);
    s->filtered = filtered;
    s->p = p;
    s->err = err;
    s->wr_open = true;
    podman_demux_init(&s->demux);
    s->in_open = p->stdin_attached && p->io->in_fd >= 0;
    int r = p->n_pending ? deliver(s, p->pending, p->n_pending) : 0;
    while (r == 0)
        r = pump_step(s);
    if (r > 0 && !p->io->tty)
        r = podman_demux_finish(&s->demux, err);
    else if (r > 0)
        r = 0;
    if (r == 0)
        *ret_detach = s->detach == 2;
    return r;
}

int podman_pump_stream(struct podman_stream *stream, const struct podman_io *io,
                       bool detach_keys, struct tty_session *session,
                       void (*resize)(void *userdata, unsigned rows, unsigned cols),
                       void *userdata, bool *ret_detach, struct ags_error *err)
{
    struct podman_pump pump = {
            .sock = stream->fd,
            .pending = stream->pending,
            .n_pending = stream->n_pending,
            .io = io,
            .stdin_attached = io->in_fd >= 0,
            .detach_keys = detach_keys,
            .session = session,
            .resize = resize,
            .userdata = userdata,
    };
    int r = podman_pump_run(&pump, ret_detach, err);
    tty_session_restore_tty(session);
    podman_stream_done(stream);
    return r;
}
