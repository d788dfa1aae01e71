/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/config.h"

#include "base/alloc.h"
#include "base/banned.h"

/* Written to <XDG config>/ags/config.toml on first run.  Everything not named
 * here has a documented default (docs/config.md). */
const char config_default_text[] =
        "# ags configuration, created on first run.\n"
        "# Every key is described in docs/config.md; config/config.example.toml in the\n"
        "# ags sources shows them all.  `ags config show` prints the effective values\n"
        "# and where each one came from.\n"
        "\n"
        "[sandbox]\n"
        "image = \"localhost/ags-sandbox:latest\"\n"
        "# Host variables handed to the agent (as ephemeral secrets, never in argv):\n"
        "# passthrough_env = [\"ANTHROPIC_API_KEY\", \"OPENAI_API_KEY\"]\n"
        "\n"
        "# Agent homes, mounted read-write into the sandbox (uncomment what you use):\n"
        "# [[agent_mount]]\n"
        "# host = \"~/.pi\"\n"
        "# container = \"/home/dev/.pi\"\n"
        "#\n"
        "# [[agent_mount]]\n"
        "# host = \"~/.claude\"\n"
        "# container = \"/home/dev/.claude\"\n";

static char *config_dir(const struct cfg_host *host)
{
    if (host->xdg_config && host->xdg_config[0] == '/')
        return xasprintf("%s/ags", host->xdg_config);
    return xasprintf("%s/.config/ags", host->home ? host->home : "");
}

char *config_default_path(const struct cfg_host *host)
{
    _cleanup_free_ char *dir = config_dir(host);
    return xasprintf("%s/config.toml", dir);
}

char *config_trust_store_path(const struct cfg_host *host)
{
    _cleanup_free_ char *dir = config_dir(host);
    return xasprintf("%s/trusted-overlays", dir);
}
