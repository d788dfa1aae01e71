/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Process identity across PID namespaces, boots and machines (procid.h). */
#include "base/procid.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/banned.h"

#define PROC_STAT_MAX 4096u

/* The first 32 hex digits of path's content, dashes skipped; -EINVAL if fewer. */
static int read_hex_id(const char *path, char out[33])
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_file_bounded(path, 256, &buf, &len, NULL);
    if (r < 0)
        return r;
    size_t n = 0;
    for (size_t i = 0; i < len && n < 32; i++) {
        if (isxdigit((unsigned char)buf[i]))
            out[n++] = (char)tolower((unsigned char)buf[i]);
        else if (buf[i] != '-')
            break;
    }
    out[n] = '\0';
    return n == 32 ? 0 : -EINVAL;
}

/*
 * The reader's boot-clock offset in clock ticks: /proc/PID/stat field 22 is
 * shifted by the reading process's time namespace (unshare --time
 * --boottime N), so a start time read there is shifted back to the host's
 * clock, which is what every procid records.  0 without time namespaces;
 * -EPROTO for an offset that is not a whole number of ticks (the kernel
 * rounds after adding it, so the shift back would be off by one).
 */
static int boottime_offset_ticks(int64_t *ret)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    *ret = 0;
    int r = read_file_bounded("/proc/self/timens_offsets", 1024, &buf, &len, NULL);
    if (r == -ENOENT)
        return 0; /* a kernel without time namespaces */
    if (r < 0)
        return r;
    for (const char *line = buf; *line;) {
        char clock[16];
        long long sec = 0;
        long nsec = 0;
        bool boottime = sscanf(line, "%15s %lld %ld", clock, &sec, &nsec) == 3 &&
                        (strcmp(clock, "boottime") == 0 || strcmp(clock, "7") == 0);
        if (boottime) {
            long hz = sysconf(_SC_CLK_TCK);
            long ns_per_tick = hz > 0 ? 1000000000L / hz : 0;
            if (ns_per_tick <= 0 || nsec % ns_per_tick != 0 || sec > INT64_MAX / hz / 2 ||
                sec < INT64_MIN / hz / 2)
                return -EPROTO;
            *ret = (int64_t)sec * hz + nsec / ns_per_tick;
            return 0;
        }
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

int procid_start_time(uint32_t pid, uint64_t *ret)
{
    char path[48];
    (void)snprintf(path, sizeof(path), "/proc/%" PRIu32 "/stat", pid);
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_file_bounded(path, PROC_STAT_MAX, &buf, &len, NULL);
    if (r == -ENOENT || r == -ESRCH)
        return -ESRCH;
    if (r < 0)
        return r;
    /* "pid (comm) state ...": comm may hold spaces and ')'; field 22 is
     * the 20th after the last ')'. */
    const char *p = strrchr(buf, ')');
    for (int field = 2; p && field < 22; field++) {
        p = strchr(p + 1, ' ');
        if (p)
            p += strspn(p, " ") - 1;
    }
    if (!p)
        return -EPROTO;
    char digits[24];
    size_t n = strspn(p + 1, "0123456789");
    if (n == 0 || n >= sizeof(digits))
        return -EPROTO;
    memcpy(digits, p + 1, n);
    digits[n] = '\0';
    uint64_t start = 0;
    int64_t offset = 0;
    if (parse_u64(digits, &start) < 0)
        return -EPROTO;
    r = boottime_offset_ticks(&offset);
    if (r < 0)
        return r;
    /* shifted back: may not go below the boot */
    if ((offset > 0 && start < (uint64_t)offset) || (offset < 0 && start > UINT64_MAX + offset))
        return -EPROTO;
    *ret = start - (uint64_t)offset;
    return 0;
}

int procid_self(struct procid *ret, struct ags_error *err)
{
    struct procid id = {.pid = (uint32_t)getpid()};
    if (read_hex_id("/etc/machine-id", id.machine) < 0)
        id.machine[0] = '\0'; /* a container may lack it: then only the boot id counts */
    int r = read_hex_id("/proc/sys/kernel/random/boot_id", id.boot);
    if (r < 0)
        return ags_error_set(err, r, "cannot read the boot id (/proc/sys/kernel/random/"
                                     "boot_id): %s; nothing can be proven dead", strerror(-r));
    struct stat st;
    if (stat("/proc/self/ns/pid", &st) < 0)
        return ags_error_set(err, -errno, "cannot read /proc/self/ns/pid: %m; nothing can be "
                                          "proven dead");
    id.pidns = (uint64_t)st.st_ino;
    r = procid_start_time(id.pid, &id.start);
    if (r < 0)
        return ags_error_set(err, r, "cannot read /proc/self/stat: %s; nothing can be proven "
                                     "dead", strerror(-r));
    *ret = id;
    return 0;
}

void procid_format(const struct procid *id, char *buf, size_t size)
{
    (void)snprintf(buf, size, "1:%s:%s:%" PRIu64 ":%" PRIu32 ":%" PRIu64,
                   id->machine[0] ? id->machine : "-", id->boot, id->pidns, id->pid, id->start);
}

/* Copies the next ':'-terminated field (or the last one) of *p into out. */
static int next_field(const char **p, char *out, size_t size)
{
    size_t n = strcspn(*p, ":");
    if (n == 0 || n >= size)
        return -EINVAL;
    memcpy(out, *p, n);
    out[n] = '\0';
    *p += n + ((*p)[n] == ':');
    return 0;
}

static bool all_hex(const char *s, size_t want)
{
    return strlen(s) == want && strspn(s, "0123456789abcdef") == want;
}

int procid_parse(const char *text, struct procid *ret)
{
    if (!text || strlen(text) >= PROCID_MAX_TEXT || strncmp(text, "1:", 2) != 0)
        return -EINVAL;
    const char *p = text + 2;
    struct procid id = {0};
    char ns[24], pid[16], start[24];
    if (next_field(&p, id.machine, sizeof(id.machine)) < 0 ||
        next_field(&p, id.boot, sizeof(id.boot)) < 0 || next_field(&p, ns, sizeof(ns)) < 0 ||
        next_field(&p, pid, sizeof(pid)) < 0 || next_field(&p, start, sizeof(start)) < 0 || *p)
        return -EINVAL;
    if (strcmp(id.machine, "-") == 0)
        id.machine[0] = '\0';
    else if (!all_hex(id.machine, 32))
        return -EINVAL;
    if (!all_hex(id.boot, 32) || parse_u64(ns, &id.pidns) < 0 || parse_u32(pid, &id.pid) < 0 ||
        parse_u64(start, &id.start) < 0 || id.pid == 0)
        return -EINVAL;
    *ret = id;
    return 0;
}

enum procid_state procid_owner_state(const struct procid *owner, const struct procid *self,
                                     int (*start_time)(uint32_t pid, uint64_t *ret))
{
    if (strcmp(owner->boot, self->boot) != 0) {
        /* Another boot of this machine: everything of the old boot is gone.
         * Another machine (or an unknown one): nothing can be proven. */
        bool same_machine = owner->machine[0] && strcmp(owner->machine, self->machine) == 0;
        return same_machine ? PROCID_DEAD : PROCID_UNKNOWN;
    }
    if (owner->pidns != self->pidns)
        return PROCID_UNKNOWN; /* its pid means nothing here */
    uint64_t start = 0;
    int r = start_time(owner->pid, &start);
    if (r == -ESRCH)
        return PROCID_DEAD;
    if (r < 0)
        return PROCID_UNKNOWN;
    return start == owner->start ? PROCID_ALIVE : PROCID_DEAD; /* else: the pid was reused */
}

enum procid_state procid_text_state(const char *text, const struct procid *self)
{
    struct procid owner;
    if (procid_parse(text, &owner) < 0)
        return PROCID_UNKNOWN;
    return procid_owner_state(&owner, self, procid_start_time);
}

enum procid_state procid_text_state_in_use(const char *text, const struct procid *self)
{
    struct procid owner;
    if (procid_parse(text, &owner) < 0 || strcmp(owner.boot, self->boot) != 0)
        return PROCID_UNKNOWN;
    return procid_owner_state(&owner, self, procid_start_time);
}

enum procid_state procid_file_state(int dir, const char *rel, const struct procid *self)
{
    _cleanup_free_ char *text = read_own_line_at(dir, rel, PROCID_MAX_TEXT);
    return text ? procid_text_state(text, self) : PROCID_UNKNOWN;
}
