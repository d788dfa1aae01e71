/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Who owns a container, a secret or a staging directory, in a form that
 * still means something in another PID namespace (Flatpak, toolbox), after a
 * reboot, or on another machine sharing a remote engine: the sweep removes
 * only what it can prove dead (docs/security.md, "Sweeping").
 *
 * The text form (label ags.owner, the staging dir's owner file) is
 *   1:<machine-id or ->:<boot id>:<pid namespace inode>:<pid>:<start time>
 * with the boot id's 32 hex digits (no dashes) and the start time of
 * /proc/<pid>/stat field 22 (clock ticks after boot, on the host's boot clock:
 * a reader in a time namespace shifts it back by its boottime offset).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define PROCID_MAX_TEXT 128u

struct procid {
    char machine[33]; /* /etc/machine-id; "" if unknown */
    char boot[33];    /* /proc/sys/kernel/random/boot_id without dashes */
    uint64_t pidns;   /* inode of /proc/self/ns/pid */
    uint32_t pid;
    uint64_t start;   /* clock ticks after boot */
};

enum procid_state {
    PROCID_ALIVE,   /* the owner runs: keep */
    PROCID_DEAD,    /* proven gone: same boot and PID namespace, pid gone or reused; or the
                       same machine booted since */
    PROCID_UNKNOWN, /* cannot tell (another machine or PID namespace, unreadable): keep */
};

/* This process.  Fails when /proc or the boot id cannot be read: then nothing
 * can be proven dead. */
int procid_self(struct procid *ret, struct ags_error *err) _warn_unused_;
/* The text form into buf (PROCID_MAX_TEXT bytes suffice). */
void procid_format(const struct procid *id, char *buf, size_t size);
/* 0, or -EINVAL for anything but the text form above (old labels included). */
int procid_parse(const char *text, struct procid *ret) _warn_unused_;
/* The start time of pid in our PID namespace: 0, -ESRCH if there is none,
 * another -errno if /proc cannot tell. */
int procid_start_time(uint32_t pid, uint64_t *ret) _warn_unused_;

/* The decision, with the start-time lookup as a parameter (tests fake it). */
enum procid_state procid_owner_state(const struct procid *owner, const struct procid *self,
                                     int (*start_time)(uint32_t pid, uint64_t *ret));
/* procid_parse + procid_owner_state with /proc: an unparsable text is UNKNOWN. */
enum procid_state procid_text_state(const char *text, const struct procid *self);
/* The state of the owner that the file rel in dir names (a regular file of
 * ours, not a symlink, in the text form): PROCID_UNKNOWN without one. */
enum procid_state procid_file_state(int dir, const char *rel, const struct procid *self);
/* The same for something still in use (a running container, or a secret a
 * running container carries): only the pid proof counts; another boot is
 * UNKNOWN, because cloned VMs sharing an engine and systemd-nspawn
 * containers have the same machine id and their own boot ids. */
enum procid_state procid_text_state_in_use(const char *text, const struct procid *self);
