/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client: endpoint resolution, ping, version check, autostart fallback. */
#include "podman/podman.h"

#include <jansson.h>
#include <string.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "podman/client.h"
#include "podman/connect-internal.h"
#include "podman/errors.h"
#include "podman/http.h"
#include "base/banned.h"

#define PODMAN_MAX_VERSION_REPLY (64u * 1024u)
#define PODMAN_MAX_VERSION_LEN   64u

struct podman_client *podman_client_free(struct podman_client *c)
{
    if (!c)
        return NULL;
    podman_http_free(c->http);
    podman_endpoint_done(&c->ep);
    if (c->dialer)
        c->dialer->free(c->dialer); /* after every user of it: joins the pump */
    free(c->version);
    free(c);
    return NULL;
}

const char *podman_client_version(const struct podman_client *c)
{
    return c->version ? c->version : "";
}

const char *podman_client_uri(const struct podman_client *c)
{
    return c->ep.uri ? c->ep.uri : "";
}

void podman_client_set_cancel(struct podman_client *c, const volatile sig_atomic_t *flag)
{
    podman_http_set_cancel(c->http, flag);
}

int podman_client_from_endpoint(const struct podman_endpoint *ep, const char *version,
                                struct podman_client **ret, struct ags_error *err)
{
    struct podman_http *http = NULL;
    int r = podman_http_new(ep, &http, err);
    if (r < 0)
        return r;
    struct podman_client *c = xcalloc(1, sizeof(*c));
    c->http = http;
    podman_endpoint_copy(&c->ep, ep);
    c->version = version ? xstrdup(version) : NULL;
    *ret = c;
    return 0;
}

static void client_freep(struct podman_client **c)
{
    podman_client_free(*c);
}

int podman_ping_uri(const char *uri, long timeout_ms, struct ags_error *err)
{
    struct podman_endpoint ep = {0};
    char *version = NULL;
    int r = podman_endpoint_parse(uri, &ep, err);
    if (r == 0)
        r = podman_raw_ping(&ep, timeout_ms, &version, err);
    free(version);
    podman_endpoint_done(&ep);
    return r;
}

int podman_check_version(const char *version, struct ags_error *err)
{
    size_t digits = strspn(version, "0123456789");
    char major[11];
    uint32_t m = 0;
    if (digits == 0 || digits >= sizeof(major) || (version[digits] && version[digits] != '.'))
        return ags_error_set(err, -EPROTO, "cannot make sense of the Podman version '%.64s'",
                             version);
    memcpy(major, version, digits);
    major[digits] = '\0';
    if (parse_u32(major, &m) < 0)
        return ags_error_set(err, -EPROTO, "cannot make sense of the Podman version '%.64s'",
                             version);
    if (m < 4)
        return ags_error_set(err, -EPROTONOSUPPORT, "Podman %.64s is too old; ags needs 4.0 or "
                                                    "newer", version);
    return 0;
}

/* GET /version: {"Version":"4.3.1",...}; stores it in c->version.  Only when
 * _ping had no Libpod-Api-Version header: it costs over a second on 4.3. */
static int fetch_version(struct podman_client *c, struct ags_error *err)
{
    struct podman_req req = {.method = "GET", .path = "/version",
                             .max_reply = PODMAN_MAX_VERSION_REPLY,
                             .timeout_ms = PODMAN_PING_TIMEOUT_MS};
    struct podman_reply reply = {0};
    int r = podman_http_do(c->http, &req, &reply, err);
    if (r < 0)
        return r;
    if (reply.status != 200) {
        r = podman_reply_error(&reply, "asking Podman for its version", err);
        podman_reply_done(&reply);
        return r;
    }
    json_t *root = json_loadb(reply.body, reply.len, 0, NULL);
    const char *v = json_string_value(json_object_get(root, "Version"));
    if (!v || strlen(v) > PODMAN_MAX_VERSION_LEN)
        r = ags_error_set(err, -EPROTO, "%s answered GET /version without a Podman version",
                          c->ep.uri);
    else
        c->version = xstrdup(v);
    json_decref(root);
    podman_reply_done(&reply);
    return r;
}

char *podman_ssh_runtime_dir(const struct podman_connect_opts *opts)
{
    return podman_runtime_dir(opts, geteuid() == 0);
}

/* The tunnel of an ssh:// endpoint: ep's dialer and local socket.  The key is
 * the service destination's identity, else CONTAINER_SSHKEY (podman's
 * ActiveDestination). */
static int open_ssh(const struct podman_connect_opts *opts, const char *identity,
                    struct podman_endpoint *ep, struct ags_dialer **ret, struct ags_error *err)
{
    if (!opts->ssh_open)
        return ags_error_set(err, -EPROTONOSUPPORT, "'%s': this program has no ssh transport",
                             ep->uri);
    _cleanup_free_ char *runtime_dir = podman_ssh_runtime_dir(opts);
    struct ags_dial_target tg = {
        .uri = ep->uri,
        .identity = identity ? identity : podman_opts_getenv(opts, "CONTAINER_SSHKEY"),
        .home = opts->home,
        .runtime_dir = runtime_dir,
        .getenv = opts->getenv,
        .timeout_ms = opts->timeout_ms,
        .persist_seconds = opts->ssh_persist_seconds,
    };
    int r = opts->ssh_open(&tg, ret, err);
    if (r < 0)
        return r;
    ep->dialer = *ret;
    ep->path = xstrdup((*ret)->local_path(*ret));
    return 0;
}

/* Ping (5 s at most, or opts->timeout_ms), learn the version, check it. */
static int connect_uri(const struct podman_connect_opts *opts, const char *uri,
                       const char *identity, struct podman_client **ret, struct ags_error *err)
{
    long timeout_ms = opts->timeout_ms > 0 && opts->timeout_ms < PODMAN_PING_TIMEOUT_MS
                              ? opts->timeout_ms
                              : PODMAN_PING_TIMEOUT_MS;
    struct podman_endpoint ep = {0};
    _cleanup_free_ char *version = NULL;
    _cleanup_(client_freep) struct podman_client *c = NULL;
    struct ags_dialer *dialer = NULL;
    int r = podman_endpoint_parse(uri, &ep, err);
    if (r == 0 && ep.kind == PODMAN_EP_SSH)
        r = open_ssh(opts, identity, &ep, &dialer, err);
    if (r == 0)
        r = podman_raw_ping(&ep, timeout_ms, &version, err);
    if (r == 0)
        r = podman_client_from_endpoint(&ep, version, &c, err);
    podman_endpoint_done(&ep);
    if (r == 0)
        c->dialer = dialer;
    else if (dialer)
        dialer->free(dialer);
    if (r < 0)
        return r;
    if (r == 0)
        podman_http_set_cap(c->http, opts->timeout_ms);
    if (r == 0 && !c->version)
        r = fetch_version(c, err);
    if (r == 0)
        r = podman_check_version(c->version, err);
    if (r == 0)
        *ret = TAKE_PTR(c);
    return r;
}

static bool nobody_home(int r)
{
    return r == -ENOENT || r == -ECONNREFUSED;
}

/* The default socket is silent: use (or start) ags's own service. */
static int connect_fallback(const struct podman_connect_opts *opts, const char *runtime_dir,
                            const struct ags_error *first, struct podman_client **ret,
                            struct ags_error *err)
{
    _cleanup_free_ char *own = xasprintf("unix://%s/ags/podman.sock", runtime_dir);
    struct ags_error own_err = {0};
    int r = connect_uri(opts, own, NULL, ret, &own_err);
    if (r == 0)
        return 0;
    if (!nobody_home(r)) {
        if (err)
            *err = own_err;
        return r;
    }
    _cleanup_free_ char *bin = podman_find_binary(opts);
    if (!bin)
        return ags_error_set(err, -ENOENT, "%s, and Podman is not installed: install it (on "
                                           "Debian or Ubuntu: `sudo apt-get install podman`) "
                                           "and run ags again", first->msg);
    if (!opts->autostart)
        return ags_error_set(err, first->code, "%s; start it with `systemctl --user enable "
                                               "--now podman.socket`", first->msg);
    _cleanup_free_ char *uri = NULL;
    r = podman_autostart(bin, runtime_dir, opts->idle_seconds, &uri, err);
    if (r < 0) {
        if (err)
            (void)ags_error_prefix(err, "%s, and starting one failed", first->msg);
        return r;
    }
    return connect_uri(opts, uri, NULL, ret, err);
}

int podman_connect(const struct podman_connect_opts *opts, struct podman_client **ret,
                   struct ags_error *err)
{
    struct podman_resolved res = {0};
    int r = podman_resolve_uri(opts, NULL, geteuid() == 0, &res, err);
    if (r < 0)
        return r;
    struct ags_error first = {0};
    r = connect_uri(opts, res.uri, res.identity, ret, &first);
    if (r < 0 && res.source == PODMAN_URI_DEFAULT && nobody_home(r))
        r = connect_fallback(opts, res.runtime_dir, &first, ret, err);
    else if (r < 0 && err)
        *err = first;
    podman_resolved_done(&res);
    return r;
}
