/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Podman backend's mapping of a launch plan (backend/podman-spec.c): the
 * plan states intent and backend_spec_from_plan turns it into SpecGenerator
 * fields for the engine it was told about.  Plans come from plan_build with a
 * small config (or are adjusted by hand where the builder has no such case);
 * one case also goes through the podman layer's JSON renderer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/podman.h"
#include "base/limits.h"
#include "config/config.h"
#include "plan/plan.h"

#include "backend-fixture.h"

static const char toml[] = "[sandbox]\n"
                           "image = \"img:1\"\n"
                           "pids_limit = 321\n"
                           "[[mount]]\n"
                           "host = \"/data/ro\"\ncontainer = \"/data\"\nmode = \"ro\"\n"
                           "[[mount]]\n"
                           "host = \"/data/rw\"\ncontainer = \"/out\"\nmode = \"rw\"\n";

static const struct backend_engine podman4_slirp = {.major = 4, .slirp4netns = true};
/* What run/host.c gives for the egress proxy's socket (an allowlist plan mounts it). */
#define EGRESS_SOCK "/run/user/1234/ags/ags-egress-s123/egress.sock"

struct fx {
    struct ags_config *cfg;
    struct plan_input in;
    struct ags_plan *p;
    struct backend_spec s;
};

static void fx_init(struct fx *f)
{
    *f = (struct fx){0};
    struct cfg_diag diag = {0};
    int r = config_load_buffer(&cfg_host, toml, strlen(toml), "/etc/ags.toml", false, &f->cfg,
                               &diag);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("config error: %s\n", diag.errors[i]);
    cfg_diag_done(&diag);
    assert_int_equal(r, 0);
    f->in = (struct plan_input){
        .cfg = f->cfg,
        .agent = PLAN_AGENT_SHELL,
        .host = {
            .cwd = "/work/repo", .uid = 1234, .gid = 4321, .pid = 4242,
            .session_id = "s123", .name_rand = 0xbeef,
            .lockdown_staging_dir = "/tmp/ags-lockdown-x",
            .path_exists = fake_exists,
            .egress_sock = EGRESS_SOCK, .helper_path = "/usr/lib/ags/ags-helper",
        },
    };
}

/* Builds the plan from f->in and maps it for engine. */
static void fx_map(struct fx *f, const struct backend_engine *engine, bool tty)
{
    backend_spec_done(&f->s);
    plan_free(f->p);
    f->p = NULL;
    struct ags_error err = {0};
    int r = plan_build(&f->in, &f->p, &err);
    if (r < 0)
        print_message("plan error: %s\n", err.msg);
    assert_int_equal(r, 0);
    backend_spec_from_plan(f->p, engine, tty, true, host_env, &f->s);
}

static void fx_done(struct fx *f)
{
    backend_spec_done(&f->s);
    plan_free(f->p);
    config_free(f->cfg);
}

static size_t strv_count(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static const struct podman_mount *mount_at(const struct backend_spec *s, const char *dest)
{
    for (size_t i = 0; i < s->spec.n_mounts; i++)
        if (strcmp(s->spec.mounts[i].destination, dest) == 0)
            return &s->spec.mounts[i];
    fail_abort("no mount at %s", dest);
}

static const char *env_value(const struct backend_spec *s, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; s->spec.env[i]; i++)
        if (strncmp(s->spec.env[i], name, n) == 0 && s->spec.env[i][n] == '=')
            return s->spec.env[i] + n + 1;
    return NULL;
}

/* ---- identity ---- */

static void test_default_maps_the_caller_onto_dev_with_keep_id_and_no_user(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(f.s.spec.userns, "keep-id:uid=1000,gid=1000");
    assert_null(f.s.spec.user);
    fx_done(&f);
}

static void test_root_runs_as_root_without_a_user_namespace_and_without_hardening(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.in.flags.root = true;
    fx_map(&f, &podman4_slirp, false);
    assert_null(f.s.spec.userns);
    assert_string_equal(f.s.spec.user, "root");
    assert_false(f.s.spec.no_new_privileges);
    assert_false(f.s.spec.cap_drop_all);
    assert_true(f.s.spec.selinux_disable);
    fx_done(&f);
}

/* ---- network ---- */

static void test_network_podman4_with_slirp4netns_closes_host_loopback(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(f.s.spec.netns, "slirp4netns");
    assert_int_equal(strv_count(f.s.spec.network_options), 1);
    assert_string_equal(f.s.spec.network_options[0], "allow_host_loopback=false");
    assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
    /* An unknown version (0) is taken as an old one. */
    fx_map(&f, &(struct backend_engine){.major = 0, .slirp4netns = true}, false);
    assert_string_equal(f.s.spec.netns, "slirp4netns");
    assert_string_equal(f.s.spec.network_options[0], "allow_host_loopback=false");
    fx_done(&f);
}

static void test_network_podman4_without_slirp4netns_is_pasta_without_options(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &(struct backend_engine){.major = 4, .slirp4netns = false}, false);
    assert_string_equal(f.s.spec.netns, "pasta");
    assert_int_equal(strv_count(f.s.spec.network_options), 0);
    fx_done(&f);
}

static void test_network_podman6_is_pasta_even_with_slirp4netns_installed(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &(struct backend_engine){.major = 6, .slirp4netns = true}, false);
    assert_string_equal(f.s.spec.netns, "pasta");
    assert_int_equal(strv_count(f.s.spec.network_options), 0);
    fx_done(&f);
}

/* [network] host_loopback = true: slirp4netns lets 10.0.2.2 reach the host's
 * 127.0.0.1 and the agent is told that address. */
static void test_network_host_loopback_opens_slirp4netns_and_names_10_0_2_2(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.cfg->network.host_loopback.v = true;
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(f.s.spec.netns, "slirp4netns");
    assert_int_equal(strv_count(f.s.spec.network_options), 1);
    assert_string_equal(f.s.spec.network_options[0], "allow_host_loopback=true");
    assert_string_equal(env_value(&f.s, "AGS_HOST_LOOPBACK"), "10.0.2.2");
    /* Lockdown keeps it closed whatever the config says: no network but
     * the egress proxy's socket (its allowlist), nor with --network open. */
    f.in.flags.lockdown = true;
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(f.s.spec.netns, "none");
    assert_int_equal(strv_count(f.s.spec.network_options), 0);
    assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
    f.cfg->network.lockdown_may_open.v = true;
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_OPEN;
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(f.s.spec.netns, "slirp4netns");
    assert_string_equal(f.s.spec.network_options[0], "allow_host_loopback=false");
    assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
    fx_done(&f);
}

/* allowlist and none: no route out at all, on every engine (allowlist's
 * only way out is the egress socket, a bind mount like any other). */
static void test_network_allowlist_and_none_have_no_network_namespace_route(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.cfg->network.host_loopback.v = true; /* ignored outside open */
    f.in.flags.network_set = true;
    struct backend_engine e5 = {.major = 5, .slirp4netns = false, .gateway = "192.168.0.1"};
    const struct backend_engine *engines[] = {&podman4_slirp, &e5};
    for (size_t m = 0; m < 2; m++) {
        f.in.flags.network = m ? PLAN_NETWORK_NONE : PLAN_NETWORK_ALLOWLIST;
        for (size_t i = 0; i < 2; i++) {
            fx_map(&f, engines[i], false);
            assert_string_equal(f.s.spec.netns, "none");
            assert_int_equal(strv_count(f.s.spec.network_options), 0);
            assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
        }
    }
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    fx_map(&f, &podman4_slirp, false);
    const struct podman_mount *sock = mount_at(&f.s, PLAN_EGRESS_SOCK);
    assert_non_null(sock);
    assert_string_equal(sock->type, "bind");
    assert_string_equal(sock->source, EGRESS_SOCK);
    assert_string_equal(env_value(&f.s, "HTTPS_PROXY"), "http://127.0.0.1:3128");
    fx_done(&f);
}

/* pasta: Podman's own --map-gw (it drops its default --no-map-gw), and the
 * host's gateway, which pasta copies into the sandbox, is the address; when
 * it is unknown the agent is not told a wrong one. */
static void test_network_host_loopback_on_pasta_maps_the_gateway(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.cfg->network.host_loopback.v = true;
    struct backend_engine e = {.major = 5, .slirp4netns = false, .gateway = "192.168.0.1"};
    fx_map(&f, &e, false);
    assert_string_equal(f.s.spec.netns, "pasta");
    assert_int_equal(strv_count(f.s.spec.network_options), 1);
    assert_string_equal(f.s.spec.network_options[0], "--map-gw");
    assert_string_equal(env_value(&f.s, "AGS_HOST_LOOPBACK"), "192.168.0.1");
    e.gateway[0] = '\0';
    fx_map(&f, &e, false);
    assert_string_equal(f.s.spec.network_options[0], "--map-gw");
    assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
    /* Closed: no option, no variable, even with a gateway known. */
    f.cfg->network.host_loopback.v = false;
    struct backend_engine e6 = {.major = 6, .slirp4netns = true, .gateway = "10.1.1.1"};
    fx_map(&f, &e6, false);
    assert_int_equal(strv_count(f.s.spec.network_options), 0);
    assert_null(env_value(&f.s, "AGS_HOST_LOOPBACK"));
    fx_done(&f);
}

/* ---- mounts ---- */

static void test_binds_keep_their_mode_and_volumes_go_by_name(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &podman4_slirp, false);
    const struct podman_mount *work = mount_at(&f.s, "/work/repo");
    assert_string_equal(work->type, "bind");
    assert_string_equal(work->source, "/work/repo");
    assert_string_equal(work->options[0], "rw");
    assert_null(work->options[1]);
    const struct podman_mount *ro = mount_at(&f.s, "/data");
    assert_string_equal(ro->source, "/data/ro");
    assert_string_equal(ro->options[0], "ro");
    assert_null(ro->options[1]);
    assert_string_equal(must_get(mount_at(&f.s, "/out"))->options[0], "rw");
    /* Every plan mount lands once: binds as mounts, volumes as named volumes. */
    size_t binds = 0, volumes = 0;
    for (size_t i = 0; i < f.p->n_mounts; i++) {
        const struct plan_mount *m = &f.p->mounts[i];
        if (m->type == PLAN_MOUNT_BIND) {
            assert_string_equal(f.s.spec.mounts[binds].source, m->source);
            assert_string_equal(f.s.spec.mounts[binds++].destination, m->destination);
            continue;
        }
        const struct podman_volume_mount *v = &f.s.spec.volumes[volumes++];
        assert_string_equal(v->name, m->source);
        assert_string_equal(v->destination, m->destination);
        assert_int_equal(v->read_only, m->read_only);
    }
    assert_true(volumes > 0);
    assert_int_equal(f.s.spec.n_volumes, volumes);
    assert_int_equal(f.s.spec.n_mounts, binds);
    fx_done(&f);
}

static void test_lockdown_tmpfs_become_podman_mount_options_with_size_suffixes(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.in.flags.lockdown = true;
    fx_map(&f, &podman4_slirp, false);
    const struct podman_mount *tmp = mount_at(&f.s, "/tmp");
    assert_string_equal(tmp->type, "tmpfs");
    assert_string_equal(tmp->source, "tmpfs");
    static const char *const tmp_opts[] = {"rw", "nosuid", "nodev", "size=1g"};
    assert_int_equal(strv_count(tmp->options), 4);
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(tmp->options[i], tmp_opts[i]);
    static const char *const vartmp_opts[] = {"rw", "nosuid", "nodev", "noexec", "size=256m"};
    const struct podman_mount *vartmp = mount_at(&f.s, "/var/tmp");
    assert_int_equal(strv_count(vartmp->options), 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(vartmp->options[i], vartmp_opts[i]);
    assert_string_equal(must_get(mount_at(&f.s, "/run"))->options[4], "size=64m");
    /* Sizes that are no whole MiB keep the largest suffix that divides them. */
    f.p->tmpfs[0].size = 3 * 1024;
    f.p->tmpfs[1].size = 1000;
    f.p->tmpfs[2].size = 5 * PLAN_GIB + PLAN_MIB;
    backend_spec_done(&f.s);
    backend_spec_from_plan(f.p, &podman4_slirp, false, true, host_env, &f.s);
    assert_string_equal(must_get(mount_at(&f.s, "/tmp"))->options[3], "size=3k");
    assert_string_equal(must_get(mount_at(&f.s, "/var/tmp"))->options[4], "size=1000");
    assert_string_equal(must_get(mount_at(&f.s, "/run"))->options[4], "size=5121m");
    fx_done(&f);
}

/* ---- env, labels, entrypoint, security ---- */

static void test_env_values_and_host_passthrough_only_when_set_on_the_host(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &podman4_slirp, false);
    assert_string_equal(env_value(&f.s, "HOME"), "/home/dev");
    assert_string_equal(env_value(&f.s, "AGS_SANDBOX"), "1");
    assert_string_equal(env_value(&f.s, "TERM"), "xterm-256color");
    assert_null(env_value(&f.s, "COLORTERM"));
    assert_null(env_value(&f.s, "EDITOR"));
    /* Every plan entry with a value is there, in order, once. */
    size_t with_value = 0;
    for (size_t i = 0; i < f.p->n_env; i++)
        with_value += f.p->env[i].value != NULL;
    assert_int_equal(strv_count(f.s.spec.env), with_value + 1 /* TERM */);
    fx_done(&f);
}

static void test_labels_entrypoint_security_and_pids_limit_come_from_the_plan(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    fx_map(&f, &podman4_slirp, true);
    assert_string_equal(f.s.spec.image, "img:1");
    assert_string_equal(f.s.spec.name, f.p->name.v);
    assert_string_equal(f.s.spec.work_dir, "/work/repo");
    assert_true(f.s.spec.terminal);
    assert_true(f.s.spec.stdin_open);
    assert_int_equal(f.s.spec.stop_timeout, 10);
    assert_int_equal(strv_count(f.s.spec.labels), f.p->n_labels);
    assert_string_equal(f.s.spec.labels[0], "ags.managed=true");
    assert_string_equal(f.s.spec.labels[1], "ags.session=s123");
    assert_string_equal(f.s.spec.labels[2], "ags.agent=shell");
    assert_int_equal(strv_count(f.s.spec.entrypoint), f.p->argc);
    assert_string_equal(f.s.spec.entrypoint[0], "/bin/bash");
    assert_string_equal(f.s.spec.entrypoint[1], "-c");
    assert_true(f.s.spec.no_new_privileges);
    assert_true(f.s.spec.no_log); /* nothing the agent prints outlives the sandbox */
    assert_true(f.s.spec.cap_drop_all);
    assert_true(f.s.spec.selinux_disable);
    assert_int_equal(f.s.spec.pids_limit, 321);
    fx_done(&f);
}

/* ---- through the podman layer's renderer ---- */

static json_t *get_path(json_t *v, const char *const *keys)
{
    for (size_t i = 0; keys[i] && v; i++)
        v = json_is_array(v) ? json_array_get(v, (size_t)(keys[i][0] - '0'))
                             : json_object_get(v, keys[i]);
    return v;
}

#define STR_AT(root, ...) json_string_value(get_path(root, (const char *const[]){__VA_ARGS__, NULL}))

static void test_mapped_lockdown_spec_renders_as_libpod_json(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f);
    f.in.flags.lockdown = true;
    fx_map(&f, &podman4_slirp, false);
    char *text = podman_spec_to_json(&f.s.spec);
    assert_non_null(text);
    json_error_t jerr;
    json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    free(text);
    assert_non_null(o);
    assert_string_equal(STR_AT(o, "userns", "nsmode"), "keep-id");
    assert_string_equal(STR_AT(o, "userns", "value"), "uid=1000,gid=1000");
    assert_string_equal(STR_AT(o, "netns", "nsmode"), "none"); /* lockdown's allowlist */
    assert_null(json_object_get(o, "network_options"));
    json_t *mounts = json_object_get(o, "mounts");
    json_t *tmp = NULL;
    for (size_t i = 0; i < json_array_size(mounts); i++)
        if (strcmp(STR_AT(json_array_get(mounts, i), "destination"), "/tmp") == 0)
            tmp = json_array_get(mounts, i);
    assert_non_null(tmp);
    assert_string_equal(STR_AT(tmp, "type"), "tmpfs");
    assert_string_equal(STR_AT(tmp, "options", "3"), "size=1g");
    assert_string_equal(STR_AT(o, "env", "AGS_LOCKDOWN"), "1");
    json_decref(o);
    fx_done(&f);
}

static void test_a_helper_has_no_network_no_caps_the_sandbox_mapping_and_a_time_limit(void **state)
{
    (void)state;
    char ws[] = "ags-ws-0123456789abcdef", wd[] = "/home/u/w";
    char base[] = "ags-ws-0123456789abcdef-base", bd[] = "/ags-export-base";
    const struct plan_mount vols[] = {
            {.type = PLAN_MOUNT_VOLUME, .source = ws, .destination = wd, .read_only = true},
            {.type = PLAN_MOUNT_VOLUME, .source = base, .destination = bd},
    };
    const char *const labels[] = {"ags.managed=true", NULL};
    const char *const argv[] = {"/bin/sh", "-c", "true", NULL};
    const struct backend_helper h = {.image = "img", .volumes = vols, .n_volumes = 2,
                                     .labels = labels, .uid = 1000, .gid = 1000};
    struct backend_spec s;
    backend_spec_from_helper(&h, argv, &s);
    assert_string_equal(s.spec.image, "img");
    assert_ptr_equal(s.spec.entrypoint, argv);
    assert_ptr_equal(s.spec.labels, labels);
    assert_string_equal(s.spec.netns, "none");
    assert_true(s.spec.cap_drop_all);
    assert_true(s.spec.no_new_privileges);
    assert_true(s.spec.no_log);
    assert_false(s.spec.terminal);
    assert_false(s.spec.stdin_open);
    assert_string_equal(s.spec.userns, "keep-id:uid=1000,gid=1000");
    assert_int_equal(s.spec.n_mounts, 0);
    assert_int_equal(s.spec.n_volumes, 2);
    assert_string_equal(s.spec.volumes[0].name, ws);
    assert_string_equal(s.spec.volumes[0].destination, wd);
    assert_true(s.spec.volumes[0].read_only);
    assert_false(s.spec.volumes[1].read_only);
    assert_int_equal(s.spec.timeout, AGS_HELPER_TIMEOUT_S);
    backend_spec_done(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_maps_the_caller_onto_dev_with_keep_id_and_no_user),
        cmocka_unit_test(test_root_runs_as_root_without_a_user_namespace_and_without_hardening),
        cmocka_unit_test(test_network_podman4_with_slirp4netns_closes_host_loopback),
        cmocka_unit_test(test_network_podman4_without_slirp4netns_is_pasta_without_options),
        cmocka_unit_test(test_network_podman6_is_pasta_even_with_slirp4netns_installed),
        cmocka_unit_test(test_network_host_loopback_opens_slirp4netns_and_names_10_0_2_2),
        cmocka_unit_test(test_network_host_loopback_on_pasta_maps_the_gateway),
        cmocka_unit_test(test_network_allowlist_and_none_have_no_network_namespace_route),
        cmocka_unit_test(test_binds_keep_their_mode_and_volumes_go_by_name),
        cmocka_unit_test(test_lockdown_tmpfs_become_podman_mount_options_with_size_suffixes),
        cmocka_unit_test(test_env_values_and_host_passthrough_only_when_set_on_the_host),
        cmocka_unit_test(test_labels_entrypoint_security_and_pids_limit_come_from_the_plan),
        cmocka_unit_test(test_mapped_lockdown_spec_renders_as_libpod_json),
        cmocka_unit_test(test_a_helper_has_no_network_no_caps_the_sandbox_mapping_and_a_time_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
