/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one tar writer: podman's build contexts (reproducible: owner 0:0,
 * mtime 0, ustar only) and a remote run's workspace (modes, mtimes, one
 * fixed owner, long names and sizes through pax records).
 *
 * What goes in: regular files, directories and symbolic links (stored as
 * links, never followed).  Paths are relative, '/'-separated, a directory's
 * ends in '/'.  A path fits the ustar header when it is at most 100 bytes, or
 * splits at a '/' into a prefix of at most 155 and a name of at most 100; a
 * link target when it is at most 100 bytes; a size below 8 GiB.  Beyond that,
 * a writer with `pax` set writes a pax extended header (POSIX.1-2001, type
 * 'x': path, linkpath, size) before the entry, which GNU tar, Go's
 * archive/tar (Podman) and Python's tarfile read; one without it refuses the
 * entry, naming it.
 *
 * Everything is bounded: the bytes of the archive (max, -EFBIG) and the
 * number of entries (max_entries, -E2BIG).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/error.h"

#define TAR_BLOCK        512u
#define TAR_NAME_LEN     100u
#define TAR_PREFIX_LEN   155u
/* A path or link target of a pax record: PATH_MAX, which no file system path exceeds. */
#define TAR_PAX_PATH_MAX 4096u

/* Where the fields of a ustar header are (the writer fills them, the
 * reader, base/tar-read.h, checks them). */
#define TAR_OFF_NAME     0u   /* TAR_NAME_LEN bytes */
#define TAR_OFF_MODE     100u /* 8 bytes octal */
#define TAR_OFF_UID      108u
#define TAR_OFF_GID      116u
#define TAR_OFF_SIZE     124u /* 12 bytes octal */
#define TAR_SIZE_LEN     12u
#define TAR_OFF_MTIME    136u
#define TAR_OFF_CHKSUM   148u /* 8 bytes: 6 octal digits, NUL, blank */
#define TAR_CHKSUM_LEN   8u
#define TAR_OFF_TYPE     156u
#define TAR_OFF_LINKNAME 157u /* TAR_NAME_LEN bytes */
#define TAR_OFF_MAGIC    257u /* "ustar" */
#define TAR_OFF_VERSION  263u
#define TAR_OFF_PREFIX   345u /* TAR_PREFIX_LEN bytes */

enum tar_type {
    TAR_FILE = '0',
    TAR_SYMLINK = '2',
    TAR_DIR = '5',
};

struct tar_entry {
    const char *path;     /* relative; a directory's ends in '/' */
    enum tar_type type;
    uint32_t mode;        /* the permission bits are kept (& 07777) */
    uint64_t size;        /* TAR_FILE: the bytes that follow */
    int64_t mtime;        /* seconds since the epoch; before it is stored as 0 */
    const char *linkname; /* TAR_SYMLINK: the target, as read */
};

struct tar_writer {
    int fd;
    uint64_t size, max;
    size_t entries, max_entries;
    uint32_t uid, gid; /* the owner of every entry */
    bool pax;          /* long paths, link targets and sizes as pax records */
    const char *what;  /* names the archive in messages ("the build context 'x'") */
    unsigned char *buf;
    size_t buf_len;
};

/* The checksum of a header: the sum of its bytes as unsigned, the
 * checksum field itself counted as blanks (what ustar stores). */
unsigned tar_checksum(const unsigned char hdr[TAR_BLOCK]);

/* A writer to fd (not owned).  Free its buffer with tar_writer_done.  fd < 0:
 * a measuring writer, which writes and reads nothing and only counts what
 * the archive would take (w->size): the bound is checked before a byte is
 * written anywhere. */
void tar_writer_init(struct tar_writer *w, int fd, uint64_t max, size_t max_entries,
                     const char *what);
void tar_writer_done(struct tar_writer *w);

/* Fills one 512-byte ustar header for e, owned by uid:gid.  -ENAMETOOLONG
 * when the path or link target does not fit, -EFBIG when the size does not
 * (err names it). */
int tar_header(unsigned char hdr[TAR_BLOCK], const struct tar_entry *e, uint32_t uid,
               uint32_t gid, struct ags_error *err) _warn_unused_;

/* The header of e (after its pax header when it needs one and w->pax).  A
 * TAR_FILE's e->size bytes must follow through tar_put_data. */
int tar_put_entry(struct tar_writer *w, const struct tar_entry *e, struct ags_error *err)
        _warn_unused_;
/* The header of e and the contents of fd, which st described when the file was
 * chosen: a file replaced or resized since (another inode, another size) is
 * -EAGAIN, so the archive never holds something other than what was listed.
 * shown names the file in messages.  A measuring writer reads nothing (fd
 * may be -1) and counts st's size. */
int tar_put_file(struct tar_writer *w, const struct tar_entry *e, int fd, const struct stat *st,
                 const char *shown, struct ags_error *err) _warn_unused_;
/* The symlink name in dfd as e (e->linkname is read from it, never
 * followed): a target longer than the writer takes (TAR_NAME_LEN, or
 * TAR_PAX_PATH_MAX with pax) is -ENAMETOOLONG naming shown. */
int tar_put_symlink_at(struct tar_writer *w, int dfd, const char *name, const struct tar_entry *e,
                       const char *shown, struct ags_error *err) _warn_unused_;
/* The two zero blocks that end an archive, and everything flushed to fd. */
int tar_finish(struct tar_writer *w, struct ags_error *err) _warn_unused_;
