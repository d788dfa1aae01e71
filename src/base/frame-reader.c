/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/frame-reader.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

void frame_reader_init(struct frame_reader *r, uint32_t max, const char *what)
{
    *r = (struct frame_reader){.max = max, .what = what};
}

void frame_reader_done(struct frame_reader *r)
{
    free(r->body);
    frame_reader_init(r, r->max, r->what);
}

void frame_reader_next(struct frame_reader *r)
{
    r->hdr_len = 0;
    r->want = 0;
    r->have = 0;
    r->ready = false;
}

bool frame_reader_partial(const struct frame_reader *r)
{
    return !r->ready && r->hdr_len > 0;
}

const uint8_t *frame_reader_body(const struct frame_reader *r, size_t *len)
{
    *len = r->ready ? r->have : 0;
    return r->ready ? r->body : NULL;
}

static int take_length(struct frame_reader *r, struct ags_error *err)
{
    r->want = (uint32_t)r->hdr[0] << 24 | (uint32_t)r->hdr[1] << 16 | (uint32_t)r->hdr[2] << 8 |
              r->hdr[3];
    if (r->want == 0)
        return ags_error_set(err, -EBADMSG, "%s of length 0", r->what);
    if (r->want > r->max)
        return ags_error_set(err, -EMSGSIZE, "%s of %u bytes (more than the %u allowed)", r->what,
                             r->want, r->max);
    return 0;
}

int frame_reader_feed(struct frame_reader *r, const void *p, size_t n, size_t *used,
                      struct ags_error *err)
{
    const uint8_t *in = p;
    size_t off = 0;
    *used = 0;
    if (r->ready)
        return 1;
    while (r->hdr_len < sizeof(r->hdr) && off < n) {
        r->hdr[r->hdr_len++] = in[off++];
        if (r->hdr_len == sizeof(r->hdr)) {
            int rc = take_length(r, err);
            if (rc < 0) {
                *used = off;
                return rc;
            }
        }
    }
    if (r->hdr_len == sizeof(r->hdr)) {
        size_t take = n - off;
        if (take > r->want - r->have)
            take = r->want - r->have;
        if (take > 0) {
            r->body = xgrow(r->body, &r->cap, r->have + take, 1);
            memcpy(r->body + r->have, in + off, take);
            r->have += take;
            off += take;
        }
        r->ready = r->have == r->want;
    }
    *used = off;
    return r->ready ? 1 : 0;
}
