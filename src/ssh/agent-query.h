/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A one-question client of a real ssh-agent: which keys does it hold?  The
 * run layer asks before a sandbox starts (are the configured keys loaded, or
 * must ssh-add load them?) and doctor asks to say whether the agent answers.
 * Blocking, with a deadline: an agent that never answers costs the caller at
 * most timeout_ms, never a hang.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "ssh/pubkey.h"

/* Copies of the key blobs an agent listed (no comments: nothing else is needed). */
struct ssh_agent_keys {
    uint8_t **blob;
    size_t *len;
    size_t n;
};

void ssh_agent_keys_done(struct ssh_agent_keys *k);

/*
 * Asks the agent at socket_path for its identities.  0 with *ret filled (the
 * caller frees it with ssh_agent_keys_done); -ECONNREFUSED/-ENOENT when
 * nothing listens there, -ETIMEDOUT past timeout_ms, -EBADMSG for an answer
 * that is not a well-formed IDENTITIES_ANSWER, each with *err saying which.
 */
int ssh_agent_list(const char *socket_path, int timeout_ms, struct ssh_agent_keys *ret,
                   struct ags_error *err) _warn_unused_;

/* Does the list hold key's blob? */
bool ssh_agent_keys_have(const struct ssh_agent_keys *k, const struct ssh_pubkey *key);
