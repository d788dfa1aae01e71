/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine facts the Podman backend learns at open (backend/podman-engine.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/podman.h"
#include "base/alloc.h"

static const char *test_path;

static const char *path_env(const char *name)
{
    return strcmp(name, "PATH") == 0 ? test_path : NULL;
}

static void test_engine_major_is_the_leading_number_of_the_version(void **s _unused_)
{
    struct backend_engine e;
    backend_podman_engine("4.3.1", NULL, &e);
    assert_int_equal(e.major, 4);
    backend_podman_engine("6.0.0-dev", NULL, &e);
    assert_int_equal(e.major, 6);
    backend_podman_engine("12.1", NULL, &e);
    assert_int_equal(e.major, 12);
}

static void test_engine_major_is_unknown_without_a_version(void **s _unused_)
{
    struct backend_engine e;
    backend_podman_engine(NULL, NULL, &e);
    assert_int_equal(e.major, 0);
    backend_podman_engine("v4", NULL, &e);
    assert_int_equal(e.major, 0);
}

static void test_slirp4netns_is_found_in_a_path_directory(void **s _unused_)
{
    char dir[] = "/tmp/ags-test-engine-XXXXXX";
    assert_non_null(mkdtemp(dir));
    _cleanup_free_ char *exe = xasprintf("%s/slirp4netns", dir);
    int fd = open(exe, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
    assert_true(fd >= 0);
    (void)close(fd);
    _cleanup_free_ char *path = xasprintf("/nonexistent-ags:%s", dir);
    test_path = path;
    struct backend_engine e;
    backend_podman_engine("4.3.1", path_env, &e);
    assert_true(e.slirp4netns);
    assert_true(backend_podman_has_slirp4netns(path_env));
    /* Not executable: Podman could not run it either. */
    assert_int_equal(chmod(exe, 0644), 0);
    if (!backend_podman_has_slirp4netns(NULL)) /* none in the helper dirs here */
        assert_false(backend_podman_has_slirp4netns(path_env));
    assert_int_equal(unlink(exe), 0);
    assert_int_equal(rmdir(dir), 0);
}

/* /proc/net/route: header, then the routes; the first default route with a
 * gateway wins, in the kernel's (little-endian) byte order. */
static void test_route_gateway_is_the_default_routes_gateway_dotted(void **s _unused_)
{
    static const char table[] =
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t0010A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
        "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "wlan0\t00000000\t0200000A\t0003\t0\t0\t600\t00000000\t0\t0\t0\n";
    char gw[16] = "x";
    backend_route_gateway(table, gw);
    assert_string_equal(gw, "192.168.0.1");
}

static void test_route_gateway_is_empty_without_a_default_route(void **s _unused_)
{
    char gw[16] = "x";
    backend_route_gateway("Iface\tDestination\tGateway\n"
                          "eth0\t0010A8C0\t00000000\t0001\n"
                          "eth0\t00000000\t00000000\t0001\n" /* default via no gateway */
                          "eth0\t00000000\t0100A8\t0003\n", /* truncated */
                          gw);
    assert_string_equal(gw, "");
    backend_route_gateway("", gw);
    assert_string_equal(gw, "");
    backend_route_gateway(NULL, gw);
    assert_string_equal(gw, "");
    backend_route_gateway("Iface\tDestination\tGateway\neth0\t00000000\t0100A8XZ\t0003\n", gw);
    assert_string_equal(gw, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_engine_major_is_the_leading_number_of_the_version),
        cmocka_unit_test(test_engine_major_is_unknown_without_a_version),
        cmocka_unit_test(test_route_gateway_is_the_default_routes_gateway_dotted),
        cmocka_unit_test(test_route_gateway_is_empty_without_a_default_route),
        cmocka_unit_test(test_slirp4netns_is_found_in_a_path_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
