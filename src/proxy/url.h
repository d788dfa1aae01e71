/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the host decides about a URL the sandbox asks it to open, as pure
 * functions (docs/auth-proxy.md "URLs"): whether it may be opened at all,
 * the host part the approval shows and auto_allow_domains matches, and the
 * loopback port its OAuth redirect names.  The sandbox chose every byte of
 * the URL: each check refuses rather than guesses.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

struct proxy_url {
    bool https;
    /* Lowercased; an IPv6 literal keeps its brackets; a trailing dot is kept (it is what
     * the browser gets) but ignored by proxy_host_auto_allowed. */
    char host[AGS_PROXY_MAX_HOST + 1];
    bool ip_literal; /* dotted-quad IPv4 or [IPv6] */
    uint16_t port;   /* the URL's, else 80 or 443 */
};

/*
 * Accepts an absolute http or https URL of at most AGS_PROXY_MAX_URL bytes
 * of visible ASCII (no space, control character, backslash or non-ASCII
 * byte), without user or password, whose host is a DNS name, a dotted-quad
 * IPv4 address or a bracketed IPv6 address, and is not the host's loopback
 * (localhost, 127.0.0.0/8, ::1, 0.0.0.0, ::).  -EINVAL otherwise, with a
 * message for the agent; -EPROTONOSUPPORT for a scheme other than http(s),
 * -EACCES for credentials or a loopback host.
 */
int proxy_url_parse(const char *url, size_t len, struct proxy_url *u, struct ags_error *err)
        _warn_unused_;

/*
 * The port of the OAuth loopback redirect the URL carries: the query
 * parameters redirect_uri, callback_url, return_url and redirect_url
 * (percent-decoded) whose value is an http URL on localhost, 127.0.0.1 or
 * [::1].  Returns 1 with *port set, 0 when there is none, -EACCES for a port
 * below 1024 (or none given: 80), -EINVAL when two of them name different
 * ports or one is malformed, -EPROTONOSUPPORT for an https one (TLS cannot
 * be relayed).  The URL itself must have passed proxy_url_parse.
 */
int proxy_url_callback_port(const char *url, size_t len, uint16_t *port, struct ags_error *err)
        _warn_unused_;
/* The same, and *ipv6: a redirect names localhost or [::1], which a browser may reach on
 * ::1, so the host binds the port there too (127.0.0.1 alone: only 127.0.0.1). */
int proxy_url_callback(const char *url, size_t len, uint16_t *port, bool *ipv6,
                       struct ags_error *err) _warn_unused_;

/*
 * A callback address the user pastes into `ags auth-callback`: an http URL on
 * localhost, 127.0.0.1 or [::1] with a port from 1024 on.  0 with *port and
 * *target_off (where the path and query start: len when there is none),
 * -EINVAL with err saying why otherwise (a fragment, never sent by a browser,
 * is the caller's to cut).
 */
int proxy_url_loopback_callback(const char *url, size_t len, uint16_t *port, size_t *target_off,
                                struct ags_error *err) _warn_unused_;

/*
 * [auth_proxy].auto_allow_domains: host is one of domains or below one of
 * them at a dot (example.com allows example.com and api.example.com, never
 * evil-example.com or example.com.evil.test).  Entries are trimmed of
 * whitespace and trailing dots and compared without case; an empty entry
 * or one holding '/', ':', '*' or whitespace never matches.  An IP literal
 * host matches only an entry equal to it.  domains is NULL-terminated (or
 * NULL).
 */
bool proxy_host_auto_allowed(const struct proxy_url *u, char *const *domains);
