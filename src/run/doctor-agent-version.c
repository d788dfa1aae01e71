/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An agent's version from its volume, without starting a container.  The
 * volume is the sandbox's to write: every directory is opened below the
 * volume's root one component at a time without following links
 * (open_dir_below), package.json is read only when it is a small regular
 * file, and the one link pnpm itself makes (node_modules/<pkg> ->
 * .pnpm/<pkg>@<version>/node_modules/<pkg>) is resolved by hand and must
 * stay inside node_modules.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "run/doctor-internal.h"
#include "base/banned.h"

#define PACKAGE_JSON_MAX (1024u * 1024u)
#define LINK_MAX_LEN     1024u
#define PNPM_LAYOUTS_MAX 16u /* entries of global/ looked at */

/* ---- package.json ---- */

/* Skips a JSON string starting at its opening quote; returns past its end. */
static const char *skip_string(const char *p)
{
    for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
            p++;
    return *p ? p + 1 : p;
}

static bool version_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '.' || c == '-' || c == '+';
}

/* At depth 1, after the key "version": the value when it is a plain version. */
static void take_version(const char *p, char *out, size_t size)
{
    p += strspn(p, " \t\r\n");
    if (*p++ != ':')
        return;
    p += strspn(p, " \t\r\n");
    if (*p++ != '"')
        return;
    size_t n = 0;
    while (version_char(p[n]) && n + 1 < size)
        n++;
    if (p[n] != '"' || n == 0)
        return;
    memcpy(out, p, n);
    out[n] = '\0';
}

void doctor_package_version(const char *json, char *out, size_t size)
{
    out[0] = '\0';
    int depth = 0;
    for (const char *p = json; p && *p && !out[0];) {
        if (*p == '"') {
            const char *end = skip_string(p);
            if (depth == 1 && (size_t)(end - p) == 9 && strncmp(p, "\"version\"", 9) == 0)
                take_version(end, out, size);
            p = end;
            continue;
        }
        depth += *p == '{' || *p == '[';
        depth -= *p == '}' || *p == ']';
        p++;
    }
}

static int read_version_at(int dirfd, const char *shown, char *out, size_t size,
                           struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    _cleanup_free_ char *name = xasprintf("%s/package.json", shown);
    int r = read_regular_file_at(dirfd, "package.json", name, PACKAGE_JSON_MAX, &text, &len, NULL,
                                 err);
    if (r < 0)
        return r;
    doctor_package_version(text, out, size);
    return out[0] ? 0 : ags_error_set(err, -EPROTO, "%s names no version", name);
}

/* ---- links ---- */

int doctor_link_below(const char *base, const char *target, char **ret)
{
    if (target[0] == '/')
        return -EPERM;
    struct strbuf sb;
    strbuf_init(&sb, 2 * LINK_MAX_LEN + 2);
    _cleanup_free_ char *joined = xasprintf("%s%s%s", base, base[0] ? "/" : "", target);
    int r = 0;
    for (char *save = NULL, *c = strtok_r(joined, "/", &save); c && r == 0;
         c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            char *slash = sb.len ? strrchr(sb.buf, '/') : NULL;
            if (sb.len == 0)
                r = -EPERM;
            else
                sb.len = slash ? (size_t)(slash - sb.buf) : 0;
            if (sb.buf)
                sb.buf[sb.len] = '\0';
            continue;
        }
        r = strbuf_appendf(&sb, "%s%s", sb.len ? "/" : "", c);
    }
    if (r == 0 && sb.len == 0)
        r = -EPERM;
    if (r < 0) {
        strbuf_done(&sb);
        return r == -E2BIG ? -EPERM : r;
    }
    *ret = strbuf_steal(&sb);
    return 0;
}

static int open_volume(const char *mountpoint, int *ret_fd, struct ags_error *err)
{
    int fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open volume directory '%s': %m", mountpoint);
    *ret_fd = fd;
    return 0;
}

/* The package directory under the layout directory (lay, global/N): a
 * directory of its own in node_modules, or pnpm's link into its virtual store
 * (global/N/.pnpm, beside node_modules), followed by hand and kept inside lay. */
static int open_package(int lay, const char *where, const char *package, int *ret_fd,
                        struct ags_error *err)
{
    _cleanup_free_ char *scope = NULL;
    const char *slash = package[0] == '@' ? strchr(package, '/') : NULL;
    if (slash)
        scope = xstrndup(package, (size_t)(slash - package));
    const char *leaf = slash ? slash + 1 : package;
    _cleanup_free_ char *dir = xasprintf("node_modules%s%s", scope ? "/" : "", scope ? scope : "");
    _cleanup_close_ int parent = -1;
    int r = open_dir_below(lay, where, dir, 0, false, &parent, err);
    if (r < 0)
        return r;
    char target[LINK_MAX_LEN + 1];
    ssize_t n = readlinkat(parent, leaf, target, LINK_MAX_LEN);
    _cleanup_free_ char *own = xasprintf("node_modules/%s", package);
    if (n < 0 && errno != EINVAL)
        return ags_error_set(err, -errno, "%s/%s: %m", where, own);
    if (n < 0) /* not a link: a directory of its own */
        return open_dir_below(lay, where, own, 0, false, ret_fd, err);
    target[n] = '\0';
    _cleanup_free_ char *rel = NULL;
    if (doctor_link_below(dir, target, &rel) < 0)
        return ags_error_set(err, -EPERM, "%s/%s links outside %s", where, own, where);
    return open_dir_below(lay, where, rel, 0, false, ret_fd, err);
}

static int version_in_layout(int global, const char *layout, const char *package, char *out,
                             size_t size, struct ags_error *err)
{
    _cleanup_free_ char *where = xasprintf("global/%s", layout);
    _cleanup_close_ int lay = -1, pkg = -1;
    int r = open_dir_below(global, "global", layout, 0, false, &lay, err);
    if (r == 0)
        r = open_package(lay, where, package, &pkg, err);
    if (r == 0)
        r = read_version_at(pkg, package, out, size, err);
    return r;
}

int doctor_pnpm_version(const char *mountpoint, const char *package, char *out, size_t size,
                        struct ags_error *err)
{
    _cleanup_close_ int vol = -1, global = -1;
    int r = open_volume(mountpoint, &vol, err);
    if (r == 0)
        r = open_dir_below(vol, mountpoint, "global", 0, false, &global, err);
    if (r < 0)
        return r;
    /* pnpm keeps one directory per layout version (global/5 for pnpm 8-10). */
    int dfd = dup(global);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            (void)close(dfd);
        return ags_error_set(err, -errno, "cannot list %s/global: %m", mountpoint);
    }
    r = -ENOENT;
    unsigned seen = 0;
    for (struct dirent *e; r < 0 && seen < PNPM_LAYOUTS_MAX && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        seen++;
        struct ags_error one = {0};
        int rr = version_in_layout(global, e->d_name, package, out, size, &one);
        if (rr == 0 || (rr != -ENOENT && r == -ENOENT)) {
            r = rr;
            if (err)
                *err = one;
        }
    }
    (void)closedir(d);
    return r;
}

int doctor_npm_version(const char *mountpoint, const char *package, char *out, size_t size,
                       struct ags_error *err)
{
    _cleanup_close_ int vol = -1, pkg = -1;
    _cleanup_free_ char *rel = xasprintf("npm/lib/node_modules/%s", package);
    int r = open_volume(mountpoint, &vol, err);
    if (r == 0)
        r = open_dir_below(vol, mountpoint, rel, 0, false, &pkg, err);
    if (r == 0)
        r = read_version_at(pkg, package, out, size, err);
    return r;
}
