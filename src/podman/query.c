/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/query.h"

#include <string.h>

#include "base/banned.h"

int podman_url_escape(struct strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int r;
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            r = strbuf_appendc(sb, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            r = strbuf_append(sb, enc, sizeof(enc));
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int podman_query_add(struct strbuf *sb, const char *key, const char *value)
{
    int r = sb->len ? strbuf_appendc(sb, '&') : 0;
    if (r == 0)
        r = podman_url_escape(sb, key);
    if (r == 0)
        r = strbuf_appendc(sb, '=');
    if (r == 0)
        r = podman_url_escape(sb, value);
    return r;
}

int podman_query_add_bool(struct strbuf *sb, const char *key, bool value)
{
    return podman_query_add(sb, key, value ? "true" : "false");
}
