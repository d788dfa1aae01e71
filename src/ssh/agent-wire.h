/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The ssh-agent wire encoding (draft-miller-ssh-agent section 3, RFC 4251
 * section 5): big-endian uint32, byte, and string = uint32 length + bytes.
 * Reading goes through a cursor that never reads past what is left: every
 * length is compared with the bytes remaining before it is used, so a
 * hostile length can neither overrun the buffer nor overflow a size_t.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"
#include "base/strbuf.h"

/* A view into a message body; never owns its bytes. */
struct agent_str {
    const uint8_t *p;
    size_t len;
};

struct agent_cursor {
    const uint8_t *p;
    size_t left;
};

static inline struct agent_cursor agent_cursor_of(const void *p, size_t n)
{
    return (struct agent_cursor){.p = p, .left = n};
}

/* Each returns 0, or -EBADMSG when the bytes end too early (cursor unchanged). */
int agent_get_u8(struct agent_cursor *c, uint8_t *v) _warn_unused_;
int agent_get_u32(struct agent_cursor *c, uint32_t *v) _warn_unused_;
int agent_get_bytes(struct agent_cursor *c, size_t n, struct agent_str *s) _warn_unused_;
int agent_get_string(struct agent_cursor *c, struct agent_str *s) _warn_unused_;

/* Exactly the bytes of the C string lit (no terminator on the wire). */
bool agent_str_is(struct agent_str s, const char *lit);
bool agent_str_equal(struct agent_str a, struct agent_str b);
/* The string holds a NUL byte (a name that C would read shorter than it is). */
bool agent_str_has_nul(struct agent_str s);

/* Appending to a bounded strbuf: -E2BIG past its max (as strbuf_append). */
int agent_put_u8(struct strbuf *out, uint8_t v) _warn_unused_;
int agent_put_u32(struct strbuf *out, uint32_t v) _warn_unused_;
int agent_put_string(struct strbuf *out, const void *p, size_t n) _warn_unused_;
