/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/agent-wire.h"

#include <errno.h>
#include <string.h>

#include "base/banned.h"

int agent_get_bytes(struct agent_cursor *c, size_t n, struct agent_str *s)
{
    if (n > c->left)
        return -EBADMSG;
    *s = (struct agent_str){.p = c->p, .len = n};
    c->p += n;
    c->left -= n;
    return 0;
}

int agent_get_u8(struct agent_cursor *c, uint8_t *v)
{
    struct agent_str s;
    int r = agent_get_bytes(c, 1, &s);
    if (r < 0)
        return r;
    *v = s.p[0];
    return 0;
}

int agent_get_u32(struct agent_cursor *c, uint32_t *v)
{
    struct agent_str s;
    int r = agent_get_bytes(c, 4, &s);
    if (r < 0)
        return r;
    *v = (uint32_t)s.p[0] << 24 | (uint32_t)s.p[1] << 16 | (uint32_t)s.p[2] << 8 | s.p[3];
    return 0;
}

int agent_get_string(struct agent_cursor *c, struct agent_str *s)
{
    struct agent_cursor save = *c;
    uint32_t len;
    int r = agent_get_u32(c, &len);
    if (r >= 0)
        r = agent_get_bytes(c, len, s);
    if (r < 0)
        *c = save;
    return r;
}

bool agent_str_is(struct agent_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

bool agent_str_equal(struct agent_str a, struct agent_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool agent_str_has_nul(struct agent_str s)
{
    return s.len > 0 && memchr(s.p, '\0', s.len) != NULL;
}

int agent_put_u8(struct strbuf *out, uint8_t v)
{
    return strbuf_append(out, (const char *)&v, 1);
}

int agent_put_u32(struct strbuf *out, uint32_t v)
{
    char b[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    return strbuf_append(out, b, sizeof(b));
}

int agent_put_string(struct strbuf *out, const void *p, size_t n)
{
    if (n > UINT32_MAX)
        return -E2BIG;
    size_t start = out->len;
    int r = agent_put_u32(out, (uint32_t)n);
    if (r >= 0)
        r = strbuf_append(out, p, n);
    if (r < 0 && out->buf) {
        out->len = start;
        out->buf[start] = '\0';
    }
    return r;
}
