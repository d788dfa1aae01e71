/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the agent proxy does with each message, as pure functions of the
 * configured keys and the bytes: the server (not here) reads frames with
 * agent_reader, asks agent_filter_request what to do, talks to the real
 * agent, and passes the real agent's answer through agent_filter_identities
 * or agent_filter_sign_reply before the client sees it.
 *
 * A client may only
 *   - list keys: the answer is the real agent's, cut down to the configured
 *     keys (matched by public key blob) with their configured comments;
 *   - have a configured key sign what its purpose allows: the signing key an
 *     SSHSIG blob of namespace "git" (PROTOCOL.sshsig), the auth key an SSH
 *     user-authentication request for that same key (RFC 4252 section 7).
 * Everything else is refused, and the server answers SSH_AGENT_FAILURE.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "ssh/agent-wire.h"
#include "ssh/pubkey.h"

/* What the server does with a client's request. */
enum agent_action {
    AGENT_REFUSE,          /* answer SSH_AGENT_FAILURE */
    AGENT_LIST_IDENTITIES, /* send upstream, filter the answer (agent_filter_identities) */
    AGENT_FORWARD_SIGN,    /* send upstream, check the answer (agent_filter_sign_reply) */
};

#define AGENT_REASON_MAX 200u

struct agent_decision {
    enum agent_action action;
    int type; /* the request's type byte; -1 for an empty body */
    /* FORWARD_SIGN: the configured key asked to sign (for the log and a
     * confirmation question); NULL otherwise. */
    const struct ssh_pubkey *key;
    /* For the log: what was asked and why it is allowed or refused.  Text the
     * client chose (a user or extension name) appears only as printable
     * ASCII, cut at 64 characters. */
    char reason[AGENT_REASON_MAX];
};

/*
 * Decides one client request (a whole body from agent_reader).  For LIST and
 * FORWARD_SIGN it appends to upstream the frame to send to the real agent:
 * rebuilt from the parsed fields, never the client's bytes as they came (a
 * SIGN_REQUEST's flags become 0: they only select RSA hash algorithms, and
 * no RSA key is configured).  Returns 0, or -E2BIG when upstream's bound is
 * reached (then the decision is REFUSE).
 */
int agent_filter_request(const struct ssh_pubkey *keys, size_t n_keys, const uint8_t *body,
                         size_t len, struct strbuf *upstream, struct agent_decision *d)
        _warn_unused_;

/*
 * The real agent's answer to REQUEST_IDENTITIES, as the client may see it:
 * appends to client an IDENTITIES_ANSWER frame of the configured keys the
 * agent holds (in the agent's order, each once, with the configured comment,
 * so nothing the agent knows about other keys or file names passes).  An
 * agent's FAILURE becomes an empty list.  *n_listed says how many were kept.
 * -EBADMSG (nothing appended) for a malformed answer.
 */
int agent_filter_identities(const struct ssh_pubkey *keys, size_t n_keys, const uint8_t *answer,
                            size_t len, struct strbuf *client, size_t *n_listed,
                            struct ags_error *err) _warn_unused_;

/*
 * The real agent's answer to a forwarded SIGN_REQUEST: appends to client a
 * SIGN_RESPONSE rebuilt from it and returns 1, or appends FAILURE and returns
 * 0 when the agent refused, or appends FAILURE and returns -EBADMSG for any
 * other answer and -E2BIG when the signature does not fit client's bound
 * (err says what).  Only when not even FAILURE fits is nothing appended.
 */
int agent_filter_sign_reply(const uint8_t *answer, size_t len, struct strbuf *client,
                            struct ags_error *err) _warn_unused_;

/*
 * The data checks, on their own for tests and the fuzz target.  0 when data
 * is what the purpose allows, -EPERM with why in reason otherwise.
 */
int agent_check_sshsig(struct agent_str data, char *reason, size_t reason_size) _warn_unused_;
/* key_blob and key_type: the key the SIGN_REQUEST names. */
int agent_check_userauth(struct agent_str data, struct agent_str key_blob, const char *key_type,
                         char *reason, size_t reason_size) _warn_unused_;
