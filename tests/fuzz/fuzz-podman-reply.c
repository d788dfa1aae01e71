/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Podman's replies on arbitrary bytes: the build-output JSON-lines parser
 * (build-stream.c) fed in chunks of a size taken from the input, and
 * podman_reply_error() (libpod error bodies, text bodies, two-object bodies),
 * and podman_parse_path_stat() (an archive reply's stat header) on the body.
 * Besides crashes and sanitizer reports it checks invariants: chunking never
 * changes the outcome, a success always carries a 12..64 hex id, every error
 * sets err with the returned code and a one-line message.
 *
 * Input: byte 0 = chunk size (1..256), bytes 1-2 = HTTP status for
 * podman_reply_error (big-endian), the rest = the reply body.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "podman/build-stream.h"
#include "podman/containers-json.h"
#include "podman/errors.h"
#include "podman/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count_output(const char *text, size_t len, void *userdata)
{
    if (len == 0 || !text)
        abort();
    *(size_t *)userdata += len;
}

static void check_error(int r, const struct ags_error *err, bool one_line)
{
    if (r >= 0 || err->code != r || err->msg[0] == '\0' || (one_line && strchr(err->msg, '\n')))
        abort();
}

/* Returns finish()'s code; *ret_id owned. */
static int parse(const char *body, size_t len, size_t step, char **ret_id, size_t *out)
{
    struct podman_build_stream s;
    struct ags_error err = {0};
    podman_build_stream_init(&s, count_output, out);
    int r = 0;
    for (size_t off = 0; r == 0 && off < len; off += step)
        r = podman_build_stream_feed(&s, body + off, len - off < step ? len - off : step, &err);
    if (r == 0)
        r = podman_build_stream_finish(&s, ret_id, &err);
    podman_build_stream_done(&s);
    if (r < 0) {
        check_error(r, &err, true);
        if (*ret_id)
            abort();
    } else {
        size_t n = strlen(*ret_id);
        if (n < 12 || n > 64 || !podman_is_hex(*ret_id, n))
            abort();
    }
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    size_t step = (size_t)data[0] + 1;
    long status = (long)data[1] << 8 | data[2];
    const char *body = (const char *)data + 3;
    size_t len = size - 3;

    char *id1 = NULL, *id2 = NULL;
    size_t out1 = 0, out2 = 0;
    int r1 = parse(body, len, step, &id1, &out1);
    int r2 = parse(body, len, len ? len : 1, &id2, &out2);
    /* Chunking is invisible, except that an error stops the parser early. */
    if (r1 != r2 || (r1 == 0 && (strcmp(id1, id2) != 0 || out1 != out2)))
        abort();
    free(id1);
    free(id2);

    struct podman_reply reply = {.status = status, .body = malloc(len + 1), .len = len};
    if (!reply.body)
        abort();
    memcpy(reply.body, body, len);
    reply.body[len] = '\0'; /* as http.c delivers it */
    struct ags_error err = {0};
    int r = podman_reply_error(&reply, "fuzzing", &err);
    /* errors.c folds the newlines Podman's messages may carry: one line. */
    check_error(r, &err, true);
    /* The stat header: parsed or refused with -EPROTO, a path either way
     * judged without a crash. */
    struct podman_path_stat st = {0};
    r = podman_parse_path_stat(reply.body, &st, &err);
    if (r == 0) {
        if (!st.name || !st.link_target)
            abort();
        r = podman_path_stat_regular(&st, "/var/tmp/ags-export", &err);
        if (r < 0 && r != -EBADMSG)
            abort();
        podman_path_stat_done(&st);
    } else if (r != -EPROTO) {
        abort();
    }
    free(reply.body);
    return 0;
}
