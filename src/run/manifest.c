/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The install manifest as text: one tab-separated line per thing install made. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/sha256.h"
#include "base/strbuf.h"
#include "run/install.h"
#include "base/banned.h"

#define MANIFEST_HEADER "# ags install manifest v1: ags uninstall removes exactly these"
#define MANIFEST_MAX    (16u * 1024u * 1024u)

static struct run_manifest_entry *find(const struct run_manifest *m, const char *path)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->v[i].path, path) == 0)
            return &m->v[i];
    return NULL;
}

void run_manifest_add(struct run_manifest *m, enum run_manifest_kind kind, const char *path,
                      const char *value, unsigned mode)
{
    struct run_manifest_entry *e = find(m, path);
    if (e) {
        free(e->path);
        free(e->value);
    } else {
        m->v = xgrow(m->v, &m->cap, m->n + 1, sizeof(*m->v));
        e = &m->v[m->n++];
    }
    *e = (struct run_manifest_entry){.kind = kind, .mode = mode, .path = xstrdup(path),
                                     .value = value ? xstrdup(value) : NULL};
}

const struct run_manifest_entry *run_manifest_find(const struct run_manifest *m, const char *path)
{
    return find(m, path);
}

void run_manifest_done(struct run_manifest *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->v[i].path);
        free(m->v[i].value);
    }
    free(m->v);
    *m = (struct run_manifest){0};
}

static int render_entry(struct strbuf *sb, const struct run_manifest_entry *e)
{
    switch (e->kind) {
    case RUN_MANIFEST_FILE:
        return strbuf_appendf(sb, "file\t%04o\t%s\t%s\n", e->mode, e->value, e->path);
    case RUN_MANIFEST_LINK:
        return strbuf_appendf(sb, "link\t%s\t%s\n", e->value, e->path);
    default:
        return strbuf_appendf(sb, "dir\t%s\n", e->path);
    }
}

char *run_manifest_render(const struct run_manifest *m)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, MANIFEST_MAX);
    int r = strbuf_appends(&sb, MANIFEST_HEADER "\n");
    for (size_t i = 0; i < m->n && r == 0; i++)
        r = render_entry(&sb, &m->v[i]);
    if (r < 0)
        ags_oom();
    return strbuf_steal(&sb);
}

/* Splits line (modified) at tabs into at most max fields; returns how many. */
static size_t split_tabs(char *line, char **fields, size_t max)
{
    size_t n = 0;
    for (char *p = line; n < max;) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static bool hex_digest(const char *s)
{
    if (strlen(s) != SHA256_HEX_SIZE - 1)
        return false;
    return strspn(s, "0123456789abcdef") == SHA256_HEX_SIZE - 1;
}

/* Exactly the four octal digits render_entry writes. */
static bool parse_mode(const char *s, unsigned *ret)
{
    if (strlen(s) != 4 || strspn(s, "01234567") != 4)
        return false;
    unsigned v = 0;
    for (size_t i = 0; i < 4; i++)
        v = v * 8 + (unsigned)(s[i] - '0');
    *ret = v;
    return true;
}

/* One line, split into fields; false when it is not a well-formed entry. */
static bool parse_entry(struct run_manifest *m, char **f, size_t n)
{
    const char *path = f[n - 1];
    if (path[0] != '/')
        return false;
    unsigned mode = 0;
    if (n == 4 && strcmp(f[0], "file") == 0 && parse_mode(f[1], &mode) && hex_digest(f[2]))
        run_manifest_add(m, RUN_MANIFEST_FILE, path, f[2], mode);
    else if (n == 3 && strcmp(f[0], "link") == 0 && f[1][0])
        run_manifest_add(m, RUN_MANIFEST_LINK, path, f[1], 0);
    else if (n == 2 && strcmp(f[0], "dir") == 0)
        run_manifest_add(m, RUN_MANIFEST_DIR, path, NULL, 0);
    else
        return false;
    return true;
}

int run_manifest_parse(const char *text, const char *shown, struct run_manifest *ret,
                       struct ags_error *err)
{
    *ret = (struct run_manifest){0};
    _cleanup_free_ char *copy = xstrdup(text);
    size_t line = 0;
    for (char *p = copy, *next; p && *p; p = next) {
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        if (p[0] == '#' || !p[0])
            continue;
        char *f[5];
        size_t n = split_tabs(p, f, ARRAY_SIZE(f));
        if (n >= 2 && n <= 4 && parse_entry(ret, f, n))
            continue;
        run_manifest_done(ret);
        return ags_error_set(err, -EINVAL, "%s:%zu: not a line ags install writes; ags "
                             "uninstall removes only what its manifest lists, so fix or "
                             "remove that line", shown, line);
    }
    return 0;
}
