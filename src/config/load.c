/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/sha256.h"
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
                        size_t len, const char *path, bool is_overlay, struct layer *l,
                        struct cfg_diag *diag)
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
        .is_overlay = is_overlay, .cfg = l->cfg,
    };
    cfg_decode_document(&d, root);
    l->parts = d.parts;
    return diag->n_errors > before ? -EINVAL : 0;
}

int config_load_buffer(const struct cfg_host *host, const char *buf, size_t len,
                       const char *filename, bool is_overlay, struct ags_config **ret,
                       struct cfg_diag *diag)
{
    struct layer l = {.cfg = cfg_new()};
    int r = decode_layer(host, l.cfg, buf, len, filename, is_overlay, &l, diag);
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

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Decides whether the overlay's exact bytes may be used. */
static bool overlay_trusted(const struct cfg_host *host, const struct cfg_load_opts *opts,
                            const char *path, const char *root, const char *buf, size_t len,
                            struct cfg_diag *diag)
{
    char digest[SHA256_HEX_SIZE];
    sha256_hex(buf, len, digest);
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
    struct cfg_trust_request req = {path, root, digest, state == TRUST_CHANGED, buf, len};
    enum cfg_trust_answer answer =
            opts->ask_trust ? opts->ask_trust(&req, opts->userdata) : CFG_TRUST_SKIP;
    if (answer != CFG_TRUST_ACCEPT) {
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

static int load_overlay(const struct cfg_host *host, const struct cfg_load_opts *opts,
                        struct ags_config *owner, const char *base_path, struct layer *ret,
                        struct cfg_diag *diag)
{
    _cleanup_free_ char *root = git_toplevel(host->cwd);
    if (!root)
        return 0;
    _cleanup_free_ char *path = xasprintf("%s/.ags/config.toml", strcmp(root, "/") ? root : "");
    struct stat st;
    if (stat(path, &st) < 0 || same_file(path, base_path))
        return 0;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    struct ags_error err;
    if (read_file_bounded(path, AGS_TOML_MAX_FILE_SIZE, &buf, &len, &err) < 0) {
        cfg_diag_error(diag, "%s", err.msg);
        return err.code;
    }
    if (!overlay_trusted(host, opts, path, root, buf, len, diag))
        return 0;
    ret->cfg = cfg_new();
    int r = decode_layer(host, owner, buf, len, path, true, ret, diag);
    if (r == 0)
        owner->overlay_path = xstrdup(path);
    return r;
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
    r = decode_layer(host, base.cfg, buf, len, path, false, &base, diag);
    if (opts->use_overlay) {
        int ro = load_overlay(host, opts, base.cfg, path, &overlay, diag);
        if (r == 0)
            r = ro;
    }
    if (overlay.cfg)
        cfg_merge_layer(base.cfg, &base.parts, overlay.cfg, &overlay.parts);
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
