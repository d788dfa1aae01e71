/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Host paths a plan marks for creation (plan_mount.create), made the same way
 * by every backend's prepare (internal to src/backend). */

#include "base/error.h"
#include "plan/plan.h"

/* Creates m->source as the directory or the empty file m->create asks for,
 * with its missing parents; an existing one is kept. */
int backend_create_host_path(const struct plan_mount *m, struct ags_error *err) _warn_unused_;
