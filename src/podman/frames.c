/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/frames.h"

#include <string.h>

#include "base/banned.h"

void podman_demux_init(struct podman_demux *d)
{
    *d = (struct podman_demux){0};
}

/* Keeps the text of a stream-3 frame, bounded, on one line: white space
 * becomes ' ', other control bytes '?'. */
static void errmsg_add(struct podman_demux *d, const char *p, size_t n)
{
    for (size_t i = 0; i < n && d->errmsg_len + 1 < sizeof(d->errmsg); i++) {
        unsigned char ch = (unsigned char)p[i];
        char out = (char)ch;
        if (ch == '\n' || ch == '\r' || ch == '\t')
            out = ' ';
        else if (ch < 0x20 || ch == 0x7f)
            out = '?';
        d->errmsg[d->errmsg_len++] = out;
    }
    d->errmsg[d->errmsg_len] = '\0';
}

static int header_done(struct podman_demux *d, struct ags_error *err)
{
    const uint8_t *h = d->hdr;
    uint64_t at = d->offset - PODMAN_FRAME_HEADER_LEN;
    if (h[0] > PODMAN_STREAM_ERROR || h[1] || h[2] || h[3])
        return ags_error_set(err, -EPROTO,
                             "malformed stream from Podman at byte %llu: frame header "
                             "%02x %02x %02x %02x",
                             (unsigned long long)at, h[0], h[1], h[2], h[3]);
    uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
    if (len > PODMAN_FRAME_MAX)
        return ags_error_set(err, -EFBIG,
                             "malformed stream from Podman at byte %llu: a frame of %u bytes "
                             "(at most %u expected)",
                             (unsigned long long)at, len, PODMAN_FRAME_MAX);
    d->stream = h[0];
    d->left = len;
    d->in_payload = true;
    d->hdr_len = 0;
    if (d->stream == PODMAN_STREAM_ERROR)
        d->errmsg_len = 0;
    return 0;
}

static int frame_done(struct podman_demux *d, struct ags_error *err)
{
    d->in_payload = false;
    if (d->stream != PODMAN_STREAM_ERROR)
        return 0;
    /* Trailing newlines of "Error: ...\n" do not belong in a one-line message. */
    while (d->errmsg_len && d->errmsg[d->errmsg_len - 1] == ' ')
        d->errmsg[--d->errmsg_len] = '\0';
    return ags_error_set(err, -EIO, "Podman: %s", d->errmsg_len ? d->errmsg : "unknown error");
}

int podman_demux_feed(struct podman_demux *d, const char *p, size_t n, podman_demux_fn fn,
                      void *userdata, struct ags_error *err)
{
    while (n > 0) {
        if (!d->in_payload) {
            size_t take = PODMAN_FRAME_HEADER_LEN - d->hdr_len;
            take = take < n ? take : n;
            memcpy(d->hdr + d->hdr_len, p, take);
            d->hdr_len += take;
            d->offset += take;
            p += take;
            n -= take;
            if (d->hdr_len < PODMAN_FRAME_HEADER_LEN)
                return 0;
            int r = header_done(d, err);
            if (r < 0)
                return r;
        } else {
            size_t take = d->left < n ? d->left : n;
            if (d->stream == PODMAN_STREAM_ERROR) {
                errmsg_add(d, p, take);
            } else if (take > 0) {
                int r = fn(userdata, (enum podman_stream_id)d->stream, p, take);
                if (r < 0)
                    return r;
            }
            d->left -= (uint32_t)take;
            d->offset += take;
            p += take;
            n -= take;
        }
        if (d->in_payload && d->left == 0) {
            int r = frame_done(d, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

int podman_demux_finish(const struct podman_demux *d, struct ags_error *err)
{
    if (d->hdr_len == 0 && !d->in_payload)
        return 0;
    if (d->in_payload)
        return ags_error_set(err, -EPROTO,
                             "the stream from Podman ended inside a frame (%u payload bytes "
                             "missing)",
                             d->left);
    return ags_error_set(err, -EPROTO,
                         "the stream from Podman ended inside a frame header (%zu of 8 bytes)",
                         d->hdr_len);
}
