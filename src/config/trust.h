/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "base/error.h"

/*
 * The trust store pins each repo overlay to the digest of its content:
 * one line per repository, "<sha256-hex> <canonical repo root>".  An overlay
 * whose bytes changed (a `git pull`) is no longer trusted and is asked about
 * again.
 */
enum trust_state {
    TRUST_UNKNOWN, /* root never trusted */
    TRUST_CHANGED, /* root trusted with another digest */
    TRUST_OK,      /* root trusted with this digest */
};

int trust_lookup(const char *store, const char *root, const char *digest, enum trust_state *ret,
                 struct ags_error *err) _warn_unused_;
/* Records (root, digest), replacing any earlier line for root. */
int trust_record(const char *store, const char *root, const char *digest, struct ags_error *err)
        _warn_unused_;
