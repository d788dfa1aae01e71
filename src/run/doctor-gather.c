/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor facts of the host, the config, ags's files and the secrets. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "run/assets.h"
#include "run/doctor-internal.h"
#include "run/internal.h"
#include "base/banned.h"

#define SUBID_MAX       (1024u * 1024u)
#define CGROUP_FILE_MAX (64u * 1024u)
#define GITCONFIG_MAX   (256u * 1024u)
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static char *read_or_null(const char *path, size_t max)
{
    char *text = NULL;
    size_t len = 0;
    return read_file_bounded(path, max, &text, &len, NULL) == 0 ? text : NULL;
}

/* The controllers delegated to the user: those of systemd's user service,
 * else of this process's own cgroup ("0::<path>" in /proc/self/cgroup). */
static void gather_controllers(struct doctor_host_facts *h)
{
    h->controllers_at = xasprintf("/sys/fs/cgroup/user.slice/user-%u.slice/user@%u.service/"
                                  "cgroup.controllers", (unsigned)h->uid, (unsigned)h->uid);
    h->controllers = read_or_null(h->controllers_at, CGROUP_FILE_MAX);
    if (h->controllers)
        return;
    _cleanup_free_ char *self = read_or_null("/proc/self/cgroup", CGROUP_FILE_MAX);
    const char *p = self ? strstr(self, "0::/") : NULL;
    if (!p || (p != self && p[-1] != '\n'))
        return;
    p += 3;
    size_t n = strcspn(p, "\n");
    if (memmem(p, n, "..", 2))
        return;
    free(h->controllers_at);
    h->controllers_at = xasprintf("/sys/fs/cgroup%.*s/cgroup.controllers", (int)n, p);
    h->controllers = read_or_null(h->controllers_at, CGROUP_FILE_MAX);
}

/* A sysctl's number, -1 when it cannot be read. */
static long sysctl_number(const char *path)
{
    _cleanup_free_ char *text = read_or_null(path, 64);
    uint32_t v;
    if (!text)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    return parse_u32(text, &v) == 0 ? (long)v : -1;
}

/* The knobs that turn unprivileged user namespaces off (Debian's, AppArmor's,
 * and the count); NULL when none does. */
static char *userns_off(void)
{
    if (sysctl_number("/proc/sys/kernel/unprivileged_userns_clone") == 0)
        return xstrdup("kernel.unprivileged_userns_clone is 0");
    if (sysctl_number("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
        return xstrdup("kernel.apparmor_restrict_unprivileged_userns is 1");
    if (sysctl_number("/proc/sys/user/max_user_namespaces") == 0)
        return xstrdup("user.max_user_namespaces is 0");
    return NULL;
}

static bool installed(const char *(*getenv_fn)(const char *), const char *name)
{
    _cleanup_free_ char *path = trusted_program(env_nonempty(getenv_fn, "PATH"), name);
    return path != NULL;
}

static void gather_backends(const char *(*getenv_fn)(const char *), struct doctor_host_facts *h)
{
    h->podman = installed(getenv_fn, "podman");
    h->bwrap = installed(getenv_fn, "bwrap");
    h->mmdebstrap = installed(getenv_fn, "mmdebstrap");
    h->userns_off = userns_off();
}

static void gather_host(const char *(*getenv_fn)(const char *), struct doctor_host_facts *h)
{
    h->uid = geteuid();
    const struct passwd *pw = getpwuid(h->uid);
    h->user = pw && pw->pw_name ? xstrdup(pw->pw_name) : NULL;
    h->subuid = read_or_null("/etc/subuid", SUBID_MAX);
    h->subgid = read_or_null("/etc/subgid", SUBID_MAX);
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    h->tun_errno = fd < 0 ? errno : 0;
    if (fd >= 0)
        (void)close(fd);
    h->slirp4netns = backend_podman_has_helper(getenv_fn, "slirp4netns");
    h->pasta = backend_podman_has_helper(getenv_fn, "pasta");
    gather_backends(getenv_fn, h);
    struct statfs st;
    h->cgroup2 = statfs("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC;
    if (h->cgroup2)
        gather_controllers(h);
}

struct trust_seen {
    bool asked;
    char *path;
};

/* Doctor never trusts: an overlay it is asked about is untrusted. */
static enum cfg_trust_answer note_untrusted(const struct cfg_trust_request *req, void *userdata)
{
    struct trust_seen *t = userdata;
    t->asked = true;
    free(t->path);
    t->path = xstrdup(req->overlay_path);
    return CFG_TRUST_SKIP;
}

/* The built-in default, for checking the rest when there is no usable config. */
static struct ags_config *default_config(const struct cfg_host *host)
{
    struct ags_config *cfg = NULL;
    struct cfg_diag d = {0};
    if (config_load_buffer(host, config_default_text, strlen(config_default_text),
                           "built-in default", false, &cfg, &d) < 0)
        cfg = NULL;
    cfg_diag_done(&d);
    return cfg;
}

/* No config yet: a run would write the default (doctor writes nothing), and
 * an overlay cannot have been trusted without a run. */
static struct ags_config *gather_no_config(const struct run_doctor_opts *o,
                                           struct doctor_config_facts *c)
{
    c->loaded = true;
    c->missing = true;
    c->overlay_path = config_overlay_path(o->host);
    c->overlay = c->overlay_path ? DOCTOR_OVERLAY_UNTRUSTED : DOCTOR_OVERLAY_NONE;
    return default_config(o->host);
}

/* Loads the config as a run would (without asking); when it fails, the
 * built-in default stands in so the image and agents are still checked. */
static struct ags_config *gather_config(const struct run_doctor_opts *o,
                                        struct doctor_config_facts *c)
{
    c->path = o->config_path ? xstrdup(o->config_path) : config_default_path(o->host);
    if (!o->config_path && access(c->path, F_OK) != 0 && errno == ENOENT)
        return gather_no_config(o, c);
    struct trust_seen seen = {0};
    struct cfg_diag diag = {0};
    const struct cfg_load_opts lo = {.config_path = o->config_path, .use_overlay = true,
                                     .ask_trust = note_untrusted, .userdata = &seen};
    struct ags_config *cfg = NULL;
    c->loaded = config_load(o->host, &lo, &cfg, &diag) == 0;
    c->errors = TAKE_PTR(diag.errors);
    c->n_errors = diag.n_errors;
    diag.n_errors = 0;
    cfg_diag_done(&diag);
    if (c->loaded && cfg->overlay_path) {
        c->overlay = DOCTOR_OVERLAY_TRUSTED;
        c->overlay_path = xstrdup(cfg->overlay_path);
    } else if (seen.asked) {
        c->overlay = DOCTOR_OVERLAY_UNTRUSTED;
        c->overlay_path = TAKE_PTR(seen.path);
    }
    free(seen.path);
    return c->loaded ? cfg : default_config(o->host);
}

static bool names_identity(const char *text)
{
    return text && strstr(text, "[user]") && strstr(text, "name") && strstr(text, "email");
}

static void gather_files(const struct run_doctor_opts *o, const struct ags_config *cfg,
                         struct doctor_file_facts *fl)
{
    fl->assets_dir = o->assets_dir ? xstrdup(o->assets_dir) : run_shipped_path("agent-assets");
    fl->missing_assets = assets_missing(fl->assets_dir);
    const char *g = cfg ? cfg->sandbox.gitconfig_path.v : NULL;
    fl->gitconfig_r = -ENOENT;
    if (!g || !g[0])
        return;
    fl->gitconfig = xstrdup(g);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    fl->gitconfig_r = read_regular_file_at(AT_FDCWD, g, g, GITCONFIG_MAX, &text, &len, NULL, NULL);
    fl->gitconfig_identity = fl->gitconfig_r == 0 && names_identity(text);
    run_gitconfig_signing_of(fl->gitconfig_r == 0 ? text : NULL, &fl->gitconfig_signing);
}

static void gather_keys(const struct ags_config *cfg, struct doctor_key_facts keys[RUN_KEY_ROLES])
{
    for (int r = 0; cfg && r < RUN_KEY_ROLES; r++) {
        const struct cfg_str *p = run_key_path(cfg, (enum run_key_role)r);
        if (!p->v || !p->v[0])
            continue;
        keys[r].path = xstrdup(p->v);
        ssh_keyfile_gather(p->v, run_key_role_info(r)->purpose, &keys[r].files);
    }
}

/* The agent a run would use, when a run would serve one (no agent is started). */
static void gather_ssh_agent(const char *(*getenv_fn)(const char *), const struct ags_config *cfg,
                             struct doctor_facts *f)
{
    for (int r = 0; cfg && r < RUN_KEY_ROLES; r++)
        f->have_ssh_agent |= f->keys[r].path && f->keys[r].files.pub_parse_r == 0;
    if (f->have_ssh_agent)
        run_ssh_agent_probe(getenv_fn, cfg->sandbox.cache_dir.v, false, &f->ssh_agent);
}

static size_t keyring_users(const struct ags_config *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_secrets; i++)
        n += cfg->secrets[i].secret_store.n > 0 ||
             cfg->secrets[i].provider.v == CFG_PROVIDER_SECRET_TOOL;
    return n;
}


static void gather_secrets(const struct run_doctor_opts *o, const struct ags_config *cfg,
                           bool loaded, struct doctor_secret_facts *s)
{
    if (!loaded || !cfg)
        return;
    s->n_keyring_users = keyring_users(cfg);
    /* Only when a secret needs it: a session bus without a secret service
     * may take its D-Bus timeout to say so. */
    struct ags_error err = {0};
    s->keyring_r = s->n_keyring_users ? secrets_keyring_probe(&err) : -ENOTCONN;
    if (s->keyring_r < 0)
        s->keyring_error = xstrdup(s->n_keyring_users ? err.msg : "not asked");
    s->checked_helpers = o->check_secrets;
    char **helper_env = secret_helper_env(environ);
    const struct secret_host host = {
        .getenv = o->getenv ? o->getenv : env_process,
        .home = o->host->home,
        .helper_env = helper_env,
        .skip_helpers = !o->check_secrets,
    };
    secrets_diagnose(cfg, &host, &s->checks, &s->n_checks);
    strv_free(helper_env);
}

void doctor_gather(const struct run_doctor_opts *o, struct doctor_facts *ret)
{
    *ret = (struct doctor_facts){0};
    const char *(*getenv_fn)(const char *) = o->getenv ? o->getenv : env_process;
    gather_host(getenv_fn, &ret->host);
    _cleanup_config_ struct ags_config *cfg = gather_config(o, &ret->config);
    gather_files(o, cfg, &ret->files);
    gather_keys(cfg, ret->keys);
    gather_ssh_agent(getenv_fn, cfg, ret);
    notify_probe(&ret->approval);
    ret->ssh_confirm_always = cfg && cfg->ssh.confirm.v == CFG_SSH_CONFIRM_ALWAYS;
    ret->have_secrets = ret->config.loaded;
    gather_secrets(o, cfg, ret->config.loaded, &ret->secrets);
    if (cfg && o->connection) {
        free(cfg->engine.connection_flag); /* as --connection sets it for a run */
        cfg->engine.connection_flag = xstrdup(o->connection);
    }
    if (cfg)
        doctor_gather_engine(o, cfg, ret);
    if (cfg)
        doctor_gather_connections(o, cfg, ret);
}

static void image_facts_done(struct doctor_image_facts *im)
{
    strv_free(im->labels);
    free(im->labels_error);
    free(im->expected_error);
    free(im->image);
}

static void connections_done(struct doctor_facts *f)
{
    for (size_t i = 0; i < f->n_connections; i++) {
        struct doctor_connection_facts *c = &f->connections[i];
        free(c->name);
        free(c->engine.uri);
        free(c->engine.error);
        image_facts_done(&c->image);
        for (size_t j = 0; j < c->n_agents; j++)
            free(c->agents[j].error);
    }
    free(f->connections);
}

void doctor_facts_done(struct doctor_facts *f)
{
    free(f->engine.uri);
    free(f->engine.error);
    free(f->host.user);
    free(f->host.subuid);
    free(f->host.subgid);
    free(f->host.controllers);
    free(f->host.controllers_at);
    free(f->host.userns_off);
    image_facts_done(&f->image);
    connections_done(f);
    for (size_t i = 0; i < f->n_agents; i++)
        free(f->agents[i].error);
    free(f->config.path);
    strv_free_n(f->config.errors, f->config.n_errors);
    free(f->config.overlay_path);
    free(f->files.assets_dir);
    strv_free(f->files.missing_assets);
    free(f->files.gitconfig);
    for (int r = 0; r < RUN_KEY_ROLES; r++) {
        free(f->keys[r].path);
        ssh_keyfile_facts_done(&f->keys[r].files);
    }
    run_ssh_agent_probe_done(&f->ssh_agent);
    free(f->secrets.keyring_error);
    secret_checks_free(f->secrets.checks, f->secrets.n_checks);
    *f = (struct doctor_facts){0};
}
