#!/usr/bin/env bash
# The README's main job, run as an unprivileged user by tools/bootstrap.sh run
# (through tests/e2e/run-as-user.sh, which sets AGS_BIN, AGS_E2E_IMAGE,
# AGS_E2E_SCRATCH and a private Podman service): a repository, a config that
# names the small local sandbox image and one secret, `ags plan`, then the
# shell agent in a sandbox: normally, with the secret, and with --lockdown.
# No registry is needed.
# shellcheck disable=SC2016 # the agent scripts expand inside the sandbox
set -euo pipefail

say() { printf '\n==> %s\n' "$*"; }

export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags" "$AGS_E2E_SCRATCH/repo"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[secret]]
env = "DEMO_TOKEN"
from_env = "AGS_DEMO_TOKEN"
TOML
cd "$AGS_E2E_SCRATCH/repo"
git init -q . 2>/dev/null || mkdir -p .git
echo 'hello' >README

say "ags --version"
"$AGS_BIN" --version

say "ags plan --agent shell (what would run, and why)"
"$AGS_BIN" plan --agent shell

say "ags --agent shell: the agent sees the repository and nothing else of the host"
"$AGS_BIN" --agent shell -- -c '
    echo "inside: uid $(id -u), cwd $PWD, AGS_SANDBOX=$AGS_SANDBOX"
    echo "repository: $(ls)"
    echo "capabilities: $(grep CapEff /proc/self/status)"
    echo "written by the agent" >from-the-sandbox'
echo "outside: $(stat -c '%U %n' from-the-sandbox): $(cat from-the-sandbox)"

say "a secret: resolved on the host, handed over as a Podman secret file, never in argv or inspect"
AGS_DEMO_TOKEN=demo-$RANDOM$RANDOM "$AGS_BIN" --agent shell -- -c '
    echo "inside: DEMO_TOKEN has ${#DEMO_TOKEN} characters; /run/secrets holds: $(ls /run/secrets)"'

say "ags --agent shell --lockdown: bounded /tmp, no secrets, no host services"
"$AGS_BIN" --agent shell --lockdown -- -c '
    echo "inside: AGS_LOCKDOWN=$AGS_LOCKDOWN, DEMO_TOKEN=${DEMO_TOKEN:-(not handed over)}"
    df -h /tmp | tail -n 1'

say "the agent's exit status is ags's: ags --agent shell -- -c \"exit 3\""
rc=0
"$AGS_BIN" --agent shell -- -c 'exit 3' || rc=$?
echo "exit status $rc"
[ "$rc" = 3 ]
