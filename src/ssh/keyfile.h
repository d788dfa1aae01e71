/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The user's ssh key files (sandbox.auth_key, sandbox.sign_key and their
 * .pub), read without trusting their shape: an OpenSSH public key line
 * ("TYPE BASE64 [COMMENT]") and the public half of a private key file.  The
 * openssh-key-v1 format keeps the public key in clear before the encrypted
 * part, so its type and blob are known without the passphrase; the older PEM
 * files only say their algorithm in the armour.
 *
 * `ags setup` and `ags doctor` (src/run) judge a key by ssh_keyfile_verdict;
 * the .pub line is read by pubkey.h, the one parser of public keys, so the
 * agent filter matches exactly the blob that setup showed.  Nothing here
 * prints or writes.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "ssh/pubkey.h"

/* Any real key file is far smaller (a 16384-bit RSA key is about 12 KiB). */
#define SSH_KEYFILE_MAX  (64u * 1024u)
#define SSH_KEY_TYPE_MAX 64u

enum ssh_privkey_format {
    SSH_PRIV_OPENSSH, /* -----BEGIN OPENSSH PRIVATE KEY----- */
    SSH_PRIV_PEM_RSA,
    SSH_PRIV_PEM_DSA,
    SSH_PRIV_PEM_EC,
    SSH_PRIV_PKCS8,   /* BEGIN PRIVATE KEY / BEGIN ENCRYPTED PRIVATE KEY: type unknown */
};

struct ssh_privkey {
    enum ssh_privkey_format format;
    enum ssh_key_kind kind;        /* SSH_KEY_UNKNOWN for PKCS#8 */
    char type[SSH_KEY_TYPE_MAX];   /* openssh-key-v1 only, else "" */
    unsigned char *blob;           /* openssh-key-v1: its public key; else NULL */
    size_t blob_len;
    bool encrypted;                /* openssh-key-v1: a passphrase protects it */
};

void ssh_privkey_done(struct ssh_privkey *k);

/* Parses a private key file's text.  -EINVAL with *err when it is none of the
 * formats above (or an openssh-key-v1 body is cut or malformed). */
int ssh_privkey_parse(const char *text, size_t len, struct ssh_privkey *ret,
                      struct ags_error *err) _warn_unused_;

/* What is at a key's two paths (ssh_keyfile_gather). */
struct ssh_keyfile_facts {
    int key_r;            /* 0: read; -ENOENT: absent; -EINVAL: not a regular file; else -errno */
    size_t key_size;
    int key_parse_r;      /* of ssh_privkey_parse when read and non-empty */
    struct ssh_privkey key;
    int pub_r;            /* the same for KEY.pub */
    size_t pub_size;
    int pub_parse_r;      /* of ssh_pubkey_parse: -ENOTSUP for a kind ags does not take */
    enum ssh_key_kind pub_refused_kind; /* when pub_parse_r is -ENOTSUP: the .pub's kind */
    struct ssh_pubkey pub;
    char *error;          /* why a read or parse failed (the first), or NULL */
};

/* Reads path and path.pub (a link is followed: the files are the user's own;
 * neither a FIFO nor a device is opened for reading); the .pub is parsed as
 * the key for purpose.  Never fails: what it found is in *ret. */
void ssh_keyfile_gather(const char *path, enum ssh_key_purpose purpose,
                        struct ssh_keyfile_facts *ret);
void ssh_keyfile_facts_done(struct ssh_keyfile_facts *f);

enum ssh_key_verdict {
    SSH_KEY_OK,
    SSH_KEY_MISSING,      /* neither the key nor its .pub: ags setup makes it */
    SSH_KEY_PUB_ONLY,     /* a .pub without its private key */
    SSH_KEY_UNREADABLE,   /* the key or the .pub cannot be read, or is not a regular file */
    SSH_KEY_EMPTY,        /* the private key file is empty */
    SSH_KEY_NOT_A_KEY,    /* the private key file is not a private key ssh-keygen writes */
    SSH_KEY_PUB_MISSING,
    SSH_KEY_PUB_EMPTY,
    SSH_KEY_PUB_INVALID,
    SSH_KEY_MISMATCH,     /* the .pub is another key than the private key */
    SSH_KEY_TYPE_REFUSED, /* not Ed25519 or ECDSA */
};

/* The one verdict that says what to do first (a pure function). */
enum ssh_key_verdict ssh_keyfile_verdict(const struct ssh_keyfile_facts *f);
/* The kind the facts show: the private key's, else the .pub's. */
enum ssh_key_kind ssh_keyfile_kind(const struct ssh_keyfile_facts *f);
