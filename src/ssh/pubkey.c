/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/pubkey.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "ssh/agent-wire.h"
#include "base/base64.h"
#include "base/banned.h"

const char *ssh_key_purpose_name(enum ssh_key_purpose purpose)
{
    return purpose == SSH_KEY_SIGN ? "signing" : "auth";
}

struct ecdsa_curve {
    const char *type, *curve;
    size_t point_len; /* 0x04 || X || Y */
};

static const struct ecdsa_curve ecdsa_curves[] = {
        {"ecdsa-sha2-nistp256", "nistp256", 65},
        {"ecdsa-sha2-nistp384", "nistp384", 97},
        {"ecdsa-sha2-nistp521", "nistp521", 133},
};

static enum ssh_key_kind kind_of_str(struct agent_str t)
{
    if (t.len == 0)
        return SSH_KEY_UNKNOWN;
    if (agent_str_is(t, "ssh-ed25519"))
        return SSH_KEY_ED25519;
    for (size_t i = 0; i < ARRAY_SIZE(ecdsa_curves); i++)
        if (agent_str_is(t, ecdsa_curves[i].type))
            return SSH_KEY_ECDSA;
    if (agent_str_is(t, "ssh-rsa"))
        return SSH_KEY_RSA;
    if (agent_str_is(t, "ssh-dss"))
        return SSH_KEY_DSA;
    if (t.len >= 3 && memcmp(t.p, "sk-", 3) == 0)
        return SSH_KEY_SECURITY;
    return SSH_KEY_OTHER;
}

enum ssh_key_kind ssh_key_kind_of(const char *type)
{
    return kind_of_str((struct agent_str){.p = (const uint8_t *)type, .len = strlen(type)});
}

bool ssh_key_kind_allowed(enum ssh_key_kind kind)
{
    return kind == SSH_KEY_ED25519 || kind == SSH_KEY_ECDSA;
}

const char *ssh_key_kind_name(enum ssh_key_kind kind)
{
    switch (kind) {
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

enum ssh_key_kind ssh_key_blob_kind(const uint8_t *blob, size_t len)
{
    struct agent_cursor c = agent_cursor_of(blob, len);
    struct agent_str t;
    if (agent_get_string(&c, &t) < 0)
        return SSH_KEY_UNKNOWN;
    return kind_of_str(t);
}

static int refuse_type(struct agent_str t, struct ags_error *err)
{
    const char *use = "create an Ed25519 key with ssh-keygen -t ed25519";
    static const char cert[] = "-cert-v01@openssh.com";
    switch (kind_of_str(t)) {
    case SSH_KEY_RSA:
        return ags_error_set(err, -ENOTSUP,
                             "RSA keys are not supported (libssh2 1.10 lacks rsa-sha2 and "
                             "current OpenSSH refuses ssh-rsa signatures): %s",
                             use);
    case SSH_KEY_DSA:
        return ags_error_set(err, -ENOTSUP,
                             "DSA keys are not supported (current OpenSSH "
                             "refuses them): %s",
                             use);
    case SSH_KEY_SECURITY:
        return ags_error_set(err, -ENOTSUP, "security-key (sk-) keys are not supported: %s", use);
    default:
        break;
    }
    if (t.len >= sizeof(cert) - 1 &&
        memcmp(t.p + t.len - (sizeof(cert) - 1), cert, sizeof(cert) - 1) == 0)
        return ags_error_set(err, -ENOTSUP, "certificates are not supported: %s", use);
    return ags_error_set(err, -ENOTSUP,
                         "key type '%.*s' is not supported (only Ed25519 and "
                         "ECDSA are): %s",
                         (int)(t.len > 64 ? 64 : t.len), (const char *)t.p, use);
}

static int check_ecdsa(struct agent_cursor *c, const struct ecdsa_curve *ec, struct ags_error *err)
{
    struct agent_str curve, point;
    if (agent_get_string(c, &curve) < 0 || agent_get_string(c, &point) < 0)
        return ags_error_set(err, -EBADMSG, "%s key blob is cut short", ec->type);
    if (!agent_str_is(curve, ec->curve))
        return ags_error_set(err, -EBADMSG, "%s key blob names another curve", ec->type);
    if (point.len != ec->point_len || point.p[0] != 0x04)
        return ags_error_set(err, -EBADMSG, "%s key blob holds no uncompressed point of %zu bytes",
                             ec->type, ec->point_len);
    return 0;
}

int ssh_key_blob_check(const uint8_t *blob, size_t len, const char **type, struct ags_error *err)
{
    struct agent_cursor c = agent_cursor_of(blob, len);
    struct agent_str t, key;
    int r;
    if (agent_get_string(&c, &t) < 0 || t.len == 0)
        return ags_error_set(err, -EBADMSG, "key blob without a type");
    if (agent_str_is(t, "ssh-ed25519")) {
        *type = "ssh-ed25519";
        if (agent_get_string(&c, &key) < 0 || key.len != 32)
            return ags_error_set(err, -EBADMSG, "ssh-ed25519 key blob holds no 32-byte key");
        r = 0;
    } else {
        r = -ENOTSUP;
        for (size_t i = 0; i < ARRAY_SIZE(ecdsa_curves); i++)
            if (agent_str_is(t, ecdsa_curves[i].type)) {
                *type = ecdsa_curves[i].type;
                r = check_ecdsa(&c, &ecdsa_curves[i], err);
                break;
            }
        if (r == -ENOTSUP)
            return refuse_type(t, err);
        if (r < 0)
            return r;
    }
    if (c.left != 0)
        return ags_error_set(err, -EBADMSG, "%s key blob has %zu bytes after its key", *type,
                             c.left);
    return 0;
}

/* The first line that holds a key, without its end of line. */
static const char *key_line(const char *text, size_t len, size_t *line_len)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *s = p;
        while (s < eol && (*s == ' ' || *s == '\t'))
            s++;
        size_t n = (size_t)(eol - s);
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n > 0 && *s != '#') {
            *line_len = n;
            return s;
        }
        p = nl ? nl + 1 : end;
    }
    return NULL;
}

/* Splits off the next word (up to a space or tab); returns its length. */
static size_t word(const char **p, const char *end, const char **w)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    *w = *p;
    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    return (size_t)(*p - *w);
}

/* A .pub key line cut into its words, and its blob decoded. */
struct key_line {
    const char *line, *type, *comment, *end;
    size_t line_len, type_len;
    uint8_t blob[AGS_SSH_KEY_BLOB_MAX];
    size_t blob_len;
};

static int split_key_line(const char *text, size_t len, struct key_line *kl,
                          struct ags_error *err)
{
    kl->line = key_line(text, len, &kl->line_len);
    if (!kl->line)
        return ags_error_set(err, -EINVAL, "no public key in it");
    if (memchr(kl->line, '\0', kl->line_len))
        return ags_error_set(err, -EINVAL, "a NUL byte in the key line");
    const char *p = kl->line, *b64;
    kl->end = kl->line + kl->line_len;
    kl->type_len = word(&p, kl->end, &kl->type);
    size_t b64_len = word(&p, kl->end, &b64);
    word(&p, kl->end, &kl->comment);
    if (b64_len == 0)
        return ags_error_set(err, -EINVAL, "not a public key line (type, base64 key, comment)");
    long blob_len = base64_decode(b64, b64_len, kl->blob, sizeof(kl->blob));
    if (blob_len == -E2BIG)
        return ags_error_set(err, -E2BIG, "the key is larger than %u bytes", AGS_SSH_KEY_BLOB_MAX);
    if (blob_len < 0)
        return ags_error_set(err, -EINVAL, "the key is not valid base64");
    kl->blob_len = (size_t)blob_len;
    return 0;
}

int ssh_pubkey_parse(const char *text, size_t len, enum ssh_key_purpose purpose,
                     struct ssh_pubkey *key, struct ags_error *err)
{
    struct key_line kl;
    int r = split_key_line(text, len, &kl, err);
    if (r < 0)
        return r;
    const char *type;
    r = ssh_key_blob_check(kl.blob, kl.blob_len, &type, err);
    if (r < 0)
        return r;
    if (strlen(type) != kl.type_len || memcmp(type, kl.type, kl.type_len) != 0)
        return ags_error_set(err, -EBADMSG, "the line says '%.*s' but the key is %s",
                             (int)(kl.type_len > 64 ? 64 : kl.type_len), kl.type, type);
    *key = (struct ssh_pubkey){
            .purpose = purpose,
            .type = xstrdup(type),
            .blob = xmalloc(kl.blob_len),
            .blob_len = kl.blob_len,
            .comment = xstrndup(kl.comment, (size_t)(kl.end - kl.comment)),
            .line = xstrndup(kl.line, kl.line_len),
    };
    memcpy(key->blob, kl.blob, kl.blob_len);
    return 0;
}

enum ssh_key_kind ssh_pubkey_text_kind(const char *text, size_t len)
{
    struct key_line kl;
    if (split_key_line(text, len, &kl, NULL) < 0)
        return SSH_KEY_UNKNOWN;
    return ssh_key_blob_kind(kl.blob, kl.blob_len);
}

int ssh_key_file_read(const char *path, size_t max, char **ret, size_t *ret_len,
                      struct ags_error *err)
{
    /* The user's own file ([sandbox] keys cannot come from an overlay): a
     * symlink into a dotfiles repository is theirs to make.  O_NONBLOCK
     * keeps the open of a FIFO from waiting for a writer. */
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat '%s': %m", path);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "%s is not a regular file", path);
    int r = read_fd_bounded(fd, max, ret, ret_len, err);
    if (r < 0)
        return ags_error_prefix(err, "'%s'", path);
    return 0;
}

int ssh_pubkey_load(const char *path, enum ssh_key_purpose purpose, struct ssh_pubkey *key,
                    struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    int r = ssh_key_file_read(path, AGS_SSH_PUBKEY_FILE_MAX, &text, &len, err);
    if (r < 0)
        return r;
    r = ssh_pubkey_parse(text, len, purpose, key, err);
    if (r < 0)
        return ags_error_prefix(err, "%s key '%s'", ssh_key_purpose_name(purpose), path);
    return 0;
}

void ssh_pubkey_done(struct ssh_pubkey *key)
{
    free(key->type);
    free(key->blob);
    free(key->comment);
    free(key->line);
    *key = (struct ssh_pubkey){0};
}
