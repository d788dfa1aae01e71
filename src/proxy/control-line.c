/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control socket's lines (control-line.h): parsed and formatted, nothing else. */
#include "proxy/control-line.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

/* The ERROR text the server sends: static texts of its own, kept short. */
#define ERROR_TEXT_MAX 200u

struct field {
    const char *p;
    size_t len;
};

static bool visible(const char *p, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x21 || p[i] > 0x7e)
            return false;
    return true;
}

/* Printable ASCII, spaces included (an ERROR's text). */
static bool printable(const char *p, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    return true;
}

static bool field_is(struct field f, const char *word)
{
    return f.len == strlen(word) && memcmp(f.p, word, f.len) == 0;
}

/* Splits line at single spaces into at most max fields: the count, or -1 for more fields,
 * an empty one (two spaces, a leading or trailing space). */
static int split(const char *p, size_t len, struct field *f, int max)
{
    int n = 0;
    for (size_t start = 0;;) {
        const char *sp = memchr(p + start, ' ', len - start);
        size_t end = sp ? (size_t)(sp - p) : len;
        if (end == start || n == max)
            return -1;
        f[n++] = (struct field){.p = p + start, .len = end - start};
        if (!sp)
            return n;
        start = end + 1;
    }
}

int proxy_control_parse_request(const char *line, size_t len, struct proxy_control_request *req,
                                const char **why)
{
    *req = (struct proxy_control_request){0};
    if (len >= PROXY_CONTROL_LINE_MAX && (len > PROXY_CONTROL_LINE_MAX || line[len - 1] != '\n')) {
        *why = "the request line is too long";
        return -EBADMSG;
    }
    if (len == 0 || line[len - 1] != '\n' || memchr(line, '\n', len - 1)) {
        *why = "a request is one line ending in a newline";
        return -EBADMSG;
    }
    struct field f[3];
    int n = split(line, len - 1, f, 3);
    for (int i = 0; i < n; i++)
        if (!visible(f[i].p, f[i].len, len)) {
            n = -1;
            break;
        }
    if (n == 1 && field_is(f[0], "LIST")) {
        req->verb = PROXY_CONTROL_LIST;
        return 0;
    }
    if (n == 2 && (field_is(f[0], "ALLOW") || field_is(f[0], "DENY"))) {
        if (f[1].len != PROXY_ID_LEN) {
            *why = "an id is 12 lowercase hex characters";
            return -EBADMSG;
        }
        memcpy(req->id, f[1].p, PROXY_ID_LEN);
        req->id[PROXY_ID_LEN] = '\0';
        if (!proxy_id_valid(req->id)) {
            *why = "an id is 12 lowercase hex characters";
            return -EBADMSG;
        }
        req->verb = field_is(f[0], "ALLOW") ? PROXY_CONTROL_ALLOW : PROXY_CONTROL_DENY;
        return 0;
    }
    *why = "unknown request (LIST, ALLOW ID or DENY ID)";
    return -EBADMSG;
}

/* ---- answers ---- */

int proxy_control_format_listing(struct strbuf *out, const struct proxy_listing *l)
{
    size_t start = out->len;
    int r = 0;
    if (l->has_pending) {
        const struct proxy_pending *p = &l->pending;
        if (!proxy_id_valid(p->id) || !visible(p->host, strlen(p->host), AGS_PROXY_MAX_HOST + 2) ||
            !visible(p->url, strlen(p->url), AGS_PROXY_MAX_URL))
            return -EINVAL;
        r = strbuf_appendf(out, "PENDING %s %u %s %s\n", p->id, (unsigned)p->relay_port, p->host,
                           p->url);
    }
    for (size_t i = 0; r == 0 && i < l->n_relays; i++)
        r = strbuf_appendf(out, "RELAY %u\n", (unsigned)l->relays[i]);
    if (r == 0)
        r = strbuf_appends(out, "END\n");
    if (r < 0)
        out->len = start;
    return r;
}

int proxy_control_format_verdict(struct strbuf *out, bool known)
{
    return strbuf_appends(out, known ? "OK\nEND\n" : "UNKNOWN\nEND\n");
}

int proxy_control_format_error(struct strbuf *out, const char *why)
{
    if (!printable(why, strlen(why), ERROR_TEXT_MAX))
        why = "refused";
    return strbuf_appendf(out, "ERROR %s\nEND\n", why);
}

/* ---- reading answers ---- */

struct lines {
    const char *p, *end;
};

/* The next line without its "\n": 1, 0 at the end, -EBADMSG for a last line with no "\n". */
static int next_line(struct lines *ls, struct field *line)
{
    if (ls->p == ls->end)
        return 0;
    const char *nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
    if (!nl)
        return -EBADMSG;
    *line = (struct field){.p = ls->p, .len = (size_t)(nl - ls->p)};
    ls->p = nl + 1;
    return 1;
}

/* A port of 1..5 digits, no leading zero but 0 itself, at most 65535. */
static int parse_port(struct field f, uint16_t *port)
{
    if (f.len == 0 || f.len > 5 || (f.len > 1 && f.p[0] == '0'))
        return -EBADMSG;
    unsigned v = 0;
    for (size_t i = 0; i < f.len; i++) {
        if (f.p[i] < '0' || f.p[i] > '9')
            return -EBADMSG;
        v = v * 10 + (unsigned)(f.p[i] - '0');
    }
    if (v > 65535)
        return -EBADMSG;
    *port = (uint16_t)v;
    return 0;
}

static int bad(struct ags_error *err, const char *what)
{
    return ags_error_set(err, -EBADMSG, "the auth proxy's answer does not parse: %s", what);
}

/* "ERROR text" followed by END and nothing else: -EPROTO with the text. */
static int error_answer(struct lines *ls, struct field line, struct ags_error *err)
{
    struct field text = {.p = line.p + 6, .len = line.len - 6};
    struct field end;
    if (!printable(text.p, text.len, ERROR_TEXT_MAX) || next_line(ls, &end) != 1 ||
        !field_is(end, "END") || ls->p != ls->end)
        return bad(err, "a malformed ERROR");
    return ags_error_set(err, -EPROTO, "the auth proxy refused the request: %.*s", (int)text.len,
                         text.p);
}

static bool is_error_line(struct field line)
{
    return line.len > 6 && memcmp(line.p, "ERROR ", 6) == 0;
}

static int pending_line(struct field line, struct proxy_pending *p, struct ags_error *err)
{
    struct field f[5];
    if (split(line.p, line.len, f, 5) != 5 || f[1].len != PROXY_ID_LEN)
        return bad(err, "a malformed PENDING line");
    memcpy(p->id, f[1].p, PROXY_ID_LEN);
    p->id[PROXY_ID_LEN] = '\0';
    if (!proxy_id_valid(p->id) || parse_port(f[2], &p->relay_port) < 0 ||
        !visible(f[3].p, f[3].len, AGS_PROXY_MAX_HOST + 2) ||
        !visible(f[4].p, f[4].len, AGS_PROXY_MAX_URL))
        return bad(err, "a malformed PENDING line");
    p->host = xstrndup(f[3].p, f[3].len);
    p->url = xstrndup(f[4].p, f[4].len);
    return 0;
}

static int relay_line(struct field line, struct proxy_listing *l, struct ags_error *err)
{
    struct field f[2];
    uint16_t port;
    if (split(line.p, line.len, f, 2) != 2 || parse_port(f[1], &port) < 0 || port == 0)
        return bad(err, "a malformed RELAY line");
    if (l->n_relays == ARRAY_SIZE(l->relays))
        return bad(err, "more relays than a listing holds");
    l->relays[l->n_relays++] = port;
    return 0;
}

static int listing_lines(struct lines *ls, struct proxy_listing *l, struct ags_error *err)
{
    struct field line;
    for (bool first = true;; first = false) {
        int r = next_line(ls, &line);
        if (r <= 0)
            return bad(err, "no END");
        if (first && is_error_line(line))
            return error_answer(ls, line, err);
        if (field_is(line, "END"))
            return ls->p == ls->end ? 0 : bad(err, "bytes after END");
        if (line.len > 8 && memcmp(line.p, "PENDING ", 8) == 0) {
            /* At most one, and before the relays. */
            if (!first)
                return bad(err, "a PENDING line out of place");
            r = pending_line(line, &l->pending, err);
            l->has_pending = r == 0;
        } else if (line.len > 6 && memcmp(line.p, "RELAY ", 6) == 0) {
            r = relay_line(line, l, err);
        } else {
            r = bad(err, "an unknown line");
        }
        if (r < 0)
            return r;
    }
}

int proxy_control_parse_listing(const char *buf, size_t len, struct proxy_listing *l,
                                struct ags_error *err)
{
    *l = (struct proxy_listing){0};
    struct lines ls = {.p = buf, .end = buf + len};
    int r = listing_lines(&ls, l, err);
    if (r < 0)
        proxy_listing_done(l);
    return r;
}

int proxy_control_parse_verdict(const char *buf, size_t len, struct ags_error *err)
{
    struct lines ls = {.p = buf, .end = buf + len};
    struct field line, end;
    if (next_line(&ls, &line) != 1)
        return bad(err, "no answer line");
    if (is_error_line(line))
        return error_answer(&ls, line, err);
    bool ok = field_is(line, "OK");
    if ((!ok && !field_is(line, "UNKNOWN")) || next_line(&ls, &end) != 1 || !field_is(end, "END") ||
        ls.p != ls.end)
        return bad(err, "not OK, UNKNOWN or ERROR, then END");
    return ok ? 1 : 0;
}

void proxy_listing_done(struct proxy_listing *l)
{
    free(l->pending.host);
    free(l->pending.url);
    *l = (struct proxy_listing){0};
}
