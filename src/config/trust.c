/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/trust.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "base/strbuf.h"
#include "base/banned.h"

#define TRUST_STORE_MAX (1024u * 1024u)

/* Reads the store; a missing store is empty. */
static int read_store(const char *store, char **ret, struct ags_error *err)
{
    size_t len;
    /* Ours, but a symlink or FIFO there was planted: never believe or block on it. */
    int r = read_regular_file_at(AT_FDCWD, store, store, TRUST_STORE_MAX, ret, &len, NULL, err);
    if (r == -ENOENT) {
        *ret = xstrdup("");
        return 0;
    }
    return r;
}

/* Splits "digest root" lines; calls fn for each well-formed one. */
static void each_line(char *text, void (*fn)(const char *digest, const char *root, void *ud),
                      void *ud)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *sp = strchr(line, ' ');
        if (!sp || sp - line != SHA256_HEX_SIZE - 1)
            continue;
        *sp = '\0';
        fn(line, sp + 1, ud);
    }
}

struct lookup {
    const char *root, *digest;
    enum trust_state state;
};

static void lookup_line(const char *digest, const char *root, void *ud)
{
    struct lookup *l = ud;
    if (strcmp(root, l->root) != 0)
        return;
    l->state = strcmp(digest, l->digest) == 0 ? TRUST_OK : TRUST_CHANGED;
}

int trust_lookup(const char *store, const char *root, const char *digest, enum trust_state *ret,
                 struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    int r = read_store(store, &text, err);
    if (r < 0)
        return r;
    struct lookup l = {root, digest, TRUST_UNKNOWN};
    each_line(text, lookup_line, &l);
    *ret = l.state;
    return 0;
}

struct rewrite {
    const char *root;
    struct strbuf out;
    int r;
};

static void keep_other_roots(const char *digest, const char *root, void *ud)
{
    struct rewrite *w = ud;
    if (strcmp(root, w->root) != 0 && w->r == 0)
        w->r = strbuf_appendf(&w->out, "%s %s\n", digest, root);
}

int trust_record(const char *store, const char *root, const char *digest, struct ags_error *err)
{
    if (strchr(root, '\n'))
        return ags_error_set(err, -EINVAL, "repository path contains a newline");
    _cleanup_free_ char *text = NULL;
    int r = read_store(store, &text, err);
    if (r < 0)
        return r;
    struct rewrite w = {.root = root};
    strbuf_init(&w.out, TRUST_STORE_MAX);
    each_line(text, keep_other_roots, &w);
    if (w.r == 0)
        w.r = strbuf_appendf(&w.out, "%s %s\n", digest, root);
    if (w.r < 0) {
        strbuf_done(&w.out);
        return ags_error_set(err, w.r, "trust store '%s' is full", store);
    }
    _cleanup_free_ char *dir = xstrdup(store);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        r = mkdir_parents(dir, 0700, err);
    }
    if (r == 0)
        r = write_file_atomic(store, w.out.buf, w.out.len, 0600, err);
    strbuf_done(&w.out);
    return r;
}
