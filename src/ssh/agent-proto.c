/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Message names, parsers and builders of agent-proto.h. */
#include "ssh/agent-proto.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"

static const char *const msg_names[] = {
        /* The SSH1 protocol's numbers: no agent speaks them now, but they are named in the log. */
        [1] = "SSH_AGENTC_REQUEST_RSA_IDENTITIES",
        [2] = "SSH_AGENT_RSA_IDENTITIES_ANSWER",
        [3] = "SSH_AGENTC_RSA_CHALLENGE",
        [4] = "SSH_AGENT_RSA_RESPONSE",
        [5] = "SSH_AGENT_FAILURE",
        [6] = "SSH_AGENT_SUCCESS",
        [7] = "SSH_AGENTC_ADD_RSA_IDENTITY",
        [8] = "SSH_AGENTC_REMOVE_RSA_IDENTITY",
        [9] = "SSH_AGENTC_REMOVE_ALL_RSA_IDENTITIES",
        [11] = "SSH_AGENTC_REQUEST_IDENTITIES",
        [12] = "SSH_AGENT_IDENTITIES_ANSWER",
        [13] = "SSH_AGENTC_SIGN_REQUEST",
        [14] = "SSH_AGENT_SIGN_RESPONSE",
        [17] = "SSH_AGENTC_ADD_IDENTITY",
        [18] = "SSH_AGENTC_REMOVE_IDENTITY",
        [19] = "SSH_AGENTC_REMOVE_ALL_IDENTITIES",
        [20] = "SSH_AGENTC_ADD_SMARTCARD_KEY",
        [21] = "SSH_AGENTC_REMOVE_SMARTCARD_KEY",
        [22] = "SSH_AGENTC_LOCK",
        [23] = "SSH_AGENTC_UNLOCK",
        [24] = "SSH_AGENTC_ADD_RSA_ID_CONSTRAINED",
        [25] = "SSH_AGENTC_ADD_ID_CONSTRAINED",
        [26] = "SSH_AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED",
        [27] = "SSH_AGENTC_EXTENSION",
        [28] = "SSH_AGENT_EXTENSION_FAILURE",
};

const char *agent_msg_name(unsigned type)
{
    return type < ARRAY_SIZE(msg_names) ? msg_names[type] : NULL;
}

int agent_msg_type(const uint8_t *body, size_t len)
{
    return len > 0 ? body[0] : -EBADMSG;
}

/* Reads the type byte and checks it is the one the parser is for. */
static int open_body(struct agent_cursor *c, const uint8_t *body, size_t len, uint8_t type,
                     struct ags_error *err)
{
    *c = agent_cursor_of(body, len);
    uint8_t got;
    if (agent_get_u8(c, &got) < 0)
        return ags_error_set(err, -EBADMSG, "empty ssh-agent message");
    if (got != type)
        return ags_error_set(err, -EBADMSG, "ssh-agent message of type %u where %s was expected",
                             (unsigned)got, agent_msg_name(type));
    return 0;
}

static int body_ends(const struct agent_cursor *c, uint8_t type, struct ags_error *err)
{
    if (c->left == 0)
        return 0;
    return ags_error_set(err, -EBADMSG, "%s: %zu bytes after its last field", agent_msg_name(type),
                         c->left);
}

static int short_field(uint8_t type, const char *field, struct ags_error *err)
{
    return ags_error_set(err, -EBADMSG, "%s: the %s is cut short", agent_msg_name(type), field);
}

int agent_parse_empty(const uint8_t *body, size_t len, uint8_t type, struct ags_error *err)
{
    struct agent_cursor c;
    int r = open_body(&c, body, len, type, err);
    return r < 0 ? r : body_ends(&c, type, err);
}

int agent_parse_identities_answer(const uint8_t *body, size_t len, struct agent_identity **ids,
                                  size_t *n_ids, struct ags_error *err)
{
    const uint8_t type = AGENT_IDENTITIES_ANSWER;
    struct agent_cursor c;
    uint32_t n;
    *ids = NULL;
    *n_ids = 0;
    int r = open_body(&c, body, len, type, err);
    if (r < 0)
        return r;
    if (agent_get_u32(&c, &n) < 0)
        return short_field(type, "number of keys", err);
    /* Each key is at least two empty strings: a count beyond that is a lie, and
     * checking it first bounds the allocation by the message's size. */
    if (n > c.left / 8)
        return ags_error_set(err, -EBADMSG, "%s: %u keys cannot fit in %zu bytes",
                             agent_msg_name(type), n, c.left);
    _cleanup_free_ struct agent_identity *v = xcalloc(n ? n : 1, sizeof(*v));
    for (uint32_t i = 0; i < n; i++) {
        if (agent_get_string(&c, &v[i].blob) < 0)
            return short_field(type, "key blob", err);
        if (agent_get_string(&c, &v[i].comment) < 0)
            return short_field(type, "key comment", err);
    }
    r = body_ends(&c, type, err);
    if (r < 0)
        return r;
    *ids = TAKE_PTR(v);
    *n_ids = n;
    return 0;
}

int agent_parse_sign_request(const uint8_t *body, size_t len, struct agent_sign_request *req,
                             struct ags_error *err)
{
    const uint8_t type = AGENTC_SIGN_REQUEST;
    struct agent_cursor c;
    int r = open_body(&c, body, len, type, err);
    if (r < 0)
        return r;
    if (agent_get_string(&c, &req->key_blob) < 0)
        return short_field(type, "key blob", err);
    if (agent_get_string(&c, &req->data) < 0)
        return short_field(type, "data", err);
    if (agent_get_u32(&c, &req->flags) < 0)
        return short_field(type, "flags", err);
    return body_ends(&c, type, err);
}

int agent_parse_sign_response(const uint8_t *body, size_t len, struct agent_str *signature,
                              struct ags_error *err)
{
    const uint8_t type = AGENT_SIGN_RESPONSE;
    struct agent_cursor c;
    int r = open_body(&c, body, len, type, err);
    if (r < 0)
        return r;
    if (agent_get_string(&c, signature) < 0)
        return short_field(type, "signature", err);
    return body_ends(&c, type, err);
}

int agent_parse_extension(const uint8_t *body, size_t len, struct agent_str *name,
                          struct ags_error *err)
{
    const uint8_t type = AGENTC_EXTENSION;
    struct agent_cursor c;
    int r = open_body(&c, body, len, type, err);
    if (r < 0)
        return r;
    if (agent_get_string(&c, name) < 0)
        return short_field(type, "extension name", err);
    return 0;
}

/* Frames: 4 length bytes reserved first and filled in once the body is there. */
static int frame_begin(struct strbuf *out, size_t *start, uint8_t type)
{
    *start = out->len;
    int r = agent_put_u32(out, 0);
    if (r >= 0)
        r = agent_put_u8(out, type);
    return r;
}

static int frame_end(struct strbuf *out, size_t start, int r)
{
    size_t body = out->len - start - 4;
    if (r >= 0 && body > AGENT_MAX_MESSAGE)
        r = -EMSGSIZE;
    if (r < 0) {
        if (out->buf) {
            out->len = start;
            out->buf[start] = '\0';
        }
        return r;
    }
    uint8_t *len = (uint8_t *)out->buf + start;
    len[0] = (uint8_t)(body >> 24);
    len[1] = (uint8_t)(body >> 16);
    len[2] = (uint8_t)(body >> 8);
    len[3] = (uint8_t)body;
    return 0;
}

int agent_build_empty(struct strbuf *out, uint8_t type)
{
    size_t start;
    int r = frame_begin(out, &start, type);
    return frame_end(out, start, r);
}

int agent_build_identities_answer(struct strbuf *out, const struct agent_identity *ids,
                                  size_t n_ids)
{
    size_t start;
    int r = frame_begin(out, &start, AGENT_IDENTITIES_ANSWER);
    if (r >= 0)
        r = n_ids > UINT32_MAX ? -EMSGSIZE : agent_put_u32(out, (uint32_t)n_ids);
    for (size_t i = 0; r >= 0 && i < n_ids; i++) {
        r = agent_put_string(out, ids[i].blob.p, ids[i].blob.len);
        if (r >= 0)
            r = agent_put_string(out, ids[i].comment.p, ids[i].comment.len);
    }
    return frame_end(out, start, r);
}

int agent_build_sign_request(struct strbuf *out, const struct agent_sign_request *req)
{
    size_t start;
    int r = frame_begin(out, &start, AGENTC_SIGN_REQUEST);
    if (r >= 0)
        r = agent_put_string(out, req->key_blob.p, req->key_blob.len);
    if (r >= 0)
        r = agent_put_string(out, req->data.p, req->data.len);
    if (r >= 0)
        r = agent_put_u32(out, req->flags);
    return frame_end(out, start, r);
}

int agent_build_sign_response(struct strbuf *out, struct agent_str signature)
{
    size_t start;
    int r = frame_begin(out, &start, AGENT_SIGN_RESPONSE);
    if (r >= 0)
        r = agent_put_string(out, signature.p, signature.len);
    return frame_end(out, start, r);
}
