/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image build's pure parts: which base comes first, and the digest of
 * the build context that the image carries as a label. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "run/internal.h"

static char tmpdir[] = "/tmp/test-image.XXXXXX";

/* Through base/fileio, then chmod: the mode is part of what is hashed. */
static void write_at(const char *rel, const char *data, mode_t mode)
{
    char *path = xasprintf("%s/%s", tmpdir, rel);
    struct ags_error err = {0};
    assert_int_equal(write_file_atomic(path, data, strlen(data), 0600, &err), 0);
    assert_int_equal(chmod(path, mode), 0);
    free(path);
}

static void digest(const char *ca_path, char hex[SHA256_HEX_SIZE])
{
    char *ctx = xasprintf("%s/ctx", tmpdir);
    const struct backend_context_file ca = {RUN_IMAGE_CA_FILE, ca_path};
    struct ags_error err = {0};
    assert_int_equal(run_image_context_digest(ctx, &ca, 1, hex, &err), 0);
    free(ctx);
}

static void test_base_flag_wins_then_local_then_storage_then_registry(void **state)
{
    (void)state;
    assert_int_equal(run_image_base_step("localhost/mine", true, true), RUN_BASE_GIVEN);
    assert_int_equal(run_image_base_step("", false, true), RUN_BASE_STORED);
    assert_int_equal(run_image_base_step(NULL, true, true), RUN_BASE_LOCAL);
    assert_int_equal(run_image_base_step(NULL, false, true), RUN_BASE_STORED);
    assert_int_equal(run_image_base_step(NULL, false, false), RUN_BASE_PULL);
}

/* Equal contexts give equal digests; any change the build would see (a
 * file's bytes, its mode, a new file, the CA bundle, no bundle) changes it. */
static void test_context_digest_follows_what_the_build_sees(void **state)
{
    (void)state;
    char *ctx = xasprintf("%s/ctx", tmpdir);
    assert_int_equal(mkdir(ctx, 0755), 0);
    write_at("ctx/Containerfile", "FROM scratch\n", 0644);
    write_at("ca.pem", "CERT A\n", 0644);
    char *ca = xasprintf("%s/ca.pem", tmpdir);
    char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];
    digest(ca, a);
    digest(ca, b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 64);

    write_at("ca.pem", "CERT B\n", 0644);
    digest(ca, b);
    assert_string_not_equal(a, b);
    digest(NULL, b);
    assert_string_not_equal(a, b);

    write_at("ca.pem", "CERT A\n", 0644);
    write_at("ctx/Containerfile", "FROM scratch\n", 0755);
    digest(ca, b);
    assert_string_not_equal(a, b);
    write_at("ctx/Containerfile", "FROM scratch\n", 0644);
    digest(ca, b);
    assert_string_equal(a, b);

    write_at("ctx/tmux.conf", "", 0644);
    digest(ca, b);
    assert_string_not_equal(a, b);

    /* A missing bundle is an error, not a silent empty file. */
    char *gone = xasprintf("%s/nope.pem", tmpdir);
    const struct backend_context_file missing = {RUN_IMAGE_CA_FILE, gone};
    struct ags_error err = {0};
    assert_int_equal(run_image_context_digest(ctx, &missing, 1, a, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "nope.pem"));
    free(gone);
    free(ca);
    free(ctx);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

/* The refresh argument changes once per ISO week (so a weekly build runs
 * apt-get upgrade again) and is the same all week (so the cache still works
 * within it); ISO years cross calendar years. */
/* The two ways Podman 4.3 reports a RUN step it killed itself are built
 * again; a step that failed on its own is not. */
static void test_a_build_killed_by_podman_is_told_from_a_failing_step(void **state)
{
    (void)state;
    assert_true(run_image_build_killed_by_podman(
            "the image build failed: step 11/19 (RUN set -eux; ...) failed: while running "
            "runtime: signal: killed"));
    assert_true(run_image_build_killed_by_podman(
            "the image build failed: step 2/3 (RUN x) failed: did not get container create "
            "message from subprocess: EOF"));
    assert_false(run_image_build_killed_by_podman(
            "the image build failed: step 3/3 (RUN false) failed: while running runtime: exit "
            "status 1"));
    assert_false(run_image_build_killed_by_podman("connection refused"));
}

static void test_refresh_arg_is_the_iso_week(void **state)
{
    (void)state;
    char buf[32];
    run_image_refresh_arg(1796212800, buf, sizeof(buf)); /* Wed 2026-12-02 */
    assert_string_equal(buf, "AGS_REFRESH=2026-W49");
    run_image_refresh_arg(1796558400, buf, sizeof(buf)); /* Sun 2026-12-06 */
    assert_string_equal(buf, "AGS_REFRESH=2026-W49");
    run_image_refresh_arg(1796644800, buf, sizeof(buf)); /* Mon 2026-12-07 */
    assert_string_equal(buf, "AGS_REFRESH=2026-W50");
    run_image_refresh_arg(1798804800, buf, sizeof(buf)); /* Fri 2027-01-01 */
    assert_string_equal(buf, "AGS_REFRESH=2026-W53");
}

/* The bubblewrap image's environment comes from the shipped Containerfile:
 * its RUN step sees the ENV before it, the image keeps every ENV. */
static void test_containerfile_env_splits_what_the_setup_sees_from_what_the_image_keeps(
        void **state)
{
    (void)state;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(AGS_SOURCE_DIR "/containerfile/Containerfile", 1u << 20,
                                       &text, &len, NULL),
                     0);
    char **build = NULL, **image = NULL;
    assert_int_equal(run_containerfile_env(text, &build, &image, NULL), 0);
    assert_int_equal(strv_len(build), 3);
    assert_string_equal(build[0], "LANG=C.UTF-8");
    assert_string_equal(build[2], "NODE_USE_ENV_PROXY=1");
    bool home = false, path = false;
    for (size_t i = 0; image[i]; i++) {
        home |= strcmp(image[i], "HOME=/home/dev") == 0;
        path |= strncmp(image[i], "PATH=/usr/local/sbin:", 21) == 0;
    }
    assert_true(home && path);
    assert_true(strv_len(image) > strv_len(build));
    strv_free(build);
    strv_free(image);
    /* Continuations, comments inside them, and what it cannot mean refused. */
    assert_int_equal(run_containerfile_env("FROM x\nENV A=1 \\\n# c\n    B=2\nRUN true\nENV C=3\n",
                                           &build, &image, NULL),
                     0);
    assert_int_equal(strv_len(build), 2);
    assert_string_equal(build[1], "B=2");
    assert_int_equal(strv_len(image), 3);
    strv_free(build);
    strv_free(image);
    assert_int_equal(run_containerfile_env("ENV A=\"x y\"\n", &build, &image, NULL), -EINVAL);
    assert_int_equal(run_containerfile_env("ENV A=$B\n", &build, &image, NULL), -EINVAL);
    assert_int_equal(run_containerfile_env("ENV A 1\n", &build, &image, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_base_flag_wins_then_local_then_storage_then_registry),
            cmocka_unit_test(test_context_digest_follows_what_the_build_sees),
            cmocka_unit_test(test_a_build_killed_by_podman_is_told_from_a_failing_step),
        cmocka_unit_test(test_refresh_arg_is_the_iso_week),
        cmocka_unit_test(test_containerfile_env_splits_what_the_setup_sees_from_what_the_image_keeps),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
