/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The egress proxy of a session whose network policy is an allowlist
 * (docs/security.md, "Network policy: the egress proxy").  The sandbox has
 * no route out; its HTTP(S)_PROXY is ags-helper forward, which relays each
 * connection to this proxy's unix socket.  The proxy takes CONNECT
 * host:port (TLS passes through untouched) and plain http:// requests,
 * checks the name and port against the policy, resolves the name on the
 * host, drops every special address (loopback, private, link-local, ...)
 * the policy does not list, connects only to an address it checked and
 * relays.  Every attempt is one JSON line in the audit log.  It knows
 * nothing of config or the plan: the policy comes as callbacks (run wires
 * them).  libc and pthreads only.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/error.h"

enum egress_decision { EGRESS_ALLOWED, EGRESS_REFUSED, EGRESS_FAILED };

/* One connection attempt, as its log line shows it when it ends. */
struct egress_attempt {
    const char *method;  /* "CONNECT", "GET", ...; "" if unparsable */
    const char *host;    /* as requested (lower-cased), "" if unparsable */
    uint16_t port;
    const char *address; /* the resolved address connected to / refused, "" if none */
    enum egress_decision decision;
    const char *reason;  /* short printable ASCII: why refused/failed, or "" */
    uint64_t bytes_up, bytes_down; /* payload relayed client->server, server->client */
    uint64_t duration_ms;
    int64_t start_unix_ms;
};

struct egress_policy {
    /* Name and port as the client asked (never an IP literal).  true: may proceed. */
    bool (*name_allowed)(void *ctx, const char *host, uint16_t port);
    /* An address the host resolved the name to (or the client's IP literal): true when the
     * policy lists it explicitly (an IP or CIDR rule).  Asked for every IP literal and for
     * every special address (egress_addr_is_special).  addr: struct in_addr or in6_addr. */
    bool (*addr_listed)(void *ctx, int family, const void *addr, uint16_t port);
    void *ctx;
};

struct egress_opts {
    const char *socket_path; /* bound fresh via usock_listen_private (0600) */
    struct egress_policy policy;
    int log_fd;              /* audit log, O_APPEND; -1: none.  Not closed by the proxy. */
    const char *session, *agent; /* written into each log line */
    /* Called (at most EGRESS_WARN_BURST times per EGRESS_WARN_WINDOW_MS, then one summary;
     * from the server's threads, one at a time) with one line for the user about a
     * refusal.  May be NULL. */
    void (*warn)(void *ctx, const char *line);
    void *warn_ctx;
    /* Bounds in milliseconds; 0 = the default (EGRESS_DEFAULT_*). */
    int head_timeout_ms, resolve_timeout_ms, connect_timeout_ms, idle_timeout_ms;
};

#define EGRESS_DEFAULT_HEAD_TIMEOUT_MS    10000         /* the whole request head */
#define EGRESS_DEFAULT_RESOLVE_TIMEOUT_MS 10000         /* getaddrinfo */
#define EGRESS_DEFAULT_CONNECT_TIMEOUT_MS 10000         /* each address tried */
#define EGRESS_DEFAULT_IDLE_TIMEOUT_MS    (10 * 60000)  /* no byte either way */
#define EGRESS_WARN_BURST                 5
#define EGRESS_WARN_WINDOW_MS             10000

struct egress_server;
/* Binds the socket and starts the server's thread.  Everything opts points to must
 * outlive the server. */
int egress_start(const struct egress_opts *o, struct egress_server **ret, struct ags_error *err)
        _warn_unused_;
/* Closes every connection, joins every thread, writes the log's last line (attempts past its
 * budget) and the last warning summary, unlinks the socket, frees s (NULL: nothing). */
void egress_stop(struct egress_server *s);
/* The attempts so far by decision, for the run's end line. */
void egress_counts(const struct egress_server *s, uint64_t *allowed, uint64_t *refused,
                   uint64_t *failed);

/*
 * Whether an address is one the proxy connects to only when the policy lists it: loopback,
 * unspecified, private (RFC 1918, ULA), link-local, CGNAT, multicast, reserved and
 * broadcast, IETF protocol assignments, benchmarking; IPv6 forms that carry an IPv4
 * address (mapped, compatible, NAT64, 6to4) are judged by it (egress/addr.c lists them).
 * family AF_INET (struct in_addr) or AF_INET6 (struct in6_addr); any other: true.
 */
bool egress_addr_is_special(int family, const void *addr);
