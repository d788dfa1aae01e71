/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags doctor (run/doctor*.c): every verdict from injected facts, the text and
 * JSON rendering, the engine facts through a fake backend (a silent engine
 * is given up on), and reading an agent's version from a volume the sandbox
 * may have booby-trapped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "run/doctor-internal.h"
#include "conf-fixture.h"

/* ---- helpers ---- */

/* A usable Ed25519 key: the private file shows the same blob as its .pub. */
static void good_key(struct doctor_key_facts *k, const char *path)
{
    static const unsigned char blob[] = {0, 0, 0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5',
                                         '5', '1', '9', 0, 0, 0, 1, 42};
    *k = (struct doctor_key_facts){.path = xstrdup(path)};
    struct ssh_keyfile_facts *f = &k->files;
    f->key_size = f->pub_size = 100;
    f->key.format = SSH_PRIV_OPENSSH;
    f->key.kind = SSH_KEY_ED25519;
    strcpy(f->key.type, "ssh-ed25519");
    f->pub.type = xstrdup("ssh-ed25519");
    f->key.blob = xmalloc(sizeof(blob));
    f->pub.blob = xmalloc(sizeof(blob));
    memcpy(f->key.blob, blob, sizeof(blob));
    memcpy(f->pub.blob, blob, sizeof(blob));
    f->key.blob_len = f->pub.blob_len = sizeof(blob);
}

/* Facts of a healthy host: every check OK. */
static void healthy(struct doctor_facts *f)
{
    *f = (struct doctor_facts){0};
    f->engine.uri = xstrdup("unix:///run/user/1000/podman/podman.sock");
    f->engine.reachable = true;
    f->engine.info = (struct backend_engine_info){.rootless = true};
    strcpy(f->engine.info.version, "4.3.1");
    f->host.user = xstrdup("alice");
    f->host.uid = 1000;
    f->host.subuid = xstrdup("bob:100000:65536\nalice:165536:65536\n");
    f->host.subgid = xstrdup("1000:165536:65536\n");
    f->host.slirp4netns = true;
    f->host.podman = true;
    f->host.bwrap = true;
    f->host.mmdebstrap = true;
    f->host.cgroup2 = true;
    f->host.controllers = xstrdup("cpuset cpu io memory pids\n");
    f->host.controllers_at = xstrdup("/sys/fs/cgroup/user.slice/cgroup.controllers");
    f->have_image = true;
    f->image.image = xstrdup("localhost/ags-sandbox:latest");
    f->image.labels = strv_new(2, "ags.image.built=2026-12-02T10:00:00Z",
                               "ags.image.context-sha256=abc123");
    strcpy(f->image.expected, "abc123");
    strcpy(f->image.storage_driver, "overlay");
    f->n_agents = 2;
    f->agents[0] = (struct doctor_agent_facts){.agent = PLAN_AGENT_PI, .version = "1.6.0"};
    strcpy(f->agents[0].volume, "ags-pi-pnpm-home");
    f->agents[1] = (struct doctor_agent_facts){.agent = PLAN_AGENT_CLAUDE, .version = "2.1.3"};
    strcpy(f->agents[1].volume, "ags-claude-install");
    f->config.loaded = true;
    f->config.path = xstrdup("/home/alice/.config/ags/config.toml");
    f->files.assets_dir = xstrdup("/usr/share/ags/agent-assets");
    f->files.missing_assets = xcalloc(1, sizeof(char *));
    f->files.gitconfig = xstrdup("/home/alice/.config/ags/gitconfig-agent");
    f->files.gitconfig_identity = true;
    f->files.gitconfig_signing = (struct run_gitconfig_signing){
            .managed = true, .has_format = true, .format_ssh = true, .has_signingkey = true,
            .signingkey_ours = true, .has_gpgsign = true, .gpgsign_on = true};
    good_key(&f->keys[RUN_KEY_AUTH], "/home/alice/.ssh/ags-agent-auth");
    good_key(&f->keys[RUN_KEY_SIGNING], "/home/alice/.ssh/ags-agent-signing");
    f->have_secrets = true;
}

static const struct doctor_check *find(const struct doctor_report *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->checks[i].name, name) == 0)
            return &r->checks[i];
    return NULL;
}

/* The check named so in r, which the test expects: a missing one fails it. */
static const struct doctor_check *must_find(const struct doctor_report *r, const char *name)
{
    const struct doctor_check *c = find(r, name);
    if (!c)
        fail_abort("no check named %s", name);
    return c;
}

/* Runs every check on f and returns the named one (the report is *r). */
static const struct doctor_check *verdict(const struct doctor_facts *f, struct doctor_report *r,
                                          const char *name)
{
    *r = (struct doctor_report){0};
    doctor_check_all(f, r);
    return must_find(r, name);
}

/* hay is evaluated once (it may be a verdict() call). */
#define assert_has(hay, needle)                                                     \
    do {                                                                            \
        const char *hay_ = (hay);                                                   \
        if (!hay_ || !strstr(hay_, (needle)))                                       \
            fail_msg("'%s' not in '%s'", (needle), hay_ ? hay_ : "(null)");         \
    } while (0)

static void test_healthy_facts_give_only_ok(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r = {0};
    doctor_check_all(&f, &r);
    for (size_t i = 0; i < r.n; i++)
        if (r.checks[i].status != DOCTOR_OK)
            fail_msg("%s: %s", r.checks[i].name, r.checks[i].message);
    assert_int_equal(r.n_warn + r.n_fail, 0);
    assert_int_equal(r.n_ok, r.n);
    assert_non_null(find(&r, "agent-claude"));
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- backends ---- */

static void test_each_backend_the_host_cannot_use_says_why_and_the_fix(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    f.host.podman = false;
    const struct doctor_check *c = verdict(&f, &r, "backend-podman");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->fix, "apt-get install podman");
    doctor_report_free(&r);
    f.host.bwrap = false;
    c = verdict(&f, &r, "backend-bwrap");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "bwrap is not installed");
    assert_has(c->fix, "apt-get install bubblewrap");
    doctor_report_free(&r);
    f.host.bwrap = true;
    f.host.userns_off = strdup("kernel.unprivileged_userns_clone is 0");
    c = verdict(&f, &r, "backend-bwrap");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "unprivileged_userns_clone is 0");
    doctor_report_free(&r);
    free(f.host.userns_off);
    f.host.userns_off = NULL;
    f.host.slirp4netns = false;
    c = verdict(&f, &r, "backend-bwrap");
    assert_has(c->message, "slirp4netns is not installed");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_the_bwrap_engine_is_reported_as_such(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    f.engine.looked_at = BACKEND_BWRAP;
    f.engine.configured = BACKEND_AUTO;
    snprintf(f.engine.info.version, sizeof(f.engine.info.version), "0.8.0");
    struct doctor_report r;
    const struct doctor_check *c = verdict(&f, &r, "bwrap");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "bubblewrap 0.8.0");
    assert_has(c->message, "= auto");
    assert_null(find(&r, "podman-api"));
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- Podman ---- */

static void test_unreachable_podman_fails_with_the_commands_that_start_it(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    f.engine.reachable = false;
    f.engine.error = xstrdup("no Podman service at unix:///x (the socket does not exist)");
    f.have_image = false;
    f.n_agents = 0;
    struct doctor_report r;
    const struct doctor_check *c = verdict(&f, &r, "podman-api");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "Podman API not reachable at unix:///run/user/1000/podman/podman.sock");
    assert_has(c->message, "doctor never starts Podman");
    assert_has(c->fix, "systemctl --user start podman.socket");
    assert_has(c->fix, "a run starts it");
    assert_null(find(&r, "storage-driver"));
    assert_null(find(&r, "image"));
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_vfs_storage_warns_and_the_fix_says_reset_deletes(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    strcpy(f.image.storage_driver, "vfs");
    struct doctor_report r;
    const struct doctor_check *c = verdict(&f, &r, "storage-driver");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->fix, "driver = \"overlay\"");
    assert_has(c->fix, "podman system reset");
    assert_has(c->fix, "deletes every image, container and volume");
    doctor_report_free(&r);
    /* without an image the driver is unknown: no verdict */
    f.image.labels_r = -ENOENT;
    assert_int_equal(verdict(&f, &r, "image")->status, DOCTOR_FAIL);
    assert_null(find(&r, "storage-driver"));
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_rootful_podman_warns(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    f.engine.info.rootless = false;
    struct doctor_report r;
    assert_int_equal(verdict(&f, &r, "podman-rootless")->status, DOCTOR_WARN);
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- Host ---- */

static void test_subid_ranges_count_by_name_or_uid(void **s _unused_)
{
    unsigned long n = 0;
    assert_true(doctor_subid_has_range("alice:100000:65536\n", "alice", 1000, &n));
    assert_int_equal(n, 65536);
    assert_true(doctor_subid_has_range("1000:100000:65536", "alice", 1000, NULL));
    assert_true(doctor_subid_has_range("alice:1:30000\nalice:40000:40000\n", "alice", 1000, &n));
    assert_int_equal(n, 70000);
    assert_false(doctor_subid_has_range("alicex:1:65536\n10000:1:65536\n", "alice", 1000, &n));
    assert_int_equal(n, 0);
    assert_false(doctor_subid_has_range("alice:1:junk\n", "alice", 1000, &n));
}

static void test_subid_verdicts(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    free(f.host.subuid);
    f.host.subuid = xstrdup("alice:100000:1000\n");
    const struct doctor_check *c = verdict(&f, &r, "subuid");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->fix, "usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice");
    doctor_report_free(&r);
    free(f.host.subuid);
    f.host.subuid = xstrdup("bob:100000:65536\n");
    assert_int_equal(verdict(&f, &r, "subuid")->status, DOCTOR_FAIL);
    doctor_report_free(&r);
    free(f.host.subgid);
    f.host.subgid = NULL;
    assert_int_equal(verdict(&f, &r, "subgid")->status, DOCTOR_FAIL);
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_tun_and_network_helper_verdicts(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    f.host.tun_errno = EACCES;
    const struct doctor_check *c = verdict(&f, &r, "tun");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->fix, "chmod 0666 /dev/net/tun");
    doctor_report_free(&r);
    f.host.tun_errno = ENOENT;
    assert_has(verdict(&f, &r, "tun")->fix, "modprobe tun");
    doctor_report_free(&r);
    f.host.slirp4netns = false;
    c = verdict(&f, &r, "network-helper");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->fix, "slirp4netns");
    doctor_report_free(&r);
    f.host.pasta = true;
    c = verdict(&f, &r, "network-helper");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "pasta");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_controllers_are_whole_words(void **s _unused_)
{
    assert_true(doctor_controllers_have("cpu io memory pids\n", "pids"));
    assert_true(doctor_controllers_have("memory", "memory"));
    assert_false(doctor_controllers_have("cpu pidsx memoryy", "pids"));
    assert_false(doctor_controllers_have("cpu pidsx memoryy", "memory"));
    assert_false(doctor_controllers_have(NULL, "pids"));
}

static enum doctor_status limits(struct doctor_facts *f, const char *want_in_message)
{
    struct doctor_report r;
    const struct doctor_check *c = verdict(f, &r, "resource-limits");
    enum doctor_status st = c->status;
    assert_has(c->message, want_in_message);
    if (st != DOCTOR_OK)
        assert_non_null(c->fix);
    doctor_report_free(&r);
    return st;
}

static void test_resource_limits_are_enforced_only_on_v2_with_delegation(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    assert_int_equal(limits(&f, "resource limits are enforced"), DOCTOR_OK);
    f.host.cgroup2 = false;
    assert_int_equal(limits(&f, "accepted but not enforced on this host (cgroup v1)"),
                     DOCTOR_WARN);
    f.host.cgroup2 = true;
    free(f.host.controllers);
    f.host.controllers = xstrdup("cpu io memory\n");
    assert_int_equal(limits(&f, "without the pids controller delegated"), DOCTOR_WARN);
    free(f.host.controllers);
    f.host.controllers = xstrdup("cpu pids\n");
    assert_int_equal(limits(&f, "without the memory controller delegated"), DOCTOR_WARN);
    free(f.host.controllers);
    f.host.controllers = NULL;
    assert_int_equal(limits(&f, "no controllers are delegated"), DOCTOR_WARN);
    doctor_facts_done(&f);
}

/* ---- Image and agents ---- */

static void test_image_absent_fails_outdated_warns(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    const struct doctor_check *c = verdict(&f, &r, "image");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "2026-12-02T10:00:00Z");
    doctor_report_free(&r);
    strcpy(f.image.expected, "def456");
    c = verdict(&f, &r, "image");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "image localhost/ags-sandbox:latest is outdated: run `ags update-image`");
    assert_string_equal(c->fix, "ags update-image");
    doctor_report_free(&r);
    f.image.own_containerfile = true;
    assert_has(verdict(&f, &r, "image")->message, "your [sandbox].containerfile");
    doctor_report_free(&r);
    strv_free(f.image.labels);
    f.image.labels = strv_new(1, "other=1");
    assert_has(verdict(&f, &r, "image")->message, "not built by ags update-image");
    doctor_report_free(&r);
    f.image.labels_r = -ENOENT;
    c = verdict(&f, &r, "image");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_string_equal(c->fix, "ags update-image");
    assert_int_equal(r.n_fail, 1);
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_agent_not_installed_warns_with_its_update_command(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    assert_has(verdict(&f, &r, "agent-pi")->message, "pi 1.6.0 (volume ags-pi-pnpm-home)");
    doctor_report_free(&r);
    f.agents[0].r = -ENOENT;
    const struct doctor_check *c = verdict(&f, &r, "agent-pi");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "pi is not installed");
    assert_string_equal(c->fix, "ags update-agents pi");
    doctor_report_free(&r);
    f.agents[1].r = -ELOOP;
    f.agents[1].error = xstrdup("'x/global' is a symlink");
    c = verdict(&f, &r, "agent-claude");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "is a symlink");
    assert_string_equal(c->fix, "ags update-agents claude");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- Config and secrets ---- */

static void test_config_errors_fail_each_with_its_place(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    f.config.loaded = false;
    f.config.errors = strv_new(2, "/h/c.toml:3:9: sandbox.pids_limit: expected an integer",
                               "/h/c.toml:5:1: frob: unknown key");
    f.config.n_errors = 2;
    struct doctor_report r = {0};
    doctor_check_all(&f, &r);
    assert_int_equal(r.n_fail, 2);
    size_t seen = 0;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.checks[i].name, "config") == 0) {
            assert_int_equal(r.checks[i].status, DOCTOR_FAIL);
            assert_has(r.checks[i].message, seen ? "/h/c.toml:5:1:" : "/h/c.toml:3:9:");
            assert_has(r.checks[i].fix, "/home/alice/.config/ags/config.toml");
            seen++;
        }
    assert_int_equal(seen, 2);
    assert_non_null(find(&r, "image")); /* the other sections still ran */
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_overlay_states(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    assert_has(verdict(&f, &r, "overlay")->message, "no repo overlay");
    doctor_report_free(&r);
    f.config.overlay = DOCTOR_OVERLAY_TRUSTED;
    f.config.overlay_path = xstrdup("/repo/.ags/config.toml");
    assert_int_equal(verdict(&f, &r, "overlay")->status, DOCTOR_OK);
    doctor_report_free(&r);
    f.config.overlay = DOCTOR_OVERLAY_UNTRUSTED;
    const struct doctor_check *c = verdict(&f, &r, "overlay");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "/repo/.ags/config.toml is not trusted");
    assert_has(c->fix, "run ags in this repository");
    doctor_report_free(&r);
    f.config.missing = true;
    assert_has(verdict(&f, &r, "config")->message, "built-in default applies");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_assets_and_gitconfig_verdicts(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    strv_free(f.files.missing_assets);
    f.files.missing_assets = strv_new(2, "pi/guard.ts", "claude/guard.sh");
    const struct doctor_check *c = verdict(&f, &r, "guard-assets");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "pi/guard.ts, claude/guard.sh");
    doctor_report_free(&r);
    f.files.gitconfig_r = -ENOENT;
    c = verdict(&f, &r, "gitconfig");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_string_equal(c->fix, "ags setup");
    doctor_report_free(&r);
    f.files.gitconfig_r = -ELOOP;
    assert_has(verdict(&f, &r, "gitconfig")->message, "is a symlink");
    doctor_report_free(&r);
    f.files.gitconfig_r = 0;
    f.files.gitconfig_identity = false;
    assert_has(verdict(&f, &r, "gitconfig")->message, "no user.name and user.email");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* Each key's verdict with the exact command that fixes it; missing is a
 * warning (setup makes it), a key that cannot work as configured fails. */
/* The real agent behind the sandbox's: what a run will do, and the fix for a
 * key it lacks. */
static void test_ssh_agent_checks_say_what_a_run_will_do(void **s _unused_)
{
    struct doctor_facts f;
    struct doctor_report r;
    healthy(&f);
    struct ssh_keyfile_facts *auth = &f.keys[RUN_KEY_AUTH].files;
    auth->key.blob[auth->key.blob_len - 1] ^= 1; /* another key than the signing one */
    auth->pub.blob[auth->pub.blob_len - 1] ^= 1;
    f.have_ssh_agent = true;
    f.ssh_agent = (struct run_ssh_agent_probe){
            .path = xstrdup("/run/user/1000/ags-ssh-agent.sock"), .own = true,
            .r = -ECONNREFUSED, .error = xstrdup("no ssh agent answers")};
    const struct doctor_check *c = verdict(&f, &r, "ssh-agent");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "a run starts ags's own at /run/user/1000/ags-ssh-agent.sock");
    assert_null(find(&r, "ssh-agent-key-auth")); /* nothing is known of its keys */
    doctor_report_free(&r);

    const struct ssh_pubkey *sign = &f.keys[RUN_KEY_SIGNING].files.pub;
    f.ssh_agent.r = 0;
    f.ssh_agent.keys.n = 1;
    f.ssh_agent.keys.blob = xcalloc(1, sizeof(uint8_t *));
    f.ssh_agent.keys.len = xcalloc(1, sizeof(size_t));
    f.ssh_agent.keys.blob[0] = xmalloc(sign->blob_len);
    memcpy(f.ssh_agent.keys.blob[0], sign->blob, sign->blob_len);
    f.ssh_agent.keys.len[0] = sign->blob_len;
    c = verdict(&f, &r, "ssh-agent-key-signing");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "signing key is loaded in ags's ssh agent");
    c = find(&r, "ssh-agent-key-auth");
    assert_non_null(c);
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_string_equal(c->fix, "SSH_AUTH_SOCK=/run/user/1000/ags-ssh-agent.sock ssh-add "
                                "/home/alice/.ssh/ags-agent-auth");
    assert_null(find(&r, "ssh-agent-user"));
    doctor_report_free(&r);

    f.ssh_agent.user_error = xstrdup("no ssh agent answers at /tmp/gone: Connection refused");
    c = verdict(&f, &r, "ssh-agent-user");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "/tmp/gone");
    doctor_report_free(&r);

    free(f.ssh_agent.path);
    f.ssh_agent.path = NULL;
    f.ssh_agent.r = -EINVAL;
    c = verdict(&f, &r, "ssh-agent");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->fix, "XDG_RUNTIME_DIR");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_approval_path_names_how_a_question_reaches_the_user(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    f.approval = (struct notify_probe){.path = NOTIFY_PATH_SERVER, .what = "dunst 1.9 (knopwob)"};
    const struct doctor_check *c = verdict(&f, &r, "approval-path");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_string_equal(c->message, "approvals ask through desktop notifications: dunst 1.9 "
                                    "(knopwob)");
    doctor_report_free(&r);

    f.approval = (struct notify_probe){.path = NOTIFY_PATH_KDIALOG, .what = "/usr/bin/kdialog"};
    c = verdict(&f, &r, "approval-path");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_string_equal(c->message, "approvals ask through kdialog: /usr/bin/kdialog");
    doctor_report_free(&r);

    /* Headless is fine until a signature needs an answer. */
    f.approval = (struct notify_probe){.path = NOTIFY_PATH_NONE, .what = "no session bus"};
    c = verdict(&f, &r, "approval-path");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_string_equal(c->message, "no desktop approvals (headless): no session bus");
    doctor_report_free(&r);

    f.ssh_confirm_always = true;
    c = verdict(&f, &r, "approval-path");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_string_equal(c->message, "nothing can ask for approvals, so [ssh] confirm = \"always\" "
                                    "refuses every signature: no session bus");
    assert_has(c->fix, "install zenity; or set [ssh] confirm = \"never\"");
    doctor_report_free(&r);

    f.approval.path = NOTIFY_PATH_ZENITY;
    c = verdict(&f, &r, "approval-path");
    assert_int_equal(c->status, DOCTOR_OK);
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_key_verdicts_and_their_fixes(void **s _unused_)
{
    struct doctor_facts f;
    struct doctor_report r;
    healthy(&f);
    const struct doctor_check *c = verdict(&f, &r, "key-signing");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "Ed25519");
    assert_has(c->message, "/home/dev/.ssh/ags-agent-signing.pub");
    doctor_report_free(&r);

    struct ssh_keyfile_facts *k = &f.keys[RUN_KEY_AUTH].files;
    k->pub.blob[k->pub.blob_len - 1] ^= 1; /* another key's .pub */
    c = verdict(&f, &r, "key-auth");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "is not the public half of /home/alice/.ssh/ags-agent-auth");
    assert_string_equal(c->fix, "ssh-keygen -y -f /home/alice/.ssh/ags-agent-auth > "
                                "/home/alice/.ssh/ags-agent-auth.pub");
    doctor_report_free(&r);

    k->pub_r = -ENOENT;
    k->pub_size = 0;
    c = verdict(&f, &r, "key-auth");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "has no /home/alice/.ssh/ags-agent-auth.pub");
    doctor_report_free(&r);

    k->key.kind = SSH_KEY_RSA;
    strcpy(k->key.type, "ssh-rsa");
    c = verdict(&f, &r, "key-auth");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "is an RSA key: ags takes only Ed25519 or ECDSA keys");
    assert_has(c->fix, "ags setup");
    doctor_report_free(&r);

    k->key_size = 0;
    c = verdict(&f, &r, "key-auth");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_has(c->message, "auth key /home/alice/.ssh/ags-agent-auth is empty");
    assert_string_equal(c->fix, "rm -f /home/alice/.ssh/ags-agent-auth "
                                "/home/alice/.ssh/ags-agent-auth.pub && ags setup");
    doctor_report_free(&r);

    k->key_r = -ENOENT;
    c = verdict(&f, &r, "key-auth");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "no auth key at /home/alice/.ssh/ags-agent-auth");
    assert_has(c->fix, "ssh-keygen -t ed25519 -a 64 -f /home/alice/.ssh/ags-agent-auth "
                       "-C ags-agent-auth");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void test_gitconfig_signing_verdicts(void **s _unused_)
{
    struct doctor_facts f;
    struct doctor_report r;
    healthy(&f);
    assert_int_equal(verdict(&f, &r, "gitconfig-signing")->status, DOCTOR_OK);
    doctor_report_free(&r);
    f.files.gitconfig_signing.has_gpgsign = false;
    const struct doctor_check *c = verdict(&f, &r, "gitconfig-signing");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "lacks commit signing");
    assert_has(c->fix, "ags setup");
    doctor_report_free(&r);
    f.files.gitconfig_signing.managed = false; /* the user's file: the git commands */
    c = verdict(&f, &r, "gitconfig-signing");
    assert_has(c->fix, "git config -f /home/alice/.config/ags/gitconfig-agent commit.gpgsign "
                       "true");
    doctor_report_free(&r);
    f.files.gitconfig_signing.has_gpgsign = true;
    f.files.gitconfig_signing.gpgsign_on = false;
    c = verdict(&f, &r, "gitconfig-signing");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "turns ssh commit signing off");
    doctor_report_free(&r);
    f.files.gitconfig_signing.gpgsign_on = true;
    f.files.gitconfig_signing.signingkey_ours = false;
    c = verdict(&f, &r, "gitconfig-signing");
    assert_has(c->message, "names another user.signingkey");
    doctor_report_free(&r);
    f.files.gitconfig_r = -ENOENT; /* the gitconfig check speaks for it */
    *(&r) = (struct doctor_report){0};
    doctor_check_all(&f, &r);
    assert_null(find(&r, "gitconfig-signing"));
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

static void add_secret_check(struct doctor_facts *f, const char *env,
                             enum secret_check_state st, const char *source, bool skipped)
{
    struct doctor_secret_facts *s = &f->secrets;
    s->checks = realloc(s->checks, (s->n_checks + 1) * sizeof(*s->checks));
    assert_non_null(s->checks);
    s->checks[s->n_checks++] = (struct secret_check){
        .env = xstrdup(env),
        .state = st,
        .source = source ? xstrdup(source) : NULL,
        .notes = strv_new(1, skipped ? "command /usr/bin/pass: not run" : "from_env GH: not set"),
        .n_notes = 1,
        .helper_skipped = skipped,
    };
}

static void test_secret_verdicts_never_need_a_value(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    struct doctor_report r;
    assert_has(verdict(&f, &r, "secrets")->message, "no secrets configured");
    doctor_report_free(&r);
    add_secret_check(&f, "A", SECRET_CHECK_RESOLVED, "from_env HOST_A (config c:1)", false);
    add_secret_check(&f, "B", SECRET_CHECK_UNRESOLVED, NULL, false);
    add_secret_check(&f, "C", SECRET_CHECK_UNRESOLVED, NULL, true);
    assert_has(verdict(&f, &r, "secret-A")->message, "A from from_env HOST_A (config c:1)");
    const struct doctor_check *c = must_find(&r, "secret-B");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "from_env GH: not set");
    c = must_find(&r, "secret-C");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "ags doctor --check-secrets");
    doctor_report_free(&r);
    f.secrets.checked_helpers = true; /* with --check-secrets a failing helper warns */
    assert_int_equal(verdict(&f, &r, "secret-C")->status, DOCTOR_WARN);
    doctor_report_free(&r);
    f.secrets.keyring_r = -ENOTCONN;
    f.secrets.keyring_error = xstrdup("no D-Bus session bus");
    const struct doctor_check *k = verdict(&f, &r, "keyring");
    assert_int_equal(k->status, DOCTOR_OK);
    assert_has(k->message, "no secret uses the desktop keyring");
    doctor_report_free(&r);
    f.secrets.n_keyring_users = 2;
    c = verdict(&f, &r, "keyring");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_has(c->message, "desktop keyring not reachable (no D-Bus session bus): 2 secret "
                           "sources use it");
    doctor_report_free(&r);
    f.secrets.keyring_r = 0;
    assert_has(verdict(&f, &r, "keyring")->message, "desktop keyring reachable");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- rendering ---- */

static void test_text_has_sections_fix_lines_and_summary(void **s _unused_)
{
    struct doctor_report r = {0};
    doctor_add(&r, "Podman", "podman-api", DOCTOR_OK, "never shown", "Podman 4.3.1");
    doctor_add(&r, "Image", "image", DOCTOR_FAIL, "ags update-image", "image x is not there");
    doctor_add(&r, "Image", "agent-pi", DOCTOR_WARN, "ags update-agents pi", "evil \x1b]52;c;x\a");
    _cleanup_free_ char *text = doctor_report_text(&r);
    assert_string_equal(text, "== Podman ==\n"
                              "[OK] Podman 4.3.1\n"
                              "\n== Image ==\n"
                              "[FAIL] image x is not there\n"
                              "  fix: ags update-image\n"
                              "[WARN] evil \\x1b]52;c;x\\x07\n"
                              "  fix: ags update-agents pi\n"
                              "\nSummary: 1 ok, 1 warning, 1 failure\n");
    _cleanup_free_ char *summary = doctor_summary_line(&r);
    assert_string_equal(summary, "Summary: 1 ok, 1 warning, 1 failure");
    doctor_report_free(&r);
}

static void test_json_is_the_documented_object(void **s _unused_)
{
    struct doctor_report r = {0};
    doctor_add(&r, "Podman", "podman-api", DOCTOR_OK, "x", "Podman \"4.3.1\"");
    doctor_add(&r, "Host", "tun", DOCTOR_FAIL, "sudo chmod 0666 /dev/net/tun", "tun\n%s", "gone");
    doctor_add(&r, "Host", "resource-limits", DOCTOR_WARN, "delegate", "not enforced");
    _cleanup_free_ char *text = doctor_report_json(&r);
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        fail_msg("invalid JSON (%s): %s", jerr.text, text);
    assert_int_equal(json_object_size(root), 2);
    json_t *checks = json_object_get(root, "checks");
    assert_int_equal(json_array_size(checks), 3);
    json_t *c0 = json_array_get(checks, 0), *c1 = json_array_get(checks, 1);
    assert_int_equal(json_object_size(c0), 5);
    assert_string_equal(json_string_value(json_object_get(c0, "section")), "Podman");
    assert_string_equal(json_string_value(json_object_get(c0, "status")), "ok");
    assert_string_equal(json_string_value(json_object_get(c0, "message")), "Podman \"4.3.1\"");
    assert_true(json_is_null(json_object_get(c0, "fix")));
    assert_string_equal(json_string_value(json_object_get(c1, "name")), "tun");
    assert_string_equal(json_string_value(json_object_get(c1, "status")), "fail");
    assert_string_equal(json_string_value(json_object_get(c1, "message")), "tun\ngone");
    assert_string_equal(json_string_value(json_object_get(c1, "fix")),
                        "sudo chmod 0666 /dev/net/tun");
    json_t *sum = json_object_get(root, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "ok")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "warnings")), 1);
    assert_int_equal(json_integer_value(json_object_get(sum, "failures")), 1);
    assert_true(json_is_false(json_object_get(sum, "healthy")));
    json_decref(root);
    doctor_report_free(&r);
}

/* ---- package.json and links ---- */

static void test_package_version_is_the_top_level_one(void **s _unused_)
{
    char v[RUN_VERSION_MAX];
    doctor_package_version("{\"name\":\"x\",\"dependencies\":{\"version\":\"9.9.9\"},"
                           "\"desc\":\"\\\"version\\\": \\\"6\\\"\",\"version\" : \"1.6.0\"}",
                           v, sizeof(v));
    assert_string_equal(v, "1.6.0");
    doctor_package_version("{\"version\":\"1.0\\u001b[31m\"}", v, sizeof(v));
    assert_string_equal(v, "");
    doctor_package_version("{\"version\":1}", v, sizeof(v));
    assert_string_equal(v, "");
    doctor_package_version("[{\"version\":\"2\"}]", v, sizeof(v));
    assert_string_equal(v, "");
    char small[4];
    doctor_package_version("{\"version\":\"12345\"}", small, sizeof(small));
    assert_string_equal(small, "");
}

static void test_links_resolve_only_inside_the_root(void **s _unused_)
{
    char *rel = NULL;
    /* pnpm's own link, as in a real global dir (global/5/.pnpm beside node_modules) */
    assert_int_equal(doctor_link_below("node_modules/@openai",
                                       "../../.pnpm/@openai+codex@1/node_modules/@openai/codex",
                                       &rel), 0);
    assert_string_equal(rel, ".pnpm/@openai+codex@1/node_modules/@openai/codex");
    free(rel);
    assert_int_equal(doctor_link_below("", "./.pnpm//x/./y", &rel), 0);
    assert_string_equal(rel, ".pnpm/x/y");
    free(rel);
    assert_int_equal(doctor_link_below("", "../../../etc", &rel), -EPERM);
    assert_int_equal(doctor_link_below("@s", "../../x", &rel), -EPERM);
    assert_int_equal(doctor_link_below("", "/etc/passwd", &rel), -EPERM);
    assert_int_equal(doctor_link_below("", "..", &rel), -EPERM);
    assert_int_equal(doctor_link_below("a", "..", &rel), -EPERM);
}

/* ---- reading versions from a volume ---- */

static char vol[] = "/tmp/test-doctor-XXXXXX";

static void put_file(const char *rel, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", vol, rel);
    _cleanup_free_ char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(mkdir_parents(dir, 0755, NULL), 0);
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static void put_link(const char *rel, const char *target)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", vol, rel);
    _cleanup_free_ char *dir = xstrdup(path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(mkdir_parents(dir, 0755, NULL), 0);
    assert_int_equal(symlink(target, path), 0);
}

static int setup_vol(void **s _unused_)
{
    return mkdtemp(vol) ? 0 : -1;
}

static int teardown_vol(void **s _unused_)
{
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", vol);
    /* banned.h is not included here: a test may shell out to clean up */
    return system(cmd) == 0 ? 0 : -1;
}

static void test_pnpm_version_follows_pnpms_own_link_by_hand(void **s _unused_)
{
    char v[RUN_VERSION_MAX];
    struct ags_error err = {0};
    assert_int_equal(doctor_pnpm_version(vol, "@openai/codex", v, sizeof(v), &err), -ENOENT);
    /* the layout pnpm 10 makes (e2e/update-agents reads a real one) */
    put_file("global/5/.pnpm/@openai+codex@0.171.0/node_modules/@openai/codex/"
             "package.json", "{\"name\":\"@openai/codex\",\"version\":\"0.171.0\"}");
    put_link("global/5/node_modules/@openai/codex",
             "../../.pnpm/@openai+codex@0.171.0/node_modules/@openai/codex");
    assert_int_equal(doctor_pnpm_version(vol, "@openai/codex", v, sizeof(v), &err), 0);
    assert_string_equal(v, "0.171.0");
    /* a package installed as a directory of its own */
    put_file("global/5/node_modules/opencode-ai/package.json", "{\"version\":\"1.18.33\"}");
    assert_int_equal(doctor_pnpm_version(vol, "opencode-ai", v, sizeof(v), &err), 0);
    assert_string_equal(v, "1.18.33");
    assert_int_equal(doctor_pnpm_version(vol, "@google/gemini-cli", v, sizeof(v), &err), -ENOENT);
}

static void test_planted_links_and_huge_files_are_not_read(void **s _unused_)
{
    char v[RUN_VERSION_MAX];
    struct ags_error err = {0};
    /* a link out of node_modules, to the host's files */
    put_file("outside/package.json", "{\"version\":\"6.6.6\"}");
    put_link("global/5/node_modules/evil", "../../../outside");
    /* out of the layout dir into its sibling, even by way of node_modules/.. */
    put_file("global/6/package.json", "{\"version\":\"6.6.6\"}");
    put_link("global/5/node_modules/sibling", "../../6");
    assert_int_equal(doctor_pnpm_version(vol, "sibling", v, sizeof(v), &err), -EPERM);
    assert_int_equal(doctor_pnpm_version(vol, "evil", v, sizeof(v), &err), -EPERM);
    put_link("global/5/node_modules/abs", "/etc");
    assert_int_equal(doctor_pnpm_version(vol, "abs", v, sizeof(v), &err), -EPERM);
    /* a link inside node_modules whose own path has a planted link */
    put_link("global/5/.pnpm/hop", "../../../outside");
    put_link("global/5/node_modules/hopper", "../.pnpm/hop");
    assert_int_equal(doctor_pnpm_version(vol, "hopper", v, sizeof(v), &err), -ELOOP);
    /* package.json itself a link */
    put_link("global/5/node_modules/linked/package.json", "../../../../outside/package.json");
    assert_int_equal(doctor_pnpm_version(vol, "linked", v, sizeof(v), &err), -ELOOP);
    /* a FIFO does not hang it */
    _cleanup_free_ char *fifo = xasprintf("%s/global/5/node_modules/fifo/package.json", vol);
    put_file("global/5/node_modules/fifo/x", "");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_true(doctor_pnpm_version(vol, "fifo", v, sizeof(v), &err) < 0);
    /* a huge package.json is refused, not read */
    _cleanup_free_ char *big = xmalloc(2u << 20);
    memset(big, ' ', (2u << 20) - 1);
    big[(2u << 20) - 1] = '\0';
    put_file("global/5/node_modules/big/package.json", big);
    assert_int_equal(doctor_pnpm_version(vol, "big", v, sizeof(v), &err), -EFBIG);
    /* claude's npm tree with a planted link where the prefix was */
    put_link("npm", "outside");
    assert_int_equal(doctor_npm_version(vol, "@anthropic-ai/claude-code", v, sizeof(v), &err),
                     -ELOOP);
    /* global itself a link */
    _cleanup_free_ char *global = xasprintf("%s/global", vol);
    _cleanup_free_ char *moved = xasprintf("%s/global.real", vol);
    assert_int_equal(rename(global, moved), 0);
    put_link("global", "global.real");
    assert_int_equal(doctor_pnpm_version(vol, "@openai/codex", v, sizeof(v), &err), -ELOOP);
}

/* ---- the engine through a fake backend ---- */

static int labels_result;
static size_t volume_calls;

static int fake_info(struct backend *b _unused_, struct backend_engine_info *ret,
                     struct ags_error *err _unused_)
{
    *ret = (struct backend_engine_info){.rootless = true};
    strcpy(ret->version, "4.3.1");
    return 0;
}

static int fake_image_info(struct backend *b _unused_, const char *image _unused_,
                           struct backend_image_info *ret, struct ags_error *err)
{
    if (labels_result < 0)
        return ags_error_set(err, labels_result, "fake labels failed");
    *ret = (struct backend_image_info){.labels = strv_new(1, "ags.image.context-sha256=0")};
    strcpy(ret->storage_driver, "vfs");
    return 0;
}

static int fake_volume_path(struct backend *b _unused_, const char *name, char **ret,
                            struct ags_error *err)
{
    volume_calls++;
    if (strcmp(name, "ags-codex-pnpm-home") != 0)
        return ags_error_set(err, -ENOENT, "no such volume");
    *ret = xstrdup(vol);
    return 0;
}

static void fake_close(struct backend *b)
{
    free(b);
}

static const struct backend_ops fake_ops = {
    .name = "fake",
    .close = fake_close,
    .engine_info = fake_info,
    .image_info = fake_image_info,
    .volume_path = fake_volume_path,
};

static bool autostart_allowed = true;
static long timeout_given;

static int fake_open(const struct backend_open_opts *o, struct backend **ret,
                     struct ags_error *err _unused_)
{
    autostart_allowed = !o->no_autostart;
    timeout_given = o->timeout_ms;
    struct backend *b = xcalloc(1, sizeof(*b));
    b->ops = &fake_ops;
    *ret = b;
    return 0;
}

static struct ags_config *test_config(void)
{
    static const struct cfg_host host = {.home = "/nonexistent-home", .cwd = "/"};
    static const char text[] = "[sandbox]\nimage = \"localhost/t:1\"\n";
    struct ags_config *cfg = NULL;
    struct cfg_diag d = {0};
    assert_int_equal(config_load_buffer(&host, text, strlen(text), "t.toml", false, &cfg, &d), 0);
    cfg_diag_done(&d);
    return cfg;
}

static void test_engine_facts_without_autostart_and_with_a_short_timeout(void **s _unused_)
{
    _cleanup_config_ struct ags_config *cfg = test_config();
    const struct run_doctor_opts o = {.open_backend = fake_open};
    struct doctor_facts f = {0};
    labels_result = 0;
    volume_calls = 0;
    doctor_gather_engine(&o, cfg, &f);
    assert_false(autostart_allowed);
    assert_true(timeout_given > 0 && timeout_given <= 2500);
    assert_true(f.engine.reachable && f.engine.info.rootless);
    assert_string_equal(f.engine.info.version, "4.3.1");
    assert_string_equal(f.image.storage_driver, "vfs");
    assert_string_equal(f.image.image, "localhost/t:1");
    assert_int_equal(f.n_agents, RUN_UPDATE_N_AGENTS);
    for (size_t i = 0; i < f.n_agents; i++) {
        bool codex = f.agents[i].agent == PLAN_AGENT_CODEX;
        assert_int_equal(f.agents[i].r, codex ? 0 : -ENOENT);
        if (codex)
            assert_string_equal(f.agents[i].version, "0.171.0");
    }
    doctor_facts_done(&f);
}

static void test_a_silent_engine_is_not_asked_again(void **s _unused_)
{
    _cleanup_config_ struct ags_config *cfg = test_config();
    const struct run_doctor_opts o = {.open_backend = fake_open};
    struct doctor_facts f = {0};
    labels_result = -ETIMEDOUT;
    volume_calls = 0;
    doctor_gather_engine(&o, cfg, &f);
    assert_int_equal(f.image.labels_r, -ETIMEDOUT);
    assert_int_equal(volume_calls, 0);
    assert_int_equal(f.n_agents, 0);
    struct doctor_report r = {0};
    doctor_check_image(&f, &r);
    assert_int_equal(r.n_warn, 1);
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

/* ---- other engines: containers.conf connections ---- */

/* Each connection but the configured engine is asked, never started and
 * bounded; a remote volume's path means nothing here: only whether it is
 * there counts, and its version is not read. */
static void test_each_other_connection_is_gathered_bounded_without_local_paths(void **s _unused_)
{
    write_conf("[engine]\nactive_service = \"here\"\n"
               "[engine.service_destinations.here]\nuri = \"unix:///run/x.sock\"\n"
               "[engine.service_destinations.gpu]\n"
               "uri = \"ssh://u@gpu.example:2222/run/user/1000/podman/podman.sock\"\n");
    _cleanup_config_ struct ags_config *cfg = test_config();
    const struct run_doctor_opts o = {.open_backend = fake_open, .getenv = conf_env};
    struct doctor_facts f = {0};
    labels_result = 0;
    volume_calls = 0;
    autostart_allowed = true;
    doctor_gather_connections(&o, cfg, &f);
    unlink(conf_path);
    assert_int_equal(f.n_connections, 1); /* "here" is the configured engine */
    const struct doctor_connection_facts *c = &f.connections[0];
    assert_string_equal(c->name, "gpu");
    assert_string_equal(c->engine.uri, "ssh://u@gpu.example:2222/run/user/1000/podman/podman.sock");
    assert_false(autostart_allowed);
    assert_true(timeout_given > 0 && timeout_given <= 2500);
    assert_true(c->engine.reachable && c->have_image);
    assert_int_equal(c->n_agents, RUN_UPDATE_N_AGENTS);
    assert_int_equal(volume_calls, RUN_UPDATE_N_AGENTS);
    for (size_t i = 0; i < c->n_agents; i++) {
        bool codex = c->agents[i].agent == PLAN_AGENT_CODEX;
        assert_int_equal(c->agents[i].r, codex ? 0 : -ENOENT);
        assert_string_equal(c->agents[i].version, ""); /* the volume is on gpu */
    }
    struct doctor_report r = {0};
    doctor_check_connections(&f, &r);
    const struct doctor_check *codex = find(&r, "gpu/agent-codex");
    assert_non_null(codex);
    assert_string_equal(codex->section, "Connection gpu");
    assert_has(codex->message, "volume ags-codex-pnpm-home is there");
    const struct doctor_check *pi = find(&r, "gpu/agent-pi");
    assert_non_null(pi);
    assert_string_equal(pi->fix, "ags update-agents --connection gpu pi");
    assert_non_null(find(&r, "gpu/image"));
    doctor_report_free(&r);
    doctor_facts_done(&f);

    /* --connection NAME: that engine alone, no section of another. */
    write_conf("[engine.service_destinations.gpu]\nuri = \"ssh://u@gpu.example/s.sock\"\n");
    const struct run_doctor_opts only = {.open_backend = fake_open, .getenv = conf_env,
                                         .connection = "gpu"};
    doctor_gather_connections(&only, cfg, &f);
    unlink(conf_path);
    assert_int_equal(f.n_connections, 0);
    doctor_facts_done(&f);
}

/* A connection that does not answer is a warning in its own section (runs
 * use the configured engine), with the reason; one that answers says its
 * version and whether it is rootless; its image verdicts name --connection. */
static void test_connection_verdicts_warn_in_their_own_section(void **s _unused_)
{
    struct doctor_facts f;
    healthy(&f);
    f.n_connections = 2;
    f.connections = xcalloc(2, sizeof(*f.connections));
    struct doctor_connection_facts *down = &f.connections[0], *up = &f.connections[1];
    down->name = xstrdup("down");
    down->engine.uri = xstrdup("ssh://u@127.0.0.1:1/s.sock");
    down->engine.error = xstrdup("ssh: cannot connect to 127.0.0.1 port 1: Connection refused");
    up->name = xstrdup("box");
    up->engine.uri = xstrdup("ssh://root@box/run/podman/podman.sock");
    up->engine.reachable = true;
    strcpy(up->engine.info.version, "5.2.0");
    up->have_image = true;
    up->image.image = xstrdup("localhost/ags-sandbox:latest");
    up->image.labels_r = -ENOENT;
    struct doctor_report r;
    const struct doctor_check *c = verdict(&f, &r, "down/podman-api");
    assert_int_equal(c->status, DOCTOR_WARN);
    assert_string_equal(c->section, "Connection down");
    assert_has(c->message, "Connection refused");
    assert_int_equal(r.n_fail, 1); /* box's missing image; down is no failure */
    c = must_find(&r, "box/podman-api");
    assert_int_equal(c->status, DOCTOR_OK);
    assert_has(c->message, "Podman 5.2.0 at ssh://root@box/run/podman/podman.sock");
    assert_int_equal(must_find(&r, "box/podman-rootless")->status, DOCTOR_WARN);
    c = must_find(&r, "box/image");
    assert_int_equal(c->status, DOCTOR_FAIL);
    assert_string_equal(c->fix, "ags update-image --connection box");
    assert_null(find(&r, "down/image")); /* nothing asked of an engine that did not answer */
    _cleanup_free_ char *text = doctor_report_text(&r);
    assert_has(text, "\n== Connection down ==\n[WARN] Podman not reachable at ssh://u@127.0.0.1:1/");
    doctor_report_free(&r);
    free(down->name);
    down->name = xstrdup("evil\x1b]0;x\a");
    doctor_check_all(&f, &r);
    _cleanup_free_ char *evil = doctor_report_text(&r);
    assert_null(strchr(evil, '\x1b')); /* a section heading is outside text too */
    assert_has(evil, "== Connection evil\\x1b]0;x\\x07 ==");
    doctor_report_free(&r);
    doctor_facts_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_facts_give_only_ok),
        cmocka_unit_test(test_each_backend_the_host_cannot_use_says_why_and_the_fix),
        cmocka_unit_test(test_the_bwrap_engine_is_reported_as_such),
        cmocka_unit_test(test_unreachable_podman_fails_with_the_commands_that_start_it),
        cmocka_unit_test(test_vfs_storage_warns_and_the_fix_says_reset_deletes),
        cmocka_unit_test(test_rootful_podman_warns),
        cmocka_unit_test(test_subid_ranges_count_by_name_or_uid),
        cmocka_unit_test(test_subid_verdicts),
        cmocka_unit_test(test_tun_and_network_helper_verdicts),
        cmocka_unit_test(test_controllers_are_whole_words),
        cmocka_unit_test(test_resource_limits_are_enforced_only_on_v2_with_delegation),
        cmocka_unit_test(test_image_absent_fails_outdated_warns),
        cmocka_unit_test(test_agent_not_installed_warns_with_its_update_command),
        cmocka_unit_test(test_config_errors_fail_each_with_its_place),
        cmocka_unit_test(test_overlay_states),
        cmocka_unit_test(test_assets_and_gitconfig_verdicts),
        cmocka_unit_test(test_approval_path_names_how_a_question_reaches_the_user),
        cmocka_unit_test(test_key_verdicts_and_their_fixes),
        cmocka_unit_test(test_ssh_agent_checks_say_what_a_run_will_do),
        cmocka_unit_test(test_gitconfig_signing_verdicts),
        cmocka_unit_test(test_secret_verdicts_never_need_a_value),
        cmocka_unit_test(test_text_has_sections_fix_lines_and_summary),
        cmocka_unit_test(test_json_is_the_documented_object),
        cmocka_unit_test(test_package_version_is_the_top_level_one),
        cmocka_unit_test(test_links_resolve_only_inside_the_root),
        cmocka_unit_test(test_pnpm_version_follows_pnpms_own_link_by_hand),
        cmocka_unit_test(test_engine_facts_without_autostart_and_with_a_short_timeout),
        cmocka_unit_test(test_a_silent_engine_is_not_asked_again),
        cmocka_unit_test(test_each_other_connection_is_gathered_bounded_without_local_paths),
        cmocka_unit_test(test_connection_verdicts_warn_in_their_own_section),
        /* last: it leaves the test volume full of traps */
        cmocka_unit_test(test_planted_links_and_huge_files_are_not_read),
    };
    int rc = setup_vol(NULL);
    if (rc == 0)
        rc = cmocka_run_group_tests(tests, NULL, NULL);
    (void)teardown_vol(NULL);
    return rc;
}
