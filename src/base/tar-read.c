/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The single-file tar reader (see tar-read.h for what it accepts). */
#include "base/tar-read.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "base/tar.h"
#include "base/termesc.h"
#include "base/banned.h"

#define COPY_CHUNK (64u * 1024u)
/* A pax size record: the digits of UINT64_MAX. */
#define PAX_SIZE_DIGITS 20u

struct reader {
    int fd;
    uint64_t off; /* of the next block to read */
    uint64_t end; /* the archive's size */
};

/* What the pax records read so far say about the member that follows. */
struct pax_override {
    char *path; /* owned; NULL: the header's */
    bool has_size;
    uint64_t size;
};

static uint64_t round_block(uint64_t n)
{
    return n + (TAR_BLOCK - n % TAR_BLOCK) % TAR_BLOCK;
}

/* Exactly n bytes at off: the caller checked that the archive has them, so
 * fewer means it shrank under us. */
static int read_at(const struct reader *rd, void *buf, size_t n, uint64_t off,
                   struct ags_error *err)
{
    for (size_t got = 0; got < n;) {
        ssize_t k = pread(rd->fd, (char *)buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return ags_error_set(err, -errno, "reading the archive: %m");
        if (k == 0)
            return ags_error_set(err, -EIO, "the archive shrank while it was read");
        got += (size_t)k;
    }
    return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

/* An octal header field: blanks, digits, then NULs or blanks to its end.
 * -ERANGE for GNU's base-256 form (high bit of the first byte) and for a
 * value beyond 64 bits, -EINVAL for anything else that is no number. */
static int parse_octal(const unsigned char *f, size_t len, uint64_t *ret)
{
    if (f[0] & 0x80)
        return -ERANGE;
    size_t i = 0, digits = 0;
    while (i < len && f[i] == ' ')
        i++;
    uint64_t v = 0;
    for (; i < len && f[i] >= '0' && f[i] <= '7'; i++, digits++) {
        if (v > (UINT64_MAX >> 3))
            return -ERANGE;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    for (; i < len; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return -EINVAL;
    if (digits == 0)
        return -EINVAL;
    *ret = v;
    return 0;
}

/* A header field up to its first NUL (it may fill the field without one). */
static char *field_string(const unsigned char *f, size_t len)
{
    const unsigned char *nul = memchr(f, '\0', len);
    return xstrndup((const char *)f, nul ? (size_t)(nul - f) : len);
}

/* The member's path as the header spells it: prefix '/' name, or name. */
static char *header_path(const unsigned char h[TAR_BLOCK])
{
    _cleanup_free_ char *prefix = field_string(h + TAR_OFF_PREFIX, TAR_PREFIX_LEN);
    _cleanup_free_ char *name = field_string(h + TAR_OFF_NAME, TAR_NAME_LEN);
    return prefix[0] ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
}

static const char *type_name(unsigned char t)
{
    switch (t) {
    case '1': return "a hard link";
    case '2': return "a symlink";
    case '3': return "a character device";
    case '4': return "a block device";
    case '5': return "a directory";
    case '6': return "a fifo";
    case '7': return "a contiguous file";
    case 'K': case 'L': return "a GNU long name";
    case 'S': return "a sparse file";
    default: return "an unknown entry type";
    }
}

/* The next header block: -EBADMSG at the end of the archive (no member
 * came), or when its checksum or magic is wrong. */
static int next_header(struct reader *rd, unsigned char h[TAR_BLOCK], struct ags_error *err)
{
    uint64_t at = rd->off;
    if (rd->end == 0)
        return ags_error_set(err, -EBADMSG, "the archive is empty");
    if (rd->end - at < TAR_BLOCK)
        return ags_error_set(err, -EBADMSG, "the archive ends at offset %llu without a file",
                             (unsigned long long)rd->end);
    int r = read_at(rd, h, TAR_BLOCK, at, err);
    if (r < 0)
        return r;
    if (all_zero(h, TAR_BLOCK))
        return ags_error_set(err, -EBADMSG, "the archive holds no file (its end at offset %llu)",
                             (unsigned long long)at);
    uint64_t stored = 0;
    if (parse_octal(h + TAR_OFF_CHKSUM, TAR_CHKSUM_LEN, &stored) < 0 ||
        stored != tar_checksum(h))
        return ags_error_set(err, -EBADMSG, "the header at offset %llu has a bad checksum",
                             (unsigned long long)at);
    if (memcmp(h + TAR_OFF_MAGIC, "ustar", 5) != 0)
        return ags_error_set(err, -EBADMSG, "the header at offset %llu is not a ustar header",
                             (unsigned long long)at);
    rd->off += TAR_BLOCK;
    return 0;
}

/* The data size of the extended or global header just read: at most
 * AGS_TAR_PAX_HEADER_MAX, and wholly in the archive. */
static int ext_header_size(const struct reader *rd, const unsigned char h[TAR_BLOCK],
                           struct ags_error *err)
{
    uint64_t at = rd->off - TAR_BLOCK;
    uint64_t size = 0;
    int r = parse_octal(h + TAR_OFF_SIZE, TAR_SIZE_LEN, &size);
    if (r == -ERANGE)
        return ags_error_set(err, -EBADMSG, "the header at offset %llu has its size in base-256 "
                             "form (not read here)", (unsigned long long)at);
    if (r < 0)
        return ags_error_set(err, -EBADMSG, "the header at offset %llu has no octal size",
                             (unsigned long long)at);
    if (size > AGS_TAR_PAX_HEADER_MAX)
        return ags_error_set(err, -EBADMSG, "the pax header at offset %llu has %llu bytes, more "
                             "than %u", (unsigned long long)at, (unsigned long long)size,
                             AGS_TAR_PAX_HEADER_MAX);
    if (size > rd->end - rd->off)
        return ags_error_set(err, -EBADMSG, "the archive is truncated: the pax header at offset "
                             "%llu has %llu bytes, %llu follow it", (unsigned long long)at,
                             (unsigned long long)size, (unsigned long long)(rd->end - rd->off));
    return (int)size;
}

static int pax_bad(uint64_t at, const char *what, struct ags_error *err)
{
    return ags_error_set(err, -EBADMSG, "the pax header at offset %llu has %s",
                         (unsigned long long)at, what);
}

/* One record's value for the keys read here (path, size); others are ignored.
 * An empty value takes the key's override back. */
static int pax_apply(const char *key, size_t klen, const char *v, size_t vlen,
                     struct pax_override *o, uint64_t at, struct ags_error *err)
{
    if (klen == 4 && memcmp(key, "path", 4) == 0) {
        if (vlen > TAR_PAX_PATH_MAX || memchr(v, '\0', vlen))
            return pax_bad(at, "a path longer than PATH_MAX or with a NUL byte", err);
        free(o->path);
        o->path = NULL;
        if (vlen)
            o->path = xstrndup(v, vlen);
    } else if (klen == 4 && memcmp(key, "size", 4) == 0) {
        char num[PAX_SIZE_DIGITS + 1];
        o->has_size = vlen > 0;
        if (vlen > PAX_SIZE_DIGITS)
            return pax_bad(at, "a size record that is no number", err);
        memcpy(num, v, vlen);
        num[vlen] = '\0';
        if (vlen && parse_u64(num, &o->size) < 0)
            return pax_bad(at, "a size record that is no number", err);
    }
    return 0;
}

/* Records "LEN key=value\n", LEN counting the whole record. */
static int pax_parse(const char *p, size_t n, struct pax_override *o, uint64_t at,
                     struct ags_error *err)
{
    while (n > 0) {
        size_t len = 0, i = 0;
        for (; i < n && p[i] >= '0' && p[i] <= '9' && len <= n; i++)
            len = len * 10 + (size_t)(p[i] - '0');
        if (i == 0 || i >= n || p[i] != ' ' || len < i + 2 || len > n || p[len - 1] != '\n')
            return pax_bad(at, "a record whose length is wrong", err);
        const char *kv = p + i + 1;
        size_t kvlen = len - i - 2;
        const char *eq = memchr(kv, '=', kvlen);
        if (!eq || eq == kv)
            return pax_bad(at, "a record without key=value", err);
        size_t klen = (size_t)(eq - kv);
        int r = pax_apply(kv, klen, eq + 1, kvlen - klen - 1, o, at, err);
        if (r < 0)
            return r;
        p += len;
        n -= len;
    }
    return 0;
}

/* The data of the extended ('x': its records into o) or global ('g':
 * skipped) header just read. */
static int read_extended(struct reader *rd, const unsigned char h[TAR_BLOCK],
                         struct pax_override *o, struct ags_error *err)
{
    int size = ext_header_size(rd, h, err);
    if (size < 0)
        return size;
    uint64_t at = rd->off - TAR_BLOCK;
    if (h[TAR_OFF_TYPE] == 'x') {
        _cleanup_free_ char *buf = xmalloc((size_t)size + 1);
        int r = read_at(rd, buf, (size_t)size, rd->off, err);
        if (r == 0)
            r = pax_parse(buf, (size_t)size, o, at, err);
        if (r < 0)
            return r;
    }
    uint64_t skip = round_block((uint64_t)size);
    rd->off += skip < rd->end - rd->off ? skip : rd->end - rd->off;
    return 0;
}

/* Up to the member's header: extended and global headers are read on the way. */
static int find_member(struct reader *rd, unsigned char h[TAR_BLOCK], struct pax_override *o,
                       struct ags_error *err)
{
    for (unsigned n = 0;; n++) {
        int r = next_header(rd, h, err);
        if (r < 0)
            return r;
        unsigned char t = h[TAR_OFF_TYPE];
        if (t != 'x' && t != 'g')
            return 0;
        if (n == AGS_TAR_EXT_HEADERS_MAX)
            return ags_error_set(err, -EBADMSG, "the archive has more than %u pax headers in a "
                                 "row", AGS_TAR_EXT_HEADERS_MAX);
        r = read_extended(rd, h, o, err);
        if (r < 0)
            return r;
    }
}

/* The member is the regular file name (or ./name). */
static int check_member(const unsigned char h[TAR_BLOCK], const struct pax_override *o,
                        const char *name, struct ags_error *err)
{
    _cleanup_free_ char *path = o->path ? xstrdup(o->path) : header_path(h);
    unsigned char t = h[TAR_OFF_TYPE];
    _cleanup_free_ char *shown = term_escape_str(path);
    if (t != '0' && t != '\0')
        return ags_error_set(err, -EBADMSG, "'%.200s' in the archive is not a regular file (%s)",
                             shown, type_name(t));
    if (strcmp(path, name) != 0 && !(str_has_prefix(path, "./") && strcmp(path + 2, name) == 0))
        return ags_error_set(err, -EBADMSG, "the archive holds '%.200s', not '%s'", shown, name);
    return 0;
}

/* The member's size: the pax record's, else the header's. */
static int member_size(const struct reader *rd, const unsigned char h[TAR_BLOCK],
                       const struct pax_override *o, const char *name, uint64_t max,
                       uint64_t *ret, struct ags_error *err)
{
    uint64_t size = o->size;
    int r = o->has_size ? 0 : parse_octal(h + TAR_OFF_SIZE, TAR_SIZE_LEN, &size);
    if (r == -ERANGE)
        return ags_error_set(err, -EBADMSG, "'%s' in the archive has its size in base-256 form "
                             "(not read here)", name);
    if (r < 0)
        return ags_error_set(err, -EBADMSG, "'%s' in the archive has no octal size", name);
    if (size > max)
        return ags_error_set(err, -EFBIG, "'%s' has %llu bytes, more than the %llu allowed", name,
                             (unsigned long long)size, (unsigned long long)max);
    if (size > rd->end - rd->off)
        return ags_error_set(err, -EBADMSG, "the archive is truncated: '%s' has %llu bytes, only "
                             "%llu follow its header", name, (unsigned long long)size,
                             (unsigned long long)(rd->end - rd->off));
    *ret = size;
    return 0;
}

static int copy_data(struct reader *rd, uint64_t size, int out_fd, struct ags_error *err)
{
    _cleanup_free_ char *buf = xmalloc(COPY_CHUNK);
    for (uint64_t left = size; left > 0;) {
        size_t n = left < COPY_CHUNK ? (size_t)left : COPY_CHUNK;
        int r = read_at(rd, buf, n, rd->off, err);
        if (r < 0)
            return r;
        r = write_all(out_fd, buf, n);
        if (r < 0)
            return ags_error_set(err, r, "writing the file out of the archive: %s", strerror(-r));
        rd->off += n;
        left -= n;
    }
    return 0;
}

/* What follows the member's size bytes of data (padded to a block): zero
 * bytes only, bounded.  Checked before a byte is copied. */
static int check_trailer(const struct reader *rd, uint64_t size, const char *name,
                         struct ags_error *err)
{
    uint64_t at = round_block(rd->off + size);
    if (at > rd->end)
        at = rd->end; /* the padding may be missing */
    if (rd->end - at > AGS_TAR_TRAILER_MAX)
        return ags_error_set(err, -EBADMSG, "the archive holds more than '%s': %llu bytes follow "
                             "it", name, (unsigned long long)(rd->end - at));
    unsigned char block[TAR_BLOCK];
    for (; at < rd->end; at += TAR_BLOCK) {
        size_t n = rd->end - at < TAR_BLOCK ? (size_t)(rd->end - at) : TAR_BLOCK;
        int r = read_at(rd, block, n, at, err);
        if (r < 0)
            return r;
        if (!all_zero(block, n))
            return ags_error_set(err, -EBADMSG, "the archive holds more than '%s' (another "
                                 "member or data at offset %llu)", name, (unsigned long long)at);
    }
    return 0;
}

int tar_read_single_file(int tar_fd, const char *name, uint64_t max, int out_fd,
                         uint64_t *ret_size, struct ags_error *err)
{
    struct stat st;
    if (fstat(tar_fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot inspect the archive: %m");
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "the archive is not a regular file");
    struct reader rd = {.fd = tar_fd, .end = (uint64_t)st.st_size};
    struct pax_override o = {0};
    unsigned char h[TAR_BLOCK];
    uint64_t size = 0;
    int r = find_member(&rd, h, &o, err);
    if (r == 0)
        r = check_member(h, &o, name, err);
    if (r == 0)
        r = member_size(&rd, h, &o, name, max, &size, err);
    free(o.path);
    if (r == 0)
        r = check_trailer(&rd, size, name, err);
    if (r == 0)
        r = copy_data(&rd, size, out_fd, err);
    if (r == 0)
        *ret_size = size;
    return r;
}
