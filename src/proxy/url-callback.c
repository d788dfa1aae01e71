/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxy_url_callback_port: which loopback port an OAuth login waits on in the sandbox. */
#include "proxy/url.h"

#include <errno.h>
#include <string.h>

#include "base/parse-util.h"
#include "proxy/url-internal.h"
#include "base/banned.h"

/* The parameters that carry an OAuth redirect (RFC 6749 says redirect_uri; the
 * others are what some CLIs use). */
static const char *const callback_params[] = {"redirect_uri", "callback_url", "return_url",
                                              "redirect_url"};

/* %XX decoding into out (at least n bytes); -EINVAL for a broken escape. */
static int percent_decode(const char *p, size_t n, char *out, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '%') {
            out[o++] = p[i];
            continue;
        }
        int hi = i + 2 < n ? hex_digit_value(p[i + 1]) : -1;
        int lo = i + 2 < n ? hex_digit_value(p[i + 2]) : -1;
        if (hi < 0 || lo < 0)
            return -EINVAL;
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    *out_len = o;
    return 0;
}

static bool is_callback_param(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof(callback_params) / sizeof(callback_params[0]); i++)
        if (strlen(callback_params[i]) == n && memcmp(callback_params[i], name, n) == 0)
            return true;
    return false;
}

/* The loopback names of the issue: what an OAuth client registers as its redirect. */
static bool callback_host(const char *h)
{
    return strcmp(h, "localhost") == 0 || strcmp(h, "127.0.0.1") == 0 || strcmp(h, "[::1]") == 0;
}

/* The checks of a loopback callback URL u that callback_host accepted. */
static int relayable(const struct proxy_url *u, uint16_t *port, struct ags_error *err)
{
    if (u->https)
        return ags_error_set(err, -EPROTONOSUPPORT,
                             "the callback https://%s:%u cannot be relayed (ags relays plain "
                             "http callbacks)",
                             u->host, (unsigned)u->port);
    if (u->port < 1024)
        return ags_error_set(err, -EACCES,
                             "the callback port %u is below 1024: ags binds only ports from "
                             "1024 on the host",
                             (unsigned)u->port);
    *port = u->port;
    return 1;
}

/* One parameter's value: 1 with *port for a loopback http redirect (*ipv6: on localhost or
 * [::1], which a browser may reach on ::1), 0 for any other redirect (a web page,
 * urn:ietf:wg:oauth:2.0:oob), negative when it cannot be relayed. */
static int value_port(const char *raw, size_t n, uint16_t *port, bool *ipv6, struct ags_error *err)
{
    char value[AGS_PROXY_MAX_URL];
    size_t len;
    if (percent_decode(raw, n, value, &len) < 0)
        return ags_error_set(err, -EINVAL, "a redirect parameter with a broken %%-escape");
    struct proxy_url u;
    size_t path_off;
    int r = proxy_url_split(value, len, &u, &path_off, NULL);
    if (r == -EPROTONOSUPPORT)
        return 0;
    if (r < 0)
        return ags_error_set(err, -EINVAL, "a redirect parameter that is no URL ags can read");
    if (!callback_host(u.host))
        return 0;
    r = relayable(&u, port, err);
    if (r > 0)
        *ipv6 = strcmp(u.host, "127.0.0.1") != 0;
    return r;
}

int proxy_url_loopback_callback(const char *url, size_t len, uint16_t *port, size_t *target_off,
                                struct ags_error *err)
{
    struct proxy_url u;
    if (proxy_url_split(url, len, &u, target_off, err) < 0)
        return -EINVAL;
    if (!callback_host(u.host))
        return ags_error_set(err, -EINVAL, "the host %s is not localhost, 127.0.0.1 or [::1]",
                             u.host);
    return relayable(&u, port, err) < 0 ? -EINVAL : 0;
}

int proxy_url_callback_port(const char *url, size_t len, uint16_t *port, struct ags_error *err)
{
    bool ipv6;
    return proxy_url_callback(url, len, port, &ipv6, err);
}

int proxy_url_callback(const char *url, size_t len, uint16_t *port, bool *ipv6,
                       struct ags_error *err)
{
    if (len > AGS_PROXY_MAX_URL)
        return ags_error_set(err, -EINVAL, "a URL of %zu bytes (at most %u)", len,
                             AGS_PROXY_MAX_URL);
    const char *q = memchr(url, '?', len);
    if (!q)
        return 0;
    const char *frag = memchr(q, '#', len - (size_t)(q - url));
    const char *end = frag ? frag : url + len;
    uint16_t found = 0;
    bool any_ipv6 = false;
    for (const char *p = q + 1; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        uint16_t this_port;
        bool this_ipv6;
        if (eq && is_callback_param(p, (size_t)(eq - p))) {
            int r = value_port(eq + 1, (size_t)(stop - eq - 1), &this_port, &this_ipv6, err);
            if (r < 0)
                return r;
            /* Two redirects on different ports: which one the provider uses is its
             * choice, so ags would bind a port the login never calls back on. */
            if (r > 0 && found && this_port != found)
                return ags_error_set(err, -EINVAL, "redirect parameters name two ports (%u and %u)",
                                     (unsigned)found, (unsigned)this_port);
            if (r > 0) {
                found = this_port;
                any_ipv6 |= this_ipv6;
            }
        }
        p = stop + 1;
    }
    if (!found)
        return 0;
    *port = found;
    *ipv6 = any_ipv6;
    return 1;
}
