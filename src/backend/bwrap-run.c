/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bubblewrap backend's launch half: create, start attached, remove, the
 * secrets and the sweep (backend/bwrap.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/bwrap-args.h"
#include "backend/bwrap-store.h"
#include "backend/bwrap.h"
#include "base/alloc.h"
#include "base/fileio.h"
#include "base/macro.h"
#include "base/procid.h"
#include "base/rmtree.h"
#include "base/strv.h"
#include "bwrap/launch.h"
#include "bwrap/seccomp.h"
#include "base/banned.h"

/* slirp4netns's network: its DNS forwarder and the host's loopback. */
#define SLIRP_DNS           "10.0.2.3"
#define SLIRP_HOST_LOOPBACK "10.0.2.2"

/* ---- secrets: one sealed memory file each ---- */

static int memfd_with(const char *name, const void *data, size_t len, struct ags_error *err)
{
    int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return ags_error_set(err, -errno, "memfd_create: %m");
    int r = write_all(fd, data, len);
    if (r < 0) {
        (void)close(fd);
        return ags_error_set(err, r, "writing a memory file: %s", strerror(-r));
    }
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0 ||
        lseek(fd, 0, SEEK_SET) < 0) {
        int e = -errno;
        (void)close(fd);
        return ags_error_set(err, e, "sealing a memory file: %s", strerror(-e));
    }
    return fd;
}

int bwrap_secrets_create(struct backend *base, const struct ags_plan *p _unused_,
                         const struct backend_secret_value *values, size_t n,
                         struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    (void)bwrap_secrets_remove(base, NULL);
    b->secret_names = xcalloc(n + 1, sizeof(char *));
    b->secret_fds = xcalloc(n + 1, sizeof(int));
    for (size_t i = 0; i < n; i++) {
        int fd = memfd_with("ags-secret", values[i].value, values[i].len, err);
        if (fd < 0) {
            (void)bwrap_secrets_remove(base, NULL);
            return fd;
        }
        b->secret_names[i] = xstrdup(values[i].env);
        b->secret_fds[i] = fd;
        b->n_secrets++;
    }
    return 0;
}

int bwrap_secrets_remove(struct backend *base, struct ags_error *err _unused_)
{
    struct bwrap_backend *b = bwrap_of(base);
    for (size_t i = 0; i < b->n_secrets; i++)
        (void)close(b->secret_fds[i]);
    strv_free_n(b->secret_names, b->n_secrets);
    free(b->secret_fds);
    b->secret_names = NULL;
    b->secret_fds = NULL;
    b->n_secrets = 0;
    return 0;
}

/* ---- the image's tree as the args builder needs it ---- */

static int list_dir(const char *root, const char *path, struct bwrap_shadow *ret,
                    struct ags_error *err)
{
    _cleanup_free_ char *host = xasprintf("%s%s", root, path);
    _cleanup_close_ int fd = open(host, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open %s in the image: %m", path);
    DIR *d = fdopendir(fd);
    if (!d)
        return ags_error_set(err, -errno, "cannot list %s in the image: %m", path);
    fd = -EBADF; /* the DIR owns it */
    *ret = (struct bwrap_shadow){.path = xstrdup(path)};
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        struct bwrap_entry e = {.name = xstrdup(de->d_name)};
        if (S_ISLNK(st.st_mode)) {
            char target[4096];
            ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
            if (n < 0) {
                free(e.name);
                continue;
            }
            target[n] = '\0';
            e.kind = BWRAP_ENTRY_LINK;
            e.target = xstrdup(target);
        } else {
            e.kind = S_ISDIR(st.st_mode) ? BWRAP_ENTRY_DIR : BWRAP_ENTRY_FILE;
        }
        ret->entries = xgrow(ret->entries, &cap, ret->n_entries + 1, sizeof(*ret->entries));
        ret->entries[ret->n_entries++] = e;
    }
    (void)closedir(d);
    return 0;
}

/* What the image holds at path: 1 a directory, 0 nothing (or something that
 * is no directory), following no link. */
static bool image_has_dir(const char *root, const char *path)
{
    _cleanup_free_ char *host = xasprintf("%s%s", root, path);
    struct stat st;
    return lstat(host, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool image_has(const char *root, const char *path)
{
    _cleanup_free_ char *host = xasprintf("%s%s", root, path);
    struct stat st;
    return lstat(host, &st) == 0;
}

/* Places the sandbox gets writable, where new mount points can be made. */
static bool under_writable(const char *path)
{
    static const char *const w[] = {"/tmp", "/run", "/var/tmp", "/home", "/dev", "/proc"};
    for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
        size_t n = strlen(w[i]);
        if (strncmp(path, w[i], n) == 0 && (path[n] == '/' || !path[n]))
            return true;
    }
    return false;
}

static bool shadowed(const struct bwrap_shadow *v, size_t n, const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].path, path) == 0)
            return true;
    return false;
}

/* "/" and, for each mount point the read-only image lacks, the nearest
 * directory of the image above it (unless a writable place holds it). */
static int gather_shadows(const char *root, const struct ags_plan *p, struct bwrap_shadow **ret,
                          size_t *ret_n, struct ags_error *err)
{
    struct bwrap_shadow *v = xcalloc(p->n_mounts + 1, sizeof(*v));
    size_t n = 0;
    int r = list_dir(root, "/", &v[n], err);
    n += r == 0;
    for (size_t i = 0; r == 0 && i < p->n_mounts; i++) {
        const char *dest = p->mounts[i].destination;
        if (under_writable(dest) || image_has(root, dest))
            continue;
        _cleanup_free_ char *up = xstrdup(dest);
        char *slash;
        while ((slash = strrchr(up, '/')) && slash != up) {
            *slash = '\0';
            if (image_has_dir(root, up))
                break;
        }
        if (!slash || slash == up || shadowed(v, n, up))
            continue; /* the image's "/" holds it: already shadowed */
        r = list_dir(root, up, &v[n], err);
        n += r == 0;
    }
    if (r < 0) {
        for (size_t i = 0; i < n; i++)
            bwrap_shadow_done(&v[i]);
        free(v);
        return r;
    }
    *ret = v;
    *ret_n = n;
    return 0;
}

/* ---- the per-run directory ---- */

static char *run_dir_of(const struct bwrap_backend *b, const char *name)
{
    return xasprintf("%s/" BWRAP_STORE_RUNS "/" BWRAP_RUN_DIR_PREFIX "%s", b->data_dir, name);
}

/* A scratch directory of the run, 1777 as the image's /tmp. */
static int make_scratch(const char *dir, const char *name, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    if (mkdir(path, 0700) < 0 || chmod(path, 01777) < 0)
        return ags_error_set(err, -errno, "cannot make %s: %m", path);
    return 0;
}

/* A small file of the run's directory (nobody else writes there). */
static int write_small(const char *dir, const char *name, const char *text,
                       struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    return write_file_atomic(path, text, strlen(text), 0600, err);
}

/* The plan's labels, what ags ps reads (values are single words: plan.h). */
static int write_labels(const char *dir, const struct ags_plan *p, struct ags_error *err)
{
    _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", dir);
    return bwrap_store_write_lines(fd, dir, BWRAP_STORE_LABELS, (const char *const *)p->labels,
                                   err);
}

/* The bwrap process's identity, so that ags stop can prove a pid is still
 * this sandbox before it signals it.  Without it stop cannot signal: only
 * a warning's worth, the run goes on. */
static void record_sandbox(const char *dir, pid_t pid)
{
    struct procid id;
    uint64_t start;
    if (procid_self(&id, NULL) < 0 || procid_start_time((uint32_t)pid, &start) < 0)
        return;
    id.pid = (uint32_t)pid;
    id.start = start;
    char text[PROCID_MAX_TEXT];
    procid_format(&id, text, sizeof(text));
    _cleanup_free_ char *line = xasprintf("%s\n", text);
    (void)write_small(dir, BWRAP_RUN_SANDBOX_FILE, line, NULL);
}

/* The run's private directory with its owner (the sweep's proof), the image
 * it runs (image_remove's "in use") and the copy of the image's /home. */
static int make_run_dir(struct bwrap_backend *b, const struct ags_plan *p, const char *root,
                        const char *image_id, char **ret_dir, struct ags_error *err)
{
    _cleanup_close_ int runs = -EBADF;
    int r = bwrap_store_open(b, BWRAP_STORE_RUNS, true, &runs, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *dir = run_dir_of(b, p->name.v);
    _cleanup_free_ char *name = xasprintf(BWRAP_RUN_DIR_PREFIX "%s", p->name.v);
    if (mkdirat(runs, name, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make %s: %m", dir);
    const char *owner = plan_label_value(p->labels, PLAN_LABEL_OWNER);
    _cleanup_free_ char *owner_line = xasprintf("%s\n", owner ? owner : "");
    _cleanup_free_ char *image_line = xasprintf("%s\n", image_id);
    _cleanup_free_ char *home_src = xasprintf("%s/home", root);
    _cleanup_free_ char *home = xasprintf("%s/home", dir);
    r = write_small(dir, BWRAP_RUN_OWNER_FILE, owner_line, err);
    if (r == 0)
        r = write_labels(dir, p, err);
    if (r == 0)
        r = make_scratch(dir, "tmp", err);
    if (r == 0)
        r = make_scratch(dir, "var-tmp", err);
    if (r == 0)
        r = write_small(dir, BWRAP_RUN_IMAGE_FILE, image_line, err);
    if (r == 0)
        r = image_has_dir(root, "/home") ? bwrap_copy_tree(home_src, home, err)
                                         : (mkdir(home, 0755) < 0 ? -errno : 0);
    if (r < 0) {
        (void)!rmtree(dir, NULL); /* the sweep removes what is left */
        return r;
    }
    *ret_dir = TAKE_PTR(dir);
    return 0;
}

/* ---- create, start, remove ---- */

static void sandbox_free(struct bwrap_sandbox *sb)
{
    if (!sb)
        return;
    free(sb->id);
    free(sb->run_dir);
    strv_free(sb->argv);
    strv_free(sb->envp);
    for (size_t i = 0; i < sb->n_own_fds; i++)
        (void)close(sb->own_fds[i]);
    free(sb->own_fds);
    free(sb->keep_fds);
    free(sb);
}

/* /etc/hosts as Podman writes it for a container, with the host's name for
 * the sandbox (it answers only when the plan opens the host's loopback). */
static char *hosts_text(const struct ags_plan *p)
{
    return xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                     "%s\thost.containers.internal host.docker.internal\n"
                     "10.0.2.100\t%s\n",
                     SLIRP_HOST_LOOPBACK, p->name.v);
}

static void own_fd(struct bwrap_sandbox *sb, int fd)
{
    sb->own_fds = xrealloc(sb->own_fds, (sb->n_own_fds + 1) * sizeof(int));
    sb->own_fds[sb->n_own_fds++] = fd;
}

/* The fds bwrap reads: seccomp program, secrets, hosts and resolv.conf. */
static int make_fds(struct bwrap_backend *b, const struct ags_plan *p, const char *root,
                    struct bwrap_sandbox *sb, struct bwrap_args_in *in, struct ags_error *err)
{
    int fd;
    int r = bwrap_seccomp_program(&fd, err);
    if (r < 0)
        return r;
    own_fd(sb, fd);
    in->seccomp_fd = fd;
    in->hosts_fd = in->resolv_fd = -1;
    if (image_has(root, "/etc/hosts")) {
        _cleanup_free_ char *text = hosts_text(p);
        if ((fd = memfd_with("ags-hosts", text, strlen(text), err)) < 0)
            return fd;
        own_fd(sb, fd);
        in->hosts_fd = fd;
    }
    if (image_has(root, "/etc/resolv.conf")) {
        static const char resolv[] = "nameserver " SLIRP_DNS "\n";
        if ((fd = memfd_with("ags-resolv", resolv, strlen(resolv), err)) < 0)
            return fd;
        own_fd(sb, fd);
        in->resolv_fd = fd;
    }
    in->secret_names = (const char *const *)b->secret_names;
    in->secret_fds = b->secret_fds;
    in->n_secrets = b->n_secrets;
    sb->keep_fds = xcalloc(sb->n_own_fds + b->n_secrets + 1, sizeof(int));
    memcpy(sb->keep_fds, sb->own_fds, sb->n_own_fds * sizeof(int));
    for (size_t i = 0; i < b->n_secrets; i++)
        sb->keep_fds[sb->n_own_fds + i] = b->secret_fds[i];
    sb->n_keep_fds = sb->n_own_fds + b->n_secrets;
    return 0;
}

static int volume_dirs(struct bwrap_backend *b, const struct ags_plan *p, char ***ret,
                       struct ags_error *err)
{
    char **v = xcalloc(p->n_mounts + 1, sizeof(char *));
    for (size_t i = 0; i < p->n_mounts; i++) {
        if (p->mounts[i].type != PLAN_MOUNT_VOLUME)
            continue;
        int r = bwrap_store_volume_dir(b, p->mounts[i].source, &v[i], err);
        if (r < 0) {
            strv_free_n(v, p->n_mounts);
            return r;
        }
    }
    *ret = v;
    return 0;
}

static int build_command(struct bwrap_backend *b, const struct ags_plan *p, bool tty,
                         const char *root, char **image_env, struct bwrap_sandbox *sb,
                         struct ags_error *err)
{
    struct bwrap_args_in in = {.plan = p, .root = root, .home_copy = NULL, .tty = tty};
    _cleanup_free_ char *home = xasprintf("%s/home", sb->run_dir);
    _cleanup_free_ char *tmp = xasprintf("%s/tmp", sb->run_dir);
    _cleanup_free_ char *var_tmp = xasprintf("%s/var-tmp", sb->run_dir);
    in.home_copy = home;
    in.tmp_dir = tmp;
    in.var_tmp_dir = var_tmp;
    struct bwrap_shadow *shadows = NULL;
    size_t n_shadows = 0;
    char **vols = NULL;
    int r = gather_shadows(root, p, &shadows, &n_shadows, err);
    if (r == 0)
        r = volume_dirs(b, p, &vols, err);
    if (r == 0)
        r = make_fds(b, p, root, sb, &in, err);
    if (r == 0) {
        in.shadows = shadows;
        in.n_shadows = n_shadows;
        in.volume_dirs = (const char *const *)vols;
        sb->argv = bwrap_args_build(&in);
        const char *loopback = p->network.host_loopback ? SLIRP_HOST_LOOPBACK : NULL;
        sb->envp = bwrap_env_build((const char *const *)image_env, p, b->getenv, loopback, tty);
    }
    for (size_t i = 0; i < n_shadows; i++)
        bwrap_shadow_done(&shadows[i]);
    free(shadows);
    if (vols)
        strv_free_n(vols, p->n_mounts);
    return r;
}

int bwrap_create(struct backend *base, const struct ags_plan *p, bool tty, char **ret_id,
                 struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    if (b->sb)
        return ags_error_set(err, -EBUSY, "this bubblewrap backend already has a sandbox");
    if (p->network.mode == PLAN_NETWORK_OPEN && !b->slirp4netns)
        return ags_error_set(err, -ENOENT,
                             "slirp4netns is not installed in a directory only root can change: "
                             "the sandbox's network needs it (apt-get install slirp4netns)");
    _cleanup_free_ char *root = NULL, *image_id = NULL;
    _cleanup_strv_free_ char **image_env = NULL;
    /* The id recorded is the one of the tree the run binds (image_remove). */
    int r = bwrap_store_image_root(b, p->image.v, &root, &image_env, &image_id, err);
    if (r < 0)
        return r;
    struct bwrap_sandbox *sb = xcalloc(1, sizeof(*sb));
    sb->tty = tty;
    sb->host_loopback = p->network.host_loopback;
    /* allowlist and none: bwrap's own network namespace with its loopback
     * only, no slirp4netns: no route out (the egress proxy's socket is a bind). */
    sb->network = p->network.mode == PLAN_NETWORK_OPEN;
    sb->pids_limit = p->security.pids_limit;
    r = make_run_dir(b, p, root, image_id, &sb->run_dir, err);
    if (r == 0)
        r = build_command(b, p, tty, root, image_env, sb, err);
    if (r < 0) {
        if (sb->run_dir)
            (void)!rmtree(sb->run_dir, NULL);
        sandbox_free(sb);
        return r;
    }
    sb->id = xstrdup(p->name.v);
    b->sb = sb;
    *ret_id = xstrdup(sb->id);
    return 0;
}

static struct bwrap_sandbox *sandbox_named(struct bwrap_backend *b, const char *id)
{
    return b->sb && strcmp(b->sb->id, id) == 0 ? b->sb : NULL;
}

int bwrap_start_attached(struct backend *base, const char *id, const struct backend_io *io,
                         int *ret_exit, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    struct bwrap_sandbox *sb = sandbox_named(b, id);
    if (!sb)
        return ags_error_set(err, -ENOENT, "no sandbox %s", id);
    _cleanup_free_ char *log_path = xasprintf("%s/slirp4netns.log", sb->run_dir);
    _cleanup_close_ int log =
            open(log_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    const struct bwrap_start_opts o = {
        .program = b->bwrap,
        .args = (const char *const *)sb->argv,
        .envp = (const char *const *)sb->envp,
        .keep_fds = sb->keep_fds,
        .n_keep_fds = sb->n_keep_fds,
        .slirp4netns = sb->network ? b->slirp4netns : NULL,
        .host_loopback = sb->host_loopback,
        .slirp_log_fd = log,
        .nproc_limit = sb->pids_limit,
        .tty = sb->tty,
        .in_fd = io->in_fd,
        .out_fd = io->out_fd,
        .err_fd = io->err_fd,
        .out_filter = io->out_filter,
        .err_filter = io->tty ? NULL : io->err_filter,
    };
    int r = bwrap_start(&o, &sb->proc, err);
    if (r < 0)
        return ags_error_prefix(err, "starting the bubblewrap sandbox");
    sb->started = true;
    record_sandbox(sb->run_dir, sb->proc.pid);
    return bwrap_attach(&sb->proc, &o, b->cancel, ret_exit, err);
}

int bwrap_remove(struct backend *base, const char *id, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    struct bwrap_sandbox *sb = sandbox_named(b, id);
    if (!sb)
        return ags_error_set(err, -ENOENT, "no sandbox %s", id);
    if (sb->started)
        bwrap_stop(&sb->proc);
    int r = rmtree(sb->run_dir, err);
    b->sb = NULL;
    sandbox_free(sb);
    return r;
}

/* ---- the sweep: run directories whose ags is proven gone ---- */

int bwrap_sweep(struct backend *base, size_t *ret_removed, struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    *ret_removed = 0;
    struct procid self;
    int r = procid_self(&self, err);
    if (r < 0)
        return r;
    int fd = -EBADF;
    r = bwrap_store_open(b, BWRAP_STORE_RUNS, false, &fd, err);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    DIR *d = fdopendir(fd);
    if (!d) {
        r = -errno;
        (void)close(fd);
        return ags_error_set(err, r, "cannot list %s/" BWRAP_STORE_RUNS ": %s", b->data_dir,
                             strerror(-r));
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, BWRAP_RUN_DIR_PREFIX, strlen(BWRAP_RUN_DIR_PREFIX)) != 0)
            continue;
        _cleanup_close_ int run =
                openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (run < 0 || procid_file_state(run, BWRAP_RUN_OWNER_FILE, &self) != PROCID_DEAD)
            continue;
        if (rmtree_at(dirfd(d), de->d_name, de->d_name, NULL) == 0)
            (*ret_removed)++;
    }
    (void)closedir(d);
    return 0;
}

int bwrap_engine_info(struct backend *base, struct backend_engine_info *ret,
                      struct ags_error *err)
{
    struct bwrap_backend *b = bwrap_of(base);
    *ret = (struct backend_engine_info){.rootless = geteuid() != 0};
    return bwrap_version(b->bwrap, ret->version, sizeof(ret->version), err);
}
