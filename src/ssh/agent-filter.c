/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/agent-filter.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "ssh/agent-check.h"
#include "ssh/agent-proto.h"
#include "base/banned.h"

static struct agent_str key_blob_of(const struct ssh_pubkey *k)
{
    return (struct agent_str){.p = k->blob, .len = k->blob_len};
}

static const struct ssh_pubkey *find_key(const struct ssh_pubkey *keys, size_t n_keys,
                                         struct agent_str blob)
{
    for (size_t i = 0; i < n_keys; i++)
        if (agent_str_equal(key_blob_of(&keys[i]), blob))
            return &keys[i];
    return NULL;
}

static int decide_list(const uint8_t *body, size_t len, struct strbuf *upstream,
                       struct agent_decision *d)
{
    struct ags_error err;
    if (agent_parse_empty(body, len, AGENTC_REQUEST_IDENTITIES, &err) < 0)
        return agent_reason(d->reason, sizeof(d->reason), 0, "malformed: %s", err.msg);
    int r = agent_build_empty(upstream, AGENTC_REQUEST_IDENTITIES);
    if (r < 0)
        return agent_reason(d->reason, sizeof(d->reason), r, "list keys: no room upstream");
    d->action = AGENT_LIST_IDENTITIES;
    return agent_reason(d->reason, sizeof(d->reason), 0, "list keys");
}

/* The key's purpose decides which one structure its data may have. */
static int check_purpose(const struct ssh_pubkey *key, struct agent_str data, char *why,
                         size_t why_size)
{
    if (key->purpose == SSH_KEY_SIGN)
        return agent_check_sshsig(data, why, why_size);
    return agent_check_userauth(data, key_blob_of(key), key->type, why, why_size);
}

static int decide_sign(const struct ssh_pubkey *keys, size_t n_keys, const uint8_t *body,
                       size_t len, struct strbuf *upstream, struct agent_decision *d)
{
    struct ags_error err;
    struct agent_sign_request req;
    if (agent_parse_sign_request(body, len, &req, &err) < 0)
        return agent_reason(d->reason, sizeof(d->reason), 0, "malformed: %s", err.msg);
    const struct ssh_pubkey *key = find_key(keys, n_keys, req.key_blob);
    if (!key)
        return agent_reason(d->reason, sizeof(d->reason), 0,
                            "sign with a key that is not configured");
    char why[AGENT_REASON_MAX], comment[80];
    agent_printable(comment, sizeof(comment),
                    (struct agent_str){(const uint8_t *)key->comment, strlen(key->comment)});
    const char *purpose = ssh_key_purpose_name(key->purpose);
    if (check_purpose(key, req.data, why, sizeof(why)) < 0)
        return agent_reason(d->reason, sizeof(d->reason), 0, "sign with the %s key '%s': %s",
                            purpose, comment, why);
    /* Rebuilt, flags 0: the flags only pick RSA hashes, and no RSA key is allowed. */
    req.flags = 0;
    int r = agent_build_sign_request(upstream, &req);
    if (r < 0)
        return agent_reason(d->reason, sizeof(d->reason), r, "sign: no room upstream");
    d->action = AGENT_FORWARD_SIGN;
    d->key = key;
    return agent_reason(d->reason, sizeof(d->reason), 0, "sign with the %s key '%s': %s", purpose,
                        comment, why);
}

/*
 * No extension is allowed.  OpenSSH's ssh sends session-bind@openssh.com
 * before it uses a key and carries on when the agent refuses it; the binding
 * only matters to an agent enforcing per-destination key constraints (ssh-add
 * -h), which the filter's purpose checks replace.  Others (query, and
 * whatever an agent adds) are not needed for listing or signing.
 */
static int decide_extension(const uint8_t *body, size_t len, struct agent_decision *d)
{
    struct agent_str name;
    char shown[80];
    if (agent_parse_extension(body, len, &name, NULL) < 0)
        return agent_reason(d->reason, sizeof(d->reason), 0, "malformed SSH_AGENTC_EXTENSION");
    agent_printable(shown, sizeof(shown), name);
    return agent_reason(d->reason, sizeof(d->reason), 0, "SSH_AGENTC_EXTENSION '%s' is not allowed",
                        shown);
}

int agent_filter_request(const struct ssh_pubkey *keys, size_t n_keys, const uint8_t *body,
                         size_t len, struct strbuf *upstream, struct agent_decision *d)
{
    *d = (struct agent_decision){.action = AGENT_REFUSE, .type = agent_msg_type(body, len)};
    if (d->type < 0) {
        d->type = -1;
        return agent_reason(d->reason, sizeof(d->reason), 0, "an empty message");
    }
    int r;
    switch (d->type) {
    case AGENTC_REQUEST_IDENTITIES:
        r = decide_list(body, len, upstream, d);
        break;
    case AGENTC_SIGN_REQUEST:
        r = decide_sign(keys, n_keys, body, len, upstream, d);
        break;
    case AGENTC_EXTENSION:
        r = decide_extension(body, len, d);
        break;
    default: {
        const char *name = agent_msg_name((unsigned)d->type);
        r = name ? agent_reason(d->reason, sizeof(d->reason), 0, "%s is not allowed", name)
                 : agent_reason(d->reason, sizeof(d->reason), 0, "unknown message type %d",
                                d->type);
    }
    }
    if (r < 0) {
        d->action = AGENT_REFUSE;
        d->key = NULL;
    }
    return r;
}

int agent_filter_identities(const struct ssh_pubkey *keys, size_t n_keys, const uint8_t *answer,
                            size_t len, struct strbuf *client, size_t *n_listed,
                            struct ags_error *err)
{
    *n_listed = 0;
    int r;
    if (agent_msg_type(answer, len) == AGENT_FAILURE &&
        agent_parse_empty(answer, len, AGENT_FAILURE, NULL) == 0) {
        r = agent_build_identities_answer(client, NULL, 0);
        return r < 0 ? ags_error_set(err, r, "no room for an empty key list") : 0;
    }
    _cleanup_free_ struct agent_identity *held = NULL;
    size_t n_held;
    r = agent_parse_identities_answer(answer, len, &held, &n_held, err);
    if (r < 0)
        return r;
    _cleanup_free_ struct agent_identity *shown = xcalloc(n_keys ? n_keys : 1, sizeof(*shown));
    _cleanup_free_ bool *listed = xcalloc(n_keys ? n_keys : 1, sizeof(*listed));
    size_t n = 0;
    for (size_t i = 0; i < n_held; i++) {
        const struct ssh_pubkey *k = find_key(keys, n_keys, held[i].blob);
        if (!k || listed[k - keys])
            continue;
        listed[k - keys] = true;
        shown[n++] = (struct agent_identity){
                .blob = key_blob_of(k),
                .comment = {(const uint8_t *)k->comment, strlen(k->comment)},
        };
    }
    r = agent_build_identities_answer(client, shown, n);
    if (r < 0)
        return ags_error_set(err, r, "the filtered key list does not fit");
    *n_listed = n;
    return 0;
}

int agent_filter_sign_reply(const uint8_t *answer, size_t len, struct strbuf *client,
                            struct ags_error *err)
{
    int type = agent_msg_type(answer, len);
    struct agent_str sig;
    int r = -EBADMSG;
    if (type == AGENT_SIGN_RESPONSE && agent_parse_sign_response(answer, len, &sig, err) == 0) {
        r = agent_build_sign_response(client, sig);
        if (r >= 0)
            return 1;
        (void)ags_error_set(err, r, "the signature does not fit");
    }
    int rf = agent_build_empty(client, AGENT_FAILURE);
    if (rf < 0)
        return ags_error_set(err, rf, "no room for the failure answer");
    if (r != -EBADMSG)
        return r;
    if (type == AGENT_FAILURE)
        return agent_parse_empty(answer, len, AGENT_FAILURE, err) == 0 ? 0 : -EBADMSG;
    if (type == AGENT_SIGN_RESPONSE)
        return -EBADMSG; /* err says what is wrong with it */
    const char *name = type < 0 ? "an empty message" : agent_msg_name((unsigned)type);
    return ags_error_set(err, -EBADMSG, "the agent answered a signature request with %s",
                         name ? name : "an unknown message type");
}
