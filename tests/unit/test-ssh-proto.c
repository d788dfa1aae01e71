/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ssh-agent codec and the request filter (src/ssh/agent-*.c): framing
 * in any chunks, every message type built and parsed back, truncated and
 * oversized messages refused, and what the filter lets a sandbox do with
 * the configured keys.  Signed-data blobs are built here field by field
 * from the documents (PROTOCOL.sshsig, RFC 4252 section 7), not with the
 * library's writer; tests/unit/test-ssh-openssh.c checks the same code
 * against real OpenSSH tools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "ssh/agent-filter.h"
#include "ssh/agent-proto.h"
#include "base/base64.h"
#include "ssh/pubkey.h"

/* ---- an independent writer for test bytes ---- */

struct tbuf {
    uint8_t b[8192];
    size_t n;
};

static void t_raw(struct tbuf *t, const void *p, size_t n)
{
    assert_true(t->n + n <= sizeof(t->b));
    memcpy(t->b + t->n, p, n);
    t->n += n;
}

static void t_u8(struct tbuf *t, uint8_t v)
{
    t_raw(t, &v, 1);
}

static void t_u32(struct tbuf *t, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    t_raw(t, b, 4);
}

static void t_bytes(struct tbuf *t, const void *p, size_t n)
{
    t_u32(t, (uint32_t)n);
    t_raw(t, p, n);
}

static void t_str(struct tbuf *t, const char *s)
{
    t_bytes(t, s, strlen(s));
}

/* ---- keys: well-formed Ed25519 blobs with distinct key bytes ---- */

static struct tbuf ed25519_blob(uint8_t fill)
{
    struct tbuf t = {0};
    uint8_t k[32];
    memset(k, fill, sizeof(k));
    t_str(&t, "ssh-ed25519");
    t_bytes(&t, k, sizeof(k));
    return t;
}

static struct tbuf g_auth_blob, g_sign_blob, g_other_blob;
static struct ssh_pubkey g_keys[2];

static struct ssh_pubkey key_of(const struct tbuf *blob, enum ssh_key_purpose p, const char *c)
{
    struct ssh_pubkey k = {.purpose = p,
                           .type = xstrdup("ssh-ed25519"),
                           .blob = xmalloc(blob->n),
                           .blob_len = blob->n,
                           .comment = xstrdup(c)};
    memcpy(k.blob, blob->b, blob->n);
    return k;
}

static int setup_keys(void **state)
{
    (void)state;
    g_auth_blob = ed25519_blob(0xa1);
    g_sign_blob = ed25519_blob(0x51);
    g_other_blob = ed25519_blob(0x07);
    g_keys[0] = key_of(&g_auth_blob, SSH_KEY_AUTH, "ags-agent-auth");
    g_keys[1] = key_of(&g_sign_blob, SSH_KEY_SIGN, "ags-agent-signing");
    return 0;
}

static int teardown_keys(void **state)
{
    (void)state;
    ssh_pubkey_done(&g_keys[0]);
    ssh_pubkey_done(&g_keys[1]);
    return 0;
}

/* ---- message bodies built by hand ---- */

static struct tbuf sign_request(const struct tbuf *blob, const struct tbuf *data, uint32_t flags)
{
    struct tbuf t = {0};
    t_u8(&t, AGENTC_SIGN_REQUEST);
    t_bytes(&t, blob->b, blob->n);
    t_bytes(&t, data->b, data->n);
    t_u32(&t, flags);
    return t;
}

/* PROTOCOL.sshsig: byte[6] "SSHSIG", string namespace, string reserved,
 * string hash_algorithm, string H(message). */
static struct tbuf sshsig(const char *ns, const char *reserved, const char *hash_alg,
                          size_t hash_len)
{
    struct tbuf t = {0};
    uint8_t h[64];
    memset(h, 0x3c, sizeof(h));
    t_raw(&t, "SSHSIG", 6);
    t_str(&t, ns);
    t_str(&t, reserved);
    t_str(&t, hash_alg);
    assert_true(hash_len <= sizeof(h));
    t_bytes(&t, h, hash_len);
    return t;
}

struct userauth {
    size_t session_len;
    uint8_t msg;
    const char *user, *service, *method;
    uint8_t has_sig;
    const char *alg;
    const struct tbuf *key;
    const char *host_key; /* appended as a string when non-NULL */
};

/* RFC 4252 section 7 (what the client signs). */
static struct tbuf userauth_data(const struct userauth *u)
{
    struct tbuf t = {0};
    uint8_t session[80];
    memset(session, 0x5e, sizeof(session));
    t_bytes(&t, session, u->session_len);
    t_u8(&t, u->msg);
    t_str(&t, u->user);
    t_str(&t, u->service);
    t_str(&t, u->method);
    t_u8(&t, u->has_sig);
    t_str(&t, u->alg);
    t_bytes(&t, u->key->b, u->key->n);
    if (u->host_key)
        t_str(&t, u->host_key);
    return t;
}

static struct userauth good_userauth(void)
{
    return (struct userauth){.session_len = 32,
                             .msg = 50,
                             .user = "git",
                             .service = "ssh-connection",
                             .method = "publickey",
                             .has_sig = 1,
                             .alg = "ssh-ed25519",
                             .key = &g_auth_blob};
}

/* ---- the frame reader ---- */

static size_t frame_into(uint8_t *dst, const struct tbuf *body)
{
    dst[0] = (uint8_t)(body->n >> 24);
    dst[1] = (uint8_t)(body->n >> 16);
    dst[2] = (uint8_t)(body->n >> 8);
    dst[3] = (uint8_t)body->n;
    memcpy(dst + 4, body->b, body->n);
    return 4 + body->n;
}

/* Feeds stream in chunks of step bytes; checks every message against want. */
static void read_stream(const uint8_t *stream, size_t n, size_t step, const struct tbuf *want,
                        size_t n_want)
{
    struct agent_reader r;
    struct ags_error err = {0};
    size_t got = 0;
    agent_reader_init(&r);
    for (size_t off = 0; off < n;) {
        size_t chunk = n - off < step ? n - off : step;
        while (chunk > 0) {
            size_t used;
            int rc = agent_reader_feed(&r, stream + off, chunk, &used, &err);
            assert_true(rc >= 0);
            assert_true(used <= chunk);
            off += used;
            chunk -= used;
            if (rc == 1) {
                size_t len;
                const uint8_t *body = agent_reader_body(&r, &len);
                assert_true(got < n_want);
                assert_int_equal(len, want[got].n);
                assert_memory_equal(body, want[got].b, len);
                got++;
                agent_reader_next(&r);
            }
        }
    }
    assert_int_equal(got, n_want);
    assert_false(agent_reader_partial(&r));
    agent_reader_done(&r);
}

static void test_reader_gives_the_same_messages_in_any_chunks(void **state)
{
    (void)state;
    static struct tbuf bodies[3];
    memset(bodies, 0, sizeof(bodies));
    t_u8(&bodies[0], AGENTC_REQUEST_IDENTITIES);
    struct tbuf data = sshsig("git", "", "sha512", 64);
    bodies[1] = sign_request(&g_sign_blob, &data, 0);
    t_u8(&bodies[2], AGENT_FAILURE);
    static uint8_t stream[3 * 8192];
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        n += frame_into(stream + n, &bodies[i]);
    for (size_t step = 1; step <= n; step++)
        read_stream(stream, n, step, bodies, 3);
}

static void test_reader_refuses_a_zero_length_from_the_length_bytes(void **state)
{
    (void)state;
    const uint8_t stream[] = {0, 0, 0, 0, 11};
    struct agent_reader r;
    struct ags_error err = {0};
    size_t used;
    agent_reader_init(&r);
    assert_int_equal(agent_reader_feed(&r, stream, sizeof(stream), &used, &err), -EBADMSG);
    assert_int_equal(used, 4);
    assert_non_null(strstr(err.msg, "length 0"));
    agent_reader_done(&r);
}

static void test_reader_refuses_an_oversized_length_before_buffering(void **state)
{
    (void)state;
    const uint32_t lengths[] = {AGENT_MAX_MESSAGE + 1, 0x7fffffffu, 0xffffffffu};
    for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
        uint8_t stream[] = {(uint8_t)(lengths[i] >> 24),
                            (uint8_t)(lengths[i] >> 16),
                            (uint8_t)(lengths[i] >> 8),
                            (uint8_t)lengths[i],
                            13,
                            0,
                            0};
        struct agent_reader r;
        struct ags_error err = {0};
        size_t used = 0;
        agent_reader_init(&r);
        /* One byte at a time: the refusal comes with the 4th, nothing kept. */
        int rc = 0;
        size_t fed = 0;
        while (rc == 0 && fed < sizeof(stream)) {
            rc = agent_reader_feed(&r, stream + fed, 1, &used, &err);
            fed += used;
        }
        assert_int_equal(rc, -EMSGSIZE);
        assert_int_equal(fed, 4);
        assert_null(r.f.body);
        assert_int_equal(r.f.cap, 0);
        agent_reader_done(&r);
    }
}

static void test_reader_takes_a_message_of_exactly_the_maximum(void **state)
{
    (void)state;
    size_t n = 4 + AGENT_MAX_MESSAGE;
    uint8_t *stream = xcalloc(n, 1);
    stream[1] = (uint8_t)(AGENT_MAX_MESSAGE >> 16);
    stream[2] = (uint8_t)(AGENT_MAX_MESSAGE >> 8);
    stream[3] = (uint8_t)AGENT_MAX_MESSAGE;
    stream[4] = AGENTC_SIGN_REQUEST;
    struct agent_reader r;
    struct ags_error err = {0};
    size_t used;
    agent_reader_init(&r);
    assert_int_equal(agent_reader_feed(&r, stream, n, &used, &err), 1);
    assert_int_equal(used, n);
    size_t len;
    assert_non_null(agent_reader_body(&r, &len));
    assert_int_equal(len, AGENT_MAX_MESSAGE);
    agent_reader_done(&r);
    free(stream);
}

static void test_reader_stops_at_the_end_of_one_message(void **state)
{
    (void)state;
    const uint8_t stream[] = {0, 0, 0, 1, 11, 0, 0, 0, 1, 19};
    struct agent_reader r;
    struct ags_error err = {0};
    size_t used, len;
    agent_reader_init(&r);
    assert_int_equal(agent_reader_feed(&r, stream, sizeof(stream), &used, &err), 1);
    assert_int_equal(used, 5);
    /* Held until next: a further feed takes nothing. */
    assert_int_equal(agent_reader_feed(&r, stream + used, sizeof(stream) - used, &used, &err), 1);
    assert_int_equal(used, 0);
    assert_int_equal(agent_reader_body(&r, &len)[0], 11);
    agent_reader_next(&r);
    assert_int_equal(agent_reader_feed(&r, stream + 5, 5, &used, &err), 1);
    assert_int_equal(agent_reader_body(&r, &len)[0], 19);
    agent_reader_done(&r);
}

static void test_reader_knows_a_peer_left_mid_message(void **state)
{
    (void)state;
    const uint8_t stream[] = {0, 0, 0, 9, 13, 0, 0};
    for (size_t cut = 1; cut <= sizeof(stream); cut++) {
        struct agent_reader r;
        struct ags_error err = {0};
        size_t used;
        agent_reader_init(&r);
        assert_int_equal(agent_reader_feed(&r, stream, cut, &used, &err), 0);
        assert_true(agent_reader_partial(&r));
        agent_reader_done(&r);
    }
}

/* ---- every message type, built and parsed back ---- */

static struct strbuf g_out;

static int setup_out(void **state)
{
    (void)state;
    strbuf_init(&g_out, AGENT_FRAME_MAX * 2);
    return 0;
}

static int teardown_out(void **state)
{
    (void)state;
    strbuf_done(&g_out);
    return 0;
}

/* The body of the one frame in out, checked to carry its own length. */
static const uint8_t *one_frame(const struct strbuf *out, size_t *len)
{
    const uint8_t *p = (const uint8_t *)out->buf;
    assert_true(out->len >= 5);
    size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
    assert_int_equal(n, out->len - 4);
    *len = n;
    return p + 4;
}

static void test_empty_messages_round_trip(void **state)
{
    (void)state;
    const uint8_t types[] = {AGENT_FAILURE, AGENT_SUCCESS, AGENTC_REQUEST_IDENTITIES};
    for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
        strbuf_reset(&g_out);
        assert_int_equal(agent_build_empty(&g_out, types[i]), 0);
        size_t len;
        const uint8_t *body = one_frame(&g_out, &len);
        assert_int_equal(len, 1);
        assert_int_equal(agent_msg_type(body, len), types[i]);
        assert_int_equal(agent_parse_empty(body, len, types[i], NULL), 0);
        /* Another type, or a byte more, is not this message. */
        assert_int_equal(agent_parse_empty(body, len, AGENT_SIGN_RESPONSE, NULL), -EBADMSG);
        const uint8_t longer[] = {types[i], 0};
        assert_int_equal(agent_parse_empty(longer, 2, types[i], NULL), -EBADMSG);
    }
    assert_int_equal(agent_msg_type(NULL, 0), -EBADMSG);
}

static void test_identities_answer_round_trip(void **state)
{
    (void)state;
    struct agent_identity in[2] = {
            {{g_auth_blob.b, g_auth_blob.n}, {(const uint8_t *)"one", 3}},
            {{g_sign_blob.b, g_sign_blob.n}, {(const uint8_t *)"", 0}},
    };
    strbuf_reset(&g_out);
    assert_int_equal(agent_build_identities_answer(&g_out, in, 2), 0);
    size_t len, n;
    const uint8_t *body = one_frame(&g_out, &len);
    struct tbuf want = {0};
    t_u8(&want, AGENT_IDENTITIES_ANSWER);
    t_u32(&want, 2);
    t_bytes(&want, g_auth_blob.b, g_auth_blob.n);
    t_str(&want, "one");
    t_bytes(&want, g_sign_blob.b, g_sign_blob.n);
    t_str(&want, "");
    assert_int_equal(len, want.n);
    assert_memory_equal(body, want.b, len);
    struct agent_identity *out = NULL;
    assert_int_equal(agent_parse_identities_answer(body, len, &out, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_true(agent_str_equal(out[0].blob, in[0].blob));
    assert_true(agent_str_is(out[0].comment, "one"));
    assert_true(agent_str_equal(out[1].blob, in[1].blob));
    assert_int_equal(out[1].comment.len, 0);
    free(out);
}

static void test_sign_request_and_response_round_trip(void **state)
{
    (void)state;
    struct tbuf data = sshsig("git", "", "sha256", 32);
    struct tbuf want = sign_request(&g_sign_blob, &data, 0x4);
    struct agent_sign_request req;
    assert_int_equal(agent_parse_sign_request(want.b, want.n, &req, NULL), 0);
    assert_true(agent_str_equal(req.key_blob, (struct agent_str){g_sign_blob.b, g_sign_blob.n}));
    assert_true(agent_str_equal(req.data, (struct agent_str){data.b, data.n}));
    assert_int_equal(req.flags, 4);
    strbuf_reset(&g_out);
    assert_int_equal(agent_build_sign_request(&g_out, &req), 0);
    size_t len;
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, want.n);
    assert_memory_equal(body, want.b, len);

    struct tbuf resp = {0};
    t_u8(&resp, AGENT_SIGN_RESPONSE);
    t_str(&resp, "a signature blob");
    struct agent_str sig;
    assert_int_equal(agent_parse_sign_response(resp.b, resp.n, &sig, NULL), 0);
    assert_true(agent_str_is(sig, "a signature blob"));
    strbuf_reset(&g_out);
    assert_int_equal(agent_build_sign_response(&g_out, sig), 0);
    body = one_frame(&g_out, &len);
    assert_int_equal(len, resp.n);
    assert_memory_equal(body, resp.b, len);
}

static void test_extension_name_is_parsed(void **state)
{
    (void)state;
    struct tbuf t = {0};
    t_u8(&t, AGENTC_EXTENSION);
    t_str(&t, "session-bind@openssh.com");
    t_raw(&t, "contents", 8);
    struct agent_str name;
    assert_int_equal(agent_parse_extension(t.b, t.n, &name, NULL), 0);
    assert_true(agent_str_is(name, "session-bind@openssh.com"));
    assert_int_equal(agent_parse_extension(t.b, 3, &name, NULL), -EBADMSG);
}

static void test_every_request_type_has_its_protocol_name(void **state)
{
    (void)state;

    const struct {
        unsigned type;
        const char *name;
    } want[] = {
            {5, "SSH_AGENT_FAILURE"},
            {6, "SSH_AGENT_SUCCESS"},
            {11, "SSH_AGENTC_REQUEST_IDENTITIES"},
            {12, "SSH_AGENT_IDENTITIES_ANSWER"},
            {13, "SSH_AGENTC_SIGN_REQUEST"},
            {14, "SSH_AGENT_SIGN_RESPONSE"},
            {17, "SSH_AGENTC_ADD_IDENTITY"},
            {18, "SSH_AGENTC_REMOVE_IDENTITY"},
            {19, "SSH_AGENTC_REMOVE_ALL_IDENTITIES"},
            {20, "SSH_AGENTC_ADD_SMARTCARD_KEY"},
            {21, "SSH_AGENTC_REMOVE_SMARTCARD_KEY"},
            {22, "SSH_AGENTC_LOCK"},
            {23, "SSH_AGENTC_UNLOCK"},
            {25, "SSH_AGENTC_ADD_ID_CONSTRAINED"},
            {26, "SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED"},
            {27, "SSH_AGENTC_EXTENSION"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(want); i++)
        assert_string_equal(agent_msg_name(want[i].type), want[i].name);
    assert_null(agent_msg_name(0));
    assert_null(agent_msg_name(10));
    assert_null(agent_msg_name(255));
}

/* Every proper prefix of body is refused by parse, and so is body + 1 byte. */
static void check_truncations(const struct tbuf *body, int (*parse)(const uint8_t *, size_t))
{
    assert_int_equal(parse(body->b, body->n), 0);
    for (size_t cut = 0; cut < body->n; cut++) {
        /* A copy of exactly cut bytes, so ASan sees any read past it. */
        uint8_t *p = xmalloc(cut ? cut : 1);
        memcpy(p, body->b, cut);
        assert_int_equal(parse(p, cut), -EBADMSG);
        free(p);
    }
    struct tbuf longer = *body;
    t_u8(&longer, 0);
    assert_int_equal(parse(longer.b, longer.n), -EBADMSG);
}

static int parse_ids(const uint8_t *p, size_t n)
{
    struct agent_identity *ids = NULL;
    size_t n_ids;
    struct ags_error err = {0};
    int r = agent_parse_identities_answer(p, n, &ids, &n_ids, &err);
    assert_true(r == 0 || (err.code == r && err.msg[0]));
    free(ids);
    return r;
}

static int parse_sign(const uint8_t *p, size_t n)
{
    struct agent_sign_request req;
    struct ags_error err = {0};
    int r = agent_parse_sign_request(p, n, &req, &err);
    assert_true(r == 0 || (err.code == r && err.msg[0]));
    return r;
}

static int parse_response(const uint8_t *p, size_t n)
{
    struct agent_str sig;
    return agent_parse_sign_response(p, n, &sig, NULL);
}

static void test_truncated_messages_are_refused_at_every_byte(void **state)
{
    (void)state;
    struct tbuf ids = {0};
    t_u8(&ids, AGENT_IDENTITIES_ANSWER);
    t_u32(&ids, 2);
    t_bytes(&ids, g_auth_blob.b, g_auth_blob.n);
    t_str(&ids, "auth");
    t_bytes(&ids, g_sign_blob.b, g_sign_blob.n);
    t_str(&ids, "sign");
    check_truncations(&ids, parse_ids);
    struct tbuf data = sshsig("git", "", "sha512", 64);
    struct tbuf sign = sign_request(&g_sign_blob, &data, 0);
    check_truncations(&sign, parse_sign);
    struct tbuf resp = {0};
    t_u8(&resp, AGENT_SIGN_RESPONSE);
    t_str(&resp, "sig");
    check_truncations(&resp, parse_response);
}

static void test_lengths_beyond_the_message_are_refused(void **state)
{
    (void)state;
    /* A string length that would wrap a 32-bit sum, and one just past the end. */
    const uint32_t lengths[] = {0xffffffffu, 0xfffffffcu, 5};
    for (size_t i = 0; i < ARRAY_SIZE(lengths); i++) {
        struct tbuf t = {0};
        t_u8(&t, AGENTC_SIGN_REQUEST);
        t_u32(&t, lengths[i]);
        t_raw(&t, "abcd", 4);
        assert_int_equal(parse_sign(t.b, t.n), -EBADMSG);
    }
    /* A key count no message could hold: refused before anything is allocated for it. */
    struct tbuf t = {0};
    t_u8(&t, AGENT_IDENTITIES_ANSWER);
    t_u32(&t, 0xffffffffu);
    t_str(&t, "");
    t_str(&t, "");
    assert_int_equal(parse_ids(t.b, t.n), -EBADMSG);
}

static void test_builders_refuse_a_body_over_the_maximum(void **state)
{
    (void)state;
    uint8_t *big = xcalloc(AGENT_MAX_MESSAGE, 1);
    struct agent_sign_request req = {
            .key_blob = {g_sign_blob.b, g_sign_blob.n},
            .data = {big, AGENT_MAX_MESSAGE - 4 - g_sign_blob.n - 4 - 4 - 1},
    };
    strbuf_reset(&g_out);
    assert_int_equal(agent_build_empty(&g_out, AGENT_SUCCESS), 0);
    size_t before = g_out.len;
    assert_int_equal(agent_build_sign_request(&g_out, &req), 0); /* exactly the maximum */
    assert_int_equal(g_out.len, before + 4 + AGENT_MAX_MESSAGE);
    g_out.len = before;
    req.data.len++;
    assert_int_equal(agent_build_sign_request(&g_out, &req), -EMSGSIZE);
    assert_int_equal(g_out.len, before);
    /* A buffer bound below the message: -E2BIG, nothing left behind. */
    struct strbuf small;
    strbuf_init(&small, 16);
    assert_int_equal(agent_build_sign_response(&small, (struct agent_str){big, 64}), -E2BIG);
    assert_int_equal(small.len, 0);
    strbuf_done(&small);
    free(big);
}

/* ---- base64 and .pub lines (real keys: test-ssh-openssh.c) ---- */

static void test_base64_takes_only_canonical_text(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(base64_decode("aGVsbG8=", 8, out, sizeof(out)), 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(base64_decode("aGk=", 4, out, sizeof(out)), 2);
    assert_int_equal(base64_decode("aA==", 4, out, sizeof(out)), 1);
    assert_int_equal(base64_decode("", 0, out, sizeof(out)), 0);
    assert_int_equal(base64_decode("+/+/", 4, out, sizeof(out)), 3);
    assert_memory_equal(out, "\xfb\xff\xbf", 3);
    const char *bad[] = {"aGk",  "aGk==",    "aG=k",  "aA=A", "aB==", "aGl=",
                         "a-k=", "aGk=aGk=", "a\nk=", "====", "aGk\0"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        size_t n = i == ARRAY_SIZE(bad) - 1 ? 4 : strlen(bad[i]); /* the last holds a NUL */
        assert_int_equal(base64_decode(bad[i], n, out, sizeof(out)), -EINVAL);
    }
    assert_int_equal(base64_decode("aGVsbG8=", 8, out, 4), -E2BIG);
}

/* A .pub line of blob: type word, base64 (encoded here), comment. */
static char *pub_line(const char *type, const struct tbuf *blob, const char *comment)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    struct strbuf sb;
    strbuf_init(&sb, 65536);
    assert_int_equal(strbuf_appendf(&sb, "%s ", type), 0);
    for (size_t i = 0; i < blob->n; i += 3) {
        uint32_t v = (uint32_t)blob->b[i] << 16;
        if (i + 1 < blob->n)
            v |= (uint32_t)blob->b[i + 1] << 8;
        if (i + 2 < blob->n)
            v |= blob->b[i + 2];
        char q[4] = {a[(v >> 18) & 63], a[(v >> 12) & 63], i + 1 < blob->n ? a[(v >> 6) & 63] : '=',
                     i + 2 < blob->n ? a[v & 63] : '='};
        assert_int_equal(strbuf_append(&sb, q, 4), 0);
    }
    assert_int_equal(strbuf_appendf(&sb, "%s%s\n", comment[0] ? " " : "", comment), 0);
    return strbuf_steal(&sb);
}

static int parse_pub(const char *type, const struct tbuf *blob, const char *comment,
                     struct ssh_pubkey *k, struct ags_error *err)
{
    char *line = pub_line(type, blob, comment);
    int r = ssh_pubkey_parse(line, strlen(line), SSH_KEY_SIGN, k, err);
    free(line);
    return r;
}

static void test_pub_line_gives_blob_type_and_comment(void **state)
{
    (void)state;
    struct ssh_pubkey k;
    struct ags_error err = {0};
    assert_int_equal(parse_pub("ssh-ed25519", &g_sign_blob, "me@host two words", &k, &err), 0);
    assert_string_equal(k.type, "ssh-ed25519");
    assert_int_equal(k.blob_len, g_sign_blob.n);
    assert_memory_equal(k.blob, g_sign_blob.b, k.blob_len);
    assert_string_equal(k.comment, "me@host two words");
    assert_int_equal(k.purpose, SSH_KEY_SIGN);
    ssh_pubkey_done(&k);
    assert_int_equal(parse_pub("ssh-ed25519", &g_sign_blob, "", &k, &err), 0);
    assert_string_equal(k.comment, "");
    ssh_pubkey_done(&k);

    struct tbuf ec = {0};
    uint8_t point[97] = {0x04};
    t_str(&ec, "ecdsa-sha2-nistp384");
    t_str(&ec, "nistp384");
    t_bytes(&ec, point, sizeof(point));
    assert_int_equal(parse_pub("ecdsa-sha2-nistp384", &ec, "ec", &k, &err), 0);
    assert_string_equal(k.type, "ecdsa-sha2-nistp384");
    ssh_pubkey_done(&k);
}

static void test_pub_line_refuses_rsa_others_and_malformed_blobs(void **state)
{
    (void)state;
    struct ssh_pubkey k;
    struct ags_error err = {0};
    struct tbuf rsa = {0};
    t_str(&rsa, "ssh-rsa");
    t_str(&rsa, "\x01\x00\x01");
    t_str(&rsa, "modulus");
    assert_int_equal(parse_pub("ssh-rsa", &rsa, "", &k, &err), -ENOTSUP);
    assert_non_null(strstr(err.msg, "RSA keys are not supported"));
    assert_non_null(strstr(err.msg, "ssh-keygen -t ed25519"));
    const char *others[] = {"ssh-dss", "sk-ssh-ed25519@openssh.com",
                            "ssh-ed25519-cert-v01@openssh.com", "x-unknown"};
    for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
        struct tbuf t = {0};
        t_str(&t, others[i]);
        t_str(&t, "key");
        assert_int_equal(parse_pub(others[i], &t, "", &k, &err), -ENOTSUP);
    }
    /* The line's word and the blob's type disagree. */
    assert_int_equal(parse_pub("ecdsa-sha2-nistp256", &g_sign_blob, "", &k, &err), -EBADMSG);
    /* A short key, bytes after it, an ECDSA blob naming another curve or a compressed point. */
    struct tbuf shortk = {0}, trailing = g_sign_blob, curve = {0}, compressed = {0};
    t_str(&shortk, "ssh-ed25519");
    t_bytes(&shortk, g_sign_blob.b + 19, 31);
    t_u8(&trailing, 0);
    uint8_t point[65] = {0x04}, cpoint[65] = {0x02};
    t_str(&curve, "ecdsa-sha2-nistp256");
    t_str(&curve, "nistp384");
    t_bytes(&curve, point, sizeof(point));
    t_str(&compressed, "ecdsa-sha2-nistp256");
    t_str(&compressed, "nistp256");
    t_bytes(&compressed, cpoint, sizeof(cpoint));
    assert_int_equal(parse_pub("ssh-ed25519", &shortk, "", &k, &err), -EBADMSG);
    assert_int_equal(parse_pub("ssh-ed25519", &trailing, "", &k, &err), -EBADMSG);
    assert_int_equal(parse_pub("ecdsa-sha2-nistp256", &curve, "", &k, &err), -EBADMSG);
    assert_int_equal(parse_pub("ecdsa-sha2-nistp256", &compressed, "", &k, &err), -EBADMSG);
    /* Not a key line at all. */
    const char *lines[] = {"", "# only a comment\n\n", "ssh-ed25519\n", "ssh-ed25519 !!!!\n"};
    for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
        assert_int_equal(ssh_pubkey_parse(lines[i], strlen(lines[i]), SSH_KEY_AUTH, &k, &err),
                         -EINVAL);
}

/* ---- the filter ---- */

static struct agent_decision decide(const struct tbuf *body)
{
    struct agent_decision d;
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_request(g_keys, 2, body->b, body->n, &g_out, &d), 0);
    assert_true(d.reason[0] != '\0');
    if (d.action == AGENT_REFUSE) {
        assert_int_equal(g_out.len, 0); /* nothing goes to the real agent */
        assert_null(d.key);
    }
    return d;
}

static void check_forwarded_sign(const struct agent_decision *d, const struct tbuf *blob,
                                 const struct tbuf *data, const struct ssh_pubkey *key)
{
    assert_int_equal(d->action, AGENT_FORWARD_SIGN);
    assert_ptr_equal(d->key, key);
    /* What goes upstream: the same key and data, flags 0. */
    struct tbuf want = sign_request(blob, data, 0);
    size_t len;
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, want.n);
    assert_memory_equal(body, want.b, len);
}

static void test_filter_lists_keys_through_the_real_agent(void **state)
{
    (void)state;
    struct tbuf req = {0};
    t_u8(&req, AGENTC_REQUEST_IDENTITIES);
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_LIST_IDENTITIES);
    size_t len;
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, 1);
    assert_int_equal(body[0], AGENTC_REQUEST_IDENTITIES);
    t_u8(&req, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
}

static void test_filter_allows_sshsig_git_with_the_signing_key(void **state)
{
    (void)state;
    struct tbuf data = sshsig("git", "", "sha512", 64);
    struct tbuf req = sign_request(&g_sign_blob, &data, 0x4);
    struct agent_decision d = decide(&req);
    check_forwarded_sign(&d, &g_sign_blob, &data, &g_keys[1]);
    assert_non_null(strstr(d.reason, "ags-agent-signing"));
    assert_non_null(strstr(d.reason, "SSHSIG namespace 'git' (sha512)"));
    data = sshsig("git", "", "sha256", 32);
    req = sign_request(&g_sign_blob, &data, 0);
    d = decide(&req);
    check_forwarded_sign(&d, &g_sign_blob, &data, &g_keys[1]);
}

static void test_filter_refuses_sshsig_of_another_namespace_or_shape(void **state)
{
    (void)state;

    const struct {
        struct tbuf data;
        const char *why;
    } cases[] = {
            {sshsig("file", "", "sha512", 64), "namespace 'file'"},
            {sshsig("git\n'x", "", "sha512", 64), "namespace 'git??x'"},
            {sshsig("gi", "", "sha512", 64), "namespace 'gi'"},
            {sshsig("git", "x", "sha512", 64), "reserved"},
            {sshsig("git", "", "sha1", 20), "hash 'sha1'"},
            {sshsig("git", "", "sha512", 32), "hash of 32 bytes"},
            {sshsig("git", "", "sha256", 64), "hash of 64 bytes"},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct tbuf req = sign_request(&g_sign_blob, &cases[i].data, 0);
        struct agent_decision d = decide(&req);
        assert_int_equal(d.action, AGENT_REFUSE);
        assert_non_null(strstr(d.reason, cases[i].why));
    }
    /* "SSHSIG" spelled otherwise, trailing bytes, and every cut of a good blob. */
    struct tbuf good = sshsig("git", "", "sha512", 64), bad = good, longer = good;
    bad.b[0] = 's';
    t_u8(&longer, 0);
    struct tbuf req = sign_request(&g_sign_blob, &bad, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
    req = sign_request(&g_sign_blob, &longer, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
    for (size_t cut = 0; cut < good.n; cut++) {
        struct tbuf part = good;
        part.n = cut;
        req = sign_request(&g_sign_blob, &part, 0);
        assert_int_equal(decide(&req).action, AGENT_REFUSE);
    }
}

static void test_filter_refuses_sshsig_with_the_auth_key(void **state)
{
    (void)state;
    struct tbuf data = sshsig("git", "", "sha512", 64);
    struct tbuf req = sign_request(&g_auth_blob, &data, 0);
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_REFUSE);
    assert_non_null(strstr(d.reason, "auth key"));
}

static void test_filter_allows_userauth_with_the_auth_key(void **state)
{
    (void)state;
    struct userauth u = good_userauth();
    struct tbuf data = userauth_data(&u);
    struct tbuf req = sign_request(&g_auth_blob, &data, 0);
    struct agent_decision d = decide(&req);
    check_forwarded_sign(&d, &g_auth_blob, &data, &g_keys[0]);
    assert_non_null(strstr(d.reason, "user authentication as 'git'"));
    /* OpenSSH 8.9+ against a current sshd: the host key follows. */
    u.method = "publickey-hostbound-v00@openssh.com";
    u.host_key = "a host key blob";
    data = userauth_data(&u);
    req = sign_request(&g_auth_blob, &data, 0);
    d = decide(&req);
    check_forwarded_sign(&d, &g_auth_blob, &data, &g_keys[0]);
    assert_non_null(strstr(d.reason, "hostbound"));
    /* Every session identifier length a key exchange makes. */
    const size_t lens[] = {1, 20, 32, 48, 64};
    u = good_userauth();
    for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
        u.session_len = lens[i];
        data = userauth_data(&u);
        req = sign_request(&g_auth_blob, &data, 0);
        assert_int_equal(decide(&req).action, AGENT_FORWARD_SIGN);
    }
}

static void test_filter_refuses_userauth_naming_another_key(void **state)
{
    (void)state;
    struct userauth u = good_userauth();
    u.key = &g_other_blob;
    struct tbuf data = userauth_data(&u);
    struct tbuf req = sign_request(&g_auth_blob, &data, 0);
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_REFUSE);
    assert_non_null(strstr(d.reason, "another public key"));
    /* Naming the signing key inside and asking the auth key to sign is no better. */
    u.key = &g_sign_blob;
    data = userauth_data(&u);
    req = sign_request(&g_auth_blob, &data, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
}

static void test_filter_refuses_userauth_with_the_signing_key(void **state)
{
    (void)state;
    struct userauth u = good_userauth();
    u.key = &g_sign_blob;
    struct tbuf data = userauth_data(&u);
    struct tbuf req = sign_request(&g_sign_blob, &data, 0);
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_REFUSE);
    assert_non_null(strstr(d.reason, "signing key"));
    assert_non_null(strstr(d.reason, "not an SSHSIG blob"));
}

static void test_filter_refuses_userauth_of_another_shape(void **state)
{
    (void)state;
    struct userauth cases[12];
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
        cases[i] = good_userauth();
    cases[0].session_len = 0;
    cases[1].session_len = 65;
    cases[2].msg = 51;
    cases[3].service = "ssh-userauth";
    cases[4].method = "hostbased";
    cases[5].method = "publickey-hostbound-v00@openssh.com"; /* without its host key */
    cases[6].has_sig = 0;
    cases[7].has_sig = 2;
    cases[8].alg = "ecdsa-sha2-nistp256";
    cases[9].alg = "ssh-ed25519-cert-v01@openssh.com";
    cases[10].host_key = "publickey has nothing after the key"; /* trailing string */
    cases[11].user = "a\0b";                                    /* NUL: built by hand below */
    for (size_t i = 0; i + 1 < ARRAY_SIZE(cases); i++) {
        struct tbuf data = userauth_data(&cases[i]);
        struct tbuf req = sign_request(&g_auth_blob, &data, 0);
        assert_int_equal(decide(&req).action, AGENT_REFUSE);
    }
    struct tbuf data = {0};
    uint8_t session[32] = {0};
    t_bytes(&data, session, sizeof(session));
    t_u8(&data, 50);
    t_bytes(&data, "a\0b", 3);
    t_str(&data, "ssh-connection");
    t_str(&data, "publickey");
    t_u8(&data, 1);
    t_str(&data, "ssh-ed25519");
    t_bytes(&data, g_auth_blob.b, g_auth_blob.n);
    struct tbuf req = sign_request(&g_auth_blob, &data, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
    /* Every cut of a good request. */
    struct userauth u = good_userauth();
    struct tbuf good = userauth_data(&u);
    for (size_t cut = 0; cut < good.n; cut++) {
        struct tbuf part = good;
        part.n = cut;
        req = sign_request(&g_auth_blob, &part, 0);
        assert_int_equal(decide(&req).action, AGENT_REFUSE);
    }
}

static void test_filter_refuses_a_key_that_is_not_configured(void **state)
{
    (void)state;
    struct userauth u = good_userauth();
    u.key = &g_other_blob;
    struct tbuf data = userauth_data(&u);
    struct tbuf req = sign_request(&g_other_blob, &data, 0);
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_REFUSE);
    assert_non_null(strstr(d.reason, "not configured"));
    data = sshsig("git", "", "sha512", 64);
    req = sign_request(&g_other_blob, &data, 0);
    assert_int_equal(decide(&req).action, AGENT_REFUSE);
    /* With no keys configured nothing signs. */
    struct agent_decision none;
    data = sshsig("git", "", "sha512", 64);
    req = sign_request(&g_sign_blob, &data, 0);
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_request(NULL, 0, req.b, req.n, &g_out, &none), 0);
    assert_int_equal(none.action, AGENT_REFUSE);
}

static void test_filter_refuses_every_other_message(void **state)
{
    (void)state;
    /* Every type byte but the two allowed ones, with plausible contents after it. */
    for (unsigned type = 0; type < 256; type++) {
        if (type == AGENTC_REQUEST_IDENTITIES || type == AGENTC_SIGN_REQUEST)
            continue;
        struct tbuf req = {0};
        t_u8(&req, (uint8_t)type);
        t_bytes(&req, g_sign_blob.b, g_sign_blob.n);
        t_str(&req, "comment or passphrase");
        struct agent_decision d = decide(&req);
        assert_int_equal(d.action, AGENT_REFUSE);
        assert_int_equal(d.type, (int)type);
        const char *name = agent_msg_name(type);
        if (name)
            assert_non_null(strstr(d.reason, name));
        /* The type byte alone too (LOCK without a passphrase, REMOVE_ALL). */
        req.n = 1;
        assert_int_equal(decide(&req).action, AGENT_REFUSE);
    }
    struct tbuf empty = {0};
    assert_int_equal(decide(&empty).type, -1);
}

static void test_filter_refuses_every_extension(void **state)
{
    (void)state;
    const char *names[] = {"session-bind@openssh.com", "query", "add-smartcard@x"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
        struct tbuf req = {0};
        t_u8(&req, AGENTC_EXTENSION);
        t_str(&req, names[i]);
        t_str(&req, "contents");
        struct agent_decision d = decide(&req);
        assert_int_equal(d.action, AGENT_REFUSE);
        assert_non_null(strstr(d.reason, names[i]));
    }
    /* A hostile name reaches the log as printable ASCII of bounded length. */
    struct tbuf req = {0};
    char name[300];
    memset(name, 'A', sizeof(name));
    memcpy(name, "\x1b]0;x\a\xc2\x9b", 8);
    t_u8(&req, AGENTC_EXTENSION);
    t_bytes(&req, name, sizeof(name));
    struct agent_decision d = decide(&req);
    assert_int_equal(d.action, AGENT_REFUSE);
    for (const char *c = d.reason; *c; c++)
        assert_true(*c >= 0x20 && *c < 0x7f);
    assert_non_null(strstr(d.reason, "..."));
}

/* ---- the real agent's answers ---- */

static void test_identities_answer_keeps_only_configured_keys(void **state)
{
    (void)state;
    /* The agent holds another key, both configured ones, and the signing key twice. */
    struct tbuf ans = {0};
    t_u8(&ans, AGENT_IDENTITIES_ANSWER);
    t_u32(&ans, 4);
    t_bytes(&ans, g_other_blob.b, g_other_blob.n);
    t_str(&ans, "/home/u/.ssh/id_work");
    t_bytes(&ans, g_sign_blob.b, g_sign_blob.n);
    t_str(&ans, "/home/u/.ssh/ags-agent-signing");
    t_bytes(&ans, g_auth_blob.b, g_auth_blob.n);
    t_str(&ans, "agent's comment");
    t_bytes(&ans, g_sign_blob.b, g_sign_blob.n);
    t_str(&ans, "again");
    size_t n_listed;
    struct ags_error err = {0};
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_identities(g_keys, 2, ans.b, ans.n, &g_out, &n_listed, &err), 0);
    assert_int_equal(n_listed, 2);
    struct tbuf want = {0};
    t_u8(&want, AGENT_IDENTITIES_ANSWER);
    t_u32(&want, 2);
    t_bytes(&want, g_sign_blob.b, g_sign_blob.n);
    t_str(&want, "ags-agent-signing");
    t_bytes(&want, g_auth_blob.b, g_auth_blob.n);
    t_str(&want, "ags-agent-auth");
    size_t len;
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, want.n);
    assert_memory_equal(body, want.b, len);
}

static void test_identities_answer_of_failure_or_garbage(void **state)
{
    (void)state;
    size_t n_listed = 9, len;
    struct ags_error err = {0};
    const uint8_t failure[] = {AGENT_FAILURE};
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_identities(g_keys, 2, failure, 1, &g_out, &n_listed, &err), 0);
    assert_int_equal(n_listed, 0);
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(body, "\x0c\0\0\0\0", 5);
    const uint8_t garbage[] = {AGENT_IDENTITIES_ANSWER, 0, 0, 0, 1, 0, 0};
    strbuf_reset(&g_out);
    assert_int_equal(
            agent_filter_identities(g_keys, 2, garbage, sizeof(garbage), &g_out, &n_listed, &err),
            -EBADMSG);
    assert_int_equal(g_out.len, 0);
    const uint8_t other[] = {AGENT_SUCCESS};
    assert_int_equal(agent_filter_identities(g_keys, 2, other, 1, &g_out, &n_listed, &err),
                     -EBADMSG);
}

static void test_sign_reply_passes_a_signature_and_nothing_else(void **state)
{
    (void)state;
    struct ags_error err = {0};
    struct tbuf resp = {0};
    t_u8(&resp, AGENT_SIGN_RESPONSE);
    t_str(&resp, "sig");
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_sign_reply(resp.b, resp.n, &g_out, &err), 1);
    size_t len;
    const uint8_t *body = one_frame(&g_out, &len);
    assert_int_equal(len, resp.n);
    assert_memory_equal(body, resp.b, len);
    const uint8_t failure[] = {AGENT_FAILURE};
    strbuf_reset(&g_out);
    assert_int_equal(agent_filter_sign_reply(failure, 1, &g_out, &err), 0);
    body = one_frame(&g_out, &len);
    assert_int_equal(body[0], AGENT_FAILURE);
    /* Anything else (a truncated signature, another type) becomes FAILURE. */
    const uint8_t *odd[] = {(const uint8_t *)"\x0e\0\0\0\x09sig", (const uint8_t *)"\x06"};
    const size_t odd_len[] = {8, 1};
    for (size_t i = 0; i < ARRAY_SIZE(odd); i++) {
        strbuf_reset(&g_out);
        assert_int_equal(agent_filter_sign_reply(odd[i], odd_len[i], &g_out, &err), -EBADMSG);
        body = one_frame(&g_out, &len);
        assert_int_equal(len, 1);
        assert_int_equal(body[0], AGENT_FAILURE);
        assert_true(err.msg[0] != '\0');
    }
    /* A signature beyond the client buffer's bound: FAILURE instead. */
    struct tbuf big = {0};
    uint8_t sig[64] = {0};
    t_u8(&big, AGENT_SIGN_RESPONSE);
    t_bytes(&big, sig, sizeof(sig));
    struct strbuf small;
    strbuf_init(&small, 16);
    assert_int_equal(agent_filter_sign_reply(big.b, big.n, &small, &err), -E2BIG);
    body = one_frame(&small, &len);
    assert_int_equal(len, 1);
    assert_int_equal(body[0], AGENT_FAILURE);
    strbuf_done(&small);
}

static int setup_group(void **state)
{
    return setup_keys(state) | setup_out(state);
}

static int teardown_group(void **state)
{
    return teardown_out(state) | teardown_keys(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_reader_gives_the_same_messages_in_any_chunks),
            cmocka_unit_test(test_reader_refuses_a_zero_length_from_the_length_bytes),
            cmocka_unit_test(test_reader_refuses_an_oversized_length_before_buffering),
            cmocka_unit_test(test_reader_takes_a_message_of_exactly_the_maximum),
            cmocka_unit_test(test_reader_stops_at_the_end_of_one_message),
            cmocka_unit_test(test_reader_knows_a_peer_left_mid_message),
            cmocka_unit_test(test_empty_messages_round_trip),
            cmocka_unit_test(test_identities_answer_round_trip),
            cmocka_unit_test(test_sign_request_and_response_round_trip),
            cmocka_unit_test(test_extension_name_is_parsed),
            cmocka_unit_test(test_every_request_type_has_its_protocol_name),
            cmocka_unit_test(test_truncated_messages_are_refused_at_every_byte),
            cmocka_unit_test(test_lengths_beyond_the_message_are_refused),
            cmocka_unit_test(test_builders_refuse_a_body_over_the_maximum),
            cmocka_unit_test(test_base64_takes_only_canonical_text),
            cmocka_unit_test(test_pub_line_gives_blob_type_and_comment),
            cmocka_unit_test(test_pub_line_refuses_rsa_others_and_malformed_blobs),
            cmocka_unit_test(test_filter_lists_keys_through_the_real_agent),
            cmocka_unit_test(test_filter_allows_sshsig_git_with_the_signing_key),
            cmocka_unit_test(test_filter_refuses_sshsig_of_another_namespace_or_shape),
            cmocka_unit_test(test_filter_refuses_sshsig_with_the_auth_key),
            cmocka_unit_test(test_filter_allows_userauth_with_the_auth_key),
            cmocka_unit_test(test_filter_refuses_userauth_naming_another_key),
            cmocka_unit_test(test_filter_refuses_userauth_with_the_signing_key),
            cmocka_unit_test(test_filter_refuses_userauth_of_another_shape),
            cmocka_unit_test(test_filter_refuses_a_key_that_is_not_configured),
            cmocka_unit_test(test_filter_refuses_every_other_message),
            cmocka_unit_test(test_filter_refuses_every_extension),
            cmocka_unit_test(test_identities_answer_keeps_only_configured_keys),
            cmocka_unit_test(test_identities_answer_of_failure_or_garbage),
            cmocka_unit_test(test_sign_reply_passes_a_signature_and_nothing_else),
    };
    return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
