/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/known-hosts.h"

#include <libssh2.h>
#include <stdbool.h>
#include <string.h>

#include "base/limits.h"
#include "base/sha256.h"
#include "ssh/base64.h"
#include "base/banned.h"

void ssh_fingerprint_sha256(const uint8_t *blob, size_t len, char out[SSH_FINGERPRINT_MAX])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256(blob, len, d);
    memcpy(out, "SHA256:", 7);
    ssh_base64_encode_nopad(d, sizeof(d), out + 7);
}

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

enum ssh_kh_line ssh_known_hosts_line(const char *line, size_t len, size_t *ret_off)
{
    size_t i = 0;
    while (i < len && blank(line[i]))
        i++;
    *ret_off = i;
    if (i == len || line[i] == '#')
        return SSH_KH_SKIP;
    if (line[i] != '@')
        return SSH_KH_KEY;
    static const char revoked[] = "@revoked";
    size_t n = sizeof(revoked) - 1;
    if (len - i <= n || memcmp(line + i, revoked, n) != 0 || !blank(line[i + n]))
        return SSH_KH_SKIP; /* @cert-authority: ags checks plain host keys only */
    i += n;
    while (i < len && blank(line[i]))
        i++;
    *ret_off = i;
    return i < len ? SSH_KH_REVOKED : SSH_KH_SKIP;
}

/* Feeds every line of kind to hosts; a line libssh2 cannot read (a key type
 * it does not know) is skipped, as OpenSSH skips it. */
static void load(LIBSSH2_KNOWNHOSTS *hosts, const char *text, size_t len, enum ssh_kh_line kind)
{
    char line[AGS_SSH_KNOWN_HOSTS_LINE + 1];
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        size_t off = 0;
        if (n <= AGS_SSH_KNOWN_HOSTS_LINE && ssh_known_hosts_line(text + at, n, &off) == kind) {
            /* libssh2 reads the key up to a NUL whatever len says: a copy of its own */
            size_t m = n - off;
            while (m > 0 && blank(text[at + off + m - 1]))
                m--;
            memcpy(line, text + at + off, m);
            line[m] = '\0';
            (void)libssh2_knownhost_readline(hosts, line, m, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
        }
        at += n + 1;
    }
}

static int key_bits(int hostkey_type)
{
    switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return LIBSSH2_KNOWNHOST_KEY_ED25519;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
        return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    default:
        return 0;
    }
}

/* libssh2's check of name (as given: port -1, so no fallback from
 * "[host]:port" to the bare host, which OpenSSH would not do either). */
static int check(LIBSSH2_SESSION *s, const char *text, size_t len, enum ssh_kh_line kind,
                 const char *name, const struct ssh_host_key *key, struct ags_error *err)
{
    LIBSSH2_KNOWNHOSTS *hosts = libssh2_knownhost_init(s);
    if (!hosts)
        return ags_error_set(err, -ENOMEM, "libssh2 cannot hold known hosts");
    if (text)
        load(hosts, text, len, kind);
    struct libssh2_knownhost *entry = NULL;
    int r = libssh2_knownhost_checkp(hosts, name, -1, (const char *)key->blob, key->len,
                                     LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW |
                                             key_bits(key->type),
                                     &entry);
    libssh2_knownhost_free(hosts);
    if (r == LIBSSH2_KNOWNHOST_CHECK_FAILURE)
        return ags_error_set(err, -EIO, "libssh2 could not check the host key of %s", name);
    return r;
}

int ssh_known_hosts_verdict(void *session, const char *text, size_t len, const char *name,
                            const struct ssh_host_key *key, enum ssh_kh_verdict *ret,
                            struct ags_error *err)
{
    if (key_bits(key->type) == 0)
        return ags_error_set(err, -EPROTONOSUPPORT,
                             "%s offered a host key type ags does not "
                             "check (only ed25519 and ECDSA)",
                             name);
    int r = check(session, text, len, SSH_KH_REVOKED, name, key, err);
    if (r < 0)
        return r;
    if (r == LIBSSH2_KNOWNHOST_CHECK_MATCH) {
        *ret = SSH_KH_REVOKED_KEY;
        return 0;
    }
    r = check(session, text, len, SSH_KH_KEY, name, key, err);
    if (r < 0)
        return r;
    *ret = r == LIBSSH2_KNOWNHOST_CHECK_MATCH      ? SSH_KH_MATCH
           : r == LIBSSH2_KNOWNHOST_CHECK_MISMATCH ? SSH_KH_CHANGED
                                                   : SSH_KH_UNKNOWN;
    return 0;
}
