/* SPDX-License-Identifier: GPL-2.0-or-later */
/* HEAD of a work tree, read without git (gitdirs.h, gitdirs_head). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "run/gitdirs.h"
#include "base/banned.h"

/* A ref name as ags reads it: refs/..., components of [A-Za-z0-9._-] not
 * starting with '.', no "..": one that is anything else is not looked up
 * (git's own rules are wider; such a branch is shown without its commit). */
static bool ref_name_ok(const char *r)
{
    if (strncmp(r, "refs/", 5) != 0 || strlen(r) > 255 || strstr(r, "..") || strstr(r, "//"))
        return false;
    for (const char *c = r; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/", *c) ||
            (*c == '.' && (c == r || c[-1] == '/')))
            return false;
    return r[strlen(r) - 1] != '/';
}

static bool object_id(const char *s, size_t n)
{
    return (n == 40 || n == 64) && strspn(s, "0123456789abcdef") >= n;
}

static char *loose_ref(int common, const char *ref)
{
    _cleanup_free_ char *dir = xstrdup(ref);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    _cleanup_close_ int dfd = -EBADF;
    if (open_dir_below(common, "git", dir, 0, false, &dfd, NULL) < 0)
        return NULL;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_regular_file_at(dfd, slash + 1, ref, GITDIRS_FILE_MAX, &text, &len, NULL, NULL) < 0)
        return NULL;
    size_t n = strcspn(text, "\n");
    return object_id(text, n) ? xstrndup(text, n) : NULL;
}

static char *packed_ref(int common, const char *ref)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0, rn = strlen(ref);
    if (read_regular_file_at(common, "packed-refs", "packed-refs", AGS_BASELINE_PACKED_REFS_MAX,
                             &text, &len, NULL, NULL) < 0)
        return NULL;
    for (char *line = text; line && *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        size_t id = strcspn(line, " \n");
        if (object_id(line, id) && n == id + 1 + rn && memcmp(line + id + 1, ref, rn) == 0)
            return xstrndup(line, id);
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

void gitdirs_head(const char *workdir, uid_t uid, char **ret_branch, char **ret_commit)
{
    *ret_branch = *ret_commit = NULL;
    struct gitdirs g = {0};
    if (gitdirs_find(workdir, uid, &g, NULL) < 0 || !g.git_dir) {
        gitdirs_done(&g);
        return;
    }
    _cleanup_close_ int gfd = open(g.git_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int cfd = open(g.common_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    gitdirs_done(&g);
    _cleanup_free_ char *head = gfd >= 0 ? gitdirs_valid_head_at(gfd) : NULL;
    if (!head)
        return;
    head[strcspn(head, "\n")] = '\0';
    if (strncmp(head, "ref:", 4) != 0) {
        *ret_commit = TAKE_PTR(head);
        return;
    }
    const char *ref = head + 4 + strspn(head + 4, " \t");
    *ret_branch = xstrdup(ref);
    if (cfd >= 0 && ref_name_ok(ref)) {
        *ret_commit = loose_ref(cfd, ref);
        if (!*ret_commit)
            *ret_commit = packed_ref(cfd, ref);
    }
}
