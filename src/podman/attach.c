/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * podman_run_attached(): the `podman run -it` sequence on a created
 * container, as podman-remote 4.3 sends it (libpod-api.md section 6):
 * attach (hijacked, before start, so no output is lost; it also initialises
 * the container) -> resize (TTY, before start: the program starts at the
 * right size) -> start -> pump until the service closes -> the exit status
 * (inspect, else wait).
 * The container is not auto-removed: wait after the stream cannot race the
 * cleanup, and the caller removes it.
 */
#include "podman/podman.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "podman/client.h"
#include "podman/containers.h"
#include "podman/io.h"
#include "podman/query.h"
#include "podman/resource.h"
#include "base/ttysession.h"
#include "base/banned.h"

/* Inspect polls after the stream ended before falling back to wait. */
#define EXIT_POLLS   20
#define EXIT_POLL_NS 10000000L

struct attach_ctx {
    struct podman_client *c;
    const char *id;
};

/* A failed resize is not worth ending a session for (podman only logs it):
 * 409 once the container exited, for one. */
static void resize_container(void *userdata, unsigned rows, unsigned cols)
{
    const struct attach_ctx *a = userdata;
    int r = podman_container_resize(a->c, a->id, rows, cols, NULL);
    (void)r;
}

int podman_check_io(const struct podman_io *io, struct ags_error *err)
{
    if (!io || io->out_fd < 0 || (!io->tty && io->err_fd < 0))
        return ags_error_set(err, -EBADF, "an attached run needs output file descriptors");
    const struct output_filter *f[2] = {io->out_filter, io->err_filter};
    for (size_t i = 0; i < ARRAY_SIZE(f); i++)
        if (f[i] && (!f[i]->filter || f[i]->slack > OUTPUT_FILTER_SLACK_MAX))
            return ags_error_set(err, -EINVAL,
                                 "an output filter needs a function and at most %u bytes of slack",
                                 OUTPUT_FILTER_SLACK_MAX);
    return 0;
}

static int attach(struct podman_client *c, const char *id, const struct podman_io *io,
                  const char *detach_keys, struct podman_stream *ret, struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf q;
    strbuf_init(&q, 256);
    if (podman_query_add_bool(&q, "stream", true) < 0 ||
        podman_query_add_bool(&q, "stdin", io->in_fd >= 0) < 0 ||
        podman_query_add_bool(&q, "stdout", true) < 0 ||
        podman_query_add_bool(&q, "stderr", true) < 0 ||
        podman_query_add(&q, "detachKeys", detach_keys) < 0)
        return ags_error_set(err, -E2BIG, "attach: query too long");
    _cleanup_free_ char *path = NULL;
    int r = podman_name_path("/containers", "container", id, "/attach", &path, err);
    if (r < 0)
        return r;
    r = podman_hijack(&c->ep, path, q.buf, NULL, ret, err);
    if (r < 0)
        return podman_prefix_error(err, r, "attach");
    return 0;
}

/*
 * The exit status once the stream ended.  Right then the container is
 * usually "stopped" with its exit code known (conmon's exit file), while
 * wait first sits out the cleanup (about 250 ms here, most of a short run):
 * so inspect a few times, and wait only if it is not final by then.  After
 * the detach keys a still running container means the user detached.
 */
static int exit_status(struct podman_client *c, const char *id, bool detach, int *ret_code,
                       struct ags_error *err)
{
    for (int i = 0; i < EXIT_POLLS; i++) {
        struct podman_ctr_state st;
        if (podman_container_state(c, id, &st, NULL) < 0)
            break;
        if (st.finished) {
            *ret_code = st.exit_code;
            return 0;
        }
        if (detach && st.running)
            return PODMAN_DETACHED;
        struct timespec ts = {.tv_nsec = EXIT_POLL_NS};
        (void)nanosleep(&ts, NULL);
    }
    int r = podman_container_wait(c, id, ret_code, err);
    if (r == -ENOENT) { /* removed from outside (ags stop, podman rm -f): it was killed */
        ags_error_clear(err);
        *ret_code = 128 + SIGKILL;
        return 0;
    }
    return r;
}

int podman_run_attached(struct podman_client *c, const char *id, const struct podman_io *io,
                        const struct podman_attach_opts *aopts, int *ret_exit_code,
                        struct ags_error *err)
{
    int r = podman_check_io(io, err);
    if (r < 0)
        return r;
    _cleanup_(tty_session_end) struct tty_session session = TTY_SESSION_INIT;
    r = tty_session_begin(&session, io->in_fd, io->tty, err);
    if (r < 0)
        return r;
    _cleanup_(podman_stream_done) struct podman_stream stream = {.fd = -1};
    const char *detach_keys = podman_detach_keys(io, aopts);
    r = attach(c, id, io, detach_keys, &stream, err);
    if (r < 0)
        return r;
    unsigned rows, cols;
    struct attach_ctx ctx = {.c = c, .id = id};
    if (io->tty && tty_term_size(io->out_fd, io->in_fd, &rows, &cols) == 0)
        resize_container(&ctx, rows, cols);
    r = podman_container_start(c, id, err);
    if (aopts && aopts->on_started)
        aopts->on_started(aopts->userdata);
    if (r < 0)
        return r;
    bool detach = false;
    r = podman_pump_stream(&stream, io, detach_keys[0] != '\0', &session, resize_container, &ctx,
                           &detach, err);
    if (r < 0)
        return r;
    return exit_status(c, id, detach, ret_exit_code, err);
}

int podman_interrupt_signal(void)
{
    return tty_session_last_interrupt();
}
