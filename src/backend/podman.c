/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Podman backend (backend.h) on the REST client: each operation is one
 * step of today's run.  Requests of the long steps (sweep, image, prepare)
 * give up when the run's cancel flag is set; what creates or removes
 * something finishes.  Concurrent ags processes take turns (podman.h,
 * backend_lock) for the sweep and from prepare until the container started,
 * and for the removal.
 */
#include "backend/podman.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/tar-read.h"
#include "podman/tar.h"
#include "base/banned.h"

/* A create that Podman 4.3 refuses for a keep-id race is tried this often. */
#define KEEPID_RETRIES 5
#define KEEPID_RETRY_USEC 200000

struct podman_backend {
    struct backend base;
    struct podman_client *c;
    const volatile sig_atomic_t *cancel;
    const char *(*getenv)(const char *name);
    struct backend_engine engine;
    struct backend_lock lock;
    struct backend_secrets secrets;
};

static struct podman_backend *podman_of(struct backend *b)
{
    return (struct podman_backend *)b;
}

static bool cancelled(const struct podman_backend *pb)
{
    return pb->cancel && *pb->cancel;
}

static int interrupted_error(struct ags_error *err)
{
    return ags_error_set(err, -EINTR, "interrupted");
}

/* Takes this user's turn, giving up when the run is cancelled. */
static int take_turn(struct podman_backend *pb, struct ags_error *err)
{
    return backend_lock_take(&pb->lock, pb->cancel) < 0 ? interrupted_error(err) : 0;
}

static int pb_sweep(struct backend *b, size_t *ret_removed, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    *ret_removed = 0;
    int r = take_turn(pb, err);
    if (r < 0)
        return r;
    podman_client_set_cancel(pb->c, pb->cancel);
    r = backend_sweep(pb->c, ret_removed, err);
    podman_client_set_cancel(pb->c, NULL);
    backend_lock_release(&pb->lock);
    return r;
}

static int pb_image_exists(struct backend *b, const char *image, bool *ret,
                           struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_image_exists(pb->c, image, ret, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

static int pb_image_build(struct backend *b, const char *image,
                          const struct backend_image_build *o, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    const char *tags[] = {image, NULL};
    _cleanup_free_ struct podman_tar_extra *extra = xcalloc(o->n_files + 1, sizeof(*extra));
    for (size_t i = 0; i < o->n_files; i++)
        extra[i] = (struct podman_tar_extra){o->files[i].name, o->files[i].path};
    struct podman_build_opts opts = {
        .context_dir = o->context_dir,
        .containerfile = o->containerfile,
        .tags = tags,
        .labels = o->labels,
        .buildargs = o->buildargs,
        .extra = extra,
        .n_extra = o->n_files,
        .network = true, /* RUN steps install packages */
        .on_output = o->on_output,
        .userdata = o->userdata,
    };
    _cleanup_free_ char *id = NULL;
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_image_build(pb->c, &opts, &id, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

static int pb_image_id(struct backend *b, const char *image, char **ret_id,
                       struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    bool exists = false;
    int r = podman_image_exists(pb->c, image, &exists, err);
    if (r == 0 && !exists)
        r = ags_error_set(err, -ENOENT, "there is no image '%s'", image);
    return r < 0 ? r : podman_image_id(pb->c, image, ret_id, err);
}

static int pb_image_remove(struct backend *b, const char *image, struct ags_error *err)
{
    return podman_image_remove(podman_of(b)->c, image, err);
}

static int pb_image_pull(struct backend *b, const char *image, unsigned stall_seconds,
                         struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_image_pull(pb->c, image, stall_seconds, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

static int pb_image_import(struct backend *b, const char *tarball, const char *image,
                           const char *const *labels, const char *const *env,
                           struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    _cleanup_free_ char *id = NULL;
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_image_import(pb->c, tarball, image, labels, env, &id, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

static int pb_list_owned(struct backend *b, const char *const *image_labels,
                         struct backend_objects *ret, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = backend_list_owned(pb->c, image_labels, ret, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

/* Removals take turns with starting runs like the sweep (podman.h, backend_lock). */
static int pb_remove_owned(struct backend *b, const struct backend_object *o,
                           struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    int r = take_turn(pb, err);
    if (r < 0)
        return r;
    r = backend_remove_owned(pb->c, o, err);
    backend_lock_release(&pb->lock);
    return r;
}

/* The turn taken here is held until the container has started (or is removed). */
static int pb_prepare(struct backend *b, const struct ags_plan *p, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    int r = take_turn(pb, err);
    if (r < 0)
        return r;
    podman_client_set_cancel(pb->c, pb->cancel);
    r = backend_prepare(pb->c, p, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

static int pb_secrets_create(struct backend *b, const struct ags_plan *p,
                             const struct backend_secret_value *values, size_t n,
                             struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    if (pb->secrets.n > 0)
        return ags_error_set(err, -EBUSY, "the secrets of this run were created already");
    return backend_secrets_create(pb->c, p, values, n, &pb->secrets, err);
}

static int create_once(struct podman_backend *pb, const struct ags_plan *p, bool tty,
                       char **ret_id, struct ags_error *err)
{
    struct backend_spec spec;
    backend_spec_from_plan(p, &pb->engine, tty, true, pb->getenv, &spec);
    spec.spec.secrets = pb->secrets.mounts;
    spec.spec.n_secrets = pb->secrets.n;
    int r = podman_container_create(pb->c, &spec.spec, ret_id, NULL, err);
    backend_spec_done(&spec);
    return r;
}

static int pb_create(struct backend *b, const struct ags_plan *p, bool tty, char **ret_id,
                     struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    struct ags_error local = {0}; /* err is optional (base/error.h); the retry reads the message */
    if (!err)
        err = &local;
    for (int attempt = 0;; attempt++) {
        int r = create_once(pb, p, tty, ret_id, err);
        if (r == -EBUSY) { /* Podman's "name is in use": the interface says -EEXIST */
            err->code = -EEXIST;
            return -EEXIST;
        }
        /* Podman 4.3 sometimes fails a keep-id create while other containers
         * are being created concurrently ("keep-id requires additional UIDs");
         * the same request succeeds a moment later. */
        if (r == 0 || !strstr(err->msg, "keep-id requires additional") ||
            attempt >= KEEPID_RETRIES || cancelled(pb))
            return r;
        (void)usleep(KEEPID_RETRY_USEC);
    }
}

static int pb_copy_in(struct backend *b, const char *id, const char *dir, int tar_fd,
                      struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_container_put_archive(pb->c, id, dir, tar_fd, err);
    podman_client_set_cancel(pb->c, NULL);
    return r;
}

/* Best effort: a file that cannot be cut keeps what it has, which its
 * reader checks all the same. */
static void empty_file(int fd)
{
    if (ftruncate(fd, 0) < 0)
        return;
}

/* The archive is spooled in out_fd itself, then the file's bytes are copied
 * down over it (tar_read_single_file reads each byte before it writes there). */
static int pb_copy_out(struct backend *b, const char *id, const char *path, int out_fd,
                       uint64_t max, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    const char *name = path ? strrchr(path, '/') : NULL;
    if (!name || !name[1])
        return ags_error_set(err, -EINVAL, "copy out of a container: '%s' names no file",
                             path ? path : "");
    name++; /* the archive's one entry is the file's basename */
    if (ftruncate(out_fd, 0) < 0 || lseek(out_fd, 0, SEEK_SET) < 0)
        return ags_error_set(err, -errno, "copy out of a container: the output is no regular "
                                          "file open for writing: %m");
    uint64_t tar_max = max > UINT64_MAX - TAR_READ_OVERHEAD_MAX ? UINT64_MAX
                                                                 : max + TAR_READ_OVERHEAD_MAX;
    struct podman_path_stat st = {0};
    podman_client_set_cancel(pb->c, pb->cancel);
    int r = podman_container_get_archive(pb->c, id, path, out_fd, tar_max, &st, err);
    podman_client_set_cancel(pb->c, NULL);
    if (r < 0) {
        empty_file(out_fd); /* a failed copy leaves the file empty */
        podman_path_stat_done(&st);
        return r;
    }
    /* Podman archives a symlink's target under the name asked for: only
     * its stat tells, and the tar the form of what came. */
    uint64_t size = 0;
    r = podman_path_stat_regular(&st, path, err);
    podman_path_stat_done(&st);
    if (r == 0 && lseek(out_fd, 0, SEEK_SET) < 0)
        r = ags_error_set(err, -errno, "rewinding the archive: %m");
    if (r == 0)
        r = tar_read_single_file(out_fd, name, max, out_fd, &size, err);
    if (r == 0 && ftruncate(out_fd, (off_t)size) < 0)
        r = ags_error_set(err, -errno, "cutting the archive down to the file: %m");
    if (r < 0 && err)
        (void)ags_error_prefix(err, "copy %s out of container %.12s", path, id);
    if (r < 0)
        empty_file(out_fd); /* no half of an archive for the caller */
    return r;
}

static void end_turn(void *userdata)
{
    backend_lock_release(userdata);
}

static void podman_io_of(const struct backend_io *io, struct podman_io *ret)
{
    *ret = (struct podman_io){
        .in_fd = io->in_fd,
        .out_fd = io->out_fd,
        .err_fd = io->err_fd,
        .tty = io->tty,
        .out_filter = io->out_filter,
        .err_filter = io->err_filter,
    };
}

static int pb_start_attached(struct backend *b, const char *id, const struct backend_io *io,
                             int *ret_exit, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    struct podman_io pio;
    podman_io_of(io, &pio);
    const struct podman_attach_opts aopts = {.on_started = end_turn, .userdata = &pb->lock};
    int r = podman_run_attached(pb->c, id, &pio, &aopts, ret_exit, err);
    backend_lock_release(&pb->lock);
    return r;
}

/* Waits for the turn without giving up: removal must happen. */
static int pb_remove(struct backend *b, const char *id, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    (void)backend_lock_take(&pb->lock, NULL);
    int r = podman_container_remove(pb->c, id, true, err);
    backend_lock_release(&pb->lock);
    return r;
}

static int pb_secrets_remove(struct backend *b, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    backend_lock_release(&pb->lock); /* an early failure may still hold it */
    return backend_secrets_remove(pb->c, &pb->secrets, err);
}

static void pb_close(struct backend *b)
{
    struct podman_backend *pb = podman_of(b);
    if (pb->secrets.n > 0)
        (void)backend_secrets_remove(pb->c, &pb->secrets, NULL);
    backend_lock_close(&pb->lock);
    podman_client_free(pb->c);
    free(pb);
}

/* Whether the service behind an ssh:// URI runs rootless, judged from the
 * URI (asking the service would take seconds: GET /info): a root login, or
 * root's socket /run/podman/podman.sock or /run/user/0/..., is root's; any
 * other socket a user's. */
static bool ssh_uri_rootless(const char *uri)
{
    const char *auth = uri + strlen("ssh://");
    const char *path = strchr(auth, '/');
    const char *at = memchr(auth, '@', path ? (size_t)(path - auth) : strlen(auth));
    if (!path || (at && at - auth == 4 && strncmp(auth, "root", 4) == 0))
        return false;
    return strncmp(path, "/run/podman/", 12) != 0 && strncmp(path, "/run/user/0/", 12) != 0;
}

static int pb_engine_info(struct backend *b, struct backend_engine_info *ret,
                          struct ags_error *err _unused_)
{
    /* The peer check admits only this user's or root's service, and root's
     * socket is not open to others: a non-root caller talks to its own. */
    const char *uri = podman_client_uri(podman_of(b)->c);
    bool ssh = uri && strncmp(uri, "ssh://", 6) == 0;
    *ret = (struct backend_engine_info){.rootless = ssh ? ssh_uri_rootless(uri) : geteuid() != 0};
    (void)snprintf(ret->version, sizeof(ret->version), "%s",
                   podman_client_version(podman_of(b)->c));
    return 0;
}

static int pb_image_info(struct backend *b, const char *image, struct backend_image_info *ret,
                         struct ags_error *err)
{
    _cleanup_free_ char *driver = NULL;
    *ret = (struct backend_image_info){0};
    int r = podman_image_labels(podman_of(b)->c, image, &ret->labels, &driver, err);
    if (r == 0)
        (void)snprintf(ret->storage_driver, sizeof(ret->storage_driver), "%s", driver);
    return r;
}

static int pb_volume_path(struct backend *b, const char *name, char **ret_path,
                          struct ags_error *err)
{
    return podman_volume_mountpoint(podman_of(b)->c, name, ret_path, err);
}

static int pb_list_sessions(struct backend *b, struct backend_sessions *ret,
                            struct ags_error *err)
{
    return backend_list_sessions(podman_of(b)->c, ret, err);
}

static int pb_stop_session(struct backend *b, const struct backend_session *s,
                           unsigned timeout_s, int *ret_exit, struct ags_error *err)
{
    return backend_stop_session(podman_of(b)->c, s, timeout_s, ret_exit, err);
}

static int pb_remove_session(struct backend *b, const struct backend_session *s,
                             struct ags_error *err)
{
    return backend_remove_session(podman_of(b)->c, s, err);
}

static int pb_exec_session(struct backend *b, const char *id, const char *const *argv,
                           const char *const *env, const struct backend_io *io, int *ret_exit,
                           struct ags_error *err)
{
    struct podman_io pio;
    podman_io_of(io, &pio);
    const struct podman_exec_opts eo = {.argv = argv, .env = env, .tty = io->tty};
    return podman_exec(podman_of(b)->c, id, &eo, &pio, NULL, ret_exit, err);
}

static int pb_helper_upload(struct backend *b, const struct backend_helper *h, const char *dir,
                            int tar_fd, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    return backend_helper_upload(pb->c, &pb->lock, pb->cancel, h, dir, tar_fd, err);
}

static int pb_helper_run(struct backend *b, const struct backend_helper *h,
                         const char *const *argv, int out_fd, uint64_t max_out, int *ret_exit,
                         char **ret_stderr, struct ags_error *err)
{
    struct podman_backend *pb = podman_of(b);
    return backend_helper_run(pb->c, &pb->lock, h, argv, out_fd, max_out, ret_exit, ret_stderr,
                              err);
}

static const struct backend_ops podman_ops = {
    .name = "podman",
    .sweep = pb_sweep,
    .image_exists = pb_image_exists,
    .image_build = pb_image_build,
    .prepare = pb_prepare,
    .secrets_create = pb_secrets_create,
    .create = pb_create,
    .copy_in = pb_copy_in,
    .copy_out = pb_copy_out,
    .start_attached = pb_start_attached,
    .remove = pb_remove,
    .secrets_remove = pb_secrets_remove,
    .close = pb_close,
    .image_id = pb_image_id,
    .image_remove = pb_image_remove,
    .image_pull = pb_image_pull,
    .image_import = pb_image_import,
    .builds_containerfiles = true,
    .engine_info = pb_engine_info,
    .image_info = pb_image_info,
    .volume_path = pb_volume_path,
    .list_owned = pb_list_owned,
    .remove_owned = pb_remove_owned,
    .list_sessions = pb_list_sessions,
    .stop_session = pb_stop_session,
    .remove_session = pb_remove_session,
    .exec_session = pb_exec_session,
    .helper_upload = pb_helper_upload,
    .helper_run = pb_helper_run,
};

static struct podman_connect_opts connect_opts(const struct backend_open_opts *o)
{
    return (struct podman_connect_opts){
        .home = env_nonempty(o->getenv, "HOME"),
        .xdg_runtime = env_nonempty(o->getenv, "XDG_RUNTIME_DIR"),
        .xdg_config = env_nonempty(o->getenv, "XDG_CONFIG_HOME"),
        .getenv = o->getenv,
        .autostart = !o->no_autostart,
        .idle_seconds = o->service_idle_seconds,
        .timeout_ms = o->timeout_ms,
        .ssh_open = o->ssh_open,
        .ssh_persist_seconds = o->ssh_persist_seconds,
        .url = o->url,
        .connection = o->connection,
        .conf_connection = o->conf_connection,
        .conf_connection_file = o->conf_connection_file,
        .conf_connection_line = o->conf_connection_line,
        .conf_connection_col = o->conf_connection_col,
    };
}

int backend_podman_target(const struct backend_open_opts *o, char **ret_uri,
                          char **ret_origin, struct ags_error *err)
{
    struct podman_connect_opts copts = connect_opts(o);
    return podman_connect_target(&copts, ret_uri, ret_origin, err);
}

bool backend_podman_is_remote(const char *uri)
{
    return podman_uri_is_remote(uri);
}

char *backend_podman_tunnel_dir(const struct backend_open_opts *o)
{
    struct podman_connect_opts copts = connect_opts(o);
    _cleanup_free_ char *runtime = podman_ssh_runtime_dir(&copts);
    return xasprintf("%s/ags", runtime);
}

int backend_podman_connections(const struct backend_open_opts *o, char ***ret,
                               struct ags_error *err)
{
    struct podman_connect_opts copts = connect_opts(o);
    return podman_conf_connections(&copts, ret, err);
}

int backend_podman_open(const struct backend_open_opts *o, struct backend **ret,
                        struct ags_error *err)
{
    struct podman_connect_opts copts = connect_opts(o);
    _cleanup_free_ char *target = NULL;
    if (podman_connect_target(&copts, &target, NULL, NULL) == 0 && podman_uri_is_network(target) &&
        o->warn) {
        _cleanup_free_ char *msg = xasprintf(
                "Podman is at %s, a network endpoint: its API has no authentication and "
                "the sandbox may reach it over the network (and with it every container "
                "and secret). Use a unix socket, or ssh://USER@HOST/path/to/podman.sock",
                target);
        o->warn(msg, o->userdata);
    }
    struct podman_backend *pb = xcalloc(1, sizeof(*pb));
    pb->base.ops = &podman_ops;
    pb->cancel = o->cancel;
    pb->getenv = o->getenv;
    backend_lock_open(&pb->lock, o->runtime_dir);
    int r = podman_connect(&copts, &pb->c, err);
    if (r < 0) {
        backend_lock_close(&pb->lock);
        free(pb);
        return r;
    }
    backend_podman_engine(podman_client_version(pb->c), o->getenv, &pb->engine);
    pb->base.remote = podman_uri_is_remote(podman_client_uri(pb->c));
    *ret = &pb->base;
    return 0;
}
