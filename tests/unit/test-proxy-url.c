/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the host decides about a URL the sandbox asks it to open
 * (src/proxy/url*.c, allow.c): which URLs may be opened at all and the host
 * the approval shows, the loopback port an OAuth redirect names, and
 * auto_allow_domains' dot-bounded suffix match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/decide.h"
#include "proxy/proto.h"
#include "proxy/url.h"

static int parse(const char *url, struct proxy_url *u, struct ags_error *err)
{
    return proxy_url_parse(url, strlen(url), u, err);
}

static void test_http_and_https_urls_give_their_host_and_port(void **state)
{
    (void)state;

    static const struct {
        const char *url, *host;
        uint16_t port;
        bool https, ip;
    } ok[] = {
            {"https://Login.Example.COM/oauth/authorize?client_id=x&scope=a%20b#frag",
             "login.example.com", 443, true, false},
            {"http://example.com", "example.com", 80, false, false},
            {"HTTPS://example.com:8443?x", "example.com", 8443, true, false},
            {"https://example.com./", "example.com.", 443, true, false},
            {"https://93.184.216.34/", "93.184.216.34", 443, true, true},
            {"https://[2001:DB8::1]:444/", "[2001:db8::1]", 444, true, true},
            {"https://xn--bcher-kva.example/", "xn--bcher-kva.example", 443, true, false},
            {"https://a_b.example/", "a_b.example", 443, true, false},
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct proxy_url u;
        struct ags_error err = {0};
        int r = parse(ok[i].url, &u, &err);
        if (r != 0)
            fail_msg("%s: %s", ok[i].url, err.msg);
        assert_string_equal(u.host, ok[i].host);
        assert_int_equal(u.port, ok[i].port);
        assert_int_equal(u.https, ok[i].https);
        assert_int_equal(u.ip_literal, ok[i].ip);
    }
}

static void test_other_schemes_are_refused_by_name(void **state)
{
    (void)state;

    static const struct {
        const char *url, *shown;
    } bad[] = {
            {"file:///etc/passwd", "'file:'"},        {"javascript:alert(1)", "'javascript:'"},
            {"JavaScript:alert(1)", "'JavaScript:'"}, {"data:text/html,<script>", "'data:'"},
            {"ftp://example.com/", "'ftp:'"},         {"vscode://x", "'vscode:'"},
            {"httpx://example.com/", "'httpx:'"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct proxy_url u;
        struct ags_error err = {0};
        assert_int_equal(parse(bad[i].url, &u, &err), -EPROTONOSUPPORT);
        assert_non_null(strstr(err.msg, bad[i].shown));
    }
}

static void test_credentials_loopback_and_odd_bytes_are_refused(void **state)
{
    (void)state;

    static const struct {
        const char *url;
        int code;
    } bad[] = {
            {"https://user:pw@example.com/", -EACCES},
            {"https://example.com@evil.test/", -EACCES},
            {"https://evil.test\\@example.com/", -EINVAL}, /* backslash: two readings */
            {"http://localhost:8080/", -EACCES},
            {"http://LOCALHOST./", -EACCES},
            {"http://app.localhost/", -EACCES},
            {"http://ip6-localhost:8080/", -EACCES}, /* the other names /etc/hosts gives it */
            {"http://ip6-loopback/", -EACCES},
            {"http://localhost.localdomain/", -EACCES},
            {"http://localhost4/", -EACCES},
            {"http://localhost6./", -EACCES},
            {"http://127.0.0.1:631/", -EACCES},
            {"http://127.1.2.3/", -EACCES},
            {"http://0.0.0.0/", -EACCES},
            {"http://[::1]:8080/", -EACCES},
            {"http://[::]/", -EACCES},
            {"http://[::ffff:127.0.0.1]/", -EACCES},
            {"http://2130706433/", -EINVAL}, /* 127.0.0.1 to a browser */
            {"http://0x7f.1/", -EINVAL},
            {"http://127.1/", -EINVAL},
            {"http://010.0.0.1/", -EINVAL},
            {"http://1.2.3.4./", -EINVAL},
            {"https://exa mple.com/", -EINVAL},
            {"https://example.com/\x1b[2J", -EINVAL},
            {"https://example.com/\xc3\xa9", -EINVAL},
            {"https://ex\xc3\xa4mple.com/", -EINVAL},
            {"https://", -EINVAL},
            {"https:///path", -EINVAL},
            {"https:example.com", -EINVAL},
            {"//example.com/", -EINVAL},
            {"example.com", -EINVAL},
            {"", -EINVAL},
            {"https://example.com:/", -EINVAL},
            {"https://example.com:0/", -EINVAL},
            {"https://example.com:65536/", -EINVAL},
            {"https://example.com:+80/", -EINVAL},
            {"https://a..b/", -EINVAL},
            {"https://.example.com/", -EINVAL},
            {"https://exa%6dple.com/", -EINVAL},
            {"https://[::1/", -EINVAL},
            {"https://[fe80::1%25eth0]/", -EINVAL},
            {"https://[::1]x/", -EINVAL},
            {"https://[example.com]/", -EINVAL},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct proxy_url u;
        struct ags_error err = {0};
        int r = parse(bad[i].url, &u, &err);
        if (r != bad[i].code)
            fail_msg("%s: %d (%s), expected %d", bad[i].url, r, err.msg, bad[i].code);
        assert_true(err.msg[0] != '\0');
    }
}

static void test_length_bound_and_embedded_nul(void **state)
{
    (void)state;
    char *url = malloc(AGS_PROXY_MAX_URL + 2);
    assert_non_null(url);
    memcpy(url, "https://example.com/", 20);
    memset(url + 20, 'a', AGS_PROXY_MAX_URL - 20);
    struct proxy_url u;
    assert_int_equal(proxy_url_parse(url, AGS_PROXY_MAX_URL, &u, NULL), 0);
    url[AGS_PROXY_MAX_URL] = 'a';
    assert_int_equal(proxy_url_parse(url, AGS_PROXY_MAX_URL + 1, &u, NULL), -EINVAL);
    free(url);
    assert_int_equal(proxy_url_parse("https://example.com/\0x", 22, &u, NULL), -EINVAL);
    /* A host label of 63 characters is a host; 64 is not. */
    char host[100] = "https://";
    memset(host + 8, 'a', 63);
    strcpy(host + 71, ".test/");
    assert_int_equal(parse(host, &u, NULL), 0);
    memset(host + 8, 'a', 64);
    strcpy(host + 72, ".test/");
    assert_int_equal(parse(host, &u, NULL), -EINVAL);
}

static int callback(const char *url, uint16_t *port, struct ags_error *err)
{
    *port = 0;
    return proxy_url_callback_port(url, strlen(url), port, err);
}

static void test_callback_port_from_each_redirect_parameter(void **state)
{
    (void)state;

    static const struct {
        const char *url;
        uint16_t port;
    } ok[] = {
            {"https://auth.example/authorize?client_id=a&redirect_uri=http%3A%2F%2Flocalhost%3A8765"
             "%2Fcallback&state=s",
             8765},
            {"https://auth.example/a?redirect_uri=http://127.0.0.1:1455/auth/callback", 1455},
            {"https://auth.example/a?x=1&callback_url=http%3A%2F%2F%5B%3A%3A1%5D%3A54545%2F",
             54545},
            {"https://auth.example/a?return_url=HTTP%3A%2F%2FLocalHost%3A1024", 1024},
            {"https://auth.example/a?redirect_url=http%3a%2f%2flocalhost%3a65535%2fcb", 65535},
            /* Two that agree are one port. */
            {"https://auth.example/a?redirect_uri=http://localhost:3000/&callback_url=http://"
             "127.0.0.1:3000/x",
             3000},
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint16_t port;
        struct ags_error err = {0};
        int r = callback(ok[i].url, &port, &err);
        if (r != 1)
            fail_msg("%s: %d (%s)", ok[i].url, r, err.msg);
        assert_int_equal(port, ok[i].port);
    }
}

static void test_no_callback_when_the_redirect_is_elsewhere(void **state)
{
    (void)state;
    static const char *const none[] = {
            "https://auth.example/a",
            "https://auth.example/a?client_id=x",
            "https://auth.example/a?redirect_uri=https%3A%2F%2Fapp.example%2Fcb",
            "https://auth.example/a?redirect_uri=urn:ietf:wg:oauth:2.0:oob",
            "https://auth.example/a?redirect_uri=http%3A%2F%2F127.0.0.2%3A8000%2F",
            "https://auth.example/a?next=http%3A%2F%2Flocalhost%3A8000%2F",
            "https://auth.example/a?xredirect_uri=http://localhost:8000/",
            "https://auth.example/a#redirect_uri=http://localhost:8000/",
            "https://auth.example/a?redirect_uri",
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        uint16_t port;
        struct ags_error err = {0};
        int r = callback(none[i], &port, &err);
        if (r != 0)
            fail_msg("%s: %d (%s)", none[i], r, err.msg);
        assert_int_equal(port, 0);
    }
}

static void test_callbacks_that_cannot_be_relayed_are_refused(void **state)
{
    (void)state;

    static const struct {
        const char *url;
        int code;
        const char *says;
    } bad[] = {
            {"https://a.example/?redirect_uri=http%3A%2F%2Flocalhost%3A80%2Fcb", -EACCES, "80"},
            {"https://a.example/?redirect_uri=http%3A%2F%2Flocalhost%2Fcb", -EACCES, "80"},
            {"https://a.example/?redirect_uri=http://127.0.0.1:1023/", -EACCES, "1023"},
            {"https://a.example/?redirect_uri=https://localhost:8443/", -EPROTONOSUPPORT, "https"},
            {"https://a.example/?redirect_uri=http://localhost:3000/&return_url=http://"
             "localhost:3001/",
             -EINVAL, "3000 and 3001"},
            {"https://a.example/?redirect_uri=http%3A%2F%2Flocalhost%3A3000%2", -EINVAL, "escape"},
            {"https://a.example/?redirect_uri=http%3A%2F%2Flocal%20host%3A3000", -EINVAL, "URL"},
            {"https://a.example/?redirect_uri=http%3A%2F%2Flocalhost%3A3000%00", -EINVAL, "URL"},
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint16_t port;
        struct ags_error err = {0};
        int r = callback(bad[i].url, &port, &err);
        if (r != bad[i].code || !strstr(err.msg, bad[i].says))
            fail_msg("%s: %d (%s)", bad[i].url, r, err.msg);
        assert_int_equal(port, 0);
    }
}

/* The config's shape of a string list: owned, NULL-terminated. */
static char **strv_of(const char *const *list)
{
    size_t n = 0;
    while (list[n])
        n++;
    char **v = calloc(n + 1, sizeof(*v));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = strdup(list[i]);
    return v;
}

static bool allowed(const char *url, const char *const *list)
{
    struct proxy_url u;
    assert_int_equal(proxy_url_parse(url, strlen(url), &u, NULL), 0);
    if (!list)
        return proxy_host_auto_allowed(&u, NULL);
    char **domains = strv_of(list);
    bool r = proxy_host_auto_allowed(&u, domains);
    for (size_t i = 0; domains[i]; i++)
        free(domains[i]);
    free(domains);
    return r;
}

static void test_auto_allow_is_a_dot_bounded_suffix(void **state)
{
    (void)state;
    const char *const domains[] = {" Example.COM. ", "github.com", NULL};
    assert_true(allowed("https://example.com/", domains));
    assert_true(allowed("https://api.example.com/x", domains));
    assert_true(allowed("https://a.b.example.com./", domains));
    assert_true(allowed("http://GitHub.com:8080/", domains));
    assert_false(allowed("https://evil-example.com/", domains));
    assert_false(allowed("https://example.com.evil.test/", domains));
    assert_false(allowed("https://xexample.com/", domains));
    assert_false(allowed("https://com/", domains));
    assert_false(allowed("https://example.org/", NULL));
}

static void test_auto_allow_ignores_entries_that_name_no_domain(void **state)
{
    (void)state;
    const char *const domains[] = {"",
                                   "  ",
                                   ".",
                                   "*.example.com",
                                   "example.com/path",
                                   "example.com:443",
                                   "exa mple.com",
                                   "3.4",
                                   "db8::1",
                                   NULL};
    assert_false(allowed("https://example.com/", domains));
    assert_false(allowed("https://a.example.com/", domains));
    /* An address is not a domain: "3.4" is no suffix of 1.2.3.4 that names anything. */
    assert_false(allowed("https://1.2.3.4/", domains));
    const char *const exact[] = {"1.2.3.4", NULL};
    assert_true(allowed("https://1.2.3.4/", exact));
    assert_false(allowed("https://11.2.3.4/", exact));
}

static void decide(const char *url, const char *const *list, struct proxy_open_decision *d)
{
    char **domains = list ? strv_of(list) : NULL;
    proxy_open_decide(url, strlen(url), domains, d);
    for (size_t i = 0; domains && domains[i]; i++)
        free(domains[i]);
    free(domains);
}

static void test_open_decision_refuses_asks_or_allows(void **state)
{
    (void)state;
    const char *const list[] = {"auth.example", NULL};
    struct proxy_open_decision d;
    /* auto_allow_domains opens pages; a login relayed into the sandbox is always asked. */
    decide("https://auth.example/a?redirect_uri=http%3A%2F%2Flocalhost%3A1455%2Fcb", list, &d);
    assert_int_equal(d.verdict, PROXY_VERDICT_ASK);
    assert_int_equal(d.callback_port, 1455);
    assert_string_equal(d.url.host, "auth.example");
    decide("https://auth.example/docs", list, &d);
    assert_int_equal(d.verdict, PROXY_VERDICT_ALLOW);
    assert_int_equal(d.callback_port, 0);
    decide("https://login.other.example/a", list, &d);
    assert_int_equal(d.verdict, PROXY_VERDICT_ASK);
    assert_int_equal(d.callback_port, 0);
    decide("https://auth.example/a", NULL, &d);
    assert_int_equal(d.verdict, PROXY_VERDICT_ASK);
    /* Refused, even when allowed: the text is one the protocol carries. */
    static const char *const refused[] = {
            "javascript:alert(1)",
            "https://auth.example/a?redirect_uri=http%3A%2F%2Flocalhost%3A80%2F",
            "https://auth.example/a?redirect_uri=https://localhost:8443/",
            "http://127.0.0.1:8080/",
            "https://auth.example/\x1b",
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        decide(refused[i], list, &d);
        assert_int_equal(d.verdict, PROXY_VERDICT_REFUSE);
        assert_true(strncmp(d.message, "ags does not open this URL: ", 28) == 0);
        _cleanup_strbuf_ struct strbuf sb;
        strbuf_init(&sb, PROXY_FRAME_MAX);
        assert_int_equal(proxy_build_text(&sb, PROXY_REFUSED, d.message), 0);
    }
}

/* What `ags auth-callback` takes: an http address on the loopback names with
 * a port from 1024 on, and where its path starts. */
static void test_a_pasted_callback_address_names_its_port_and_path(void **state _unused_)
{
    static const struct {
        const char *url;
        int r;
        uint16_t port;
        const char *target;
    } cases[] = {
        {"http://localhost:1455/cb?code=a&state=b", 0, 1455, "/cb?code=a&state=b"},
        {"http://127.0.0.1:8080/", 0, 8080, "/"},
        {"http://[::1]:4000/auth/callback", 0, 4000, "/auth/callback"},
        {"HTTP://LOCALHOST:1455/cb", 0, 1455, "/cb"},
        {"http://localhost:1455", 0, 1455, ""},
        {"http://localhost:80/cb", -EINVAL, 0, NULL},
        {"http://localhost/cb", -EINVAL, 0, NULL},
        {"https://localhost:1455/cb", -EINVAL, 0, NULL},
        {"http://example.com:1455/cb", -EINVAL, 0, NULL},
        {"http://127.0.0.2:1455/cb", -EINVAL, 0, NULL},
        {"file:///etc/passwd", -EINVAL, 0, NULL},
        {"http://localhost:1455/c b", -EINVAL, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint16_t port = 0;
        size_t off = 0;
        struct ags_error err = {0};
        const char *u = cases[i].url;
        int r = proxy_url_loopback_callback(u, strlen(u), &port, &off, &err);
        if (r != cases[i].r)
            print_message("%s: %d %s\n", u, r, err.msg);
        assert_int_equal(r, cases[i].r);
        if (r < 0) {
            assert_true(err.msg[0] != '\0');
            continue;
        }
        assert_int_equal(port, cases[i].port);
        assert_string_equal(u + off, cases[i].target);
    }
}

/* localhost and [::1] may be reached on ::1, so the host binds it too; 127.0.0.1 alone not. */
static void test_the_decision_says_which_loopbacks_the_redirect_names(void **state)
{
    (void)state;
    static const struct {
        const char *redirect;
        bool ipv6;
    } cases[] = {
            {"redirect_uri=http://localhost:1455/cb", true},
            {"redirect_uri=http://%5B::1%5D:1455/cb", true},
            {"redirect_uri=http://127.0.0.1:1455/cb", false},
            {"redirect_uri=http://127.0.0.1:1455/cb&callback_url=http://localhost:1455/", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char url[256];
        snprintf(url, sizeof(url), "https://auth.example/a?%s", cases[i].redirect);
        struct proxy_open_decision d;
        decide(url, NULL, &d);
        assert_int_equal(d.verdict, PROXY_VERDICT_ASK);
        assert_int_equal(d.callback_port, 1455);
        assert_int_equal(d.callback_ipv6, cases[i].ipv6);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_http_and_https_urls_give_their_host_and_port),
            cmocka_unit_test(test_other_schemes_are_refused_by_name),
            cmocka_unit_test(test_credentials_loopback_and_odd_bytes_are_refused),
            cmocka_unit_test(test_length_bound_and_embedded_nul),
            cmocka_unit_test(test_callback_port_from_each_redirect_parameter),
            cmocka_unit_test(test_no_callback_when_the_redirect_is_elsewhere),
            cmocka_unit_test(test_callbacks_that_cannot_be_relayed_are_refused),
            cmocka_unit_test(test_auto_allow_is_a_dot_bounded_suffix),
            cmocka_unit_test(test_auto_allow_ignores_entries_that_name_no_domain),
            cmocka_unit_test(test_open_decision_refuses_asks_or_allows),
            cmocka_unit_test(test_a_pasted_callback_address_names_its_port_and_path),
            cmocka_unit_test(test_the_decision_says_which_loopbacks_the_redirect_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
