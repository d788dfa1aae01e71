/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one tar reader: an archive that must hold exactly one regular file,
 * such as the single file Podman's GET /containers/{id}/archive returns.
 * The archive is untrusted (the sandbox chose what the path holds): every
 * header's checksum and octal fields are checked, the file must be a plain
 * regular file under the expected name, no larger than the caller's bound
 * and wholly present, and nothing but zero bytes may follow it.
 *
 * Read: ustar headers (base/tar.h's layout; "ustar" magic, POSIX or GNU),
 * pax extended headers ('x') before the file, whose "path" and "size"
 * records replace the header's fields (other keys are ignored), and pax
 * global headers ('g'), skipped.  Refused: every other entry type (symlink,
 * hard link, directory, device, fifo, GNU long names, sparse files), a size
 * in GNU's base-256 form, more than AGS_TAR_EXT_HEADERS_MAX extended or
 * global headers, one larger than AGS_TAR_PAX_HEADER_MAX, and more than
 * AGS_TAR_TRAILER_MAX bytes after the file.
 */

#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/tar.h"

/* The most bytes an archive that tar_read_single_file accepts holds besides
 * its file's: the pax and global headers before it, its header and padding,
 * and the zeros after it.  A caller that fetches the archive bounds it by
 * the file's bound plus this. */
#define TAR_READ_OVERHEAD_MAX                                                    \
    ((uint64_t)AGS_TAR_EXT_HEADERS_MAX * (TAR_BLOCK + AGS_TAR_PAX_HEADER_MAX) + \
     2u * TAR_BLOCK + AGS_TAR_TRAILER_MAX)

/*
 * Copies the contents of the archive's one member, a regular file whose path
 * is name or "./name", from tar_fd (a regular file, read from offset 0 with
 * pread: its offset does not move) to out_fd (written from its current
 * offset); *ret_size gets the bytes copied.  The archive is checked whole
 * before a byte is copied.  out_fd may be tar_fd itself, at offset 0: the
 * file's bytes then move down over the archive in place, each read before
 * anything is written there (its headers come first); the caller cuts the
 * file to *ret_size.  Errors: -EBADMSG for an archive that is
 * malformed, truncated, empty, names another file, holds something other
 * than a regular file or more than one member; -EFBIG when the file has more
 * than max bytes; a read or write error's -errno (out_fd may then hold part
 * of the file).
 */
int tar_read_single_file(int tar_fd, const char *name, uint64_t max, int out_fd,
                         uint64_t *ret_size, struct ags_error *err) _warn_unused_;
