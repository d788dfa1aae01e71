/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The server's host key against the user's ~/.ssh/known_hosts, as OpenSSH
 * reads it: plain and hashed (|1|) entries, "[host]:port" names for ports
 * other than 22 (and only those: no fallback to the bare name), @revoked
 * keys refused, @cert-authority lines and lines of key types libssh2 cannot
 * read skipped (one such line must not hide the rest).  The line
 * classification and the verdict are pure (fuzzed: fuzz/ssh-known-hosts),
 * and every entry is matched here, not by libssh2 (1.10 reads a correct
 * ECDSA entry as a changed key): plain names as patterns ('*', '?') without
 * case and with "!pattern" negations, hashed names as HMAC-SHA1(salt, name), then the same key type
 * and key blob.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* "SHA256:" + 43 characters of unpadded base64 + NUL. */
#define SSH_FINGERPRINT_MAX 52u

/* The SHA256 fingerprint of a key blob as `ssh` prints it. */
void ssh_fingerprint_sha256(const uint8_t *blob, size_t len, char out[SSH_FINGERPRINT_MAX]);

enum ssh_kh_line {
    SSH_KH_SKIP,    /* blank, comment, @cert-authority or another marker */
    SSH_KH_KEY,     /* hosts keytype key [comment] */
    SSH_KH_REVOKED, /* @revoked hosts keytype key: the rest is at *ret_off */
};

/* Classifies one line (without its newline); *ret_off: where the entry starts. */
enum ssh_kh_line ssh_known_hosts_line(const char *line, size_t len, size_t *ret_off);

enum ssh_kh_verdict {
    SSH_KH_MATCH,
    SSH_KH_UNKNOWN,  /* no entry for the name at all */
    /* no entry for the name with a key of this type, but one with a key of
     * another type: a server that offers only a type it never showed is
     * what an interceptor looks like (OpenSSH says so too) */
    SSH_KH_OTHER_TYPE,
    SSH_KH_CHANGED,  /* an entry for the name with another key of this type */
    SSH_KH_REVOKED_KEY,
};

struct ssh_host_key {
    const uint8_t *blob;
    size_t len;
    int type; /* LIBSSH2_HOSTKEY_TYPE_* */
};

/* A hashed entry's salt and hash (base64-decoded): OpenSSH writes 20 bytes each. */
#define SSH_KH_HASH_MAX 64u

/* The verdict for name ("host" or "[host]:port") on the known_hosts text
 * (NULL: no file). */
int ssh_known_hosts_verdict(const char *text, size_t len, const char *name,
                            const struct ssh_host_key *key, enum ssh_kh_verdict *ret,
                            struct ags_error *err) _warn_unused_;

/* The host key methods to offer in the handshake, comma-separated: the
 * types known_hosts holds for name first, then the others ags checks, as
 * OpenSSH orders them, so that a server with several host keys shows the
 * one the user has (and a type never seen stands out as OTHER_TYPE). */
#define SSH_KH_METHODS_MAX 96u
void ssh_known_hosts_methods(const char *text, size_t len, const char *name,
                             char out[SSH_KH_METHODS_MAX]);
