/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Guard assets (agent-assets/, ags-behaviour.md section 2.1 step 4): the Pi
 * guard extension and the Claude guard hook with its plugin, written fresh
 * into the directories the launch plan mounts before every run that uses
 * them, so an agent always runs with the guard this ags ships.
 */

#include "base/error.h"
#include "plan/plan.h"

/* Writes what the plan's agent needs from assets_dir (the installed or source
 * agent-assets directory):
 *   pi, shell: <host of the /home/dev/.pi mount>/agent/extensions/guard.ts
 *              (always) and agent/settings.json (only if missing, 0600);
 *              in lockdown that mount is the staged copy;
 *   claude:    guard.sh, .claude-plugin/plugin.json, skills/guard/SKILL.md
 *              into the source of the hooks mount (unless --yolo).
 * Returns 0, or 1 with *ret_note set (owned) when the Pi guard has nowhere to
 * go (no /home/dev/.pi mount): the caller warns and the run goes on. */
int assets_install(const struct ags_plan *p, const char *assets_dir, char **ret_note,
                   struct ags_error *err) _warn_unused_;

/* The files of assets_install's tables missing or unreadable in assets_dir,
 * NULL-terminated (strv_free; empty when all are there).  For ags doctor. */
char **assets_missing(const char *assets_dir);
