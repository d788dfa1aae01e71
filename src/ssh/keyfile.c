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
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/macro.h"
#include "base/banned.h"

static const struct {
    const char *type;
    enum ssh_key_kind kind;
} kinds[] = {
    {"ssh-ed25519", SSH_KEY_ED25519},
    {"ecdsa-sha2-nistp256", SSH_KEY_ECDSA},
    {"ecdsa-sha2-nistp384", SSH_KEY_ECDSA},
    {"ecdsa-sha2-nistp521", SSH_KEY_ECDSA},
    {"ssh-rsa", SSH_KEY_RSA},
    {"ssh-dss", SSH_KEY_DSA},
    {"sk-ssh-ed25519@openssh.com", SSH_KEY_SECURITY},
    {"sk-ecdsa-sha2-nistp256@openssh.com", SSH_KEY_SECURITY},
};

enum ssh_key_kind ssh_key_kind_of(const char *type)
{
    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
        if (strcmp(type, kinds[i].type) == 0)
            return kinds[i].kind;
    return type[0] ? SSH_KEY_OTHER : SSH_KEY_UNKNOWN;
}

bool ssh_key_kind_allowed(enum ssh_key_kind k)
{
    return k == SSH_KEY_ED25519 || k == SSH_KEY_ECDSA;
}

const char *ssh_key_kind_name(enum ssh_key_kind k)
{
    switch (k) {
    case SSH_KEY_ED25519:
        return "Ed25519";
    case SSH_KEY_ECDSA:
        return "ECDSA";
    case SSH_KEY_RSA:
        return "RSA";
    case SSH_KEY_DSA:
        return "DSA";
    case SSH_KEY_SECURITY:
        return "security-key (FIDO)";
    case SSH_KEY_OTHER:
        return "certificate or other";
    case SSH_KEY_UNKNOWN:
    default:
        return "unknown";
    }
}

/* ---- base64 and the wire format ---- */

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Decodes s[0..n) (whitespace skipped when skip_space; '=' only at the end);
 * NULL when it is not base64. */
static unsigned char *b64_decode(const char *s, size_t n, bool skip_space, size_t *ret_len)
{
    unsigned char *out = xmalloc(n / 4 * 3 + 3);
    size_t len = 0, pad = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (skip_space && is_space(c))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64_value(c);
        if (v < 0 || pad > 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[len++] = (unsigned char)(acc >> bits);
        }
    }
    if (pad > 2 || bits >= 6) {
        free(out);
        return NULL;
    }
    *ret_len = len;
    return out;
}

struct wire {
    const unsigned char *p;
    size_t n;
};

static bool wire_u32(struct wire *w, uint32_t *ret)
{
    if (w->n < 4)
        return false;
    *ret = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
    w->p += 4;
    w->n -= 4;
    return true;
}

static bool wire_string(struct wire *w, const unsigned char **ret, size_t *ret_len)
{
    uint32_t len = 0;
    if (!wire_u32(w, &len) || len > w->n)
        return false;
    *ret = w->p;
    *ret_len = len;
    w->p += len;
    w->n -= len;
    return true;
}

/* The type name a public key blob starts with, into out; false when the blob
 * does not start with a printable name that fits. */
static bool blob_type(const unsigned char *blob, size_t len, char out[SSH_KEY_TYPE_MAX])
{
    struct wire w = {blob, len};
    const unsigned char *t = NULL;
    size_t tn = 0;
    if (!wire_string(&w, &t, &tn) || tn == 0 || tn >= SSH_KEY_TYPE_MAX)
        return false;
    for (size_t i = 0; i < tn; i++)
        if (t[i] <= 0x20 || t[i] >= 0x7f)
            return false;
    memcpy(out, t, tn);
    out[tn] = '\0';
    return true;
}

/* The blob holds exactly the fields of its kind (RFC 4253 6.6, RFC 5656
 * 3.1, RFC 8709 4): a key cut short or with bytes after it is no key.
 * Other kinds are only known by their type. */
static bool blob_well_formed(const unsigned char *blob, size_t len, enum ssh_key_kind kind)
{
    static const unsigned fields[] = {
        [SSH_KEY_ED25519] = 2, [SSH_KEY_ECDSA] = 3, [SSH_KEY_RSA] = 3, [SSH_KEY_DSA] = 5,
    };
    if ((size_t)kind >= ARRAY_SIZE(fields) || fields[kind] == 0)
        return true;
    struct wire w = {blob, len};
    const unsigned char *f = NULL;
    size_t fn = 0;
    for (unsigned i = 0; i < fields[kind]; i++)
        if (!wire_string(&w, &f, &fn))
            return false;
    return w.n == 0 && (kind != SSH_KEY_ED25519 || fn == 32);
}

/* ---- .pub ---- */

void ssh_pubkey_done(struct ssh_pubkey *k)
{
    free(k->blob);
    free(k->comment);
    free(k->line);
    *k = (struct ssh_pubkey){0};
}

int ssh_pubkey_parse(const char *text, size_t len, struct ssh_pubkey *ret, struct ags_error *err)
{
    *ret = (struct ssh_pubkey){0};
    const char *end = memchr(text, '\n', len);
    size_t n = end ? (size_t)(end - text) : len;
    while (n > 0 && (text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    const char *sp = memchr(text, ' ', n);
    size_t tn = sp ? (size_t)(sp - text) : n;
    if (!sp || tn == 0 || tn >= SSH_KEY_TYPE_MAX)
        return ags_error_set(err, -EINVAL, "not a public key line (TYPE BASE64 [COMMENT])");
    const char *b = sp + 1;
    size_t rest = n - tn - 1;
    const char *sp2 = memchr(b, ' ', rest);
    size_t bn = sp2 ? (size_t)(sp2 - b) : rest;
    size_t blob_len = 0;
    unsigned char *blob = bn ? b64_decode(b, bn, false, &blob_len) : NULL;
    if (!blob)
        return ags_error_set(err, -EINVAL, "the key after the type is not base64");
    char type[SSH_KEY_TYPE_MAX];
    memcpy(type, text, tn);
    type[tn] = '\0';
    char inner[SSH_KEY_TYPE_MAX];
    if (!blob_type(blob, blob_len, inner) || strcmp(inner, type) != 0 ||
        !blob_well_formed(blob, blob_len, ssh_key_kind_of(type))) {
        free(blob);
        return ags_error_set(err, -EINVAL, "the key data is not a %.*s key", (int)tn, text);
    }
    memcpy(ret->type, type, tn + 1);
    ret->blob = blob;
    ret->blob_len = blob_len;
    ret->comment = sp2 ? xstrndup(sp2 + 1, n - tn - 1 - bn - 1) : xstrdup("");
    ret->line = xstrndup(text, n);
    return 0;
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

/* The body of an openssh-key-v1 file up to its first public key. */
static int parse_openssh_body(const unsigned char *d, size_t n, struct ssh_privkey *k,
                              struct ags_error *err)
{
    if (n < sizeof(OPENSSH_MAGIC) || memcmp(d, OPENSSH_MAGIC, sizeof(OPENSSH_MAGIC)) != 0)
        return ags_error_set(err, -EINVAL, "no openssh-key-v1 header");
    struct wire w = {d + sizeof(OPENSSH_MAGIC), n - sizeof(OPENSSH_MAGIC)};
    const unsigned char *cipher = NULL, *kdf = NULL, *kdfopts = NULL, *pub = NULL;
    size_t cn = 0, kn = 0, on = 0, pn = 0;
    uint32_t nkeys = 0;
    if (!wire_string(&w, &cipher, &cn) || !wire_string(&w, &kdf, &kn) ||
        !wire_string(&w, &kdfopts, &on) || !wire_u32(&w, &nkeys))
        return ags_error_set(err, -EINVAL, "the openssh-key-v1 header is cut short");
    if (nkeys == 0)
        return ags_error_set(err, -EINVAL, "the file holds no key");
    if (!wire_string(&w, &pub, &pn) || !blob_type(pub, pn, k->type) ||
        !blob_well_formed(pub, pn, ssh_key_kind_of(k->type)))
        return ags_error_set(err, -EINVAL, "its public key is cut short or malformed");
    k->encrypted = !(cn == 4 && memcmp(cipher, "none", 4) == 0);
    k->kind = ssh_key_kind_of(k->type);
    k->blob = xmalloc(pn);
    memcpy(k->blob, pub, pn);
    k->blob_len = pn;
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
    _cleanup_free_ unsigned char *d = b64_decode(body, body_len, true, &n);
    if (!d)
        return ags_error_set(err, -EINVAL, "its body is not base64");
    r = parse_openssh_body(d, n, ret, err);
    if (r < 0)
        ssh_privkey_done(ret);
    return r;
}

/* ---- the files ---- */

/* A regular file's bytes; a FIFO or device is never read (O_NONBLOCK keeps
 * the open from waiting for a writer). */
static int read_key_file(const char *path, char **ret, size_t *ret_len, char **error)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode)) {
        if (!*error)
            *error = xasprintf("%s is not a regular file", path);
        return -EINVAL;
    }
    struct ags_error e = {0};
    int r = read_fd_bounded(fd, SSH_KEYFILE_MAX, ret, ret_len, &e);
    if (r < 0 && !*error)
        *error = xasprintf("%s: %s", path, e.msg);
    return r;
}

static void note_error(char **error, const char *path, int r, const struct ags_error *e)
{
    if (*error)
        return;
    *error = e ? xasprintf("%s: %s", path, e->msg) : xasprintf("%s: %s", path, strerror(-r));
}

void ssh_keyfile_gather(const char *path, struct ssh_keyfile_facts *ret)
{
    *ret = (struct ssh_keyfile_facts){0};
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    ret->key_r = read_key_file(path, &text, &len, &ret->error);
    if (ret->key_r < 0 && ret->key_r != -ENOENT)
        note_error(&ret->error, path, ret->key_r, NULL);
    ret->key_size = ret->key_r == 0 ? len : 0;
    struct ags_error e = {0};
    if (ret->key_r == 0 && len > 0) {
        ret->key_parse_r = ssh_privkey_parse(text, len, &ret->key, &e);
        if (ret->key_parse_r < 0)
            note_error(&ret->error, path, ret->key_parse_r, &e);
    }
    _cleanup_free_ char *pub = xasprintf("%s.pub", path);
    _cleanup_free_ char *ptext = NULL;
    ret->pub_r = read_key_file(pub, &ptext, &len, &ret->error);
    if (ret->pub_r < 0 && ret->pub_r != -ENOENT)
        note_error(&ret->error, pub, ret->pub_r, NULL);
    ret->pub_size = ret->pub_r == 0 ? len : 0;
    if (ret->pub_r == 0 && len > 0) {
        ret->pub_parse_r = ssh_pubkey_parse(ptext, len, &ret->pub, &e);
        if (ret->pub_parse_r < 0)
            note_error(&ret->error, pub, ret->pub_parse_r, &e);
    }
}

void ssh_keyfile_facts_done(struct ssh_keyfile_facts *f)
{
    ssh_privkey_done(&f->key);
    ssh_pubkey_done(&f->pub);
    free(f->error);
    *f = (struct ssh_keyfile_facts){0};
}

enum ssh_key_kind ssh_keyfile_kind(const struct ssh_keyfile_facts *f)
{
    if (f->key_r == 0 && f->key_parse_r == 0 && f->key.kind != SSH_KEY_UNKNOWN)
        return f->key.kind;
    if (f->pub_r == 0 && f->pub_size > 0 && f->pub_parse_r == 0)
        return ssh_key_kind_of(f->pub.type);
    return SSH_KEY_UNKNOWN;
}

/* The .pub is this key's: the same blob when the private file shows it,
 * else at least the same kind. */
static bool pub_matches(const struct ssh_keyfile_facts *f)
{
    if (f->key.blob)
        return f->key.blob_len == f->pub.blob_len &&
               memcmp(f->key.blob, f->pub.blob, f->key.blob_len) == 0;
    return f->key.kind == SSH_KEY_UNKNOWN || f->key.kind == ssh_key_kind_of(f->pub.type);
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
    if (f->pub_parse_r < 0)
        return SSH_KEY_PUB_INVALID;
    if (!pub_matches(f))
        return SSH_KEY_MISMATCH;
    if (!ssh_key_kind_allowed(ssh_key_kind_of(f->pub.type)))
        return SSH_KEY_TYPE_REFUSED;
    return SSH_KEY_OK;
}
