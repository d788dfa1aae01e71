/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/banned.h"

#define CFG_PATH_MAX 4096

/* Appends the value of $NAME / ${NAME} starting at *p (which points at '$'). */
static int expand_var(const struct cfg_host *host, const char **p, struct strbuf *sb,
                      struct ags_error *err)
{
    const char *s = *p + 1;
    bool braced = *s == '{';
    if (braced)
        s++;
    const char *start = s;
    while (*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
           (s > start && *s >= '0' && *s <= '9'))
        s++;
    size_t n = (size_t)(s - start);
    if (braced && *s != '}')
        return ags_error_set(err, -EINVAL, "unterminated or invalid '${...}' in '%s'", *p);
    if (n == 0) {
        if (braced)
            return ags_error_set(err, -EINVAL, "empty '${}' in path");
        *p += 1; /* a lone '$' is literal */
        return strbuf_appendc(sb, '$');
    }
    _cleanup_free_ char *name = xstrndup(start, n);
    const char *value = host->getenv ? host->getenv(name) : NULL;
    if (!value)
        return ags_error_set(err, -EINVAL,
                             "environment variable '%s' is not set (set it, or write the path "
                             "out)", name);
    *p = braced ? s + 1 : s;
    return strbuf_appends(sb, value);
}

static int expand(const struct cfg_host *host, const char *in, struct strbuf *sb,
                  struct ags_error *err)
{
    const char *p = in;
    if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
        if (!host->home || host->home[0] != '/')
            return ags_error_set(err, -EINVAL, "cannot expand '~': $HOME is not an absolute path");
        int r = strbuf_appends(sb, host->home);
        if (r < 0)
            return ags_error_set(err, r, "path is too long");
        p++;
    }
    while (*p) {
        int r;
        if (*p == '$') {
            r = expand_var(host, &p, sb, err);
            if (r < 0 && r != -E2BIG)
                return r;
        } else {
            r = strbuf_appendc(sb, *p++);
        }
        if (r == -E2BIG)
            return ags_error_set(err, r, "path is longer than %d bytes", CFG_PATH_MAX);
    }
    return 0;
}

int cfg_expand_path(const struct cfg_host *host, const char *in, const char *base_dir, char **ret,
                    struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, CFG_PATH_MAX);
    int r = expand(host, in, &sb, err);
    if (r < 0)
        return r;
    if (sb.len == 0)
        return ags_error_set(err, -EINVAL, "path is empty");
    if (sb.buf[0] != '/') {
        /* Relative paths are relative to the file that names them, not to
         * wherever ags happens to be started. */
        _cleanup_free_ char *joined = xasprintf("%s/%s", base_dir, sb.buf);
        strbuf_reset(&sb);
        if (strbuf_appends(&sb, joined) < 0)
            return ags_error_set(err, -E2BIG, "path is longer than %d bytes", CFG_PATH_MAX);
    }
    /* Drop a trailing slash so that equal paths compare equal. */
    while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
        sb.buf[--sb.len] = '\0';
    *ret = strbuf_steal(&sb);
    return 0;
}

int cfg_expand_command(const struct cfg_host *host, const char *in, char **ret,
                       struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, CFG_PATH_MAX);
    int r = expand(host, in, &sb, err);
    if (r < 0)
        return r;
    if (sb.len == 0 || sb.buf[0] != '/')
        return ags_error_set(err, -EINVAL,
                             "'%s' must be an absolute path to an executable (after ~ and $VAR "
                             "expansion); ags does not search PATH for the programs a config "
                             "names", in);
    *ret = strbuf_steal(&sb);
    return 0;
}

char *cfg_path_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}
