/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The public keys the agent filter lets a sandbox use, read from the
 * OpenSSH .pub files beside [sandbox].auth_key and sign_key.  Only Ed25519
 * and ECDSA (nistp256/384/521): libssh2 1.10 lacks rsa-sha2, and an RSA key
 * signing with SHA-1 fails against current OpenSSH.
 */

#include <stdbool.h>
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
    char *comment; /* from the .pub line ("" when it has none); outside text: escape it to show it */
    char *line;    /* the key line as in the file, without the blanks around it: what to paste
                    * at a forge (NULL for a key that came from no line) */
};

/* The family of a key type name: what a message calls a key, and whether ags
 * takes it at all. */
enum ssh_key_kind {
    SSH_KEY_UNKNOWN, /* no type name */
    SSH_KEY_ED25519,
    SSH_KEY_ECDSA,
    SSH_KEY_RSA,
    SSH_KEY_DSA,
    SSH_KEY_SECURITY, /* sk-*: a FIDO security key */
    SSH_KEY_OTHER,    /* certificates and anything else */
};

/* The kind of a type name ("ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa" ...). */
enum ssh_key_kind ssh_key_kind_of(const char *type);
/* Ed25519 and ECDSA: the only kinds ssh_key_blob_check accepts. */
bool ssh_key_kind_allowed(enum ssh_key_kind kind);
/* "Ed25519", "ECDSA", "RSA", "DSA", "security-key (FIDO)", "certificate or other", "unknown". */
const char *ssh_key_kind_name(enum ssh_key_kind kind);
/* The kind a key blob's type string (its first field) names, the rest
 * unchecked; SSH_KEY_UNKNOWN when the blob has no type. */
enum ssh_key_kind ssh_key_blob_kind(const uint8_t *blob, size_t len);

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
/* Reads a key file the user named, of at most max bytes (a link is followed:
 * the files are the user's own).  Only a regular file is read: a FIFO or a
 * device at the path is -EINVAL, opened without waiting for a writer, so it
 * cannot stall ags.  Errors name the path. */
int ssh_key_file_read(const char *path, size_t max, char **ret, size_t *ret_len,
                      struct ags_error *err) _warn_unused_;
/* Reads the .pub file path (at most AGS_SSH_PUBKEY_FILE_MAX bytes, by
 * ssh_key_file_read) and parses it; errors name the purpose and the path. */
int ssh_pubkey_load(const char *path, enum ssh_key_purpose purpose, struct ssh_pubkey *key,
                    struct ags_error *err) _warn_unused_;
/* The kind of the key a .pub text holds, by its blob as ssh_pubkey_parse
 * decodes it, also when ssh_pubkey_parse refuses that kind (to name an RSA
 * key as such); SSH_KEY_UNKNOWN when the text holds no decodable key line. */
enum ssh_key_kind ssh_pubkey_text_kind(const char *text, size_t len);
void ssh_pubkey_done(struct ssh_pubkey *key);
