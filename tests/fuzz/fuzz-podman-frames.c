/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The non-TTY stream demultiplexer (frames.c) and the container reply parsers
 * (containers-json.c) on arbitrary bytes.  Besides crashes and sanitizer
 * reports it checks invariants: the demuxer gives the same bytes, the same
 * result and the same message whether the stream comes in one piece or in
 * chunks of a size taken from the input; it never passes on more payload
 * than it was fed, nor an empty piece; every error sets err with the
 * returned code and a one-line message; a parsed list has an id per entry.
 *
 * Input: byte 0 = chunk size (1..256), the rest = the stream / reply body.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/strv.h"

#include "podman/containers-json.h"
#include "podman/frames.h"
#include "podman/podman.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tally {
    size_t bytes[3];
    uint64_t sum[3]; /* position-weighted checksum per stream */
};

static int count(void *userdata, enum podman_stream_id stream, const char *p, size_t n)
{
    struct tally *t = userdata;
    if (n == 0 || stream > PODMAN_STREAM_STDERR)
        abort();
    for (size_t i = 0; i < n; i++)
        t->sum[stream] = t->sum[stream] * 31u + (uint8_t)p[i] + t->bytes[stream] + i;
    t->bytes[stream] += n;
    return 0;
}

static void check_error(int r, const struct ags_error *err)
{
    if (r >= 0 || err->code != r || err->msg[0] == '\0' || strchr(err->msg, '\n'))
        abort();
}

/* Returns the outcome; *err holds the message of a failure. */
static int demux(const char *p, size_t n, size_t step, struct tally *t, struct ags_error *err)
{
    struct podman_demux d;
    podman_demux_init(&d);
    for (size_t off = 0; off < n; off += step) {
        size_t len = n - off < step ? n - off : step;
        int r = podman_demux_feed(&d, p + off, len, count, t, err);
        if (r < 0) {
            if (r != -EPROTO && r != -EFBIG && r != -EIO)
                abort();
            check_error(r, err);
            return r;
        }
    }
    int r = podman_demux_finish(&d, err);
    if (r < 0)
        check_error(r, err);
    return r;
}

static void fuzz_demux(const char *p, size_t n, size_t step)
{
    struct tally whole = {0}, chunked = {0};
    struct ags_error e1 = {0}, e2 = {0};
    int r1 = demux(p, n, n ? n : 1, &whole, &e1);
    int r2 = demux(p, n, step, &chunked, &e2);
    if (r1 != r2 || memcmp(whole.bytes, chunked.bytes, sizeof(whole.bytes)) != 0 ||
        memcmp(whole.sum, chunked.sum, sizeof(whole.sum)) != 0 ||
        (r1 < 0 && strcmp(e1.msg, e2.msg) != 0))
        abort();
    if (whole.bytes[0] + whole.bytes[1] + whole.bytes[2] > n)
        abort();
}

static void fuzz_parsers(const char *p, size_t n)
{
    struct ags_error err = {0};
    int code = 0;
    int r = podman_parse_wait_body(p, n, &code, &err);
    if (r < 0)
        check_error(r, &err);
    else if (code < -1 || code > 255)
        abort();

    struct podman_container_info *v = NULL;
    size_t count_n = 0;
    r = podman_parse_container_list(p, n, &v, &count_n, &err);
    if (r < 0) {
        check_error(r, &err);
    } else {
        for (size_t i = 0; i < count_n; i++)
            if (!v[i].id || !v[i].id[0] || !v[i].name || !v[i].state || !v[i].labels)
                abort();
        podman_container_infos_free(v, count_n);
    }

    char *id = NULL, **warnings = NULL;
    r = podman_parse_create_reply(p, n, "create", &id, &warnings, &err);
    if (r < 0) {
        check_error(r, &err);
    } else {
        if (!id[0] || strchr(id, '/'))
            abort();
        free(id);
        strv_free(warnings);
    }

    bool running = false;
    r = podman_parse_exec_inspect(p, n, &running, &code, &err);
    if (r < 0)
        check_error(r, &err);
    struct podman_ctr_state st;
    r = podman_parse_container_state(p, n, &st, &err);
    if (r < 0)
        check_error(r, &err);
    else if (st.finished && st.running)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    fuzz_demux(p, n, step);
    fuzz_parsers(p, n);
    return 0;
}
