/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The egress proxy's pure parts (src/egress): the request head a sandbox
 * client sends (CONNECT and absolute-form http://, everything else
 * refused), the head a plain HTTP request is passed on with, the special
 * address ranges of the DNS-rebinding defence, the audit log line (JSON
 * escaping of any byte) and the rate limit of refusal warnings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "egress/internal.h"
#include "egress/request.h"

static int parse(const char *head, struct egress_request *req)
{
    return egress_request_parse(head, strlen(head), req);
}

static void test_connect_takes_host_and_port(void **state)
{
    (void)state;
    static const struct {
        const char *head, *host;
        uint16_t port;
        bool ip;
    } ok[] = {
            {"CONNECT GitHub.COM:443 HTTP/1.1\r\nHost: github.com:443\r\n\r\n", "github.com",
             443, false},
            {"CONNECT 1.2.3.4:8443 HTTP/1.0\r\n\r\n", "1.2.3.4", 8443, true},
            {"CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n", "[2001:db8::1]", 443, true},
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct egress_request req;
        assert_int_equal(parse(ok[i].head, &req), 1);
        assert_true(req.connect);
        assert_string_equal(req.method, "CONNECT");
        assert_string_equal(req.target.host, ok[i].host);
        assert_int_equal(req.target.port, ok[i].port);
        assert_int_equal(req.target.ip_literal, ok[i].ip);
        assert_int_equal(req.head_len, strlen(ok[i].head));
    }
}

static void test_absolute_form_takes_host_port_and_path(void **state)
{
    (void)state;
    struct egress_request req;
    assert_int_equal(parse("GET http://Example.org/a/b?c=d HTTP/1.1\r\nAccept: */*\r\n\r\n", &req),
                     1);
    assert_false(req.connect);
    assert_string_equal(req.target.host, "example.org");
    assert_int_equal(req.target.port, 80);
    assert_int_equal(req.path_len, 8);
    assert_memory_equal(req.path, "/a/b?c=d", 8);
    assert_int_equal(req.n_headers, 1);
    assert_int_equal(parse("POST HTTP://example.org:8080 HTTP/1.0\r\n\r\n", &req), 1);
    assert_int_equal(req.target.port, 8080);
    assert_int_equal(req.path_len, 0);
}

static void test_anything_else_is_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
            "GET /relative HTTP/1.1\r\n\r\n",                 /* origin-form: not a proxy request */
            "GET https://example.org/ HTTP/1.1\r\n\r\n",      /* https goes through CONNECT */
            "GET ftp://example.org/ HTTP/1.1\r\n\r\n",
            "GET http://user@example.org/ HTTP/1.1\r\n\r\n",  /* user information */
            "GET http://example.org/#x HTTP/1.1\r\n\r\n",     /* a fragment */
            "CONNECT example.org HTTP/1.1\r\n\r\n",           /* no port */
            "CONNECT example.org:0 HTTP/1.1\r\n\r\n",
            "CONNECT example.org:65536 HTTP/1.1\r\n\r\n",
            "CONNECT http://example.org:443 HTTP/1.1\r\n\r\n",
            "CONNECT a@example.org:443 HTTP/1.1\r\n\r\n",
            "CONNECT 127.1:443 HTTP/1.1\r\n\r\n",             /* IPv4 in another notation */
            "CONNECT 0x7f.0.0.1:443 HTTP/1.1\r\n\r\n",
            "CONNECT 2130706433:443 HTTP/1.1\r\n\r\n",
            "CONNECT [::1%lo]:443 HTTP/1.1\r\n\r\n",           /* a zone */
            "CONNECT evil.test:443 HTTP/2.0\r\n\r\n",
            "CONNECT evil.test:443  HTTP/1.1\r\n\r\n",
            "CONNECT evil.test:443 HTTP/1.1\nHost: x\r\n\r\n", /* a bare LF */
            "CONNECT evil.test:443 HTTP/1.1\r\nHost : x\r\n\r\n",
            "CONNECT evil.test:443 HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "CONNECT evil.test:443 HTTP/1.1\r\nX: a\001b\r\n\r\n",
            "CONNECT ev!l.test:443 HTTP/1.1\r\n\r\n",
            "\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct egress_request req;
        if (parse(bad[i], &req) != -EBADMSG)
            fail_msg("accepted or misjudged: %s", bad[i]);
    }
}

static void test_a_head_is_whole_only_at_its_empty_line(void **state)
{
    (void)state;
    static const char head[] = "CONNECT a.test:443 HTTP/1.1\r\nX: y\r\n\r\nearly";
    struct egress_request req;
    size_t whole = strlen(head) - 5;
    for (size_t n = 0; n < whole; n++)
        assert_int_equal(egress_request_parse(head, n, &req), 0);
    assert_int_equal(egress_request_parse(head, strlen(head), &req), 1);
    assert_int_equal(req.head_len, whole); /* "early" is the client's data */
}

static void test_heads_past_the_bounds_are_too_large(void **state)
{
    (void)state;
    char *big = malloc(AGS_EGRESS_MAX_HEAD + 64);
    assert_non_null(big);
    int n = snprintf(big, 64, "CONNECT a.test:443 HTTP/1.1\r\nX: ");
    memset(big + n, 'a', AGS_EGRESS_MAX_HEAD);
    struct egress_request req;
    assert_int_equal(egress_request_parse(big, AGS_EGRESS_MAX_HEAD, &req), -EMSGSIZE);
    /* One header line too many. */
    size_t off = (size_t)snprintf(big, 64, "CONNECT a.test:443 HTTP/1.1\r\n");
    for (unsigned i = 0; i <= AGS_EGRESS_MAX_HEADERS; i++)
        off += (size_t)snprintf(big + off, 16, "X: %u\r\n", i % 10);
    memcpy(big + off, "\r\n", 3);
    assert_int_equal(parse(big, &req), -EMSGSIZE);
    free(big);
}

static void test_plain_http_is_rewritten_to_origin_form(void **state)
{
    (void)state;
    static const char head[] = "GET http://Example.org:8080?q=1 HTTP/1.1\r\n"
                               "Host: evil.test\r\n"
                               "Proxy-Connection: keep-alive\r\n"
                               "Proxy-Authorization: Basic eA==\r\n"
                               "proxy-anything-else: x\r\n"
                               "Accept: */*\r\n"
                               "Connection: keep-alive\r\n"
                               "Keep-Alive: 5\r\n"
                               "User-Agent: curl\r\n\r\n";
    struct egress_request req;
    assert_int_equal(parse(head, &req), 1);
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, 4096);
    assert_int_equal(egress_request_rewrite(&req, &out), 0);
    assert_string_equal(out.buf, "GET /?q=1 HTTP/1.1\r\n"
                                 "Host: example.org:8080\r\n"
                                 "Accept: */*\r\n"
                                 "User-Agent: curl\r\n"
                                 "Connection: close\r\n\r\n");
    assert_int_equal(parse("HEAD http://example.org/x HTTP/1.0\r\n\r\n", &req), 1);
    strbuf_reset(&out);
    assert_int_equal(egress_request_rewrite(&req, &out), 0);
    assert_string_equal(out.buf, "HEAD /x HTTP/1.0\r\nHost: example.org\r\nConnection: close\r\n\r\n");
}

static bool special(const char *text)
{
    unsigned char a[16];
    int family = strchr(text, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(family, text, a) != 1)
        fail_msg("bad test address %s", text);
    return egress_addr_is_special(family, a);
}

static void test_special_addresses_are_recognised(void **state)
{
    (void)state;
    static const char *const yes[] = {
            "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255",
            "127.0.0.1", "127.255.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255",
            "192.0.0.8", "192.168.1.1", "198.18.0.1", "198.19.255.255", "224.0.0.1",
            "239.255.255.250", "240.0.0.1", "255.255.255.255",
            "::", "::1", "fe80::1", "febf::1", "fc00::1", "fd12:3456::1", "ff02::1", "fec0::1",
            "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::127.0.0.1", "::169.254.169.254",
            "64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b:1::1", "2002:7f00:1::",
            "2002:c0a8:101::1", "2001::1", "100::1",
    };
    static const char *const no[] = {
            "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255", "100.128.0.0",
            "126.255.255.255", "128.0.0.0", "169.253.255.255", "172.15.255.255", "172.32.0.0",
            "192.0.1.1", "192.167.255.255", "192.169.0.0", "198.17.255.255", "198.20.0.0",
            "223.255.255.255", "140.82.112.3",
            "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
            "2002:0808:0808::1", "fe7f::1", "fbff::1", "2001:db8::1",
    };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        if (!special(yes[i]))
            fail_msg("%s not taken for special", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        if (special(no[i]))
            fail_msg("%s taken for special", no[i]);
    assert_true(egress_addr_is_special(AF_UNIX, "x"));
}

static void test_a_log_line_is_json_for_any_byte(void **state)
{
    (void)state;
    struct egress_attempt a = {.method = "CONNECT", .host = "a\"b\\c\n\x01\xff",
                               .port = 443, .address = "1.2.3.4", .decision = EGRESS_REFUSED,
                               .reason = "not in the allowlist", .bytes_up = 5, .bytes_down = 7,
                               .duration_ms = 12, .start_unix_ms = 1796292000123};
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, EGRESS_LOG_LINE_MAX);
    assert_int_equal(egress_log_format(&out, "s1", "claude", &a), 0);
    assert_string_equal(out.buf,
                        "{\"time\":\"2026-12-03T10:00:00.123Z\",\"session\":\"s1\","
                        "\"agent\":\"claude\",\"method\":\"CONNECT\","
                        "\"host\":\"a\\\"b\\\\c\\n\\u0001\\ufffd\",\"port\":443,"
                        "\"address\":\"1.2.3.4\",\"decision\":\"refused\","
                        "\"reason\":\"not in the allowlist\",\"bytes_up\":5,\"bytes_down\":7,"
                        "\"duration_ms\":12}\n");
}

/* The attacker review: refusals cost the client nothing, so a flood of them
 * must not use the budget the allowed connections' lines need; a refusal
 * line is written only while the log is under half its budget. */
static void test_refusals_cannot_use_up_the_allowed_lines_budget(void **state)
{
    (void)state;
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    struct egress_log l = {.fd = fileno(tmp), .session = "s1", .agent = "claude",
                           .budget = 16384};
    struct egress_attempt refused = {.method = "CONNECT", .host = "evil.example", .port = 443,
                                     .address = "", .decision = EGRESS_REFUSED,
                                     .reason = "not in the allowlist"};
    struct egress_attempt allowed = refused;
    allowed.host = "api.example.org";
    allowed.decision = EGRESS_ALLOWED;
    allowed.reason = "";
    for (int i = 0; i < 1000; i++)
        egress_log_write(&l, &refused);
    assert_true(l.written <= l.budget / 2);
    assert_true(l.left_out > 900);
    size_t before = l.written;
    egress_log_write(&l, &allowed);
    assert_true(l.written > before); /* the allowed line is there */
    egress_log_finish(&l, 0);
    assert_true(l.written <= l.budget);
    fclose(tmp);
}

static char warned[16][160];
static unsigned n_warned;

static void record_warning(void *ctx, const char *line)
{
    (void)ctx;
    assert_true(n_warned < 16);
    snprintf(warned[n_warned++], sizeof(warned[0]), "%s", line);
}

static void test_refusal_warnings_are_rate_limited_with_a_summary(void **state)
{
    (void)state;
    n_warned = 0;
    struct egress_warn w = {.fn = record_warning};
    for (int i = 0; i < 22; i++)
        egress_warn_refusal(&w, 1000 + i, "blocked");
    assert_int_equal(n_warned, EGRESS_WARN_BURST);
    /* The next window opens with the summary of the last one. */
    egress_warn_refusal(&w, 1000 + EGRESS_WARN_WINDOW_MS, "blocked again");
    assert_int_equal(n_warned, EGRESS_WARN_BURST + 2);
    assert_string_equal(warned[EGRESS_WARN_BURST],
                        "blocked by network policy: ... and 17 more refused (ags net-log)");
    assert_string_equal(warned[EGRESS_WARN_BURST + 1], "blocked again");
    egress_warn_finish(&w);
    assert_int_equal(n_warned, EGRESS_WARN_BURST + 2); /* nothing held back */
    for (int i = 0; i < EGRESS_WARN_BURST + 3; i++)
        egress_warn_refusal(&w, 1000 + EGRESS_WARN_WINDOW_MS + 1, "more");
    egress_warn_finish(&w);
    assert_string_equal(warned[n_warned - 1],
                        "blocked by network policy: ... and 4 more refused (ags net-log)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_connect_takes_host_and_port),
            cmocka_unit_test(test_absolute_form_takes_host_port_and_path),
            cmocka_unit_test(test_anything_else_is_malformed),
            cmocka_unit_test(test_a_head_is_whole_only_at_its_empty_line),
            cmocka_unit_test(test_heads_past_the_bounds_are_too_large),
            cmocka_unit_test(test_plain_http_is_rewritten_to_origin_form),
            cmocka_unit_test(test_special_addresses_are_recognised),
            cmocka_unit_test(test_a_log_line_is_json_for_any_byte),
            cmocka_unit_test(test_refusal_warnings_are_rate_limited_with_a_summary),
            cmocka_unit_test(test_refusals_cannot_use_up_the_allowed_lines_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
