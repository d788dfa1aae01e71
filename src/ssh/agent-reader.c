/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame reader of agent-proto.h: base's, held to AGENT_MAX_MESSAGE. */
#include "ssh/agent-proto.h"

#include "base/banned.h"

void agent_reader_init(struct agent_reader *r)
{
    frame_reader_init(&r->f, AGENT_MAX_MESSAGE, "ssh-agent message");
}

void agent_reader_done(struct agent_reader *r)
{
    frame_reader_done(&r->f);
}

void agent_reader_next(struct agent_reader *r)
{
    /* The buffer is kept for the next message: a client sends many. */
    frame_reader_next(&r->f);
}

bool agent_reader_partial(const struct agent_reader *r)
{
    return frame_reader_partial(&r->f);
}

const uint8_t *agent_reader_body(const struct agent_reader *r, size_t *len)
{
    return frame_reader_body(&r->f, len);
}

int agent_reader_feed(struct agent_reader *r, const void *p, size_t n, size_t *used,
                      struct ags_error *err)
{
    return frame_reader_feed(&r->f, p, n, used, err);
}
