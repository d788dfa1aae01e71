/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox's seccomp filter, compiled by libseccomp at build time
 * (seccomp-gen.c; docs/bwrap.md "Seccomp"): containers-common's default
 * profile for a process without capabilities (names in seccomp-table.c), its
 * argument rules written so the kernel's view of a 32-bit argument decides,
 * and TIOCSTI/TIOCLINUX denied.  Compiling takes libseccomp 20-120 ms, too
 * long for every run; the program ags carries is the output of this code.
 */
#include "bwrap/gen/seccomp-build.h"

#include <errno.h>
#include <linux/netlink.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>

#include "bwrap/gen/seccomp-table.h"
#include "base/banned.h"

/* The native architecture and those a native process can also call the kernel
 * as, as Podman's archMap has them (a 32-bit syscall must meet the same
 * rules); any other kills the process. */
#if defined(__x86_64__)
static const uint32_t arches[] = {SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
static const uint32_t arches[] = {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM};
#else
#error "the seccomp filter knows the sub-architectures of x86_64 and aarch64 only"
#endif

/* personality(2) values the profile allows: Linux, its 32-bit flavour, each
 * with the 2.6-uname flag, and 0xffffffff, which only asks for the current one. */
static const uint64_t personality_allowed[] = {
    PER_LINUX, PER_LINUX32, UNAME26, UNAME26 | PER_LINUX32, 0xffffffffu,
};

/* ioctl requests that push input into a terminal (TIOCSTI; TIOCLINUX's paste
 * on a virtual console): no agent needs them, and a sandbox holding the
 * user's terminal could type into the shell after ags exits. */
static const uint32_t ioctl_denied[] = {TIOCSTI, TIOCLINUX};

static const uint32_t socket_domain_audit[] = {AF_NETLINK};
static const uint32_t socket_protocol_audit[] = {NETLINK_AUDIT};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
    if (*ctx)
        seccomp_release(*ctx);
}

size_t bwrap_seccomp_arches(const uint32_t **ret)
{
    *ret = arches;
    return ARRAY_SIZE(arches);
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n_cmp,
                    const struct scmp_arg_cmp *cmp, struct ags_error *err)
{
    int r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
    if (r < 0) {
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        return ags_error_set(err, r, "seccomp: cannot add a rule for %s: %s",
                             name ? name : "a syscall", strerror(-r));
    }
    return 0;
}

/* Names libseccomp does not know (a newer profile's) are left to the default
 * action, which denies them. */
static int add_names(scmp_filter_ctx ctx, const struct bwrap_seccomp_names *t, uint32_t action,
                     struct ags_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        int nr = seccomp_syscall_resolve_name(t->names[i]);
        if (nr == __NR_SCMP_ERROR)
            continue;
        int r = add_rule(ctx, action, nr, 0, NULL, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int add_personality(scmp_filter_ctx ctx, struct ags_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(personality_allowed); i++) {
        struct scmp_arg_cmp eq = SCMP_CMP64(0, SCMP_CMP_EQ, personality_allowed[i], 0);
        int r = add_rule(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1, &eq, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static bool any_has_prefix(const uint32_t *values, size_t n, uint32_t mask, uint32_t prefix)
{
    for (size_t i = 0; i < n; i++)
        if ((values[i] & mask) == prefix)
            return true;
    return false;
}

/*
 * Allows syscall nr when the low 32 bits of argument arg are none of deny[],
 * whatever the upper 32 bits: the kernel reads an int or unsigned int
 * argument from the low half only, so a rule comparing all 64 bits ("!= X")
 * would let X with a bit set above pass as X.  libseccomp has no masked
 * "not equal", and gives rules of different actions that overlap no defined
 * order; so the allowed values are covered by rules that never match a
 * denied one: walking the bits from the top, every branch that no denied
 * value starts with is one masked comparison ("the top k bits are P").
 */
static int allow_low32_except(scmp_filter_ctx ctx, int nr, unsigned arg, const uint32_t *deny,
                              size_t n, uint32_t prefix, unsigned bits, struct ags_error *err)
{
    unsigned shift = 31 - bits;
    uint32_t mask = (uint32_t)(0xffffffffu << shift);
    for (uint32_t bit = 0; bit < 2; bit++) {
        uint32_t next = prefix | (bit << shift);
        int r = 0;
        if (!any_has_prefix(deny, n, mask, next)) {
            struct scmp_arg_cmp cmp = SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, mask, next);
            r = add_rule(ctx, SCMP_ACT_ALLOW, nr, 1, &cmp, err);
        } else if (shift > 0) {
            r = allow_low32_except(ctx, nr, arg, deny, n, next, bits + 1, err);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

static struct scmp_arg_cmp low32_eq(unsigned arg, uint32_t value)
{
    return (struct scmp_arg_cmp)SCMP_CMP64(arg, SCMP_CMP_MASKED_EQ, 0xffffffffu, value);
}

static int add_ioctl(scmp_filter_ctx ctx, struct ags_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(ioctl_denied); i++) {
        struct scmp_arg_cmp cmp = low32_eq(1, ioctl_denied[i]);
        int r = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1, &cmp, err);
        if (r < 0)
            return r;
    }
    return allow_low32_except(ctx, SCMP_SYS(ioctl), 1, ioctl_denied, ARRAY_SIZE(ioctl_denied), 0,
                              0, err);
}

/* The profile's rule for a process without CAP_AUDIT_WRITE: no audit socket
 * (EINVAL), every other socket. */
static int add_socket(scmp_filter_ctx ctx, struct ags_error *err)
{
    const struct scmp_arg_cmp audit[] = {low32_eq(0, AF_NETLINK), low32_eq(2, NETLINK_AUDIT)};
    int r = add_rule(ctx, SCMP_ACT_ERRNO(EINVAL), SCMP_SYS(socket), ARRAY_SIZE(audit), audit, err);
    if (r >= 0)
        r = allow_low32_except(ctx, SCMP_SYS(socket), 0, socket_domain_audit,
                               ARRAY_SIZE(socket_domain_audit), 0, 0, err);
    if (r >= 0)
        r = allow_low32_except(ctx, SCMP_SYS(socket), 2, socket_protocol_audit,
                               ARRAY_SIZE(socket_protocol_audit), 0, 0, err);
    return r;
}

static int add_arches(scmp_filter_ctx ctx, struct ags_error *err)
{
    for (size_t i = 1; i < ARRAY_SIZE(arches); i++) {
        int r = seccomp_arch_add(ctx, arches[i]);
        if (r < 0 && r != -EEXIST)
            return ags_error_set(err, r, "seccomp: cannot add a sub-architecture: %s",
                                 strerror(-r));
    }
    return 0;
}

/* Unknown syscalls look unimplemented (ENOSYS), as under Podman: a program
 * falls back to an older call instead of failing on EPERM. */
static int build(scmp_filter_ctx *ret, struct ags_error *err)
{
    _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
    if (!ctx)
        return ags_error_set(err, -ENOMEM, "seccomp: cannot create a filter");
    int r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    if (r < 0)
        return ags_error_set(err, r, "seccomp: cannot set the bad-architecture action");
    /* A binary search over the syscall numbers instead of a linear list: every
     * syscall of the sandbox runs the program. */
    r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    if (r < 0)
        return ags_error_set(err, r, "seccomp: cannot ask for a binary-tree filter");
    r = add_arches(ctx, err);
    if (r >= 0)
        r = add_names(ctx, &bwrap_seccomp_allowed, SCMP_ACT_ALLOW, err);
    if (r >= 0)
        r = add_names(ctx, &bwrap_seccomp_allowed_arch, SCMP_ACT_ALLOW, err);
    if (r >= 0)
        r = add_names(ctx, &bwrap_seccomp_denied_eperm, SCMP_ACT_ERRNO(EPERM), err);
    if (r >= 0)
        r = add_personality(ctx, err);
    if (r >= 0)
        r = add_socket(ctx, err);
    if (r >= 0)
        r = add_ioctl(ctx, err);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(ctx);
    return 0;
}

int bwrap_seccomp_build(int fd, struct ags_error *err)
{
    _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
    int r = build(&ctx, err);
    if (r < 0)
        return r;
    r = seccomp_export_bpf(ctx, fd);
    if (r < 0)
        return ags_error_set(err, r, "seccomp: cannot export the program: %s", strerror(-r));
    return 0;
}
