/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The public keys the agent filter lets a sandbox use, read from the
 * OpenSSH .pub files beside [sandbox].auth_key and sign_key.  Only Ed25519
 * and ECDSA (nistp256/384/521): libssh2 1.10 lacks rsa-sha2, and an RSA key
 * signing with SHA-1 fails against current OpenSSH.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* What a key may sign: the auth key SSH user authentications, the signing key SSHSIG(git). */
enum ssh_key_purpose {
    SSH_KEY_AUTH,
    SSH_KEY_SIGN,
};

struct ssh_pubkey {
    enum ssh_key_purpose purpose;
    char *type;    /* "ssh-ed25519", "ecdsa-sha2-nistp256", ... */
    uint8_t *blob; /* the wire encoding the agent matches keys by */
    size_t blob_len;
    char *comment; /* from the .pub line ("" when it has none) */
};

/* "auth" or "signing": how the log and messages name a purpose. */
const char *ssh_key_purpose_name(enum ssh_key_purpose purpose);

/*
 * Checks a public key blob's structure: its type string, and for that type
 * exactly its fields (Ed25519: 32-byte key; ECDSA: the curve named by the
 * type and an uncompressed point of the curve's size).  Returns 0 and sets
 * *type to a static name, -ENOTSUP with a message for a type ags does not
 * use (RSA, DSA, security keys, certificates: saying why), -EBADMSG for a
 * malformed blob.
 */
int ssh_key_blob_check(const uint8_t *blob, size_t len, const char **type, struct ags_error *err)
        _warn_unused_;

/*
 * Parses the text of a .pub file: its first line that is neither empty nor
 * a '#' comment, "type base64 [comment]".  The blob's own type string must
 * be the line's type.  Errors as ssh_key_blob_check, -EINVAL for a line that
 * is not of that shape.  *key is filled only on success; free it with
 * ssh_pubkey_done.
 */
int ssh_pubkey_parse(const char *text, size_t len, enum ssh_key_purpose purpose,
                     struct ssh_pubkey *key, struct ags_error *err) _warn_unused_;
/* Reads the .pub file path (at most AGS_SSH_PUBKEY_FILE_MAX bytes) and parses
 * it; errors name the purpose and the path. */
int ssh_pubkey_load(const char *path, enum ssh_key_purpose purpose, struct ssh_pubkey *key,
                    struct ags_error *err) _warn_unused_;
void ssh_pubkey_done(struct ssh_pubkey *key);
