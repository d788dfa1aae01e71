/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxy_url_parse: a URL the sandbox asks the host to open, checked byte by byte. */
#include "proxy/url.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "base/hostport.h"
#include "proxy/url-internal.h"
#include "base/banned.h"

#define SCHEME_SHOWN_MAX 32 /* how much of a refused scheme the message repeats */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Visible ASCII only.  A backslash is refused because browsers read it as '/' in http
 * URLs while other parsers do not: "https://evil.test\@good.test" names two hosts. */
static int check_bytes(const char *url, size_t len, struct ags_error *err)
{
    if (len == 0)
        return ags_error_set(err, -EINVAL, "an empty URL");
    if (len > AGS_PROXY_MAX_URL)
        return ags_error_set(err, -EINVAL, "a URL of %zu bytes (at most %u)", len,
                             AGS_PROXY_MAX_URL);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '\\')
            return ags_error_set(err, -EINVAL,
                                 "a URL with a space, a control character, a backslash or a "
                                 "non-ASCII byte (at byte %zu)",
                                 i + 1);
    }
    return 0;
}

/* "http://" or "https://"; *off is past the "//". */
static int take_scheme(const char *url, size_t len, bool *https, size_t *off, struct ags_error *err)
{
    size_t n = 0;
    while (n < len && url[n] != ':' && url[n] != '/' && url[n] != '?' && url[n] != '#')
        n++;
    if (n == len || url[n] != ':' || n == 0)
        return ags_error_set(err, -EINVAL, "not an absolute URL (no scheme)");
    char scheme[8] = "";
    for (size_t i = 0; i < n && i < sizeof(scheme) - 1; i++)
        scheme[i] = lower(url[i]);
    if (n > 5 || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        return ags_error_set(err, -EPROTONOSUPPORT,
                             "only http and https URLs are opened, not '%.*s:'",
                             (int)(n < SCHEME_SHOWN_MAX ? n : SCHEME_SHOWN_MAX), url);
    if (len - n < 3 || url[n + 1] != '/' || url[n + 2] != '/')
        return ags_error_set(err, -EINVAL, "an %s URL without '//' and a host", scheme);
    *https = n == 5;
    *off = n + 3;
    return 0;
}

/* host[:port]; a user or password ("user:pw@") is refused: the approval would show the
 * host after '@' while the text before it reads like one. */
static int take_authority(const char *a, size_t n, struct proxy_url *u, struct ags_error *err)
{
    if (memchr(a, '@', n))
        return ags_error_set(err, -EACCES, "a URL with a user name or password");
    struct host_port hp;
    int r = host_port_parse(a, n, u->https ? 443 : 80, &hp, err);
    if (r < 0)
        return r;
    memcpy(u->host, hp.host, sizeof(u->host));
    u->ip_literal = hp.ip_literal;
    u->port = hp.port;
    return 0;
}

int proxy_url_split(const char *url, size_t len, struct proxy_url *u, size_t *path_off,
                    struct ags_error *err)
{
    *u = (struct proxy_url){0};
    size_t off = 0;
    int r = check_bytes(url, len, err);
    if (r == 0)
        r = take_scheme(url, len, &u->https, &off, err);
    if (r < 0)
        return r;
    size_t end = off;
    while (end < len && url[end] != '/' && url[end] != '?' && url[end] != '#')
        end++;
    r = take_authority(url + off, end - off, u, err);
    if (r < 0)
        return r;
    *path_off = end;
    return 0;
}

/* localhost, a name below .localhost, and the other names distributions'
 * /etc/hosts give the loopback (Debian's ip6-*, Fedora's localhost4/6 and
 * localhost.localdomain). */
static bool name_is_localhost(const char *h)
{
    size_t n = strlen(h);
    if (n > 0 && h[n - 1] == '.')
        n--;
    static const char suffix[] = ".localhost";
    size_t sn = sizeof(suffix) - 1;
    if ((n == sn - 1 && memcmp(h, suffix + 1, n) == 0) ||
        (n > sn && memcmp(h + n - sn, suffix, sn) == 0))
        return true;
    static const char *const aliases[] = {"ip6-localhost", "ip6-loopback", "localhost4",
                                          "localhost6", "localhost.localdomain",
                                          "localhost4.localdomain4", "localhost6.localdomain6"};
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strlen(aliases[i]) == n && memcmp(h, aliases[i], n) == 0)
            return true;
    return false;
}

static bool v4_is_loopback(const uint8_t *b)
{
    return b[0] == 127 || (b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0);
}

bool proxy_host_is_loopback(const struct proxy_url *u)
{
    if (!u->ip_literal)
        return name_is_localhost(u->host);
    if (u->host[0] != '[') {
        struct in_addr a;
        return inet_pton(AF_INET, u->host, &a) == 1 && v4_is_loopback((const uint8_t *)&a);
    }
    char inner[AGS_PROXY_MAX_HOST + 1];
    size_t n = strlen(u->host);
    memcpy(inner, u->host + 1, n - 2);
    inner[n - 2] = '\0';
    struct in6_addr a6;
    if (inet_pton(AF_INET6, inner, &a6) != 1)
        return true; /* cannot be: proxy_url_split checked it; refuse rather than guess */
    return IN6_IS_ADDR_LOOPBACK(&a6) || IN6_IS_ADDR_UNSPECIFIED(&a6) ||
           (IN6_IS_ADDR_V4MAPPED(&a6) && v4_is_loopback(a6.s6_addr + 12));
}

int proxy_url_parse(const char *url, size_t len, struct proxy_url *u, struct ags_error *err)
{
    size_t path_off;
    int r = proxy_url_split(url, len, u, &path_off, err);
    if (r < 0)
        return r;
    /* The browser would reach the host's own services, not the sandbox's: a way for the
     * sandbox to drive requests at what listens on the user's loopback. */
    if (proxy_host_is_loopback(u))
        return ags_error_set(err, -EACCES,
                             "'%s' is the host's loopback, not the sandbox's: ags does not "
                             "open it",
                             u->host);
    return 0;
}
