/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "cli/cli.h"
#include "base/banned.h"

/* The whole command surface; commands that are not built yet are marked, and say
 * so when called. */
static const char help_text[] =
        "ags - run AI coding agents in rootless sandboxes\n"
        "\n"
        "Usage:\n"
        "  ags --agent AGENT [run flags] [-- AGENT-ARGS...]\n"
        "  ags COMMAND [flags]\n"
        "\n"
        "Agents: pi, claude, codex, gemini, opencode, shell\n"
        "\n"
        "Run flags:\n"
        "  --agent AGENT          which agent to launch (required)\n"
        "  --tmux                 run the agent inside tmux session 'ags'\n"
        "  --stop-when-done       with --tmux: the container exits with the agent\n"
        "  --yolo                 disable the ags guards for pi and claude\n"
        "  --root                 run as root inside the sandbox\n"
        "  --lockdown             hardened run for untrusted repositories\n"
        "  -D, --defaults         prepend the agent's default arguments\n"
        "  --config FILE          use FILE as the base config\n"
        "  -d, --add-dir DIR      also mount DIR read-write at the same path (repeatable)\n"
        "  --                     pass everything after it to the agent\n"
        "\n"
        "Commands:\n"
        "  setup                  store the secret_store secrets in the desktop keyring\n"
        "  doctor                 check the host, config, image and secrets  (not built yet)\n"
        "  update-image           rebuild the sandbox image  [--keep-existing]  (not built yet)\n"
        "  update-agents          install or update the agent CLIs  (not built yet)\n"
        "  install                install ags assets  (not built yet)\n"
        "                         [--link-self] [--force] [--add-agent-mounts]\n"
        "  uninstall              remove installed assets  (not built yet)\n"
        "  create-aliases         write wrapper scripts or shell aliases  (not built yet)\n"
        "                         [--shell fish|zsh|bash] [--mode wrappers|aliases|both] [--force]\n"
        "  completions            print a completion script  --shell fish|zsh|bash  (not built yet)\n"
        "  config show            print the effective config with provenance  [--config FILE] [--json]\n"
        "  plan                   print the launch plan for a run  (run flags) [--json]\n"
        "\n"
        "Other:\n"
        "  -h, --help             show this help\n"
        "  -V, --version          show the version\n"
        "\n"
        "Exit status: the agent's own; 2 for usage and config errors; 125 when ags or\n"
        "Podman fails before the agent runs; 1 when a command fails.\n";

void cli_print_help(void)
{
    fputs(help_text, stdout);
}

static int help_run(int argc _unused_, char **argv _unused_)
{
    cli_print_help();
    return AGS_EXIT_OK;
}

const struct ags_command cmd_help = {
    .name = "help",
    .summary = "show help",
    .hidden = true,
    .run = help_run,
};
