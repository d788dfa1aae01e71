/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ssh-agent frame reader, the request filter and the parsers of the
 * real agent's answers and of .pub lines (src/ssh/) on arbitrary bytes.
 * Besides crashes and sanitizer reports it checks invariants: the reader
 * gives the same messages and the same error whether the stream comes whole
 * or in chunks of a size taken from the input, and never holds a body it
 * did not get all of or one above AGENT_MAX_MESSAGE; a refusal sends
 * nothing to the real agent; a listing sends exactly REQUEST_IDENTITIES; a
 * signature goes upstream only for a configured key, as a well-formed
 * request with flags 0 whose data passes that key's purpose check again;
 * the log reason is printable ASCII; a filtered key list holds only
 * configured keys, each at most once.
 *
 * Input: byte 0 = chunk size (1..256), the rest = the client's stream (each
 * message in it also goes through the answer filters and the .pub parser).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "ssh/agent-filter.h"
#include "ssh/agent-proto.h"
#include "ssh/pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Two Ed25519 blobs: string "ssh-ed25519", string of 32 bytes (0xa1 auth, 0x51 signing);
 * the seed corpus uses the same ones. */
#define BLOB_HEAD "\0\0\0\x0bssh-ed25519\0\0\0\x20"
static uint8_t g_auth_blob[51], g_sign_blob[51];
static struct ssh_pubkey g_keys[2];
static char g_type[] = "ssh-ed25519", g_auth_comment[] = "ags-agent-auth",
            g_sign_comment[] = "ags-agent-signing";

static void init_keys(void)
{
    if (g_keys[0].blob)
        return;
    memcpy(g_auth_blob, BLOB_HEAD, 19);
    memset(g_auth_blob + 19, 0xa1, 32);
    memcpy(g_sign_blob, BLOB_HEAD, 19);
    memset(g_sign_blob + 19, 0x51, 32);
    g_keys[0] = (struct ssh_pubkey){.purpose = SSH_KEY_AUTH, .type = g_type, .blob = g_auth_blob,
                                    .blob_len = 51, .comment = g_auth_comment};
    g_keys[1] = (struct ssh_pubkey){.purpose = SSH_KEY_SIGN, .type = g_type, .blob = g_sign_blob,
                                    .blob_len = 51, .comment = g_sign_comment};
}

static void check_printable(const char *s)
{
    if (!*s)
        abort();
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7e)
            abort();
}

static const uint8_t *only_frame(const struct strbuf *sb, size_t *len)
{
    const uint8_t *p = (const uint8_t *)sb->buf;
    if (sb->len < 5)
        abort();
    size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    if (n != sb->len - 4 || n > AGENT_MAX_MESSAGE)
        abort();
    *len = n;
    return p + 4;
}

static void check_forward(const struct agent_decision *d, const struct strbuf *up)
{
    size_t len;
    const uint8_t *body = only_frame(up, &len);
    struct agent_sign_request req;
    char why[AGENT_REASON_MAX];
    if (!d->key || agent_parse_sign_request(body, len, &req, NULL) < 0 || req.flags != 0)
        abort();
    if (req.key_blob.len != d->key->blob_len ||
        memcmp(req.key_blob.p, d->key->blob, req.key_blob.len) != 0)
        abort();
    int r = d->key->purpose == SSH_KEY_SIGN
                    ? agent_check_sshsig(req.data, why, sizeof(why))
                    : agent_check_userauth(req.data, req.key_blob, d->key->type, why, sizeof(why));
    if (r != 0)
        abort();
}

static void fuzz_request(const uint8_t *body, size_t len)
{
    struct strbuf up;
    struct agent_decision d;
    strbuf_init(&up, AGENT_FRAME_MAX);
    if (agent_filter_request(g_keys, 2, body, len, &up, &d) != 0)
        abort();
    check_printable(d.reason);
    if (d.type != (len ? body[0] : -1))
        abort();
    if (d.action == AGENT_REFUSE && (up.len != 0 || d.key))
        abort();
    if (d.action == AGENT_LIST_IDENTITIES &&
        (up.len != 5 || memcmp(up.buf, "\0\0\0\1\x0b", 5) != 0 || d.key))
        abort();
    if (d.action == AGENT_FORWARD_SIGN)
        check_forward(&d, &up);
    strbuf_done(&up);
}

static void fuzz_answers(const uint8_t *body, size_t len)
{
    struct strbuf out;
    struct ags_error err = {0};
    size_t n_listed, blen;
    strbuf_init(&out, AGENT_FRAME_MAX);
    if (agent_filter_identities(g_keys, 2, body, len, &out, &n_listed, &err) == 0) {
        struct agent_identity *ids = NULL;
        size_t n;
        const uint8_t *b = only_frame(&out, &blen);
        if (agent_parse_identities_answer(b, blen, &ids, &n, NULL) < 0 || n != n_listed || n > 2)
            abort();
        if (n == 2 && ids[0].blob.len == ids[1].blob.len &&
            memcmp(ids[0].blob.p, ids[1].blob.p, ids[0].blob.len) == 0)
            abort();
        free(ids);
    } else if (out.len != 0) {
        abort();
    }
    strbuf_reset(&out);
    int r = agent_filter_sign_reply(body, len, &out, &err);
    const uint8_t *b = only_frame(&out, &blen);
    if ((r == 1) != (b[0] == AGENT_SIGN_RESPONSE) || (r < 0 && !err.msg[0]))
        abort();
    strbuf_done(&out);

    struct ssh_pubkey k;
    if (ssh_pubkey_parse((const char *)body, len, SSH_KEY_AUTH, &k, NULL) == 0) {
        const char *type;
        if (ssh_key_blob_check(k.blob, k.blob_len, &type, NULL) != 0 || strcmp(type, k.type))
            abort();
        ssh_pubkey_done(&k);
    }
}

struct tally {
    size_t messages;
    uint64_t sum;
    int result;
    size_t consumed;
};

static void read_all(const uint8_t *p, size_t n, size_t step, bool act, struct tally *t)
{
    struct agent_reader r;
    agent_reader_init(&r);
    *t = (struct tally){0};
    for (size_t off = 0; off < n && t->result >= 0;) {
        size_t chunk = n - off < step ? n - off : step, used;
        int rc = agent_reader_feed(&r, p + off, chunk, &used, NULL);
        if (used > chunk)
            abort();
        off += used;
        t->consumed = off;
        if (rc < 0) {
            if (rc != -EMSGSIZE && rc != -EBADMSG)
                abort();
            t->result = rc;
            break;
        }
        if (rc == 1) {
            size_t len;
            const uint8_t *body = agent_reader_body(&r, &len);
            if (len == 0 || len > AGENT_MAX_MESSAGE)
                abort();
            t->messages++;
            for (size_t i = 0; i < len; i++)
                t->sum = t->sum * 31u + body[i] + i;
            if (act) {
                fuzz_request(body, len);
                fuzz_answers(body, len);
            }
            agent_reader_next(&r);
        }
    }
    agent_reader_done(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    init_keys();
    size_t step = (size_t)data[0] + 1;
    struct tally whole, chunked;
    read_all(data + 1, size - 1, size, true, &whole);
    read_all(data + 1, size - 1, step, false, &chunked);
    if (whole.messages != chunked.messages || whole.sum != chunked.sum ||
        whole.result != chunked.result || whole.consumed != chunked.consumed)
        abort();
    return 0;
}
