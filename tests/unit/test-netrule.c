/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The [network].allow entry grammar (base/netrule): what parses and to what
 * canonical text, what is refused and why, how names and addresses match,
 * and netrule_covers, which the overlay rule stands on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/limits.h"
#include "base/netrule.h"

static struct netrule rule(const char *text)
{
    struct netrule r;
    const char *why = NULL;
    if (netrule_parse(text, &r, &why) != 0)
        fail_msg("'%s' refused: %s", text, why);
    return r;
}

static void assert_same_rule(const struct netrule *a, const struct netrule *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->family, b->family);
    assert_memory_equal(a->addr, b->addr, sizeof(a->addr));
    assert_int_equal(a->prefix, b->prefix);
    assert_int_equal(a->port, b->port);
}

/* text parses and formats as canon, which parses back to the same rule. */
static void assert_canonical(const char *text, const char *canon)
{
    struct netrule r = rule(text), again;
    char buf[NETRULE_FORMAT_MAX];
    assert_int_equal(netrule_format(&r, buf, sizeof(buf)), (int)strlen(canon));
    assert_string_equal(buf, canon);
    again = rule(buf);
    assert_same_rule(&r, &again);
}

static void assert_refused(const char *text, const char *why_part)
{
    struct netrule r;
    const char *why = NULL;
    assert_int_equal(netrule_parse(text, &r, &why), -EINVAL);
    assert_non_null(why);
    if (!strstr(why, why_part))
        fail_msg("'%s' refused with '%s', expected '%s'", text, why, why_part);
}

static void test_names_lowercased_one_trailing_dot_dropped(void **state)
{
    (void)state;
    struct netrule r = rule("API.Example.ORG.");
    assert_int_equal(r.kind, NETRULE_NAME);
    assert_string_equal(r.name, "api.example.org");
    assert_int_equal(r.port, 0);
    assert_canonical("GitHub.com:443", "github.com:443");
    assert_canonical("localhost", "localhost");
    assert_canonical("a-b.c0", "a-b.c0");
}

static void test_suffix_only_as_whole_first_label(void **state)
{
    (void)state;
    struct netrule r = rule("*.Example.org:8443");
    assert_int_equal(r.kind, NETRULE_SUFFIX);
    assert_string_equal(r.name, "example.org");
    assert_int_equal(r.port, 8443);
    assert_canonical("*.example.org", "*.example.org");
    assert_refused("*example.org", "'*'");
    assert_refused("a.*.org", "'*'");
    assert_refused("*.*.org", "'*'");
    assert_refused("*", "'*'");
    assert_refused("*.", "needs a domain");
}

static void test_name_labels_and_length_bounded(void **state)
{
    (void)state;
    char label[80];
    memset(label, 'a', 63);
    label[63] = '\0';
    char name[400];
    (void)snprintf(name, sizeof(name), "%s.org", label);
    (void)rule(name); /* 63 is the most */
    memset(label, 'a', 64);
    label[64] = '\0';
    (void)snprintf(name, sizeof(name), "%s.org", label);
    assert_refused(name, "longer than 63");
    /* 4 x 63 + 3 dots = 255 > 253 */
    memset(label, 'b', 63);
    label[63] = '\0';
    (void)snprintf(name, sizeof(name), "%s.%s.%s.%s", label, label, label, label);
    assert_refused(name, "longer than 253");
    assert_refused("a..b", "empty label");
    assert_refused(".a", "empty label");
    assert_refused("-a.org", "'-'");
    assert_refused("a-.org", "'-'");
    assert_refused("a_b.org", "letters, digits");
    assert_refused("a b.org", "letters, digits");
    assert_refused("exa\xc3\xa9mple.org", "letters, digits");
    assert_refused("", "empty entry");
    assert_refused(".", "empty host name");
}

static void test_entry_text_bounded(void **state)
{
    (void)state;
    char big[AGS_NET_RULE_MAX_TEXT + 2];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_refused(big, "longer than 300");
}

static void test_ports_from_1_to_65535(void **state)
{
    (void)state;
    assert_int_equal(rule("h.org:1").port, 1);
    assert_int_equal(rule("h.org:65535").port, 65535);
    assert_refused("h.org:0", "port");
    assert_refused("h.org:65536", "port");
    assert_refused("h.org:", "port");
    assert_refused("h.org:+80", "port");
    assert_refused("h.org:http", "port");
    assert_refused("h.org: 80", "port");
}

static void test_numeric_names_are_addresses(void **state)
{
    (void)state;
    struct netrule r = rule("192.0.2.1:443");
    assert_int_equal(r.kind, NETRULE_ADDR);
    assert_int_equal(r.family, AF_INET);
    assert_int_equal(r.prefix, 32);
    assert_canonical("192.0.2.1:443", "192.0.2.1:443");
    assert_refused("10.1", "IPv4");
    assert_refused("1.2.3.256", "IPv4");
    assert_refused("01.2.3.4", "IPv4");
    assert_refused("example.123", "IPv4");
    assert_refused("1.2.3.4.", "last label may not be a number");
    assert_refused("*.10", "last label may not be a number");
}

static void test_networks_need_a_clean_prefix(void **state)
{
    (void)state;
    struct netrule r = rule("10.0.0.0/8:22");
    assert_int_equal(r.kind, NETRULE_CIDR);
    assert_int_equal(r.prefix, 8);
    assert_int_equal(r.port, 22);
    assert_canonical("10.0.0.0/8", "10.0.0.0/8");
    assert_canonical("0.0.0.0/0", "0.0.0.0/0");
    assert_refused("10.0.0.1/8", "bits set past");
    assert_refused("10.0.0.0/33", "0 to 32");
    assert_refused("10.0.0.0/", "0 to 32");
    assert_refused("10.0.0.0/-1", "0 to 32");
    assert_refused("[fd00::/129]", "0 to 128");
    assert_refused("[fd00::1/8]", "bits set past");
}

static void test_ipv6_in_brackets_or_bare_without_port(void **state)
{
    (void)state;
    struct netrule r = rule("[2001:DB8::1]:443");
    assert_int_equal(r.kind, NETRULE_ADDR);
    assert_int_equal(r.family, AF_INET6);
    assert_int_equal(r.port, 443);
    assert_canonical("[2001:DB8::1]:443", "[2001:db8::1]:443");
    assert_canonical("::1", "[::1]");
    assert_canonical("[::1]", "[::1]");
    assert_canonical("fd00::/8", "[fd00::/8]");
    assert_canonical("[fd00::/8]:8080", "[fd00::/8]:8080");
    assert_refused("[::1", "without its ']'");
    assert_refused("[::1]x", "only ':PORT'");
    assert_refused("[example.org]:443", "only an IPv6 address");
    assert_refused("[1.2.3.4]", "only an IPv6 address");
    assert_refused("[::g]", "not an IPv6 address");
    assert_refused("[fe80::1%eth0]", "not an IPv6 address");
}

static void test_ipv4_mapped_entry_is_the_ipv4_one(void **state)
{
    (void)state;
    struct netrule r = rule("[::ffff:192.0.2.1]:80");
    assert_int_equal(r.family, AF_INET);
    assert_int_equal(r.prefix, 32);
    assert_canonical("[::ffff:192.0.2.1]:80", "192.0.2.1:80");
    assert_canonical("[::ffff:10.0.0.0/104]", "10.0.0.0/8");
}

static void test_name_match_exact_or_proper_subdomain(void **state)
{
    (void)state;
    struct netrule n = rule("api.example.org"), s = rule("*.example.org:443");
    assert_true(netrule_match_name(&n, "api.example.org", 443));
    assert_true(netrule_match_name(&n, "API.example.ORG.", 80));
    assert_false(netrule_match_name(&n, "x.api.example.org", 443));
    assert_false(netrule_match_name(&n, "api.example.or", 443));
    assert_true(netrule_match_name(&s, "a.example.org", 443));
    assert_true(netrule_match_name(&s, "a.b.Example.org.", 443));
    assert_false(netrule_match_name(&s, "example.org", 443)); /* not the domain itself */
    assert_false(netrule_match_name(&s, ".example.org", 443));
    assert_false(netrule_match_name(&s, "evilexample.org", 443));
    assert_false(netrule_match_name(&s, "a.example.org", 80)); /* port */
    struct netrule a = rule("192.0.2.1");
    assert_false(netrule_match_name(&a, "192.0.2.1", 80)); /* addresses never match names */
}

static void test_addr_match_cidr_port_and_mapped(void **state)
{
    (void)state;
    struct netrule net = rule("10.0.0.0/8:22"), one = rule("127.0.0.1:3000"),
                   v6 = rule("[fd00::/8]"), name = rule("localhost");
    unsigned char a4[4], a6[16];
    assert_int_equal(inet_pton(AF_INET, "10.200.3.4", a4), 1);
    assert_true(netrule_match_addr(&net, AF_INET, a4, 22));
    assert_false(netrule_match_addr(&net, AF_INET, a4, 23));
    assert_int_equal(inet_pton(AF_INET, "11.0.0.1", a4), 1);
    assert_false(netrule_match_addr(&net, AF_INET, a4, 22));
    assert_int_equal(inet_pton(AF_INET6, "::ffff:10.1.2.3", a6), 1);
    assert_true(netrule_match_addr(&net, AF_INET6, a6, 22)); /* judged as its IPv4 */
    assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", a6), 1);
    assert_true(netrule_match_addr(&one, AF_INET6, a6, 3000));
    assert_false(netrule_match_addr(&v6, AF_INET6, a6, 3000));
    assert_int_equal(inet_pton(AF_INET6, "fdab::1", a6), 1);
    assert_true(netrule_match_addr(&v6, AF_INET6, a6, 1));
    assert_false(netrule_match_addr(&one, AF_INET6, a6, 3000));
    assert_false(netrule_match_addr(&name, AF_INET6, a6, 3000));
}

static void test_list_matches_any(void **state)
{
    (void)state;
    struct netrule rules[] = {rule("a.org:443"), rule("*.b.org"), rule("192.0.2.0/24")};
    unsigned char a4[4];
    assert_int_equal(inet_pton(AF_INET, "192.0.2.9", a4), 1);
    assert_true(netrule_list_match_name(rules, 3, "x.b.org", 80));
    assert_true(netrule_list_match_name(rules, 3, "a.org", 443));
    assert_false(netrule_list_match_name(rules, 3, "a.org", 80));
    assert_false(netrule_list_match_name(rules, 0, "a.org", 443));
    assert_true(netrule_list_match_addr(rules, 3, AF_INET, a4, 1));
    assert_false(netrule_list_match_addr(rules, 2, AF_INET, a4, 1));
}

static bool covers(const char *wide, const char *narrow)
{
    struct netrule w = rule(wide), n = rule(narrow);
    return netrule_covers(&w, &n);
}

static void test_covers_only_what_is_narrower(void **state)
{
    (void)state;
    assert_true(covers("a.org", "a.org"));
    assert_true(covers("a.org", "a.org:443"));
    assert_false(covers("a.org:443", "a.org"));
    assert_false(covers("a.org:443", "a.org:80"));
    assert_true(covers("*.a.org", "x.a.org:443"));
    assert_true(covers("*.a.org", "*.x.a.org"));
    assert_true(covers("*.a.org", "*.a.org:8443"));
    assert_false(covers("*.a.org", "a.org")); /* the domain itself is no subdomain */
    assert_false(covers("x.a.org", "*.x.a.org"));
    assert_false(covers("*.x.a.org", "*.a.org"));
    assert_false(covers("*.a.org", "xa.org"));
    assert_true(covers("10.0.0.0/8", "10.1.0.0/16:22"));
    assert_true(covers("10.0.0.0/8", "10.1.2.3"));
    assert_false(covers("10.1.0.0/16", "10.0.0.0/8"));
    assert_true(covers("10.1.2.3", "10.1.2.3/32"));
    assert_false(covers("10.1.2.3", "10.1.2.2"));
    assert_true(covers("[fd00::/8]", "[fd12::1]:443"));
    assert_false(covers("[::/0]", "10.0.0.1")); /* IPv4 is never covered by IPv6 */
    assert_false(covers("0.0.0.0/0", "a.org")); /* a name may resolve anywhere */
    assert_false(covers("*.org", "192.0.2.1"));
}

/* What reaches the host's own loopback through a proxy on the host: the
 * loopback ranges, the unspecified addresses (a connect to 0.0.0.0 or ::
 * lands on the local host), localhost, and any network around them. */
static void test_reaches_loopback_includes_unspecified_addresses(void **state)
{
    (void)state;
    static const char *const yes[] = {"127.0.0.1:80", "127.8.0.0/16", "[::1]", "0.0.0.0",
                                      "0.0.0.0:6379", "0.0.0.0/8",    "[::]:22", "::/0",
                                      "0.0.0.0/0",    "localhost:1",  "a.localhost",
                                      "[::ffff:127.0.0.1]", "[::ffff:0.0.0.0]"};
    static const char *const no[] = {"10.0.0.0/8", "1.0.0.0/8", "128.0.0.0/1", "[2001:db8::1]",
                                     "localhost.example.org", "example.org", "[::2]"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        struct netrule r = rule(yes[i]);
        print_message("%s\n", yes[i]);
        assert_true(netrule_reaches_loopback(&r));
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        struct netrule r = rule(no[i]);
        print_message("%s\n", no[i]);
        assert_false(netrule_reaches_loopback(&r));
    }
}

static void test_format_reports_a_short_buffer(void **state)
{
    (void)state;
    struct netrule r = rule("*.example.org:443");
    char small[8];
    assert_int_equal(netrule_format(&r, small, sizeof(small)), -ENOSPC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_names_lowercased_one_trailing_dot_dropped),
            cmocka_unit_test(test_suffix_only_as_whole_first_label),
            cmocka_unit_test(test_name_labels_and_length_bounded),
            cmocka_unit_test(test_entry_text_bounded),
            cmocka_unit_test(test_ports_from_1_to_65535),
            cmocka_unit_test(test_numeric_names_are_addresses),
            cmocka_unit_test(test_networks_need_a_clean_prefix),
            cmocka_unit_test(test_ipv6_in_brackets_or_bare_without_port),
            cmocka_unit_test(test_ipv4_mapped_entry_is_the_ipv4_one),
            cmocka_unit_test(test_name_match_exact_or_proper_subdomain),
            cmocka_unit_test(test_addr_match_cidr_port_and_mapped),
            cmocka_unit_test(test_list_matches_any),
            cmocka_unit_test(test_covers_only_what_is_narrower),
            cmocka_unit_test(test_reaches_loopback_includes_unspecified_addresses),
            cmocka_unit_test(test_format_reports_a_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
