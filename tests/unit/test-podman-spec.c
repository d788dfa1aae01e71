/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The SpecGenerator renderer (spec.c): every field of a full spec lands under
 * the JSON name libpod reads (libpod-api.md section 5), a minimal spec emits
 * nothing but the image, and invalid specs are refused with a reason.  The
 * JSON is parsed back with jansson rather than compared as text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "podman/containers-json.h"
#include "podman/podman.h"

static json_t *render(const struct podman_spec *spec)
{
    char *text = podman_spec_to_json(spec);
    assert_non_null(text);
    json_error_t jerr;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    assert_non_null(root);
    free(text);
    return root;
}

static const char *str_at(json_t *root, const char *path)
{
    /* dotted keys; digits index arrays */
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *v = root;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
        v = json_is_array(v) ? json_array_get(v, (size_t)(k[0] - '0')) : json_object_get(v, k);
    return json_string_value(v);
}

static json_t *at(json_t *root, const char *key)
{
    return json_object_get(root, key);
}

static void test_full_spec_uses_libpod_names(void **state)
{
    (void)state;
    static const char *const entry[] = {"/bin/sh", "-c", NULL};
    static const char *const cmd[] = {"echo hi", NULL};
    static const char *const env[] = {"FOO=bar", "EMPTY=", "EQ=a=b", NULL};
    static const char *const labels[] = {"app=ags", "session=s1", NULL};
    static const char *const ro[] = {"ro", NULL};
    static const char *const tmpfs_opts[] = {"size=64m", "mode=1777", NULL};
    static const char *const netopts[] = {"allow_host_loopback=true", NULL};
    static const char *const hosts[] = {"host.containers.internal:10.0.2.2", NULL};
    const struct podman_mount mounts[] = {
            {.type = "bind", .source = "/home/u/proj", .destination = "/wsp", .options = ro},
            {.type = "tmpfs", .source = "tmpfs", .destination = "/tmp", .options = tmpfs_opts},
    };
    const struct podman_volume_mount vols[] = {
            {.name = "cache", .destination = "/data", .read_only = true}};
    const struct podman_secret_mount secrets[] = {
            {.source = "tok", .target = "token", .mode = 0400}};
    const struct podman_spec spec = {
            .image = "localhost/ags:1",
            .name = "ags-s1",
            .entrypoint = entry,
            .command = cmd,
            .env = env,
            .labels = labels,
            .work_dir = "/wsp",
            .userns = "keep-id",
            .terminal = true,
            .stdin_open = true,
            .no_new_privileges = true,
            .no_log = true,
            .cap_drop_all = true,
            .selinux_disable = true,
            .read_only_rootfs = true,
            .pids_limit = 100,
            .netns = "slirp4netns",
            .network_options = netopts,
            .mounts = mounts,
            .n_mounts = 2,
            .volumes = vols,
            .n_volumes = 1,
            .secrets = secrets,
            .n_secrets = 1,
            .hostadd = hosts,
            .stop_timeout = 10,
            .timeout = 900,
    };
    json_t *o = render(&spec);
    assert_string_equal(str_at(o, "image"), "localhost/ags:1");
    assert_string_equal(str_at(o, "name"), "ags-s1");
    assert_string_equal(str_at(o, "entrypoint.1"), "-c");
    assert_string_equal(str_at(o, "command.0"), "echo hi");
    assert_int_equal(json_object_size(at(o, "env")), 3);
    assert_string_equal(str_at(o, "env.FOO"), "bar");
    assert_string_equal(str_at(o, "env.EMPTY"), "");
    assert_string_equal(str_at(o, "env.EQ"), "a=b");
    assert_string_equal(str_at(o, "labels.session"), "s1");
    assert_string_equal(json_string_value(at(at(o, "annotations"), "io.podman.annotations.label")),
                        "disable");
    assert_string_equal(str_at(o, "selinux_opts.0"), "disable");
    assert_true(json_is_true(at(o, "terminal")));
    assert_true(json_is_true(at(o, "stdin")));
    assert_string_equal(str_at(o, "work_dir"), "/wsp");
    assert_string_equal(str_at(o, "log_configuration.driver"), "none");
    assert_null(at(o, "user"));
    assert_string_equal(str_at(o, "userns.nsmode"), "keep-id");
    assert_null(at(at(o, "userns"), "value"));
    assert_string_equal(str_at(o, "mounts.0.destination"), "/wsp");
    assert_string_equal(str_at(o, "mounts.0.type"), "bind");
    assert_string_equal(str_at(o, "mounts.0.source"), "/home/u/proj");
    assert_string_equal(str_at(o, "mounts.0.options.0"), "ro");
    assert_string_equal(str_at(o, "mounts.1.options.1"), "mode=1777");
    assert_string_equal(str_at(o, "volumes.0.Name"), "cache");
    assert_string_equal(str_at(o, "volumes.0.Dest"), "/data");
    assert_string_equal(str_at(o, "volumes.0.Options.0"), "ro");
    json_t *sec = json_array_get(at(o, "secrets"), 0);
    assert_string_equal(json_string_value(at(sec, "Source")), "tok");
    assert_string_equal(json_string_value(at(sec, "Target")), "token");
    assert_int_equal(json_integer_value(at(sec, "Mode")), 0400);
    assert_int_equal(json_integer_value(at(sec, "UID")), 0);
    assert_int_equal(json_integer_value(at(sec, "GID")), 0);
    assert_string_equal(str_at(o, "cap_drop.0"), "ALL");
    assert_true(json_is_true(at(o, "no_new_privileges")));
    assert_true(json_is_true(at(o, "read_only_filesystem")));
    assert_int_equal(json_integer_value(at(at(at(o, "resource_limits"), "pids"), "limit")), 100);
    assert_string_equal(str_at(o, "netns.nsmode"), "slirp4netns");
    assert_string_equal(str_at(o, "network_options.slirp4netns.0"), "allow_host_loopback=true");
    assert_string_equal(str_at(o, "hostadd.0"), "host.containers.internal:10.0.2.2");
    assert_true(json_is_false(at(o, "use_image_hosts")));
    assert_int_equal(json_integer_value(at(o, "stop_timeout")), 10);
    assert_int_equal(json_integer_value(at(o, "timeout")), 900);
    json_decref(o);
}

static void test_minimal_spec_emits_only_the_image(void **state)
{
    (void)state;
    const struct podman_spec spec = {.image = "bb"};
    json_t *o = render(&spec);
    assert_int_equal(json_object_size(o), 1);
    assert_string_equal(str_at(o, "image"), "bb");
    json_decref(o);
    /* empty lists count as unset (an empty command means the image's anyway) */
    static const char *const none[] = {NULL};
    const struct podman_spec spec2 = {.image = "bb",
                                      .env = none,
                                      .labels = none,
                                      .hostadd = none,
                                      .command = none,
                                      .entrypoint = none,
                                      .network_options = none};
    o = render(&spec2);
    assert_int_equal(json_object_size(o), 1);
    json_decref(o);
}

static void test_namespace_values_and_user(void **state)
{
    (void)state;
    const struct podman_spec spec = {.image = "bb",
                                     .userns = "keep-id:uid=1000,gid=1000",
                                     .netns = "none",
                                     .user = "1000:1000"};
    json_t *o = render(&spec);
    assert_string_equal(str_at(o, "userns.nsmode"), "keep-id");
    assert_string_equal(str_at(o, "userns.value"), "uid=1000,gid=1000");
    assert_string_equal(str_at(o, "netns.nsmode"), "none");
    assert_null(at(o, "network_options"));
    assert_string_equal(str_at(o, "user"), "1000:1000");
    json_decref(o);
}

static void assert_refused(const struct podman_spec *spec, const char *needle)
{
    struct ags_error err = {0};
    assert_int_equal(podman_spec_check(spec, &err), -EINVAL);
    assert_int_equal(err.code, -EINVAL);
    if (!strstr(err.msg, needle))
        fail_msg("'%s' does not contain '%s'", err.msg, needle);
    assert_null(podman_spec_to_json(spec));
}

static void test_invalid_specs_are_refused(void **state)
{
    (void)state;
    static const char *const bad_env1[] = {"1X=a", NULL};
    static const char *const bad_env2[] = {"NOEQUALS", NULL};
    static const char *const bad_env3[] = {"=v", NULL};
    static const char *const bad_env4[] = {"A-B=v", NULL};
    static const char *const bad_label[] = {"novalue", NULL};
    static const char *const not_utf8[] = {"A=\xff\xfe", NULL};
    static const char *const bad_host[] = {"nocolon", NULL};
    static const char *const netopts[] = {"x", NULL};
    const struct podman_mount rel = {.type = "bind", .source = "/a", .destination = "rel"};
    const struct podman_volume_mount vol = {.name = "v", .destination = "data"};
    const struct podman_secret_mount sec = {.source = ""};

    assert_refused(&(struct podman_spec){0}, "no image");
    assert_refused(&(struct podman_spec){.image = "bb", .env = bad_env1}, "'1X=a'");
    assert_refused(&(struct podman_spec){.image = "bb", .env = bad_env2}, "NAME=VALUE");
    assert_refused(&(struct podman_spec){.image = "bb", .env = bad_env3}, "'=v'");
    assert_refused(&(struct podman_spec){.image = "bb", .env = bad_env4}, "'A-B=v'");
    assert_refused(&(struct podman_spec){.image = "bb", .labels = bad_label}, "KEY=VALUE");
    assert_refused(&(struct podman_spec){.image = "bb", .env = not_utf8}, "UTF-8");
    assert_refused(&(struct podman_spec){.image = "bb", .hostadd = bad_host}, "NAME:IP");
    assert_refused(&(struct podman_spec){.image = "bb", .network_options = netopts}, "netns");
    assert_refused(&(struct podman_spec){.image = "bb", .name = "-x"}, "container name");
    assert_refused(&(struct podman_spec){.image = "bb", .name = "a/b"}, "container name");
    assert_refused(&(struct podman_spec){.image = "bb", .work_dir = "w"}, "not absolute");
    assert_refused(&(struct podman_spec){.image = "bb", .mounts = &rel, .n_mounts = 1},
                   "absolute destination");
    assert_refused(&(struct podman_spec){.image = "bb", .volumes = &vol, .n_volumes = 1},
                   "absolute destination");
    assert_refused(&(struct podman_spec){.image = "bb", .secrets = &sec, .n_secrets = 1},
                   "no name");
    assert_refused(&(struct podman_spec){.image = "bb", .userns = ":x"}, "no mode");
}

static void test_strings_are_escaped_not_pasted(void **state)
{
    (void)state;
    static const char *const cmd[] = {"echo \"quoted\" \\ back\nslash\t", "}{],", NULL};
    static const char *const env[] = {"X=\"}, \"evil\": true, {\"", NULL};
    const struct podman_spec spec = {.image = "bb", .command = cmd, .env = env};
    json_t *o = render(&spec);
    assert_string_equal(str_at(o, "command.0"), cmd[0]);
    assert_string_equal(str_at(o, "command.1"), cmd[1]);
    assert_string_equal(str_at(o, "env.X"), "\"}, \"evil\": true, {\"");
    assert_null(at(o, "evil"));
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_full_spec_uses_libpod_names),
            cmocka_unit_test(test_minimal_spec_emits_only_the_image),
            cmocka_unit_test(test_namespace_values_and_user),
            cmocka_unit_test(test_invalid_specs_are_refused),
            cmocka_unit_test(test_strings_are_escaped_not_pasted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
