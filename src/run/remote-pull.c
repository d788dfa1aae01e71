/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper steps of a remote session's workspace (run/remote.h): the
 * baseline outside git right after the upload, and the export at the end
 * (or `ags pull`), read bounded into a private temporary file and handed
 * to the host's side (remote-host.c); then the session's workspace volumes
 * go, only after a pull that succeeded.
 */
#include "run/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/procid.h"
#include "base/strv.h"
#include "base/termesc.h"
#include "plan/plan.h"
#include "config/config.h"
#include "run/internal.h"
#include "run/statelog.h"
#include "base/banned.h"

char *run_remote_workspace_volume(const char *session)
{
    return xasprintf(PLAN_WS_VOLUME_PREFIX "%s", session);
}

char *run_remote_base_volume(const char *session)
{
    return xasprintf(PLAN_WS_VOLUME_PREFIX "%s-base", session);
}

/* ags.managed and this process as owner: a helper left by a kill -9 is
 * swept like a sandbox. */
static char **helper_labels(void)
{
    struct procid self;
    char owner[128] = "";
    if (procid_self(&self, NULL) == 0)
        procid_format(&self, owner, sizeof(owner));
    _cleanup_free_ char *owner_label = xasprintf(PLAN_LABEL_OWNER "=%s", owner);
    return strv_new(3, PLAN_LABEL_MANAGED "=true", owner_label, "ags.helper=export");
}

/* The baseline volume's labels when the helper creates it: listed by ags
 * df and removed with the workspace (ags pull, ags prune --workspaces). */
static char **base_labels(const struct run_remote_session *s)
{
    _cleanup_free_ char *session = xasprintf(PLAN_LABEL_SESSION "=%s", s->session);
    _cleanup_free_ char *name = xasprintf(PLAN_LABEL_NAME "=%s", s->name);
    return strv_new(4, PLAN_LABEL_MANAGED "=true", session,
                    PLAN_LABEL_VOLUME "=" PLAN_VOLUME_WORKSPACE "-base", name);
}

/* The workspace read-only at the work dir (nothing the export does writes
 * there: a running session can be read), the baseline volume read-write. */
static int run_export(struct backend *b, const struct run_remote_session *s,
                      enum run_export_mode mode, int out_fd, uint64_t max_out,
                      struct ags_error *err)
{
    if (!b->ops->helper_run)
        return ags_error_set(err, -EOPNOTSUPP, "the %s backend has no helper containers",
                             b->ops->name);
    if (!run_pull_name_ok(s->name))
        return ags_error_set(err, -EINVAL, "not a session name: '%.64s'", s->name);
    _cleanup_free_ char *ws = run_remote_workspace_volume(s->session);
    _cleanup_free_ char *bv = run_remote_base_volume(s->session);
    _cleanup_free_ char *wd = xstrdup(s->workdir), *bd = xstrdup(RUN_EXPORT_BASE_DIR);
    _cleanup_strv_free_ char **blabels = base_labels(s);
    const struct plan_mount vols[] = {
            {.type = PLAN_MOUNT_VOLUME, .source = ws, .destination = wd,
             .read_only = true},
            {.type = PLAN_MOUNT_VOLUME, .source = bv, .destination = bd, .labels = blabels},
    };
    char **labels = helper_labels();
    const struct backend_helper h = {
            .image = s->image,
            .volumes = vols,
            .n_volumes = mode == RUN_EXPORT_MODE_GIT ? 1 : 2,
            .labels = (const char *const *)labels,
            .uid = s->uid,
            .gid = s->gid,
    };
    const char *argv[10];
    run_export_argv(mode, s->workdir, mode == RUN_EXPORT_MODE_GIT ? s->base : "-", s->name, argv);
    int status = -1;
    _cleanup_free_ char *stderr_tail = NULL;
    int r = b->ops->helper_run(b, &h, argv, out_fd, max_out, &status, &stderr_tail, err);
    strv_free(labels);
    if (r == -EFBIG)
        return ags_error_set(err, r, "the changes are larger than [remote] max_pull (%llu bytes)",
                             (unsigned long long)max_out);
    if (r < 0)
        return r;
    if (status != 0) {
        _cleanup_free_ char *shown = term_escape_str(stderr_tail ? stderr_tail : "");
        return ags_error_set(err, -EBADMSG, "the export failed (status %d): %s", status,
                             shown);
    }
    return 0;
}

/* A private temporary file in dir, unlinked by the caller (*ret_path). */
static int temp_file(const char *dir, char **ret_path, int *ret_fd, struct ags_error *err)
{
    int r = mkdir_parents(dir, 0700, err);
    if (r < 0)
        return r;
    char *path = xasprintf("%s/.pull-XXXXXX", dir);
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0) {
        r = ags_error_set(err, -errno, "cannot create a file in %s: %m", dir);
        free(path);
        return r;
    }
    *ret_path = path;
    *ret_fd = fd;
    return 0;
}

static int read_header(int fd, struct run_export_header *h, struct ags_error *err)
{
    char buf[AGS_EXPORT_HEADER_MAX];
    ssize_t n = pread(fd, buf, sizeof(buf), 0);
    if (n < 0)
        return ags_error_set(err, -errno, "reading the export: %m");
    return run_export_parse_header(buf, (size_t)n, h, err);
}

static char *state_dir(const struct run_pull_opts *o)
{
    if (o->state_dir)
        return xstrdup(o->state_dir);
    return run_state_log_dir(o->getenv, "sessions");
}

/* The bundle without the header line, as a file of its own for git. */
static int fetch(const struct run_remote_session *s, const char *dir, int fd, uint64_t off,
                 struct run_pull_result *ret, struct ags_error *err)
{
    _cleanup_free_ char *path = NULL;
    _cleanup_close_ int out = -1;
    int r = temp_file(dir, &path, &out, err);
    if (r < 0)
        return r;
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? ags_error_set(err, -errno, "reading the export: %m") : 0;
            break;
        }
        r = write_all(out, buf, (size_t)n);
        if (r < 0) {
            r = ags_error_set(err, r, "writing %s: %s", path, strerror(-r));
            break;
        }
        off += (uint64_t)n;
    }
    if (r == 0)
        r = run_pull_fetch_bundle(s->workdir, path, s->name,
                                  run_export_base_ok(s->base) ? s->base : NULL, ret, err);
    (void)unlink(path);
    return r;
}

static int take_export(const struct run_remote_session *s, const char *dir, int fd,
                       struct run_pull_result *ret, struct ags_error *err)
{
    struct run_export_header h;
    int r = read_header(fd, &h, err);
    if (r < 0)
        return r;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "reading the export: %m");
    bool payload = (uint64_t)st.st_size > h.len;
    switch (h.kind) {
    case RUN_EXPORT_NONE:
        if (payload)
            return ags_error_set(err, -EBADMSG, "the export sent bytes after 'none'");
        ret->kind = RUN_EXPORT_NONE;
        return 0;
    case RUN_EXPORT_BUNDLE:
        ret->uncommitted = h.uncommitted;
        return fetch(s, dir, fd, h.len, ret, err);
    case RUN_EXPORT_PATCH:
        ret->kind = RUN_EXPORT_PATCH;
        return run_pull_save_patch(dir, s->name, fd, h.len, &ret->patch, err);
    default:
        return ags_error_set(err, -EBADMSG, "the export sent a baseline header");
    }
}

int run_remote_pull(struct backend *b, const struct run_remote_session *s,
                    const struct run_pull_opts *o, struct run_pull_result *ret,
                    struct ags_error *err)
{
    *ret = (struct run_pull_result){0};
    bool git = run_export_base_ok(s->base);
    _cleanup_free_ char *dir = state_dir(o);
    if (!dir)
        return ags_error_set(err, -ENOENT, "no state directory: set HOME");
    _cleanup_free_ char *path = NULL;
    _cleanup_close_ int own = -1;
    int r = 0, fd = o->exported_inside ? o->export_fd : -1;
    if (fd < 0) {
        r = temp_file(dir, &path, &own, err);
        if (r < 0)
            return r;
        (void)unlink(path);
        fd = own;
        r = run_export(b, s, git ? RUN_EXPORT_MODE_GIT : RUN_EXPORT_MODE_PLAIN, fd, o->max_pull,
                       err);
    }
    if (r == 0)
        r = take_export(s, dir, fd, ret, err);
    if (r < 0) {
        run_pull_result_done(ret);
        return r;
    }
    if (!o->keep && run_remote_remove_volumes(b, s->session, s->volumes, NULL) == 0)
        ret->volumes_removed = true;
    return 0;
}

int run_remote_baseline(struct backend *b, const struct run_remote_session *s,
                        struct ags_error *err)
{
    char name[] = "/tmp/ags-baseline-XXXXXX";
    _cleanup_close_ int fd = mkostemp(name, O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot create a temporary file: %m");
    (void)unlink(name);
    int r = run_export(b, s, RUN_EXPORT_MODE_BASELINE, fd, AGS_EXPORT_HEADER_MAX, err);
    struct run_export_header h;
    if (r == 0)
        r = read_header(fd, &h, err);
    if (r == 0 && h.kind != RUN_EXPORT_BASELINE)
        r = ags_error_set(err, -EBADMSG, "the baseline step sent no baseline header");
    return r;
}

/* ags-ws-<session> or ags-ws-<session>-<anything>. */
static bool session_volume(const char *name, const char *session)
{
    size_t pl = strlen(PLAN_WS_VOLUME_PREFIX), sl = strlen(session);
    return strncmp(name, PLAN_WS_VOLUME_PREFIX, pl) == 0 && strncmp(name + pl, session, sl) == 0 &&
           (name[pl + sl] == '\0' || name[pl + sl] == '-');
}

static int remove_volume(struct backend *b, const struct backend_object *o,
                         struct ags_error *err)
{
    int r = b->ops->remove_owned(b, o, err);
    return r == -ENOENT ? 0 : r;
}

static int remove_named(struct backend *b, const char *const *names, struct ags_error *err)
{
    int r = 0;
    for (size_t i = 0; names[i]; i++) {
        _cleanup_free_ char *name = xstrdup(names[i]);
        const struct backend_object o = {.kind = BACKEND_OBJ_VOLUME, .id = name, .name = name};
        int q = remove_volume(b, &o, err);
        if (q < 0 && r == 0)
            r = q;
    }
    return r;
}

int run_remote_remove_volumes(struct backend *b, const char *session, const char *const *names,
                              struct ags_error *err)
{
    if (!b->ops->remove_owned || (!names && !b->ops->list_owned))
        return ags_error_set(err, -EOPNOTSUPP, "the backend cannot remove volumes");
    if (names)
        return remove_named(b, names, err);
    struct backend_objects all = {0};
    int r = b->ops->list_owned(b, NULL, &all, err);
    for (size_t i = 0; i < all.n; i++) {
        const struct backend_object *o = &all.v[i];
        int q = o->kind == BACKEND_OBJ_VOLUME && session_volume(o->name, session)
                        ? remove_volume(b, o, err)
                        : 0;
        if (q < 0 && r == 0)
            r = q;
    }
    backend_objects_done(&all);
    return r;
}

char *run_pull_result_text(const char *name, const struct run_pull_result *res)
{
    _cleanup_free_ char *n = term_escape_str(name);
    if (res->kind == RUN_EXPORT_BUNDLE) {
        _cleanup_free_ char *branch = term_escape_str(res->branch);
        return xasprintf("%s: branch %s (%llu commit%s%s)", n, branch,
                         (unsigned long long)res->commits, res->commits == 1 ? "" : "s",
                         res->uncommitted ? ", the last one the uncommitted changes" : "");
    }
    if (res->kind == RUN_EXPORT_PATCH) {
        _cleanup_free_ char *patch = term_escape_str(res->patch);
        return xasprintf("%s: patch %s (review it, then `git apply` or `patch -p1` it)", n,
                         patch);
    }
    return xasprintf("%s: nothing changed", n);
}

int run_remote_after_upload(struct backend *b, const struct ags_plan *p, struct ags_error *err)
{
    struct run_remote_session s;
    if (run_remote_session_from_plan(p, &s) < 0 || run_export_base_ok(s.base))
        return 0;
    return run_remote_baseline(b, &s, err);
}

bool run_remote_exports_inside(const struct ags_plan *p, struct run_remote_session *ret)
{
    return !p->maintenance && run_remote_session_from_plan(p, ret) == 0 &&
           run_export_base_ok(ret->base);
}

int run_remote_export_file(int *ret_fd, struct ags_error *err)
{
    const struct run_pull_opts o = {0};
    _cleanup_free_ char *dir = state_dir(&o);
    if (!dir)
        return ags_error_set(err, -ENOENT, "no state directory: set HOME");
    _cleanup_free_ char *path = NULL;
    int r = temp_file(dir, &path, ret_fd, err);
    if (r == 0)
        (void)unlink(path);
    return r;
}

int run_remote_fetch_export(struct backend *b, const char *id, const struct ags_config *cfg,
                            int *ret_fd, struct ags_error *err)
{
    if (!b->ops->copy_out)
        return ags_error_set(err, -ENOENT, "the %s backend cannot copy out of a sandbox",
                             b->ops->name);
    _cleanup_close_ int fd = -1;
    int r = run_remote_export_file(&fd, err);
    if (r < 0)
        return r;
    r = b->ops->copy_out(b, id, RUN_EXPORT_INNER_PATH, fd, cfg->remote.max_pull.v, err);
    if (r < 0)
        return r;
    *ret_fd = TAKE_FD(fd);
    return 0;
}

void run_remote_bring_back(struct backend *b, const struct ags_plan *p,
                           const struct ags_config *cfg, int export_fd,
                           const struct run_callbacks *cb)
{
    struct run_remote_session s;
    if (run_remote_session_from_plan(p, &s) < 0)
        return;
    _cleanup_strv_free_ char **volumes = run_remote_plan_volumes(p);
    s.volumes = (const char *const *)volumes;
    const struct run_pull_opts o = {.max_pull = cfg->remote.max_pull.v,
                                    .exported_inside = export_fd >= 0,
                                    .export_fd = export_fd};
    struct run_pull_result res = {0};
    struct ags_error e = {0};
    _cleanup_free_ char *name = term_escape_str(s.name);
    if (run_remote_pull(b, &s, &o, &res, &e) < 0) {
        run_warnf(cb, "the changes of session %s were not brought back: %s; they stay on the "
                      "engine: `ags pull %s` brings them back",
                  name, e.msg, name);
        return;
    }
    _cleanup_free_ char *text = run_pull_result_text(s.name, &res);
    run_progressf(cb, "%s", text);
    if (!res.volumes_removed)
        run_warnf(cb, "the workspace volumes of session %s are still on the engine: "
                      "`ags prune --workspaces` removes them",
                  name);
    run_pull_result_done(&res);
}
