/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)      __attribute__((cleanup(f)))
#define _printf_(a, b)    __attribute__((format(printf, a, b)))
#define _noreturn_        __attribute__((noreturn))
#define _warn_unused_     __attribute__((warn_unused_result))
#define _unused_          __attribute__((unused))

#define ARRAY_SIZE(a)     (sizeof(a) / sizeof((a)[0]))

/* Hand ownership out of a cleanup-managed local. */
#define TAKE_PTR(v)       __extension__({ __auto_type owned_ = (v); (v) = NULL; owned_; })
#define TAKE_FD(v)        __extension__({ int owned_fd_ = (v); (v) = -EBADF; owned_fd_; })

static inline void freep(void *p)
{
    free(*(void **)p);
}

static inline void closep(const int *fd)
{
    if (*fd >= 0)
        (void)close(*fd);
}

#define _cleanup_free_    _cleanup_(freep)
#define _cleanup_close_   _cleanup_(closep)
