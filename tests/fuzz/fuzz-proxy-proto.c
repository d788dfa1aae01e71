/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy's frame reader and message parser (src/proxy/proto*.c) on
 * arbitrary bytes, as the host reads a hostile sandbox and the opener reads
 * the host.  Besides crashes and sanitizer reports it checks invariants: the
 * reader gives the same messages and the same error whether the stream
 * comes whole or in chunks of a size taken from the input, and never holds
 * a body above AGS_PROXY_MAX_MESSAGE; every message either parser accepts
 * is built back by the builders into exactly the bytes it came from; texts
 * are printable ASCII; a relayed head and body keep their bounds and no
 * header value holds CR or LF.
 *
 * Input: byte 0 = chunk size (1..256), the rest = a stream of frames.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/frame-reader.h"
#include "base/strbuf.h"
#include "proxy/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_http(const struct proxy_http *h)
{
    if (h->n_headers > AGS_PROXY_MAX_HEADERS || h->body.len > AGS_PROXY_MAX_BODY)
        abort();
    for (size_t i = 0; i < h->n_headers; i++)
        if (memchr(h->headers[i].value.p, '\r', h->headers[i].value.len) ||
            memchr(h->headers[i].value.p, '\n', h->headers[i].value.len) ||
            proxy_header_is_framing(h->headers[i].name.p, h->headers[i].name.len))
            abort();
}

static void check_text(struct proxy_str t)
{
    for (size_t i = 0; i < t.len; i++)
        if (t.p[i] < 0x20 || t.p[i] > 0x7e)
            abort();
}

/* Builds m again; the frame must be the body it was parsed from. */
static void rebuild(const struct proxy_msg *m, const uint8_t *body, size_t len)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    /* A view is not NUL-terminated (strndup would read past it: strict_string_checks). */
    char *text = xstrndup(m->text.p ? m->text.p : "", m->text.len);
    int r = -1;
    switch (m->type) {
    case PROXY_OPEN:
        r = proxy_build_open(&out, m->text.p, m->text.len);
        break;
    case PROXY_WAITING:
    case PROXY_REFUSED:
        r = proxy_build_text(&out, (enum proxy_msg_type)m->type, text);
        break;
    case PROXY_OPENED:
        r = proxy_build_opened(&out, m->port);
        break;
    case PROXY_DONE:
        r = proxy_build_done(&out);
        break;
    case PROXY_CALLBACK_REQUEST:
        r = proxy_build_callback_request(&out, m->id, &m->http);
        break;
    case PROXY_CALLBACK_RESPONSE:
        r = proxy_build_callback_response(&out, m->id, &m->http);
        break;
    case PROXY_CALLBACK_FAILED:
        r = proxy_build_callback_failed(&out, m->id, text);
        break;
    }
    free(text);
    if (r != 0 || out.len != len + 4 || memcmp(out.buf + 4, body, len) != 0)
        abort();
}

static void one_body(const uint8_t *body, size_t len)
{
    if (len > AGS_PROXY_MAX_MESSAGE)
        abort();
    for (int from = PROXY_FROM_SANDBOX; from <= PROXY_FROM_HOST; from++) {
        struct proxy_msg m;
        if (proxy_msg_parse(body, len, (enum proxy_peer)from, &m, NULL) < 0) {
            if (m.http.headers)
                abort(); /* a failed parse leaves nothing to free */
            continue;
        }
        if (m.type == PROXY_WAITING || m.type == PROXY_REFUSED || m.type == PROXY_CALLBACK_FAILED)
            check_text(m.text);
        check_http(&m.http);
        rebuild(&m, body, len);
        proxy_msg_done(&m);
    }
}

/* Feeds the stream in chunks; the bodies it gives and the error it ends with, hashed into
 * a simple trace so two chunkings can be compared. */
static uint64_t run(const uint8_t *p, size_t n, size_t chunk, bool check)
{
    struct frame_reader r;
    proxy_reader_init(&r);
    uint64_t trace = 1469598103934665603ull;
    size_t off = 0;
    while (off < n) {
        size_t take = n - off < chunk ? n - off : chunk, used;
        int rc = frame_reader_feed(&r, p + off, take, &used, NULL);
        off += used;
        if (rc < 0) {
            trace = trace * 31 + (uint64_t)(-rc);
            break;
        }
        if (rc == 1) {
            size_t len;
            const uint8_t *body = frame_reader_body(&r, &len);
            for (size_t i = 0; i < len; i++)
                trace = (trace ^ body[i]) * 1099511628211ull;
            trace = trace * 31 + len;
            if (check)
                one_body(body, len);
            frame_reader_next(&r);
        }
    }
    frame_reader_done(&r);
    return trace;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t chunk = (size_t)data[0] + 1;
    if (run(data + 1, size - 1, chunk, true) != run(data + 1, size - 1, size, false))
        abort();
    return 0;
}
