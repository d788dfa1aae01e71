/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key files as ssh-keygen writes them (docs/security.md "Keys"): the .pub
 * line, the openssh-key-v1 container (PROTOCOL.key: magic, cipher, kdf, kdf
 * options, the number of keys, each public key, then the encrypted part we
 * never look at) and the armour of the older PEM files.  Every length comes
 * from the file and is checked against what is left before it is used.
 */
#include "ssh/keyfile.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/macro.h"
#include "ssh/agent-wire.h"
#include "base/base64.h"
#include "base/banned.h"

/* The type name a public key blob starts with, into out; false when the blob
 * does not start with a printable name that fits. */
static bool blob_type_name(const uint8_t *blob, size_t len, char out[SSH_KEY_TYPE_MAX])
{
    struct agent_cursor c = agent_cursor_of(blob, len);
    struct agent_str t;
    if (agent_get_string(&c, &t) < 0 || t.len == 0 || t.len >= SSH_KEY_TYPE_MAX)
        return false;
    for (size_t i = 0; i < t.len; i++)
        if (t.p[i] <= 0x20 || t.p[i] >= 0x7f)
            return false;
    memcpy(out, t.p, t.len);
    out[t.len] = '\0';
    return true;
}

/* ---- private keys ---- */

void ssh_privkey_done(struct ssh_privkey *k)
{
    free(k->blob);
    *k = (struct ssh_privkey){0};
}

#define OPENSSH_MAGIC "openssh-key-v1"

static const struct {
    const char *label; /* between "-----BEGIN " and "-----" */
    enum ssh_privkey_format format;
    enum ssh_key_kind kind;
} armours[] = {
    {"OPENSSH PRIVATE KEY", SSH_PRIV_OPENSSH, SSH_KEY_UNKNOWN},
    {"RSA PRIVATE KEY", SSH_PRIV_PEM_RSA, SSH_KEY_RSA},
    {"DSA PRIVATE KEY", SSH_PRIV_PEM_DSA, SSH_KEY_DSA},
    {"EC PRIVATE KEY", SSH_PRIV_PEM_EC, SSH_KEY_ECDSA},
    {"PRIVATE KEY", SSH_PRIV_PKCS8, SSH_KEY_UNKNOWN},
    {"ENCRYPTED PRIVATE KEY", SSH_PRIV_PKCS8, SSH_KEY_UNKNOWN},
};

/* The body of an openssh-key-v1 file up to its first public key.  A key of a
 * kind ags takes must be one pubkey.h accepts (the blob the filter will
 * match); any other kind is only named, for the verdict to refuse it. */
static int parse_openssh_body(const uint8_t *d, size_t n, struct ssh_privkey *k,
                              struct ags_error *err)
{
    if (n < sizeof(OPENSSH_MAGIC) || memcmp(d, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
        return ags_error_set(err, -EINVAL, "no openssh-key-v1 header");
    struct agent_cursor c =
            agent_cursor_of(d + sizeof(OPENSSH_MAGIC), n - sizeof(OPENSSH_MAGIC));
    struct agent_str cipher, kdf, kdfopts, pub;
    uint32_t nkeys = 0;
    if (agent_get_string(&c, &cipher) < 0 || agent_get_string(&c, &kdf) < 0 ||
        agent_get_string(&c, &kdfopts) < 0 || agent_get_u32(&c, &nkeys) < 0)
        return ags_error_set(err, -EINVAL, "the openssh-key-v1 header is cut short");
    if (nkeys == 0)
        return ags_error_set(err, -EINVAL, "the file holds no key");
    if (agent_get_string(&c, &pub) < 0 || !blob_type_name(pub.p, pub.len, k->type))
        return ags_error_set(err, -EINVAL, "its public key is cut short or malformed");
    k->kind = ssh_key_kind_of(k->type);
    const char *checked;
    struct ags_error why = {0};
    if (ssh_key_kind_allowed(k->kind) && ssh_key_blob_check(pub.p, pub.len, &checked, &why) < 0)
        return ags_error_set(err, -EINVAL, "its public key is malformed: %s", why.msg);
    k->encrypted = !agent_str_is(cipher, "none");
    k->blob = xmalloc(pub.len);
    memcpy(k->blob, pub.p, pub.len);
    k->blob_len = pub.len;
    return 0;
}

/* The base64 of an armoured body without its line breaks, decoded: the
 * same canonical decoder as a .pub line's. */
static int decode_armour_body(const char *body, size_t len, uint8_t **ret, size_t *ret_len)
{
    _cleanup_free_ char *joined = xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (body[i] != '\n' && body[i] != '\r' && body[i] != ' ' && body[i] != '\t')
            joined[n++] = body[i];
    uint8_t *out = xmalloc(n / 4 * 3 + 1);
    long got = base64_decode(joined, n, out, n / 4 * 3);
    if (got < 0) {
        free(out);
        return (int)got;
    }
    *ret = out;
    *ret_len = (size_t)got;
    return 0;
}

/* The armour's label at the first "-----BEGIN " line, and the text between
 * that line and the matching END line. */
static int find_armour(const char *text, size_t len, size_t *ret_armour, const char **body,
                       size_t *body_len, struct ags_error *err)
{
    static const char begin[] = "-----BEGIN ";
    const char *b = memmem(text, len, begin, sizeof(begin) - 1);
    if (!b || (b != text && b[-1] != '\n'))
        return ags_error_set(err, -EINVAL, "no '-----BEGIN ... PRIVATE KEY-----' line");
    const char *label = b + sizeof(begin) - 1;
    const char *stop = text + len;
    const char *eol = memchr(label, '\n', (size_t)(stop - label));
    const char *line_end = eol ? eol : stop;
    for (size_t i = 0; i < ARRAY_SIZE(armours); i++) {
        size_t ln = strlen(armours[i].label);
        if ((size_t)(line_end - label) < ln + 5 || memcmp(label, armours[i].label, ln) != 0 ||
            memcmp(label + ln, "-----", 5) != 0)
            continue;
        char end_line[64];
        int en = snprintf(end_line, sizeof(end_line), "-----END %s-----", armours[i].label);
        const char *from = eol ? eol + 1 : stop;
        const char *e = memmem(from, (size_t)(stop - from), end_line, (size_t)en);
        if (!e)
            return ags_error_set(err, -EINVAL, "no '%s' line", end_line);
        *ret_armour = i;
        *body = from;
        *body_len = (size_t)(e - from);
        return 0;
    }
    return ags_error_set(err, -EINVAL, "not a private key ssh-keygen writes");
}

int ssh_privkey_parse(const char *text, size_t len, struct ssh_privkey *ret,
                      struct ags_error *err)
{
    *ret = (struct ssh_privkey){0};
    size_t a = 0;
    const char *body = NULL;
    size_t body_len = 0;
    int r = find_armour(text, len, &a, &body, &body_len, err);
    if (r < 0)
        return r;
    ret->format = armours[a].format;
    ret->kind = armours[a].kind;
    if (ret->format != SSH_PRIV_OPENSSH)
        return 0;
    size_t n = 0;
    _cleanup_free_ uint8_t *d = NULL;
    if (decode_armour_body(body, body_len, &d, &n) < 0)
        return ags_error_set(err, -EINVAL, "its body is not base64");
    r = parse_openssh_body(d, n, ret, err);
    if (r < 0)
        ssh_privkey_done(ret);
    return r;
}

/* ---- the files ---- */

/* The file's bytes, and the first error in *error (an absent file is no
 * error: the verdict says what to do about it). */
static int read_key_file(const char *path, size_t max, char **ret, size_t *ret_len,
                         char **error)
{
    struct ags_error e = {0};
    int r = ssh_key_file_read(path, max, ret, ret_len, &e);
    if (r < 0 && r != -ENOENT && !*error)
        *error = xstrdup(e.msg);
    return r;
}

static void note_error(char **error, const char *path, const struct ags_error *e)
{
    if (!*error)
        *error = xasprintf("%s: %s", path, e->msg);
}

void ssh_keyfile_gather(const char *path, enum ssh_key_purpose purpose,
                        struct ssh_keyfile_facts *ret)
{
    *ret = (struct ssh_keyfile_facts){0};
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    ret->key_r = read_key_file(path, SSH_KEYFILE_MAX, &text, &len, &ret->error);
    ret->key_size = ret->key_r == 0 ? len : 0;
    struct ags_error e = {0};
    if (ret->key_r == 0 && len > 0) {
        ret->key_parse_r = ssh_privkey_parse(text, len, &ret->key, &e);
        if (ret->key_parse_r < 0)
            note_error(&ret->error, path, &e);
    }
    _cleanup_free_ char *pub = xasprintf("%s.pub", path);
    _cleanup_free_ char *ptext = NULL;
    /* The bound ssh_pubkey_load holds a run's .pub to: what doctor passes, a run reads. */
    ret->pub_r = read_key_file(pub, AGS_SSH_PUBKEY_FILE_MAX, &ptext, &len, &ret->error);
    ret->pub_size = ret->pub_r == 0 ? len : 0;
    if (ret->pub_r == 0 && len > 0) {
        ret->pub_parse_r = ssh_pubkey_parse(ptext, len, purpose, &ret->pub, &e);
        if (ret->pub_parse_r == -ENOTSUP)
            ret->pub_refused_kind = ssh_pubkey_text_kind(ptext, len);
        if (ret->pub_parse_r < 0)
            note_error(&ret->error, pub, &e);
    }
}

void ssh_keyfile_facts_done(struct ssh_keyfile_facts *f)
{
    ssh_privkey_done(&f->key);
    ssh_pubkey_done(&f->pub);
    free(f->error);
    *f = (struct ssh_keyfile_facts){0};
}

/* The .pub names a key: parsed, or refused only for its kind. */
static bool pub_names_key(const struct ssh_keyfile_facts *f)
{
    return f->pub_r == 0 && f->pub_size > 0 && (f->pub_parse_r == 0 || f->pub_parse_r == -ENOTSUP);
}

static enum ssh_key_kind pub_kind(const struct ssh_keyfile_facts *f)
{
    return f->pub_parse_r == 0 ? ssh_key_kind_of(f->pub.type) : f->pub_refused_kind;
}

enum ssh_key_kind ssh_keyfile_kind(const struct ssh_keyfile_facts *f)
{
    if (f->key_r == 0 && f->key_parse_r == 0 && f->key.kind != SSH_KEY_UNKNOWN)
        return f->key.kind;
    if (pub_names_key(f))
        return pub_kind(f);
    return SSH_KEY_UNKNOWN;
}

/* The .pub is this key's: the same blob when the private file shows it,
 * else at least the same kind. */
static bool pub_matches(const struct ssh_keyfile_facts *f)
{
    if (f->key.blob)
        return f->pub.blob && f->key.blob_len == f->pub.blob_len &&
               memcmp(f->key.blob, f->pub.blob, f->key.blob_len) == 0;
    return f->key.kind == SSH_KEY_UNKNOWN || f->key.kind == pub_kind(f);
}

enum ssh_key_verdict ssh_keyfile_verdict(const struct ssh_keyfile_facts *f)
{
    if (f->key_r == -ENOENT)
        return f->pub_r == -ENOENT ? SSH_KEY_MISSING : SSH_KEY_PUB_ONLY;
    if (f->key_r < 0)
        return SSH_KEY_UNREADABLE;
    if (f->key_size == 0)
        return SSH_KEY_EMPTY;
    if (f->key_parse_r < 0)
        return SSH_KEY_NOT_A_KEY;
    /* An RSA key is refused before its .pub is looked at: fixing the .pub
     * would not make it usable. */
    if (f->key.kind != SSH_KEY_UNKNOWN && !ssh_key_kind_allowed(f->key.kind))
        return SSH_KEY_TYPE_REFUSED;
    if (f->pub_r == -ENOENT)
        return SSH_KEY_PUB_MISSING;
    if (f->pub_r < 0)
        return SSH_KEY_UNREADABLE;
    if (f->pub_size == 0)
        return SSH_KEY_PUB_EMPTY;
    if (!pub_names_key(f))
        return SSH_KEY_PUB_INVALID;
    if (!pub_matches(f))
        return SSH_KEY_MISMATCH;
    if (!ssh_key_kind_allowed(pub_kind(f)))
        return SSH_KEY_TYPE_REFUSED;
    return SSH_KEY_OK;
}
