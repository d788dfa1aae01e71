/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where ags finds the files it ships (containerfile/, agent-assets/):
 * relative to its own executable, so that one binary works from any prefix
 * (/usr from the package, /usr/local from `cmake --install`, ~/.local from
 * `ags install`), while the build tree's binary uses its source tree and so
 * builds and mounts the files of its own version, not an installed ags's. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/internal.h"
#include "base/banned.h"

/* "<PREFIX>/share/ags" for "<PREFIX>/bin/ags".  Lexical: the kernel's
 * /proc/self/exe is already canonical.  NULL for a relative path. */
static char *prefix_datadir(const char *exe)
{
    if (exe[0] != '/')
        return NULL;
    _cleanup_free_ char *dir = xstrdup(exe);
    *strrchr(dir, '/') = '\0'; /* "/usr/bin", or "" for "/ags" */
    char *up = strrchr(dir, '/');
    if (up)
        *up = '\0'; /* "/usr" */
    return xasprintf("%s/share/ags", dir);
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
    _cleanup_free_ char *prefixed = exe ? prefix_datadir(exe) : NULL;
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

char *run_shipped_path(const char *rel)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    bool known = n > 0 && (size_t)n < sizeof(exe) - 1;
    if (known)
        exe[n] = '\0';
    const struct shipped_tree tree = {AGS_BUILD_DIR, AGS_SOURCE_DIR};
    return run_shipped_path_for(known ? exe : NULL, &tree, rel);
}
