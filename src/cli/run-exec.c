/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running a launch plan with the Podman backend: connect (starting a private
 * service when none answers), sweep what dead ags processes left, make sure
 * the image exists (building it with streamed progress), stage lockdown,
 * create volumes and paths, create the container, run it attached, and
 * remove the container and the staging on every path out.
 */
#include "cli/run-exec.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "base/termfilter.h"
#include "cli/cli.h"
#include "backend/podman.h"
#include "podman/podman.h"
#include "run/assets.h"
#include "run/stage.h"
#include "secrets/secrets.h"
#include "base/banned.h"

#define NAME_RETRIES 5

/* SIGINT, SIGTERM and SIGHUP outside the attached session (which has its own
 * handlers, podman/tty.c): the handler only records the signal; requests in
 * flight abort (podman_client_set_cancel) and each step checks it, so the
 * cleanup below runs instead of the default disposition killing ags. */
static volatile sig_atomic_t g_signal;
static const int run_signals[] = {SIGINT, SIGTERM, SIGHUP};

static void on_run_signal(int sig)
{
    if (!g_signal)
        g_signal = sig;
}

static void catch_signals(struct sigaction old[ARRAY_SIZE(run_signals)])
{
    struct sigaction sa = {.sa_handler = on_run_signal};
    sigemptyset(&sa.sa_mask);
    g_signal = 0;
    for (size_t i = 0; i < ARRAY_SIZE(run_signals); i++)
        (void)sigaction(run_signals[i], &sa, &old[i]);
}

static void restore_signals(const struct sigaction old[ARRAY_SIZE(run_signals)])
{
    for (size_t i = 0; i < ARRAY_SIZE(run_signals); i++)
        (void)sigaction(run_signals[i], &old[i], NULL);
}

/* Non-zero (AGS_EXIT_LAUNCH) once a signal arrived: says so once. */
static int interrupted(void)
{
    if (!g_signal)
        return 0;
    const char *name = sigabbrev_np(g_signal);
    cli_error("interrupted by SIG%s before the agent started; nothing was left behind",
              name ? name : "?");
    return AGS_EXIT_LAUNCH;
}

/* Reports a failed step: a request that a signal aborted says only that. */
static int launch_failed(const struct ags_error *err)
{
    if (g_signal)
        return interrupted();
    cli_error("%s", err->msg);
    return AGS_EXIT_LAUNCH;
}

const char *cli_tmp_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    return tmp && tmp[0] == '/' ? tmp : "/tmp";
}

static const char *env_lookup(const char *name)
{
    return getenv(name);
}

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static int connect_podman(const struct ags_config *cfg, struct podman_client **ret)
{
    struct podman_connect_opts opts = {
        .home = nonempty_env("HOME"),
        .xdg_runtime = nonempty_env("XDG_RUNTIME_DIR"),
        .xdg_config = nonempty_env("XDG_CONFIG_HOME"),
        .getenv = env_lookup,
        .autostart = true,
        .idle_seconds = cfg->sandbox.service_idle_seconds.v,
    };
    struct ags_error err = {0};
    _cleanup_free_ char *target = NULL;
    if (podman_connect_target(&opts, &target, NULL) == 0 && podman_uri_is_network(target))
        cli_warning("Podman is at %s, a network endpoint: its API has no authentication and "
                    "the sandbox may reach it over the network (and with it every container "
                    "and secret). Use a unix socket (forward a remote one with ssh -L)",
                    target);
    return podman_connect(&opts, ret, &err) < 0 ? launch_failed(&err) : 0;
}

/* Whether the user's terminal takes UTF-8, from the locale (LC_ALL,
 * LC_CTYPE, LANG) as the terminal's own programs see it; a locale that is
 * named but not installed is judged by its name.  When unsure: no. */
static bool terminal_is_utf8(void)
{
    locale_t loc = newlocale(LC_CTYPE_MASK, "", (locale_t)0);
    if (loc != (locale_t)0) {
        const char *cs = nl_langinfo_l(CODESET, loc);
        bool utf8 = cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "UTF8") == 0);
        freelocale(loc);
        return utf8;
    }
    const char *name = nonempty_env("LC_ALL");
    if (!name)
        name = nonempty_env("LC_CTYPE");
    if (!name)
        name = nonempty_env("LANG");
    return name && (strcasestr(name, ".utf-8") || strcasestr(name, ".utf8"));
}

static void filter_init_for_terminal(struct termfilter *f)
{
    if (terminal_is_utf8())
        termfilter_init(f);
    else
        termfilter_init_ascii(f);
}

/* Writes what a filter has to undo at the end of its stream. */
static void filter_finish_to(struct termfilter *f, int fd)
{
    char reset[TERMFILTER_RESET_MAX];
    size_t n = termfilter_finish(f, reset);
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, reset + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}

/* Image build output on a terminal goes through the terminal filter, in
 * every mode: RUN steps print what packages and scripts from the network
 * print (docs/security.md, "Terminal output in lockdown"). */
static struct {
    bool started, filtered;
    struct termfilter f;
} g_build_filter;

static void build_output(const char *text, size_t len, void *userdata _unused_)
{
    if (!g_build_filter.started) {
        g_build_filter.started = true;
        g_build_filter.filtered = isatty(STDERR_FILENO);
        filter_init_for_terminal(&g_build_filter.f);
    }
    if (!g_build_filter.filtered) {
        (void)fwrite(text, 1, len, stderr);
        return;
    }
    char out[4096 + TERMFILTER_SLACK];
    for (size_t off = 0; off < len; off += 4096) {
        size_t n = len - off < 4096 ? len - off : 4096;
        (void)fwrite(out, 1, termfilter_feed(&g_build_filter.f, text + off, n, out), stderr);
    }
}

static void end_build_output(void)
{
    if (g_build_filter.filtered) {
        (void)fflush(stderr);
        filter_finish_to(&g_build_filter.f, STDERR_FILENO);
    }
    g_build_filter.started = g_build_filter.filtered = false;
}

/* A file shipped with ags: installed, or (for an ags run from its build tree)
 * in the source tree. */
static char *shipped_path(const char *rel)
{
    const char *const roots[] = {AGS_DATADIR, AGS_SOURCE_DIR};
    for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", roots[i], rel);
        if (access(path, R_OK) == 0)
            return TAKE_PTR(path);
    }
    return xasprintf("%s/%s", roots[0], rel);
}

/* The Containerfile: configured, or the one shipped with ags. */
static char *containerfile_path(const struct ags_config *cfg)
{
    if (cfg->sandbox.containerfile.v && cfg->sandbox.containerfile.v[0])
        return xstrdup(cfg->sandbox.containerfile.v);
    return shipped_path("containerfile/Containerfile");
}

/* Was this setting made by the repo overlay? */
static bool overlay_named(const struct ags_config *cfg, const struct cfg_origin *at)
{
    return cfg->overlay_path && at->file && strcmp(at->file, cfg->overlay_path) == 0;
}

/* An overlay's Containerfile builds only the bytes the user trusted: its
 * image tag was derived from them at load, so a file changed since
 * (by an agent of a concurrent run) is refused instead of built under it.
 * The window left is between this read and the tar of the build context. */
static int check_containerfile(const struct ags_config *cfg, const char *file, char *label,
                               size_t size)
{
    label[0] = '\0';
    if (!cfg->containerfile_sha256)
        return 0;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    struct ags_error err = {0};
    char now[SHA256_HEX_SIZE];
    if (read_regular_file_at(AT_FDCWD, file, file, CFG_CONTAINERFILE_MAX_SIZE, &buf, &len, NULL,
                             &err) < 0)
        return launch_failed(&err);
    sha256_hex(buf, len, now);
    if (strcmp(now, cfg->containerfile_sha256) != 0) {
        cli_error("%s changed since the repo-local config was trusted (sha256 %s, now %s); "
                  "not building it: run ags again to review it",
                  file, cfg->containerfile_sha256, now);
        return AGS_EXIT_LAUNCH;
    }
    (void)snprintf(label, size, "ags.containerfile-sha256=%s", now);
    return 0;
}

static int ensure_image(struct podman_client *c, const struct ags_config *cfg, const char *image)
{
    struct ags_error err = {0};
    bool exists = false;
    if (podman_image_exists(c, image, &exists, &err) < 0) {
        return launch_failed(&err);
    }
    if (exists)
        return 0;
    if (overlay_named(cfg, &cfg->sandbox.image.at) && !cfg->containerfile_sha256) {
        cli_error("the repo-local config %s names the image %s, which does not exist; ags "
                  "builds an image that a repo-local config names only from that config's own "
                  "containerfile (pull or build %s yourself, or remove it from that file)",
                  cfg->overlay_path, image, image);
        return AGS_EXIT_LAUNCH;
    }
    _cleanup_free_ char *file = containerfile_path(cfg);
    _cleanup_free_ char *dir = xstrdup(file);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : file;
    if (slash)
        *slash = '\0';
    char label[128];
    int rc = check_containerfile(cfg, file, label, sizeof(label));
    if (rc != 0)
        return rc;
    fprintf(stderr, "ags: building the sandbox image %s from %s\n", image, file);
    const char *tags[] = {image, NULL};
    const char *labels[] = {label, NULL};
    struct podman_build_opts opts = {
        .context_dir = slash ? dir : ".",
        .containerfile = name,
        .tags = tags,
        .labels = label[0] ? labels : NULL,
        .network = true, /* RUN steps install packages */
        .on_output = build_output,
    };
    _cleanup_free_ char *id = NULL;
    if (podman_image_build(c, &opts, &id, &err) < 0) {
        (void)ags_error_prefix(&err, "building the sandbox image failed");
        return launch_failed(&err);
    }
    return 0;
}

/* A fresh random 4-hex suffix for a name that is already taken. */
static void rename_container(struct ags_plan *p)
{
    uint16_t r = 0;
    if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
        r = (uint16_t)(getpid() ^ (pid_t)r);
    size_t n = strlen(p->name.v);
    if (n > 4)
        (void)snprintf(p->name.v + n - 4, 5, "%04x", r);
}

/* Resolves the plan's secrets (never in lockdown) and hands each value to
 * Podman as an ephemeral secret; ags's copies are wiped right after. */
static int deliver_secrets(struct podman_client *c, const struct ags_config *cfg,
                           const struct ags_plan *p, struct backend_secrets *ret)
{
    *ret = (struct backend_secrets){0};
    if (p->lockdown || p->n_secrets == 0)
        return 0;
    char **helper_env = secret_helper_env(environ);
    struct secret_host host = {
        .getenv = env_lookup,
        .home = nonempty_env("HOME"),
        .helper_env = helper_env,
    };
    struct secret_set set;
    secrets_resolve(cfg, p, &host, &set);
    strv_free(helper_env);
    for (size_t i = 0; i < set.n_warnings; i++)
        cli_warning("%s", set.warnings[i]);
    struct backend_secret_value *values = xcalloc(set.n + 1, sizeof(*values));
    for (size_t i = 0; i < set.n; i++)
        values[i] = (struct backend_secret_value){set.v[i].env, set.v[i].value, set.v[i].len};
    struct ags_error err = {0};
    int r = backend_secrets_create(c, p, values, set.n, ret, &err);
    free(values);
    secret_set_done(&set);
    return r < 0 ? launch_failed(&err) : 0;
}

static int create_container(struct podman_client *c, struct ags_plan *p, bool tty,
                            const struct backend_secrets *secrets, char **ret_id)
{
    struct ags_error err = {0};
    /* The Podman major version stays unknown here, as before the backend learns it. */
    const struct backend_engine engine = {.major = 0, .slirp4netns = cli_have_slirp4netns()};
    for (int attempt = 0;; attempt++) {
        struct backend_spec spec;
        backend_spec_from_plan(p, &engine, tty, true, env_lookup, &spec);
        spec.spec.secrets = secrets->mounts;
        spec.spec.n_secrets = secrets->n;
        int r = podman_container_create(c, &spec.spec, ret_id, &err);
        backend_spec_done(&spec);
        if (r == 0)
            return 0;
        /* Podman 4.3 sometimes fails a keep-id create while other containers
         * are being created concurrently ("keep-id requires additional UIDs");
         * the same request succeeds a moment later. */
        bool keepid_race = strstr(err.msg, "keep-id requires additional") != NULL;
        if ((r != -EBUSY && !keepid_race) || attempt >= NAME_RETRIES || g_signal)
            return launch_failed(&err);
        if (keepid_race)
            (void)usleep(200000);
        else
            rename_container(p); /* a concurrent run picked the same name */
    }
}

static int install_guards(const struct ags_plan *p)
{
    _cleanup_free_ char *assets = shipped_path("agent-assets");
    _cleanup_free_ char *note = NULL;
    struct ags_error err = {0};
    int r = assets_install(p, assets, &note, &err);
    if (r < 0)
        return launch_failed(&err);
    if (note)
        cli_warning("%s", note);
    return 0;
}

/* Lockdown staging; what it left out of the agent home is said (a few of
 * them: the agent chooses how many there are). */
static int stage_home(const struct ags_plan *p, const char *staging_dir)
{
    struct ags_error err = {0};
    struct stage_notes notes = {0};
    int r = stage_lockdown(p, staging_dir, &notes, &err);
    for (size_t i = 0; i < STAGE_MAX_NOTES && notes.msg[i]; i++)
        cli_warning("%s", notes.msg[i]);
    if (notes.n > STAGE_MAX_NOTES)
        cli_warning("%zu more entries of the agent home were not staged", notes.n -
                                                                          STAGE_MAX_NOTES);
    stage_notes_done(&notes);
    return r < 0 ? launch_failed(&err) : 0;
}

/* Podman resolves each bind source again when it starts the
 * container, minutes after ags checked it (an image build lies between).  A
 * concurrent agent that writes the workspace could swap a checked directory
 * for a symlink to a host directory by then.  Each existing bind source is
 * pinned (canonical path, device and inode) before the long steps and
 * compared again once the container is created, right before it starts; an
 * overlay's source must stay the canonical path resolved and trusted at
 * load.  The window left is between that check and Podman's mount. */
struct mount_pin {
    const char *source; /* the plan's */
    char *canon;        /* NULL: not pinned (missing: created later) */
    dev_t dev;
    ino_t ino;
    bool canonical;     /* an overlay's: canon must equal source */
};

struct mount_pins {
    struct mount_pin *v;
    size_t n;
};

static bool from_overlay(const struct ags_config *cfg, const char *source)
{
    for (size_t i = 0; cfg->overlay_path && i < cfg->n_mounts; i++) {
        const struct cfg_mount *m = &cfg->mounts[i];
        if (overlay_named(cfg, &m->at) && strcmp(m->host.v, source) == 0)
            return true;
    }
    return false;
}

/* The source's canonical path and identity now; false when it cannot be resolved. */
static bool pin_now(const char *source, char **canon, struct stat *st)
{
    *canon = realpath(source, NULL);
    if (*canon && stat(*canon, st) == 0)
        return true;
    free(*canon);
    *canon = NULL;
    return false;
}

static void pins_take(const struct ags_config *cfg, const struct ags_plan *p,
                      struct mount_pins *pins)
{
    pins->v = xcalloc(p->n_mounts + 1, sizeof(*pins->v));
    pins->n = 0;
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        if (m->type != PLAN_MOUNT_BIND)
            continue;
        struct mount_pin *pin = &pins->v[pins->n++];
        struct stat st;
        pin->source = m->source;
        pin->canonical = from_overlay(cfg, m->source);
        if (pin_now(m->source, &pin->canon, &st)) {
            pin->dev = st.st_dev;
            pin->ino = st.st_ino;
        }
    }
}

static void pins_done(struct mount_pins *pins)
{
    for (size_t i = 0; i < pins->n; i++)
        free(pins->v[i].canon);
    free(pins->v);
    *pins = (struct mount_pins){0};
}

static int pin_changed(const struct mount_pin *pin, const char *now)
{
    cli_error("the mount source %s changed since ags checked it (%s%s%s); not starting the "
              "sandbox: something may be swapping it for a symlink (an agent of another run in "
              "this checkout?); check it and run again",
              pin->source, now ? "now " : "it is gone", now ? now : "",
              now && pin->canon && strcmp(now, pin->canon) == 0 ? ", another file" : "");
    return AGS_EXIT_LAUNCH;
}

static int pins_verify(const struct mount_pins *pins)
{
    for (size_t i = 0; i < pins->n; i++) {
        const struct mount_pin *pin = &pins->v[i];
        _cleanup_free_ char *now = NULL;
        struct stat st;
        bool there = pin_now(pin->source, &now, &st);
        if (pin->canonical && pin->canon && strcmp(pin->canon, pin->source) != 0)
            return pin_changed(pin, pin->canon);
        if (pin->canonical && (!there || strcmp(now, pin->source) != 0))
            return pin_changed(pin, there ? now : NULL);
        if (!pin->canon)
            continue; /* missing when pinned: created by this run */
        if (!there || strcmp(now, pin->canon) != 0 || st.st_dev != pin->dev ||
            st.st_ino != pin->ino)
            return pin_changed(pin, there ? now : NULL);
    }
    return 0;
}

/* Concurrent runs take turns for the steps that deadlock Podman 4.3
 * (backend.h): the sweep, and volumes through container start; removal. */
static struct backend_lock g_lock = {.fd = -1};

static int take_turn(void)
{
    return backend_lock_take(&g_lock, &g_signal) < 0 ? interrupted() : 0;
}

static void end_turn(void *userdata _unused_)
{
    backend_lock_release(&g_lock);
}

static int prepare(struct podman_client *c, const struct ags_config *cfg, struct ags_plan *p,
                   const char *staging_dir)
{
    struct ags_error err = {0};
    size_t swept = 0;
    int rc = take_turn();
    if (rc != 0)
        return rc;
    if (backend_sweep(c, &swept, &err) < 0 && err.code != -EINTR)
        cli_warning("could not sweep what earlier runs left: %s", err.msg);
    end_turn(NULL);
    if (stage_sweep(cli_tmp_dir(), &swept, &err) < 0)
        cli_warning("could not sweep old lockdown staging: %s", err.msg);
    rc = interrupted();
    if (rc == 0)
        rc = ensure_image(c, cfg, p->image.v);
    end_build_output();
    if (rc == 0 && p->lockdown)
        rc = stage_home(p, staging_dir);
    if (rc == 0)
        rc = interrupted();
    if (rc == 0)
        rc = install_guards(p);
    /* Held from here until the container has started (end_turn). */
    if (rc == 0)
        rc = take_turn();
    if (rc == 0 && backend_prepare(c, p, &err) < 0)
        rc = launch_failed(&err);
    return rc ? rc : interrupted();
}

/* Lockdown output that reaches a terminal goes through the terminal filter
 * (docs/security.md, "Terminal output in lockdown"): the agent must not
 * reach the host's clipboard, notifications, window or printer through
 * escape sequences.  Output to a pipe or a file keeps its exact bytes. */
struct term_filter {
    struct termfilter state;
    struct output_filter hook;
};

static size_t filter_terminal(void *state, const char *in, size_t n, char *out)
{
    return termfilter_feed(state, in, n, out);
}

static const struct output_filter *terminal_filter(struct term_filter *f, int fd,
                                                          bool lockdown)
{
    if (!lockdown || !isatty(fd))
        return NULL;
    filter_init_for_terminal(&f->state);
    f->hook = (struct output_filter){
        .filter = filter_terminal, .state = &f->state, .slack = TERMFILTER_SLACK};
    return &f->hook;
}

static int run_container(struct podman_client *c, struct ags_plan *p,
                         const struct backend_secrets *secrets, const struct mount_pins *pins)
{
    bool tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
    _cleanup_free_ char *id = NULL;
    int rc = create_container(c, p, tty, secrets, &id);
    if (rc != 0)
        return rc;
    int exit_code = 0;
    struct ags_error err = {0};
    int r = 0;
    int refused = pins_verify(pins);
    bool attached = !g_signal && refused == 0;
    if (attached) {
        struct term_filter out_filter, err_filter;
        struct podman_io io = {
            .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO, .err_fd = STDERR_FILENO, .tty = tty,
            .out_filter = terminal_filter(&out_filter, STDOUT_FILENO, p->lockdown),
            .err_filter = terminal_filter(&err_filter, STDERR_FILENO, p->lockdown)};
        const struct podman_attach_opts aopts = {.on_started = end_turn};
        r = podman_run_attached_ex(c, id, &io, &aopts, &exit_code, &err);
        /* What the agent set and left set (the alternate screen, mouse
         * reporting, ...) would outlive the run in the user's terminal. */
        if (io.out_filter)
            filter_finish_to(&out_filter.state, STDOUT_FILENO);
        if (io.err_filter)
            filter_finish_to(&err_filter.state, STDERR_FILENO);
    }
    end_turn(NULL);
    struct ags_error rm_err = {0};
    /* Always removed here: on success, on errors and after a signal (the
     * turn is waited for without giving up: removal must happen). */
    (void)backend_lock_take(&g_lock, NULL);
    if (podman_container_remove(c, id, true, &rm_err) < 0 && rm_err.code != -ENOENT)
        cli_warning("could not remove container %s: %s", p->name.v, rm_err.msg);
    end_turn(NULL);
    if (refused)
        return refused;
    if (!attached)
        return interrupted();
    if (r == -EINTR) {
        cli_error("%s; the sandbox was removed", err.msg);
        return AGS_EXIT_LAUNCH;
    }
    if (r < 0)
        return launch_failed(&err);
    return exit_code;
}

int cli_run_plan(const struct ags_config *cfg, struct ags_plan *plan, const char *staging_dir)
{
    struct sigaction old[ARRAY_SIZE(run_signals)];
    catch_signals(old);
    _cleanup_(podman_client_freep) struct podman_client *c = NULL;
    const char *runtime = nonempty_env("XDG_RUNTIME_DIR");
    backend_lock_open(&g_lock, runtime && runtime[0] == '/' ? runtime : cli_tmp_dir());
    struct mount_pins pins;
    pins_take(cfg, plan, &pins);
    int rc = connect_podman(cfg, &c);
    if (rc == 0) {
        /* Only the long steps (sweep, image build, volumes) are aborted by a
         * signal; what creates things must finish so that it can be undone. */
        podman_client_set_cancel(c, &g_signal);
        rc = prepare(c, cfg, plan, staging_dir);
        podman_client_set_cancel(c, NULL);
    }
    struct backend_secrets secrets = {0};
    if (rc == 0)
        rc = deliver_secrets(c, cfg, plan, &secrets);
    if (rc == 0)
        rc = interrupted();
    if (rc == 0)
        rc = run_container(c, plan, &secrets, &pins);
    backend_lock_release(&g_lock); /* an early failure may still hold it */
    if (c) {
        struct ags_error err = {0};
        if (backend_secrets_remove(c, &secrets, &err) < 0)
            cli_warning("could not remove a secret of this run: %s (the next run removes it)",
                        err.msg);
    }
    backend_lock_close(&g_lock);
    pins_done(&pins);
    restore_signals(old);
    return rc;
}
