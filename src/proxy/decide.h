/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * What the host does with an OPEN, as one pure function over url.h, so the
 * server only carries the verdict out: refuse (with the REFUSED text), ask
 * the user, or open at once (auto_allow_domains); and the loopback port to
 * bind for the relay.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/limits.h"
#include "proxy/url.h"

enum proxy_verdict {
    PROXY_VERDICT_REFUSE,
    PROXY_VERDICT_ASK,
    PROXY_VERDICT_ALLOW, /* auto_allow_domains: no prompt */
};

struct proxy_open_decision {
    enum proxy_verdict verdict;
    struct proxy_url url;   /* ASK, ALLOW: the host the approval shows */
    uint16_t callback_port; /* ASK, ALLOW: the relay's port, 0 for none */
    bool callback_ipv6;     /* ... named as localhost or [::1]: bound on ::1 too */
    /* REFUSE: printable ASCII for PROXY_REFUSED (proxy_build_text takes it as it is). */
    char message[AGS_PROXY_MAX_TEXT];
};

/* url is the OPEN's (len bytes); auto_allow is [auth_proxy].auto_allow_domains (may be
 * NULL).  A URL that cannot be opened, or whose callback cannot be relayed, is refused:
 * opening it without the relay would leave the agent waiting for a callback that never
 * comes. */
void proxy_open_decide(const char *url, size_t len, char *const *auto_allow,
                       struct proxy_open_decision *d);
