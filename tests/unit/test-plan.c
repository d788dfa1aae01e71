/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launch plan rules (docs/run-mode.md), pinned with fake host facts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "config/config.h"
#include "plan/plan.h"
#include "proxy/proto.h"

/* What the run's host side would pass (run/host.c). */
#define PROXY_SOCK "/run/user/1000/ags/ags-proxy-s123/auth-proxy.sock"
#define HELPER     "/usr/lib/ags/ags-helper"
#define EGRESS_SOCK "/run/user/1000/ags/ags-egress-s123/egress.sock"

static const char *fake_env(const char *name)
{
    return strcmp(name, "HOME") == 0 ? "/home/u" : NULL;
}

static const struct cfg_host cfg_host = {.home = "/home/u", .cwd = "/work/repo", .getenv = fake_env};

/* Paths the fake filesystem holds; a trailing '/' marks a directory. */
static const char *const *fake_fs;

static bool fake_exists(const char *path, bool *is_dir)
{
    size_t n = strlen(path);
    for (size_t i = 0; fake_fs && fake_fs[i]; i++) {
        const char *e = fake_fs[i];
        size_t m = strlen(e);
        bool dir = m > 0 && e[m - 1] == '/';
        if ((dir ? m - 1 : m) == n && strncmp(e, path, n) == 0) {
            *is_dir = dir;
            return true;
        }
    }
    return false;
}

/* Line numbers matter: origins are asserted. */
static const char base_toml[] = "[sandbox]\n"                                      /* 1 */
                                "image = \"img:1\"\n"                              /* 2 */
                                "gitconfig_path = \"/home/u/gitconfig\"\n"         /* 3 */
                                "passthrough_env = [\"OPENAI_API_KEY\", \"OP_SESSION\", \"GH_TOKEN\"]\n"
                                "container_boot_dirs = [\"/home/dev/.ssh\", \"/home/dev/my dir\"]\n"
                                "pids_limit = 512\n"                               /* 6 */
                                "[[mount]]\n"                                      /* 7 */
                                "host = \"/data/ro\"\ncontainer = \"/data\"\nmode = \"ro\"\n"
                                "[[mount]]\n"                                      /* 11 */
                                "host = \"/data/browser\"\ncontainer = \"/browser\"\nmode = \"rw\"\n"
                                "when = \"browser\"\n"
                                "[[mount]]\n"                                      /* 16 */
                                "host = \"/data/new\"\ncontainer = \"/new\"\nmode = \"rw\"\n"
                                "create = true\n"
                                "[[mount]]\n"                                      /* 21 */
                                "host = \"/data/maybe\"\ncontainer = \"/maybe\"\nmode = \"ro\"\n"
                                "optional = true\n"
                                "[[agent_mount]]\n"                                /* 26 */
                                "host = \"/home/u/.pi\"\ncontainer = \"/home/dev/.pi\"\n"
                                "[[agent_mount]]\n"                                /* 29 */
                                "host = \"/home/u/.claude\"\ncontainer = \"/home/dev/.claude\"\n"
                                "[[agent_mount]]\n"                                /* 32 */
                                "host = \"/home/u/.claude.json\"\n"
                                "container = \"/home/dev/.claude.json\"\nkind = \"file\"\n"
                                "[[secret]]\n"                                     /* 36 */
                                "env = \"GH_TOKEN\"\nfrom_env = \"HOST_GH\"\n";

static const char *const default_fs[] = {
    "/work/repo/", "/home/u/gitconfig", "/data/ro/", "/data/browser/", "/home/u/.pi/",
    "/home/u/.claude/", "/home/u/.claude.json", "/extra/", "/extra/two/", "/a-file",
    "/home/u/.ssh/ags-agent-auth.pub", NULL,
};

struct fx {
    struct ags_config *cfg;
    struct plan_input in;
    struct ags_plan *p;
    struct ags_error err;
    int r;
};

static struct ags_config *load_cfg(const char *toml)
{
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    int r = config_load_buffer(&cfg_host, toml, strlen(toml), "/etc/ags.toml", false, &cfg, &diag);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("config error: %s\n", diag.errors[i]);
    cfg_diag_done(&diag);
    assert_int_equal(r, 0);
    return cfg;
}

static const struct plan_own_dir own_dirs[] = {
    {"config", "/home/u/.config/ags", false, false},
    {"cache", "/home/u/.cache/ags", false, false},
    {"temporary (lockdown staging)", "/tmp", true, false},
};

static void fx_init(struct fx *f, const char *toml, enum plan_agent agent)
{
    *f = (struct fx){0};
    f->cfg = load_cfg(toml);
    fake_fs = default_fs;
    f->in = (struct plan_input){
        .cfg = f->cfg,
        .agent = agent,
        .host = {
            .cwd = "/work/repo", .uid = 1000, .gid = 1000, .pid = 4242,
            .session_id = "s123", .name_rand = 0xbeef,
            .git_dir = "/work/repo/.git", .git_common_dir = "/work/repo/.git",
            .lockdown_staging_dir = "/tmp/ags-lockdown-x",
            .home = "/home/u", .own_dirs = own_dirs, .n_own_dirs = 3,
            .path_exists = fake_exists,
            /* As run/host.c gives them: the plan uses them in allowlist mode. */
            .egress_sock = EGRESS_SOCK, .helper_path = HELPER,
        },
    };
}

static void fx_build(struct fx *f)
{
    plan_free(f->p);
    f->p = NULL;
    f->r = plan_build(&f->in, &f->p, &f->err);
    if (f->r < 0)
        print_message("plan error: %s\n", f->err.msg);
}

static void fx_ok(struct fx *f)
{
    fx_build(f);
    assert_int_equal(f->r, 0);
    assert_non_null(f->p);
}

static void fx_done(struct fx *f)
{
    plan_free(f->p);
    config_free(f->cfg);
}

static const struct plan_mount *find_mount(const struct ags_plan *p, const char *dest)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (strcmp(p->mounts[i].destination, dest) == 0)
            return &p->mounts[i];
    return NULL;
}

static long mount_index(const struct ags_plan *p, const char *dest)
{
    const struct plan_mount *m = find_mount(p, dest);
    return m ? (long)(m - p->mounts) : -1;
}

static const struct plan_env *find_env(const struct ags_plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_env; i++)
        if (strcmp(p->env[i].name, name) == 0)
            return &p->env[i];
    return NULL;
}

/* The mount at dest, which the test expects: a missing one fails it. */
static const struct plan_mount *mount_at(const struct ags_plan *p, const char *dest)
{
    const struct plan_mount *m = find_mount(p, dest);
    if (!m)
        fail_abort("no mount at %s", dest);
    return m;
}

/* The variable name, which the test expects: a missing one fails it. */
static const struct plan_env *env_of(const struct ags_plan *p, const char *name)
{
    const struct plan_env *e = find_env(p, name);
    if (!e)
        fail_abort("no variable %s", name);
    return e;
}

static const char *env_value(const struct ags_plan *p, const char *name)
{
    const struct plan_env *e = find_env(p, name);
    return e ? e->value : NULL;
}

static bool has_note(const struct ags_plan *p, const char *needle)
{
    for (size_t i = 0; i < p->n_notes; i++)
        if (strstr(p->notes[i], needle))
            return true;
    return false;
}

static const char *script(const struct ags_plan *p)
{
    assert_true(p->argc >= 4);
    assert_string_equal(p->argv[0], "/bin/bash");
    assert_string_equal(p->argv[1], "-c");
    assert_string_equal(p->argv[3], "_");
    return p->argv[2];
}

static char *quoted(const char *s)
{
    struct strbuf sb;
    strbuf_init(&sb, 4096);
    assert_int_equal(plan_shell_quote(&sb, s), 0);
    return strbuf_steal(&sb);
}

#define assert_quote(in, out)            \
    do {                                 \
        char *q_ = quoted(in);           \
        assert_string_equal(q_, out);    \
        free(q_);                        \
    } while (0)

#define assert_contains(hay, needle)                                          \
    do {                                                                      \
        if (!strstr((hay), (needle)))                                         \
            fail_msg("'%s' not in:\n%s", (needle), (hay));                    \
    } while (0)

#define assert_lacks(hay, needle)                                             \
    do {                                                                      \
        if (strstr((hay), (needle)))                                          \
            fail_msg("'%s' unexpectedly in:\n%s", (needle), (hay));           \
    } while (0)


/* Every entrypoint script starts on the system directories alone. */
#define PLAN_PATH_TEXT                                                                    \
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/local/cargo/bin:"  \
    "/home/dev/.local/bin:/home/dev/.cargo/bin:/home/dev/go/bin:/usr/local/pnpm:"         \
    "/usr/local/pnpm/bin:/home/dev/.npm-global/bin"
#define LOGIN_LOOP                                                                         \
    "do if [ -f \"$ags_f\" ] || [ \"$ags_f\" = /home/dev/.profile ]; then printf '%s\\n' " \
    "\"$ags_login\" 2>/dev/null >> \"$ags_f\"; fi; done; unset ags_f ags_login; "
/* Login shells of the run (bash -lc, a tmux window) end their login files on
 * the plan's PATH: one line appended to each of the container's own. */
#define LOGIN                                                                              \
    "ags_login='PATH='\\''" PLAN_PATH_TEXT "'\\''; export PATH'; for ags_f in "            \
    "/home/dev/.bash_profile /home/dev/.bash_login /home/dev/.profile; " LOGIN_LOOP
#define SYS_PATH "ags_path=$PATH; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; "
#define SYS SYS_PATH LOGIN
/* An allowlist run starts its forwarder first (and stops when it does not). */
#define FORWARDER                                                                          \
    "/opt/ags/bin/ags-helper forward 127.0.0.1:3128 /run/ags-egress/egress.sock || "      \
    "{ echo 'ags: the network forwarder did not start' >&2; exit 125; }; "
#define SYS_ALLOWLIST SYS_PATH FORWARDER LOGIN

/* ---- mounts (section 2.7) ---- */

static void test_mount_order_workdir_gitconfig_volumes_gitdirs_config_adddir_ssh_proxy(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    const char *add[] = {"/extra"};
    f.in.host.cwd = "/work/repo/sub";
    f.in.flags.add_dirs = add;
    f.in.flags.n_add_dirs = 1;
    f.in.host.ssh_auth_sock = "/home/u/.cache/ags/ssh-agent.sock";
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    f.in.host.helper_path = HELPER;
    fx_ok(&f);
    static const char *const want[] = {
        "/work/repo/sub", "/home/dev/.config/ags/gitconfig", "/usr/local/pnpm", "/home/dev/.cargo",
        "/home/dev/go", "/home/dev/.cache/go-build", "/home/dev/.cache/sccache",
        "/home/dev/.npm-global", "/work/repo/.git", "/data", "/new", "/home/dev/.pi",
        "/extra", "/ssh-agent",
        "/run/ags-auth-proxy/auth-proxy.sock", "/opt/ags/bin/ags-helper", "/opt/ags/bin/xdg-open",
        "/home/dev/.ssh/ags-agent-auth.pub",
    };
    assert_int_equal(f.p->n_mounts, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f.p->n_mounts; i++)
        assert_string_equal(f.p->mounts[i].destination, want[i]);
    assert_int_equal(f.p->n_tmpfs, 0);
    fx_done(&f);
}

static void test_workdir_is_first_rw_same_path_and_the_work_dir(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    const struct plan_mount *m = &f.p->mounts[0];
    assert_int_equal(m->type, PLAN_MOUNT_BIND);
    assert_string_equal(m->source, "/work/repo");
    assert_string_equal(m->destination, "/work/repo");
    assert_false(m->read_only);
    assert_string_equal(m->origin, "workdir");
    assert_string_equal(f.p->work_dir.v, "/work/repo");
    fx_done(&f);
}

static void test_gitconfig_mounted_ro_with_env_and_missing_gitconfig_leaves_no_env(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    const struct plan_mount *m = mount_at(f.p, "/home/dev/.config/ags/gitconfig");
    assert_non_null(m);
    assert_true(m->read_only);
    assert_string_equal(m->source, "/home/u/gitconfig");
    assert_string_equal(m->origin, "gitconfig (config /etc/ags.toml:3)");
    assert_string_equal(env_value(f.p, "GIT_CONFIG_GLOBAL"), "/home/dev/.config/ags/gitconfig");
    static const char *const no_gitconfig[] = {"/data/ro/", "/home/u/.pi/", "/home/u/.claude/",
                                               "/home/u/.claude.json", NULL};
    fake_fs = no_gitconfig;
    fx_ok(&f);
    assert_null(find_mount(f.p, "/home/dev/.config/ags/gitconfig"));
    assert_null(find_env(f.p, "GIT_CONFIG_GLOBAL"));
    assert_true(has_note(f.p, "gitconfig /home/u/gitconfig does not exist"));
    fx_done(&f);
}

static void test_runtime_volumes_and_build_caches_are_per_agent_with_labels(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CODEX);
    fx_ok(&f);
    const struct plan_mount *pnpm = mount_at(f.p, "/usr/local/pnpm");
    assert_int_equal(pnpm->type, PLAN_MOUNT_VOLUME);
    assert_string_equal(pnpm->source, "ags-codex-pnpm-home");
    assert_false(pnpm->read_only);
    assert_string_equal(pnpm->labels[0], "ags.managed=true");
    assert_string_equal(pnpm->labels[1], "ags.agent=codex");
    assert_string_equal(pnpm->labels[2], "ags.volume=pnpm-home");
    assert_null(pnpm->labels[3]);
    assert_string_equal(mount_at(f.p, "/home/dev/.npm-global")->source, "ags-codex-npm-global");
    const struct plan_mount *cargo = mount_at(f.p, "/home/dev/.cargo");
    assert_string_equal(cargo->source, "ags-codex-cargo");
    assert_string_equal(cargo->labels[1], "ags.agent=codex");
    assert_string_equal(cargo->labels[2], "ags.volume=cargo");
    assert_string_equal(cargo->origin, "agent cache");
    assert_string_equal(mount_at(f.p, "/home/dev/go")->source, "ags-codex-go");
    assert_string_equal(mount_at(f.p, "/home/dev/.cache/go-build")->source, "ags-codex-go-build");
    assert_string_equal(mount_at(f.p, "/home/dev/.cache/sccache")->source, "ags-codex-sccache");
    assert_null(find_mount(f.p, "/opt/claude-home"));
    assert_null(find_mount(f.p, "/home/dev/.config/ags/hooks"));
    fx_done(&f);
}

static void test_claude_gets_install_volume_and_guard_hooks_unless_yolo(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    assert_string_equal(mount_at(f.p, "/opt/claude-home")->source, "ags-claude-install");
    assert_true(mount_index(f.p, "/opt/claude-home") == mount_index(f.p, "/usr/local/pnpm") + 1);
    const struct plan_mount *hooks = mount_at(f.p, "/home/dev/.config/ags/hooks");
    assert_non_null(hooks);
    assert_string_equal(hooks->source, "/home/u/.cache/ags/ags-hooks");
    assert_true(hooks->read_only);
    assert_int_equal(hooks->create, PLAN_CREATE_DIR);
    assert_true(mount_index(f.p, "/home/dev/.npm-global") ==
                mount_index(f.p, "/home/dev/.config/ags/hooks") + 1);
    f.in.flags.yolo = true;
    fx_ok(&f);
    assert_null(find_mount(f.p, "/home/dev/.config/ags/hooks"));
    fx_done(&f);
}

static void test_git_dir_inside_workdir_is_not_mounted_again(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_null(find_mount(f.p, "/work/repo/.git"));
    f.in.host.git_dir = f.in.host.git_common_dir = NULL; /* not a repository */
    fx_ok(&f);
    assert_null(find_mount(f.p, "/work/repo/.git"));
    fx_done(&f);
}

static void test_linked_worktree_mounts_the_main_git_dir_once_rw(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.host.cwd = "/work/wt";
    f.in.host.git_dir = "/work/main/.git/worktrees/wt";
    f.in.host.git_common_dir = "/work/main/.git";
    fx_ok(&f);
    const struct plan_mount *m = mount_at(f.p, "/work/main/.git");
    assert_non_null(m);
    assert_string_equal(m->source, "/work/main/.git");
    assert_false(m->read_only);
    assert_string_equal(m->origin, "git metadata (common dir)");
    assert_null(find_mount(f.p, "/work/main/.git/worktrees/wt"));
    fx_done(&f);
}

static void test_submodule_git_dir_outside_the_workdir_is_mounted(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.host.cwd = "/work/super/sub";
    f.in.host.git_dir = "/work/super/.git/modules/sub";
    f.in.host.git_common_dir = "/work/super/.git/modules/sub";
    fx_ok(&f);
    assert_non_null(mount_at(f.p, "/work/super/.git/modules/sub"));
    assert_int_equal(mount_index(f.p, "/work/super/.git/modules/sub"),
                     mount_index(f.p, "/home/dev/.npm-global") + 1);
    fx_done(&f);
}

static void test_config_mounts_keep_order_mode_and_file_line_origin(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    const struct plan_mount *ro = mount_at(f.p, "/data");
    assert_true(ro->read_only);
    assert_string_equal(ro->source, "/data/ro");
    assert_string_equal(ro->origin, "config /etc/ags.toml:7");
    assert_int_equal(ro->create, PLAN_CREATE_NONE);
    const struct plan_mount *pi = mount_at(f.p, "/home/dev/.pi");
    assert_false(pi->read_only);
    assert_string_equal(pi->origin, "config /etc/ags.toml:26 agent_mount");
    assert_true(mount_index(f.p, "/data") < mount_index(f.p, "/new"));
    assert_true(mount_index(f.p, "/new") < mount_index(f.p, "/home/dev/.pi"));
    fx_done(&f);
}

static void test_config_mount_when_browser_is_skipped_with_a_note(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_null(find_mount(f.p, "/browser"));
    assert_true(has_note(f.p, "config /etc/ags.toml:11: mount of /data/browser skipped"));
    fx_done(&f);
}

static void test_config_mount_create_is_recorded_for_the_runner(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    const struct plan_mount *m = mount_at(f.p, "/new");
    assert_non_null(m);
    assert_int_equal(m->create, PLAN_CREATE_DIR);
    struct ags_config *cfg = load_cfg("[sandbox]\nimage = \"i\"\n[[mount]]\nhost = \"/f\"\n"
                                      "container = \"/f\"\nmode = \"ro\"\nkind = \"file\"\n"
                                      "create = true\n");
    f.in.cfg = cfg;
    fx_ok(&f);
    assert_int_equal(mount_at(f.p, "/f")->create, PLAN_CREATE_FILE);
    f.in.cfg = f.cfg;
    config_free(cfg);
    fx_done(&f);
}

static void test_config_mount_optional_and_missing_is_skipped_with_a_note(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_null(find_mount(f.p, "/maybe"));
    assert_true(has_note(f.p, "config /etc/ags.toml:21: optional mount source missing: /data/maybe"));
    fx_done(&f);
}

static void test_required_mount_missing_is_an_error_naming_file_and_line(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    static const char *const no_pi[] = {"/home/u/gitconfig", "/data/ro/", "/home/u/.claude/",
                                        "/home/u/.claude.json", NULL};
    fake_fs = no_pi;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_null(f.p);
    assert_string_equal(f.err.msg, "/etc/ags.toml:26: required mount source missing: "
                                   "/home/u/.pi (agent_mount)");
    fx_done(&f);
}

static void assert_plan_error(struct fx *f, const char *msg);

/* The host side of every bind source.  A read-write mount that is
 * or contains $HOME, its ancestors or ags's own directories would let the
 * agent rewrite the user's config and trust store for its next run; a mount
 * of (or into, or around) another agent's home on the host would hand it
 * that agent's credentials and start-up code, whatever the container path. */
static void test_config_mount_host_side_refused_over_home_ags_dirs_and_other_agents_homes(void **state)
{
    (void)state;
    static const char *const fs[] = {
        "/work/repo/", "/home/u/", "/home/u/.config/", "/home/u/.config/ags/",
        "/home/u/.config/opencode/", "/home/u/.pi/", "/home/u/.claude/", "/home/u/.claude.json",
        "/home/u/.claude/skills/", "/home/u/.cache/", "/data/ro/", NULL};
    static const char head[] = "[sandbox]\nimage = \"i\"\n"
                               "[[agent_mount]]\nhost = \"/home/u/.pi\"\n"
                               "container = \"/home/dev/.pi\"\n"                    /* 3 */
                               "[[agent_mount]]\nhost = \"/home/u/.config/opencode\"\n"
                               "container = \"/home/dev/.config/opencode\"\n"       /* 6 */
                               "[[agent_mount]]\nhost = \"/home/u/.claude\"\n"
                               "container = \"/home/dev/.claude\"\n"                /* 9 */
                               "[[mount]]\n";                                       /* 12 */
    static const struct {
        const char *mount, *why;
    } cases[] = {
        {"host = \"/home/u/.config\"\ncontainer = \"/home/dev/.config\"\nmode = \"rw\"\n",
         "refusing to mount /home/u/.config read-write (config): it contains ags's config "
         "directory /home/u/.config/ags; mount it read-only or name a directory inside it"},
        {"host = \"/home/u\"\ncontainer = \"/h\"\nmode = \"rw\"\n",
         "refusing to mount /home/u read-write (config): it is your home directory; mount it "
         "read-only or name a directory inside it"},
        {"host = \"/home/u/.cache\"\ncontainer = \"/c\"\nmode = \"rw\"\n",
         "refusing to mount /home/u/.cache read-write (config): it contains ags's cache "
         "directory /home/u/.cache/ags; mount it read-only or name a directory inside it"},
        {"host = \"/home/u/.config\"\ncontainer = \"/cfg\"\nmode = \"ro\"\n",
         "refusing to mount /home/u/.config (config): it contains opencode's home "
         "/home/u/.config/opencode (config /etc/ags.toml:6); an agent never gets another "
         "agent's home"},
        {"host = \"/home/u/.claude/skills\"\ncontainer = \"/skills\"\nmode = \"ro\"\n",
         "refusing to mount /home/u/.claude/skills (config): it is inside claude's home "
         "/home/u/.claude (config /etc/ags.toml:9); an agent never gets another agent's "
         "home"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        _cleanup_free_ char *toml = xasprintf("%s%s", head, cases[i].mount);
        struct fx f;
        fx_init(&f, toml, PLAN_AGENT_PI);
        fake_fs = fs;
        _cleanup_free_ char *msg = xasprintf("/etc/ags.toml:12: %s", cases[i].why);
        assert_plan_error(&f, msg);
        fx_done(&f);
    }
    /* Read-only outside other agents' homes, or a directory below: fine. */
    static const char *const fine[] = {
        "host = \"/home/u/.cache\"\ncontainer = \"/c\"\nmode = \"ro\"\n",
        "host = \"/data/ro\"\ncontainer = \"/d\"\nmode = \"rw\"\n",
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(fine[0]); i++) {
        _cleanup_free_ char *toml = xasprintf("%s%s", head, fine[i]);
        struct fx f;
        fx_init(&f, toml, PLAN_AGENT_PI);
        fake_fs = fs;
        fx_ok(&f);
        fx_done(&f);
    }
}

/* ags's runtime directory holds sockets (the ssh tunnel's ctl and
 * podman.sock, the agent filter's, the proxies'): connect(2) works through a
 * read-only bind mount as well, and the sandbox runs as the user's uid, so
 * a read-only mount of it, of anything holding it or of anything inside it
 * would hand the sandbox the remote engine.  Refused whatever the mode. */
static void test_config_mount_of_ags_runtime_dir_refused_even_read_only(void **state)
{
    (void)state;
    static const struct plan_own_dir dirs[] = {
        {"config", "/home/u/.config/ags", false, false},
        {"runtime", "/run/user/1000/ags", false, true},
    };
    static const char *const fs[] = {"/work/repo/", "/", "/run/", "/run/user/1000/",
                                     "/run/user/1000/ags/", "/run/user/1000/ags/ssh-0123/",
                                     "/home/u/", "/home/u/.config/", NULL};
    static const struct {
        const char *host, *how;
    } cases[] = {
        {"/run/user/1000", "contains"},
        {"/", "contains"},
        {"/run/user/1000/ags", "is"},
        {"/run/user/1000/ags/ssh-0123", "is inside"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        _cleanup_free_ char *toml = xasprintf("[sandbox]\nimage = \"i\"\n[[mount]]\n"
                                              "host = \"%s\"\ncontainer = \"/r\"\n"
                                              "mode = \"ro\"\n",
                                              cases[i].host);
        struct fx f;
        fx_init(&f, toml, PLAN_AGENT_PI);
        fake_fs = fs;
        f.in.host.own_dirs = dirs;
        f.in.host.n_own_dirs = 2;
        _cleanup_free_ char *msg = xasprintf(
                "/etc/ags.toml:3: refusing to mount %s (config): it %s ags's runtime directory "
                "/run/user/1000/ags, whose sockets answer through a read-only mount too; name a "
                "directory outside it",
                cases[i].host, cases[i].how);
        assert_plan_error(&f, msg);
        fx_done(&f);
    }
    /* read-only over the config directory stays allowed: files, no sockets */
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n[[mount]]\nhost = \"/home/u/.config\"\n"
                "container = \"/c\"\nmode = \"ro\"\n",
            PLAN_AGENT_PI);
    fake_fs = fs;
    f.in.host.own_dirs = dirs;
    f.in.host.n_own_dirs = 2;
    fx_ok(&f);
    fx_done(&f);
}

static void test_add_dirs_are_rw_same_path_in_flag_order_after_config_mounts(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    const char *add[] = {"/extra/two", "/extra"};
    f.in.flags.add_dirs = add;
    f.in.flags.n_add_dirs = 2;
    fx_ok(&f);
    long a = mount_index(f.p, "/extra/two"), b = mount_index(f.p, "/extra");
    assert_true(a > mount_index(f.p, "/home/dev/.claude.json"));
    assert_int_equal(b, a + 1);
    assert_false(f.p->mounts[a].read_only);
    assert_string_equal(f.p->mounts[a].source, "/extra/two");
    assert_string_equal(f.p->mounts[a].origin, "flag --add-dir");
    fx_done(&f);
}

static void test_add_dir_identical_to_an_existing_mount_is_skipped(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    const char *add[] = {"/work/repo", "/extra", "/extra"};
    f.in.flags.add_dirs = add;
    f.in.flags.n_add_dirs = 3;
    fx_ok(&f);
    size_t n_repo = 0, n_extra = 0;
    for (size_t i = 0; i < f.p->n_mounts; i++) {
        n_repo += strcmp(f.p->mounts[i].destination, "/work/repo") == 0;
        n_extra += strcmp(f.p->mounts[i].destination, "/extra") == 0;
    }
    assert_int_equal(n_repo, 1);
    assert_int_equal(n_extra, 1);
    assert_true(has_note(f.p, "--add-dir /work/repo skipped: already mounted (workdir)"));
    fx_done(&f);
}

static void test_add_dir_must_be_an_existing_directory_and_not_hide_a_mount(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    const char *missing[] = {"/nope"};
    f.in.flags.add_dirs = missing;
    f.in.flags.n_add_dirs = 1;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "required mount source missing: /nope (--add-dir)");
    const char *file[] = {"/a-file"};
    f.in.flags.add_dirs = file;
    fx_build(&f);
    assert_string_equal(f.err.msg, "mount source is not a directory: /a-file (--add-dir)");
    const char *rel[] = {"extra"};
    f.in.flags.add_dirs = rel;
    fx_build(&f);
    assert_string_equal(f.err.msg, "--add-dir path 'extra' is not absolute");
    static const char *const fs[] = {"/home/u/gitconfig", "/data/ro/", "/home/u/.pi/",
                                     "/home/u/.claude/", "/home/u/.claude.json", "/data/", NULL};
    fake_fs = fs;
    const char *clash[] = {"/data"}; /* /data/ro is mounted at /data */
    f.in.flags.add_dirs = clash;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "--add-dir /data would hide the mount of /data/ro there "
                                   "(config /etc/ags.toml:7)");
    fx_done(&f);
}

static void test_ssh_socket_mount_and_env_only_when_the_caller_provides_one(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_null(find_mount(f.p, "/ssh-agent"));
    assert_null(find_env(f.p, "SSH_AUTH_SOCK"));
    assert_null(f.p->ssh_agent_sock); /* the runner serves nothing */
    f.in.host.ssh_auth_sock = "/s.sock";
    fx_ok(&f);
    const struct plan_mount *m = mount_at(f.p, "/ssh-agent");
    assert_string_equal(m->source, "/s.sock");
    assert_string_equal(f.p->ssh_agent_sock, "/s.sock"); /* what the runner serves */
    assert_false(m->read_only);
    assert_string_equal(env_value(f.p, "SSH_AUTH_SOCK"), "/ssh-agent");
    const struct plan_mount *pub = mount_at(f.p, "/home/dev/.ssh/ags-agent-auth.pub");
    assert_true(pub->read_only);
    assert_string_equal(pub->source, "/home/u/.ssh/ags-agent-auth.pub");
    assert_null(find_mount(f.p, "/home/dev/.ssh/ags-agent-signing.pub")); /* no such file */
    fx_done(&f);
}

/* The helper speaks the proxy's protocol at the path proxy/proto.h names;
 * plan (below proxy) spells it itself. */
static void test_the_planned_socket_is_where_the_helper_looks(void **state)
{
    (void)state;
    assert_string_equal(PLAN_AUTH_PROXY_SOCK, PROXY_SANDBOX_SOCKET);
}

/* Nothing of the auth proxy is left in a plan: no socket, no opener (the
 * helper only as an allowlist run's forwarder), no BROWSER, the sandbox's
 * own PATH. */
static void assert_no_auth_proxy(const struct ags_plan *p)
{
    assert_null(p->auth_proxy_sock);
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        assert_false(strstr(m->destination, "auth-proxy"));
        assert_false(strstr(m->destination, "xdg-open"));
        if (strstr(m->source, "ags-helper") || strstr(m->destination, "/opt/ags"))
            assert_string_equal(m->origin, "egress forwarder");
    }
    assert_null(find_env(p, "BROWSER"));
    assert_null(strstr(env_value(p, "PATH"), "/opt/ags"));
}

static void test_auth_proxy_socket_and_read_only_helper_with_browser_and_path(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    f.in.host.helper_path = HELPER;
    fx_ok(&f);
    assert_string_equal(f.p->auth_proxy_sock, PROXY_SOCK); /* the runner serves it */
    const struct plan_mount *sock = mount_at(f.p, "/run/ags-auth-proxy/auth-proxy.sock");
    assert_string_equal(sock->source, PROXY_SOCK);
    assert_string_equal(sock->origin, "auth proxy (served by ags)");
    static const char *const opener[] = {"/opt/ags/bin/ags-helper", "/opt/ags/bin/xdg-open"};
    for (size_t i = 0; i < 2; i++) {
        const struct plan_mount *m = mount_at(f.p, opener[i]);
        assert_int_equal(m->type, PLAN_MOUNT_BIND);
        assert_string_equal(m->source, HELPER);
        assert_true(m->read_only);
        assert_int_equal(m->create, PLAN_CREATE_NONE);
    }
    assert_string_equal(env_value(f.p, "BROWSER"), "/opt/ags/bin/xdg-open");
    assert_string_equal(env_value(f.p, "PATH"),
                        "/opt/ags/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
                        "/bin:/usr/local/cargo/bin:/home/dev/.local/bin:/home/dev/.cargo/bin:"
                        "/home/dev/go/bin:/usr/local/pnpm:/usr/local/pnpm/bin:"
                        "/home/dev/.npm-global/bin");
    assert_null(find_env(f.p, "AGS_AUTH_PROXY_SOCK")); /* the helper's default path */
    /* Login shells get that PATH too (the entrypoint writes it). */
    assert_non_null(strstr(f.p->argv[2], "/opt/ags/bin:/usr/local/sbin:"));
    /* `ags plan` shows them. */
    char *text = plan_render_text(f.p);
    assert_non_null(strstr(text, "  bind " HELPER " -> /opt/ags/bin/xdg-open (ro)  # auth proxy "
                                 "opener (as xdg-open)\n"));
    assert_non_null(strstr(text, "  bind " PROXY_SOCK " -> /run/ags-auth-proxy/auth-proxy.sock "
                                 "(rw)  # auth proxy (served by ags)\n"));
    free(text);
    char *json = plan_render_json(f.p);
    assert_non_null(strstr(json, "\"source\": \"" HELPER "\", \"destination\": "
                                 "\"/opt/ags/bin/ags-helper\", \"read_only\": true"));
    free(json);
    fx_done(&f);
}

static void test_auth_proxy_needs_the_config_the_socket_and_the_helper(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.host.helper_path = NULL;
    fx_ok(&f); /* the host side set up nothing */
    assert_no_auth_proxy(f.p);
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    fx_ok(&f); /* no helper found */
    assert_no_auth_proxy(f.p);
    assert_true(has_note(f.p, "auth proxy off: ags-helper was not found beside ags"));
    f.in.host.helper_path = HELPER;
    struct ags_config *off = load_cfg("[sandbox]\nimage = \"i\"\n[auth_proxy]\nenabled = false\n");
    f.in.cfg = off;
    fx_ok(&f);
    assert_no_auth_proxy(f.p);
    assert_true(has_note(f.p, "auth proxy off ([auth_proxy] enabled = false, config "
                              "/etc/ags.toml:4)"));
    f.in.cfg = f.cfg;
    config_free(off);
    fx_done(&f);
}

/* Lockdown and maintenance have no host service: none of it even when the
 * caller offers it. */
static void test_lockdown_and_maintenance_get_no_auth_proxy(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    f.in.host.helper_path = HELPER;
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_no_auth_proxy(f.p);
    assert_string_equal(env_value(f.p, "PATH"), "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                                                "/usr/bin:/sbin:/bin:/usr/local/cargo/bin:"
                                                "/home/dev/.local/bin:/home/dev/.cargo/bin:"
                                                "/home/dev/go/bin:/usr/local/pnpm:"
                                                "/usr/local/pnpm/bin:/home/dev/.npm-global/bin");
    f.in.flags.lockdown = false;
    f.in.flags.maintenance = "true";
    f.in.host.cwd = "/home/u";
    fx_ok(&f);
    assert_no_auth_proxy(f.p);
    fx_done(&f);
}

/* ---- places never mounted, git metadata an agent could plant (issue 10) ---- */

static void assert_plan_error(struct fx *f, const char *msg)
{
    fx_build(f);
    assert_int_equal(f->r, -EINVAL);
    assert_null(f->p);
    assert_string_equal(f->err.msg, msg);
}

static void test_workspace_refused_at_root_home_its_ancestors_and_ags_own_dirs(void **state)
{
    (void)state;
    static const struct {
        const char *cwd, *why;
    } cases[] = {
        {"/", "it is the root directory"},
        {"/home/u", "it is your home directory"},
        {"/home", "it contains your home directory /home/u"},
        {"/home/u/.config", "it contains ags's config directory /home/u/.config/ags"},
        {"/home/u/.config/ags", "it is ags's config directory /home/u/.config/ags"},
        {"/home/u/.cache/ags/ags-hooks", "it is inside ags's cache directory /home/u/.cache/ags"},
        {"/tmp", "it is ags's temporary (lockdown staging) directory /tmp"},
    };
    for (int lockdown = 0; lockdown < 2; lockdown++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct fx f;
            fx_init(&f, base_toml, PLAN_AGENT_SHELL);
            f.in.flags.lockdown = lockdown;
            f.in.host.cwd = cases[i].cwd;
            _cleanup_free_ char *msg = xasprintf(
                    "refusing to use %s as the workspace: %s; cd into a project directory",
                    cases[i].cwd, cases[i].why);
            assert_plan_error(&f, msg);
            fx_done(&f);
        }
    }
    /* below the temporary directory, or a project in the home: fine */
    const char *fine[] = {"/tmp/proj", "/home/u/src/proj", "/work/repo"};
    for (size_t i = 0; i < 3; i++) {
        struct fx f;
        fx_init(&f, base_toml, PLAN_AGENT_SHELL);
        f.in.host.cwd = fine[i];
        fx_ok(&f);
        fx_done(&f);
    }
}

/* F6 of the git review: a bind mount of $HOME (or of an ags directory) at
 * another path passes every rule on paths; by identity it is the same. */
static void test_workspace_refused_when_it_is_a_place_under_another_name(void **state)
{
    (void)state;
    /* / = 2, /home = 10, /home/u = 100, /home/u/.config/ags = 210 */
    static const struct plan_dir_id home_chain[] = {{1, 100}, {1, 10}, {1, 2}};
    static const struct plan_dir_id cfg_chain[] = {{1, 210}, {1, 200}, {1, 100}, {1, 10}, {1, 2}};
    static const struct plan_place_id places[] = {
        {"your home directory", "/home/u", true, home_chain, 3},
        {"ags's config directory", "/home/u/.config/ags", false, cfg_chain, 5},
    };
    static const struct {
        const char *cwd;
        struct plan_dir_id chain[3];
        const char *why;
    } cases[] = {
        {"/tmp/alias", {{1, 100}, {3, 1}, {1, 2}}, "it is your home directory /home/u"},
        {"/tmp/root", {{1, 2}, {3, 1}, {1, 2}}, "it contains your home directory /home/u"},
        {"/tmp/c/x", {{1, 300}, {1, 210}, {3, 1}}, "it is inside ags's config directory"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct fx f;
        fx_init(&f, base_toml, PLAN_AGENT_SHELL);
        f.in.host.cwd = cases[i].cwd;
        f.in.host.cwd_chain = cases[i].chain;
        f.in.host.n_cwd_chain = 3;
        f.in.host.places = places;
        f.in.host.n_places = ARRAY_SIZE(places);
        fx_build(&f);
        assert_int_equal(f.r, -EINVAL);
        if (!strstr(f.err.msg, cases[i].why) || !strstr(f.err.msg, "under another name"))
            fail_msg("%s: %s", cases[i].cwd, f.err.msg);
        fx_done(&f);
    }
    /* a project in the home (the home is an ancestor): fine */
    static const struct plan_dir_id proj[] = {{1, 500}, {1, 100}, {1, 10}, {1, 2}};
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.host.cwd_chain = proj;
    f.in.host.n_cwd_chain = 4;
    f.in.host.places = places;
    f.in.host.n_places = ARRAY_SIZE(places);
    fx_ok(&f);
    fx_done(&f);
}

/* After a lockdown run a HEAD git would not accept is put back: the rule. */
static void test_git_head_valid_follows_git(void **state)
{
    (void)state;
    const char *good[] = {"ref: refs/heads/main\n", "ref:refs/heads/x", "ref: \trefs/tags/v1\n",
                          "0123456789abcdef0123456789abcdef01234567\n",
                          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"};
    const char *bad[] = {"", "garbage\n", "ref: heads/main\n", "ref: refs/", "0123\n",
                         "0123456789ABCDEF0123456789ABCDEF01234567\n",
                         "ref: refs/heads/main\nmore\n"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++)
        if (!plan_git_head_valid(good[i]))
            fail_msg("rejected: %s", good[i]);
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        if (plan_git_head_valid(bad[i]))
            fail_msg("accepted: %s", bad[i]);
}

static void test_add_dir_refused_at_root_home_and_ags_own_dirs(void **state)
{
    (void)state;
    static const struct {
        const char *dir, *why;
    } cases[] = {
        {"/", "it is the root directory"},
        {"/home/u", "it is your home directory"},
        {"/home/u/.cache", "it contains ags's cache directory /home/u/.cache/ags"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fx f;
        fx_init(&f, base_toml, PLAN_AGENT_SHELL);
        const char *add[] = {cases[i].dir};
        f.in.flags.add_dirs = add;
        f.in.flags.n_add_dirs = 1;
        _cleanup_free_ char *msg = xasprintf(
                "refusing --add-dir %s: %s; add a project directory instead", cases[i].dir,
                cases[i].why);
        assert_plan_error(&f, msg);
        fx_done(&f);
    }
}

static void test_git_metadata_at_home_root_or_ags_dirs_is_not_mounted_and_noted(void **state)
{
    (void)state;
    static const struct {
        const char *git_dir, *common, *note;
    } cases[] = {
        {"/home/u/.git/worktrees/x", "/home/u",
         "git metadata /home/u (common dir) not mounted: it is your home directory"},
        {"/", "/", "git metadata / (common dir) not mounted: it is the root directory"},
        {"/home", "/home",
         "git metadata /home (common dir) not mounted: it contains your home directory /home/u"},
        {"/home/u/.config/ags", "/home/u/.config/ags",
         "git metadata /home/u/.config/ags (common dir) not mounted: it is ags's config "
         "directory /home/u/.config/ags"},
        {"/home/u/.config", "/work/main/.git",
         "git metadata /home/u/.config (git dir) not mounted: it contains ags's config "
         "directory /home/u/.config/ags"},
    };
    for (int lockdown = 0; lockdown < 2; lockdown++) {
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
            struct fx f;
            fx_init(&f, base_toml, PLAN_AGENT_SHELL);
            f.in.flags.lockdown = lockdown;
            f.in.host.git_dir = cases[i].git_dir;
            f.in.host.git_common_dir = cases[i].common;
            fx_ok(&f);
            assert_true(has_note(f.p, cases[i].note));
            for (size_t m = 0; m < f.p->n_mounts; m++)
                assert_null(strstr(f.p->mounts[m].origin, "git metadata"));
            fx_done(&f);
        }
    }
}

static void test_git_discovery_note_is_shown_in_the_plan(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.host.git_dir = f.in.host.git_common_dir = NULL;
    f.in.host.git_note = "/work/repo/.git is a FIFO, not a git directory or gitdir file; git "
                         "metadata not mounted";
    fx_ok(&f);
    assert_true(has_note(f.p, "/work/repo/.git is a FIFO"));
    fx_done(&f);
}

static void test_lockdown_linked_worktree_mounts_the_main_git_dir_read_only(void **state)
{
    (void)state;
    for (int lockdown = 0; lockdown < 2; lockdown++) {
        struct fx f;
        fx_init(&f, base_toml, PLAN_AGENT_SHELL);
        f.in.flags.lockdown = lockdown;
        f.in.host.cwd = "/work/wt";
        f.in.host.git_dir = "/work/main/.git/worktrees/wt";
        f.in.host.git_common_dir = "/work/main/.git";
        f.in.host.dotgit = "/work/wt/.git";
        f.in.host.dotgit_kind = PLAN_GIT_FILE;
        fx_ok(&f);
        const struct plan_mount *m = mount_at(f.p, "/work/main/.git");
        assert_non_null(m);
        assert_int_equal(m->read_only, lockdown);
        /* the .git file is pinned read-only: rewritten, the host's git would follow it */
        const struct plan_mount *file = find_mount(f.p, "/work/wt/.git");
        if (lockdown) {
            assert_non_null(file);
            assert_true(file->read_only);
            assert_string_equal(file->source, "/work/wt/.git");
        } else {
            assert_null(file);
        }
        fx_done(&f);
    }
}

static void test_lockdown_pins_the_workdir_dotgit_with_config_hooks_and_modules_read_only(void **state)
{
    (void)state;
    for (int lockdown = 0; lockdown < 2; lockdown++) {
        struct fx f;
        fx_init(&f, base_toml, PLAN_AGENT_SHELL);
        f.in.flags.lockdown = lockdown;
        f.in.host.dotgit = "/work/repo/.git";
        f.in.host.dotgit_kind = PLAN_GIT_DIR;
        f.in.host.dotgit_config = PLAN_GIT_FILE;
        f.in.host.dotgit_hooks = PLAN_GIT_MISSING;
        f.in.host.dotgit_modules = PLAN_GIT_DIR;
        f.in.host.dotgit_worktrees = PLAN_GIT_MISSING;
        fx_ok(&f);
        const struct plan_mount *pin = find_mount(f.p, "/work/repo/.git");
        const struct plan_mount *cfg = find_mount(f.p, "/work/repo/.git/config");
        const struct plan_mount *hooks = find_mount(f.p, "/work/repo/.git/hooks");
        if (!lockdown) {
            assert_null(pin);
            assert_null(cfg);
            assert_null(hooks);
            assert_null(find_mount(f.p, "/work/repo/.git/modules"));
            fx_done(&f);
            continue;
        }
        assert_non_null(pin);
        assert_false(pin->read_only);
        assert_string_equal(pin->origin, "lockdown: .git pinned (a mount point cannot be replaced)");
        assert_true(cfg->read_only);
        assert_int_equal(cfg->create, PLAN_CREATE_NONE);
        assert_true(hooks->read_only);
        assert_int_equal(hooks->create, PLAN_CREATE_DIR); /* made empty before the agent could */
        /* submodules' git dirs (their config runs on `git status`) read-only;
         * a missing worktrees/ is not created */
        const struct plan_mount *modules = mount_at(f.p, "/work/repo/.git/modules");
        assert_non_null(modules);
        assert_true(modules->read_only);
        assert_int_equal(modules->create, PLAN_CREATE_NONE);
        assert_null(find_mount(f.p, "/work/repo/.git/worktrees"));
        assert_true(mount_index(f.p, "/work/repo") < mount_index(f.p, "/work/repo/.git"));
        assert_true(mount_index(f.p, "/work/repo/.git") < mount_index(f.p, "/work/repo/.git/config"));
        fx_done(&f);
    }
}

/* F1/F2 of the git review: a lockdown agent could delete .git/objects or
 * .git/refs (the host's git would then take the workspace root, made
 * bare-shaped, for the repository) or write .git/config.worktree (git reads
 * it with extensions.worktreeConfig). */
static void test_lockdown_pins_objects_and_refs_and_makes_config_worktree_read_only(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.host.git_dir = "/work/repo/.git";
    f.in.host.git_common_dir = "/work/repo/.git";
    f.in.host.dotgit = "/work/repo/.git";
    f.in.host.dotgit_kind = PLAN_GIT_DIR;
    f.in.host.dotgit_config = PLAN_GIT_FILE;
    f.in.host.dotgit_hooks = PLAN_GIT_DIR;
    fx_ok(&f);
    const char *pinned[] = {"/work/repo/.git/objects", "/work/repo/.git/refs"};
    for (size_t i = 0; i < ARRAY_SIZE(pinned); i++) {
        const struct plan_mount *m = mount_at(f.p, pinned[i]);
        if (!m)
            fail_msg("%s is not pinned", pinned[i]);
        assert_false(m->read_only); /* commits and fetches write there */
        assert_int_equal(m->create, PLAN_CREATE_NONE);
        assert_true(mount_index(f.p, "/work/repo/.git") < mount_index(f.p, pinned[i]));
    }
    const struct plan_mount *cw = mount_at(f.p, "/work/repo/.git/config.worktree");
    assert_non_null(cw);
    assert_true(cw->read_only);
    assert_int_equal(cw->create, PLAN_CREATE_FILE); /* made empty before the agent could */
    fx_done(&f);
    /* a .git that is not an accepted git directory has nothing to pin */
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.host.git_dir = NULL;
    f.in.host.git_common_dir = NULL;
    f.in.host.dotgit = "/work/repo/.git";
    f.in.host.dotgit_kind = PLAN_GIT_DIR;
    fx_ok(&f);
    assert_null(find_mount(f.p, "/work/repo/.git/objects"));
    fx_done(&f);
}

/* F5 of the git review: forged git metadata in another agent's home (a pi
 * run writes ~/.pi/{HEAD,objects,refs,worktrees/w}) or in a configured mount
 * source must not get that place mounted for a shell run as "git metadata". */
static void test_git_metadata_in_an_agent_home_or_a_mount_source_is_not_mounted(void **state)
{
    (void)state;
    const char *const common[] = {"/home/u/.pi", "/home/u/.claude/x", "/data/ro/repo/.git"};
    for (size_t i = 0; i < ARRAY_SIZE(common); i++) {
        for (int lockdown = 0; lockdown < 2; lockdown++) {
            struct fx f;
            fx_init(&f, base_toml, PLAN_AGENT_SHELL);
            f.in.flags.lockdown = lockdown;
            f.in.host.git_common_dir = common[i];
            f.in.host.git_dir = common[i];
            fx_ok(&f);
            if (find_mount(f.p, common[i]))
                fail_msg("%s mounted as git metadata (lockdown %d)", common[i], lockdown);
            assert_true(has_note(f.p, "not mounted: it is at or below the host path of"));
            fx_done(&f);
        }
    }
}

static void test_lockdown_refuses_a_symlinked_config_hooks_or_worktrees_in_the_workdir_dotgit(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.host.dotgit = "/work/repo/.git";
    f.in.host.dotgit_kind = PLAN_GIT_DIR;
    f.in.host.dotgit_config = PLAN_GIT_FILE;
    f.in.host.dotgit_hooks = PLAN_GIT_ODD;
    assert_plan_error(&f, "--lockdown: /work/repo/.git/hooks is not a plain directory (a "
                          "symlink?): git on your host uses what it names, and the agent could "
                          "change it; inspect it and replace it by a plain directory, then run "
                          "again");
    f.in.host.dotgit_hooks = PLAN_GIT_DIR;
    f.in.host.dotgit_config = PLAN_GIT_DIR;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_non_null(strstr(f.err.msg, "/work/repo/.git/config is not a plain file"));
    f.in.host.dotgit_config = PLAN_GIT_FILE;
    f.in.host.dotgit_worktrees = PLAN_GIT_ODD;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_non_null(strstr(f.err.msg, "/work/repo/.git/worktrees is not a plain directory"));
    f.in.flags.lockdown = false; /* default mode: the agent is trusted with the repository */
    fx_ok(&f);
    fx_done(&f);
}

/* A host with both keys and their .pub files. */
static const char *const keys_fs[] = {"/work/repo/", "/home/u/gitconfig", "/data/ro/",
                                      "/home/u/.pi/", "/home/u/.ssh/ags-agent-auth",
                                      "/home/u/.ssh/ags-agent-auth.pub",
                                      "/home/u/.ssh/ags-agent-signing",
                                      "/home/u/.ssh/ags-agent-signing.pub", NULL};

/* The public keys do not wait for an agent socket: git reads the signing
 * .pub to sign, ssh the auth .pub to pick its identity. */
static void test_public_keys_mounted_read_only_without_an_agent_socket(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fake_fs = keys_fs;
    fx_ok(&f);
    const struct plan_mount *auth = mount_at(f.p, "/home/dev/.ssh/ags-agent-auth.pub");
    const struct plan_mount *sign = mount_at(f.p, "/home/dev/.ssh/ags-agent-signing.pub");
    assert_non_null(auth);
    assert_non_null(sign);
    assert_true(auth->read_only);
    assert_true(sign->read_only);
    assert_string_equal(auth->source, "/home/u/.ssh/ags-agent-auth.pub");
    assert_string_equal(sign->source, "/home/u/.ssh/ags-agent-signing.pub");
    assert_string_equal(sign->origin, "ssh public key (default)");
    assert_null(find_mount(f.p, "/ssh-agent"));
    for (size_t i = 0; i < f.p->n_mounts; i++) { /* nothing of ~/.ssh but the .pub files */
        size_t n = strlen(f.p->mounts[i].source);
        assert_false(n > 4 && strncmp(f.p->mounts[i].source, "/home/u/.ssh/", 13) == 0 &&
                     strcmp(f.p->mounts[i].source + n - 4, ".pub") != 0);
    }
    fx_done(&f);
}

/* A key without its .pub is not mounted at all: never the private key in
 * its place, never a .pub that resolves to the private key. */
static char *pub_is_private_key(const char *path)
{
    if (strcmp(path, "/home/u/.ssh/ags-agent-signing.pub") == 0)
        return xstrdup("/home/u/.ssh/ags-agent-signing");
    return xstrdup(path);
}

static void test_key_without_pub_or_whose_pub_is_the_key_is_not_mounted(void **state)
{
    (void)state;
    static const char *const fs[] = {"/work/repo/", "/home/u/gitconfig", "/data/ro/",
                                     "/home/u/.pi/", "/home/u/.ssh/ags-agent-auth",
                                     "/home/u/.ssh/ags-agent-signing",
                                     "/home/u/.ssh/ags-agent-signing.pub", NULL};
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fake_fs = fs;
    f.in.host.canonical = pub_is_private_key;
    fx_ok(&f);
    assert_null(find_mount(f.p, "/home/dev/.ssh/ags-agent-auth.pub"));
    assert_null(find_mount(f.p, "/home/dev/.ssh/ags-agent-signing.pub"));
    for (size_t i = 0; i < f.p->n_mounts; i++)
        assert_null(strstr(f.p->mounts[i].source, "/.ssh/"));
    assert_true(has_note(f.p, "/home/u/.ssh/ags-agent-auth.pub is missing"));
    assert_true(has_note(f.p, "is the private key /home/u/.ssh/ags-agent-signing itself"));
    fx_done(&f);
}

/* ---- lockdown (section 6) ---- */

static void test_lockdown_keeps_workdir_gitdirs_staging_adddirs_and_runtime_read_only(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    const char *add[] = {"/extra"};
    f.in.flags.lockdown = true;
    f.in.flags.add_dirs = add;
    f.in.flags.n_add_dirs = 1;
    f.in.host.cwd = "/work/repo/sub";
    f.in.host.ssh_auth_sock = "/s.sock";
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    f.in.host.helper_path = HELPER;
    fx_ok(&f);
    static const char *const want[] = {"/work/repo/sub", "/usr/local/pnpm", "/home/dev/.npm-global",
                                       "/work/repo/.git", "/home/dev/.pi", "/extra",
                                       PLAN_EGRESS_SOCK, PLAN_HELPER};
    assert_null(f.p->ssh_agent_sock); /* lockdown: no ssh agent is served */
    assert_no_auth_proxy(f.p);       /* nor an auth proxy */
    assert_int_equal(f.p->n_mounts, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f.p->n_mounts; i++)
        assert_string_equal(f.p->mounts[i].destination, want[i]);
    assert_true(mount_at(f.p, "/work/repo/.git")->read_only);
    assert_string_equal(mount_at(f.p, "/work/repo/.git")->origin,
                        "git metadata (common dir; read-only in lockdown)");
    assert_true(mount_at(f.p, "/usr/local/pnpm")->read_only);
    assert_true(mount_at(f.p, "/home/dev/.npm-global")->read_only);
    const struct plan_mount *home = mount_at(f.p, "/home/dev/.pi");
    assert_string_equal(home->source, "/tmp/ags-lockdown-x/home/dev/.pi");
    assert_string_equal(home->stage_from, "/home/u/.pi");
    assert_false(home->read_only);
    assert_string_equal(home->origin, "lockdown staging of /home/u/.pi (config /etc/ags.toml:26)");
    assert_true(has_note(f.p, "--lockdown: 7 config mount(s) not mounted"));
    fx_done(&f);
}

static void test_lockdown_never_plans_from_a_config_with_a_repo_overlay(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.host.ignored_overlay = "/work/repo/.ags/config.toml";
    fx_ok(&f);
    assert_true(has_note(f.p, "repo-local config /work/repo/.ags/config.toml ignored: --lockdown "
                              "never reads a repository's overlay"));
    /* A caller that loaded the overlay anyway gets no lockdown plan from it. */
    f.cfg->overlay_path = xstrdup("/work/repo/.ags/config.toml");
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "--lockdown never uses a repository's overlay, but the config "
                                   "includes /work/repo/.ags/config.toml");
    f.in.flags.lockdown = false;
    fx_ok(&f);
    fx_done(&f);
}

static void test_lockdown_adds_bounded_tmpfs_for_tmp_var_tmp_and_run(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->n_tmpfs, 3);
    assert_string_equal(f.p->tmpfs[0].destination, "/tmp");
    assert_int_equal(f.p->tmpfs[0].size, 1024u * 1024u * 1024u);
    assert_false(f.p->tmpfs[0].noexec);
    assert_string_equal(f.p->tmpfs[1].destination, "/var/tmp");
    assert_int_equal(f.p->tmpfs[1].size, 256u * 1024u * 1024u);
    assert_true(f.p->tmpfs[1].noexec);
    assert_string_equal(f.p->tmpfs[2].destination, "/run");
    assert_int_equal(f.p->tmpfs[2].size, 64u * 1024u * 1024u);
    assert_true(f.p->tmpfs[2].noexec);
    assert_string_equal(f.p->tmpfs[2].origin, "flag --lockdown");
    /* shell has no home to stage: workdir and its two runtime volumes, and
     * the egress socket and forwarder of lockdown's allowlist */
    assert_int_equal(f.p->n_mounts, 5);
    assert_string_equal(f.p->mounts[1].source, "ags-shell-pnpm-home");
    assert_true(f.p->mounts[1].read_only);
    fx_done(&f);
}

static void test_lockdown_claude_stages_both_homes_and_fresh_hooks(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_true(mount_at(f.p, "/opt/claude-home")->read_only);
    assert_string_equal(mount_at(f.p, "/home/dev/.claude.json")->stage_from,
                        "/home/u/.claude.json");
    assert_string_equal(mount_at(f.p, "/home/dev/.claude")->source,
                        "/tmp/ags-lockdown-x/home/dev/.claude");
    const struct plan_mount *hooks = mount_at(f.p, "/run/ags-claude-hooks");
    assert_string_equal(hooks->source, "/tmp/ags-lockdown-x/run/ags-claude-hooks");
    assert_true(hooks->read_only);
    assert_null(hooks->stage_from);
    assert_null(find_mount(f.p, "/home/dev/.config/ags/hooks"));
    fx_done(&f);
}

static void test_lockdown_requires_a_configured_mount_of_the_agent_home(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CODEX);
    f.in.flags.lockdown = true;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "--lockdown requires a configured codex mount for "
                                   "/home/dev/.codex (an [[agent_mount]] with container = "
                                   "\"/home/dev/.codex\")");
    fx_done(&f);
}

/* Lockdown: no key of the user's reaches the sandbox, not even a public
 * one, no agent socket and no gitconfig, whatever the host has. */
static void test_lockdown_has_no_public_key_agent_socket_or_gitconfig(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fake_fs = keys_fs;
    f.in.host.ssh_auth_sock = "/s.sock";
    fx_ok(&f); /* the same host without lockdown has all of them */
    assert_non_null(mount_at(f.p, "/home/dev/.ssh/ags-agent-signing.pub"));
    assert_non_null(mount_at(f.p, "/ssh-agent"));
    assert_non_null(mount_at(f.p, "/home/dev/.config/ags/gitconfig"));
    f.in.flags.lockdown = true;
    fx_ok(&f);
    for (size_t i = 0; i < f.p->n_mounts; i++) {
        assert_null(strstr(f.p->mounts[i].source, "/.ssh/"));
        assert_null(strstr(f.p->mounts[i].destination, "/.ssh"));
        assert_null(strstr(f.p->mounts[i].source, "gitconfig"));
        assert_string_not_equal(f.p->mounts[i].destination, "/ssh-agent");
        assert_string_not_equal(f.p->mounts[i].source, "/s.sock");
    }
    assert_null(find_env(f.p, "SSH_AUTH_SOCK"));
    assert_null(find_env(f.p, "GIT_CONFIG_GLOBAL"));
    fx_done(&f);
}

static void test_lockdown_env_has_ags_lockdown_and_no_host_services_caches_or_secrets(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.flags.lockdown = true;
    f.in.host.ssh_auth_sock = "/s.sock";
    fx_ok(&f);
    static const char *const want[] = {"HOME", "PATH", "RUSTUP_HOME", "AGS_SANDBOX",
                                       "NPM_CONFIG_STORE_DIR", "NPM_CONFIG_GLOBAL_BIN_DIR",
                                       "AGS_LOCKDOWN", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                       "http_proxy", "https_proxy", "all_proxy", "NO_PROXY",
                                       "no_proxy", "NODE_USE_ENV_PROXY"};
    assert_int_equal(f.p->n_env, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f.p->n_env; i++)
        assert_string_equal(f.p->env[i].name, want[i]);
    assert_string_equal(env_value(f.p, "AGS_LOCKDOWN"), "1");
    assert_int_equal(f.p->n_secrets, 0);
    assert_true(has_note(f.p, "--lockdown: no secret"));
    assert_false(f.p->network.host_loopback);
    fx_done(&f);
}

static void test_lockdown_with_root_or_stop_when_done_without_tmux_is_rejected(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.flags.root = true;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "--lockdown cannot be combined with --root");
    f.in.flags.lockdown = f.in.flags.root = false;
    f.in.flags.stop_when_done = true;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "--stop-when-done requires --tmux");
    fx_done(&f);
}

/* ---- env and secrets (section 2.8) ---- */

static void test_env_default_order_values_and_host_passthrough_names(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    static const char *const want[] = {
        "HOME", "PATH", "RUSTUP_HOME", "AGS_SANDBOX", "NPM_CONFIG_STORE_DIR",
        "NPM_CONFIG_GLOBAL_BIN_DIR", "GIT_CONFIG_GLOBAL", "AGS_HOST_SERVICES_HOST",
        "AGS_HOST_SERVICES_HINT", "PNPM_HOME", "CARGO_HOME", "GOPATH", "GOCACHE", "SCCACHE_DIR",
        "NPM_CONFIG_PREFIX", "TERM", "COLORTERM", "EDITOR", "VISUAL",
    };
    assert_int_equal(f.p->n_env, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < f.p->n_env; i++)
        assert_string_equal(f.p->env[i].name, want[i]);
    assert_string_equal(env_value(f.p, "HOME"), "/home/dev");
    assert_string_equal(env_value(f.p, "PATH"),
                        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:"
                        "/usr/local/cargo/bin:/home/dev/.local/bin:/home/dev/.cargo/bin:"
                        "/home/dev/go/bin:/usr/local/pnpm:/usr/local/pnpm/bin:"
                        "/home/dev/.npm-global/bin");
    assert_string_equal(env_value(f.p, "AGS_HOST_SERVICES_HOST"), "host.containers.internal");
    assert_string_equal(env_value(f.p, "GOCACHE"), "/home/dev/.cache/go-build");
    assert_null(env_value(f.p, "TERM")); /* taken from the host by name */
    assert_string_equal(env_of(f.p, "TERM")->origin, "host passthrough");
    assert_null(find_env(f.p, "AGS_LOCKDOWN"));
    assert_null(find_env(f.p, "AGS_GUARD_YOLO"));
    fx_done(&f);
}

static void test_yolo_sets_ags_guard_yolo(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.flags.yolo = true;
    fx_ok(&f);
    assert_string_equal(env_value(f.p, "AGS_GUARD_YOLO"), "1");
    assert_string_equal(env_of(f.p, "AGS_GUARD_YOLO")->origin, "flag --yolo");
    fx_done(&f);
}

static void test_secrets_are_references_and_passthrough_env_names_skip_op_and_targets(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_int_equal(f.p->n_secrets, 2);
    assert_string_equal(f.p->secrets[0].env, "GH_TOKEN");
    assert_int_equal(f.p->secrets[0].config_index, 0);
    assert_null(f.p->secrets[0].host_env);
    assert_string_equal(f.p->secrets[0].origin, "config /etc/ags.toml:36");
    assert_string_equal(f.p->secrets[1].env, "OPENAI_API_KEY");
    assert_int_equal(f.p->secrets[1].config_index, -1);
    assert_string_equal(f.p->secrets[1].host_env, "OPENAI_API_KEY");
    assert_string_equal(f.p->secrets[1].origin, "sandbox.passthrough_env (config /etc/ags.toml:4)");
    assert_true(has_note(f.p, "passthrough_env OP_SESSION skipped"));
    for (size_t i = 0; i < f.p->n_env; i++) /* never as plain env */
        assert_true(strcmp(f.p->env[i].name, "OPENAI_API_KEY") != 0 &&
                    strcmp(f.p->env[i].name, "GH_TOKEN") != 0);
    fx_done(&f);
}

static void test_entrypoint_exports_each_secret_once_from_its_file_and_lockdown_none(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\npassthrough_env = [\"B\"]\n"
                "[[secret]]\nenv = \"A\"\nfrom_env = \"X\"\n"
                "[[secret]]\nenv = \"A\"\nfrom_env = \"Y\"\n",
            PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_int_equal(f.p->n_secrets, 3); /* A twice (first that resolves wins), then B */
    static const char exports[] =
            SYS "for ags_n in A B; do if [ -r /run/secrets/\"$ags_n\" ]; then IFS= read "
            "-r -d '' \"$ags_n\" < /run/secrets/\"$ags_n\"; export \"$ags_n\"; fi; "
            "done; unset ags_n; ";
    assert_true(strncmp(script(f.p), exports, strlen(exports)) == 0);
    assert_lacks(script(f.p), "X");
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->n_secrets, 0);
    assert_lacks(script(f.p), "/run/secrets");
    fx_done(&f);
}

/* ---- agent profiles and entrypoint (sections 2.9, 2.10) ---- */

/* HAND_OVER gives the agent the plan's PATH back (the script's own commands
 * ran on SYS) and execs it. */
#define HAND_OVER "PATH=$ags_path; exec "

#define HINT_ECHO                                                                        \
    "if [ -t 1 ]; then echo '[ags] Host services: use host.containers.internal "         \
    "(localhost is container-local)' >&2; fi; "
/* base_toml's [[secret]]s and passthrough_env names, read from their files. */
#define SECRETS                                                                            \
    "for ags_n in GH_TOKEN OPENAI_API_KEY; do if [ -r /run/secrets/\"$ags_n\" ]; then "   \
    "IFS= read -r -d '' \"$ags_n\" < /run/secrets/\"$ags_n\"; export \"$ags_n\"; fi; " \
    "done; unset ags_n; "
#define BOOT SYS SECRETS "mkdir -p /home/dev/.ssh '/home/dev/my dir'; "
#define HINT_ARG "'Sandbox: use host.containers.internal (localhost is container-local).'"
/* Every agent but the shell first checks that its CLI is in its volume. */
#define CHECK(cmd, name)                                                                   \
    "if ! command -v " cmd " >/dev/null 2>&1; then echo '[ags] " name " is not installed " \
    "in the sandbox (its runtime volume is empty). Install it with `ags update-agents`.' " \
    ">&2; exit 127; fi; "

static void test_pi_profile_runs_pi_with_guard_extension_and_host_hint(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_string_equal(script(f.p), BOOT CHECK("/usr/local/pnpm/pi", "pi") HINT_ECHO HAND_OVER "/usr/local/pnpm/pi -e "
                                     "/home/dev/.pi/agent/extensions/guard.ts "
                                     "--append-system-prompt " HINT_ARG " \"$@\"");
    assert_int_equal(f.p->argc, 4);
    f.in.flags.yolo = true;
    fx_ok(&f);
    assert_lacks(script(f.p), "guard.ts");
    fx_done(&f);
}

static void test_claude_profile_links_claude_and_passes_guard_settings_and_plugin_dir(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    assert_string_equal(
            script(f.p),
            BOOT "ln -sf /opt/claude-home/.local/bin/claude /home/dev/.local/bin/claude; "
                 CHECK("/home/dev/.local/bin/claude", "claude") HINT_ECHO HAND_OVER
                 "/home/dev/.local/bin/claude --dangerously-skip-permissions --settings "
                 "'{\"sandbox\":{\"enabled\":false},\"hooks\":{\"PreToolUse\":[{\"matcher\":"
                 "\"Bash|Read|Write|Edit|Grep|Glob\",\"hooks\":[{\"type\":\"command\",\"command\":"
                 "\"/home/dev/.config/ags/hooks/guard.sh\",\"timeout\":5}]}]}}' --plugin-dir "
                 "/home/dev/.config/ags/hooks --append-system-prompt " HINT_ARG " \"$@\"");
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_contains(script(f.p), "\"command\":\"/run/ags-claude-hooks/guard.sh\"");
    assert_contains(script(f.p), "--plugin-dir /run/ags-claude-hooks \"$@\"");
    fx_done(&f);
}

static void test_codex_gemini_opencode_and_shell_profiles(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_CODEX);
    fx_ok(&f);
    assert_string_equal(script(f.p), SYS CHECK("/usr/local/pnpm/codex", "codex") HINT_ECHO
                                     HAND_OVER "/usr/local/pnpm/codex -c "
                                     "'developer_instructions=\"Sandbox: use "
                                     "host.containers.internal (localhost is "
                                     "container-local).\"' \"$@\"");
    f.in.agent = PLAN_AGENT_GEMINI;
    fx_ok(&f);
    assert_string_equal(script(f.p), SYS CHECK("/usr/local/pnpm/gemini", "gemini") HINT_ECHO
                                     HAND_OVER "/usr/local/pnpm/gemini \"$@\"");
    f.in.agent = PLAN_AGENT_OPENCODE;
    fx_ok(&f);
    assert_string_equal(script(f.p), SYS "mkdir -p /home/dev/.local/share/opencode "
                                     "/home/dev/.cache/opencode; "
                                     CHECK("/usr/local/pnpm/opencode", "opencode") HINT_ECHO
                                     HAND_OVER "/usr/local/pnpm/opencode \"$@\"");
    f.in.agent = PLAN_AGENT_SHELL;
    const char *pass[] = {"-c", "echo hi"};
    f.in.flags.passthrough = pass;
    f.in.flags.n_passthrough = 2;
    fx_ok(&f);
    assert_string_equal(script(f.p), SYS "mkdir -p /home/dev/.local/share/opencode "
                                     "/home/dev/.cache/opencode; " HINT_ECHO HAND_OVER
                                     "/bin/bash \"$@\"");
    assert_int_equal(f.p->argc, 6);
    assert_string_equal(f.p->argv[4], "-c"); /* passed verbatim as "$@", never in the script */
    assert_string_equal(f.p->argv[5], "echo hi");
    assert_null(f.p->argv[6]);
    fx_done(&f);
}

static void test_lockdown_injects_no_host_services_hint_into_prompts_or_script(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_lacks(script(f.p), "host.containers.internal");
    assert_lacks(script(f.p), "--append-system-prompt");
    f.in.agent = PLAN_AGENT_CLAUDE;
    fx_ok(&f);
    assert_lacks(script(f.p), "host.containers.internal");
    struct ags_config *cfg = load_cfg("[sandbox]\nimage = \"i\"\n[[agent_mount]]\n"
                                      "host = \"/home/u/.pi\"\ncontainer = \"/home/dev/.codex\"\n");
    f.in.cfg = cfg;
    f.in.agent = PLAN_AGENT_CODEX;
    fx_ok(&f);
    assert_string_equal(script(f.p),
                        SYS_ALLOWLIST CHECK("/usr/local/pnpm/codex", "codex") HAND_OVER
                        "/usr/local/pnpm/codex \"$@\"");
    f.in.cfg = f.cfg;
    config_free(cfg);
    fx_done(&f);
}

static void test_root_adds_the_root_prompt_for_pi_and_claude_and_drops_hardening(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.flags.root = true;
    fx_ok(&f);
    assert_contains(script(f.p), "--append-system-prompt 'Sandbox: use host.containers.internal "
                                 "(localhost is container-local). You have root access. Install "
                                 "any packages you need with apt-get/pip.' \"$@\"");
    assert_int_equal(f.p->identity.uid, 0);
    assert_int_equal(f.p->identity.gid, 0);
    assert_string_equal(f.p->identity.origin, "flag --root");
    assert_false(f.p->security.no_new_privileges);
    assert_false(f.p->security.cap_drop_all);
    assert_true(f.p->security.selinux_disable);
    assert_string_equal(f.p->security.origin, "flag --root");
    f.in.agent = PLAN_AGENT_CLAUDE;
    fx_ok(&f);
    assert_contains(script(f.p), "You have root access.");
    f.in.agent = PLAN_AGENT_GEMINI;
    fx_ok(&f);
    assert_lacks(script(f.p), "root access");
    fx_done(&f);
}

static void test_defaults_prepend_claude_flags_without_repeating_skip_permissions(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    const char *pass[] = {"--model", "opus"};
    f.in.flags.defaults = true;
    f.in.flags.passthrough = pass;
    f.in.flags.n_passthrough = 2;
    fx_ok(&f);
    assert_int_equal(f.p->argc, 7);
    assert_string_equal(f.p->argv[4], "--strict-mcp-config");
    assert_string_equal(f.p->argv[5], "--model");
    assert_string_equal(f.p->argv[6], "opus");
    assert_int_equal(f.p->n_default_args, 1);
    size_t n = 0;
    for (const char *s = script(f.p); (s = strstr(s, "--dangerously-skip-permissions")); s++)
        n++;
    assert_int_equal(n, 1);
    assert_contains(f.p->argv_origin, "flag --defaults");
    fx_done(&f);
}

static void test_defaults_gemini_yolo_once_and_nothing_for_other_agents(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_GEMINI);
    f.in.flags.defaults = true;
    fx_ok(&f);
    assert_int_equal(f.p->argc, 5);
    assert_string_equal(f.p->argv[4], "--yolo");
    const char *pass[] = {"--yolo"};
    f.in.flags.passthrough = pass;
    f.in.flags.n_passthrough = 1;
    fx_ok(&f);
    assert_int_equal(f.p->argc, 5); /* the user's own --yolo, not a second one */
    assert_int_equal(f.p->n_default_args, 0);
    static const enum plan_agent others[] = {PLAN_AGENT_PI, PLAN_AGENT_CODEX, PLAN_AGENT_OPENCODE,
                                             PLAN_AGENT_SHELL};
    f.in.flags.n_passthrough = 0;
    for (size_t i = 0; i < 4; i++) {
        f.in.agent = others[i];
        fx_ok(&f);
        assert_int_equal(f.p->argc, 4);
    }
    fx_done(&f);
}

static void test_shell_quote_bare_words_spaces_quotes_empty_and_unicode(void **state)
{
    (void)state;
    assert_quote("/usr/local/pnpm/pi", "/usr/local/pnpm/pi");
    assert_quote("a-b_c.d/e", "a-b_c.d/e");
    assert_quote("two words", "'two words'");
    assert_quote("it's", "'it'\\''s'");
    assert_quote("''", "''\\'''\\'''");
    assert_quote("", "''");
    assert_quote("caf\xc3\xa9", "'caf\xc3\xa9'");
    assert_quote("$HOME", "'$HOME'");
    assert_quote("a\nb", "'a\nb'");
    assert_quote("--flag=x", "'--flag=x'");
}

static void test_boot_dirs_from_config_are_quoted_before_profile_dirs(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_true(strncmp(script(f.p), SYS SECRETS "mkdir -p /home/dev/.ssh '/home/dev/my dir' "
                                     "/home/dev/.local/share/opencode /home/dev/.cache/opencode; ",
                        strlen(SYS SECRETS "mkdir -p /home/dev/.ssh '/home/dev/my dir' /home/dev/.local/share"
                               "/opencode /home/dev/.cache/opencode; ")) == 0);
    fx_done(&f);
}

static void test_tmux_keeps_a_shell_after_the_agent_unless_stop_when_done(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_GEMINI);
    f.in.flags.tmux = true;
    fx_ok(&f);
    assert_string_equal(
            script(f.p),
            SYS CHECK("/usr/local/pnpm/gemini", "gemini") HINT_ECHO "if ! ags_tmux=$(command -v tmux); then echo '[ags] tmux is not "
                      "available in the sandbox image. Run `ags update-image` to rebuild it.' "
                      ">&2; exit 127; fi; cat > /tmp/ags-run-in-tmux.sh <<'AGS_TMUX_EOF'\n"
                      "#!/bin/bash\n/usr/local/pnpm/gemini \"$@\"\nAGS_EXIT=$?\n"
                      "printf '%s\\n' \"$AGS_EXIT\" > /tmp/ags-agent-exit\n"
                      "echo \"[ags] Agent exited (code $AGS_EXIT). Shell is ready — type 'exit' "
                      "to stop the container.\"\nexec /bin/bash\nAGS_TMUX_EOF\n"
                      "chmod +x /tmp/ags-run-in-tmux.sh; if [ -t 0 ]; then " HAND_OVER
                      "\"$ags_tmux\" new-session -A -s ags /tmp/ags-run-in-tmux.sh \"$@\"; fi; "
                      "PATH=$ags_path \"$ags_tmux\" new-session -d -s ags /tmp/ags-run-in-tmux.sh "
                      "\"$@\" || exit 125; printf '\\036ags-session-ready\\036\\n'; trap '\"$ags_tmux\" kill-server 2>/dev/null; exit 143' "
                      "TERM INT HUP; while \"$ags_tmux\" has-session -t ags 2>/dev/null; do sleep "
                      "0.5 & wait $!; done; ags_x=$(cat /tmp/ags-agent-exit 2>/dev/null); case "
                      "$ags_x in ''|*[!0-9]*) ags_x=0;; esac; exit \"$ags_x\"");
    f.in.flags.stop_when_done = true;
    fx_ok(&f);
    assert_contains(script(f.p), "> /tmp/ags-agent-exit\nexit \"$AGS_EXIT\"\nAGS_TMUX_EOF\n");
    assert_lacks(script(f.p), "exec /bin/bash");
    assert_contains(f.p->argv_origin, "flag --stop-when-done");
    fx_done(&f);
}

/* ---- name, labels, security, network (2.3-2.5) ---- */

static char *name_for(const char *cwd, const char *git_dir, const char *common)
{
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_SHELL);
    f.in.host.cwd = cwd;
    f.in.host.git_dir = git_dir;
    f.in.host.git_common_dir = common;
    fx_ok(&f);
    char *name = xstrdup(f.p->name.v);
    fx_done(&f);
    return name;
}

#define assert_name(cwd, gd, cd, want)             \
    do {                                           \
        char *n_ = name_for(cwd, gd, cd);          \
        assert_string_equal(n_, want);             \
        free(n_);                                  \
    } while (0)

static void test_name_is_slug_of_last_three_components_and_four_hex_digits(void **state)
{
    (void)state;
    assert_name("/work/repo", NULL, NULL, "ags-work-repo-beef");
    assert_name("/home/u/src/My Repo", NULL, NULL, "ags-u-src-my-repo-beef");
    assert_name("/a/b/c/d/e", NULL, NULL, "ags-c-d-e-beef");
    assert_name("/srv/__x..Y__", NULL, NULL, "ags-srv-x-y-beef");
}

static void test_name_of_a_linked_worktree_uses_the_main_repository(void **state)
{
    (void)state;
    assert_name("/home/u/wt/feature", "/home/u/src/proj/.git/worktrees/feature",
                "/home/u/src/proj/.git", "ags-u-src-proj-beef");
    /* a submodule is not a worktree: named after its own directory */
    assert_name("/home/u/src/proj/lib", "/home/u/src/proj/.git/modules/lib",
                "/home/u/src/proj/.git/modules/lib", "ags-src-proj-lib-beef");
}

static void test_name_slug_is_capped_at_40_and_empty_becomes_work(void **state)
{
    (void)state;
    assert_name("/aaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbb/cccccccccc", NULL, NULL,
                "ags-aaaaaaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbbbbb-beef");
    assert_name("/___", NULL, NULL, "ags-work-beef"); /* "/" itself is refused as a workspace */
    assert_name("/___/\xc3\xa9\xc3\xa9", NULL, NULL, "ags-work-beef");
    char *n = name_for("/x", NULL, NULL);
    assert_string_equal(n, "ags-x-beef");
    free(n);
}

static void test_name_suffix_is_the_random_16_bits_in_hex(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_SHELL);
    f.in.host.name_rand = 0x000a;
    fx_ok(&f);
    assert_string_equal(f.p->name.v, "ags-work-repo-000a");
    fx_done(&f);
}

static void test_labels_carry_managed_session_agent_and_owning_pid(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    assert_int_equal(f.p->n_labels, 7);
    assert_string_equal(f.p->labels[0], "ags.managed=true");
    assert_string_equal(f.p->labels[1], "ags.session=s123");
    assert_string_equal(f.p->labels[2], "ags.agent=claude");
    assert_string_equal(f.p->labels[3], "ags.pid=4242");
    assert_null(f.p->labels[7]);
    fx_done(&f);
    /* the owner's identity, when the host could tell it: the sweep's proof */
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.host.owner = "1:-:626c337a34dc4a50bc005961d9903cda:4026531836:4242:777";
    fx_ok(&f);
    assert_int_equal(f.p->n_labels, 8);
    assert_string_equal(f.p->labels[4],
                        "ags.owner=1:-:626c337a34dc4a50bc005961d9903cda:4026531836:4242:777");
    assert_null(f.p->labels[8]);
    fx_done(&f);
}

/* A supervisor takes the run over: pid and owner name it from then on, and
 * the session is marked as one the sweep keeps while it runs. */
static void test_a_supervisor_replaces_pid_and_owner_and_marks_the_session(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.host.owner = "1:-:626c337a34dc4a50bc005961d9903cda:4026531836:4242:777";
    fx_ok(&f);
    size_t n = f.p->n_labels;
    plan_set_supervisor(f.p, 5151, "1:-:626c337a34dc4a50bc005961d9903cda:4026531836:5151:999");
    assert_int_equal(f.p->n_labels, n + 1);
    assert_string_equal(plan_label_value(f.p->labels, "ags.pid"), "5151");
    assert_string_equal(plan_label_value(f.p->labels, "ags.owner"),
                        "1:-:626c337a34dc4a50bc005961d9903cda:4026531836:5151:999");
    assert_true(plan_label_is_true(f.p->labels, "ags.supervised"));
    assert_null(f.p->labels[f.p->n_labels]);
    plan_set_supervisor(f.p, 6161, NULL); /* again: replaced, not added */
    assert_int_equal(f.p->n_labels, n + 1);
    assert_string_equal(plan_label_value(f.p->labels, "ags.pid"), "6161");
    fx_done(&f);
}

static void test_labels_for_ps_carry_encoded_workdir_lockdown_network_and_start(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.host.cwd = "/work/a b\n%\x1b[2J";
    f.in.host.started = 1714564800; /* 2024-05-01T12:00:00Z */
    f.in.flags.lockdown = true;
    fx_ok(&f);
    char *const *l = f.p->labels;
    /* one printable word whatever the path holds: Podman and the bwrap
     * store's line files keep it, ags ps decodes it */
    assert_string_equal(plan_label_value(l, PLAN_LABEL_WORKDIR), "/work/a%20b%0A%25%1B[2J");
    assert_string_equal(plan_label_value(l, PLAN_LABEL_LOCKDOWN), "true");
    assert_string_equal(plan_label_value(l, PLAN_LABEL_NETWORK), "allowlist");
    assert_string_equal(plan_label_value(l, PLAN_LABEL_STARTED), "2024-05-01T12:00:00Z");
    fx_done(&f);
    /* no start time known: no label rather than 1970 */
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_null(plan_label_value(f.p->labels, PLAN_LABEL_STARTED));
    assert_string_equal(plan_label_value(f.p->labels, PLAN_LABEL_LOCKDOWN), "false");
    assert_string_equal(plan_label_value(f.p->labels, PLAN_LABEL_NETWORK), "open");
    assert_string_equal(plan_label_value(f.p->labels, PLAN_LABEL_WORKDIR), "/work/repo");
    fx_done(&f);
}

static void test_security_default_dev_is_caller_no_new_privs_cap_drop_and_config_pids_limit(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.host.uid = 1234;
    f.in.host.gid = 4321;
    fx_ok(&f);
    assert_int_equal(f.p->identity.uid, 1000);
    assert_int_equal(f.p->identity.gid, 1000);
    assert_string_equal(f.p->identity.origin, "default");
    assert_true(f.p->security.no_new_privileges);
    assert_true(f.p->security.cap_drop_all);
    assert_true(f.p->security.selinux_disable);
    assert_int_equal(f.p->security.pids_limit, 512);
    assert_string_equal(f.p->security.pids_origin, "config /etc/ags.toml:6");
    assert_string_equal(f.p->image.v, "img:1");
    assert_string_equal(f.p->image.origin, "config /etc/ags.toml:2");
    assert_int_equal(f.p->uid, 1234);
    assert_int_equal(f.p->gid, 4321);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->identity.uid, 1000);
    assert_true(f.p->security.cap_drop_all);
    fx_done(&f);
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_PI);
    fx_ok(&f);
    assert_int_equal(f.p->security.pids_limit, 4096);
    assert_string_equal(f.p->security.pids_origin, "default");
    fx_done(&f);
}

/* Nothing of the egress proxy: no socket, no forwarder, no proxy variables. */
static void assert_no_egress(const struct ags_plan *p)
{
    assert_null(p->egress_sock);
    assert_null(find_mount(p, PLAN_EGRESS_SOCK));
    assert_null(find_env(p, "HTTPS_PROXY"));
    assert_null(find_env(p, "https_proxy"));
    assert_null(find_env(p, "NODE_USE_ENV_PROXY"));
    assert_lacks(script(p), "forward");
}

static void test_network_is_open_with_host_loopback_closed_by_default(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_string_equal(f.p->network.origin, "default");
    assert_false(f.p->network.host_loopback);
    assert_string_equal(f.p->network.loopback_origin, "default");
    assert_int_equal(f.p->network.n_allow, 0);
    assert_no_egress(f.p);
    assert_null(find_mount(f.p, PLAN_HELPER)); /* no auth proxy socket given either */
    f.in.flags.root = true;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_false(f.p->network.host_loopback);
    fx_done(&f);
}

/* Both renderings of p hold their part. */
static void assert_renders(const struct ags_plan *p, const char *text_part, const char *json_part)
{
    char *text = plan_render_text(p);
    assert_contains(text, text_part);
    free(text);
    char *json = plan_render_json(p);
    assert_contains(json, json_part);
    free(json);
}

/* [network] host_loopback = true opens it with the key's origin, also with
 * --root; --lockdown keeps it closed and says why; allowlist and none ignore
 * it and say so. */
static void test_network_host_loopback_only_in_open_mode_and_never_in_lockdown(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"img:1\"\n[network]\nhost_loopback = true\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_true(f.p->network.host_loopback);
    assert_string_equal(f.p->network.loopback_origin, "config /etc/ags.toml:4");
    assert_false(has_note(f.p, "host_loopback"));
    assert_renders(f.p, "network: open (its own stack, outbound through user-mode NAT)  # default\n"
                        "  host loopback: open  # config /etc/ags.toml:4\n",
                   "\"network\": {\"mode\": \"open\", \"origin\": \"default\", "
                   "\"host_loopback\": true, \"host_loopback_origin\": \"config /etc/ags.toml:4\", "
                   "\"egress_sock\": null, \"allow\": []}");
    f.in.flags.root = true;
    fx_ok(&f);
    assert_true(f.p->network.host_loopback);
    f.in.flags.root = false;
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_false(f.p->network.host_loopback);
    assert_string_equal(f.p->network.loopback_origin, "flag --lockdown");
    assert_true(has_note(f.p, "network.host_loopback (config /etc/ags.toml:4) ignored: --lockdown "
                              "keeps the host's loopback closed"));
    assert_renders(f.p, "  host loopback: closed  # flag --lockdown\n",
                   "\"host_loopback\": false, \"host_loopback_origin\": \"flag --lockdown\"");
    f.in.flags.lockdown = false;
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    fx_ok(&f);
    assert_false(f.p->network.host_loopback);
    assert_true(has_note(f.p, "network.host_loopback (config /etc/ags.toml:4) ignored: network "
                              "allowlist (list 127.0.0.1:PORT in [network].allow"));
    f.in.flags.network = PLAN_NETWORK_NONE;
    fx_ok(&f);
    assert_false(f.p->network.host_loopback);
    assert_true(has_note(f.p, "ignored: network none"));
    fx_done(&f);
}

/* --lockdown without a mode anywhere: allowlist with the agent's own hosts,
 * the egress socket and the forwarder (the helper only: lockdown has no auth
 * proxy), the proxy variables, and the forwarder first in the script. */
static void test_lockdown_defaults_to_allowlist_with_the_agent_hosts_and_the_proxy(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    const struct plan_network *n = &f.p->network;
    assert_int_equal(n->mode, PLAN_NETWORK_ALLOWLIST);
    assert_string_equal(n->origin, "--lockdown default");
    static const char *const hosts[] = {"api.anthropic.com:443", "statsig.anthropic.com:443",
                                        "console.anthropic.com:443", "claude.ai:443"};
    assert_int_equal(n->n_allow, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(n->allow[i].text, hosts[i]);
        assert_string_equal(n->allow[i].origin, "agent claude default");
        assert_int_equal(n->allow[i].rule.port, 443);
    }
    assert_string_equal(f.p->egress_sock, EGRESS_SOCK); /* the runner serves it */
    const struct plan_mount *sock = mount_at(f.p, PLAN_EGRESS_SOCK);
    assert_non_null(sock);
    assert_string_equal(sock->source, EGRESS_SOCK);
    assert_false(sock->read_only);
    const struct plan_mount *helper = mount_at(f.p, PLAN_HELPER);
    assert_non_null(helper);
    assert_string_equal(helper->source, HELPER);
    assert_true(helper->read_only);
    assert_string_equal(helper->origin, "egress forwarder");
    assert_no_auth_proxy(f.p);
    static const char *const proxies[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                          "http_proxy", "https_proxy", "all_proxy"};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(env_value(f.p, proxies[i]), "http://127.0.0.1:3128");
        assert_string_equal(env_of(f.p, proxies[i])->origin, "network allowlist");
    }
    assert_string_equal(env_value(f.p, "NO_PROXY"), "localhost,127.0.0.1,::1");
    assert_string_equal(env_value(f.p, "no_proxy"), "localhost,127.0.0.1,::1");
    assert_string_equal(env_value(f.p, "NODE_USE_ENV_PROXY"), "1");
    assert_int_equal(strncmp(script(f.p), SYS_PATH FORWARDER, strlen(SYS_PATH FORWARDER)), 0);
    assert_renders(f.p,
                   "network: allowlist (no route out; only the entries below, through ags's "
                   "egress proxy)  # --lockdown default\n  host loopback: closed  # default\n"
                   "  allow api.anthropic.com:443  # agent claude default\n",
                   "\"network\": {\"mode\": \"allowlist\", \"origin\": \"--lockdown default\", "
                   "\"host_loopback\": false, \"host_loopback_origin\": \"default\", "
                   "\"egress_sock\": \"" EGRESS_SOCK "\", \"allow\": [{\"entry\": "
                   "\"api.anthropic.com:443\", \"origin\": \"agent claude default\"}, ");
    fx_done(&f);
}

/* Every agent has its hosts (shell none), added whenever the mode is
 * allowlist, lockdown or not. */
static void test_agent_default_hosts_join_every_allowlist(void **state)
{
    (void)state;
    static const struct {
        enum plan_agent agent;
        size_t n;
        const char *first;
    } want[] = {
        {PLAN_AGENT_PI, 4, "api.anthropic.com:443"},
        {PLAN_AGENT_CLAUDE, 4, "api.anthropic.com:443"},
        {PLAN_AGENT_CODEX, 3, "api.openai.com:443"},
        {PLAN_AGENT_GEMINI, 4, "generativelanguage.googleapis.com:443"},
        {PLAN_AGENT_OPENCODE, 4, "api.anthropic.com:443"},
        {PLAN_AGENT_SHELL, 0, NULL},
    };
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        f.in.agent = want[i].agent;
        fx_ok(&f);
        assert_string_equal(f.p->network.origin, "--network");
        assert_int_equal(f.p->network.n_allow, want[i].n);
        if (want[i].first)
            assert_string_equal(f.p->network.allow[0].text, want[i].first);
    }
    fx_done(&f);
}

/* The agent's hosts, then the config's entries at their FILE:LINE:COL, then
 * --allow; an entry already listed is listed once, with its first origin. */
static void test_allowlist_entries_in_order_with_their_origins(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"img:1\"\n[network]\nmode = \"allowlist\"\n"
                               "allow = [\"GitHub.com\", \"api.openai.com:443\",\n"
                               "         \"10.0.0.0/8:5432\"]\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_CODEX);
    const char *flags[] = {"*.example.org:8443", "github.com"};
    f.in.flags.allow = flags;
    f.in.flags.n_allow = 2;
    fx_ok(&f);
    const struct plan_network *n = &f.p->network;
    assert_string_equal(n->origin, "config /etc/ags.toml:4:8");
    static const char *const texts[] = {"api.openai.com:443", "auth.openai.com:443",
                                        "chatgpt.com:443", "github.com", "10.0.0.0/8:5432",
                                        "*.example.org:8443"};
    static const char *const origins[] = {"agent codex default", "agent codex default",
                                          "agent codex default", "config /etc/ags.toml:5:10",
                                          "config /etc/ags.toml:6:10", "--allow"};
    assert_int_equal(n->n_allow, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(n->allow[i].text, texts[i]);
        assert_string_equal(n->allow[i].origin, origins[i]);
    }
    assert_renders(f.p, "  allow *.example.org:8443  # --allow\n",
                   "{\"entry\": \"10.0.0.0/8:5432\", \"origin\": \"config /etc/ags.toml:6:10\"}");
    fx_done(&f);
}

/* --network open with --lockdown only with the user's permission. */
static void test_network_open_with_lockdown_needs_lockdown_may_open(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_OPEN;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_null(f.p);
    assert_string_equal(f.err.msg, "--network open with --lockdown needs "
                                   "[network].lockdown_may_open = true in your own config");
    fx_done(&f);
    fx_init(&f, "[sandbox]\nimage = \"i\"\n[network]\nlockdown_may_open = true\n",
            PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_OPEN;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_string_equal(f.p->network.origin, "--network");
    assert_false(f.p->network.host_loopback);
    assert_no_egress(f.p);
    /* The stricter modes need no permission. */
    f.in.flags.network = PLAN_NETWORK_NONE;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_NONE);
    fx_done(&f);
}

/* Under --lockdown the user's own mode = "open" is replaced by the allowlist
 * (noted) unless lockdown_may_open; a stricter mode of theirs stands. */
static void test_config_open_under_lockdown_is_replaced_unless_permitted(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n[network]\nmode = \"open\"\n", PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_ALLOWLIST);
    assert_string_equal(f.p->network.origin, "--lockdown default");
    assert_true(has_note(f.p, "network.mode = \"open\" (config /etc/ags.toml:4:8) ignored: "
                              "--lockdown defaults to allowlist unless "
                              "[network].lockdown_may_open = true"));
    fx_done(&f);
    fx_init(&f, "[sandbox]\nimage = \"i\"\n[network]\nmode = \"open\"\nlockdown_may_open = true\n",
            PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_string_equal(f.p->network.origin, "config /etc/ags.toml:4:8");
    assert_no_egress(f.p);
    fx_done(&f);
    fx_init(&f, "[sandbox]\nimage = \"i\"\n[network]\nmode = \"none\"\n", PLAN_AGENT_SHELL);
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_NONE);
    assert_string_equal(f.p->network.origin, "config /etc/ags.toml:4:8");
    fx_done(&f);
}

/* The host's loopback is never reachable in lockdown: entries that name any
 * of it are dropped with a note; outside lockdown they stay. */
static void test_lockdown_drops_loopback_entries_with_a_note(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"i\"\n[network]\nmode = \"allowlist\"\n"
                               "allow = [\"127.0.0.1:8080\", \"LocalHost\", \"[::1]:5432\", "
                               "\"0.0.0.0/0\", \"127.9.0.0/16\", \"db.internal:5432\"]\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_SHELL);
    /* A connect to the unspecified 0.0.0.0 or :: reaches the local host (attacker review). */
    const char *flags[] = {"*.localhost:3000", "[::ffff:127.0.0.1]:22", "0.0.0.0:6379",
                           "0.0.0.0/8", "[::]:5432"};
    f.in.flags.allow = flags;
    f.in.flags.n_allow = 5;
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_int_equal(f.p->network.n_allow, 1);
    assert_string_equal(f.p->network.allow[0].text, "db.internal:5432");
    static const char *const dropped[] = {"127.0.0.1:8080", "localhost", "[::1]:5432",
                                          "0.0.0.0/0", "127.9.0.0/16", "*.localhost:3000",
                                          "127.0.0.1:22", "0.0.0.0:6379", "0.0.0.0/8",
                                          "[::]:5432"};
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
        char note[256];
        (void)snprintf(note, sizeof(note), "network allow %s (", dropped[i]);
        assert_true(has_note(f.p, note));
    }
    assert_true(has_note(f.p, "network allow 127.0.0.1:8080 (config /etc/ags.toml:5:10) dropped: "
                              "--lockdown never reaches the host's loopback"));
    f.in.flags.lockdown = false;
    fx_ok(&f);
    assert_int_equal(f.p->network.n_allow, 11);
    assert_false(has_note(f.p, "dropped"));
    fx_done(&f);
}

/* none: no network at all, and nothing of the proxy. */
static void test_none_mode_has_no_proxy_env_mount_or_forwarder(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"i\"\n[network]\nallow = [\"a.org\"]\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_SHELL);
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_NONE;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_NONE);
    assert_string_equal(f.p->network.origin, "--network");
    assert_int_equal(f.p->network.n_allow, 0);
    assert_no_egress(f.p);
    assert_null(find_mount(f.p, PLAN_HELPER));
    assert_true(has_note(f.p, "1 network allow entry ignored: network none"));
    assert_renders(f.p, "network: none (no network at all)  # --network\n",
                   "\"mode\": \"none\"");
    f.in.flags.lockdown = true;
    fx_ok(&f);
    assert_no_egress(f.p);
    fx_done(&f);
}

/* An allowlist it cannot enforce is an error, never a silent open network. */
static void test_allowlist_without_egress_socket_or_helper_is_an_error(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    f.in.host.egress_sock = NULL;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "network allowlist (--network) cannot be enforced: no egress "
                                   "proxy socket");
    f.in.host.egress_sock = EGRESS_SOCK;
    f.in.host.helper_path = NULL;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "network allowlist (--network) cannot be enforced: ags-helper "
                                   "was not found beside ags (<PREFIX>/lib/ags/ags-helper)");
    f.in.flags.network_set = false;
    fx_ok(&f); /* open needs neither */
    fx_done(&f);
}

/* Outside lockdown an allowlist run keeps the auth proxy: one helper mount
 * serves both (the opener's), beside its xdg-open name. */
static void test_allowlist_with_the_auth_proxy_mounts_the_helper_once(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    fx_ok(&f);
    size_t helpers = 0;
    for (size_t i = 0; i < f.p->n_mounts; i++)
        helpers += strcmp(f.p->mounts[i].destination, PLAN_HELPER) == 0;
    assert_int_equal(helpers, 1);
    assert_string_equal(mount_at(f.p, PLAN_HELPER)->origin, "auth proxy opener");
    assert_non_null(mount_at(f.p, PLAN_HELPER_XDG_OPEN));
    assert_non_null(mount_at(f.p, PLAN_EGRESS_SOCK));
    assert_string_equal(env_value(f.p, "BROWSER"), PLAN_HELPER_XDG_OPEN);
    assert_string_equal(env_value(f.p, "HTTPS_PROXY"), "http://127.0.0.1:3128");
    fx_done(&f);
}

/* A secret may not replace the proxy variables the sandbox sets. */
static void test_secrets_may_not_set_the_proxy_variables(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"i\"\npassthrough_env = [\"HTTPS_PROXY\"]\n"
                               "[network]\nmode = \"allowlist\"\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_int_equal(f.p->n_secrets, 0);
    assert_true(has_note(f.p, "passthrough_env HTTPS_PROXY skipped: the sandbox sets it itself"));
    fx_done(&f);
}

/* update-agents installs from registries and runs no agent: always open,
 * whatever the config says; and it takes no network flags. */
static void test_maintenance_plan_is_always_open(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"i\"\n[network]\nmode = \"none\"\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_PI);
    f.in.host.cwd = "/home/u";
    f.in.flags.maintenance = "true";
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_string_equal(f.p->network.origin, "maintenance");
    assert_true(has_note(f.p, "network open: a maintenance run installs from package registries "
                              "and runs no agent"));
    assert_null(f.p->egress_sock);
    assert_null(find_env(f.p, "HTTPS_PROXY"));
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_string_equal(f.err.msg, "a maintenance run takes no run flags");
    f.in.flags.network_set = false;
    const char *allow[] = {"a.org"};
    f.in.flags.allow = allow;
    f.in.flags.n_allow = 1;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    fx_done(&f);
}

/* A login file that a mount provides is the user's (or a volume's): the
 * entrypoint never appends to it, only to the image's own. */
static void test_entrypoint_leaves_login_files_under_a_mount_alone(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"img:1\"\n"
                               "[[mount]]\nhost = \"/a-file\"\ncontainer = \"/home/dev/.profile\"\n"
                               "mode = \"ro\"\nkind = \"file\"\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_contains(f.p->argv[2], "for ags_f in /home/dev/.bash_profile /home/dev/.bash_login; "
                                  LOGIN_LOOP);
    fx_done(&f);
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_contains(f.p->argv[2], SYS);
    fx_done(&f);
}

static void test_render_text_and_json_name_every_origin(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    char *text = plan_render_text(f.p);
    assert_contains(text, "image: img:1  # config /etc/ags.toml:2\n");
    assert_contains(text, "pids_limit: 512  # config /etc/ags.toml:6\n");
    assert_contains(text, "identity: dev (uid 1000, gid 1000) inside = your uid 1000, gid 1000 "
                          "outside  # default\n");
    assert_contains(text, "network: open (its own stack, outbound through user-mode NAT)  # default\n"
                          "  host loopback: closed  # default\n");
    assert_contains(text, "  bind /data/ro -> /data (ro)  # config /etc/ags.toml:7\n");
    assert_contains(text, "  OPENAI_API_KEY <- host variable OPENAI_API_KEY (resolved at launch, file "
                          "/run/secrets/OPENAI_API_KEY)");
    free(text);
    char *json = plan_render_json(f.p);
    assert_contains(json, "\"image\": {\"value\": \"img:1\", \"origin\": \"config /etc/ags.toml:2\"}");
    assert_contains(json, "\"labels\": {\"ags.managed\": \"true\", \"ags.session\": \"s123\"");
    assert_contains(json, "\"identity\": {\"user\": \"dev\", \"uid\": 1000, \"gid\": 1000, "
                          "\"origin\": \"default\"},\n  \"uid\": 1000,");
    assert_contains(json, "\"network\": {\"mode\": \"open\", \"origin\": \"default\", "
                          "\"host_loopback\": false, \"host_loopback_origin\": \"default\", "
                          "\"egress_sock\": null, \"allow\": []},\n");
    assert_contains(json, "{\"name\": \"TERM\", \"value\": null, \"origin\": \"host passthrough\"}");
    assert_contains(json, "\"host_env\": \"OPENAI_API_KEY\", \"file\": \"/run/secrets/OPENAI_API_KEY\"");
    free(json);
    fx_done(&f);
}

static void test_render_states_root_identity_and_tmpfs_sizes_as_intent(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_SHELL);
    f.in.host.uid = 1234;
    f.in.host.gid = 4321;
    f.in.flags.root = true;
    fx_ok(&f);
    assert_renders(f.p, "identity: root (uid 0, gid 0) inside = your uid 1234, gid 4321 "
                        "outside  # flag --root\n",
                   "\"identity\": {\"user\": \"root\", \"uid\": 0, \"gid\": 0, "
                   "\"origin\": \"flag --root\"},\n  \"uid\": 1234,\n  \"gid\": 4321,");
    f.in.flags.root = false;
    f.in.flags.lockdown = true;
    fx_ok(&f);
    char *text = plan_render_text(f.p);
    assert_contains(text, "  tmpfs /tmp (1 GiB, nosuid, nodev)  # flag --lockdown\n");
    assert_contains(text, "  tmpfs /var/tmp (256 MiB, nosuid, nodev, noexec)  # flag --lockdown\n");
    assert_contains(text, "  tmpfs /run (64 MiB, nosuid, nodev, noexec)  # flag --lockdown\n");
    free(text);
    char *json = plan_render_json(f.p);
    assert_contains(json, "{\"destination\": \"/tmp\", \"size\": 1073741824, \"noexec\": false, "
                          "\"origin\": \"flag --lockdown\"}");
    assert_contains(json, "{\"destination\": \"/var/tmp\", \"size\": 268435456, \"noexec\": true, ");
    free(json);
    fx_done(&f);
}

static void test_agent_names_round_trip_and_unknown_is_rejected(void **state)
{
    (void)state;
    for (unsigned i = 0; i < PLAN_AGENT_COUNT; i++) {
        enum plan_agent a;
        assert_int_equal(plan_agent_from_name(plan_agent_name((enum plan_agent)i), &a), 0);
        assert_int_equal(a, i);
    }
    enum plan_agent a = PLAN_AGENT_PI;
    assert_int_equal(plan_agent_from_name("Claude", &a), -EINVAL);
    assert_int_equal(plan_agent_from_name("", &a), -EINVAL);
}


/* ---- what one run can plant for the next (issue 10, item 6) ---- */

/* The image's system directories, in the order Debian's root PATH has them. */
static const char *const system_dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                          "/usr/bin",        "/sbin",           "/bin"};
#define N_SYSTEM_DIRS (sizeof(system_dirs) / sizeof(system_dirs[0]))

/* Splits PATH into at most 32 entries (copies in buf); returns the count. */
static size_t path_entries(const char *path, char *buf, size_t size, const char *out[32])
{
    assert_true(strlen(path) < size);
    memcpy(buf, path, strlen(path) + 1);
    size_t n = 0;
    for (char *e = buf;; ) {
        char *colon = strchr(e, ':');
        if (colon)
            *colon = '\0';
        assert_true(n < 32);
        out[n++] = e;
        if (!colon)
            return n;
        e = colon + 1;
    }
}

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Absolute, no empty, "." or ".." component. */
static bool plain_absolute(const char *path)
{
    if (path[0] != '/')
        return false;
    for (const char *c = path; *c; c++) {
        if (*c != '/')
            continue;
        const char *next = c + 1;
        size_t len = strcspn(next, "/");
        if (len == 0 || (len == 1 && next[0] == '.') ||
            (len == 2 && next[0] == '.' && next[1] == '.'))
            return false;
    }
    return true;
}

/* The mount whose destination holds path (the deepest one), or NULL. */
static const struct plan_mount *mount_holding(const struct ags_plan *p, const char *path)
{
    const struct plan_mount *best = NULL;
    for (size_t i = 0; i < p->n_mounts; i++)
        if (under(path, p->mounts[i].destination) &&
            (!best || strlen(p->mounts[i].destination) > strlen(best->destination)))
            best = &p->mounts[i];
    return best;
}

/* PATH of every agent, default and lockdown: the six system directories come
 * first (a program planted in a volume or under the home can never shadow
 * bash, git, env ...), and no entry is relative, empty (= the current
 * directory) or inside the workspace (a repo's node_modules/.bin). */
static void test_path_puts_every_system_dir_before_any_volume_or_home_dir(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_PI);
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        for (int ld = 0; ld < 2; ld++) {
            f.in.agent = (enum plan_agent)a;
            f.in.flags.lockdown = ld;
            if (a != PLAN_AGENT_SHELL && ld)
                continue; /* lockdown needs the agent's home mount: PATH is the same */
            fx_ok(&f);
            char buf[1024];
            const char *e[32];
            size_t n = path_entries(env_value(f.p, "PATH"), buf, sizeof(buf), e);
            assert_true(n > N_SYSTEM_DIRS);
            for (size_t i = 0; i < N_SYSTEM_DIRS; i++)
                assert_string_equal(e[i], system_dirs[i]);
            for (size_t i = 0; i < n; i++) {
                if (!plain_absolute(e[i]))
                    fail_msg("PATH entry '%s' is not a plain absolute path", e[i]);
                assert_false(under(e[i], f.in.host.cwd));
            }
        }
    }
    fx_done(&f);
}

/* A PATH directory that lives in a named volume is in a volume of the agent
 * that runs: what it finds there, only that agent could have put there. */
static void test_path_dirs_in_volumes_belong_to_the_running_agent(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n", PLAN_AGENT_PI);
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        f.in.agent = (enum plan_agent)a;
        fx_ok(&f);
        char buf[1024];
        const char *e[32];
        size_t n = path_entries(env_value(f.p, "PATH"), buf, sizeof(buf), e);
        char *prefix = xasprintf("ags-%s-", plan_agent_name(f.in.agent));
        size_t in_volumes = 0;
        for (size_t i = 0; i < n; i++) {
            const struct plan_mount *m = mount_holding(f.p, e[i]);
            if (!m || m->type != PLAN_MOUNT_VOLUME)
                continue;
            in_volumes++;
            if (strncmp(m->source, prefix, strlen(prefix)) != 0)
                fail_msg("PATH entry %s is in volume %s, not one of %s's", e[i], m->source,
                         plan_agent_name(f.in.agent));
        }
        assert_true(in_volumes >= 4); /* cargo, go, pnpm, npm-global bins */
        free(prefix);
    }
    fx_done(&f);
}

/* No named volume is mounted for two agents: a planted binary and a poisoned
 * build cache (go-build, sccache) are the same attack. */
static void test_no_volume_is_shared_between_two_agents(void **state)
{
    (void)state;
    struct fx f[PLAN_AGENT_COUNT];
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        fx_init(&f[a], "[sandbox]\nimage = \"i\"\n", (enum plan_agent)a);
        fx_ok(&f[a]);
    }
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        for (size_t i = 0; i < f[a].p->n_mounts; i++) {
            const struct plan_mount *m = &f[a].p->mounts[i];
            if (m->type != PLAN_MOUNT_VOLUME)
                continue;
            assert_string_equal(plan_label_value(m->labels, "ags.agent"),
                                plan_agent_name((enum plan_agent)a));
            for (int b = 0; b < PLAN_AGENT_COUNT; b++)
                for (size_t j = 0; b != a && j < f[b].p->n_mounts; j++)
                    if (strcmp(f[b].p->mounts[j].source, m->source) == 0)
                        fail_msg("volume %s is mounted for %s and %s", m->source,
                                 plan_agent_name((enum plan_agent)a),
                                 plan_agent_name((enum plan_agent)b));
        }
    }
    for (int a = 0; a < PLAN_AGENT_COUNT; a++)
        fx_done(&f[a]);
}

/* The container starts /bin/bash by absolute path (the runtime looks a bare
 * word up on the container's PATH) and without login files (Debian's
 * /etc/profile resets PATH; ~/.profile may source agent-writable files). */
static void test_entrypoint_starts_bin_bash_by_absolute_path_without_login_files(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CODEX);
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        f.in.agent = (enum plan_agent)a;
        fx_ok(&f);
        assert_string_equal(f.p->argv[0], "/bin/bash");
        assert_string_equal(f.p->argv[1], "-c");
    }
    fx_done(&f);
}

/* Every program the entrypoint script runs is found on the system directories
 * alone or named by absolute path; the plan's PATH comes back only for the
 * final exec, whose program is absolute too.  No bare `bash` anywhere. */
static void check_script_runs_nothing_from_path(const struct ags_plan *p)
{
    const char *s = p->argv[2];
    const char *sys = "ags_path=$PATH; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
                      "/sbin:/bin; ";
    if (strncmp(s, sys, strlen(sys)) != 0)
        fail_msg("script does not start with the system PATH:\n%s", s);
    const char *back = strstr(s, "PATH=$ags_path; exec ");
    if (!back)
        fail_msg("script never hands the plan's PATH to the agent:\n%s", s);
    /* ... and to the tmux that starts a supervised session's agent, by its path */
    for (const char *x = strstr(back + 1, "PATH=$ags_path"); x; x = strstr(x + 1, "PATH=$ags_path"))
        if (strncmp(x, "PATH=$ags_path \"$ags_tmux\" new-session -d ", 41) != 0)
            fail_msg("the plan's PATH is used again at: %.40s", x);
    const char *prog = back + strlen("PATH=$ags_path; exec ");
    if (prog[0] != '/' && strncmp(prog, "\"$ags_tmux\" ", 12) != 0)
        fail_msg("final exec is not absolute: %s", prog);
    for (const char *x = strstr(s, "exec "); x; x = strstr(x + 1, "exec "))
        if (x[5] != '/' && x[5] != '"')
            fail_msg("bare exec at: %.40s", x);
    /* ".bash_profile" and ".bash_login" are login file names, not commands. */
    for (const char *x = strstr(s, "bash"); x; x = strstr(x + 1, "bash"))
        if (x == s || (x[-1] != '/' && !(x[-1] == '.' && x[4] == '_')))
            fail_msg("bare bash at: %.40s", x > s + 10 ? x - 10 : s);
}

static void test_entrypoint_runs_commands_on_the_system_path_and_execs_absolute_paths(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        f.in.agent = (enum plan_agent)a;
        for (int t = 0; t < 3; t++) {
            f.in.flags.tmux = t > 0;
            f.in.flags.stop_when_done = t > 1;
            fx_ok(&f);
            check_script_runs_nothing_from_path(f.p);
        }
    }
    f.in.flags.tmux = true;
    f.in.flags.stop_when_done = false;
    fx_ok(&f);
    assert_contains(script(f.p), "if ! ags_tmux=$(command -v tmux); then");
    fx_done(&f);
}

/* An agent's home holds what that agent executes (pi extensions, claude hooks
 * in settings.json, codex config): a run of another agent, the shell
 * included, never gets it mounted, from [[agent_mount]] or [[mount]]. */
static void test_agent_homes_are_mounted_only_for_their_own_agent(void **state)
{
    (void)state;
    static const char toml[] = "[sandbox]\nimage = \"i\"\n"
                               "[[mount]]\nhost = \"/data/ro\"\n"
                               "container = \"/home/dev/.pi/agent/extensions\"\nmode = \"rw\"\n"
                               "[[agent_mount]]\nhost = \"/home/u/.pi\"\ncontainer = \"/home/dev/.pi\"\n"
                               "[[agent_mount]]\nhost = \"/home/u/.claude\"\n"
                               "container = \"/home/dev/.claude\"\n"
                               "[[agent_mount]]\nhost = \"/home/u/.claude.json\"\n"
                               "container = \"/home/dev/.claude.json\"\nkind = \"file\"\n";
    struct fx f;
    fx_init(&f, toml, PLAN_AGENT_PI);
    fx_ok(&f);
    assert_non_null(mount_at(f.p, "/home/dev/.pi"));
    assert_non_null(mount_at(f.p, "/home/dev/.pi/agent/extensions"));
    assert_null(find_mount(f.p, "/home/dev/.claude"));
    assert_null(find_mount(f.p, "/home/dev/.claude.json"));
    assert_true(has_note(f.p, "/home/dev/.claude (claude's home) not mounted for pi"));
    f.in.agent = PLAN_AGENT_CLAUDE;
    fx_ok(&f);
    assert_non_null(mount_at(f.p, "/home/dev/.claude"));
    assert_non_null(mount_at(f.p, "/home/dev/.claude.json"));
    assert_null(find_mount(f.p, "/home/dev/.pi"));
    assert_null(find_mount(f.p, "/home/dev/.pi/agent/extensions"));
    assert_true(has_note(f.p, "/home/dev/.pi/agent/extensions (pi's home) not mounted for claude"));
    static const enum plan_agent others[] = {PLAN_AGENT_CODEX, PLAN_AGENT_GEMINI,
                                             PLAN_AGENT_OPENCODE, PLAN_AGENT_SHELL};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        f.in.agent = others[i];
        fx_ok(&f);
        for (size_t j = 0; j < f.p->n_mounts; j++)
            if (f.p->mounts[j].type == PLAN_MOUNT_BIND &&
                strncmp(f.p->mounts[j].destination, "/home/dev/.", 11) == 0 &&
                strncmp(f.p->mounts[j].destination, "/home/dev/.config/ags", 21) != 0 &&
                strncmp(f.p->mounts[j].destination, "/home/dev/.ssh/", 15) != 0) /* public keys */
                fail_msg("%s gets %s", plan_agent_name(others[i]), f.p->mounts[j].destination);
    }
    fx_done(&f);
}

/* A secret or passthrough variable never sets what the plan sets itself (PATH:
 * the entrypoint's own commands run on the system directories; the backend's
 * AGS_HOST_LOOPBACK, which would point the agent elsewhere) nor what makes
 * bash or the dynamic loader run a file first (BASH_ENV, LD_PRELOAD ...). */
static void test_secrets_never_set_path_or_shell_and_loader_startup_variables(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[sandbox]\nimage = \"i\"\n"
                "passthrough_env = [\"BASH_ENV\", \"LD_PRELOAD\", \"HOME\", \"ags_path\", "
                "\"AGS_HOST_LOOPBACK\", \"KEEP\"]\n"
                "[[secret]]\nenv = \"PATH\"\nfrom_env = \"X\"\n"
                "[[secret]]\nenv = \"ENV\"\nfrom_env = \"X\"\n"
                "[[secret]]\nenv = \"LD_LIBRARY_PATH\"\nfrom_env = \"X\"\n"
                "[[secret]]\nenv = \"TOKEN\"\nfrom_env = \"X\"\n",
            PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_int_equal(f.p->n_secrets, 2);
    assert_string_equal(f.p->secrets[0].env, "TOKEN");
    assert_int_equal(f.p->secrets[0].config_index, 3);
    assert_string_equal(f.p->secrets[1].env, "KEEP");
    static const char *const skipped[] = {"PATH", "ENV", "LD_LIBRARY_PATH", "BASH_ENV",
                                          "LD_PRELOAD", "HOME", "ags_path",
                                          "AGS_HOST_LOOPBACK"};
    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
        char *note = xasprintf("%s skipped: ", skipped[i]);
        if (!has_note(f.p, note))
            fail_msg("no note '%s'", note);
        free(note);
    }
    assert_lacks(script(f.p), "BASH_ENV");
    assert_lacks(script(f.p), "LD_");
    fx_done(&f);
}

/* ags update-agents: the agent's volumes and nothing of the host, the script
 * as the whole command, even from a workspace a run would refuse. */
static void test_maintenance_plan_mounts_only_the_agents_volumes_and_runs_the_script(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CLAUDE);
    f.in.host.cwd = "/home/u"; /* the home: never a workspace of a run */
    f.in.host.ssh_auth_sock = "/run/user/1000/ssh.sock";
    f.in.flags.maintenance = "pnpm add -g x";
    fx_ok(&f);
    assert_true(f.p->maintenance);
    assert_true(f.p->n_mounts > 0);
    for (size_t i = 0; i < f.p->n_mounts; i++) {
        assert_int_equal(f.p->mounts[i].type, PLAN_MOUNT_VOLUME);
        assert_false(f.p->mounts[i].read_only);
        assert_non_null(strstr(f.p->mounts[i].source, "ags-claude-"));
    }
    assert_non_null(mount_at(f.p, "/opt/claude-home"));
    assert_non_null(mount_at(f.p, "/usr/local/pnpm"));
    assert_int_equal(f.p->n_secrets, 0);
    assert_null(find_env(f.p, "SSH_AUTH_SOCK"));
    assert_null(find_env(f.p, "TERM"));
    assert_string_equal(env_value(f.p, "PNPM_HOME"), "/usr/local/pnpm");
    assert_string_equal(f.p->work_dir.v, PLAN_HOME);
    assert_int_equal(f.p->argc, 4);
    assert_string_equal(f.p->argv[0], "/bin/bash");
    assert_string_equal(f.p->argv[1], "-c");
    assert_string_equal(f.p->argv[2], "pnpm add -g x");
    assert_string_equal(f.p->name.v, "ags-update-claude-beef");
    fx_done(&f);
}

static void test_maintenance_plan_takes_no_run_flags(void **state)
{
    (void)state;
    static const char *const args[] = {"--help"};
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_PI);
    f.in.flags.maintenance = "true";
    f.in.flags.root = true;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    f.in.flags.root = false;
    f.in.flags.passthrough = args;
    f.in.flags.n_passthrough = 1;
    fx_build(&f);
    assert_int_equal(f.r, -EINVAL);
    assert_non_null(strstr(f.err.msg, "maintenance"));
    fx_done(&f);
}


/* ---- local plans are what they were before remote engines (issue 20) ---- */

/* Rendered by the plan of the commit before remote engines, and compared
 * byte for byte: a local run (claude with its guard hooks, gitconfig, keys,
 * ssh agent, auth proxy, config mounts, --add-dir; lockdown; allowlist) must
 * not change in any way.  AGS_WRITE_GOLDEN=DIR writes them instead. */
static const char *const golden_fs[] = {
    "/work/repo/", "/home/u/gitconfig", "/data/ro/", "/data/browser/", "/home/u/.pi/",
    "/home/u/.claude/", "/home/u/.claude.json", "/extra/", "/home/u/.ssh/ags-agent-auth",
    "/home/u/.ssh/ags-agent-auth.pub", "/home/u/.ssh/ags-agent-signing",
    "/home/u/.ssh/ags-agent-signing.pub", NULL,
};

static void golden_case(const char *name, const char *toml, enum plan_agent a,
                        void (*adjust)(struct fx *f))
{
    struct fx f;
    fx_init(&f, toml, a);
    fake_fs = golden_fs;
    const char *add[] = {"/extra"};
    f.in.flags.add_dirs = add;
    f.in.host.ssh_auth_sock = "/home/u/.cache/ags/ssh-agent.sock";
    f.in.host.auth_proxy_sock = PROXY_SOCK;
    f.in.host.helper_path = HELPER;
    if (adjust)
        adjust(&f);
    fx_ok(&f);
    char *text = plan_render_text(f.p);
    char *json = plan_render_json(f.p);
    char *both = xasprintf("%s%s", text, json);
    const char *out = getenv("AGS_WRITE_GOLDEN");
    _cleanup_free_ char *path = xasprintf("%s/%s.golden", out ? out : GOLDEN_DIR, name);
    if (out) {
        FILE *fp = fopen(path, "we");
        assert_non_null(fp);
        fputs(both, fp);
        assert_int_equal(fclose(fp), 0);
    } else {
        FILE *fp = fopen(path, "re");
        if (!fp)
            fail_msg("cannot open %s", path);
        static char want[256 * 1024];
        size_t n = fread(want, 1, sizeof(want) - 1, fp);
        want[n] = '\0';
        fclose(fp);
        assert_string_equal(both, want);
    }
    free(both);
    free(json);
    free(text);
    fx_done(&f);
}

static void golden_claude(struct fx *f)
{
    f->in.host.cwd = "/work/repo/sub";
    f->in.flags.n_add_dirs = 1;
}

static void golden_lockdown(struct fx *f)
{
    f->in.flags.lockdown = true;
    f->in.host.dotgit = "/work/repo/.git";
    f->in.host.dotgit_kind = PLAN_GIT_DIR;
}

static void golden_allowlist(struct fx *f)
{
    static const char *const allow[] = {"example.com:443"};
    f->in.flags.network_set = true;
    f->in.flags.network = PLAN_NETWORK_ALLOWLIST;
    f->in.flags.allow = allow;
    f->in.flags.n_allow = 1;
}

static void golden_maintenance(struct fx *f)
{
    f->in.flags.add_dirs = NULL;
    f->in.flags.maintenance = "pnpm add -g x";
}

static void test_local_plans_render_byte_for_byte_as_before(void **state)
{
    (void)state;
    golden_case("plan-local-claude", base_toml, PLAN_AGENT_CLAUDE, golden_claude);
    golden_case("plan-local-pi-lockdown", base_toml, PLAN_AGENT_PI, golden_lockdown);
    golden_case("plan-local-shell-allowlist", base_toml, PLAN_AGENT_SHELL, golden_allowlist);
    golden_case("plan-local-codex-maintenance", base_toml, PLAN_AGENT_CODEX, golden_maintenance);
}

/* ---- a remote engine (docs/remote.md) ---- */

#define HEAD_SHA1 "0123456789abcdef0123456789abcdef01234567"

/* A config a remote run accepts: no host mount of its own. */
static const char remote_toml[] = "[sandbox]\n"                              /* 1 */
                                  "image = \"img:1\"\n"                      /* 2 */
                                  "gitconfig_path = \"/home/u/gitconfig\"\n" /* 3 */
                                  "[network]\n"                              /* 4 */
                                  "host_loopback = true\n";                  /* 5 */

static void fx_remote(struct fx *f, const char *toml, enum plan_agent a)
{
    fx_init(f, toml, a);
    fake_fs = golden_fs;
    f->in.host.remote_engine = true;
    f->in.host.git_head = HEAD_SHA1;
    f->in.host.ssh_auth_sock = "/home/u/.cache/ags/ssh-agent.sock";
    f->in.host.auth_proxy_sock = PROXY_SOCK;
    f->in.host.helper_path = HELPER;
}

static void assert_labels(char *const *labels, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        assert_non_null(labels[n]);
        assert_string_equal(labels[n], want[n]);
    }
    assert_null(labels[n]);
}

/* Nothing of the host is bind-mounted: the engine's host has none of it. */
static void assert_no_bind(const struct ags_plan *p)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (p->mounts[i].type == PLAN_MOUNT_BIND)
            fail_msg("bind of %s -> %s in a remote plan", p->mounts[i].source,
                     p->mounts[i].destination);
}

static void test_remote_workspace_is_an_uploaded_volume_with_the_session_labels(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_SHELL);
    fx_ok(&f);
    assert_true(f.p->remote);
    const struct plan_mount *ws = &f.p->mounts[0];
    assert_int_equal(ws->type, PLAN_MOUNT_VOLUME);
    assert_string_equal(ws->source, "ags-ws-s123");
    assert_string_equal(ws->destination, "/work/repo"); /* the paths the agent prints hold */
    assert_false(ws->read_only);
    assert_string_equal(ws->upload_from, "/work/repo");
    assert_string_equal(ws->origin, "workspace (remote engine)");
    static const char *const want[] = {
        "ags.managed=true", "ags.session=s123", "ags.agent=shell", "ags.volume=workspace",
        "ags.workdir=/work/repo", "ags.name=ags-work-repo-beef", "ags.base=" HEAD_SHA1, NULL};
    assert_labels(ws->labels, want);
    assert_string_equal(f.p->work_dir.v, "/work/repo");
    /* The agent volumes stay what they are, without an upload. */
    const struct plan_mount *cargo = mount_at(f.p, "/home/dev/.cargo");
    assert_string_equal(cargo->source, "ags-shell-cargo");
    assert_null(cargo->upload_from);
    assert_no_bind(f.p);
    fx_done(&f);
}

static void test_remote_base_label_is_a_commit_or_none(void **state)
{
    (void)state;
    static const struct {
        const char *head, *base;
    } cases[] = {
        {NULL, "none"}, /* outside git, or an unborn branch */
        {HEAD_SHA1, HEAD_SHA1},
        {HEAD_SHA1 "012345678901234567890123", HEAD_SHA1 "012345678901234567890123"}, /* SHA-256 */
        {"ref: refs/heads/main", "none"},
        {"0123456789ABCDEF0123456789ABCDEF01234567", "none"},
        {HEAD_SHA1 "\n", "none"},
        {"", "none"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fx f;
        fx_remote(&f, remote_toml, PLAN_AGENT_SHELL);
        f.in.host.git_head = cases[i].head;
        fx_ok(&f);
        assert_string_equal(plan_label_value(f.p->mounts[0].labels, PLAN_LABEL_BASE),
                            cases[i].base);
        fx_done(&f);
    }
}

static void test_remote_claude_hooks_are_a_read_only_uploaded_volume(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    const struct plan_mount *h = mount_at(f.p, PLAN_HOOKS_DIR);
    assert_non_null(h);
    assert_int_equal(h->type, PLAN_MOUNT_VOLUME);
    assert_string_equal(h->source, "ags-ws-s123-1");
    assert_true(h->read_only); /* a mount point the agent cannot replace, as the bind was */
    assert_string_equal(h->upload_from, "/home/u/.cache/ags/ags-hooks");
    assert_string_equal(h->origin, "claude guard hooks (remote engine: uploaded)");
    static const char *const want[] = {"ags.managed=true", "ags.session=s123",
                                       "ags.agent=claude", "ags.volume=upload", NULL};
    assert_labels(h->labels, want);
    /* The guard still runs from there. */
    assert_contains(script(f.p), PLAN_HOOKS_DIR "/guard.sh");
    assert_no_bind(f.p);
    fx_done(&f);
}

static void test_remote_gitconfig_and_public_keys_are_copied_in(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_PI);
    fx_ok(&f);
    static const struct {
        const char *dest, *src, *origin;
    } want[] = {
        {PLAN_HOME "/.config/ags/gitconfig", "/home/u/gitconfig", "gitconfig (config /etc/ags.toml:3)"},
        {PLAN_AUTH_PUB, "/home/u/.ssh/ags-agent-auth.pub", "ssh public key (default)"},
        {PLAN_SIGNING_PUB, "/home/u/.ssh/ags-agent-signing.pub", "ssh public key (default)"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct plan_mount *m = mount_at(f.p, want[i].dest);
        assert_non_null(m);
        assert_int_equal(m->type, PLAN_MOUNT_COPY);
        assert_string_equal(m->source, want[i].src);
        assert_true(m->read_only);
        assert_null(m->upload_from);
        assert_string_equal(m->origin, want[i].origin);
    }
    assert_string_equal(env_value(f.p, "GIT_CONFIG_GLOBAL"), PLAN_HOME "/.config/ags/gitconfig");
    fx_done(&f);
}

static void test_remote_leaves_out_ssh_agent_auth_proxy_and_host_loopback_with_notes(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    assert_null(f.p->ssh_agent_sock);
    assert_null(find_env(f.p, "SSH_AUTH_SOCK"));
    assert_null(find_mount(f.p, "/ssh-agent"));
    assert_no_auth_proxy(f.p);
    assert_null(find_mount(f.p, PLAN_HELPER));
    assert_false(f.p->network.host_loopback);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_OPEN);
    assert_null(f.p->egress_sock);
    assert_true(has_note(f.p, "no ssh agent in the sandbox: ags's filter serves it on this host, "
                              "and the engine runs on another (docs/remote.md)"));
    assert_true(has_note(f.p, "auth proxy off: it serves the sandbox from this host, and the "
                              "engine runs on another"));
    assert_true(has_note(f.p, "network.host_loopback (config /etc/ags.toml:5) ignored: the "
                              "engine runs on another host"));
    /* --network none stays what it is. */
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_NONE;
    fx_ok(&f);
    assert_int_equal(f.p->network.mode, PLAN_NETWORK_NONE);
    fx_done(&f);
}

static void assert_refused(struct fx *f, const char *msg)
{
    fx_build(f);
    assert_int_equal(f->r, -EINVAL); /* a usage error: exit 2 */
    assert_null(f->p);
    assert_string_equal(f->err.msg, msg);
    ags_error_clear(&f->err);
}

static void test_remote_refuses_lockdown_add_dir_and_host_mounts_naming_them(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_PI);
    f.in.flags.lockdown = true;
    assert_refused(&f, "--lockdown cannot be used with a remote engine (its staging, its "
                       "read-only git metadata and its checks after the run need this host); "
                       "remove it or use a local engine");
    f.in.flags.lockdown = false;
    const char *add[] = {"/extra"};
    f.in.flags.add_dirs = add;
    f.in.flags.n_add_dirs = 1;
    assert_refused(&f, "--add-dir /extra cannot be used with a remote engine (the engine's host "
                       "does not have this host's directories); remove it or use a local engine");
    fx_done(&f);

    fx_remote(&f, base_toml, PLAN_AGENT_PI); /* its first [[mount]] is at line 7 */
    assert_refused(&f, "/etc/ags.toml:7:1: [[mount]] /data/ro -> /data cannot be used with a "
                       "remote engine (the engine's host does not have this host's files); "
                       "remove it or use a local engine");
    fx_done(&f);

    static const char agent_toml[] = "[sandbox]\nimage = \"img:1\"\n"
                                     "[[agent_mount]]\n" /* 3 */
                                     "host = \"/home/u/.pi\"\ncontainer = \"/home/dev/.pi\"\n";
    fx_remote(&f, agent_toml, PLAN_AGENT_PI);
    assert_refused(&f, "/etc/ags.toml:3:1: [[agent_mount]] /home/u/.pi -> /home/dev/.pi cannot "
                       "be used with a remote engine (the engine's host does not have this "
                       "host's files); remove it or use a local engine");
    fx_done(&f);
}

static void test_remote_refuses_an_allowlist_from_the_flag_or_the_config(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_SHELL);
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_ALLOWLIST;
    assert_refused(&f, "network allowlist (--network) cannot be used with a remote engine (the "
                       "egress proxy that enforces it runs on this host); remove --network "
                       "allowlist or use a local engine");
    fx_done(&f);
    static const char toml[] = "[sandbox]\nimage = \"img:1\"\n[network]\nmode = \"allowlist\"\n";
    fx_remote(&f, toml, PLAN_AGENT_SHELL);
    assert_refused(&f, "network allowlist (config /etc/ags.toml:4:8) cannot be used with a remote "
                       "engine (the egress proxy that enforces it runs on this host); set "
                       "[network] mode = \"open\" or \"none\" for this run (--network), or use a "
                       "local engine");
    /* --network open or none for the run is accepted, as the message says. */
    f.in.flags.network_set = true;
    f.in.flags.network = PLAN_NETWORK_OPEN;
    fx_ok(&f);
    fx_done(&f);
}

static void test_remote_refuses_git_metadata_outside_the_work_dir(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_SHELL);
    f.in.host.cwd = "/work/repo/sub"; /* its git dir is /work/repo/.git */
    assert_refused(&f, "the git metadata of /work/repo/sub is at /work/repo/.git, outside it: a "
                       "remote engine gets the work dir only (a linked worktree or a "
                       "subdirectory of the repository); run ags at the repository's top level "
                       "or use a local engine");
    f.in.host.git_dir = f.in.host.git_common_dir = NULL; /* outside git: fine */
    fx_ok(&f);
    assert_string_equal(plan_label_value(f.p->mounts[0].labels, PLAN_LABEL_BASE), HEAD_SHA1);
    fx_done(&f);
}

/* update-agents mounts the agent's volumes only: a remote engine changes
 * nothing of its plan. */
static void test_remote_maintenance_plan_is_unchanged(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, base_toml, PLAN_AGENT_CODEX);
    f.in.flags.maintenance = "pnpm add -g x";
    fx_ok(&f);
    char *local = plan_render_json(f.p);
    f.in.host.remote_engine = true;
    f.in.host.git_head = HEAD_SHA1;
    fx_ok(&f);
    assert_false(f.p->remote);
    char *remote = plan_render_json(f.p);
    assert_string_equal(remote, local);
    free(remote);
    free(local);
    fx_done(&f);
}

static void test_render_shows_the_remote_engine_uploads_and_copies(void **state)
{
    (void)state;
    struct fx f;
    fx_remote(&f, remote_toml, PLAN_AGENT_CLAUDE);
    fx_ok(&f);
    f.p->engine.v = xstrdup("ssh://u@build/run/user/1000/podman/podman.sock");
    f.p->engine.origin = xstrdup("--connection build");
    char *text = plan_render_text(f.p);
    assert_contains(text, "engine: ssh://u@build/run/user/1000/podman/podman.sock (remote: the "
                          "workspace is uploaded)  # --connection build\n");
    assert_contains(text, "  volume ags-ws-s123 -> /work/repo (rw, uploaded from /work/repo)  "
                          "# workspace (remote engine)\n");
    assert_contains(text, "  volume ags-ws-s123-1 -> /home/dev/.config/ags/hooks (ro, uploaded "
                          "from /home/u/.cache/ags/ags-hooks)  # claude guard hooks (remote "
                          "engine: uploaded)\n");
    assert_contains(text, "  copy /home/u/gitconfig -> /home/dev/.config/ags/gitconfig (ro, "
                          "copied in before the sandbox starts)  # gitconfig (config "
                          "/etc/ags.toml:3)\n");
    assert_contains(text, "no ssh agent in the sandbox");
    char *json = plan_render_json(f.p);
    assert_contains(json, "\"remote\": true,\n");
    assert_contains(json, "{\"type\": \"volume\", \"source\": \"ags-ws-s123\", \"destination\": "
                          "\"/work/repo\", \"read_only\": false, \"create\": \"dir\", "
                          "\"stage_from\": null, \"upload_from\": \"/work/repo\", \"labels\": "
                          "[\"ags.managed=true\", ");
    assert_contains(json, "\"ags.base=" HEAD_SHA1 "\"]");
    assert_contains(json, "{\"type\": \"copy\", \"source\": \"/home/u/gitconfig\"");
    free(json);
    free(text);
    fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mount_order_workdir_gitconfig_volumes_gitdirs_config_adddir_ssh_proxy),
        cmocka_unit_test(test_workdir_is_first_rw_same_path_and_the_work_dir),
        cmocka_unit_test(test_gitconfig_mounted_ro_with_env_and_missing_gitconfig_leaves_no_env),
        cmocka_unit_test(test_runtime_volumes_and_build_caches_are_per_agent_with_labels),
        cmocka_unit_test(test_claude_gets_install_volume_and_guard_hooks_unless_yolo),
        cmocka_unit_test(test_git_dir_inside_workdir_is_not_mounted_again),
        cmocka_unit_test(test_linked_worktree_mounts_the_main_git_dir_once_rw),
        cmocka_unit_test(test_submodule_git_dir_outside_the_workdir_is_mounted),
        cmocka_unit_test(test_config_mounts_keep_order_mode_and_file_line_origin),
        cmocka_unit_test(test_config_mount_when_browser_is_skipped_with_a_note),
        cmocka_unit_test(test_config_mount_create_is_recorded_for_the_runner),
        cmocka_unit_test(test_config_mount_optional_and_missing_is_skipped_with_a_note),
        cmocka_unit_test(test_required_mount_missing_is_an_error_naming_file_and_line),
        cmocka_unit_test(test_config_mount_host_side_refused_over_home_ags_dirs_and_other_agents_homes),
        cmocka_unit_test(test_config_mount_of_ags_runtime_dir_refused_even_read_only),
        cmocka_unit_test(test_add_dirs_are_rw_same_path_in_flag_order_after_config_mounts),
        cmocka_unit_test(test_add_dir_identical_to_an_existing_mount_is_skipped),
        cmocka_unit_test(test_add_dir_must_be_an_existing_directory_and_not_hide_a_mount),
        cmocka_unit_test(test_ssh_socket_mount_and_env_only_when_the_caller_provides_one),
        cmocka_unit_test(test_the_planned_socket_is_where_the_helper_looks),
        cmocka_unit_test(test_auth_proxy_socket_and_read_only_helper_with_browser_and_path),
        cmocka_unit_test(test_auth_proxy_needs_the_config_the_socket_and_the_helper),
        cmocka_unit_test(test_lockdown_and_maintenance_get_no_auth_proxy),
        cmocka_unit_test(test_workspace_refused_at_root_home_its_ancestors_and_ags_own_dirs),
        cmocka_unit_test(test_workspace_refused_when_it_is_a_place_under_another_name),
        cmocka_unit_test(test_git_head_valid_follows_git),
        cmocka_unit_test(test_add_dir_refused_at_root_home_and_ags_own_dirs),
        cmocka_unit_test(test_git_metadata_at_home_root_or_ags_dirs_is_not_mounted_and_noted),
        cmocka_unit_test(test_git_discovery_note_is_shown_in_the_plan),
        cmocka_unit_test(test_lockdown_linked_worktree_mounts_the_main_git_dir_read_only),
        cmocka_unit_test(test_lockdown_pins_the_workdir_dotgit_with_config_hooks_and_modules_read_only),
        cmocka_unit_test(test_lockdown_pins_objects_and_refs_and_makes_config_worktree_read_only),
        cmocka_unit_test(test_git_metadata_in_an_agent_home_or_a_mount_source_is_not_mounted),
        cmocka_unit_test(test_lockdown_refuses_a_symlinked_config_hooks_or_worktrees_in_the_workdir_dotgit),
        cmocka_unit_test(test_lockdown_keeps_workdir_gitdirs_staging_adddirs_and_runtime_read_only),
        cmocka_unit_test(test_lockdown_adds_bounded_tmpfs_for_tmp_var_tmp_and_run),
        cmocka_unit_test(test_lockdown_claude_stages_both_homes_and_fresh_hooks),
        cmocka_unit_test(test_lockdown_requires_a_configured_mount_of_the_agent_home),
        cmocka_unit_test(test_lockdown_never_plans_from_a_config_with_a_repo_overlay),
        cmocka_unit_test(test_lockdown_env_has_ags_lockdown_and_no_host_services_caches_or_secrets),
        cmocka_unit_test(test_lockdown_with_root_or_stop_when_done_without_tmux_is_rejected),
        cmocka_unit_test(test_env_default_order_values_and_host_passthrough_names),
        cmocka_unit_test(test_yolo_sets_ags_guard_yolo),
        cmocka_unit_test(test_secrets_are_references_and_passthrough_env_names_skip_op_and_targets),
        cmocka_unit_test(test_entrypoint_exports_each_secret_once_from_its_file_and_lockdown_none),
        cmocka_unit_test(test_pi_profile_runs_pi_with_guard_extension_and_host_hint),
        cmocka_unit_test(test_claude_profile_links_claude_and_passes_guard_settings_and_plugin_dir),
        cmocka_unit_test(test_codex_gemini_opencode_and_shell_profiles),
        cmocka_unit_test(test_lockdown_injects_no_host_services_hint_into_prompts_or_script),
        cmocka_unit_test(test_root_adds_the_root_prompt_for_pi_and_claude_and_drops_hardening),
        cmocka_unit_test(test_defaults_prepend_claude_flags_without_repeating_skip_permissions),
        cmocka_unit_test(test_defaults_gemini_yolo_once_and_nothing_for_other_agents),
        cmocka_unit_test(test_shell_quote_bare_words_spaces_quotes_empty_and_unicode),
        cmocka_unit_test(test_boot_dirs_from_config_are_quoted_before_profile_dirs),
        cmocka_unit_test(test_tmux_keeps_a_shell_after_the_agent_unless_stop_when_done),
        cmocka_unit_test(test_name_is_slug_of_last_three_components_and_four_hex_digits),
        cmocka_unit_test(test_name_of_a_linked_worktree_uses_the_main_repository),
        cmocka_unit_test(test_name_slug_is_capped_at_40_and_empty_becomes_work),
        cmocka_unit_test(test_name_suffix_is_the_random_16_bits_in_hex),
        cmocka_unit_test(test_labels_carry_managed_session_agent_and_owning_pid),
        cmocka_unit_test(test_a_supervisor_replaces_pid_and_owner_and_marks_the_session),
        cmocka_unit_test(test_labels_for_ps_carry_encoded_workdir_lockdown_network_and_start),
        cmocka_unit_test(test_security_default_dev_is_caller_no_new_privs_cap_drop_and_config_pids_limit),
        cmocka_unit_test(test_network_is_open_with_host_loopback_closed_by_default),
        cmocka_unit_test(test_network_host_loopback_only_in_open_mode_and_never_in_lockdown),
        cmocka_unit_test(test_lockdown_defaults_to_allowlist_with_the_agent_hosts_and_the_proxy),
        cmocka_unit_test(test_agent_default_hosts_join_every_allowlist),
        cmocka_unit_test(test_allowlist_entries_in_order_with_their_origins),
        cmocka_unit_test(test_network_open_with_lockdown_needs_lockdown_may_open),
        cmocka_unit_test(test_config_open_under_lockdown_is_replaced_unless_permitted),
        cmocka_unit_test(test_lockdown_drops_loopback_entries_with_a_note),
        cmocka_unit_test(test_none_mode_has_no_proxy_env_mount_or_forwarder),
        cmocka_unit_test(test_allowlist_without_egress_socket_or_helper_is_an_error),
        cmocka_unit_test(test_allowlist_with_the_auth_proxy_mounts_the_helper_once),
        cmocka_unit_test(test_secrets_may_not_set_the_proxy_variables),
        cmocka_unit_test(test_maintenance_plan_is_always_open),
        cmocka_unit_test(test_entrypoint_leaves_login_files_under_a_mount_alone),
        cmocka_unit_test(test_render_text_and_json_name_every_origin),
        cmocka_unit_test(test_render_states_root_identity_and_tmpfs_sizes_as_intent),
        cmocka_unit_test(test_agent_names_round_trip_and_unknown_is_rejected),
        cmocka_unit_test(test_path_puts_every_system_dir_before_any_volume_or_home_dir),
        cmocka_unit_test(test_path_dirs_in_volumes_belong_to_the_running_agent),
        cmocka_unit_test(test_no_volume_is_shared_between_two_agents),
        cmocka_unit_test(test_entrypoint_starts_bin_bash_by_absolute_path_without_login_files),
        cmocka_unit_test(test_entrypoint_runs_commands_on_the_system_path_and_execs_absolute_paths),
        cmocka_unit_test(test_agent_homes_are_mounted_only_for_their_own_agent),
        cmocka_unit_test(test_secrets_never_set_path_or_shell_and_loader_startup_variables),
        cmocka_unit_test(test_maintenance_plan_mounts_only_the_agents_volumes_and_runs_the_script),
        cmocka_unit_test(test_public_keys_mounted_read_only_without_an_agent_socket),
        cmocka_unit_test(test_key_without_pub_or_whose_pub_is_the_key_is_not_mounted),
        cmocka_unit_test(test_lockdown_has_no_public_key_agent_socket_or_gitconfig),
        cmocka_unit_test(test_maintenance_plan_takes_no_run_flags),
        cmocka_unit_test(test_local_plans_render_byte_for_byte_as_before),
        cmocka_unit_test(test_remote_workspace_is_an_uploaded_volume_with_the_session_labels),
        cmocka_unit_test(test_remote_base_label_is_a_commit_or_none),
        cmocka_unit_test(test_remote_claude_hooks_are_a_read_only_uploaded_volume),
        cmocka_unit_test(test_remote_gitconfig_and_public_keys_are_copied_in),
        cmocka_unit_test(test_remote_leaves_out_ssh_agent_auth_proxy_and_host_loopback_with_notes),
        cmocka_unit_test(test_remote_refuses_lockdown_add_dir_and_host_mounts_naming_them),
        cmocka_unit_test(test_remote_refuses_an_allowlist_from_the_flag_or_the_config),
        cmocka_unit_test(test_remote_refuses_git_metadata_outside_the_work_dir),
        cmocka_unit_test(test_remote_maintenance_plan_is_unchanged),
        cmocka_unit_test(test_render_shows_the_remote_engine_uploads_and_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
