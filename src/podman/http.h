/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <signal.h>

/*
 * HTTP transport to the libpod REST API (internal to src/podman; libcurl stays
 * in http.c).  Requests go to /v4.0.0/libpod/<path>: that prefix works on
 * Podman 4.x and 5.x and gives the same JSON shapes on both.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"

#define PODMAN_API_PREFIX "/v4.0.0/libpod"

enum podman_endpoint_kind {
    PODMAN_EP_UNIX,
    PODMAN_EP_TCP,
    PODMAN_EP_SSH, /* through a dialer (base/dialer.h) the caller's ssh_open made */
};

struct ags_dialer;

struct podman_endpoint {
    enum podman_endpoint_kind kind;
    char *path;    /* unix socket path; ssh: the dialer's local socket */
    char *host;    /* tcp host */
    uint16_t port; /* tcp port */
    char *uri;     /* as configured, for messages */
    struct ags_dialer *dialer; /* ssh: borrowed (the client owns it); NULL until connected */
};

void podman_endpoint_done(struct podman_endpoint *ep);
/* A deep copy (the dialer is shared, never copied). */
void podman_endpoint_copy(struct podman_endpoint *dst, const struct podman_endpoint *src);
/* Parses unix:///abs/path, tcp://host:port and ssh://... (kind PODMAN_EP_SSH:
 * the rest of the URI is the dialer's to parse). */
int podman_endpoint_parse(const char *uri, struct podman_endpoint *ret, struct ags_error *err)
        _warn_unused_;

/* Whether a socket served by uid peer may hear from us (uid self): only
 * we or root may (docs/security.md, "Talking to Podman"). */
bool podman_peer_allowed(uid_t peer, uid_t self);
/* -EPERM (with a message naming path and the peer's uid) unless the peer of
 * the connected unix socket fd is allowed. */
int podman_peer_check(int fd, const char *path, struct ags_error *err) _warn_unused_;
/* The same for a connected TCP socket fd (uri for messages): when the other
 * end is a socket of this machine (/proc/net/tcp{,6}: the listener and the
 * accepted socket of our exact connection), its owner must be us or root;
 * -EPERM if it is not, or if a loopback peer's owner cannot be found.  A
 * peer on another machine cannot be checked (podman_uri_is_network warns). */
int podman_tcp_peer_check(int fd, const char *uri, struct ags_error *err) _warn_unused_;
/* podman_peer_check or podman_tcp_peer_check, by the endpoint's kind. */
int podman_endpoint_peer_check(int fd, const struct podman_endpoint *ep, struct ags_error *err)
        _warn_unused_;
/* "no Podman service at URI (the socket does not exist)" and the like for a
 * connect that failed with errno e; returns -e (ENOENT, ECONNREFUSED, ...). */
int podman_connect_error(const struct podman_endpoint *ep, int e, struct ags_error *err);
/* Connects the unix socket fd to ep->path within timeout_ms, then checks the
 * peer: the one way ags connects to a unix socket, so nothing is ever sent
 * to a stranger.  Errors are podman_connect_error()'s or the peer's. */
int podman_unix_connect(int fd, const struct podman_endpoint *ep, long timeout_ms,
                        struct ags_error *err) _warn_unused_;

struct podman_http;

struct podman_reply {
    long status;
    char *body; /* NUL-terminated; NULL when streamed to on_data */
    size_t len;
    char *header; /* the value of the request's keep_header (owned); NULL: none */
};

void podman_reply_done(struct podman_reply *r);

struct podman_req {
    const char *method;       /* GET, POST, DELETE, HEAD */
    const char *path;         /* below PODMAN_API_PREFIX, e.g. "/containers/create"; or absolute
                                 when it starts with "/_ping" */
    const char *query;        /* already encoded (podman_query_*), or NULL */
    const char *content_type; /* required with a body: never a form type (libpod-api.md 0.1) */
    const void *body;
    size_t body_len;
    size_t max_reply;         /* cap on the buffered reply; 0 = PODMAN_MAX_RESPONSE */
    long timeout_ms;          /* whole request; 0 = no limit (streams) */
    long stall_seconds;       /* streams: fail after this long without a byte; 0 = never */
    /* Streaming: called with each chunk as it arrives; a negative return aborts. */
    int (*on_data)(const char *p, size_t n, void *userdata);
    void *userdata;
    /* A reply header (name, any case) whose value goes to podman_reply.header,
     * blanks trimmed; one longer than AGS_PODMAN_MAX_HEADER_VALUE is dropped. */
    const char *keep_header;
};

/* Returns an owned transport; free with podman_http_free(). */
int podman_http_new(const struct podman_endpoint *ep, struct podman_http **ret,
                    struct ags_error *err) _warn_unused_;
struct podman_http *podman_http_free(struct podman_http *h);
/* Performs one request.  Transport failures are errors with a hint (no
 * service, stale socket, permission, timeout); any HTTP status is a success
 * of this call: the caller interprets ret->status. */
int podman_http_do(struct podman_http *h, const struct podman_req *req, struct podman_reply *ret,
                   struct ags_error *err) _warn_unused_;
const struct podman_endpoint *podman_http_endpoint(const struct podman_http *h);
/* While *flag (may be NULL: never) is non-zero, requests abort with -EINTR. */
void podman_http_set_cancel(struct podman_http *h, const volatile sig_atomic_t *flag);
/* Caps the connect and every request at cap_ms (0: each request's own limit). */
void podman_http_set_cap(struct podman_http *h, long cap_ms);

/* A hijacked connection (attach, exec start): the raw stream after the reply
 * headers; pending holds stream bytes that arrived with the headers. */
struct podman_stream {
    int fd;
    char *pending;
    size_t n_pending;
};

void podman_stream_done(struct podman_stream *s);
/* POSTs path?query with Upgrade headers on a new connection and returns the
 * stream once the server answers 101 or 200.  Other statuses are errors that
 * carry libpod's message. */
int podman_hijack(const struct podman_endpoint *ep, const char *path, const char *query,
                  const char *json_body, struct podman_stream *ret, struct ags_error *err)
        _warn_unused_;
