/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "config/trust-view.h"
#include "config/trust.h"
#include "base/banned.h"

struct layer {
    struct ags_config *cfg;
    struct cfg_parts parts;
};

static void layer_done(struct layer *l)
{
    cfg_parts_done(&l->parts);
    l->cfg = config_free(l->cfg);
}

/* Parses and decodes one file's bytes into l; file names the origin (owned by owner). */
static int decode_layer(const struct cfg_host *host, struct ags_config *owner, const char *buf,
                        size_t len, const char *path, bool is_overlay, const char *repo_root,
                        struct layer *l, struct cfg_diag *diag)
{
    const char *file = cfg_add_file(owner, path);
    struct ags_error err;
    _cleanup_toml_ struct toml_value *root = NULL;
    if (toml_parse(buf, len, file, TOML_1_1, &root, &err) < 0) {
        cfg_diag_error(diag, "%s", err.msg);
        return -EINVAL;
    }
    size_t before = diag->n_errors;
    _cleanup_free_ char *dir = cfg_path_dirname(file);
    struct cfg_decoder d = {
        .host = host, .diag = diag, .file = file, .file_dir = dir,
        .is_overlay = is_overlay, .repo_root = repo_root, .cfg = l->cfg,
    };
    cfg_decode_document(&d, root);
    cfg_overlay_pin_image(&d);
    l->parts = d.parts;
    return diag->n_errors > before ? -EINVAL : 0;
}

int config_load_buffer(const struct cfg_host *host, const char *buf, size_t len,
                       const char *filename, bool is_overlay, struct ags_config **ret,
                       struct cfg_diag *diag)
{
    struct layer l = {.cfg = cfg_new()};
    int r = decode_layer(host, l.cfg, buf, len, filename, is_overlay, NULL, &l, diag);
    size_t before = diag->n_errors;
    cfg_finalize(l.cfg, &l.parts, host, diag);
    if (r == 0 && diag->n_errors > before)
        r = -EINVAL;
    if (r < 0) {
        layer_done(&l);
        return r;
    }
    *ret = TAKE_PTR(l.cfg);
    return 0;
}

static char *absolute(const struct cfg_host *host, const char *path)
{
    if (path[0] == '/')
        return xstrdup(path);
    return xasprintf("%s/%s", host->cwd ? host->cwd : ".", path);
}

/* First run: the default path does not exist yet, so write the default there. */
static int create_default(const char *path, struct cfg_diag *diag)
{
    struct ags_error err;
    _cleanup_free_ char *dir = cfg_path_dirname(path);
    if (mkdir_parents(dir, 0700, &err) < 0 ||
        write_file_atomic(path, config_default_text, strlen(config_default_text), 0600, &err) <
                0) {
        cfg_diag_error(diag, "cannot create the default config: %s", err.msg);
        return err.code;
    }
    cfg_diag_note(diag, "created default config at %s", path);
    return 0;
}

static int read_base(const struct cfg_host *host, const struct cfg_load_opts *opts,
                     char **ret_path, char **ret_buf, size_t *ret_len, struct cfg_diag *diag)
{
    _cleanup_free_ char *path =
            opts->config_path ? absolute(host, opts->config_path) : config_default_path(host);
    struct stat st;
    if (!opts->config_path && stat(path, &st) < 0 && errno == ENOENT) {
        if (opts->read_only) {
            *ret_len = strlen(config_default_text);
            *ret_buf = xstrdup(config_default_text);
            *ret_path = TAKE_PTR(path);
            return 0;
        }
        int r = create_default(path, diag);
        if (r < 0)
            return r;
    }
    struct ags_error err;
    int r = read_file_bounded(path, AGS_TOML_MAX_FILE_SIZE, ret_buf, ret_len, &err);
    if (r < 0) {
        cfg_diag_error(diag, "%s%s", err.msg,
                       opts->config_path && r == -ENOENT ? " (check the --config path)" : "");
        return r;
    }
    *ret_path = TAKE_PTR(path);
    return 0;
}

/* The nearest directory at or above cwd holding a .git entry (directory for a
 * normal checkout, file for a linked worktree or submodule). */
static char *git_toplevel(const char *cwd)
{
    if (!cwd || cwd[0] != '/')
        return NULL;
    _cleanup_free_ char *dir = xstrdup(cwd);
    for (;;) {
        _cleanup_free_ char *probe = xasprintf("%s/.git", strcmp(dir, "/") ? dir : "");
        struct stat st;
        if (lstat(probe, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            return TAKE_PTR(dir);
        char *slash = strrchr(dir, '/');
        if (!slash || strcmp(dir, "/") == 0)
            return NULL;
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
    }
}

static bool same_file(const struct stat *sa, const char *b)
{
    struct stat sb;
    return stat(b, &sb) == 0 && sa->st_dev == sb.st_dev && sa->st_ino == sb.st_ino;
}

static char *overlay_path_of(const char *root)
{
    return xasprintf("%s/.ags/config.toml", strcmp(root, "/") ? root : "");
}

char *config_overlay_path(const struct cfg_host *host)
{
    _cleanup_free_ char *root = git_toplevel(host->cwd);
    if (!root)
        return NULL;
    char *path = overlay_path_of(root);
    struct stat st;
    if (lstat(path, &st) == 0)
        return path;
    free(path);
    return NULL;
}

/* Reads <root>/.ags/config.toml only as a regular file inside the repository:
 * .ags a real directory, config.toml a regular file, neither a symlink (it
 * could name a private file, which the prompt would print) nor a FIFO or
 * device (which would hang ags).  Anything else is skipped with a warning:
 * the base config still applies and nothing of the repository is read.
 * Returns 1 when read, 0 when there is nothing to use, or an error. */
static int read_overlay(const char *root, const char *path, char **buf, size_t *len,
                        struct stat *st, struct cfg_diag *diag)
{
    _cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat dst;
    if (rootfd < 0 || fstatat(rootfd, ".ags", &dst, AT_SYMLINK_NOFOLLOW) < 0)
        return 0;
    _cleanup_free_ char *dir = cfg_path_dirname(path);
    if (!S_ISDIR(dst.st_mode)) {
        cfg_diag_warning(diag, "skipping repo-local config: '%s' %s; ags reads an overlay only "
                               "from a real .ags directory of the repository",
                         dir, S_ISLNK(dst.st_mode) ? "is a symlink" : "is not a directory");
        return 0;
    }
    _cleanup_close_ int agsfd =
            openat(rootfd, ".ags", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (agsfd < 0) {
        cfg_diag_warning(diag, "skipping repo-local config: cannot open '%s': %m", dir);
        return 0;
    }
    struct ags_error err;
    int r = read_regular_file_at(agsfd, "config.toml", path, AGS_TOML_MAX_FILE_SIZE, buf, len,
                                 st, &err);
    if (r == -ENOENT)
        return 0;
    if (r == -ELOOP || r == -EINVAL) {
        cfg_diag_warning(diag, "skipping repo-local config: %s (make it a regular file)",
                         err.msg);
        return 0;
    }
    if (r < 0) {
        cfg_diag_error(diag, "%s", err.msg);
        return r;
    }
    return 1;
}

static void diag_move(struct cfg_diag *to, struct cfg_diag *from)
{
    for (size_t i = 0; i < from->n_warnings; i++)
        cfg_diag_warning(to, "%s", from->warnings[i]);
    for (size_t i = 0; i < from->n_errors; i++)
        cfg_diag_error(to, "%s", from->errors[i]);
    cfg_diag_done(from);
}

static enum cfg_trust_answer ask(const struct cfg_load_opts *opts, struct cfg_trust_request *req,
                                 const struct layer *l, struct cfg_diag *diag)
{
    if (req->content_len > TRUST_VIEW_MAX_BYTES) {
        cfg_diag_warning(diag, "%s is %zu bytes; ags offers trust only for overlays of up to %u "
                               "KiB, which it can show in full (read it yourself and copy what "
                               "you need into your own config)",
                         req->overlay_path, req->content_len, TRUST_VIEW_MAX_BYTES / 1024u);
        return CFG_TRUST_SKIP;
    }
    if (!opts->ask_trust)
        return CFG_TRUST_SKIP;
    _cleanup_free_ char *view = cfg_trust_view(req, l->cfg, &l->parts);
    req->view = view;
    enum cfg_trust_answer a = opts->ask_trust(req, opts->userdata);
    req->view = NULL;
    return a;
}

/* Decides whether the overlay may be used: its exact bytes and the targets its
 * host paths resolve to now (cfg_overlay_digest) must be the ones trusted. */
static bool overlay_trusted(const struct cfg_host *host, const struct cfg_load_opts *opts,
                            const char *path, const char *root, const char *buf, size_t len,
                            const struct layer *l, struct cfg_diag *diag)
{
    char digest[SHA256_HEX_SIZE];
    cfg_overlay_digest(buf, len, &l->parts, digest);
    _cleanup_free_ char *store = config_trust_store_path(host);
    struct ags_error err;
    enum trust_state state;
    if (trust_lookup(store, root, digest, &state, &err) < 0) {
        cfg_diag_warning(diag, "cannot read the trust store, skipping repo-local config %s: %s",
                         path, err.msg);
        return false;
    }
    if (state == TRUST_OK)
        return true;
    struct cfg_trust_request req = {
        .overlay_path = path, .repo_root = root, .digest = digest,
        .changed = state == TRUST_CHANGED, .content = buf, .content_len = len,
    };
    if (ask(opts, &req, l, diag) != CFG_TRUST_ACCEPT) {
        cfg_diag_warning(diag, "skipping %s repo-local config %s",
                         state == TRUST_CHANGED ? "changed (no longer trusted)" : "untrusted",
                         path);
        return false;
    }
    if (trust_record(store, root, digest, &err) < 0)
        cfg_diag_warning(diag, "could not remember the trust decision: %s", err.msg);
    else
        cfg_diag_note(diag, "trusted repo-local config %s (saved in %s)", path, store);
    return true;
}

/* The overlay is parsed and its paths resolved before any trust question, so
 * the prompt can show what it adds and the digest can pin where its paths
 * lead; an overlay with errors stops the load (exit 2) and is never offered. */
static int load_overlay(const struct cfg_host *host, const struct cfg_load_opts *opts,
                        struct ags_config *owner, const char *base_path, struct layer *ret,
                        struct cfg_diag *diag)
{
    _cleanup_free_ char *root = git_toplevel(host->cwd);
    if (!root)
        return 0;
    _cleanup_free_ char *path = overlay_path_of(root);
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    struct stat st;
    int r = read_overlay(root, path, &buf, &len, &st, diag);
    if (r <= 0 || same_file(&st, base_path))
        return r < 0 ? r : 0;
    struct cfg_diag scratch = {0};
    ret->cfg = cfg_new();
    r = decode_layer(host, ret->cfg, buf, len, path, true, root, ret, &scratch);
    /* Before any trust question: an overlay that would widen the network
     * policy is an error like any other, never offered. */
    if (r == 0) {
        size_t before = scratch.n_errors;
        cfg_overlay_check_network(owner, ret->cfg, &scratch);
        if (scratch.n_errors > before)
            r = -EINVAL;
    }
    if (r < 0 || !overlay_trusted(host, opts, path, root, buf, len, ret, diag)) {
        if (r < 0)
            diag_move(diag, &scratch);
        cfg_diag_done(&scratch);
        layer_done(ret);
        return r;
    }
    diag_move(diag, &scratch);
    owner->overlay_path = xstrdup(path);
    return 0;
}

int config_load(const struct cfg_host *host, const struct cfg_load_opts *opts,
                struct ags_config **ret, struct cfg_diag *diag)
{
    _cleanup_free_ char *path = NULL, *buf = NULL;
    size_t len = 0;
    int r = read_base(host, opts, &path, &buf, &len, diag);
    if (r < 0)
        return r;
    struct layer base = {.cfg = cfg_new()}, overlay = {0};
    base.cfg->base_path = xstrdup(path);
    r = decode_layer(host, base.cfg, buf, len, path, false, NULL, &base, diag);
    if (opts->use_overlay) {
        int ro = load_overlay(host, opts, base.cfg, path, &overlay, diag);
        if (r == 0)
            r = ro;
    }
    if (overlay.cfg) {
        base.cfg->containerfile_sha256 = TAKE_PTR(overlay.cfg->containerfile_sha256);
        cfg_merge_layer(base.cfg, &base.parts, overlay.cfg, &overlay.parts);
    }
    layer_done(&overlay);
    size_t before = diag->n_errors;
    cfg_finalize(base.cfg, &base.parts, host, diag);
    if (r == 0 && diag->n_errors > before)
        r = -EINVAL;
    if (r < 0) {
        layer_done(&base);
        return r;
    }
    *ret = TAKE_PTR(base.cfg);
    return 0;
}
