/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's side of a remote session's export (run/remote.h): what came
 * back is untrusted.  A bundle meets only the host's git, run with a fixed
 * argv and a minimal environment (run/hostgit.h), fsck on for every object
 * it brings, hooks and fsmonitor off, no automatic gc: `bundle verify` (its
 * prerequisites must be here), `bundle list-heads` (exactly our head),
 * `index-pack --strict --fix-thin --stdin` of its pack (every object
 * fsck'ed: `git fetch` of a bundle does not check its objects before Git
 * 2.42, whatever fetch.fsckObjects says), then `update-ref` of a branch
 * that must not exist yet.  The work tree,
 * the index and HEAD are never touched, and nothing that came back is ever
 * run or checked out.  A patch is saved, never applied.
 */
#include "run/remote.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "run/hostgit.h"
#include "base/banned.h"

void run_pull_result_done(struct run_pull_result *r)
{
    free(r->branch);
    free(r->patch);
    *r = (struct run_pull_result){0};
}

bool run_pull_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 128 || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                          "0123456789_.-") != n)
        return false;
    if (name[0] == '.' || name[0] == '-' || name[n - 1] == '.' || strstr(name, ".."))
        return false;
    return !(n >= 5 && strcmp(name + n - 5, ".lock") == 0);
}

/* ---- the host's git ---- */

/* git -C repo: as run_host_git runs it, every object it receives fsck'ed,
 * stdin in_fd (-1: /dev/null); *ret_out (may be NULL) its stdout, owned.
 * A status other than 0 is -EBADMSG naming what and git's last words. */
static int run_git_in(const char *repo, const char *what, const char *const *args, int in_fd,
                      char **ret_out, struct ags_error *err)
{
    static const char *const fsck[] = {"transfer.fsckObjects=true", "fetch.fsckObjects=true",
                                       NULL};
    const struct run_host_git o = {.dir = repo, .repo = RUN_HOST_GIT_CHDIR, .config = fsck,
                                   .in_fd = in_fd, .out_max = AGS_LOCAL_GIT_OUT_MAX,
                                   .what = what};
    return run_host_git(&o, args, ret_out, NULL, err);
}

static int run_git(const char *repo, const char *what, const char *const *args, char **ret_out,
                   struct ags_error *err)
{
    return run_git_in(repo, what, args, -1, ret_out, err);
}

/* Whether a ref exists in repo (git rev-parse --verify -q). */
static bool ref_exists(const char *repo, const char *ref)
{
    const char *const args[] = {"rev-parse", "--verify", "-q", ref, NULL};
    return run_git(repo, "rev-parse", args, NULL, NULL) == 0;
}

/* The one head of the bundle: RUN_EXPORT_BUNDLE_REF's commit id. */
static int bundle_head(const char *repo, const char *path, char **ret, struct ags_error *err)
{
    const char *const args[] = {"bundle", "list-heads", path, NULL};
    _cleanup_free_ char *out = NULL;
    int r = run_git(repo, "bundle list-heads", args, &out, err);
    if (r < 0)
        return r;
    size_t id_len = strcspn(out, " ");
    const char *ref = out + id_len + (out[id_len] == ' ');
    char *id = xstrndup(out, id_len);
    if (!run_export_base_ok(id) || strcmp(ref, RUN_EXPORT_BUNDLE_REF "\n") != 0) {
        free(id);
        return ags_error_set(err, -EBADMSG, "the bundle's heads are not the export's one head");
    }
    *ret = id;
    return 0;
}

/* Where the pack starts in a bundle: after its header ("# v2 git bundle" or
 * v3, capabilities, prerequisites, refs) and the empty line that ends it. */
static int pack_offset(int fd, off_t *ret, struct ags_error *err)
{
    _cleanup_free_ char *buf = xmalloc(AGS_BUNDLE_HEADER_MAX + 6);
    ssize_t n = pread(fd, buf, AGS_BUNDLE_HEADER_MAX + 6, 0);
    if (n < 0)
        return ags_error_set(err, -errno, "reading the bundle: %m");
    /* The first empty line ends the header, as git reads it: the pack must
     * start right there. */
    const char *end = memmem(buf, (size_t)n, "\n\n", 2);
    bool v2_or_v3 = n >= 16 && (memcmp(buf, "# v2 git bundle\n", 16) == 0 ||
                                memcmp(buf, "# v3 git bundle\n", 16) == 0);
    if (!v2_or_v3 || !end || end + 6 > buf + n || memcmp(end + 2, "PACK", 4) != 0)
        return ags_error_set(err, -EBADMSG, "the bundle has no pack after a header of at most "
                                            "%u bytes",
                             AGS_BUNDLE_HEADER_MAX);
    *ret = end - buf + 2;
    return 0;
}

/* The bundle's pack into repo, every object checked (index-pack --strict)
 * and completed from repo's objects (--fix-thin). */
static int index_pack(const char *repo, const char *path, struct ags_error *err)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", path);
    off_t off = 0;
    int r = pack_offset(fd, &off, err);
    if (r < 0)
        return r;
    if (lseek(fd, off, SEEK_SET) < 0)
        return ags_error_set(err, -errno, "reading the bundle: %m");
    const char *const args[] = {"index-pack", "--strict", "--fix-thin", "--stdin", NULL};
    return run_git_in(repo, "index-pack", args, fd, NULL, err);
}

/* refs/heads/ags/<name>, or -2, -3 ...: the first that does not exist. */
static int free_branch(const char *repo, const char *name, char **ret, struct ags_error *err)
{
    for (unsigned i = 1; i <= AGS_PULL_BRANCH_TRIES; i++) {
        _cleanup_free_ char *branch =
                i == 1 ? xasprintf("ags/%s", name) : xasprintf("ags/%s-%u", name, i);
        _cleanup_free_ char *ref = xasprintf("refs/heads/%s", branch);
        if (!ref_exists(repo, ref)) {
            *ret = TAKE_PTR(branch);
            return 0;
        }
    }
    return ags_error_set(err, -EEXIST, "branches ags/%s to ags/%s-%u exist already", name, name,
                         AGS_PULL_BRANCH_TRIES);
}

static int count_commits(const char *repo, const char *tip, const char *base, uint64_t *ret,
                         struct ags_error *err)
{
    _cleanup_free_ char *not_base = base ? xasprintf("^%s", base) : NULL;
    /* ^{commit}: rev-parse --verify takes a full hex id whether or not the
     * object is there, and rev-list would then fail on it. */
    _cleanup_free_ char *base_commit = base ? xasprintf("%s^{commit}", base) : NULL;
    bool have_base = base && ref_exists(repo, base_commit);
    const char *const args[] = {"rev-list", "--count", tip, have_base ? not_base : NULL, NULL};
    _cleanup_free_ char *out = NULL;
    int r = run_git(repo, "rev-list", args, &out, err);
    if (r == 0)
        out[strcspn(out, "\n")] = '\0';
    if (r == 0 && parse_u64(out, ret) < 0)
        r = ags_error_set(err, -EBADMSG, "git rev-list printed no count");
    return r;
}

int run_pull_fetch_bundle(const char *repo, const char *path, const char *name, const char *base,
                          struct run_pull_result *ret, struct ags_error *err)
{
    if (!run_pull_name_ok(name))
        return ags_error_set(err, -EINVAL, "not a session name for a branch: '%.64s'", name);
    const char *const verify[] = {"bundle", "verify", "-q", path, NULL};
    int r = run_git(repo, "bundle verify", verify, NULL, err);
    _cleanup_free_ char *tip = NULL;
    if (r == 0)
        r = bundle_head(repo, path, &tip, err);
    if (r == 0)
        r = index_pack(repo, path, err);
    _cleanup_free_ char *branch = NULL;
    if (r == 0)
        r = free_branch(repo, name, &branch, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *ref = xasprintf("refs/heads/%s", branch);
    /* The empty old value: only when the branch does not exist (no race
     * with a branch made meanwhile overwrites it). */
    const char *const update[] = {"update-ref", "-m", "ags pull", ref, tip, "", NULL};
    r = run_git(repo, "update-ref", update, NULL, err);
    if (r == 0)
        r = count_commits(repo, tip, base, &ret->commits, err);
    if (r < 0)
        return r;
    ret->kind = RUN_EXPORT_BUNDLE;
    ret->branch = TAKE_PTR(branch);
    return 0;
}

/* ---- a patch ---- */

static int copy_from(int fd, uint64_t off, int out, struct ags_error *err)
{
    char buf[64 * 1024];
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "reading the export: %m");
        if (n == 0)
            return 0;
        int r = write_all(out, buf, (size_t)n);
        if (r < 0)
            return ags_error_set(err, r, "writing the changes: %s", strerror(-r));
        off += (uint64_t)n;
    }
}

/* A new file <dir>/<name>.patch (or -2 ...), 0600, never one that exists. */
static int create_patch_file(const char *dir, const char *name, char **ret_path, int *ret_fd,
                             struct ags_error *err)
{
    for (unsigned i = 1; i <= AGS_PULL_BRANCH_TRIES; i++) {
        _cleanup_free_ char *path = i == 1 ? xasprintf("%s/%s.patch", dir, name)
                                           : xasprintf("%s/%s-%u.patch", dir, name, i);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            *ret_fd = fd;
            *ret_path = TAKE_PTR(path);
            return 0;
        }
        if (errno != EEXIST)
            return ags_error_set(err, -errno, "cannot create %s: %m", path);
    }
    return ags_error_set(err, -EEXIST, "%s/%s.patch to -%u exist already", dir, name,
                         AGS_PULL_BRANCH_TRIES);
}

int run_pull_save_patch(const char *dir, const char *name, int fd, uint64_t off,
                        char **ret_path, struct ags_error *err)
{
    if (!run_pull_name_ok(name))
        return ags_error_set(err, -EINVAL, "not a session name for a file: '%.64s'", name);
    int r = mkdir_parents(dir, 0700, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = NULL;
    _cleanup_close_ int out = -1;
    r = create_patch_file(dir, name, &path, &out, err);
    if (r == 0)
        r = copy_from(fd, off, out, err);
    if (r == 0 && fsync(out) < 0)
        r = ags_error_set(err, -errno, "writing %s: %m", path);
    if (r < 0) {
        if (path)
            (void)unlink(path);
        return r;
    }
    *ret_path = TAKE_PTR(path);
    return 0;
}
