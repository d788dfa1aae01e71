/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connecting (connect.c, resolve.c, ping.c, autostart.c) without a real
 * Podman: endpoint resolution from containers.conf files written to a temp
 * dir, the version check, _ping against in-process fake services (answering,
 * too old, not Podman, stalled, absent, stale), and autostart with a fake
 * `podman` executable (a python3 script) that records how it was started.
 * The e2e tier does the same against the real service.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/strv.h"
#include "podman/client.h"
#include "podman/connect-internal.h"
#include "podman/http.h"
#include "podman/podman.h"

static char tmpdir[] = "/tmp/test-podman-connect.XXXXXX";

/* ---- a fake environment ---- */

static const char *fake_env[16][2];

static const char *fake_getenv(const char *name)
{
    for (size_t i = 0; i < 16 && fake_env[i][0]; i++)
        if (strcmp(fake_env[i][0], name) == 0)
            return fake_env[i][1];
    return NULL;
}

static void env_set(const char *name, const char *value)
{
    size_t i = 0;
    while (i < 15 && fake_env[i][0] && strcmp(fake_env[i][0], name) != 0)
        i++;
    fake_env[i][0] = name;
    fake_env[i][1] = value;
}

static int reset_env(void **state)
{
    (void)state;
    memset(fake_env, 0, sizeof(fake_env));
    return 0;
}

static char *tmp_path(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

static char *write_tmp(const char *rel, const char *text, mode_t mode)
{
    char *path = tmp_path(rel);
    struct ags_error err = {0};
    (void)unlink(path);
    if (write_file_atomic(path, text, strlen(text), mode, &err) < 0)
        fail_msg("%s", err.msg);
    return path;
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    char *d = tmp_path("containers");
    int r = mkdir(d, 0700);
    free(d);
    return r;
}

static int teardown(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", tmpdir, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    return 0;
}

static struct podman_connect_opts opts_for_test(void)
{
    return (struct podman_connect_opts){.getenv = fake_getenv, .xdg_runtime = "/xdg/run",
                                        .home = "/nonexistent-home"};
}

/* Resolves with the given files (NULL-terminated) and returns the URI (owned). */
static char *resolve(const struct podman_connect_opts *o, const char *const *files, bool root,
                     enum podman_uri_source *src)
{
    struct podman_resolved res = {0};
    struct ags_error err = {0};
    if (podman_resolve_uri(o, files, root, &res, &err) < 0)
        fail_msg("resolve: %s", err.msg);
    char *uri = TAKE_PTR(res.uri);
    if (src)
        *src = res.source;
    podman_resolved_done(&res);
    return uri;
}

/* ---- resolution ---- */

static void test_precedence_url_env_conf_default(void **state)
{
    (void)state;
    char *conf = write_tmp("a.conf", "[engine]\nremote_uri = \"unix:///from/conf\"\n", 0644);
    const char *files[] = {conf, NULL};
    struct podman_connect_opts o = opts_for_test();
    enum podman_uri_source src;
    char *uri = resolve(&o, files, false, &src);
    assert_string_equal(uri, "unix:///from/conf");
    assert_int_equal(src, PODMAN_URI_CONF);
    free(uri);
    env_set("CONTAINER_HOST", "unix:///from/env");
    uri = resolve(&o, files, false, &src);
    assert_string_equal(uri, "unix:///from/env");
    assert_int_equal(src, PODMAN_URI_ENV);
    free(uri);
    o.url = "tcp://127.0.0.1:8080";
    uri = resolve(&o, files, false, &src);
    assert_string_equal(uri, "tcp://127.0.0.1:8080");
    assert_int_equal(src, PODMAN_URI_OPTION);
    free(uri);
    /* nothing configured: the defaults */
    o.url = NULL;
    env_set("CONTAINER_HOST", "");
    const char *none[] = {NULL};
    uri = resolve(&o, none, false, &src);
    assert_string_equal(uri, "unix:///xdg/run/podman/podman.sock");
    assert_int_equal(src, PODMAN_URI_DEFAULT);
    free(uri);
    uri = resolve(&o, none, true, &src);
    assert_string_equal(uri, "unix:///run/podman/podman.sock");
    free(uri);
    free(conf);
}

static void test_active_service_and_destinations(void **state)
{
    (void)state;
    char *sys = write_tmp("sys.conf",
                          "[engine]\nremote_uri = \"unix:///remote\"\n"
                          "[engine.service_destinations.prod]\nuri = \"unix:///prod.sock\"\n"
                          "identity = \"/key\"\n"
                          "[engine.service_destinations.\"dev.box\"]\nuri = \"tcp://h:1\"\n",
                          0644);
    char *user = write_tmp("user.conf", "[engine]\nactive_service = \"prod\"\n", 0644);
    const char *files[] = {sys, user, NULL};
    struct podman_connect_opts o = opts_for_test();
    char *uri = resolve(&o, files, false, NULL);
    assert_string_equal(uri, "unix:///prod.sock"); /* active_service beats remote_uri */
    free(uri);
    env_set("CONTAINER_CONNECTION", "dev.box");
    uri = resolve(&o, files, false, NULL);
    assert_string_equal(uri, "tcp://h:1");
    free(uri);
    /* a later file overrides a destination key by key */
    char *over = write_tmp("over.conf",
                           "[engine.service_destinations.\"dev.box\"]\nuri = \"tcp://h:2\"\n", 0644);
    const char *three[] = {sys, user, over, NULL};
    uri = resolve(&o, three, false, NULL);
    assert_string_equal(uri, "tcp://h:2");
    free(uri);
    free(sys);
    free(user);
    free(over);
}

static void test_resolution_errors(void **state)
{
    (void)state;
    struct podman_connect_opts o = opts_for_test();
    struct podman_resolved res = {0};
    struct ags_error err = {0};
    char *a = write_tmp("a.conf", "[engine]\nactive_service = \"gone\"\n", 0644);
    const char *files[] = {a, NULL};
    assert_int_equal(podman_resolve_uri(&o, files, false, &res, &err), -ENOENT);
    char *gone = xasprintf("containers.conf [engine] active_service (%s:2:18) names the "
                           "connection 'gone', but no containers.conf has "
                           "[engine.service_destinations.gone] with a uri; the connections "
                           "there are: none (files read: %s)", a, a);
    assert_string_equal(err.msg, gone);
    free(gone);
    env_set("CONTAINER_CONNECTION", "nope");
    assert_int_equal(podman_resolve_uri(&o, files, false, &res, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "CONTAINER_CONNECTION=nope names the connection 'nope'"));
    env_set("CONTAINER_CONNECTION", "");
    char *b = write_tmp("b.conf", "[engine]\nremote_uri = 42\n", 0644);
    const char *typed[] = {b, NULL};
    assert_int_equal(podman_resolve_uri(&o, typed, false, &res, &err), -EINVAL);
    char *want = xasprintf("%s:2:14: engine.remote_uri must be a string", b);
    assert_string_equal(err.msg, want);
    free(want);
    char *c = write_tmp("c.conf", "[engine\n", 0644);
    const char *broken[] = {c, NULL};
    assert_int_equal(podman_resolve_uri(&o, broken, false, &res, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "reading containers.conf: "));
    assert_non_null(strstr(err.msg, "c.conf:1:"));
    /* a file that does not exist is skipped */
    const char *missing[] = {"/nonexistent/containers.conf", NULL};
    assert_int_equal(podman_resolve_uri(&o, missing, false, &res, &err), 0);
    assert_int_equal(res.source, PODMAN_URI_DEFAULT);
    podman_resolved_done(&res);
    free(a);
    free(b);
    free(c);
}

/* Resolves and hands back the whole result (the caller frees it). */
static struct podman_resolved resolve_full(const struct podman_connect_opts *o,
                                           const char *const *files)
{
    struct podman_resolved res = {0};
    struct ags_error err = {0};
    if (podman_resolve_uri(o, files, false, &res, &err) < 0)
        fail_msg("resolve: %s", err.msg);
    return res;
}

static char *three_destinations(void)
{
    return write_tmp("dest.conf",
                     "[engine]\nactive_service = \"c\"\n"
                     "[engine.service_destinations.a]\nuri = \"ssh://u@a/run/p.sock\"\n"
                     "[engine.service_destinations.b]\nuri = \"ssh://u@b/run/p.sock\"\n"
                     "identity = \"/keys/b\"\n"
                     "[engine.service_destinations.c]\nuri = \"unix:///c.sock\"\n",
                     0644);
}

static void test_connection_precedence_flag_env_config_active(void **state)
{
    (void)state;
    char *conf = three_destinations();
    const char *files[] = {conf, NULL};
    struct podman_connect_opts o = opts_for_test();
    /* nothing named: containers.conf's active_service */
    struct podman_resolved res = resolve_full(&o, files);
    assert_string_equal(res.uri, "unix:///c.sock");
    char *want = xasprintf("containers.conf [engine] active_service (%s:2:18), "
                           "containers.conf %s:9:7", conf, conf);
    assert_string_equal(res.origin, want);
    free(want);
    podman_resolved_done(&res);
    /* ags's [engine] connection beats active_service, with its identity */
    o.conf_connection = "b";
    o.conf_connection_file = "/home/u/.config/ags/config.toml";
    o.conf_connection_line = 3;
    o.conf_connection_col = 14;
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "ssh://u@b/run/p.sock");
    assert_string_equal(res.identity, "/keys/b");
    want = xasprintf("[engine] connection = \"b\" (/home/u/.config/ags/config.toml:3:14), "
                     "containers.conf %s:6:7", conf);
    assert_string_equal(res.origin, want);
    free(want);
    assert_int_equal(res.source, PODMAN_URI_CONF);
    podman_resolved_done(&res);
    /* the environment beats the config: CONTAINER_CONNECTION, then CONTAINER_HOST */
    env_set("CONTAINER_CONNECTION", "a");
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "ssh://u@a/run/p.sock");
    assert_null(res.identity);
    podman_resolved_done(&res);
    env_set("CONTAINER_HOST", "unix:///env.sock");
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "unix:///env.sock");
    assert_string_equal(res.origin, "CONTAINER_HOST");
    podman_resolved_done(&res);
    /* --connection beats both variables */
    o.connection = "b";
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "ssh://u@b/run/p.sock");
    assert_string_equal(res.identity, "/keys/b");
    assert_int_equal(res.source, PODMAN_URI_OPTION);
    assert_non_null(strstr(res.origin, "--connection b, containers.conf "));
    podman_resolved_done(&res);
    /* --url beats --connection */
    o.url = "unix:///url.sock";
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "unix:///url.sock");
    assert_string_equal(res.origin, "--url");
    podman_resolved_done(&res);
    free(conf);
}

static void test_unknown_connection_lists_names_and_files(void **state)
{
    (void)state;
    char *conf = three_destinations();
    const char *files[] = {conf, NULL};
    struct podman_connect_opts o = opts_for_test();
    o.connection = "nope";
    struct podman_resolved res = {0};
    struct ags_error err = {0};
    assert_int_equal(podman_resolve_uri(&o, files, false, &res, &err), -ENOENT);
    char *want = xasprintf("--connection nope names the connection 'nope', but no "
                           "containers.conf has [engine.service_destinations.nope] with a uri; "
                           "the connections there are: a b c (files read: %s)", conf);
    assert_string_equal(err.msg, want);
    free(want);
    /* a name no one typed is refused by its length */
    char longname[AGS_CONNECTION_NAME_MAX + 2];
    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    o.connection = longname;
    assert_int_equal(podman_resolve_uri(&o, files, false, &res, &err), -E2BIG);
    assert_non_null(strstr(err.msg, "a connection name is at most 256 bytes"));
    o.connection = "nope";
    /* ags config connections: each name once, in file order (CONTAINERS_CONF alone) */
    char *both = write_tmp("both.conf",
                           "[engine.service_destinations.z]\nuri = \"unix:///z\"\n"
                           "[engine.service_destinations.a]\nuri = \"unix:///a\"\n", 0644);
    env_set("CONTAINERS_CONF", both);
    char **names = NULL;
    assert_int_equal(podman_conf_connections(&o, &names, &err), 0);
    assert_string_equal(names[0], "z");
    assert_string_equal(names[1], "a");
    assert_null(names[2]);
    strv_free(names);
    free(both);
    /* a name in two files is listed once */
    char *more = write_tmp("more.conf",
                           "[engine.service_destinations.b]\nidentity = \"/k\"\n"
                           "[engine.service_destinations.d]\nuri = \"unix:///d\"\n", 0644);
    const char *two[] = {conf, more, NULL};
    assert_int_equal(podman_resolve_uri(&o, two, false, &res, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "the connections there are: a b c d (files read: "));
    free(more);
    free(conf);
}

static void test_default_origin_and_symlinked_conf(void **state)
{
    (void)state;
    struct podman_connect_opts o = opts_for_test();
    const char *none[] = {NULL};
    struct podman_resolved res = resolve_full(&o, none);
    assert_string_equal(res.origin, "default");
    podman_resolved_done(&res);
    /* a symlink to a file of our own is read like the file */
    char *conf = three_destinations();
    char *link = tmp_path("link.conf");
    (void)unlink(link);
    assert_int_equal(symlink(conf, link), 0);
    const char *files[] = {link, NULL};
    res = resolve_full(&o, files);
    assert_string_equal(res.uri, "unix:///c.sock");
    podman_resolved_done(&res);
    /* remote_uri comes with remote_identity */
    char *remote = write_tmp("remote.conf",
                             "[engine]\nremote_uri = \"ssh://u@r/p.sock\"\n"
                             "remote_identity = \"/keys/r\"\n", 0644);
    const char *rf[] = {remote, NULL};
    res = resolve_full(&o, rf);
    assert_string_equal(res.identity, "/keys/r");
    char *want = xasprintf("containers.conf %s:2:14 remote_uri", remote);
    assert_string_equal(res.origin, want);
    free(want);
    podman_resolved_done(&res);
    free(remote);
    free(link);
    free(conf);
}

static void test_conf_file_list(void **state)
{
    (void)state;
    char *d = tmp_path("containers/containers.conf.d");
    assert_int_equal(mkdir(d, 0700), 0);
    char *user = write_tmp("containers/containers.conf", "", 0644);
    free(write_tmp("containers/containers.conf.d/20-b.conf", "", 0644));
    free(write_tmp("containers/containers.conf.d/10-a.conf", "", 0644));
    free(write_tmp("containers/containers.conf.d/ignored.txt", "", 0644));
    struct podman_connect_opts o = opts_for_test();
    o.xdg_config = tmpdir;
    char **files = NULL;
    struct ags_error err = {0};
    assert_int_equal(podman_conf_files(&o, false, &files, &err), 0);
    size_t n = strv_len(files);
    assert_true(n >= 3);
    /* the user's file and its drop-ins come last: they override the system's */
    assert_string_equal(files[n - 3], user);
    char *a = xasprintf("%s/10-a.conf", d), *b = xasprintf("%s/20-b.conf", d);
    assert_string_equal(files[n - 2], a);
    assert_string_equal(files[n - 1], b);
    strv_free(files);
    /* root: podman reads no user file */
    assert_int_equal(podman_conf_files(&o, true, &files, &err), 0);
    for (size_t i = 0; files[i]; i++)
        assert_null(strstr(files[i], tmpdir));
    strv_free(files);
    /* CONTAINERS_CONF: that file alone, and it must exist */
    env_set("CONTAINERS_CONF", a);
    assert_int_equal(podman_conf_files(&o, false, &files, &err), 0);
    assert_int_equal(strv_len(files), 1);
    assert_string_equal(files[0], a);
    strv_free(files);
    env_set("CONTAINERS_CONF", "/nonexistent.conf");
    assert_int_equal(podman_conf_files(&o, false, &files, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "CONTAINERS_CONF='/nonexistent.conf'"));
    free(a);
    free(b);
    free(d);
    free(user);
}

static void test_runtime_dir_fallbacks(void **state)
{
    (void)state;
    struct podman_connect_opts o = {.getenv = fake_getenv};
    env_set("XDG_RUNTIME_DIR", "/from/env");
    char *dir = podman_runtime_dir(&o, false);
    assert_string_equal(dir, "/from/env");
    free(dir);
    env_set("XDG_RUNTIME_DIR", "");
    env_set("TMPDIR", "/tmpdir");
    dir = podman_runtime_dir(&o, true);
    assert_string_equal(dir, "/run");
    free(dir);
    dir = podman_runtime_dir(&o, false);
    char *run_user = xasprintf("/run/user/%u", (unsigned)geteuid());
    char *tmp = xasprintf("/tmpdir/podman-run-%u", (unsigned)geteuid());
    struct stat st;
    bool has_run_user = stat(run_user, &st) == 0 && st.st_uid == geteuid() &&
                        (st.st_mode & 07777) == 0700;
    assert_string_equal(dir, has_run_user ? run_user : tmp);
    free(dir);
    free(run_user);
    free(tmp);
}

/* Podman's rule, made strict: $TMPDIR/podman-run-UID counts only when it is a
 * real directory of ours that nobody else can write to; else $HOME/rundir. */
static void test_runtime_dir_skips_dirs_others_control(void **state)
{
    (void)state;
    uid_t uid = geteuid();
    char *run_user = xasprintf("/run/user/%u", (unsigned)uid);
    if (podman_dir_is_private(run_user, uid))
        fail_msg("%s is private here: it always wins, so this test cannot see the fallbacks",
                 run_user);
    char *tmp = tmp_path("rtmp");
    assert_int_equal(mkdir(tmp, 0755), 0);
    char *cand = xasprintf("%s/podman-run-%u", tmp, (unsigned)uid);
    struct podman_connect_opts o = {.getenv = fake_getenv, .home = "/the/home"};
    env_set("TMPDIR", tmp);
    /* missing: created private, as Podman does, and used */
    char *dir = podman_runtime_dir(&o, false);
    assert_string_equal(dir, cand);
    free(dir);
    struct stat st;
    assert_int_equal(lstat(cand, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    /* writable by others: they could swap the socket in it */
    assert_int_equal(chmod(cand, 0777), 0);
    dir = podman_runtime_dir(&o, false);
    assert_string_equal(dir, "/the/home/rundir");
    free(dir);
    /* another user's directory (root can make one) */
    assert_int_equal(chmod(cand, 0700), 0);
    if (uid == 0) {
        assert_int_equal(chown(cand, 65534, 65534), 0);
        dir = podman_runtime_dir(&o, false);
        assert_string_equal(dir, "/the/home/rundir");
        free(dir);
        assert_int_equal(chown(cand, 0, 0), 0);
    }
    /* a symlink, even to a private directory of ours: whoever owns it can retarget it */
    char *real = tmp_path("rtmp-real");
    assert_int_equal(mkdir(real, 0700), 0);
    assert_int_equal(rmdir(cand), 0);
    assert_int_equal(symlink(real, cand), 0);
    dir = podman_runtime_dir(&o, false);
    assert_string_equal(dir, "/the/home/rundir");
    free(dir);
    assert_true(podman_dir_is_private(real, uid));
    assert_false(podman_dir_is_private(cand, uid));
    assert_false(podman_dir_is_private(real, uid + 1));
    free(real);
    free(cand);
    free(tmp);
    free(run_user);
}

static void test_peer_must_be_us_or_root(void **state)
{
    (void)state;
    assert_true(podman_peer_allowed(1000, 1000));
    assert_true(podman_peer_allowed(0, 1000));
    assert_true(podman_peer_allowed(0, 0));
    assert_false(podman_peer_allowed(1001, 1000));
    assert_false(podman_peer_allowed(65534, 0));
    assert_false(podman_peer_allowed(1000, 0));
}

/* CONTAINER_HOST on the network is warned about; loopback and unix are not. */
static void test_network_endpoints_are_told_from_loopback(void **state)
{
    (void)state;
    const char *loopback[] = {"tcp://127.0.0.1:8080", "tcp://127.1.2.3:1", "tcp://localhost:80",
                              "tcp://LOCALHOST:80", "tcp://[::1]:8080", "tcp://::1:8080",
                              "tcp://[::ffff:127.0.0.1]:80", "unix:///run/podman.sock",
                              "/run/podman.sock", "nonsense"};
    const char *network[] = {"tcp://10.0.0.5:8080", "tcp://0.0.0.0:1", "tcp://[::]:80",
                             "tcp://192.168.1.2:2375", "tcp://podman.example.com:80",
                             "tcp://128.0.0.1:80", "tcp://[fe80::1]:80",
                             "tcp://[::ffff:10.0.0.1]:80"};
    for (size_t i = 0; i < sizeof(loopback) / sizeof(*loopback); i++)
        if (podman_uri_is_network(loopback[i]))
            fail_msg("%s counted as a network endpoint", loopback[i]);
    for (size_t i = 0; i < sizeof(network) / sizeof(*network); i++)
        if (!podman_uri_is_network(network[i]))
            fail_msg("%s counted as loopback", network[i]);
}

/* tcp://[::1]:N reaches ::1: the brackets are URL syntax, not part of the host. */
static void test_bracketed_ipv6_host_is_bare(void **state)
{
    (void)state;
    struct podman_endpoint ep = {0};
    struct ags_error err = {0};
    assert_int_equal(podman_endpoint_parse("tcp://[::1]:8080", &ep, &err), 0);
    assert_string_equal(ep.host, "::1");
    assert_int_equal(ep.port, 8080);
    podman_endpoint_done(&ep);
}

static void test_version_check(void **state)
{
    (void)state;
    struct ags_error err = {0};
    assert_int_equal(podman_check_version("4.3.1", &err), 0);
    assert_int_equal(podman_check_version("5.8.2", &err), 0);
    assert_int_equal(podman_check_version("10", &err), 0);
    assert_int_equal(podman_check_version("3.4.4", &err), -EPROTONOSUPPORT);
    assert_string_equal(err.msg, "Podman 3.4.4 is too old; ags needs 4.0 or newer");
    assert_int_equal(podman_check_version("", &err), -EPROTO);
    assert_int_equal(podman_check_version("v4", &err), -EPROTO);
    assert_int_equal(podman_check_version("99999999999.1", &err), -EPROTO);
}

static void test_find_binary_on_path(void **state)
{
    (void)state;
    char *bindir = tmp_path("bin");
    (void)mkdir(bindir, 0755);
    char *fake = write_tmp("bin/podman", "#!/bin/sh\n", 0755);
    char *noexec = tmp_path("noexec");
    (void)mkdir(noexec, 0755);
    free(write_tmp("noexec/podman", "", 0644));
    struct podman_connect_opts o = {.getenv = fake_getenv};
    char *path = xasprintf(".:relative:%s:%s", noexec, bindir);
    env_set("PATH", path);
    char *found = podman_find_binary(&o);
    assert_string_equal(found, fake);
    free(found);
    env_set("PATH", noexec);
    assert_null(podman_find_binary(&o));
    /* A podman that another user can replace is skipped: in a dir of theirs,
     * in a world-writable dir, or owned by them (unit tests run as root). */
    const char *bad[] = {"theirs", "shared", "theirfile"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        char *d = tmp_path(bad[i]);
        (void)mkdir(d, 0755);
        char *rel = xasprintf("%s/podman", bad[i]);
        char *bin = write_tmp(rel, "#!/bin/sh\n", 0755);
        if (i == 0)
            assert_int_equal(chown(d, 65534, 65534), 0);
        if (i == 1)
            assert_int_equal(chmod(d, 0777), 0);
        if (i == 2)
            assert_int_equal(chown(bin, 65534, 65534), 0);
        free(path);
        path = xasprintf("%s:%s", d, bindir);
        env_set("PATH", path);
        found = podman_find_binary(&o);
        if (strcmp(found, fake) != 0)
            fail_msg("PATH=%s: ran %s", path, found);
        free(found);
        free(bin);
        free(rel);
        free(d);
    }
    free(path);
    free(bindir);
    free(fake);
    free(noexec);
}

/* ---- fake services ---- */

struct fake_service {
    int listen_fd;
    const char *reply;  /* NULL: accept and never answer */
    size_t received;    /* bytes of the first read of each connection */
    uint16_t port;      /* tcp fakes */
    pthread_t thread;
};

static void *serve(void *arg)
{
    struct fake_service *f = arg;
    for (;;) {
        int c = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return NULL;
        char buf[4096];
        ssize_t n = recv(c, buf, sizeof(buf), 0);
        if (n > 0)
            __atomic_add_fetch(&f->received, (size_t)n, __ATOMIC_SEQ_CST);
        if (n > 0 && f->reply)
            (void)send(c, f->reply, strlen(f->reply), MSG_NOSIGNAL);
        if (f->reply)
            close(c);
    }
}

static char *listen_at(const char *rel, int *ret_fd)
{
    char *path = tmp_path(rel);
    (void)unlink(path);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 16), 0);
    *ret_fd = fd;
    return path;
}

static char *start_fake(struct fake_service *f, const char *rel, const char *reply)
{
    char *path = listen_at(rel, &f->listen_fd);
    f->reply = reply;
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
    return path;
}

static void stop_fake(struct fake_service *f)
{
    shutdown(f->listen_fd, SHUT_RDWR);
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
}

static int connect_url(const char *path, struct podman_client **c, struct ags_error *err)
{
    char *url = xasprintf("unix://%s", path);
    struct podman_connect_opts o = opts_for_test();
    o.url = url;
    int r = podman_connect(&o, c, err);
    free(url);
    return r;
}

static void test_connect_reads_the_version_header(void **state)
{
    (void)state;
    struct fake_service f;
    char *path = start_fake(&f, "ok.sock", "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n"
                                           "libpod-api-version:  4.3.1 \r\nContent-Length: 2\r\n"
                                           "\r\nOK");
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    assert_int_equal(connect_url(path, &c, &err), 0);
    assert_string_equal(podman_client_version(c), "4.3.1");
    char *uri = xasprintf("unix://%s", path);
    assert_string_equal(podman_client_uri(c), uri);
    free(uri);
    podman_client_free(c);
    stop_fake(&f);
    free(path);
}

static void test_connect_refuses_old_and_foreign_services(void **state)
{
    (void)state;
    struct fake_service f;
    char *path = start_fake(&f, "old.sock", "HTTP/1.1 200 OK\r\nLibpod-Api-Version: 3.4.4\r\n"
                                            "Content-Length: 2\r\n\r\nOK");
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    assert_int_equal(connect_url(path, &c, &err), -EPROTONOSUPPORT);
    assert_string_equal(err.msg, "Podman 3.4.4 is too old; ags needs 4.0 or newer");
    stop_fake(&f);
    free(path);
    path = start_fake(&f, "web.sock", "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    assert_int_equal(connect_url(path, &c, &err), -EPROTO);
    assert_non_null(strstr(err.msg, "does not look like a Podman service (_ping: 'HTTP/1.1 404 "
                                    "Not Found')"));
    stop_fake(&f);
    free(path);
}

static void test_stalled_absent_and_stale_sockets(void **state)
{
    (void)state;
    /* accepts (the backlog does) and never answers */
    int fd = -1;
    char *path = listen_at("stalled.sock", &fd);
    struct podman_endpoint ep = {.kind = PODMAN_EP_UNIX, .path = path, .uri = path};
    char *version = NULL;
    struct ags_error err = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(podman_raw_ping(&ep, 300, &version, &err), -ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    assert_true(ms >= 250 && ms < 2000);
    assert_non_null(strstr(err.msg, "did not answer within 0 s (is it stalled?)"));
    close(fd); /* now a stale socket file: refused */
    assert_int_equal(podman_raw_ping(&ep, 300, &version, &err), -ECONNREFUSED);
    assert_non_null(strstr(err.msg, "stale socket, nothing listening"));
    unlink(path);
    assert_int_equal(podman_raw_ping(&ep, 300, &version, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "(the socket does not exist)"));
    free(path);
}

/* Without a Libpod-Api-Version header the version comes from GET /version,
 * through libcurl: its connection is made and checked by our own callback. */
static void test_connect_asks_version_over_checked_connection(void **state)
{
    (void)state;
    struct fake_service f;
    char *path = start_fake(&f, "v.sock", "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\n"
                                          "{\"Version\":\"4.3.1\"}");
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    assert_int_equal(connect_url(path, &c, &err), 0);
    assert_string_equal(podman_client_version(c), "4.3.1");
    podman_client_free(c);
    stop_fake(&f);
    free(path);
}

/* GET archive against a fake service (podman_client_from_endpoint: no
 * ping): the body is streamed into the caller's fd, bounded, and a 404 is
 * "no such container or path". */
static int get_archive_from(const char *reply, uint64_t max, int out,
                            struct podman_path_stat *st, struct ags_error *err)
{
    struct fake_service f;
    char *path = start_fake(&f, "archive.sock", reply);
    struct podman_endpoint ep = {.kind = PODMAN_EP_UNIX, .path = path, .uri = path};
    struct podman_client *c = NULL;
    assert_int_equal(podman_client_from_endpoint(&ep, "4.3.1", &c, err), 0);
    int r = podman_container_get_archive(c, "abc", "/var/tmp/ags-export", out, max, st, err);
    podman_client_free(c);
    stop_fake(&f);
    free(path);
    return r;
}

static void test_get_archive_streams_the_body_bounded(void **state)
{
    (void)state;
    char *file = tmp_path("archive.out");
    int out = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(out >= 0);
    struct ags_error err = {0};
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\n"
                             "Content-Length: 10\r\n\r\n0123456789";
    assert_int_equal(get_archive_from(ok, 10, out, NULL, &err), 0);
    char *buf = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(file, 100, &buf, &len, &err), 0);
    assert_string_equal(buf, "0123456789");
    free(buf);
    /* the stat header comes with it, whatever its case */
    static const char with_stat[] = "HTTP/1.1 200 OK\r\nx-docker-container-path-stat:  eyJuYW1lIjoiYWdzLWV4cG9ydCIsInNpemUiOjcsIm1vZGUiOjQyMCwibXRpbWUiOiIyMDI2LTEyLTAzVDE5OjAwOjAwWiIsImlzRGlyIjpmYWxzZSwiaXNTdHJlYW0iOmZhbHNlLCJsaW5rVGFyZ2V0IjoiL3Zhci90bXAvYWdzLWV4cG9ydCJ9 \r\n"
                                    "Content-Length: 1\r\n\r\n0";
    int fd = open(file, O_RDWR | O_TRUNC | O_CLOEXEC);
    struct podman_path_stat st = {0};
    assert_int_equal(get_archive_from(with_stat, 100, fd, &st, &err), 0);
    assert_string_equal(st.link_target, "/var/tmp/ags-export");
    podman_path_stat_done(&st);
    assert_int_equal(get_archive_from(ok, 100, fd, &st, &err), -EPROTO); /* none */
    assert_non_null(strstr(err.msg, "stat of the archived path is missing"));
    close(fd);
    /* one byte over the bound aborts the transfer */
    assert_int_equal(get_archive_from(ok, 9, out, NULL, &err), -EFBIG);
    assert_string_equal(err.msg, "copy /var/tmp/ags-export out of container abc: the archive is "
                                 "larger than 9 bytes");
    static const char missing[] = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                  "Content-Length: 23\r\n\r\n{\"message\":\"no such x\"}";
    assert_int_equal(get_archive_from(missing, 100, out, NULL, &err), -ENOENT);
    assert_string_equal(err.msg, "copy /var/tmp/ags-export out of container abc: no such "
                                 "container or path");
    static const char broken[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: "
                                 "application/json\r\nContent-Length: 43\r\n\r\n"
                                 "{\"cause\":\"x\",\"message\":\"storage is broken\"}";
    assert_int_equal(get_archive_from(broken, 100, out, NULL, &err), -EIO);
    assert_non_null(strstr(err.msg, "storage is broken"));
    /* Podman 4.3's empty 200 right after an exit is asked again, then an error */
    static const char empty[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    assert_int_equal(get_archive_from(empty, 100, out, NULL, &err), -EIO);
    assert_string_equal(err.msg, "copy /var/tmp/ags-export out of container abc: Podman sent an "
                                 "empty archive 5 times");
    close(out);
    free(file);
}

/* ---- a stranger impersonating Podman ---- */

static const char stranger_reply[] = "HTTP/1.1 200 OK\r\nLibpod-Api-Version: 4.3.1\r\n"
                                     "Content-Length: 2\r\n\r\nOK";

/* Logs to out every byte sent to the listener fd, answering like Podman. */
static _noreturn_ void stranger_serve(int fd, int out)
{
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            _exit(92);
        char buf[4096];
        ssize_t n;
        while ((n = recv(c, buf, sizeof(buf), 0)) > 0) {
            if (write(out, buf, (size_t)n) < 0) { /* best effort */ }
            (void)send(c, stranger_reply, strlen(stranger_reply), MSG_NOSIGNAL);
        }
        close(c);
    }
}

/* The child, as uid 65534: listens at sock and appends every byte it is sent
 * to log (both in a world-writable directory, like /tmp). */
static _noreturn_ void stranger_main(const char *sock, const char *log)
{
    alarm(60);
    if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
        _exit(90);
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL); /* after setuid, which clears it */
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, sock, strlen(sock) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (out < 0 || fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        chmod(sock, 0777) < 0 || listen(fd, 16) < 0)
        _exit(91);
    stranger_serve(fd, out);
}

static void wait_for_socket(const char *path)
{
    struct stat st;
    for (int i = 0; i < 500 && (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode)); i++)
        usleep(10000);
    assert_int_equal(stat(path, &st), 0);
}

/* The raw _ping of podman_connect, libcurl (a secret value) and a hijacked
 * attach all fail with -EPERM and a message containing want. */
static void expect_every_connection_refused(const char *uri, const char *want)
{
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    struct podman_connect_opts o = opts_for_test();
    o.url = uri;
    assert_int_equal(podman_connect(&o, &c, &err), -EPERM);
    assert_non_null(strstr(err.msg, want));
    struct podman_endpoint ep = {0};
    assert_int_equal(podman_endpoint_parse(uri, &ep, &err), 0);
    assert_int_equal(podman_client_from_endpoint(&ep, "4.3.1", &c, &err), 0);
    memset(&err, 0, sizeof(err));
    assert_int_equal(podman_secret_create(c, "ags-1-x-0", "hunter2", 7, NULL, &err), -EPERM);
    assert_non_null(strstr(err.msg, want));
    podman_client_free(c);
    struct podman_stream stream = {.fd = -1};
    memset(&err, 0, sizeof(err));
    assert_int_equal(podman_hijack(&ep, "/containers/x/attach", "stdin=true", NULL, &stream,
                                   &err), -EPERM);
    assert_non_null(strstr(err.msg, want));
    podman_endpoint_done(&ep);
}

/* Every way ags opens a unix connection (the raw _ping, libcurl's requests, a
 * hijacked attach) refuses a socket served by another uid, before sending a
 * byte: the stranger's log stays empty, and the error names path and uid.
 * Needs root, to be that other uid (unit tests run as root in CI). */
static void test_socket_of_another_user_hears_nothing(void **state)
{
    (void)state;
    if (geteuid() != 0)
        fail_msg("needs root: the fake service must run as another uid (65534)");
    char dir[] = "/tmp/test-podman-stranger.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 01777), 0);
    char *sock = xasprintf("%s/podman.sock", dir);
    char *log = xasprintf("%s/received", dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        stranger_main(sock, log);
    wait_for_socket(sock);
    char *want = xasprintf("refusing to talk to the Podman socket %s: it is served by uid 65534, "
                           "not by you (uid 0) or root", sock);
    char *uri = xasprintf("unix://%s", sock);
    expect_every_connection_refused(uri, want);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status)); /* it was serving, not failed to start */
    struct stat st;
    assert_int_equal(stat(log, &st), 0);
    assert_int_equal(st.st_size, 0);
    unlink(sock);
    unlink(log);
    rmdir(dir);
    free(want);
    free(uri);
    free(log);
    free(sock);
}

/* ---- tcp:// on loopback ---- */

/* A loopback TCP listener (127.0.0.1 or ::1) on an ephemeral port; returns
 * the fd, *port set. */
static int tcp_listen_on(int family, uint16_t *port)
{
    struct sockaddr_storage ss = {.ss_family = (sa_family_t)family};
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (family == AF_INET)
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
        s6->sin6_addr = in6addr_loopback;
    socklen_t len = family == AF_INET ? sizeof(*s4) : sizeof(*s6);
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET ? s4->sin_port : s6->sin6_port);
    return fd;
}

static int tcp_listen(uint16_t *port)
{
    return tcp_listen_on(AF_INET, port);
}

static void tcp_fake_start(struct fake_service *f, const char *reply)
{
    *f = (struct fake_service){.reply = reply};
    f->listen_fd = tcp_listen(&f->port);
    assert_int_equal(pthread_create(&f->thread, NULL, serve, f), 0);
}

static const char json_reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

/* http_proxy, ALL_PROXY and friends never see an API request (secret values
 * are in them): a tcp:// endpoint is talked to directly. */
static void test_tcp_requests_bypass_proxy_env(void **state)
{
    (void)state;
    struct fake_service svc, proxy;
    tcp_fake_start(&svc, json_reply);
    tcp_fake_start(&proxy, json_reply);
    char *purl = xasprintf("http://127.0.0.1:%u", proxy.port);
    const char *vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
        setenv(vars[i], purl, 1);
    unsetenv("no_proxy");
    unsetenv("NO_PROXY");
    char *uri = xasprintf("tcp://127.0.0.1:%u", svc.port);
    struct podman_endpoint ep = {0};
    struct podman_http *h = NULL;
    struct ags_error err = {0};
    assert_int_equal(podman_endpoint_parse(uri, &ep, &err), 0);
    assert_int_equal(podman_http_new(&ep, &h, &err), 0);
    struct podman_req req = {.method = "POST", .path = "/secrets/create", .body = "canary",
                             .body_len = 6, .content_type = "application/octet-stream"};
    struct podman_reply reply = {0};
    assert_int_equal(podman_http_do(h, &req, &reply, &err), 0);
    assert_int_equal(reply.status, 200);
    podman_reply_done(&reply);
    podman_http_free(h);
    podman_endpoint_done(&ep);
    for (size_t i = 0; i < ARRAY_SIZE(vars); i++)
        unsetenv(vars[i]);
    stop_fake(&svc);
    stop_fake(&proxy);
    assert_int_equal(proxy.received, 0);
    assert_true(svc.received > 0);
    free(uri);
    free(purl);
}

/* The child, as uid 65534: listens on 127.0.0.1:port and logs what it hears
 * (like stranger_main: any local user can serve a loopback port); the
 * caller already is uid 65534. */
static _noreturn_ void tcp_stranger_main(int listen_fd, const char *log)
{
    alarm(60);
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL); /* after setuid, which clears it */
    int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (out < 0)
        _exit(91);
    stranger_serve(listen_fd, out);
}

/* A loopback port served by another uid gets nothing from any of the three
 * ways ags connects (raw _ping, libcurl, hijack): the listener's socket is
 * created by the stranger after setuid, so the kernel records its uid. */
static void test_loopback_port_of_another_user_hears_nothing(void **state)
{
    (void)state;
    if (geteuid() != 0)
        fail_msg("needs root: the fake service must run as another uid (65534)");
    char dir[] = "/tmp/test-podman-tcp-stranger.XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 01777), 0);
    char *log = xasprintf("%s/received", dir);
    int sync[2];
    assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(89);
        uint16_t port = 0;
        int fd = tcp_listen(&port);
        if (write(sync[1], &port, sizeof(port)) < 0) { /* best effort */ }
        tcp_stranger_main(fd, log);
    }
    close(sync[1]);
    uint16_t port = 0;
    assert_int_equal(read(sync[0], &port, sizeof(port)), (ssize_t)sizeof(port));
    close(sync[0]);
    char *uri = xasprintf("tcp://127.0.0.1:%u", port);
    char *want = xasprintf("refusing to talk to Podman at %s: port %u is served by uid 65534, "
                           "not by you (uid 0) or root", uri, port);
    expect_every_connection_refused(uri, want);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));
    struct stat st;
    if (stat(log, &st) == 0 && st.st_size > 0)
        fail_msg("the stranger on port %u received %lld bytes", port, (long long)st.st_size);
    unlink(log);
    rmdir(dir);
    free(want);
    free(uri);
    free(log);
}

/* tcp://[::1]:N connects (raw _ping and libcurl), and the peer check finds
 * our own listener in /proc/net/tcp6. */
static void test_ipv6_loopback_endpoint_connects(void **state)
{
    (void)state;
    struct fake_service f = {.reply = stranger_reply};
    f.listen_fd = tcp_listen_on(AF_INET6, &f.port);
    assert_int_equal(pthread_create(&f.thread, NULL, serve, &f), 0);
    char *uri = xasprintf("tcp://[::1]:%u", f.port);
    struct podman_connect_opts o = opts_for_test();
    o.url = uri;
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    if (podman_connect(&o, &c, &err) < 0)
        fail_msg("%s: %s", uri, err.msg);
    assert_string_equal(podman_client_version(c), "4.3.1");
    podman_client_free(c);
    struct podman_endpoint ep = {0};
    struct podman_http *h = NULL;
    assert_int_equal(podman_endpoint_parse(uri, &ep, &err), 0);
    assert_int_equal(podman_http_new(&ep, &h, &err), 0);
    struct podman_req req = {.method = "GET", .path = "/_ping"};
    struct podman_reply reply = {0};
    if (podman_http_do(h, &req, &reply, &err) < 0)
        fail_msg("libcurl to %s: %s", uri, err.msg);
    assert_int_equal(reply.status, 200);
    podman_reply_done(&reply);
    podman_http_free(h);
    podman_endpoint_done(&ep);
    stop_fake(&f);
    free(uri);
}

/* ---- autostart with a fake podman ---- */

/* Records argv, session and stdin, then serves _ping on the unix:// argument. */
static const char fake_podman[] =
        "#!/usr/bin/python3\n"
        "import os, socket, sys\n"
        "d = os.path.dirname(os.path.abspath(__file__))\n"
        "with open(os.path.join(d, 'started'), 'w') as f:\n"
        "    f.write('%s\\n%d\\n%s\\n%s\\n' % (' '.join(sys.argv[1:]), os.getsid(0) == os.getpid(),\n"
        "            os.readlink('/proc/self/fd/0'), os.getpid()))\n"
        "with open(os.path.join(d, 'xdg'), 'w') as f:\n"
        "    f.write(os.environ.get('XDG_RUNTIME_DIR', '(unset)'))\n"
        "print('fake podman says hello')\n"
        "sys.stdout.flush()\n"
        "if os.environ.get('FAKE_PODMAN_FAIL'):\n"
        "    print('Error: cannot start', file=sys.stderr)\n"
        "    sys.exit(3)\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        "s.bind(sys.argv[-1][len('unix://'):])\n"
        "s.listen(8)\n"
        "while True:\n"
        "    c, _ = s.accept()\n"
        "    c.recv(4096)\n"
        "    c.sendall(b'HTTP/1.1 200 OK\\r\\nLibpod-Api-Version: 4.3.1\\r\\n"
        "Content-Length: 2\\r\\n\\r\\nOK')\n"
        "    c.close()\n";

static char *autostart_env(void)
{
    char *bindir = tmp_path("fakebin");
    (void)mkdir(bindir, 0755);
    free(write_tmp("fakebin/podman", fake_podman, 0755));
    char *path = xasprintf("%s:/usr/bin:/bin", bindir);
    env_set("PATH", path);
    env_set("CONTAINER_HOST", "");
    env_set("CONTAINERS_CONF", "/dev/null"); /* no destinations configured */
    free(bindir);
    return path;
}

static void test_autostart_starts_a_private_service(void **state)
{
    (void)state;
    char *path = autostart_env();
    char *rt = tmp_path("rt");
    struct podman_connect_opts o = {.getenv = fake_getenv, .xdg_runtime = rt,
                                    .home = "/nonexistent", .autostart = true,
                                    .idle_seconds = 42};
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    /* root's default socket is /run/podman/podman.sock: it must be silent here */
    struct stat st;
    if (geteuid() == 0 && stat("/run/podman/podman.sock", &st) == 0)
        skip();
    setenv("XDG_RUNTIME_DIR", "/tmp/planted-by-another-user", 1);
    assert_int_equal(podman_connect(&o, &c, &err), 0);
    unsetenv("XDG_RUNTIME_DIR");
    char *uri = xasprintf("unix://%s/ags/podman.sock", rt);
    assert_string_equal(podman_client_uri(c), uri);
    assert_string_equal(podman_client_version(c), "4.3.1");
    podman_client_free(c);
    char *started = NULL;
    size_t len = 0;
    char *rec = tmp_path("fakebin/started");
    assert_int_equal(read_file_bounded(rec, 4096, &started, &len, &err), 0);
    char *want = xasprintf("system service --time=42 %s\n1\n/dev/null\n", uri);
    assert_memory_equal(started, want, strlen(want)); /* then its pid */
    pid_t pid = (pid_t)strtol(started + strlen(want), NULL, 10);
    char *log = xasprintf("%s/ags/podman-service.log", rt);
    char *text = NULL;
    assert_int_equal(read_file_bounded(log, 4096, &text, &len, &err), 0);
    assert_string_equal(text, "fake podman says hello\n");
    assert_int_equal(stat(rt, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    /* Podman places its runRoot by XDG_RUNTIME_DIR: it gets the dir ags checked,
     * never the caller's (here: a dir another user could point anywhere). */
    char *xdg_rec = tmp_path("fakebin/xdg");
    free(text);
    text = NULL;
    assert_int_equal(read_file_bounded(xdg_rec, 4096, &text, &len, &err), 0);
    assert_string_equal(text, rt);
    free(xdg_rec);
    /* a second connect reuses the running service */
    assert_int_equal(unlink(rec), 0);
    assert_int_equal(podman_connect(&o, &c, &err), 0);
    podman_client_free(c);
    assert_int_equal(access(rec, F_OK), -1);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    free(text);
    free(log);
    free(want);
    free(rec);
    free(started);
    free(uri);
    free(rt);
    free(path);
}

static void test_autostart_failures_say_why(void **state)
{
    (void)state;
    struct stat st;
    if (geteuid() == 0 && stat("/run/podman/podman.sock", &st) == 0)
        skip();
    char *path = autostart_env();
    char *rt = tmp_path("rt2");
    struct podman_connect_opts o = {.getenv = fake_getenv, .xdg_runtime = rt,
                                    .home = "/nonexistent", .autostart = true};
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    env_set("FAKE_PODMAN_FAIL", "1");
    setenv("FAKE_PODMAN_FAIL", "1", 1); /* the child gets environ */
    assert_int_equal(podman_connect(&o, &c, &err), -ECHILD);
    assert_non_null(strstr(err.msg, "and starting one failed: `podman system service` exited "
                                    "with status 3: Error: cannot start (log: "));
    unsetenv("FAKE_PODMAN_FAIL");
    /* autostart off: say how to start it */
    o.autostart = false;
    assert_int_equal(podman_connect(&o, &c, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "start it with `systemctl --user enable --now "
                                    "podman.socket`"));
    /* no podman at all: say how to install it */
    env_set("PATH", "/nonexistent");
    assert_int_equal(podman_connect(&o, &c, &err), -ENOENT);
    assert_non_null(strstr(err.msg, "and Podman is not installed: install it (on Debian or "
                                    "Ubuntu: `sudo apt-get install podman`)"));
    /* an explicit URL never falls back */
    o.url = "unix:///nonexistent/podman.sock";
    o.autostart = true;
    assert_int_equal(podman_connect(&o, &c, &err), -ENOENT);
    assert_string_equal(err.msg, "no Podman service at unix:///nonexistent/podman.sock (the "
                                 "socket does not exist)");
    free(rt);
    free(path);
}

/* The service ags starts lives in the runtime dir: one that others may
 * write to is refused, and nothing is started there. */
static void test_autostart_refuses_a_runtime_dir_others_can_write(void **state)
{
    (void)state;
    struct stat st;
    if (geteuid() == 0 && stat("/run/podman/podman.sock", &st) == 0)
        fail_msg("root's default socket /run/podman/podman.sock exists: this test needs it absent");
    char *path = autostart_env();
    char *rt = tmp_path("rt-shared");
    assert_int_equal(mkdir(rt, 0700), 0);
    assert_int_equal(chmod(rt, 0777), 0);
    struct podman_connect_opts o = {.getenv = fake_getenv, .xdg_runtime = rt,
                                    .home = "/nonexistent", .autostart = true};
    struct podman_client *c = NULL;
    struct ags_error err = {0};
    char *rec = tmp_path("fakebin/started");
    (void)unlink(rec);
    assert_int_equal(podman_connect(&o, &c, &err), -EPERM);
    assert_non_null(strstr(err.msg, "is not private to you"));
    assert_non_null(strstr(err.msg, rt));
    assert_int_equal(access(rec, F_OK), -1); /* the fake podman never ran */
    char *agsdir = xasprintf("%s/ags", rt);
    assert_int_equal(access(agsdir, F_OK), -1);
    free(agsdir);
    free(rec);
    free(rt);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_precedence_url_env_conf_default, reset_env),
            cmocka_unit_test_setup(test_active_service_and_destinations, reset_env),
            cmocka_unit_test_setup(test_resolution_errors, reset_env),
            cmocka_unit_test_setup(test_connection_precedence_flag_env_config_active, reset_env),
            cmocka_unit_test_setup(test_unknown_connection_lists_names_and_files, reset_env),
            cmocka_unit_test_setup(test_default_origin_and_symlinked_conf, reset_env),
            cmocka_unit_test_setup(test_conf_file_list, reset_env),
            cmocka_unit_test_setup(test_runtime_dir_fallbacks, reset_env),
            cmocka_unit_test_setup(test_runtime_dir_skips_dirs_others_control, reset_env),
            cmocka_unit_test(test_peer_must_be_us_or_root),
            cmocka_unit_test(test_network_endpoints_are_told_from_loopback),
            cmocka_unit_test(test_bracketed_ipv6_host_is_bare),
            cmocka_unit_test(test_version_check),
            cmocka_unit_test_setup(test_find_binary_on_path, reset_env),
            cmocka_unit_test_setup(test_connect_reads_the_version_header, reset_env),
            cmocka_unit_test_setup(test_connect_refuses_old_and_foreign_services, reset_env),
            cmocka_unit_test(test_stalled_absent_and_stale_sockets),
            cmocka_unit_test_setup(test_connect_asks_version_over_checked_connection, reset_env),
            cmocka_unit_test_setup(test_socket_of_another_user_hears_nothing, reset_env),
            cmocka_unit_test(test_tcp_requests_bypass_proxy_env),
            cmocka_unit_test(test_ipv6_loopback_endpoint_connects),
            cmocka_unit_test_setup(test_loopback_port_of_another_user_hears_nothing, reset_env),
            cmocka_unit_test(test_get_archive_streams_the_body_bounded),
            cmocka_unit_test_setup(test_autostart_starts_a_private_service, reset_env),
            cmocka_unit_test_setup(test_autostart_failures_say_why, reset_env),
            cmocka_unit_test_setup(test_autostart_refuses_a_runtime_dir_others_can_write,
                                   reset_env),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
