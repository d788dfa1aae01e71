/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keyring adapter (src/secrets/keyring.c) against a real gnome-keyring.
 * Run by keyring-test.sh inside `dbus-run-session` with an unlocked login
 * keyring ("session" mode, then "locked" mode, which locks it), and without
 * any session bus ("nobus" mode).
 * keyring-test.sh stores the item "service=st-interop" with secret-tool
 * before and looks up what this program stored afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libsecret/secret.h>

#include "base/alloc.h"
#include "secrets/secrets.h"

/* attrs from "k", "v", ... (sorted by key, as config keeps them). */
static struct cfg_map map2(const char *k1, const char *v1, const char *k2, const char *v2)
{
    struct cfg_map m = {.v = xcalloc(2, sizeof(struct cfg_kv))};
    m.v[m.n++] = (struct cfg_kv){xstrdup(k1), xstrdup(v1)};
    if (k2)
        m.v[m.n++] = (struct cfg_kv){xstrdup(k2), xstrdup(v2)};
    return m;
}

static void map_free(struct cfg_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].key);
        free(m->v[i].value);
    }
    free(m->v);
}

static int lookup(const char *k1, const char *v1, const char *k2, const char *v2, char **ret,
                  struct ags_error *err)
{
    struct cfg_map m = map2(k1, v1, k2, v2);
    size_t len = 0;
    *ret = NULL;
    int r = secrets_keyring_lookup(&m, ret, &len, err);
    if (r == 0)
        assert_int_equal(len, strlen(*ret));
    map_free(&m);
    return r;
}

static void test_store_then_lookup_returns_the_value(void **state)
{
    (void)state;
    struct cfg_map m = map2("service", "ags-test", "user", "alice");
    struct ags_error err = {0};
    const char *value = "s3cr3t value with spaces inside";
    assert_int_equal(secrets_keyring_store(&m, "ags TEST_TOKEN", value, strlen(value), &err), 0);
    map_free(&m);
    char *got = NULL;
    assert_int_equal(lookup("service", "ags-test", "user", "alice", &got, &err), 0);
    assert_string_equal(got, value);
    free(got);
}

static void test_lookup_by_a_subset_of_the_attributes_matches(void **state)
{
    (void)state;
    char *got = NULL;
    struct ags_error err = {0};
    assert_int_equal(lookup("service", "ags-test", NULL, NULL, &got, &err), 0);
    assert_string_equal(got, "s3cr3t value with spaces inside");
    free(got);
}

static void test_item_stored_by_secret_tool_is_found_and_trimmed(void **state)
{
    (void)state;
    char *got = NULL;
    struct ags_error err = {0};
    assert_int_equal(lookup("service", "st-interop", "user", "bob", &got, &err), 0);
    assert_string_equal(got, "stored-by-secret-tool");
    free(got);
}

static void test_missing_item_is_enoent(void **state)
{
    (void)state;
    char *got = NULL;
    struct ags_error err = {0};
    assert_int_equal(lookup("service", "no-such-item", NULL, NULL, &got, &err), -ENOENT);
    assert_null(got);
    assert_non_null(strstr(err.msg, "no keyring item matches"));
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "locked" mode: locks the default collection through libsecret itself. */
static void test_locked_keyring_is_eacces_at_once_without_a_prompt(void **state)
{
    (void)state;
    GError *gerr = NULL;
    SecretService *service = secret_service_get_sync(SECRET_SERVICE_LOAD_COLLECTIONS, NULL, &gerr);
    assert_non_null(service);
    SecretCollection *login = secret_collection_for_alias_sync(
            service, SECRET_COLLECTION_DEFAULT, SECRET_COLLECTION_NONE, NULL, &gerr);
    assert_non_null(login);
    GList *objects = g_list_append(NULL, login);
    assert_true(secret_service_lock_sync(service, objects, NULL, NULL, &gerr) >= 1);
    g_list_free(objects);
    assert_true(secret_collection_get_locked(login));
    g_object_unref(login);
    g_object_unref(service);

    char *got = NULL;
    struct ags_error err = {0};
    long long t0 = ms_now();
    assert_int_equal(lookup("service", "ags-test", "user", "alice", &got, &err), -EACCES);
    assert_true(ms_now() - t0 < 5000); /* no unlock prompt was waited for */
    assert_null(got);
    assert_non_null(strstr(err.msg, "locked"));
}

static void test_without_a_session_bus_lookup_and_store_say_so(void **state)
{
    (void)state;
    char *got = NULL;
    struct ags_error err = {0};
    assert_int_equal(lookup("service", "ags-test", NULL, NULL, &got, &err), -ENOTCONN);
    assert_non_null(strstr(err.msg, "session bus"));
    struct cfg_map m = map2("service", "ags-test", NULL, NULL);
    assert_int_equal(secrets_keyring_store(&m, "ags X", "v", 1, &err), -ENOTCONN);
    map_free(&m);
}

static void test_with_a_dead_session_bus_lookup_fails_cleanly(void **state)
{
    (void)state;
    char *got = NULL;
    struct ags_error err = {0};
    setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/ags-test-bus", 1);
    assert_int_equal(lookup("service", "ags-test", NULL, NULL, &got, &err), -ENOTCONN);
    assert_non_null(strstr(err.msg, "cannot reach the desktop keyring"));
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "session") == 0) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_store_then_lookup_returns_the_value),
            cmocka_unit_test(test_lookup_by_a_subset_of_the_attributes_matches),
            cmocka_unit_test(test_item_stored_by_secret_tool_is_found_and_trimmed),
            cmocka_unit_test(test_missing_item_is_enoent),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    if (argc == 2 && strcmp(argv[1], "locked") == 0) {
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_locked_keyring_is_eacces_at_once_without_a_prompt),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    if (argc == 2 && strcmp(argv[1], "nobus") == 0) {
        unsetenv("DBUS_SESSION_BUS_ADDRESS");
        unsetenv("XDG_RUNTIME_DIR");
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_without_a_session_bus_lookup_and_store_say_so),
            cmocka_unit_test(test_with_a_dead_session_bus_lookup_fails_cleanly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
    }
    return 2;
}
