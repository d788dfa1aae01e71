/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What each key may sign (agent-filter.h): the data of a SIGN_REQUEST must
 * be, field by field and with nothing after, the one structure its purpose
 * allows.  A signature over anything else could be replayed somewhere the
 * user never meant the key to be valid: a file signature (SSHSIG namespace
 * "file"), a login made with the signing key, or arbitrary bytes that some
 * other protocol takes as a challenge.
 */
#include "ssh/agent-check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "ssh/agent-filter.h"
#include "base/banned.h"

/* RFC 4252 section 6: SSH_MSG_USERAUTH_REQUEST. */
#define SSH_MSG_USERAUTH_REQUEST 50u
/* The longest hash a key exchange makes a session identifier of (SHA-512). */
#define SESSION_ID_MAX 64u

void agent_printable(char *dst, size_t size, struct agent_str s)
{
    size_t n = 0, shown = s.len > 64 ? 64 : s.len;
    for (size_t i = 0; i < shown && n + 1 < size; i++) {
        uint8_t ch = s.p[i];
        dst[n++] = ch >= 0x20 && ch < 0x7f && ch != '\'' && ch != '\\' ? (char)ch : '?';
    }
    for (size_t i = 0; shown < s.len && i < 3 && n + 1 < size; i++)
        dst[n++] = '.';
    if (size > 0)
        dst[n] = '\0';
}

int agent_reason(char *reason, size_t size, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(reason, size, fmt, ap);
    va_end(ap);
    return code;
}

/* Namespace "git" only: git signs commits and tags with ssh-keygen -Y sign -n git. */
int agent_check_sshsig(struct agent_str data, char *reason, size_t reason_size)
{
    struct agent_cursor c = agent_cursor_of(data.p, data.len);
    struct agent_str magic, ns, reserved, alg, hash;
    char shown[80];
    if (agent_get_bytes(&c, 6, &magic) < 0 || !agent_str_is(magic, "SSHSIG"))
        return agent_reason(reason, reason_size, -EPERM, "the data is not an SSHSIG blob");
    if (agent_get_string(&c, &ns) < 0 || agent_get_string(&c, &reserved) < 0 ||
        agent_get_string(&c, &alg) < 0 || agent_get_string(&c, &hash) < 0)
        return agent_reason(reason, reason_size, -EPERM, "the SSHSIG blob is cut short");
    if (!agent_str_is(ns, "git")) {
        agent_printable(shown, sizeof(shown), ns);
        return agent_reason(reason, reason_size, -EPERM,
                            "SSHSIG namespace '%s' (only 'git' is allowed)", shown);
    }
    /* ssh-keygen leaves it empty; what a later version puts there is unknown to us. */
    if (reserved.len != 0)
        return agent_reason(reason, reason_size, -EPERM, "SSHSIG reserved field is not empty");
    size_t want = agent_str_is(alg, "sha256") ? 32 : agent_str_is(alg, "sha512") ? 64 : 0;
    if (want == 0) {
        agent_printable(shown, sizeof(shown), alg);
        return agent_reason(reason, reason_size, -EPERM,
                            "SSHSIG hash '%s' (only sha256 and sha512 are allowed)", shown);
    }
    if (hash.len != want)
        return agent_reason(reason, reason_size, -EPERM, "SSHSIG %s hash of %zu bytes, not %zu",
                            want == 32 ? "sha256" : "sha512", hash.len, want);
    if (c.left != 0)
        return agent_reason(reason, reason_size, -EPERM, "%zu bytes after the SSHSIG blob", c.left);
    return agent_reason(reason, reason_size, 0, "SSHSIG namespace 'git' (%s)",
                        want == 32 ? "sha256" : "sha512");
}

/* The fields up to the method name: session id, message number, user, service. */
static int userauth_head(struct agent_cursor *c, struct agent_str *user, char *reason,
                         size_t reason_size)
{
    struct agent_str session, service;
    uint8_t msg;
    if (agent_get_string(c, &session) < 0 || agent_get_u8(c, &msg) < 0 ||
        agent_get_string(c, user) < 0 || agent_get_string(c, &service) < 0)
        return agent_reason(reason, reason_size, -EPERM,
                            "the data is not a user-authentication request (cut short)");
    if (session.len == 0 || session.len > SESSION_ID_MAX)
        return agent_reason(reason, reason_size, -EPERM,
                            "a session identifier of %zu bytes (1 to %u expected)", session.len,
                            SESSION_ID_MAX);
    if (msg != SSH_MSG_USERAUTH_REQUEST)
        return agent_reason(reason, reason_size, -EPERM,
                            "message number %u, not SSH_MSG_USERAUTH_REQUEST", (unsigned)msg);
    if (agent_str_has_nul(*user))
        return agent_reason(reason, reason_size, -EPERM, "a user name with a NUL byte");
    if (!agent_str_is(service, "ssh-connection"))
        return agent_reason(reason, reason_size, -EPERM, "service is not 'ssh-connection'");
    return 0;
}

/*
 * RFC 4252 section 7, method "publickey" with a signature; or OpenSSH's
 * "publickey-hostbound-v00@openssh.com" (its PROTOCOL, section 2.5: the same
 * fields and then the server's host key), which OpenSSH 8.9 and later use
 * against a server that offers it, so refusing it would break ssh to any
 * current sshd.  Both bind the signature to one session with one server.
 */
int agent_check_userauth(struct agent_str data, struct agent_str key_blob, const char *key_type,
                         char *reason, size_t reason_size)
{
    struct agent_cursor c = agent_cursor_of(data.p, data.len);
    struct agent_str user, method, alg, key, host_key;
    uint8_t has_sig;
    char shown[80];
    int r = userauth_head(&c, &user, reason, reason_size);
    if (r < 0)
        return r;
    if (agent_get_string(&c, &method) < 0 || agent_get_u8(&c, &has_sig) < 0 ||
        agent_get_string(&c, &alg) < 0 || agent_get_string(&c, &key) < 0)
        return agent_reason(reason, reason_size, -EPERM,
                            "the user-authentication request is cut short");
    bool hostbound = agent_str_is(method, "publickey-hostbound-v00@openssh.com");
    if (!hostbound && !agent_str_is(method, "publickey")) {
        agent_printable(shown, sizeof(shown), method);
        return agent_reason(reason, reason_size, -EPERM, "method '%s' (only publickey is allowed)",
                            shown);
    }
    if (has_sig != 1)
        return agent_reason(reason, reason_size, -EPERM, "publickey request without signature");
    if (!agent_str_is(alg, key_type))
        return agent_reason(reason, reason_size, -EPERM, "the algorithm is not the key's type %s",
                            key_type);
    if (!agent_str_equal(key, key_blob))
        return agent_reason(reason, reason_size, -EPERM,
                            "the request names another public key than the one asked to sign");
    if (hostbound && (agent_get_string(&c, &host_key) < 0 || host_key.len == 0))
        return agent_reason(reason, reason_size, -EPERM, "hostbound request without host key");
    if (c.left != 0)
        return agent_reason(reason, reason_size, -EPERM,
                            "%zu bytes after the user-authentication request", c.left);
    agent_printable(shown, sizeof(shown), user);
    return agent_reason(reason, reason_size, 0, "user authentication as '%s'%s", shown,
                        hostbound ? " (hostbound)" : "");
}
