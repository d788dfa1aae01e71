/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-band frame filter (base/inband.c) on arbitrary bytes (a remote
 * sandbox's stdout).  Besides crashes and sanitizer reports it checks: the
 * output, the result and the payload are the same whether the input comes
 * whole or in chunks of a size taken from the input; the output is never
 * longer than the input; a result is never over the bound and is exactly
 * the payload delivered; and the input's bytes sent as one frame after a
 * newline come back exactly, in any chunking.
 *
 * Input: byte 0 = chunk size (1..256), the rest = the stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/inband.h"

#define FUZZ_MAX 2048u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    unsigned char *data;
    size_t n;
};

static int collect(void *userdata, bool start, const unsigned char *p, size_t n)
{
    struct sink *s = userdata;
    if (start) {
        s->n = 0;
        return 0;
    }
    if (s->n + n > FUZZ_MAX)
        abort(); /* never more than the bound of one frame */
    memcpy(s->data + s->n, p, n);
    s->n += n;
    return 0;
}

struct outcome {
    char *out;
    size_t n_out;
    bool have;
    uint64_t len;
    struct sink sink;
};

static void run(const char *in, size_t n, size_t step, struct outcome *o)
{
    o->out = malloc(n + 2 * INBAND_SLACK);
    o->sink.data = malloc(FUZZ_MAX);
    o->sink.n = 0;
    o->n_out = 0;
    if (!o->out || !o->sink.data)
        abort();
    struct inband f;
    inband_init(&f, "ags-export", FUZZ_MAX, collect, &o->sink);
    for (size_t off = 0; off < n; off += step) {
        size_t len = n - off < step ? n - off : step;
        size_t k = inband_feed(&f, in + off, len, o->out + o->n_out);
        if (k > len + INBAND_SLACK)
            abort();
        o->n_out += k;
    }
    size_t k = inband_finish(&f, o->out + o->n_out);
    if (k > INBAND_SLACK)
        abort();
    o->n_out += k;
    o->have = inband_result(&f, &o->len);
}

static void done(struct outcome *o)
{
    free(o->out);
    free(o->sink.data);
}

static void check_same(const struct outcome *a, const struct outcome *b)
{
    if (a->n_out != b->n_out || memcmp(a->out, b->out, a->n_out) != 0 || a->have != b->have)
        abort();
    if (a->have && (a->len != b->len || a->sink.n != b->sink.n ||
                    memcmp(a->sink.data, b->sink.data, a->sink.n) != 0))
        abort();
}

/* The payload as the sandbox's main process frames it. */
static void round_trip(const uint8_t *p, size_t n, size_t step)
{
    if (n > FUZZ_MAX)
        n = FUZZ_MAX;
    size_t cap = 2 * n + 64;
    char *frame = malloc(cap);
    if (!frame)
        abort();
    int h = snprintf(frame, cap, "\n\x1b_ags-export;%zu;", n);
    size_t k = (size_t)h;
    for (size_t i = 0; i < n; i++)
        k += (size_t)snprintf(frame + k, cap - k, "%02x", p[i]);
    memcpy(frame + k, "\x1b\\", 2);
    k += 2;
    struct outcome o;
    run(frame, k, step, &o);
    if (!o.have || o.len != n || o.sink.n != n || (n && memcmp(o.sink.data, p, n) != 0) ||
        o.n_out != 1 || o.out[0] != '\n')
        abort();
    done(&o);
    free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] + 1;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    struct outcome whole, chunked;
    run(in, n, n ? n : 1, &whole);
    run(in, n, step, &chunked);
    check_same(&whole, &chunked);
    if (whole.n_out > n)
        abort();
    if (whole.have && (whole.len > FUZZ_MAX || whole.len != whole.sink.n))
        abort();
    done(&whole);
    done(&chunked);
    round_trip(data + 1, n, step);
    return 0;
}
