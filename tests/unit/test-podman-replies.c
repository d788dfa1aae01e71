/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The pure parts of the container endpoints (containers-json.c, query.c):
 * the label filter and its URL encoding, and the parsers of create, wait,
 * list, exec-inspect and inspect replies, on the shapes Podman 4.3 sends and
 * on garbage.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "podman/containers-json.h"
#include "podman/podman.h"
#include "podman/query.h"

static void test_label_filter_is_one_url_encoded_json_parameter(void **state)
{
    (void)state;
    const char *labels[] = {"app=ags", "session=s 1&x", NULL};
    char *json = NULL;
    assert_int_equal(podman_label_filter(labels, &json, NULL), 0);
    assert_string_equal(json, "{\"label\":[\"app=ags\",\"session=s 1&x\"]}");
    struct strbuf q;
    strbuf_init(&q, 4096);
    assert_int_equal(podman_query_add_bool(&q, "all", true), 0);
    assert_int_equal(podman_query_add(&q, "filters", json), 0);
    assert_string_equal(q.buf, "all=true&filters=%7B%22label%22%3A%5B%22app%3Dags%22%2C%22"
                               "session%3Ds%201%26x%22%5D%7D");
    strbuf_done(&q);
    free(json);

    assert_int_equal(podman_label_filter(NULL, &json, NULL), 0);
    assert_string_equal(json, "{\"label\":[]}");
    free(json);
    /* a bare key filters on the key alone */
    const char *key_only[] = {"ags", NULL};
    assert_int_equal(podman_label_filter(key_only, &json, NULL), 0);
    assert_string_equal(json, "{\"label\":[\"ags\"]}");
    free(json);

    struct ags_error err = {0};
    const char *bad[] = {"=v", NULL};
    assert_int_equal(podman_label_filter(bad, &json, &err), -EINVAL);
    const char *empty[] = {"", NULL};
    assert_int_equal(podman_label_filter(empty, &json, &err), -EINVAL);
}

static void test_wait_body(void **state)
{
    (void)state;
    int code = -5;
    struct ags_error err = {0};
    assert_int_equal(podman_parse_wait_body("4\n", 2, &code, &err), 0);
    assert_int_equal(code, 4);
    assert_int_equal(podman_parse_wait_body(" 137\r\n", 6, &code, &err), 0);
    assert_int_equal(code, 137);
    assert_int_equal(podman_parse_wait_body("-1", 2, &code, &err), 0);
    assert_int_equal(code, -1);
    code = 9;
    const char *bad[] = {
            "",   "\n", "x", "4x", "256", "-2", "99999999999999999999999", "{\"StatusCode\":0}",
            "1 2"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(podman_parse_wait_body(bad[i], strlen(bad[i]), &code, &err), -EPROTO);
    assert_int_equal(podman_parse_wait_body("4\0", 2, &code, &err), -EPROTO);
    assert_int_equal(podman_parse_wait_body(NULL, 0, &code, &err), -EPROTO);
    assert_int_equal(code, 9);
}

static void test_create_reply(void **state)
{
    (void)state;
    const char *body = "{\"Id\":\"0123abcd\",\"Warnings\":[\"Resource limits are not supported "
                       "and ignored on cgroups V1 rootless systems\"]}";
    char *id = NULL, **warnings = NULL;
    assert_int_equal(podman_parse_create_reply(body, strlen(body), "create", &id, &warnings, NULL),
                     0);
    assert_string_equal(id, "0123abcd");
    assert_non_null(warnings[0]);
    assert_null(warnings[1]);
    assert_non_null(strstr(warnings[0], "cgroups V1"));
    free(id);
    strv_free(warnings);

    body = "{\"Id\":\"ab\",\"Warnings\":null}";
    assert_int_equal(podman_parse_create_reply(body, strlen(body), "create", &id, &warnings, NULL),
                     0);
    assert_null(warnings[0]);
    free(id);
    strv_free(warnings);

    struct ags_error err = {0};
    const char *bad[] = {"",
                         "[]",
                         "{}",
                         "{\"Id\":1}",
                         "{\"Id\":\"\"}",
                         "{\"Id\":\"a/b\"}",
                         "{\"Id\":\"x\"",
                         "not json"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(podman_parse_create_reply(bad[i], strlen(bad[i]), "exec", &id, NULL, &err),
                         -EPROTO);
    assert_non_null(strstr(err.msg, "exec"));
}

static void test_container_list(void **state)
{
    (void)state;
    const char *body =
            "[{\"Id\":\"e88f380a3534\",\"Names\":[\"thirsty_raman\"],\"State\":\"running\","
            "\"Labels\":{\"app\":\"mytool\",\"io.buildah.version\":\"1.28.2\",\"session\":\"s1\"}},"
            "{\"Id\":\"ffff\",\"Names\":null,\"State\":\"created\",\"Labels\":null}]";
    struct podman_container_info *v = NULL;
    size_t n = 0;
    assert_int_equal(podman_parse_container_list(body, strlen(body), &v, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "e88f380a3534");
    assert_string_equal(v[0].name, "thirsty_raman");
    assert_string_equal(v[0].state, "running");
    assert_string_equal(v[0].labels[0], "app=mytool");
    assert_string_equal(v[0].labels[2], "session=s1");
    assert_null(v[0].labels[3]);
    assert_string_equal(v[1].name, "");
    assert_null(v[1].labels[0]);
    podman_container_infos_free(v, n);

    assert_int_equal(podman_parse_container_list("[]", 2, &v, &n, NULL), 0);
    assert_int_equal(n, 0);
    podman_container_infos_free(v, n);

    struct ags_error err = {0};
    const char *bad[] = {"{}",
                         "[1]",
                         "[{\"Names\":[\"x\"]}]",
                         "[{\"Id\":\"a\"},{}]",
                         "[",
                         "[{\"Id\":\"a\",\"Id\":\"b\"}]"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(podman_parse_container_list(bad[i], strlen(bad[i]), &v, &n, &err),
                         -EPROTO);
}

static void test_exec_and_container_inspect(void **state)
{
    (void)state;
    bool running = true;
    int code = 0;
    const char *body = "{\"ExitCode\":42,\"Running\":false,\"Pid\":0,\"ContainerID\":\"x\"}";
    assert_int_equal(podman_parse_exec_inspect(body, strlen(body), &running, &code, NULL), 0);
    assert_false(running);
    assert_int_equal(code, 42);
    body = "{\"ExitCode\":0,\"Running\":true}";
    assert_int_equal(podman_parse_exec_inspect(body, strlen(body), &running, &code, NULL), 0);
    assert_true(running);
    body = "{\"ExitCode\":\"0\",\"Running\":true}";
    assert_int_equal(podman_parse_exec_inspect(body, strlen(body), &running, &code, NULL), -EPROTO);
    body = "{\"ExitCode\":300,\"Running\":false}";
    assert_int_equal(podman_parse_exec_inspect(body, strlen(body), &running, &code, NULL), -EPROTO);

    struct podman_ctr_state st;
    body = "{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Running\":true,"
           "\"ExitCode\":0}}";
    assert_int_equal(podman_parse_container_state(body, strlen(body), &st, NULL), 0);
    assert_true(st.running);
    assert_false(st.finished);
    /* right after the attach stream ends: stopped, exit code known, cleanup pending */
    body = "{\"State\":{\"Status\":\"stopped\",\"Running\":false,\"ExitCode\":9}}";
    assert_int_equal(podman_parse_container_state(body, strlen(body), &st, NULL), 0);
    assert_true(st.finished);
    assert_true(st.cleanup_pending);
    assert_int_equal(st.exit_code, 9);
    body = "{\"State\":{\"Status\":\"exited\",\"Running\":false,\"ExitCode\":137}}";
    assert_int_equal(podman_parse_container_state(body, strlen(body), &st, NULL), 0);
    assert_true(st.finished);
    assert_false(st.cleanup_pending);
    assert_int_equal(st.exit_code, 137);
    body = "{\"State\":{\"Status\":\"created\",\"Running\":false,\"ExitCode\":0}}";
    assert_int_equal(podman_parse_container_state(body, strlen(body), &st, NULL), 0);
    assert_false(st.finished);
    body = "{\"State\":{}}";
    assert_int_equal(podman_parse_container_state(body, strlen(body), &st, NULL), -EPROTO);
}

/* Podman's X-Docker-Container-Path-Stat of an archive GET (Go's
 * base64.URLEncoding of its FileInfo JSON): a regular file at the path
 * asked for passes; a symlink (Podman archives its target under the name
 * asked for), a directory, a special file and garbage do not. */
static const char stat_regular[] = "eyJuYW1lIjoiYWdzLWV4cG9ydCIsInNpemUiOjcsIm1vZGUiOjQyMCwibXRpbWUiOiIyMDI2LTEyLTAzVDE5OjAwOjAwWiIsImlzRGlyIjpmYWxzZSwiaXNTdHJlYW0iOmZhbHNlLCJsaW5rVGFyZ2V0IjoiL3Zhci90bXAvYWdzLWV4cG9ydCJ9";
static const char stat_symlink[] = "eyJuYW1lIjoicGFzc3dkIiwic2l6ZSI6NywibW9kZSI6MTM0MjE4MjM5LCJtdGltZSI6IjIwMjYtMTItMDNUMTk6MDA6MDBaIiwiaXNEaXIiOmZhbHNlLCJpc1N0cmVhbSI6ZmFsc2UsImxpbmtUYXJnZXQiOiIvZXRjL3Bhc3N3ZCJ9";

static void test_path_stat_tells_a_regular_file_from_a_symlink(void **state)
{
    (void)state;
    struct podman_path_stat st = {0};
    struct ags_error err = {0};
    assert_int_equal(podman_parse_path_stat(stat_regular, &st, &err), 0);
    assert_string_equal(st.name, "ags-export");
    assert_string_equal(st.link_target, "/var/tmp/ags-export");
    assert_int_equal(st.size, 7);
    assert_int_equal(st.mode, 0644);
    assert_false(st.is_dir);
    assert_int_equal(podman_path_stat_regular(&st, "/var/tmp/ags-export", &err), 0);
    st.is_dir = true;
    assert_int_equal(podman_path_stat_regular(&st, "/var/tmp/ags-export", &err), -EBADMSG);
    assert_non_null(strstr(err.msg, "is no regular file (a directory"));
    st.is_dir = false;
    st.mode = 0644u | (1u << 25); /* Go's ModeNamedPipe */
    assert_int_equal(podman_path_stat_regular(&st, "/var/tmp/ags-export", &err), -EBADMSG);
    assert_non_null(strstr(err.msg, "(a special file"));
    podman_path_stat_done(&st);

    assert_int_equal(podman_parse_path_stat(stat_symlink, &st, &err), 0);
    assert_int_equal(podman_path_stat_regular(&st, "/var/tmp/ags-export", &err), -EBADMSG);
    assert_string_equal(err.msg, "'/var/tmp/ags-export' is no regular file: it leads to "
                                 "'/etc/passwd' (a symlink)");
    podman_path_stat_done(&st);

    static const char *const bad[] = {
        "",
        "not base64!",
        "e30=",                 /* {} */
        "eyJuYW1lIjoxfQ==",     /* {"name":1} */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(podman_parse_path_stat(bad[i], &st, &err), -EPROTO);
    assert_int_equal(podman_parse_path_stat(NULL, &st, &err), -EPROTO);
    assert_string_equal(err.msg, "Podman's stat of the archived path is missing");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_label_filter_is_one_url_encoded_json_parameter),
            cmocka_unit_test(test_wait_body),
            cmocka_unit_test(test_create_reply),
            cmocka_unit_test(test_container_list),
            cmocka_unit_test(test_exec_and_container_inspect),
        cmocka_unit_test(test_path_stat_tells_a_regular_file_from_a_symlink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
