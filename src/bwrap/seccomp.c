/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Placeholder until the filter of issue 17 lands (branch i17-seccomp). */
#include "bwrap/seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/banned.h"

int bwrap_seccomp_program(int *ret_fd, struct ags_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return ags_error_set(err, -ENOMEM, "seccomp_init failed");
    int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(kexec_load), 0);
    int fd = memfd_create("ags-seccomp", MFD_CLOEXEC);
    if (r == 0 && fd >= 0)
        r = seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (fd < 0 || r < 0 || lseek(fd, 0, SEEK_SET) < 0) {
        if (fd >= 0)
            (void)close(fd);
        return ags_error_set(err, r < 0 ? r : -EIO, "cannot build the seccomp program");
    }
    *ret_fd = fd;
    return 0;
}
