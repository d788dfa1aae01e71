/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where ags finds the files it ships (containerfile/, agent-assets/, the
 * ags-helper program): relative to its own executable, so that one binary
 * works from any prefix (/usr from the package, /usr/local from `cmake
 * --install`, ~/.local from `ags install`), while the build tree's binary uses
 * its source tree and its build tree's helper, and so builds and mounts the
 * files of its own version, not an installed ags's. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/internal.h"
#include "base/banned.h"

/* "<PREFIX>/rel" for "<PREFIX>/bin/ags".  Lexical: the kernel's
 * /proc/self/exe is already canonical.  NULL for a relative path. */
static char *prefix_path(const char *exe, const char *rel)
{
    if (exe[0] != '/')
        return NULL;
    _cleanup_free_ char *dir = xstrdup(exe);
    *strrchr(dir, '/') = '\0'; /* "/usr/bin", or "" for "/ags" */
    char *up = strrchr(dir, '/');
    if (up)
        *up = '\0'; /* "/usr" */
    return xasprintf("%s/%s", dir, rel);
}

/* Is exe the binary the build tree made (in its top directory)?  Lexical,
 * never through realpath(build_dir): a build directory that is gone could be
 * re-created by anyone as a link to the installed copy's directory, and the
 * installed copy would then prefer the source tree (which may be gone and
 * re-created as well). */
static bool in_build_tree(const char *exe, const char *build_dir)
{
    if (!build_dir || build_dir[0] != '/')
        return false;
    const char *slash = strrchr(exe, '/');
    size_t len = slash ? (size_t)(slash - exe) : 0;
    return slash && strlen(build_dir) == len && strncmp(exe, build_dir, len) == 0;
}

/* Either place counts only when nobody but root and us can change it
 * (trusted_realpath): a prefix or a checkout another user can write (a
 * deleted /tmp/ags that someone re-creates) must not hand them the image
 * and the guard assets. */
char *run_shipped_path_for(const char *exe, const struct shipped_tree *tree, const char *rel)
{
    _cleanup_free_ char *prefixed = exe ? prefix_path(exe, "share/ags") : NULL;
    bool source_first = !prefixed || in_build_tree(exe, tree->build_dir);
    const char *const roots[] = {source_first ? tree->source_dir : prefixed,
                                 source_first ? prefixed : tree->source_dir};
    for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
        if (!roots[i])
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", roots[i], rel);
        _cleanup_free_ char *real = trusted_realpath(path);
        /* The resolved path: every directory of it is root's or ours, so
         * nobody else can swap what it names after this check. */
        if (real && access(real, R_OK) == 0)
            return TAKE_PTR(real);
    }
    return xasprintf("%s/%s", roots[0], rel);
}

/* The running binary's path into exe (NULL when /proc does not say). */
static const char *self_exe(char exe[PATH_MAX])
{
    ssize_t n = readlink("/proc/self/exe", exe, PATH_MAX - 1);
    if (n <= 0 || (size_t)n >= PATH_MAX - 1)
        return NULL;
    exe[n] = '\0';
    return exe;
}

char *run_shipped_path(const char *rel)
{
    char exe[PATH_MAX];
    const struct shipped_tree tree = {AGS_BUILD_DIR, AGS_SOURCE_DIR};
    return run_shipped_path_for(self_exe(exe), &tree, rel);
}

/* Only one place, never the other as a fallback: an installed ags must not
 * mount a build tree's helper (of another version, maybe gone and re-made by
 * anyone), and the build tree's ags must not mount an installed one.  It goes
 * into every sandbox, so it counts only where nobody but root and us can
 * change it, and only as an executable regular file. */
char *run_helper_path_for(const char *exe, const char *build_dir)
{
    if (!exe)
        return NULL;
    _cleanup_free_ char *path = in_build_tree(exe, build_dir)
                                        ? xasprintf("%s/" RUN_HELPER_NAME, build_dir)
                                        : prefix_path(exe, RUN_HELPER_REL);
    _cleanup_free_ char *real = path ? trusted_realpath(path) : NULL;
    struct stat st;
    if (!real || stat(real, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
        return NULL;
    return TAKE_PTR(real);
}

char *run_helper_path(void)
{
    char exe[PATH_MAX];
    return run_helper_path_for(self_exe(exe), AGS_BUILD_DIR);
}
