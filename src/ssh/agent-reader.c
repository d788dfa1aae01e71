/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The incremental frame reader of agent-proto.h. */
#include "ssh/agent-proto.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

void agent_reader_init(struct agent_reader *r)
{
    *r = (struct agent_reader){0};
}

void agent_reader_done(struct agent_reader *r)
{
    free(r->body);
    agent_reader_init(r);
}

void agent_reader_next(struct agent_reader *r)
{
    /* The buffer is kept for the next message: a client sends many. */
    r->hdr_len = 0;
    r->want = 0;
    r->have = 0;
    r->ready = false;
}

bool agent_reader_partial(const struct agent_reader *r)
{
    return !r->ready && r->hdr_len > 0;
}

const uint8_t *agent_reader_body(const struct agent_reader *r, size_t *len)
{
    *len = r->ready ? r->have : 0;
    return r->ready ? r->body : NULL;
}

/* The length is judged as soon as its 4 bytes are in, before any body byte is kept. */
static int take_length(struct agent_reader *r, struct ags_error *err)
{
    r->want = (uint32_t)r->hdr[0] << 24 | (uint32_t)r->hdr[1] << 16 | (uint32_t)r->hdr[2] << 8 |
              r->hdr[3];
    if (r->want == 0)
        return ags_error_set(err, -EBADMSG, "ssh-agent message of length 0");
    if (r->want > AGENT_MAX_MESSAGE)
        return ags_error_set(err, -EMSGSIZE,
                             "ssh-agent message of %u bytes (more than the %u allowed)", r->want,
                             AGENT_MAX_MESSAGE);
    return 0;
}

int agent_reader_feed(struct agent_reader *r, const void *p, size_t n, size_t *used,
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
