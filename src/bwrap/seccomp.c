/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox's seccomp program as a sealed memory file for bwrap.  The
 * program was compiled at build time (gen/seccomp-build.c, docs/bwrap.md
 * "Seccomp"): libseccomp takes 20-120 ms to compile it, this takes
 * microseconds.
 */
#include "bwrap/seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bwrap/seccomp-program.h"
#include "base/banned.h"

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int bwrap_seccomp_program(int *ret_fd, struct ags_error *err)
{
    _cleanup_close_ int fd = memfd_create("ags-seccomp", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0)
        return ags_error_set(err, -errno, "seccomp: memfd_create: %m");
    int r = write_all(fd, bwrap_seccomp_program_bytes, bwrap_seccomp_program_size);
    if (r < 0)
        return ags_error_set(err, r, "seccomp: cannot write the program");
    /* Sealed: the fd travels to bwrap; nothing may change the program on the way. */
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
        return ags_error_set(err, -errno, "seccomp: cannot seal the program: %m");
    if (lseek(fd, 0, SEEK_SET) < 0)
        return ags_error_set(err, -errno, "seccomp: lseek: %m");
    *ret_fd = TAKE_FD(fd);
    return 0;
}
