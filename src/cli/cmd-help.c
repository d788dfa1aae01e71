/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "base/banned.h"

/* The parts of the help around the command list, which comes from the
 * command table (ags_commands: name, summary, args, not_built). */
static const char help_head[] =
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
        "  --detach               start it in the background in tmux (ags attach NAME)\n"
        "  --stop-when-done       with --tmux: the container exits with the agent\n"
        "  --yolo                 disable the ags guards for pi and claude\n"
        "  --root                 run as root inside the sandbox\n"
        "  --lockdown             hardened run for untrusted repositories\n"
        "  -D, --defaults         prepend the agent's default arguments\n"
        "  --config FILE          use FILE as the base config\n"
        "  --backend ENGINE       auto, podman or bwrap ([sandbox].backend)\n"
        "  --connection NAME      the containers.conf service destination ([engine] connection)\n"
        "  --url URI              the Podman service URI (over CONTAINER_HOST)\n"
        "  -d, --add-dir DIR      also mount DIR read-write at the same path (repeatable)\n"
        "  --                     pass everything after it to the agent\n"
        "\n"
        "Commands:\n";

static const char help_tail[] =
        "\n"
        "Other:\n"
        "  -h, --help             show this help\n"
        "  -V, --version          show the version\n"
        "\n"
        "Exit status: the agent's own; 2 for usage and config errors; 125 when ags or\n"
        "Podman fails before the agent runs; 1 when a command fails.\n";

/* The width of the name column, as in the flag lists above, and of a line. */
#define HELP_NAME_WIDTH 22
#define HELP_INDENT     (2 + HELP_NAME_WIDTH + 1)
#define HELP_WIDTH      80

/* "NAME ARGS" below the summary; a line that would pass HELP_WIDTH breaks
 * before a "[" (one optional part stays whole) and goes on further in. */
static void write_args(FILE *out, const struct ags_command *cmd)
{
    int col = fprintf(out, "%*s%s", HELP_INDENT, "", cmd->name);
    for (const char *p = cmd->args; *p;) {
        const char *end = strstr(p + 1, " [");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (col + 1 + (int)len > HELP_WIDTH && *p == '[')
            col = fprintf(out, "\n%*s", HELP_INDENT + 1, "") - 1;
        col += fprintf(out, " %.*s", (int)len, p);
        p += len;
        p += *p == ' ';
    }
    fputc('\n', out);
}

static void write_command(FILE *out, const struct ags_command *cmd)
{
    fprintf(out, "  %-*s %s%s\n", HELP_NAME_WIDTH, cmd->name, cmd->summary,
            cmd->not_built ? "  (not built yet)" : "");
    if (cmd->args)
        write_args(out, cmd);
}

void cli_write_help(FILE *out)
{
    fputs(help_head, out);
    for (size_t i = 0; ags_commands[i]; i++)
        if (!ags_commands[i]->hidden)
            write_command(out, ags_commands[i]);
    fputs(help_tail, out);
}

void cli_print_help(void)
{
    cli_write_help(stdout);
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
