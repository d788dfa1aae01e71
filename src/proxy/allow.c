/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [auth_proxy].auto_allow_domains: dot-bounded suffix matching (docs/auth-proxy.md). */
#include "proxy/url.h"

#include <string.h>
#include <strings.h>

#include "base/banned.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The entry trimmed of whitespace and trailing dots; false for one that never matches. */
static bool entry_view(const char *e, const char **p, size_t *n)
{
    size_t len = strlen(e);
    while (len > 0 && is_space(*e)) {
        e++;
        len--;
    }
    while (len > 0 && (is_space(e[len - 1]) || e[len - 1] == '.'))
        len--;
    for (size_t i = 0; i < len; i++)
        if (e[i] == '/' || e[i] == ':' || e[i] == '*' || is_space(e[i]))
            return false;
    *p = e;
    *n = len;
    return len > 0;
}

static bool matches(const char *host, size_t hn, const char *e, size_t en, bool exact_only)
{
    if (hn == en)
        return strncasecmp(host, e, en) == 0;
    /* A suffix counts only at a label boundary: "example.com" is no suffix of
     * "evil-example.com". */
    return !exact_only && hn > en && host[hn - en - 1] == '.' &&
           strncasecmp(host + hn - en, e, en) == 0;
}

bool proxy_host_auto_allowed(const struct proxy_url *u, char *const *domains)
{
    size_t hn = strlen(u->host);
    if (hn > 0 && u->host[hn - 1] == '.')
        hn--;
    for (size_t i = 0; domains && domains[i]; i++) {
        const char *e;
        size_t en;
        /* "3.4" is a suffix of the address 1.2.3.4 but names no domain of it. */
        if (entry_view(domains[i], &e, &en) && matches(u->host, hn, e, en, u->ip_literal))
            return true;
    }
    return false;
}
