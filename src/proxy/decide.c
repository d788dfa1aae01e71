/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proxy/decide.h"

#include <stdio.h>

#include "base/banned.h"

/* The REFUSED text: the checks' own messages are printable ASCII (they echo only bytes
 * check_bytes let through); anything else is replaced, so the text always builds. */
static void refuse(struct proxy_open_decision *d, const char *why)
{
    d->verdict = PROXY_VERDICT_REFUSE;
    snprintf(d->message, sizeof(d->message), "ags does not open this URL: %.960s", why);
    for (char *p = d->message; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
}

void proxy_open_decide(const char *url, size_t len, char *const *auto_allow,
                       struct proxy_open_decision *d)
{
    *d = (struct proxy_open_decision){.verdict = PROXY_VERDICT_REFUSE};
    struct ags_error err = {0};
    if (proxy_url_parse(url, len, &d->url, &err) < 0) {
        refuse(d, err.msg);
        return;
    }
    uint16_t port = 0;
    bool ipv6 = false;
    if (proxy_url_callback(url, len, &port, &ipv6, &err) < 0) {
        refuse(d, err.msg);
        return;
    }
    d->callback_port = port;
    d->callback_ipv6 = ipv6;
    /* auto_allow_domains only opens pages: a login whose code would be
     * relayed into the sandbox is always asked about.  A provider that skips
     * its consent page for an app the user authorized before would otherwise
     * hand the sandbox a code for the user's account without a click. */
    d->verdict = !port && proxy_host_auto_allowed(&d->url, auto_allow) ? PROXY_VERDICT_ALLOW
                                                                        : PROXY_VERDICT_ASK;
}
