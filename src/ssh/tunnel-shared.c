/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared tunnels (docs/architecture.md "Remote engines", docs/security.md):
 * what OpenSSH's ControlMaster/ControlPersist does for ssh.  The first run
 * to a target starts a process of the user's own (double fork, setsid, its
 * standard streams on /dev/null and every other descriptor closed) that
 * makes the connection (handshake, host key, authentication) and keeps it,
 * serving two sockets in a 0700 directory
 * $XDG_RUNTIME_DIR/ags/ssh-<hash of the URI, identity, agent socket, home>:
 *
 *   ctl          SOCK_SEQPACKET, one per run: the first record answers
 *                whether the run may use the tunnel (the host key is checked
 *                against known_hosts again on every run), then each 'D'
 *                request is answered with a stream to the remote socket
 *                (passed with SCM_RIGHTS) or why not, and when the link dies
 *                every run is told why before its streams end;
 *   podman.sock  SOCK_STREAM, each connection a channel (libcurl's).
 *
 * Both are 0600 and check the peer's uid.  The process exits when no run
 * and no stream used it for persist seconds, when the link dies, or when
 * the host key no longer checks out (every run using it then fails with
 * the refusal).  A later run finds the sockets; a stale or dying one's are
 * replaced under a lock beside them.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "base/tcpconn.h"
#include "base/usock.h"
#include "ssh/tunnel-internal.h"
#include "ssh/tunnel.h"
#include "base/banned.h"

/* The hash part of the directory name: 64 bits in hex. */
#define SHARED_HASH_HEX 16u
/* Beyond the connect timeout, how long a run waits for a starting tunnel
 * process's report (or for another run that is starting one). */
#define SHARED_START_GRACE_MS 5000L
/* In the directory's hash: an ags that speaks another ctl protocol (after
 * an upgrade) never talks to a tunnel process of the old one. */
#define SHARED_PROTOCOL "ags-ssh-tunnel/1"
/* Where the tunnel process keeps its report pipe while it starts. */
#define SHARED_REPORT_FD 3

enum ctl_kind {
    CTL_ANSWER = 'A', /* to the first contact or a dial request */
    CTL_DEAD = 'X',   /* the link ended: nothing more will come */
};

/* kind, code (native order: both ends are one host), message without NUL */
struct ctl_record {
    char kind;
    int32_t code;
    char msg[AGS_ERROR_MSG_MAX];
} __attribute__((packed));

#define CTL_HEAD (sizeof(char) + sizeof(int32_t))

/* ---- the wire ---- */

static int ctl_send(int fd, enum ctl_kind kind, int code, const char *msg, int pass_fd)
{
    struct ctl_record rec = {.kind = (char)kind, .code = code};
    size_t len = msg ? strnlen(msg, sizeof(rec.msg) - 1) : 0;
    memcpy(rec.msg, msg ? msg : "", len);
    struct iovec iov = {.iov_base = &rec, .iov_len = CTL_HEAD + len};

    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm = {0};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (pass_fd >= 0) {
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof(cm.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
    }
    return sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? -errno : 0;
}

/* One record into rec (waiting until deadline; 0: not at all), its message
 * NUL-terminated, a passed descriptor into *ret_fd (else -1).  -ECONNRESET:
 * the other end closed; -EAGAIN: nothing by the deadline; -EPROTO: not a
 * record of ours (a descriptor with it closed). */
static int ctl_recv(int fd, long deadline, struct ctl_record *rec, int *ret_fd)
{
    *ret_fd = -1;
    if (deadline > 0) {
        int w = fd_wait_until(fd, POLLIN, deadline);
        if (w <= 0)
            return w == 0 ? -EAGAIN : w;
    }

    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } cm;
    struct iovec iov = {.iov_base = rec, .iov_len = sizeof(*rec) - 1};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cm.buf,
                        .msg_controllen = sizeof(cm.buf)};
    ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
    if (n == 0)
        return -ECONNRESET;
    if ((size_t)n < CTL_HEAD || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
        (rec->kind != CTL_ANSWER && rec->kind != CTL_DEAD) || rec->code > 0 ||
        (rec->code < 0 && *ret_fd >= 0)) {
        if (*ret_fd >= 0)
            (void)close(*ret_fd);
        *ret_fd = -1;
        return -EPROTO;
    }
    rec->msg[(size_t)n - CTL_HEAD] = '\0';
    return 0;
}

/* The uid at the other end of a unix socket; -1 when it cannot be told. */
static long peer_uid(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
        return -1;
    return (long)cred.uid;
}

static bool peer_is_us(int fd)
{
    return peer_uid(fd) == (long)geteuid();
}

/* ---- the tunnel process's side (the pump's hooks) ---- */

static void ctl_add(struct ssh_tunnel *t, int fd)
{
    struct ssh_ctl *c = xcalloc(1, sizeof(*c));
    c->fd = fd;
    c->next = t->ctls;
    t->ctls = c;
    t->n_ctls++;
}

static void ctl_remove(struct ssh_tunnel *t, struct ssh_ctl *c)
{
    for (struct ssh_ctl **pp = &t->ctls; *pp; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            t->n_ctls--;
            break;
        }
    }
    /* its streams still being opened: nobody to hand them to */
    for (struct ssh_bridge *b = t->bridges; b; b = b->next) {
        if (b->ctl != c)
            continue;
        b->ctl = NULL;
        if (b->pass_fd >= 0)
            (void)close(b->pass_fd);
        b->pass_fd = -1;
    }
    (void)close(c->fd);
    free(c);
}

/* The host key no longer checks out: every run is told, the tunnel ends. */
static void host_key_refused(struct ssh_tunnel *t, const struct ags_error *why)
{
    pthread_mutex_lock(&t->lock);
    if (!t->dead) {
        t->dead = why->code;
        t->dead_err = *why;
    }
    pthread_mutex_unlock(&t->lock);
    ssh_shared_link_dead(t, why);
}

void ssh_shared_accept(struct ssh_tunnel *t)
{
    for (;;) {
        int fd = accept4(t->ctl_listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0)
            return;
        if (!peer_is_us(fd)) {
            (void)close(fd); /* told nothing */
            continue;
        }
        struct ags_error e = {0};
        if (t->n_ctls >= AGS_SSH_TUNNEL_MAX_RUNS) {
            (void)ags_error_set(&e, -EMFILE, "ssh: %u runs use the tunnel to %s already",
                                AGS_SSH_TUNNEL_MAX_RUNS, t->name);
            (void)ctl_send(fd, CTL_ANSWER, e.code, e.msg, -1);
            (void)close(fd);
            continue;
        }
        /* known_hosts again for every run: an entry removed or changed since
         * the connection was made must not stay bypassed */
        int r = ssh_tunnel_check_host_key(t, t->home, &e);
        (void)ctl_send(fd, CTL_ANSWER, r, r < 0 ? e.msg : "", -1);
        if (r < 0) {
            (void)close(fd);
            host_key_refused(t, &e);
            return;
        }
        ctl_add(t, fd);
    }
}

void ssh_shared_ctl_input(struct ssh_tunnel *t, struct ssh_ctl *c)
{
    char req[8];
    ssize_t n = recv(c->fd, req, sizeof(req), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n != 1 || req[0] != 'D') {
        ctl_remove(t, c); /* the run is gone (or talks nonsense) */
        return;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        struct ags_error e = {0};
        (void)ags_error_set(&e, -errno, "ssh: the tunnel process: socketpair: %m");
        ssh_shared_answer(t, c, e.code, -1, &e);
        return;
    }
    (void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
    ssh_tunnel_bridge_add(t, sv[1], NULL, c, sv[0]);
}

void ssh_shared_answer(struct ssh_tunnel *t, struct ssh_ctl *c, int result, int fd,
                       const struct ags_error *err)
{
    if (result == 0) {
        (void)ctl_send(c->fd, CTL_ANSWER, 0, "", fd);
        return;
    }
    struct ags_error e = {0};
    if (!err)
        (void)ags_error_set(&e, result, "ssh: the tunnel to %s closed", t->name);
    (void)ctl_send(c->fd, CTL_ANSWER, result, err ? err->msg : e.msg, -1);
}

void ssh_shared_link_dead(struct ssh_tunnel *t, const struct ags_error *why)
{
    for (struct ssh_ctl *c = t->ctls; c; c = c->next)
        (void)ctl_send(c->fd, CTL_DEAD, why->code, why->msg, -1);
}

bool ssh_shared_done(struct ssh_tunnel *t, int *wait_ms)
{
    if (t->n_ctls > 0 || t->n_bridges > 0) {
        t->idle_since = 0;
        return false;
    }
    long now = monotonic_ms();
    if (t->idle_since == 0)
        t->idle_since = now;
    long left = t->idle_since + t->persist_ms - now;
    if (left <= 0)
        return true;
    if (left < *wait_ms)
        *wait_ms = (int)left;
    return false;
}

/* ---- where a target's tunnel lives ---- */

/* $XDG_RUNTIME_DIR/ags/ssh-<hash>: one per protocol version, URI, identity
 * file, agent socket and home (whose known_hosts checks the host key), so a
 * run never uses a tunnel another way of authenticating or trusting made. */
static int shared_dir(const struct ags_dial_target *tg, char **ret, struct ags_error *err)
{
    if (!tg->runtime_dir || tg->runtime_dir[0] != '/')
        return ags_error_set(err, -EINVAL,
                             "ssh: no private runtime directory for the tunnel's "
                             "sockets (set XDG_RUNTIME_DIR)");
    /* Another user who can write the runtime directory (or one above it)
     * could rename ags/ away mid-run and put a directory of theirs, with a
     * tunnel of theirs, at the name the run connects to. */
    _cleanup_free_ char *runtime = trusted_realpath(tg->runtime_dir);
    if (!runtime)
        return ags_error_set(err, -EPERM,
                             "ssh: the runtime directory %s is not private to you (it and every "
                             "directory above it must be yours or root's, and nobody else may "
                             "write to them): another user could serve the tunnel's sockets "
                             "there. Set XDG_RUNTIME_DIR to a directory of yours (mode 0700)",
                             tg->runtime_dir);
    _cleanup_free_ char *base = xasprintf("%s/ags", runtime);
    int r = mkdir_private(base, err);
    if (r < 0)
        return r;
    const char *agent = tg->getenv ? tg->getenv("SSH_AUTH_SOCK") : NULL;
    const char *parts[] = {SHARED_PROTOCOL, tg->uri, tg->identity, agent, tg->home};
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        const char *p = parts[i] ? parts[i] : "";
        sha256_update(&ctx, p, strlen(p) + 1); /* with the NUL: no two lists alike */
    }
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_final(&ctx, d);
    char hex[SHA256_HEX_SIZE];
    sha256_hex_of(d, hex);
    hex[SHARED_HASH_HEX] = '\0';
    _cleanup_free_ char *dir = xasprintf("%s/ssh-%s", base, hex);
    r = mkdir_private(dir, err);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(dir);
    return 0;
}

/* ---- the tunnel process ---- */

static _noreturn_ void report_and_exit(int fd, int code, const char *msg)
{
    struct ctl_record rec = {.kind = CTL_ANSWER, .code = code};
    size_t len = msg ? strnlen(msg, sizeof(rec.msg)) : 0;
    memcpy(rec.msg, msg ? msg : "", len);
    (void)!write(fd, &rec, CTL_HEAD + len); /* at most PIPE_BUF: whole or not at all */
    _exit(code < 0 ? 1 : 0);
}

/* Nothing of the starting run's: streams on /dev/null, the report pipe at
 * SHARED_REPORT_FD, every other descriptor closed (its locks and pipes),
 * the working directory /, default signal handling (no terminal reaches a
 * session of its own; SIGTERM ends it). */
static int detach(int report_fd)
{
    report_fd = fds_detach(report_fd, SHARED_REPORT_FD);
    for (int sig = 1; sig < NSIG; sig++)
        (void)signal(sig, SIG_DFL);
    (void)signal(SIGPIPE, SIG_IGN);
    sigset_t none;
    (void)sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    return report_fd;
}

static void ctls_free(struct ssh_tunnel *t)
{
    while (t->ctls)
        ctl_remove(t, t->ctls);
}

static _noreturn_ void tunnel_process(const struct ags_dial_target *tg, const char *dir,
                                      int report_fd)
{
    report_fd = detach(report_fd);
    (void)prctl(PR_SET_NAME, "ags-ssh-tunnel"); /* what ps and top show of it */
    /* Forked from a run that may have other threads (ags ps probes engines
     * on threads): a lock one of them held at the fork (the loader's, NSS's)
     * stays held here.  Should starting hang on one, SIGALRM ends this
     * process instead of leaving it stuck; the run reports it. */
    long start_ms = (tg->timeout_ms > 0 ? tg->timeout_ms : SSH_TUNNEL_CONNECT_TIMEOUT_MS) +
                    SHARED_START_GRACE_MS;
    (void)alarm((unsigned)((start_ms + 999) / 1000));
    struct ssh_tunnel *t = ssh_tunnel_new();
    struct ags_error e = {0};
    t->shared = true;
    t->persist_ms = (long)tg->persist_seconds * 1000L;
    t->home = tg->home;
    int r = ssh_uri_parse(tg->uri, &t->uri, &e);
    if (r == 0) {
        t->name = ssh_uri_known_hosts_name(&t->uri);
        r = ssh_tunnel_connect(t, tg, &e);
    }
    _cleanup_free_ char *data = xasprintf("%s/podman.sock", dir);
    if (r == 0)
        r = ssh_tunnel_listen(t, NULL, data, &e);
    if (r == 0) {
        t->ctl_path = xasprintf("%s/ctl", dir);
        r = usock_listen_private_type(t->ctl_path, "ssh tunnel control socket", SOCK_SEQPACKET,
                                      AGS_SSH_TUNNEL_MAX_RUNS, &t->ctl_listen_fd, &e);
        if (r < 0)
            free(TAKE_PTR(t->ctl_path));
    }
    if (r == 0) {
        t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        r = t->wake_fd < 0 ? ags_error_set(&e, -errno, "eventfd: %m") : 0;
    }
    if (r < 0) {
        ssh_tunnel_destroy(t);
        report_and_exit(report_fd, r, e.msg);
    }
    (void)alarm(0);
    struct ctl_record ok = {.kind = CTL_ANSWER};
    (void)!write(report_fd, &ok, CTL_HEAD);
    (void)close(report_fd);
    (void)ssh_tunnel_pump(t);
    ctls_free(t);
    ssh_tunnel_destroy(t);
    _exit(0);
}

/* Reads the starting process's report: 0 once it serves, or its error. */
static int read_report(int fd, long deadline, const char *name, struct ags_error *err)
{
    struct ctl_record rec = {0};
    size_t got = 0;
    for (;;) {
        int w = fd_wait_until(fd, POLLIN, deadline);
        if (w <= 0)
            return ags_error_set(err, -ETIMEDOUT, "ssh: the tunnel to %s did not start in time",
                                 name);
        ssize_t n = read(fd, (char *)&rec + got, sizeof(rec) - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    if (got < CTL_HEAD || rec.code > 0)
        return ags_error_set(err, -ECONNRESET,
                             "ssh: the tunnel process for %s ended before it "
                             "was ready",
                             name);
    rec.msg[got - CTL_HEAD] = '\0';
    if (rec.code < 0)
        return ags_error_set(err, rec.code, "%s", rec.msg);
    return 0;
}

/* Starts the tunnel process (a grandchild in a session of its own, so no
 * zombie and no terminal) and waits for its report. */
static int start_process(const struct ags_dial_target *tg, const char *dir, const char *name,
                         long deadline, struct ags_error *err)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "ssh: cannot make a pipe: %m");
    (void)fflush(NULL); /* what stdio holds would be written twice */
    pid_t mid = fork();
    if (mid == 0) {
        (void)close(fds[0]);
        if (setsid() < 0)
            _exit(1);
        pid_t pid = fork();
        if (pid == 0)
            tunnel_process(tg, dir, fds[1]);
        _exit(pid < 0 ? 1 : 0);
    }
    int saved = errno;
    (void)close(fds[1]);
    if (mid < 0) {
        (void)close(fds[0]);
        return ags_error_set(err, -saved, "ssh: cannot start the tunnel process: %s",
                             strerror(saved));
    }
    while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
        ;
    int r = read_report(fds[0], deadline, name, err);
    (void)close(fds[0]);
    return r;
}

/* ---- a run's side: the dialer ---- */

struct ssh_client {
    struct ags_dialer base;
    pthread_mutex_t lock; /* one request on ctl at a time; dead, dead_err */
    int ctl;
    char *data_path;
    char *name;
    int dead;
    struct ags_error dead_err;
};

/* Notes that the tunnel is gone (the lock held): the first reason stays. */
static void client_dead(struct ssh_client *c, int code, const char *msg)
{
    if (c->dead)
        return;
    c->dead = code < 0 ? code : -ECONNRESET;
    (void)ags_error_set(&c->dead_err, c->dead, "%s", msg);
}

/* A transport failure on ctl (the lock held). */
static void client_lost(struct ssh_client *c, int r)
{
    char msg[AGS_ERROR_MSG_MAX];
    (void)snprintf(msg, sizeof(msg),
                   "ssh: lost the connection to %s (%s): the remote Podman engine is "
                   "unreachable",
                   c->name,
                   r == -EAGAIN   ? "no channel opened in time"
                   : r == -EPROTO ? "the tunnel process answered nonsense"
                                  : "the tunnel process ended");
    client_dead(c, r == -EAGAIN ? -ETIMEDOUT : -ECONNRESET, msg);
}

static int client_dial(struct ags_dialer *d, long timeout_ms, struct ags_error *err)
{
    struct ssh_client *c = (struct ssh_client *)d;
    long deadline = monotonic_ms() + (timeout_ms > 0 ? timeout_ms : SSH_TUNNEL_DEAD_MS);
    pthread_mutex_lock(&c->lock);
    int fd = -1, r = 0;
    struct ctl_record rec;
    if (!c->dead && send(c->ctl, "D", 1, MSG_NOSIGNAL) != 1)
        client_lost(c, -errno);
    while (!c->dead) {
        r = ctl_recv(c->ctl, deadline, &rec, &fd);
        if (r < 0) {
            client_lost(c, r); /* a late answer would be taken for the next one's */
        } else if (rec.kind == CTL_DEAD) {
            client_dead(c, rec.code, rec.msg);
        } else if (rec.code < 0) {
            r = ags_error_set(err, rec.code, "%s", rec.msg);
            break;
        } else if (fd < 0) {
            client_lost(c, -EPROTO);
        } else {
            break;
        }
    }
    if (c->dead) {
        if (err)
            *err = c->dead_err;
        r = c->dead;
    }
    pthread_mutex_unlock(&c->lock);
    if (r < 0 && fd >= 0)
        (void)close(fd);
    return r < 0 ? r : fd;
}

static const char *client_local_path(const struct ags_dialer *d)
{
    return ((const struct ssh_client *)d)->data_path;
}

static int client_status(struct ags_dialer *d, struct ags_error *err)
{
    struct ssh_client *c = (struct ssh_client *)d;
    pthread_mutex_lock(&c->lock);
    while (!c->dead) {
        struct ctl_record rec;
        int fd = -1;
        int r = ctl_recv(c->ctl, 0, &rec, &fd);
        if (fd >= 0)
            (void)close(fd);
        if (r == -EAGAIN)
            break;
        if (r < 0)
            client_lost(c, r);
        else if (rec.kind == CTL_DEAD)
            client_dead(c, rec.code, rec.msg);
    }
    int r = c->dead;
    if (r < 0 && err)
        *err = c->dead_err;
    pthread_mutex_unlock(&c->lock);
    return r;
}

static void client_free(struct ags_dialer *d)
{
    struct ssh_client *c = (struct ssh_client *)d;
    if (!c)
        return;
    if (c->ctl >= 0)
        (void)close(c->ctl);
    pthread_mutex_destroy(&c->lock);
    free(c->data_path);
    free(c->name);
    free(c);
}

/* Connects to the tunnel process at dir: 0 (*ret_fd), the process's refusal
 * (*refused: the host key, too many runs), or -ENOENT / -ECONNREFUSED /
 * -ECONNRESET when nothing (or something on its way out) serves there. */
static int contact(const char *dir, long deadline, int *ret_fd, bool *refused,
                   struct ags_error *err)
{
    *refused = false;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl", dir);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
        return ags_error_set(err, -ENAMETOOLONG,
                             "ssh: %s/ctl: longer than a unix socket path "
                             "may be",
                             dir);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ags_error_set(err, -errno, "socket: %m");
    int e = usock_connect_within(fd, &sa, deadline - monotonic_ms());
    if (e == -ENOENT || e == -ECONNREFUSED)
        return e;
    if (e == -ETIMEDOUT)
        return ags_error_set(err, e,
                             "ssh: the tunnel process at %s takes no new run (stopped or stuck?): "
                             "end it (`pkill -x ags-ssh-tunnel`) and run again",
                             dir);
    if (e < 0)
        return ags_error_set(err, e, "ssh: cannot reach the tunnel process at %s: %s", dir,
                             strerror(-e));
    /* Before anything is read from it: a stream another user passed would
     * carry the session's terminal and what a pull brings back. */
    long uid = peer_uid(fd);
    if (uid < 0)
        return ags_error_set(err, -EPERM,
                             "ssh: refusing the tunnel control socket %s/ctl: cannot tell who "
                             "serves it (SO_PEERCRED: %m)",
                             dir);
    if (uid != (long)geteuid())
        return ags_error_set(err, -EPERM,
                             "ssh: refusing the tunnel control socket %s/ctl: it is served by "
                             "uid %ld, not by you (uid %u); another user may be impersonating "
                             "your ssh tunnel. Nothing was sent. Remove %s",
                             dir, uid, (unsigned)geteuid(), dir);
    struct ctl_record rec;
    int pass = -1;
    int r = ctl_recv(fd, deadline, &rec, &pass);
    if (pass >= 0)
        (void)close(pass);
    if (r == -EPROTO || r == -EAGAIN)
        return ags_error_set(err, r == -EAGAIN ? -ETIMEDOUT : r, "ssh: the tunnel process at %s %s",
                             dir, r == -EAGAIN ? "did not answer" : "answered nonsense");
    if (r < 0 || rec.kind == CTL_DEAD)
        return -ECONNRESET;
    if (rec.code < 0) {
        *refused = true;
        return ags_error_set(err, rec.code, "%s", rec.msg);
    }
    *ret_fd = TAKE_FD(fd);
    return 0;
}

static bool nobody_there(int r)
{
    return r == -ENOENT || r == -ECONNREFUSED || r == -ECONNRESET;
}

/* Under the lock beside the sockets: contact again (another run may have
 * started it meanwhile), else clear what a dead process left and start one. */
static int contact_or_start(const struct ags_dial_target *tg, const char *dir, const char *name,
                            long deadline, int *ret_fd, struct ags_error *err)
{
    _cleanup_free_ char *lock = xasprintf("%s/lock", dir);
    _cleanup_close_ int lfd = -1;
    int r = lockfile_take(lock, deadline - monotonic_ms(), &lfd, err);
    if (r < 0)
        return r;
    bool refused;
    r = contact(dir, deadline, ret_fd, &refused, err);
    if (!nobody_there(r))
        return r;
    _cleanup_free_ char *ctl = xasprintf("%s/ctl", dir);
    _cleanup_free_ char *data = xasprintf("%s/podman.sock", dir);
    (void)unlink(ctl);
    (void)unlink(data);
    r = start_process(tg, dir, name, deadline, err);
    if (r < 0)
        return r;
    r = contact(dir, deadline, ret_fd, &refused, err);
    if (nobody_there(r))
        return ags_error_set(err, r, "ssh: the tunnel process for %s ended at once", name);
    return r;
}

int ssh_shared_open(const struct ags_dial_target *tg, struct ags_dialer **ret,
                    struct ags_error *err)
{
    struct ssh_uri uri = {0};
    int r = ssh_uri_parse(tg->uri, &uri, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *name = ssh_uri_known_hosts_name(&uri);
    ssh_uri_done(&uri);
    _cleanup_free_ char *dir = NULL;
    r = shared_dir(tg, &dir, err);
    if (r < 0)
        return r;
    long timeout_ms = tg->timeout_ms > 0 ? tg->timeout_ms : SSH_TUNNEL_CONNECT_TIMEOUT_MS;
    long deadline = monotonic_ms() + timeout_ms + SHARED_START_GRACE_MS;
    int fd = -1;
    bool refused;
    r = contact(dir, deadline, &fd, &refused, err);
    if (nobody_there(r))
        r = contact_or_start(tg, dir, name, deadline, &fd, err);
    if (r < 0)
        return r;
    struct ssh_client *c = xcalloc(1, sizeof(*c));
    c->base = (struct ags_dialer){.dial = client_dial,
                                  .local_path = client_local_path,
                                  .status = client_status,
                                  .free = client_free};
    pthread_mutex_init(&c->lock, NULL);
    c->ctl = fd;
    c->data_path = xasprintf("%s/podman.sock", dir);
    c->name = TAKE_PTR(name);
    *ret = &c->base;
    return 0;
}
