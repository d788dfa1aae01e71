/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parser of proto.h: every field bounded and checked, nothing read past the body. */
#include "proxy/proto.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "proxy/proto-internal.h"
#include "base/banned.h"

/* A cursor over one body: each take either consumes a whole field or fails. */
struct cursor {
    const uint8_t *p;
    size_t len, off;
    const char *field; /* the field that failed, for the message */
};

static bool take_u16(struct cursor *c, uint16_t *v, const char *field)
{
    c->field = field;
    if (c->len - c->off < 2)
        return false;
    *v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
    c->off += 2;
    return true;
}

static bool take_u32(struct cursor *c, uint32_t *v, const char *field)
{
    c->field = field;
    if (c->len - c->off < 4)
        return false;
    const uint8_t *b = c->p + c->off;
    *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    c->off += 4;
    return true;
}

/* A string of at most max bytes: a longer length fails before it is looked at. */
static bool take_str(struct cursor *c, struct proxy_str *s, size_t max, const char *field)
{
    uint32_t n;
    if (!take_u32(c, &n, field) || n > max || n > c->len - c->off)
        return false;
    *s = (struct proxy_str){.p = (const char *)c->p + c->off, .len = n};
    c->off += n;
    return true;
}

static bool take_headers(struct cursor *c, struct proxy_http *h)
{
    uint32_t n;
    if (!take_u32(c, &n, "header count") || n > AGS_PROXY_MAX_HEADERS)
        return false;
    /* Each header takes at least its two lengths: a count the body cannot hold fails
     * before anything is allocated. */
    if (n > (c->len - c->off) / 8)
        return false;
    h->headers = n ? xcalloc(n, sizeof(*h->headers)) : NULL;
    h->n_headers = n;
    for (uint32_t i = 0; i < n; i++)
        if (!take_str(c, &h->headers[i].name, AGS_PROXY_MAX_HEADER, "header name") ||
            !take_str(c, &h->headers[i].value, AGS_PROXY_MAX_HEADER, "header value"))
            return false;
    return true;
}

static bool take_request(struct cursor *c, struct proxy_msg *m)
{
    return take_u32(c, &m->id, "relay id") &&
           take_str(c, &m->http.method, AGS_PROXY_MAX_HEADER, "method") &&
           take_str(c, &m->http.target, AGS_PROXY_MAX_URL, "target") && take_headers(c, &m->http) &&
           take_str(c, &m->http.body, AGS_PROXY_MAX_BODY, "body");
}

static bool take_response(struct cursor *c, struct proxy_msg *m)
{
    return take_u32(c, &m->id, "relay id") && take_u16(c, &m->http.status, "status") &&
           take_headers(c, &m->http) && take_str(c, &m->http.body, AGS_PROXY_MAX_BODY, "body");
}

static bool take_fields(struct cursor *c, struct proxy_msg *m)
{
    switch (m->type) {
    case PROXY_OPEN:
        return take_u32(c, &m->version, "version") &&
               (m->version != PROXY_PROTO_VERSION ||
                take_str(c, &m->text, AGS_PROXY_MAX_URL, "url"));
    case PROXY_CALLBACK_RESPONSE:
        return take_response(c, m);
    case PROXY_CALLBACK_FAILED:
        return take_u32(c, &m->id, "relay id") &&
               take_str(c, &m->text, AGS_PROXY_MAX_TEXT, "reason");
    case PROXY_WAITING:
    case PROXY_REFUSED:
        return take_str(c, &m->text, AGS_PROXY_MAX_TEXT, "text");
    case PROXY_OPENED:
        return take_u16(c, &m->port, "relay port");
    case PROXY_CALLBACK_REQUEST:
        return take_request(c, m);
    case PROXY_DONE:
        return true;
    }
    return false;
}

void proxy_reader_init(struct frame_reader *r)
{
    frame_reader_init(r, AGS_PROXY_MAX_MESSAGE, "auth proxy message");
}

const char *proxy_msg_name(unsigned type)
{
    switch (type) {
    case PROXY_OPEN:
        return "OPEN";
    case PROXY_CALLBACK_RESPONSE:
        return "CALLBACK_RESPONSE";
    case PROXY_CALLBACK_FAILED:
        return "CALLBACK_FAILED";
    case PROXY_WAITING:
        return "WAITING";
    case PROXY_OPENED:
        return "OPENED";
    case PROXY_REFUSED:
        return "REFUSED";
    case PROXY_CALLBACK_REQUEST:
        return "CALLBACK_REQUEST";
    case PROXY_DONE:
        return "DONE";
    default:
        return NULL;
    }
}

static bool sent_by(unsigned type, enum proxy_peer from)
{
    bool from_sandbox =
            type == PROXY_OPEN || type == PROXY_CALLBACK_RESPONSE || type == PROXY_CALLBACK_FAILED;
    return proxy_msg_name(type) && from_sandbox == (from == PROXY_FROM_SANDBOX);
}

/* What the fields hold, beyond their lengths. */
static int check_fields(const struct proxy_msg *m, struct ags_error *err)
{
    switch (m->type) {
    case PROXY_CALLBACK_REQUEST:
        return proxy_http_check(&m->http, true, err);
    case PROXY_CALLBACK_RESPONSE:
        return proxy_http_check(&m->http, false, err);
    case PROXY_CALLBACK_FAILED:
    case PROXY_WAITING:
    case PROXY_REFUSED:
        if (!proxy_text_ok(m->text.p, m->text.len, AGS_PROXY_MAX_TEXT))
            return ags_error_set(err, -EINVAL, "a text that is empty or not printable ASCII");
        return 0;
    case PROXY_OPEN:
        if (m->text.len == 0)
            return ags_error_set(err, -EINVAL, "an empty URL");
        return 0;
    case PROXY_OPENED:
    case PROXY_DONE:
        return 0;
    }
    return 0;
}

void proxy_msg_done(struct proxy_msg *m)
{
    free(m->http.headers);
    *m = (struct proxy_msg){0};
}

int proxy_msg_parse(const uint8_t *body, size_t len, enum proxy_peer from, struct proxy_msg *m,
                    struct ags_error *err)
{
    *m = (struct proxy_msg){0};
    if (len == 0)
        return ags_error_set(err, -EBADMSG, "an empty auth proxy message");
    if (!sent_by(body[0], from))
        return ags_error_set(err, -EBADMSG, "auth proxy message of type %u from the %s", body[0],
                             from == PROXY_FROM_SANDBOX ? "sandbox" : "host");
    m->type = body[0];
    struct cursor c = {.p = body, .len = len, .off = 1};
    const char *name = proxy_msg_name(m->type);
    int r = 0;
    if (!take_fields(&c, m))
        r = ags_error_set(err, -EBADMSG, "auth proxy %s: its %s is cut short or too long", name,
                          c.field);
    else if (m->type == PROXY_OPEN && m->version != PROXY_PROTO_VERSION)
        r = ags_error_set(err, -EPROTONOSUPPORT,
                          "auth proxy protocol version %u (this ags speaks %u)", m->version,
                          PROXY_PROTO_VERSION);
    else if (c.off != len)
        r = ags_error_set(err, -EBADMSG, "auth proxy %s: %zu bytes after its last field", name,
                          len - c.off);
    else if (check_fields(m, err) < 0) {
        (void)ags_error_prefix(err, "auth proxy %s", name);
        if (err)
            err->code = -EBADMSG;
        r = -EBADMSG;
    }
    if (r < 0) {
        uint32_t version = m->version;
        proxy_msg_done(m);
        m->version = version;
    }
    return r;
}
