/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/known-hosts.h"

#include <libssh2.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

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

struct kh_type {
    int hostkey;      /* LIBSSH2_HOSTKEY_TYPE_* */
    int bits;         /* LIBSSH2_KNOWNHOST_KEY_* */
    const char *name; /* the key type as a known_hosts line spells it */
};

static const struct kh_type kh_types[] = {
        {LIBSSH2_HOSTKEY_TYPE_ED25519, LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
};

static const struct kh_type *type_of(int hostkey_type)
{
    for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++)
        if (kh_types[i].hostkey == hostkey_type)
            return &kh_types[i];
    return NULL;
}

struct span {
    const char *p;
    size_t n;
};

/* The next blank-separated field of s[*at..len); false when none is left. */
static bool next_field(const char *s, size_t len, size_t *at, struct span *ret)
{
    size_t i = *at;
    while (i < len && blank(s[i]))
        i++;
    size_t start = i;
    while (i < len && !blank(s[i]))
        i++;
    *at = i;
    *ret = (struct span){s + start, i - start};
    return i > start;
}

static bool span_is(struct span a, const char *b, bool fold)
{
    size_t n = strlen(b);
    return a.n == n && (fold ? strncasecmp(a.p, b, n) : memcmp(a.p, b, n)) == 0;
}

/* Whether the comma-separated plain host list names name, as OpenSSH reads
 * it without wildcards (as libssh2 did): names compare without case, and a
 * negated "!name" takes the line away from that name. */
static bool hosts_name(struct span hosts, const char *name)
{
    bool hit = false;
    for (size_t i = 0; i < hosts.n;) {
        const char *comma = memchr(hosts.p + i, ',', hosts.n - i);
        size_t n = comma ? (size_t)(comma - (hosts.p + i)) : hosts.n - i;
        struct span h = {hosts.p + i, n};
        if (n > 0 && h.p[0] == '!') {
            if (span_is((struct span){h.p + 1, n - 1}, name, true))
                return false;
        } else if (span_is(h, name, true)) {
            hit = true;
        }
        i += n + 1;
    }
    return hit;
}

/* One plain entry (hosts keytype key) against name and key, compared here:
 * libssh2 1.10 reads a correct ECDSA entry as a changed key. */
static int plain_check(const char *e, size_t len, const char *name, const struct kh_type *type,
                       const struct ssh_host_key *key)
{
    size_t at = 0;
    struct span hosts, ktype, b64;
    if (!next_field(e, len, &at, &hosts) || !next_field(e, len, &at, &ktype) ||
        !next_field(e, len, &at, &b64) || !hosts_name(hosts, name) ||
        !span_is(ktype, type->name, false))
        return LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
    uint8_t blob[AGS_SSH_KEY_BLOB_MAX];
    long n = ssh_base64_decode(b64.p, b64.n, blob, sizeof(blob));
    if (n < 0)
        return LIBSSH2_KNOWNHOST_CHECK_NOTFOUND; /* unreadable: skipped, as OpenSSH does */
    return (size_t)n == key->len && memcmp(blob, key->blob, key->len) == 0
                   ? LIBSSH2_KNOWNHOST_CHECK_MATCH
                   : LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
}

/* OpenSSH's order: any matching entry wins over a changed one. */
static int stronger(int a, int b)
{
    if (a == LIBSSH2_KNOWNHOST_CHECK_MATCH || b == LIBSSH2_KNOWNHOST_CHECK_MATCH)
        return LIBSSH2_KNOWNHOST_CHECK_MATCH;
    if (a == LIBSSH2_KNOWNHOST_CHECK_MISMATCH || b == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
        return LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
    return LIBSSH2_KNOWNHOST_CHECK_NOTFOUND;
}

struct kh_scan {
    LIBSSH2_KNOWNHOSTS *hashed; /* the hashed (|1|) entries, for libssh2 to match */
    const char *name;
    const struct kh_type *type;
    const struct ssh_host_key *key;
    int plain; /* the verdict of the plain entries so far */
};

/* One entry (trailing blanks cut): a plain one is checked here, a hashed
 * one goes to libssh2, which reads the key up to a NUL whatever its length
 * says, hence a NUL-terminated copy; a line it cannot read (a key type it
 * does not know) is skipped, as OpenSSH skips it. */
static void scan_entry(struct kh_scan *sc, const char *e, size_t m)
{
    if (m < 3 || memcmp(e, "|1|", 3) != 0) {
        sc->plain = stronger(sc->plain, plain_check(e, m, sc->name, sc->type, sc->key));
        return;
    }
    char line[AGS_SSH_KNOWN_HOSTS_LINE + 1];
    memcpy(line, e, m);
    line[m] = '\0';
    (void)libssh2_knownhost_readline(sc->hashed, line, m, LIBSSH2_KNOWNHOST_FILE_OPENSSH);
}

static void scan(struct kh_scan *sc, const char *text, size_t len, enum ssh_kh_line kind)
{
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        size_t off = 0;
        if (n <= AGS_SSH_KNOWN_HOSTS_LINE && ssh_known_hosts_line(text + at, n, &off) == kind) {
            size_t m = n - off;
            while (m > 0 && blank(text[at + off + m - 1]))
                m--;
            scan_entry(sc, text + at + off, m);
        }
        at += n + 1;
    }
}

/* The verdict of the lines of kind for name: plain entries compared here,
 * hashed ones by libssh2 (name as given: port -1, so no fallback from
 * "[host]:port" to the bare host, which OpenSSH would not do either). */
static int check(LIBSSH2_SESSION *s, const char *text, size_t len, enum ssh_kh_line kind,
                 const char *name, const struct ssh_host_key *key, struct ags_error *err)
{
    struct kh_scan sc = {
            .hashed = libssh2_knownhost_init(s),
            .name = name,
            .type = type_of(key->type),
            .key = key,
            .plain = LIBSSH2_KNOWNHOST_CHECK_NOTFOUND,
    };
    if (!sc.hashed)
        return ags_error_set(err, -ENOMEM, "libssh2 cannot hold known hosts");
    if (text)
        scan(&sc, text, len, kind);
    struct libssh2_knownhost *entry = NULL;
    int r = libssh2_knownhost_checkp(
            sc.hashed, name, -1, (const char *)key->blob, key->len,
            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | sc.type->bits, &entry);
    libssh2_knownhost_free(sc.hashed);
    if (r == LIBSSH2_KNOWNHOST_CHECK_FAILURE)
        return ags_error_set(err, -EIO, "libssh2 could not check the host key of %s", name);
    return stronger(r, sc.plain);
}

int ssh_known_hosts_verdict(void *session, const char *text, size_t len, const char *name,
                            const struct ssh_host_key *key, enum ssh_kh_verdict *ret,
                            struct ags_error *err)
{
    if (!type_of(key->type))
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
