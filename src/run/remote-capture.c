/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The export a remote git sandbox sends at the end of its stdout
 * (run/remote.h, remote-export.c's main process): taken out of the stream
 * on its way to the terminal, into a private file.  What came is as
 * untrusted as any export (remote-host.c checks it the same way); the
 * frame only saves the archive GET of the exited sandbox.  Anything odd
 * (no frame, a broken one, output after it) leaves the GET and the helper
 * to do it as before.
 */
#include "run/remote.h"

#include <errno.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/macro.h"
#include "base/banned.h"

static int to_file(void *userdata, bool start, const unsigned char *p, size_t n)
{
    struct run_export_capture *c = userdata;
    if (start)
        return ftruncate(c->fd, 0) < 0 || lseek(c->fd, 0, SEEK_SET) < 0 ? -errno : 0;
    return write_all(c->fd, p, n);
}

static size_t capture_filter(void *state, const char *in, size_t n, char *out)
{
    struct run_export_capture *c = state;
    if (!c->inner)
        return inband_feed(&c->band, in, n, out);
    if (c->scratch_cap < n + INBAND_SLACK) {
        c->scratch_cap = n + INBAND_SLACK;
        c->scratch = xrealloc(c->scratch, c->scratch_cap);
    }
    size_t k = inband_feed(&c->band, in, n, c->scratch);
    return c->inner->filter(c->inner->state, c->scratch, k, out);
}

int run_export_capture_begin(struct run_export_capture *c, uint64_t max, struct ags_error *err)
{
    *c = (struct run_export_capture){.fd = -EBADF};
    int r = run_remote_export_file(&c->fd, err);
    if (r < 0)
        return r;
    inband_init(&c->band, RUN_EXPORT_FRAME_TAG, max, to_file, c);
    return 0;
}

const struct output_filter *run_export_capture_filter(struct run_export_capture *c,
                                                      const struct output_filter *inner)
{
    c->inner = inner;
    c->hook = (struct output_filter){
            .filter = capture_filter,
            .state = c,
            .slack = INBAND_SLACK + (inner ? inner->slack : 0),
    };
    return &c->hook;
}

void run_export_capture_end(struct run_export_capture *c, int out_fd)
{
    char held[INBAND_SLACK];
    size_t k = inband_finish(&c->band, held);
    if (!k)
        return;
    int r;
    if (c->inner) {
        _cleanup_free_ char *out = xmalloc(k + c->inner->slack);
        r = write_all(out_fd, out, c->inner->filter(c->inner->state, held, k, out));
    } else {
        r = write_all(out_fd, held, k);
    }
    (void)r; /* an output that is gone takes nothing more */
}

int run_export_capture_take(struct run_export_capture *c, int *ret_fd)
{
    uint64_t len = 0;
    if (c->fd < 0 || !inband_result(&c->band, &len))
        return -ENOENT;
    if (len == 0)
        return 0;
    if (lseek(c->fd, 0, SEEK_SET) < 0)
        return -ENOENT;
    *ret_fd = c->fd;
    c->fd = -EBADF;
    return 1;
}

void run_export_capture_done(struct run_export_capture *c)
{
    if (c->fd >= 0)
        (void)close(c->fd);
    c->fd = -EBADF;
    free(c->scratch);
    c->scratch = NULL;
}
