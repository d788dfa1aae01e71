/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who serves a TCP connection on this machine.  Any local user can listen on
 * a loopback port whenever the user's Podman is not (podman system service
 * exits when idle), so tcp://127.0.0.1:N is no safer than a socket in /tmp.
 * There is no SO_PEERCRED for TCP, but the kernel lists every socket of our
 * network namespace with its owner in /proc/net/tcp and tcp6: the listener on
 * the port we reached and the socket it accepted for our exact connection
 * (its local address:port is our peer's, its remote one ours).  Both must
 * belong to us or root.
 */
#include "podman/http.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/banned.h"

#define TCP_LISTEN 0x0A
#define TCP_TIME_WAIT 0x06

struct tcp_addr {
    uint8_t ip[16]; /* IPv4 as ::ffff:a.b.c.d, the way tcp6 lists v4 peers of a v6 socket */
    uint16_t port;
};

struct peer_scan {
    struct tcp_addr self, peer;
    uid_t bad_uid;  /* an owner that is not allowed; valid when bad */
    bool found, bad;
};

static void from_sockaddr(const struct sockaddr_storage *ss, struct tcp_addr *ret)
{
    *ret = (struct tcp_addr){0};
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        ret->ip[10] = ret->ip[11] = 0xff;
        memcpy(ret->ip + 12, &s4->sin_addr, 4);
        ret->port = ntohs(s4->sin_port);
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        memcpy(ret->ip, &s6->sin6_addr, 16);
        ret->port = ntohs(s6->sin6_port);
    }
}

/* "0100007F:1F90" (tcp) or 32 hex digits ":1F90" (tcp6): the kernel prints
 * each 32-bit word of the address in host byte order. */
static int parse_addr(const char *s, struct tcp_addr *ret)
{
    size_t n = strcspn(s, ":");
    if ((n != 8 && n != 32) || s[n] != ':')
        return -EINVAL;
    *ret = (struct tcp_addr){0};
    uint8_t *dst = n == 8 ? ret->ip + 12 : ret->ip;
    if (n == 8)
        ret->ip[10] = ret->ip[11] = 0xff;
    for (size_t w = 0; w < n / 8; w++) {
        char word[9];
        memcpy(word, s + w * 8, 8);
        word[8] = '\0';
        uint32_t v = 0;
        if (sscanf(word, "%8" SCNx32, &v) != 1)
            return -EINVAL;
        memcpy(dst + w * 4, &v, 4);
    }
    unsigned port = 0;
    if (sscanf(s + n + 1, "%4x", &port) != 1)
        return -EINVAL;
    ret->port = (uint16_t)port;
    return 0;
}

static bool addr_equal(const struct tcp_addr *a, const struct tcp_addr *b)
{
    return a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

/* 0.0.0.0 or :: : a listener there accepts connections to every address. */
static bool ip_is_any(const uint8_t ip[16])
{
    static const uint8_t any6[16], any4[16] = {[10] = 0xff, [11] = 0xff};
    return memcmp(ip, any6, 16) == 0 || memcmp(ip, any4, 16) == 0;
}

static void scan_line(const char *line, struct peer_scan *s)
{
    char local[64], remote[64];
    unsigned state = 0;
    unsigned long uid = 0;
    /* sl local rem st tx:rx tr:when retrnsmt uid */
    if (sscanf(line, " %*[0-9]: %63s %63s %x %*s %*s %*s %lu", local, remote, &state, &uid) != 4)
        return;
    struct tcp_addr l, r;
    if (parse_addr(local, &l) < 0 || parse_addr(remote, &r) < 0 || state == TCP_TIME_WAIT)
        return;
    bool ours = addr_equal(&l, &s->peer) && addr_equal(&r, &s->self);
    bool listener = state == TCP_LISTEN && l.port == s->peer.port &&
                    (memcmp(l.ip, s->peer.ip, 16) == 0 || ip_is_any(l.ip));
    if (!ours && !listener)
        return;
    s->found = true;
    if (!podman_peer_allowed((uid_t)uid, geteuid()) && !s->bad) {
        s->bad = true;
        s->bad_uid = (uid_t)uid;
    }
}

static void scan_table(const char *path, struct peer_scan *s)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return; /* no IPv6: nothing listed there */
    char line[512];
    while (fgets(line, sizeof(line), f))
        scan_line(line, s);
    (void)fclose(f);
}

static bool ip_is_loopback(const uint8_t ip[16])
{
    static const uint8_t lo6[16] = {[15] = 1};
    return memcmp(ip, lo6, 16) == 0 || (ip[10] == 0xff && ip[11] == 0xff && ip[12] == 127 &&
                                        memcmp(ip, lo6, 10) == 0);
}

int podman_tcp_peer_check(int fd, const char *uri, struct ags_error *err)
{
    struct sockaddr_storage self = {0}, peer = {0};
    socklen_t sl = sizeof(self), pl = sizeof(peer);
    if (getsockname(fd, (struct sockaddr *)&self, &sl) < 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
        return ags_error_set(err, -EPERM, "refusing to talk to Podman at %s: cannot tell the "
                                          "connection's addresses: %m", uri);
    struct peer_scan s = {0};
    from_sockaddr(&self, &s.self);
    from_sockaddr(&peer, &s.peer);
    scan_table("/proc/net/tcp", &s);
    scan_table("/proc/net/tcp6", &s);
    if (s.bad)
        return ags_error_set(err, -EPERM,
                             "refusing to talk to Podman at %s: port %u is served by uid %u, "
                             "not by you (uid %u) or root; any local user can listen on a "
                             "loopback port while your Podman does not. Nothing was sent. Use "
                             "your Podman's unix socket instead",
                             uri, s.peer.port, (unsigned)s.bad_uid, (unsigned)geteuid());
    if (!s.found && ip_is_loopback(s.peer.ip))
        return ags_error_set(err, -EPERM, "refusing to talk to Podman at %s: cannot tell who "
                                          "serves port %u (not in /proc/net/tcp or tcp6). "
                                          "Nothing was sent",
                             uri, s.peer.port);
    return 0; /* another machine: podman_uri_is_network warned */
}

int podman_endpoint_peer_check(int fd, const struct podman_endpoint *ep, struct ags_error *err)
{
    /* ssh: the tunnel's own local socket (ours); the remote end was
     * authenticated by its host key (docs/security.md) */
    return ep->kind != PODMAN_EP_TCP ? podman_peer_check(fd, ep->path, err)
                                     : podman_tcp_peer_check(fd, ep->uri, err);
}
