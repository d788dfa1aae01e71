/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "ssh/known-hosts.h"

#include <ctype.h>
#include <errno.h>
#include <libssh2.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/sha1.h"
#include "base/sha256.h"
#include "base/base64.h"
#include "base/banned.h"

void ssh_fingerprint_sha256(const uint8_t *blob, size_t len, char out[SSH_FINGERPRINT_MAX])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256(blob, len, d);
    memcpy(out, "SHA256:", 7);
    base64_encode_nopad(d, sizeof(d), out + 7);
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
    const char *name; /* the key type as a known_hosts line spells it */
};

static const struct kh_type kh_types[] = {
        {LIBSSH2_HOSTKEY_TYPE_ED25519, "ssh-ed25519"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_256, "ecdsa-sha2-nistp256"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_384, "ecdsa-sha2-nistp384"},
        {LIBSSH2_HOSTKEY_TYPE_ECDSA_521, "ecdsa-sha2-nistp521"},
};

static const struct kh_type *type_of(int hostkey_type)
{
    for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++)
        if (kh_types[i].hostkey == hostkey_type)
            return &kh_types[i];
    return NULL;
}

/* What one entry, or all of them, says about the name and key. */
enum kh_check { KH_NOTFOUND, KH_MISMATCH, KH_MATCH };

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

/* One pattern character against one of a lowercase name. */
static bool char_matches(char pc, char c)
{
    return pc == '?' || tolower((unsigned char)pc) == (unsigned char)c;
}

/* Whether pattern matches all of name (lowercase) as OpenSSH's
 * match_pattern does: '*' any run of characters, '?' one, the rest without
 * case.  Backtracks to the last '*' only: O(pattern x name) at worst. */
static bool pattern_matches(struct span pat, const char *name)
{
    size_t p = 0, s = 0, star = SIZE_MAX, mark = 0;
    size_t n = strlen(name);
    while (s < n) {
        if (p < pat.n && pat.p[p] == '*') {
            star = p++;
            mark = s;
        } else if (p < pat.n && char_matches(pat.p[p], name[s])) {
            p++;
            s++;
        } else if (star != SIZE_MAX) {
            p = star + 1;
            s = ++mark;
        } else {
            return false;
        }
    }
    while (p < pat.n && pat.p[p] == '*')
        p++;
    return p == pat.n;
}

/* Whether the comma-separated plain host list names name, as OpenSSH reads
 * it: each entry a pattern ('*', '?'; names compare without case), and a
 * negated "!pattern" takes the line away from the names it matches.
 * Patterns matter most on @revoked lines: "@revoked * KEY" is how a key is
 * revoked for every host. */
static bool hosts_name(struct span hosts, const char *name)
{
    bool hit = false;
    for (size_t i = 0; i < hosts.n;) {
        const char *comma = memchr(hosts.p + i, ',', hosts.n - i);
        size_t n = comma ? (size_t)(comma - (hosts.p + i)) : hosts.n - i;
        struct span h = {hosts.p + i, n};
        if (n > 0 && h.p[0] == '!') {
            if (pattern_matches((struct span){h.p + 1, n - 1}, name))
                return false;
        } else if (n > 0 && pattern_matches(h, name)) {
            hit = true;
        }
        i += n + 1;
    }
    return hit;
}

/* Whether a hashed host field "|1|salt|hash" (both base64) names name
 * (lowercase, as ssh hashes it): hash = HMAC-SHA1(salt, name). */
static bool hashed_name(struct span hosts, const char *name)
{
    static const char magic[] = "|1|";
    if (hosts.n <= 3 || memcmp(hosts.p, magic, 3) != 0)
        return false;
    const char *salt64 = hosts.p + 3;
    const char *bar = memchr(salt64, '|', hosts.n - 3);
    if (!bar)
        return false;
    uint8_t salt[SSH_KH_HASH_MAX], hash[SSH_KH_HASH_MAX];
    long sn = base64_decode(salt64, (size_t)(bar - salt64), salt, sizeof(salt));
    long hn = base64_decode(bar + 1, (size_t)(hosts.p + hosts.n - bar - 1), hash,
                                sizeof(hash));
    if (sn <= 0 || hn != SHA1_DIGEST_SIZE)
        return false;
    uint8_t want[SHA1_DIGEST_SIZE];
    hmac_sha1(salt, (size_t)sn, name, strlen(name), want);
    return memcmp(want, hash, SHA1_DIGEST_SIZE) == 0;
}

/* An entry's first three fields: hosts keytype key. */
static bool entry_fields(const char *e, size_t len, struct span *hosts, struct span *ktype,
                         struct span *b64)
{
    size_t at = 0;
    return next_field(e, len, &at, hosts) && next_field(e, len, &at, ktype) &&
           next_field(e, len, &at, b64);
}

static bool entry_names(struct span hosts, const char *name)
{
    return hosts.p[0] == '|' ? hashed_name(hosts, name) : hosts_name(hosts, name);
}

/* One entry (hosts keytype key [comment]) against name and key, plain or
 * hashed, compared here: libssh2 1.10 reads a correct ECDSA entry as a
 * changed key.  A line whose key does not decode is skipped, as OpenSSH
 * skips it. */
static enum kh_check entry_check(const char *e, size_t len, const char *name,
                                 const struct kh_type *type, const struct ssh_host_key *key)
{
    struct span hosts, ktype, b64;
    if (!entry_fields(e, len, &hosts, &ktype, &b64) || !span_is(ktype, type->name, false) ||
        !entry_names(hosts, name))
        return KH_NOTFOUND;
    uint8_t blob[AGS_SSH_KEY_BLOB_MAX];
    long n = base64_decode(b64.p, b64.n, blob, sizeof(blob));
    if (n < 0)
        return KH_NOTFOUND;
    return (size_t)n == key->len && memcmp(blob, key->blob, key->len) == 0 ? KH_MATCH
                                                                           : KH_MISMATCH;
}

/* OpenSSH's order: any matching entry wins over a changed one. */
static enum kh_check stronger(enum kh_check a, enum kh_check b)
{
    return a > b ? a : b;
}

/* Calls fn on each entry of the lines of kind (blanks around it trimmed). */
static void each_entry(const char *text, size_t len, enum ssh_kh_line kind,
                       void (*fn)(const char *e, size_t n, void *ctx), void *ctx)
{
    for (size_t at = 0; text && at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
        size_t off = 0;
        if (n <= AGS_SSH_KNOWN_HOSTS_LINE && ssh_known_hosts_line(text + at, n, &off) == kind) {
            size_t m = n - off;
            while (m > 0 && blank(text[at + off + m - 1]))
                m--;
            fn(text + at + off, m, ctx);
        }
        at += n + 1;
    }
}

struct check_ctx {
    const char *name;
    const struct kh_type *type;
    const struct ssh_host_key *key;
    enum kh_check r;
};

static void check_entry(const char *e, size_t n, void *ctx)
{
    struct check_ctx *c = ctx;
    c->r = stronger(c->r, entry_check(e, n, c->name, c->type, c->key));
}

/* The verdict of the lines of kind for name ("[host]:port" as given: no
 * fallback to the bare host, which OpenSSH would not do either). */
static enum kh_check check(const char *text, size_t len, enum ssh_kh_line kind, const char *name,
                           const struct kh_type *type, const struct ssh_host_key *key)
{
    struct check_ctx c = {name, type, key, KH_NOTFOUND};
    each_entry(text, len, kind, check_entry, &c);
    return c.r;
}

struct types_ctx {
    const char *name;
    unsigned known; /* bit i: an entry names name with kh_types[i] */
};

static void note_type(const char *e, size_t n, void *ctx)
{
    struct types_ctx *c = ctx;
    struct span hosts, ktype, b64;
    if (!entry_fields(e, n, &hosts, &ktype, &b64))
        return;
    for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++)
        if (!(c->known & (1u << i)) && span_is(ktype, kh_types[i].name, false) &&
            entry_names(hosts, c->name))
            c->known |= 1u << i;
}

/* Which key types the plain entries name name (lowercase) with. */
static unsigned known_types(const char *text, size_t len, const char *name)
{
    struct types_ctx c = {name, 0};
    each_entry(text, len, SSH_KH_KEY, note_type, &c);
    return c.known;
}

static char *lowercase(const char *name)
{
    char *lower = xstrdup(name);
    for (char *p = lower; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return lower;
}

void ssh_known_hosts_methods(const char *text, size_t len, const char *name,
                             char out[SSH_KH_METHODS_MAX])
{
    _cleanup_free_ char *lower = lowercase(name);
    unsigned known = known_types(text, len, lower);
    size_t o = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < sizeof(kh_types) / sizeof(kh_types[0]); i++) {
            if (((known >> i) & 1u) != (pass == 0 ? 1u : 0u))
                continue;
            size_t n = strlen(kh_types[i].name);
            if (o > 0)
                out[o++] = ',';
            memcpy(out + o, kh_types[i].name, n);
            o += n;
        }
    out[o] = '\0';
}

int ssh_known_hosts_verdict(const char *text, size_t len, const char *name,
                            const struct ssh_host_key *key, enum ssh_kh_verdict *ret,
                            struct ags_error *err)
{
    const struct kh_type *type = type_of(key->type);
    if (!type)
        return ags_error_set(err, -EPROTONOSUPPORT,
                             "%s offered a host key type ags does not "
                             "check (only ed25519 and ECDSA)",
                             name);
    /* plain names compare without case; hashed ones were hashed lowercase */
    _cleanup_free_ char *lower = lowercase(name);
    if (check(text, len, SSH_KH_REVOKED, lower, type, key) == KH_MATCH) {
        *ret = SSH_KH_REVOKED_KEY;
        return 0;
    }
    enum kh_check r = check(text, len, SSH_KH_KEY, lower, type, key);
    *ret = r == KH_MATCH                         ? SSH_KH_MATCH
           : r == KH_MISMATCH                    ? SSH_KH_CHANGED
           : known_types(text, len, lower) != 0u ? SSH_KH_OTHER_TYPE
                                                 : SSH_KH_UNKNOWN;
    return 0;
}
