/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helpers behind images, volumes and secrets (resource.c): resource
 * paths (one escaped path segment), KEY=VALUE lists as JSON, labels back
 * from JSON, and the client-side AND match used where libpod ORs filters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strv.h"
#include "podman/client.h"
#include "podman/podman.h"
#include "podman/resource.h"

static void test_name_path_escapes_one_segment(void **state)
{
    (void)state;
    char *path = NULL;
    struct ags_error err = {0};
    assert_int_equal(podman_name_path("/images", "image", "localhost/ags-test:latest", "/exists",
                                      &path, &err), 0);
    assert_string_equal(path, "/images/localhost%2Fags-test%3Alatest/exists");
    free(path);
    assert_int_equal(podman_name_path("/volumes", "volume", "a b?c#d&e", "", &path, &err), 0);
    assert_string_equal(path, "/volumes/a%20b%3Fc%23d%26e");
    free(path);
    assert_int_equal(podman_name_path("/volumes", "volume", "", "", &path, &err), -EINVAL);
    assert_string_equal(err.msg, "no volume name given");
    assert_int_equal(podman_name_path("/volumes", "volume", NULL, "", &path, &err), -EINVAL);
    assert_int_equal(podman_name_path("/images", "image", "a\nb", "", &path, &err), -EINVAL);
    assert_string_equal(err.msg, "image name with a control character");
    char *big = xmalloc(PODMAN_MAX_NAME + 2);
    memset(big, 'x', PODMAN_MAX_NAME + 1);
    big[PODMAN_MAX_NAME + 1] = '\0';
    assert_int_equal(podman_name_path("/images", "image", big, "", &path, &err), -E2BIG);
    free(big);
}

static char *dump(json_t *obj)
{
    char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(obj);
    return text;
}

static void test_labels_to_json(void **state)
{
    (void)state;
    json_t *obj = NULL;
    struct ags_error err = {0};
    const char *labels[] = {"app=ags", "note=a=b c", "empty=", NULL};
    assert_int_equal(podman_labels_to_json(labels, &obj, &err), 0);
    char *text = dump(obj);
    assert_string_equal(text, "{\"app\":\"ags\",\"empty\":\"\",\"note\":\"a=b c\"}");
    free(text);
    assert_int_equal(podman_labels_to_json(NULL, &obj, &err), 0);
    text = dump(obj);
    assert_string_equal(text, "{}");
    free(text);
    const char *bare[] = {"novalue", NULL};
    assert_int_equal(podman_labels_to_json(bare, &obj, &err), -EINVAL);
    assert_string_equal(err.msg, "label 'novalue' is not KEY=VALUE");
    const char *nokey[] = {"=v", NULL};
    assert_int_equal(podman_kv_to_json(nokey, "build argument", &obj, &err), -EINVAL);
    assert_string_equal(err.msg, "build argument '=v' is not KEY=VALUE");
    const char *bad_utf8[] = {"k=\xff", NULL};
    assert_int_equal(podman_labels_to_json(bad_utf8, &obj, &err), -EINVAL);
    const char **many = xcalloc(PODMAN_MAX_LABELS + 2, sizeof(char *));
    for (size_t i = 0; i <= PODMAN_MAX_LABELS; i++)
        many[i] = "k=v";
    assert_int_equal(podman_labels_to_json(many, &obj, &err), -E2BIG);
    free(many);
}

static void test_labels_from_json_are_sorted_strings(void **state)
{
    (void)state;
    json_t *obj = json_loads("{\"z\":\"1\",\"a\":\"2\",\"n\":3,\"m\":null}", 0, NULL);
    char **v = podman_labels_from_json(obj);
    assert_string_equal(v[0], "a=2");
    assert_string_equal(v[1], "z=1");
    assert_null(v[2]); /* non-strings left out */
    strv_free(v);
    json_decref(obj);
    v = podman_labels_from_json(NULL); /* 4.3 secrets list: "Labels": null */
    assert_null(v[0]);
    strv_free(v);
}

static void test_labels_match_is_an_and(void **state)
{
    (void)state;
    json_t *obj = json_loads("{\"app\":\"ags\",\"session\":\"s1\",\"n\":1}", 0, NULL);
    const char *both[] = {"app=ags", "session=s1", NULL};
    const char *other[] = {"app=ags", "session=s2", NULL};
    const char *bare[] = {"session", NULL};
    const char *missing[] = {"zone", NULL};
    const char *not_string[] = {"n=1", NULL};
    const char *prefix[] = {"app=ag", NULL};
    assert_true(podman_labels_match(obj, both));
    assert_false(podman_labels_match(obj, other));
    assert_true(podman_labels_match(obj, bare));
    assert_false(podman_labels_match(obj, missing));
    assert_false(podman_labels_match(obj, not_string));
    assert_false(podman_labels_match(obj, prefix));
    assert_true(podman_labels_match(obj, NULL));
    assert_true(podman_labels_match(NULL, NULL));
    assert_false(podman_labels_match(NULL, both));
    json_decref(obj);
}

/* podman_call checks and escapes the name before any request: a bad name
 * fails with its own message, not with the transport's error about the
 * socket that does not exist. */
static void test_call_refuses_a_bad_name_before_connecting(void **state)
{
    (void)state;
    struct podman_endpoint ep = {0};
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    assert_int_equal(podman_endpoint_parse("unix:///nonexistent/podman.sock", &ep, &err), 0);
    assert_int_equal(podman_client_from_endpoint(&ep, "4.3.1", &c, &err), 0);
    struct podman_reply reply = {0};
    const char *bad[] = {"", "a\nb", NULL};
    for (size_t i = 0; i < 3; i++) {
        struct podman_call call = {.method = "POST", .path = "/containers",
                                   .what = "container", .name = bad[i], .suffix = "/start"};
        memset(&err, 0, sizeof(err));
        assert_int_equal(podman_call(c, &call, &reply, &err), -EINVAL);
        assert_non_null(strstr(err.msg, "container name"));
    }
    /* without what, the path goes out as is: the transport's error */
    struct podman_call plain = {.method = "GET", .path = "/containers/json"};
    memset(&err, 0, sizeof(err));
    int r = podman_call(c, &plain, &reply, &err);
    assert_true(r < 0 && r != -EINVAL);
    podman_reply_done(&reply);
    podman_client_free(c);
    podman_endpoint_done(&ep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_call_refuses_a_bad_name_before_connecting),
            cmocka_unit_test(test_name_path_escapes_one_segment),
            cmocka_unit_test(test_labels_to_json),
            cmocka_unit_test(test_labels_from_json_are_sorted_strings),
            cmocka_unit_test(test_labels_match_is_an_and),
        };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
