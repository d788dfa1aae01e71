/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The ssh-agent protocol (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent)
 * as pure functions: no I/O, so a socket server feeds it whatever bytes a
 * client or the real agent sent, in any chunks, and the unit tests and the
 * fuzz target drive it the same way.
 *
 * A message on the wire is uint32 length + body; the body's first byte is
 * its type.  The reader hands out bodies; parsers take a body and give views
 * into it (struct agent_str), valid as long as the body is; builders append
 * one whole frame (length included) to a bounded strbuf.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/frame-reader.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "ssh/agent-wire.h"

/* Bodies above this are refused before any of them is buffered (as OpenSSH). */
#define AGENT_MAX_MESSAGE AGS_SSH_AGENT_MAX_MESSAGE
#define AGENT_FRAME_MAX   (AGENT_MAX_MESSAGE + 4u)

enum agent_msg_type {
    /* Replies */
    AGENT_FAILURE = 5,
    AGENT_SUCCESS = 6,
    AGENT_IDENTITIES_ANSWER = 12,
    AGENT_SIGN_RESPONSE = 14,
    AGENT_EXTENSION_FAILURE = 28,
    /* Requests */
    AGENTC_REQUEST_IDENTITIES = 11,
    AGENTC_SIGN_REQUEST = 13,
    AGENTC_ADD_IDENTITY = 17,
    AGENTC_REMOVE_IDENTITY = 18,
    AGENTC_REMOVE_ALL_IDENTITIES = 19,
    AGENTC_ADD_SMARTCARD_KEY = 20,
    AGENTC_REMOVE_SMARTCARD_KEY = 21,
    AGENTC_LOCK = 22,
    AGENTC_UNLOCK = 23,
    AGENTC_ADD_ID_CONSTRAINED = 25,
    AGENTC_ADD_SMARTCARD_KEY_CONSTRAINED = 26,
    AGENTC_EXTENSION = 27,
};

/* The protocol's name of a message type ("SSH_AGENTC_LOCK"), the SSH1
 * protocol's obsolete numbers included; NULL for a number no version used. */
const char *agent_msg_name(unsigned type);

/* The incremental frame reader (base/frame-reader.h) held to AGENT_MAX_MESSAGE. */
struct agent_reader {
    struct frame_reader f;
};

void agent_reader_init(struct agent_reader *r);
void agent_reader_done(struct agent_reader *r);
/*
 * Consumes bytes of p up to the end of one message; *used says how many
 * (feed the rest after agent_reader_next).  Returns 1 when a whole message
 * is held (then agent_reader_body gives it, and a further feed consumes
 * nothing until agent_reader_next), 0 when more bytes are needed,
 * -EMSGSIZE for a length above AGENT_MAX_MESSAGE and -EBADMSG for a zero
 * length: both decided from the 4 length bytes alone.  After an error the
 * reader must not be fed again (the stream is out of step: drop the peer).
 */
int agent_reader_feed(struct agent_reader *r, const void *p, size_t n, size_t *used,
                      struct ags_error *err) _warn_unused_;
const uint8_t *agent_reader_body(const struct agent_reader *r, size_t *len);
/* Forgets the held message; the reader is ready for the next one. */
void agent_reader_next(struct agent_reader *r);
/* Some bytes of a message arrived but not all (a peer that left mid-message). */
bool agent_reader_partial(const struct agent_reader *r);

struct agent_identity {
    struct agent_str blob, comment;
};

struct agent_sign_request {
    struct agent_str key_blob, data;
    uint32_t flags;
};

/* The type byte of a body: >= 0, or -EBADMSG for an empty body. */
int agent_msg_type(const uint8_t *body, size_t len);

/*
 * Parsers: the body must be of the named type and hold exactly its fields
 * (a byte left over is an error as much as one missing).  -EBADMSG with a
 * message naming the field otherwise.
 */
/* REQUEST_IDENTITIES, FAILURE, SUCCESS: the type byte alone. */
int agent_parse_empty(const uint8_t *body, size_t len, uint8_t type, struct ags_error *err)
        _warn_unused_;
/* IDENTITIES_ANSWER: *ids (xcalloc'd, free it) points into body. */
int agent_parse_identities_answer(const uint8_t *body, size_t len, struct agent_identity **ids,
                                  size_t *n_ids, struct ags_error *err) _warn_unused_;
int agent_parse_sign_request(const uint8_t *body, size_t len, struct agent_sign_request *req,
                             struct ags_error *err) _warn_unused_;
int agent_parse_sign_response(const uint8_t *body, size_t len, struct agent_str *signature,
                              struct ags_error *err) _warn_unused_;
/* EXTENSION: its name (the contents that follow depend on it and are left). */
int agent_parse_extension(const uint8_t *body, size_t len, struct agent_str *name,
                          struct ags_error *err) _warn_unused_;

/*
 * Builders: each appends one frame; -EMSGSIZE when its body would exceed
 * AGENT_MAX_MESSAGE, -E2BIG when out's own bound is reached.  On failure
 * out is as it was.
 */
int agent_build_empty(struct strbuf *out, uint8_t type) _warn_unused_;
int agent_build_identities_answer(struct strbuf *out, const struct agent_identity *ids,
                                  size_t n_ids) _warn_unused_;
int agent_build_sign_request(struct strbuf *out, const struct agent_sign_request *req)
        _warn_unused_;
int agent_build_sign_response(struct strbuf *out, struct agent_str signature) _warn_unused_;
