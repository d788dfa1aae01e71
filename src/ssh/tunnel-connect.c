/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session of a tunnel: TCP, handshake, the host key, authentication. */
#include "ssh/tunnel-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/tcpconn.h"
#include "ssh/known-hosts.h"
#include "ssh/tunnel.h"
#include "base/banned.h"

/* libssh2 1.10 verifies ssh-rsa (SHA-1) signatures only, which servers have
 * stopped making; ed25519 and ECDSA are what it can check
 * (ssh_known_hosts_methods orders them). */

/* libssh2's recv with the time of every byte noted: the dead-link clock. */
static ssize_t recv_noted(libssh2_socket_t fd, void *buf, size_t len, int flags, void **abstract)
{
    ssize_t n = recv(fd, buf, len, flags);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    struct ssh_tunnel *t = *abstract;
    t->last_rx = monotonic_ms();
    return n;
}

static const char *session_error(LIBSSH2_SESSION *s)
{
    char *msg = NULL;
    (void)libssh2_session_last_error(s, &msg, NULL, 0);
    return msg && msg[0] ? msg : "unknown error";
}

static void init_libssh2(void)
{
    (void)libssh2_init(0);
}

/* ~/.ssh/known_hosts (*ret_text NULL when there is none); *ret_path owned. */
static int read_known_hosts(const char *home, char **ret_path, char **ret_text, size_t *ret_len,
                            struct ags_error *err)
{
    *ret_path = xasprintf("%s/.ssh/known_hosts", home ? home : "");
    *ret_text = NULL;
    *ret_len = 0;
    int r = read_regular_file_at(AT_FDCWD, *ret_path, *ret_path, AGS_SSH_KNOWN_HOSTS_MAX, ret_text,
                                 ret_len, NULL, err);
    return r == -ENOENT ? 0 : r;
}

static int handshake(struct ssh_tunnel *t, long timeout_ms, const char *home, struct ags_error *err)
{
    /* libssh2 1.10 initialises itself (and its crypto) on the first session
     * with an unguarded counter: ags ps opens tunnels on several threads. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, init_libssh2);
    t->session = libssh2_session_init_ex(NULL, NULL, NULL, t);
    if (!t->session)
        return ags_error_set(err, -ENOMEM, "libssh2 cannot make a session");
    libssh2_session_set_timeout(t->session, timeout_ms);
    /* A function pointer through libssh2's void * (ISO C has no cast for it). */
    LIBSSH2_RECV_FUNC((*cb)) = recv_noted;
    void *cbp;
    memcpy(&cbp, &cb, sizeof(cbp));
    (void)libssh2_session_callback_set(t->session, LIBSSH2_CALLBACK_RECV, cbp);
    /* the types known for the host first: the key the user has is the one
     * shown, and a server offering only another type is refused as such */
    _cleanup_free_ char *path = NULL, *text = NULL;
    size_t tlen = 0;
    int r = read_known_hosts(home, &path, &text, &tlen, err);
    if (r < 0)
        return r;
    char methods[SSH_KH_METHODS_MAX];
    ssh_known_hosts_methods(text, tlen, t->name, methods);
    if (libssh2_session_method_pref(t->session, LIBSSH2_METHOD_HOSTKEY, methods) < 0)
        return ags_error_set(err, -EIO, "libssh2: %s", session_error(t->session));
    r = libssh2_session_handshake(t->session, t->sock);
    if (r == LIBSSH2_ERROR_KEX_FAILURE)
        return ags_error_set(err, -EPROTONOSUPPORT,
                             "ssh: %s offers no host key type ags can check: ags takes ed25519 "
                             "and ECDSA host keys only (libssh2 1.10 lacks rsa-sha2); a server "
                             "with only an RSA host key needs an ed25519 one (`ssh-keygen -A` "
                             "there as root, then reload sshd)",
                             t->name);
    if (r == LIBSSH2_ERROR_TIMEOUT)
        return ags_error_set(err, -ETIMEDOUT, "ssh: %s did not finish the handshake in %ld s",
                             t->name, timeout_ms / 1000);
    if (r < 0)
        return ags_error_set(err, -ECONNREFUSED, "ssh: the handshake with %s failed: %s", t->name,
                             session_error(t->session));
    return 0;
}

static const char *key_type_name(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
        return "ED25519";
    case LIBSSH2_HOSTKEY_TYPE_RSA:
        return "RSA";
    default:
        return "ECDSA";
    }
}

static const char *key_type_arg(int type)
{
    return type == LIBSSH2_HOSTKEY_TYPE_ED25519 ? "ed25519" : "ecdsa";
}

/* The host key against ~/.ssh/known_hosts: only a known, unchanged,
 * unrevoked key lets the connection go on. */
int ssh_tunnel_check_host_key(struct ssh_tunnel *t, const char *home, struct ags_error *err)
{
    size_t len = 0;
    int type = 0;
    const char *blob = libssh2_session_hostkey(t->session, &len, &type);
    if (!blob)
        return ags_error_set(err, -EPROTO, "ssh: %s sent no host key", t->name);
    struct ssh_host_key key = {.blob = (const uint8_t *)blob, .len = len, .type = type};
    char fp[SSH_FINGERPRINT_MAX];
    ssh_fingerprint_sha256(key.blob, key.len, fp);
    _cleanup_free_ char *path = NULL, *text = NULL;
    size_t tlen = 0;
    int r = read_known_hosts(home, &path, &text, &tlen, err);
    if (r < 0)
        return r;
    enum ssh_kh_verdict v;
    r = ssh_known_hosts_verdict(text, tlen, t->name, &key, &v, err);
    if (r < 0)
        return r;
    const char *kt = key_type_name(type);
    _cleanup_free_ char *port_opt =
            t->uri.port == 22 ? xstrdup("") : xasprintf("-p %u ", t->uri.port);
    switch (v) {
    case SSH_KH_MATCH:
        return 0;
    case SSH_KH_REVOKED_KEY:
        return ags_error_set(err, -EPERM,
                             "ssh: the host key of %s (%s %s) is marked @revoked "
                             "in %s: refusing to connect",
                             t->name, kt, fp, path);
    case SSH_KH_CHANGED:
        return ags_error_set(err, -EPERM,
                             "ssh: WARNING: the host key of %s has CHANGED (it is now %s %s): "
                             "someone may be intercepting the connection, or the host was "
                             "reinstalled. ags refuses to connect. If you know why it changed, "
                             "remove the old key (`ssh-keygen -R '%s'`) and add the new one "
                             "after checking its fingerprint",
                             t->name, kt, fp, t->name);
    case SSH_KH_OTHER_TYPE:
        return ags_error_set(err, -EPERM,
                             "ssh: WARNING: %s is in %s only with a key of another type, and now "
                             "shows an %s key it never showed before (%s): someone may be "
                             "intercepting the connection, or the host's keys were replaced. ags "
                             "refuses to connect. Do not add this key from ssh-keyscan over the "
                             "same network: check its fingerprint with the host's administrator "
                             "first",
                             t->name, path, kt, fp);
    case SSH_KH_UNKNOWN:
    default:
        return ags_error_set(err, -EPERM,
                             "ssh: the host key of %s is not in %s: %s key fingerprint is %s. "
                             "Check it with the host's administrator, then add it by connecting "
                             "once with `ssh %s%s` (answer yes), or with `ssh-keyscan %s-t %s "
                             "%s >> ~/.ssh/known_hosts` after comparing the fingerprint",
                             t->name, path, kt, fp, port_opt, t->uri.host, port_opt,
                             key_type_arg(type), t->uri.host);
    }
}

/* Each key the agent holds until one is accepted: 0, 1 none was, <0 error. */
static int auth_agent(struct ssh_tunnel *t, const char *user, const char *sock, unsigned *tried)
{
    LIBSSH2_AGENT *agent = libssh2_agent_init(t->session);
    if (!agent)
        return 1;
    libssh2_agent_set_identity_path(agent, sock);
    int r = 1;
    if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
        struct libssh2_agent_publickey *id = NULL, *prev = NULL;
        while (r == 1 && libssh2_agent_get_identity(agent, &id, prev) == 0) {
            (*tried)++;
            if (libssh2_agent_userauth(agent, user, id) == 0)
                r = 0;
            prev = id;
        }
        (void)libssh2_agent_disconnect(agent);
    }
    libssh2_agent_free(agent);
    return r;
}

static char *user_name(const struct ssh_tunnel *t, const struct ags_dial_target *tg)
{
    if (t->uri.user)
        return xstrdup(t->uri.user);
    struct passwd pw, *res = NULL;
    char buf[4096];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        return xstrdup(res->pw_name);
    const char *u = tg->getenv ? tg->getenv("USER") : NULL;
    return xstrdup(u ? u : "");
}

/* The user's ssh-agent first, then the configured identity file (never a
 * passphrase prompt: an encrypted key belongs in the agent). */
static int authenticate(struct ssh_tunnel *t, const struct ags_dial_target *tg,
                        struct ags_error *err)
{
    _cleanup_free_ char *user = user_name(t, tg);
    const char *sock = tg->getenv ? tg->getenv("SSH_AUTH_SOCK") : NULL;
    unsigned tried = 0;
    if (sock && sock[0] && auth_agent(t, user, sock, &tried) == 0)
        return 0;
    if (tg->identity && tg->identity[0]) {
        int r = libssh2_userauth_publickey_fromfile_ex(t->session, user, (unsigned)strlen(user),
                                                       NULL, tg->identity, NULL);
        if (r == 0)
            return 0;
        if (r == LIBSSH2_ERROR_FILE || r == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED)
            return ags_error_set(err, -EACCES,
                                 "ssh: cannot use the identity file %s (%s): ags asks for no "
                                 "passphrase, so load an encrypted key into your ssh-agent "
                                 "(`ssh-add %s`); the key must be ed25519 or ECDSA",
                                 tg->identity, session_error(t->session), tg->identity);
    }
    return ags_error_set(err, -EACCES,
                         "ssh: %s@%s accepted none of the keys offered (%u from the ssh-agent%s"
                         "%s%s): add your key to the agent (`ssh-add`) or name one with "
                         "CONTAINER_SSHKEY, and put its public half in the remote "
                         "~/.ssh/authorized_keys",
                         user, t->name, tried,
                         sock && sock[0] ? "" : ", which SSH_AUTH_SOCK does not name",
                         tg->identity ? " and " : "", tg->identity ? tg->identity : "");
}

int ssh_tunnel_connect(struct ssh_tunnel *t, const struct ags_dial_target *tg,
                       struct ags_error *err)
{
    long timeout_ms = tg->timeout_ms > 0 ? tg->timeout_ms : SSH_TUNNEL_CONNECT_TIMEOUT_MS;
    long deadline = monotonic_ms() + timeout_ms;
    t->sock = tcp_connect_until(t->uri.host, t->uri.port, deadline, err);
    if (t->sock == -EHOSTUNREACH && err && err->code)
        return t->sock;
    if (t->sock < 0)
        return ags_error_set(err, t->sock, "ssh: cannot connect to %s port %u: %s", t->uri.host,
                             t->uri.port,
                             t->sock == -ETIMEDOUT ? "no answer in 10 s" : strerror(-t->sock));
    /* request and answer are small packets: never held back for an ACK */
    int one = 1;
    (void)setsockopt(t->sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    int r = handshake(t, timeout_ms, tg->home, err);
    if (r == 0)
        r = ssh_tunnel_check_host_key(t, tg->home, err);
    if (r == 0)
        r = authenticate(t, tg, err);
    if (r < 0)
        return r;
    t->last_rx = monotonic_ms();
    libssh2_session_set_blocking(t->session, 0);
    libssh2_keepalive_config(t->session, 0, SSH_TUNNEL_KEEPALIVE_SECONDS); /* pump: replies */
    return 0;
}
