/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/pubkey.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "ssh/agent-wire.h"
#include "ssh/base64.h"
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

static int refuse_type(struct agent_str t, struct ags_error *err)
{
    const char *use = "create an Ed25519 key with ssh-keygen -t ed25519";
    if (agent_str_is(t, "ssh-rsa"))
        return ags_error_set(err, -ENOTSUP,
                             "RSA keys are not supported (libssh2 1.10 lacks rsa-sha2 and "
                             "current OpenSSH refuses ssh-rsa signatures): %s",
                             use);
    if (agent_str_is(t, "ssh-dss"))
        return ags_error_set(err, -ENOTSUP,
                             "DSA keys are not supported (current OpenSSH "
                             "refuses them): %s",
                             use);
    if (t.len >= 3 && memcmp(t.p, "sk-", 3) == 0)
        return ags_error_set(err, -ENOTSUP, "security-key (sk-) keys are not supported: %s", use);
    static const char cert[] = "-cert-v01@openssh.com";
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

int ssh_pubkey_parse(const char *text, size_t len, enum ssh_key_purpose purpose,
                     struct ssh_pubkey *key, struct ags_error *err)
{
    size_t n;
    const char *line = key_line(text, len, &n);
    if (!line)
        return ags_error_set(err, -EINVAL, "no public key in it");
    if (memchr(line, '\0', n))
        return ags_error_set(err, -EINVAL, "a NUL byte in the key line");
    const char *p = line, *end = line + n, *t, *b64, *comment;
    size_t t_len = word(&p, end, &t);
    size_t b64_len = word(&p, end, &b64);
    word(&p, end, &comment);
    if (b64_len == 0)
        return ags_error_set(err, -EINVAL, "not a public key line (type, base64 key, comment)");
    uint8_t blob[AGS_SSH_KEY_BLOB_MAX];
    long blob_len = ssh_base64_decode(b64, b64_len, blob, sizeof(blob));
    if (blob_len == -E2BIG)
        return ags_error_set(err, -E2BIG, "the key is larger than %u bytes", AGS_SSH_KEY_BLOB_MAX);
    if (blob_len < 0)
        return ags_error_set(err, -EINVAL, "the key is not valid base64");
    const char *type;
    int r = ssh_key_blob_check(blob, (size_t)blob_len, &type, err);
    if (r < 0)
        return r;
    if (strlen(type) != t_len || memcmp(type, t, t_len) != 0)
        return ags_error_set(err, -EBADMSG, "the line says '%.*s' but the key is %s",
                             (int)(t_len > 64 ? 64 : t_len), t, type);
    *key = (struct ssh_pubkey){
            .purpose = purpose,
            .type = xstrdup(type),
            .blob = xmalloc((size_t)blob_len),
            .blob_len = (size_t)blob_len,
            .comment = xstrndup(comment, (size_t)(end - comment)),
    };
    memcpy(key->blob, blob, (size_t)blob_len);
    return 0;
}

int ssh_pubkey_load(const char *path, enum ssh_key_purpose purpose, struct ssh_pubkey *key,
                    struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    /* The user's own file ([sandbox] keys cannot come from an overlay): a
     * symlink into a dotfiles repository is theirs to make. */
    int r = read_file_bounded(path, AGS_SSH_PUBKEY_FILE_MAX, &text, &len, err);
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
    *key = (struct ssh_pubkey){0};
}
