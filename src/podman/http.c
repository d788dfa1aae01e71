/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/http.h"

#include "podman/curl-lib.h"

#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/dialer.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/banned.h"

/* A service that accepts but never answers is reported within this time. */
#define PODMAN_CONNECT_TIMEOUT_MS 5000L

struct podman_http {
    const struct podman_curl *lib; /* libcurl, loaded with the first handle */
    CURL *curl; /* reused: keeps the connection to the service alive */
    struct podman_endpoint ep;
    const volatile sig_atomic_t *cancel; /* set by the caller's signal handler */
    curl_socket_t sock;        /* the connection's socket, -1 if none */
    struct ags_error conn_err; /* why on_prereq refused the peer (code 0: it did not) */
    long cap_ms; /* every request and connect within this (0: no cap) */
};

struct sink {
    const struct podman_req *req;
    struct strbuf buf;
    int stream_error;
    bool too_big;
    char *header; /* the value of req->keep_header */
};

/* One header line "Name: value\r\n" of the reply (libcurl calls it per line). */
static size_t on_header(char *p, size_t size, size_t nitems, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nitems;
    const char *name = s->req->keep_header;
    size_t name_len = strlen(name);
    if (n <= name_len || p[name_len] != ':' || strncasecmp(p, name, name_len) != 0)
        return n;
    size_t start = name_len + 1, end = n;
    while (start < end && (p[start] == ' ' || p[start] == '\t'))
        start++;
    while (end > start && (p[end - 1] == '\r' || p[end - 1] == '\n' || p[end - 1] == ' ' ||
                           p[end - 1] == '\t'))
        end--;
    free(s->header);
    s->header = end - start <= AGS_PODMAN_MAX_HEADER_VALUE ? xstrndup(p + start, end - start)
                                                           : NULL;
    return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *userdata)
{
    struct sink *s = userdata;
    size_t n = size * nmemb;
    if (s->req->on_data) {
        int r = s->req->on_data(p, n, s->req->userdata);
        if (r < 0) {
            s->stream_error = r;
            return 0;
        }
        return n;
    }
    if (strbuf_append(&s->buf, p, n) < 0) {
        s->too_big = true;
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    }
    return n;
}

void podman_endpoint_done(struct podman_endpoint *ep)
{
    free(ep->path);
    free(ep->host);
    free(ep->uri);
    *ep = (struct podman_endpoint){0};
}

void podman_endpoint_copy(struct podman_endpoint *dst, const struct podman_endpoint *src)
{
    *dst = (struct podman_endpoint){
        .kind = src->kind,
        .path = src->path ? xstrdup(src->path) : NULL,
        .host = src->host ? xstrdup(src->host) : NULL,
        .port = src->port,
        .uri = xstrdup(src->uri ? src->uri : ""),
        .dialer = src->dialer,
    };
}

int podman_http_new(const struct podman_endpoint *ep, struct podman_http **ret,
                    struct ags_error *err)
{
    const struct podman_curl *lib = podman_curl(err);
    if (!lib)
        return -ELIBACC;
    CURL *curl = lib->easy_init();
    if (!curl)
        return ags_error_set(err, -ENOMEM, "cannot create a libcurl handle");
    struct podman_http *h = xcalloc(1, sizeof(*h));
    h->lib = lib;
    h->curl = curl;
    h->sock = -1;
    podman_endpoint_copy(&h->ep, ep);
    *ret = h;
    return 0;
}

struct podman_http *podman_http_free(struct podman_http *h)
{
    if (!h)
        return NULL;
    h->lib->easy_cleanup(h->curl);
    podman_endpoint_done(&h->ep);
    free(h);
    return NULL;
}

const struct podman_endpoint *podman_http_endpoint(const struct podman_http *h)
{
    return &h->ep;
}

void podman_reply_done(struct podman_reply *r)
{
    free(r->body);
    free(r->header);
    *r = (struct podman_reply){0};
}

void podman_http_set_cancel(struct podman_http *h, const volatile sig_atomic_t *flag)
{
    h->cancel = flag;
}

void podman_http_set_cap(struct podman_http *h, long cap_ms)
{
    h->cap_ms = cap_ms > 0 ? cap_ms : 0;
}

/* The request's own limit, or the cap when that is shorter (0: none). */
static long capped(long timeout_ms, long cap_ms)
{
    if (cap_ms > 0 && (timeout_ms <= 0 || timeout_ms > cap_ms))
        return cap_ms;
    return timeout_ms;
}

/* Called by libcurl about once a second and on every read: a signal the
 * caller caught ends the request (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *userdata, curl_off_t dltotal _unused_, curl_off_t dlnow _unused_,
                       curl_off_t ultotal _unused_, curl_off_t ulnow _unused_)
{
    const struct podman_http *h = userdata;
    return h->cancel && *h->cancel ? 1 : 0;
}

/*
 * The peer check (podman_peer_check) for libcurl's connections: on_socket
 * notes each new socket, on_close forgets it, and on_prereq, which libcurl
 * calls once the connection is up (new or reused) and before the request's
 * first byte, refuses a stranger.  (Connecting in the sockopt callback and
 * returning CURL_SOCKOPT_ALREADY_CONNECTED does not work with libcurl 7.88,
 * Debian 12's: it connects again and fails with EISCONN, curl issue 10626.)
 */
static int on_socket(void *userdata, curl_socket_t fd, curlsocktype purpose _unused_)
{
    struct podman_http *h = userdata;
    h->sock = fd;
    return CURL_SOCKOPT_OK;
}

static int on_close(void *userdata, curl_socket_t fd)
{
    struct podman_http *h = userdata;
    if (h->sock == fd)
        h->sock = -1;
    return close(fd);
}

static int on_prereq(void *userdata, char *primary_ip _unused_, char *local_ip _unused_,
                     int primary_port _unused_, int local_port _unused_)
{
    struct podman_http *h = userdata;
    if (podman_endpoint_peer_check(h->sock, &h->ep, &h->conn_err) < 0)
        return CURL_PREREQFUNC_ABORT;
    return CURL_PREREQFUNC_OK;
}

/* Turns a transport failure into one line with what to do about it. */
static int transport_error(const struct podman_http *h, const struct podman_req *req, CURLcode rc,
                           long os_errno, struct ags_error *err)
{
    const char *where = h->ep.uri;
    if (h->ep.dialer && h->ep.dialer->status(h->ep.dialer, err) < 0)
        return err ? err->code : -ECONNRESET; /* the tunnel knows why: the link died */
    if (h->conn_err.code) {
        if (err)
            *err = h->conn_err;
        return h->conn_err.code;
    }
    if (rc == CURLE_COULDNT_CONNECT)
        return podman_connect_error(&h->ep, os_errno ? (int)os_errno : ECONNREFUSED, err);
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return ags_error_set(err, -EINTR, "interrupted while talking to Podman at %s", where);
    if (rc == CURLE_OPERATION_TIMEDOUT && req->stall_seconds > 0 && req->timeout_ms == 0)
        return ags_error_set(err, -ETIMEDOUT,
                             "the Podman service at %s sent nothing for %ld s during %s %s "
                             "(is it stalled?)", where, req->stall_seconds, req->method, req->path);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return ags_error_set(err, -ETIMEDOUT,
                             "the Podman service at %s did not answer in time (is it stalled?)",
                             where);
    return ags_error_set(err, -EIO, "talking to Podman at %s: %s", where, h->lib->easy_strerror(rc));
}

/* Points curl at the endpoint's socket, with the peer check on every
 * connection, and returns the request URL (owned); NULL (err set) if libcurl
 * cannot run the check: then nothing is sent. */
static char *set_target(struct podman_http *h, const struct podman_req *req,
                        struct ags_error *err)
{
    CURL *c = h->curl;
    const struct podman_endpoint *ep = &h->ep;
    _cleanup_free_ char *origin = NULL;
    h->lib->easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, on_socket);
    h->lib->easy_setopt(c, CURLOPT_SOCKOPTDATA, h);
    h->lib->easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, on_close);
    h->lib->easy_setopt(c, CURLOPT_CLOSESOCKETDATA, h);
    if (h->lib->easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq) != CURLE_OK ||
        h->lib->easy_setopt(c, CURLOPT_PREREQDATA, h) != CURLE_OK) {
        ags_error_set(err, -ENOTSUP, "refusing to talk to Podman at %s: this libcurl (%s) "
                                     "cannot check who serves the connection (needs 7.80 or "
                                     "newer)", ep->uri, h->lib->version());
        return NULL;
    }
    /* API requests (secret values included) never go through http_proxy,
     * ALL_PROXY and the like: the service is reached directly or not at all. */
    h->lib->easy_setopt(c, CURLOPT_PROXY, "");
    h->lib->easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (ep->kind == PODMAN_EP_UNIX || ep->kind == PODMAN_EP_SSH) {
        /* ssh: the tunnel's private local socket, each connection a channel */
        h->lib->easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, ep->path);
        origin = xstrdup("http://d"); /* the host part is ignored on a unix socket */
    } else {
        bool v6 = strchr(ep->host, ':') != NULL;
        origin = xasprintf("http://%s%s%s:%u", v6 ? "[" : "", ep->host, v6 ? "]" : "", ep->port);
    }
    bool versioned = strncmp(req->path, "/_ping", 6) != 0;
    bool has_query = req->query && req->query[0];
    return xasprintf("%s%s%s%s%s", origin, versioned ? PODMAN_API_PREFIX : "", req->path,
                     has_query ? "?" : "", has_query ? req->query : "");
}

static void set_method(const struct podman_http *h, CURL *c, const struct podman_req *req)
{
    if (strcmp(req->method, "HEAD") == 0) {
        h->lib->easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (strcmp(req->method, "GET") == 0) {
        h->lib->easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        h->lib->easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
        if (strcmp(req->method, "POST") == 0 || req->body) {
            h->lib->easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
            h->lib->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        }
    }
}

int podman_http_do(struct podman_http *h, const struct podman_req *req, struct podman_reply *ret,
                   struct ags_error *err)
{
    CURL *c = h->curl;
    h->lib->easy_reset(c);
    h->conn_err = (struct ags_error){0};
    _cleanup_free_ char *url = set_target(h, req, err);
    if (!url)
        return err ? err->code : -ENOTSUP;
    h->lib->easy_setopt(c, CURLOPT_URL, url); /* libcurl copies the string */
    set_method(h, c, req);

    struct curl_slist *headers = h->lib->slist_append(NULL, "Expect:");
    _cleanup_free_ char *ctype =
            req->content_type ? xasprintf("Content-Type: %s", req->content_type) : NULL;
    if (ctype)
        headers = h->lib->slist_append(headers, ctype);
    h->lib->easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    h->lib->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    h->lib->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, capped(PODMAN_CONNECT_TIMEOUT_MS, h->cap_ms));
    long timeout_ms = capped(req->timeout_ms, h->cap_ms);
    h->lib->easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 0L);
    if (req->stall_seconds > 0) {
        h->lib->easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        h->lib->easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req->stall_seconds);
    }
    if (h->cancel) {
        h->lib->easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        h->lib->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        h->lib->easy_setopt(c, CURLOPT_XFERINFODATA, h);
    }

    struct sink sink = {.req = req};
    strbuf_init(&sink.buf, req->max_reply ? req->max_reply : AGS_PODMAN_MAX_RESPONSE);
    h->lib->easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    h->lib->easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    if (req->keep_header) {
        h->lib->easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        h->lib->easy_setopt(c, CURLOPT_HEADERDATA, &sink);
    }

    CURLcode rc = h->lib->easy_perform(c);
    long status = 0, os_errno = 0;
    h->lib->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    h->lib->easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    h->lib->slist_free_all(headers);

    int r = 0;
    if (sink.too_big)
        r = ags_error_set(err, -EFBIG, "Podman's reply to %s %s is larger than %zu bytes",
                          req->method, req->path, sink.buf.max);
    else if (sink.stream_error)
        r = sink.stream_error;
    else if (rc != CURLE_OK)
        r = transport_error(h, req, rc, os_errno, err);
    if (r < 0) {
        strbuf_done(&sink.buf);
        free(sink.header);
        return r;
    }
    *ret = (struct podman_reply){.status = status, .header = sink.header};
    if (!req->on_data) {
        ret->len = sink.buf.len;
        ret->body = strbuf_steal(&sink.buf);
    }
    return 0;
}
