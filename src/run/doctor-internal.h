/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Between the files of ags doctor (doctor.h is the interface). */

#include "run/doctor.h"

/* The engine's facts: itself, the image cfg names, each agent's version
 * (doctor-gather-engine.c).  Never starts an engine. */
void doctor_gather_engine(const struct run_doctor_opts *o, const struct ags_config *cfg,
                          struct doctor_facts *f);
/* The same of every other connection of containers.conf (none with
 * o->connection), one after the other, each within DOCTOR_ENGINE_TIMEOUT_MS
 * per request and given up on after its first timeout. */
void doctor_gather_connections(const struct run_doctor_opts *o, const struct ags_config *cfg,
                               struct doctor_facts *f);

/* The version of the package in pkg_dir below the volume's files at
 * mountpoint (doctor-agent-version.c), read without following a link the
 * sandbox may have planted: pnpm's global tree (global/<layout>/
 * node_modules/<pkg>, whose own link into .pnpm is resolved by hand and
 * must stay inside node_modules) or npm's plain one.  -ENOENT: not there. */
int doctor_pnpm_version(const char *mountpoint, const char *package, char *out, size_t size,
                        struct ags_error *err);
int doctor_npm_version(const char *mountpoint, const char *package_dir, char *out, size_t size,
                       struct ags_error *err);
/* rel (a link's target, relative to the directory base below a root) as a
 * path relative to that root: "." and ".." resolved by hand; -EPERM when it
 * leaves the root or is absolute. */
int doctor_link_below(const char *base, const char *target, char **ret);
