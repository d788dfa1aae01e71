/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ssh:// Podman URIs (ssh/uri.h): what parses to which user, host, port and
 * path, what is refused and which part the message names, the canonical
 * text and the known_hosts name.
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

#include "ssh/uri.h"

static void assert_parses(const char *text, const char *user, const char *host, uint16_t port,
                          const char *path)
{
    struct ssh_uri u;
    struct ags_error err = {0};
    if (ssh_uri_parse(text, &u, &err) != 0)
        fail_msg("'%s' refused: %s", text, err.msg);
    if (user)
        assert_string_equal(u.user, user);
    else
        assert_null(u.user);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_string_equal(u.path, path);
    ssh_uri_done(&u);
}

static void assert_refused(const char *text, const char *part)
{
    struct ssh_uri u;
    struct ags_error err = {0};
    if (ssh_uri_parse(text, &u, &err) == 0)
        fail_msg("'%s' accepted", text);
    assert_int_equal(err.code, -EINVAL);
    if (!strstr(err.msg, part))
        fail_msg("'%s': '%s' does not name %s", text, err.msg, part);
}

static void test_user_host_port_path(void **state)
{
    (void)state;
    assert_parses("ssh://core@example.com:2222/run/user/1000/podman/podman.sock", "core",
                  "example.com", 2222, "/run/user/1000/podman/podman.sock");
    assert_parses("ssh://example.com/run/podman/podman.sock", NULL, "example.com", 22,
                  "/run/podman/podman.sock");
    assert_parses("SSH://h/s", NULL, "h", 22, "/s");
    assert_parses("ssh://u@127.0.0.1:22/s", "u", "127.0.0.1", 22, "/s");
}

static void test_ipv6_in_brackets(void **state)
{
    (void)state;
    assert_parses("ssh://u@[::1]:2022/run/p.sock", "u", "::1", 2022, "/run/p.sock");
    assert_parses("ssh://[fe80::1]/p", NULL, "fe80::1", 22, "/p");
    assert_refused("ssh://::1/p", "the host");
    assert_refused("ssh://[fe80::1%25eth0]/p", "the host");
    assert_refused("ssh://[example.com]/p", "the host");
    assert_refused("ssh://[::1/p", "the host");
    assert_refused("ssh://[::1]x/p", "the host");
}

static void test_percent_decoding_of_user_and_path(void **state)
{
    (void)state;
    assert_parses("ssh://a%2Eb@h/run/my%20dir/p.sock", "a.b", "h", 22, "/run/my dir/p.sock");
    assert_parses("ssh://h/a%2Fb", NULL, "h", 22, "/a/b");
    assert_refused("ssh://h/a%0Ab", "the socket path");
    assert_refused("ssh://h/a%00b", "the socket path");
    assert_refused("ssh://h/a%zzb", "the socket path");
    assert_refused("ssh://h/a%2", "the socket path");
    assert_refused("ssh://a%7Fb@h/p", "the user");
    assert_refused("ssh://h%41/p", "the host");
}

static void test_ambiguous_text_refused_naming_the_part(void **state)
{
    (void)state;
    assert_refused("ssh:///run/p.sock", "the host");
    assert_refused("ssh://u@/p", "the host");
    assert_refused("ssh://h", "the socket path");
    assert_refused("ssh://h/", "the socket path");
    assert_refused("ssh://u:pw@h/p", "password");
    assert_refused("ssh://@h/p", "the user");
    assert_refused("ssh://-oProxyCommand=x@h/p", "the user");
    assert_refused("ssh://-h/p", "the host");
    assert_refused("ssh://h:0/p", "the port");
    assert_refused("ssh://h:65536/p", "the port");
    assert_refused("ssh://h:/p", "the port");
    assert_refused("ssh://h:+22/p", "the port");
    assert_refused("ssh://h:22:23/p", "the host");
    assert_refused("ssh://h/p?x=1", "query");
    assert_refused("ssh://h/p#f", "fragment");
    assert_refused("ssh://h/a b", "the socket path");
    assert_refused("ssh://h/a\\b", "the socket path");
    assert_refused("ssh://h\x01/p", "control character");
    assert_refused("ssh://h/p\x7f", "control character");
    assert_refused("unix:///p", "ssh://");
    assert_refused("ssh://h.ex ample/p", "the host");
}

static void test_bounds(void **state)
{
    (void)state;
    char path[120];
    memset(path, 'a', sizeof(path) - 1);
    path[0] = '/';
    path[108] = '\0'; /* 108 bytes: one more than sun_path holds with its NUL */
    char text[200];
    (void)snprintf(text, sizeof(text), "ssh://h%s", path);
    assert_refused(text, "the socket path");
    path[107] = '\0';
    (void)snprintf(text, sizeof(text), "ssh://h%s", path);
    assert_parses(text, NULL, "h", 22, path);
    size_t n = 5000;
    char *huge = malloc(n + 1);
    memset(huge, 'a', n);
    memcpy(huge, "ssh://h/", 8);
    huge[n] = '\0';
    assert_refused(huge, "too long");
    free(huge);
}

static void assert_formats(const char *text, const char *canonical)
{
    struct ssh_uri u, v;
    assert_int_equal(ssh_uri_parse(text, &u, NULL), 0);
    char *f = ssh_uri_format(&u);
    assert_string_equal(f, canonical);
    assert_int_equal(ssh_uri_parse(f, &v, NULL), 0);
    assert_string_equal(v.host, u.host);
    assert_string_equal(v.path, u.path);
    assert_int_equal(v.port, u.port);
    free(f);
    ssh_uri_done(&u);
    ssh_uri_done(&v);
}

static void test_canonical_text_and_known_hosts_name(void **state)
{
    (void)state;
    assert_formats("SSH://u@h:22/my%20dir/p.sock", "ssh://u@h/my%20dir/p.sock");
    assert_formats("ssh://[::1]:2022/p", "ssh://[::1]:2022/p");
    assert_formats("ssh://a%2eb@h/p", "ssh://a.b@h/p");
    struct ssh_uri u;
    assert_int_equal(ssh_uri_parse("ssh://u@h:2222/p", &u, NULL), 0);
    char *name = ssh_uri_known_hosts_name(&u);
    assert_string_equal(name, "[h]:2222");
    free(name);
    u.port = 22;
    name = ssh_uri_known_hosts_name(&u);
    assert_string_equal(name, "h");
    free(name);
    ssh_uri_done(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_user_host_port_path),
            cmocka_unit_test(test_ipv6_in_brackets),
            cmocka_unit_test(test_percent_decoding_of_user_and_path),
            cmocka_unit_test(test_ambiguous_text_refused_naming_the_part),
            cmocka_unit_test(test_bounds),
            cmocka_unit_test(test_canonical_text_and_known_hosts_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
