/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the plan*.c files only. */

#include "base/strutil.h"
#include "plan/plan.h"

/* Fixed container paths of the sandbox image (containerfile/Containerfile). */
#define PLAN_GITCONFIG       PLAN_HOME "/.config/ags/gitconfig"
#define PLAN_SSH_SOCK        "/ssh-agent"
#define PLAN_HOST_HINT       "Sandbox: use host.containers.internal (localhost is container-local)."
#define PLAN_HOST_SERVICES   "host.containers.internal"
#define PLAN_HOST_SERVICES_HINT \
    "[ags] Host services: use host.containers.internal (localhost is container-local)"
#define PLAN_ROOT_PROMPT "You have root access. Install any packages you need with apt-get/pip."

struct plan_builder {
    const struct plan_input *in;
    struct ags_plan *p;
    size_t cap_mounts, cap_tmpfs, cap_env, cap_secrets, cap_notes;
    unsigned n_uploads; /* remote: the per-session upload volumes so far */
    struct ags_error *err;
};

/* plan.c */
void plan_note(struct plan_builder *b, const char *fmt, ...) _printf_(2, 3);
/* "config FILE:LINE" or "default"; owned. */
char *plan_cfg_origin(const struct cfg_origin *at);
struct plan_mount *plan_add_mount(struct plan_builder *b, enum plan_mount_type type,
                                  const char *source, const char *destination, bool read_only,
                                  char *origin /* taken */);

/* "config FILE:LINE:COL" or "default"; owned. */
char *plan_cfg_origin_col(const struct cfg_origin *at);

/* network.c: the mode with its origin, the allowlist (agent defaults, config,
 * --allow), and in allowlist mode the egress socket, helper and env. */
int plan_build_network(struct plan_builder *b) _warn_unused_;
void plan_add_egress_mounts(struct plan_builder *b);
void plan_add_egress_env(struct plan_builder *b);
/* The command that starts the forwarder, for the entrypoint (allowlist). */
void plan_put_forwarder(struct strbuf *sb, const struct ags_plan *p);

/* mounts.c: the ordered mount list and the lockdown tmpfs set. */
int plan_build_mounts(struct plan_builder *b) _warn_unused_;

/* remote.c: a remote engine (docs/remote.md).  Refusals of what needs this
 * host (flags, config mounts; then the network mode, then git metadata
 * outside the work dir), and the mounts that differ: the workspace (a bind,
 * or the uploaded workspace volume), a read-only directory of ags's own (a
 * bind, or an uploaded read-only volume) and a read-only host file (a bind,
 * or PLAN_MOUNT_COPY). */
int plan_remote_check(struct plan_builder *b) _warn_unused_;
int plan_remote_check_network(struct plan_builder *b) _warn_unused_;
int plan_remote_check_git(struct plan_builder *b) _warn_unused_;
void plan_add_workspace(struct plan_builder *b);
void plan_add_ro_dir(struct plan_builder *b, const char *dir, const char *destination,
                     const char *origin);
void plan_add_ro_file(struct plan_builder *b, const char *file, const char *destination,
                      char *origin /* taken */);

/* places.c: places never mounted, and the git metadata mounts. */
/* Why path may not be mounted (owned), or NULL. */
char *plan_refusal(const struct plan_host *h, const char *path);
/* plan_refusal's answer for the own directories that hold sockets only
 * (the runtime directory): what even a read-only mount must not reach. */
char *plan_socket_refusal(const struct plan_host *h, const char *path);
int plan_check_workspace(struct plan_builder *b) _warn_unused_;
int plan_add_git_dirs(struct plan_builder *b) _warn_unused_;

/* env.c: environment and secret references (needs the mounts). */
void plan_build_env(struct plan_builder *b);
/* value NULL: taken by name from the host at run time. */
void plan_add_env(struct plan_builder *b, const char *name, const char *value,
                  const char *origin);

/* entry.c: agent profile and the bash entrypoint. */
void plan_build_entrypoint(struct plan_builder *b);
/* Container name ags-<slug>-<4 hex> from the workdir (worktree: main repo). */
char *plan_container_name(const char *cwd, const char *git_dir, const char *git_common_dir,
                          uint16_t rand16);
