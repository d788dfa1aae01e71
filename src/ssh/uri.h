/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ssh://[user@]host[:port]/abs/path/to/podman.sock, the remote Podman URI of
 * CONTAINER_HOST, --url and containers.conf's service destinations, parsed as
 * Go's url.Parse (what Podman uses) would read it, and refused wherever the
 * two readings could differ or the text is ambiguous: no password, query,
 * fragment or percent sign in the host; an IPv6 host in brackets; the user
 * and path percent-decoded, never to a control byte.  Pure: no I/O.
 */

#include <stdint.h>

#include "base/error.h"

struct ssh_uri {
    char *user; /* decoded; NULL: none given (the local user's name) */
    char *host; /* a name, IPv4 or IPv6 address (without brackets) */
    uint16_t port; /* 22 when none given */
    char *path; /* decoded, absolute */
};

void ssh_uri_done(struct ssh_uri *u);
/* -EINVAL with a message that names the part at fault (and never echoes a
 * control byte) for anything else. */
int ssh_uri_parse(const char *text, struct ssh_uri *ret, struct ags_error *err) _warn_unused_;
/* The canonical text of a parsed URI (owned): parses back to the same fields. */
char *ssh_uri_format(const struct ssh_uri *u);
/* "host" for port 22, else "[host]:port": how known_hosts names the server. */
char *ssh_uri_known_hosts_name(const struct ssh_uri *u);
