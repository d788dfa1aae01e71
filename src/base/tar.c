/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The tar writer (see tar.h for the format choices). */
#include "base/tar.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/utf8.h"
#include "base/banned.h"

#define TAR_PATH_MAX  (TAR_PREFIX_LEN + 1u + TAR_NAME_LEN)
#define TAR_BUF_SIZE  (64u * 1024u)
#define TAR_SIZE_MAX  077777777777ull /* 11 octal digits: just below 8 GiB */
#define TAR_ID_MAX    07777777u       /* 7 octal digits */
/* A pax header's records: path and linkpath at their bound, size, hdrcharset. */
#define TAR_PAX_MAX   (2u * TAR_PAX_PATH_MAX + 256u)

void tar_writer_init(struct tar_writer *w, int fd, uint64_t max, size_t max_entries,
                     const char *what)
{
    *w = (struct tar_writer){
        .fd = fd, .max = max, .max_entries = max_entries, .what = what,
        .buf = xmalloc(TAR_BUF_SIZE),
    };
}

void tar_writer_done(struct tar_writer *w)
{
    free(w->buf);
    w->buf = NULL;
}

/* Octal, right-aligned with leading zeros, NUL-terminated within width. */
static void put_octal(unsigned char *field, size_t width, uint64_t v)
{
    char tmp[24];
    (void)snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
    memcpy(field, tmp, width - 1);
    field[width - 1] = '\0';
}

/* Where path splits into prefix '/' name; 0 when it fits the name field alone. */
static int split_path(const char *path, size_t *ret_split)
{
    size_t len = strlen(path);
    if (len <= TAR_NAME_LEN) {
        *ret_split = 0;
        return 0;
    }
    /* The split slash may not be the trailing one of a directory. */
    size_t end = len - (path[len - 1] == '/' ? 1 : 0);
    for (size_t i = end < TAR_PREFIX_LEN ? end : TAR_PREFIX_LEN; i > 0; i--) {
        if (i < end && path[i] == '/' && len - i - 1 <= TAR_NAME_LEN) {
            *ret_split = i;
            return 0;
        }
    }
    return -ENAMETOOLONG;
}

unsigned tar_checksum(const unsigned char hdr[TAR_BLOCK])
{
    unsigned sum = 0;
    for (size_t i = 0; i < TAR_BLOCK; i++)
        sum += i >= TAR_OFF_CHKSUM && i < TAR_OFF_CHKSUM + TAR_CHKSUM_LEN ? ' ' : hdr[i];
    return sum;
}

static void put_checksum(unsigned char hdr[TAR_BLOCK])
{
    char chk[8];
    (void)snprintf(chk, sizeof(chk), "%06o", tar_checksum(hdr) & 0777777u);
    memcpy(hdr + TAR_OFF_CHKSUM, chk, 6);
    hdr[TAR_OFF_CHKSUM + 6] = '\0';
    hdr[TAR_OFF_CHKSUM + 7] = ' ';
}

/* The fixed fields; path and link are the caller's. */
static void fill_header(unsigned char hdr[TAR_BLOCK], char type, uint32_t mode, uint64_t size,
                        int64_t mtime, uint32_t uid, uint32_t gid)
{
    put_octal(hdr + TAR_OFF_MODE, 8, mode & 07777);
    put_octal(hdr + TAR_OFF_UID, 8, uid > TAR_ID_MAX ? 0 : uid);
    put_octal(hdr + TAR_OFF_GID, 8, gid > TAR_ID_MAX ? 0 : gid);
    put_octal(hdr + TAR_OFF_SIZE, TAR_SIZE_LEN, size > TAR_SIZE_MAX ? 0 : size); /* a pax size says more */
    put_octal(hdr + TAR_OFF_MTIME, 12, mtime < 0                         ? 0
                                       : (uint64_t)mtime > TAR_SIZE_MAX ? TAR_SIZE_MAX
                                                                        : (uint64_t)mtime);
    hdr[TAR_OFF_TYPE] = (unsigned char)type;
    memcpy(hdr + TAR_OFF_MAGIC, "ustar", 6); /* magic with its NUL */
    memcpy(hdr + TAR_OFF_VERSION, "00", 2);
    put_checksum(hdr);
}

int tar_header(unsigned char hdr[TAR_BLOCK], const struct tar_entry *e, uint32_t uid,
               uint32_t gid, struct ags_error *err)
{
    size_t split = 0;
    if (e->path[0] == '\0' || split_path(e->path, &split) < 0)
        return ags_error_set(err, -ENAMETOOLONG,
                             "'%s' does not fit a ustar header (at most %u bytes, split at a "
                             "'/' into %u + %u)", e->path, TAR_PATH_MAX, TAR_PREFIX_LEN,
                             TAR_NAME_LEN);
    if (e->linkname && strlen(e->linkname) > TAR_NAME_LEN)
        return ags_error_set(err, -ENAMETOOLONG, "the target of symlink '%s' is longer than %u "
                             "bytes (the ustar limit)", e->path, TAR_NAME_LEN);
    if (e->size > TAR_SIZE_MAX)
        return ags_error_set(err, -EFBIG, "'%s' is 8 GiB or larger (the ustar limit)", e->path);
    memset(hdr, 0, TAR_BLOCK);
    if (split) {
        memcpy(hdr + TAR_OFF_PREFIX, e->path, split);                                /* prefix */
        memcpy(hdr + TAR_OFF_NAME, e->path + split + 1, strlen(e->path) - split - 1); /* name */
    } else {
        memcpy(hdr + TAR_OFF_NAME, e->path, strlen(e->path));
    }
    if (e->linkname)
        memcpy(hdr + TAR_OFF_LINKNAME, e->linkname, strlen(e->linkname));
    fill_header(hdr, (char)e->type, e->mode, e->size, e->mtime, uid, gid);
    return 0;
}

/* ---- output ---- */

static int flush_out(struct tar_writer *w, struct ags_error *err)
{
    if (w->fd < 0) { /* measuring */
        w->buf_len = 0;
        return 0;
    }
    size_t off = 0;
    while (off < w->buf_len) {
        ssize_t n = write(w->fd, w->buf + off, w->buf_len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(err, -errno, "writing %s: %m", w->what);
        off += (size_t)n;
    }
    w->buf_len = 0;
    return 0;
}

/* Counts n more bytes against the bound. */
static int reserve(struct tar_writer *w, uint64_t n, struct ags_error *err)
{
    if (n > w->max - w->size)
        return ags_error_set(err, -EFBIG, "%s is larger than %llu bytes", w->what,
                             (unsigned long long)w->max);
    w->size += n;
    return 0;
}

static int put(struct tar_writer *w, const void *p, size_t n, struct ags_error *err)
{
    int r = reserve(w, n, err);
    if (r < 0 || w->fd < 0)
        return r;
    const unsigned char *src = p;
    while (n > 0) {
        size_t take = TAR_BUF_SIZE - w->buf_len < n ? TAR_BUF_SIZE - w->buf_len : n;
        memcpy(w->buf + w->buf_len, src, take);
        w->buf_len += take;
        src += take;
        n -= take;
        if (w->buf_len == TAR_BUF_SIZE && (r = flush_out(w, err)) < 0)
            return r;
    }
    return 0;
}

static int put_padding(struct tar_writer *w, uint64_t size, struct ags_error *err)
{
    static const unsigned char zeros[TAR_BLOCK];
    size_t rest = (size_t)(size % TAR_BLOCK);
    return rest ? put(w, zeros, TAR_BLOCK - rest, err) : 0;
}

/* ---- pax ---- */

/* One record "LEN key=value\n", LEN counting the whole record with itself. */
static int pax_record(struct strbuf *sb, const char *key, const char *value)
{
    size_t body = 1 + strlen(key) + 1 + strlen(value) + 1;
    size_t total = body + 1;
    for (;;) { /* the length's own digits count: settle on a fixed point */
        size_t digits = 0;
        for (size_t n = total; n > 0; n /= 10)
            digits++;
        if (body + digits == total)
            break;
        total = body + digits;
    }
    return strbuf_appendf(sb, "%zu %s=%s\n", total, key, value);
}

static bool needs_pax(const struct tar_entry *e, size_t *ret_split)
{
    return split_path(e->path, ret_split) < 0 ||
           (e->linkname && strlen(e->linkname) > TAR_NAME_LEN) || e->size > TAR_SIZE_MAX;
}

static int put_pax(struct tar_writer *w, const struct tar_entry *e, struct ags_error *err)
{
    if (strlen(e->path) > TAR_PAX_PATH_MAX ||
        (e->linkname && strlen(e->linkname) > TAR_PAX_PATH_MAX))
        return ags_error_set(err, -ENAMETOOLONG, "'%.64s...' is longer than %u bytes", e->path,
                             TAR_PAX_PATH_MAX);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, TAR_PAX_MAX);
    size_t split;
    bool binary = !utf8_valid(e->path, strlen(e->path)) ||
                  (e->linkname && !utf8_valid(e->linkname, strlen(e->linkname)));
    int r = binary ? pax_record(&sb, "hdrcharset", "BINARY") : 0; /* names are bytes */
    if (r == 0 && split_path(e->path, &split) < 0)
        r = pax_record(&sb, "path", e->path);
    if (r == 0 && e->linkname && strlen(e->linkname) > TAR_NAME_LEN)
        r = pax_record(&sb, "linkpath", e->linkname);
    if (r == 0 && e->size > TAR_SIZE_MAX) {
        char num[24];
        (void)snprintf(num, sizeof(num), "%llu", (unsigned long long)e->size);
        r = pax_record(&sb, "size", num);
    }
    if (r < 0)
        return ags_error_set(err, -ENAMETOOLONG, "the pax header of '%.64s...' is too long",
                             e->path);
    unsigned char hdr[TAR_BLOCK] = {0};
    static const char name[] = "PaxHeaders/entry";
    memcpy(hdr, name, sizeof(name) - 1);
    fill_header(hdr, 'x', 0644, sb.len, e->mtime, w->uid, w->gid);
    r = put(w, hdr, sizeof(hdr), err);
    if (r == 0)
        r = put(w, sb.buf, sb.len, err);
    return r < 0 ? r : put_padding(w, sb.len, err);
}

/* ---- entries ---- */

int tar_put_entry(struct tar_writer *w, const struct tar_entry *e, struct ags_error *err)
{
    if (++w->entries > w->max_entries)
        return ags_error_set(err, -E2BIG, "%s has more than %zu entries", w->what,
                             w->max_entries);
    unsigned char hdr[TAR_BLOCK];
    size_t split;
    if (!w->pax || e->path[0] == '\0' || !needs_pax(e, &split)) {
        int r = tar_header(hdr, e, w->uid, w->gid, err);
        return r < 0 ? r : put(w, hdr, sizeof(hdr), err);
    }
    int r = put_pax(w, e, err);
    if (r < 0)
        return r;
    /* The ustar fields the pax records replace hold what fits of them. */
    memset(hdr, 0, sizeof(hdr));
    size_t len = strlen(e->path);
    memcpy(hdr, e->path, len < TAR_NAME_LEN ? len : TAR_NAME_LEN);
    if (e->linkname) {
        size_t l = strlen(e->linkname);
        memcpy(hdr + TAR_OFF_LINKNAME, e->linkname, l < TAR_NAME_LEN ? l : TAR_NAME_LEN);
    }
    fill_header(hdr, (char)e->type, e->mode, e->size, e->mtime, w->uid, w->gid);
    return put(w, hdr, sizeof(hdr), err);
}

int tar_put_file(struct tar_writer *w, const struct tar_entry *e, int fd, const struct stat *st,
                 const char *shown, struct ags_error *err)
{
    struct stat now;
    if (w->fd < 0) /* measuring: nothing is read, fd may be -1 */
        now = *st;
    else if (fstat(fd, &now) < 0)
        return ags_error_set(err, -errno, "cannot read '%s': %m", shown);
    if (now.st_dev != st->st_dev || now.st_ino != st->st_ino || now.st_size != st->st_size ||
        !S_ISREG(now.st_mode))
        return ags_error_set(err, -EAGAIN, "'%s' changed while %s was written", shown, w->what);
    uint64_t size = (uint64_t)st->st_size;
    struct tar_entry file = *e;
    file.type = TAR_FILE;
    file.size = size;
    int r = tar_put_entry(w, &file, err);
    if (r == 0 && w->fd < 0) { /* measuring: the bytes are the size it had */
        r = reserve(w, size, err);
        return r < 0 ? r : put_padding(w, size, err);
    }
    char chunk[TAR_BUF_SIZE];
    for (uint64_t left = size; r == 0 && left > 0;) {
        ssize_t n = read(fd, chunk, left < sizeof(chunk) ? (size_t)left : sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ags_error_set(err, n < 0 ? -errno : -EAGAIN, "reading '%s': %s", shown,
                                 n < 0 ? strerror(errno) : "the file shrank");
        r = put(w, chunk, (size_t)n, err);
        left -= (uint64_t)n;
    }
    return r < 0 ? r : put_padding(w, size, err);
}

int tar_put_symlink_at(struct tar_writer *w, int dfd, const char *name, const struct tar_entry *e,
                       const char *shown, struct ags_error *err)
{
    size_t max = w->pax ? TAR_PAX_PATH_MAX : TAR_NAME_LEN;
    char target[TAR_PAX_PATH_MAX + 2];
    ssize_t n = readlinkat(dfd, name, target, max + 1);
    if (n < 0)
        return ags_error_set(err, -errno, "cannot read the symlink '%s': %m", shown);
    if ((size_t)n > max)
        return ags_error_set(err, -ENAMETOOLONG, "the target of the symlink '%s' is longer "
                             "than %zu bytes%s", shown, max, w->pax ? "" : " (the ustar limit)");
    target[n] = '\0';
    struct tar_entry link = *e;
    link.type = TAR_SYMLINK;
    link.linkname = target;
    return tar_put_entry(w, &link, err);
}

int tar_finish(struct tar_writer *w, struct ags_error *err)
{
    static const unsigned char end[2 * TAR_BLOCK];
    int r = put(w, end, sizeof(end), err);
    return r < 0 ? r : flush_out(w, err);
}
