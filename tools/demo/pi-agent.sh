#!/usr/bin/env bash
# The README's main job, part two (after shell-agent.sh), run as an
# unprivileged user by tools/bootstrap.sh run through tests/e2e/run-as-user.sh
# (AGS_BIN, AGS_E2E_SCRATCH and a private Podman service): the real sandbox
# image built with `ags update-image` (no registry: a Debian base from
# mmdebstrap), pi installed with `ags update-agents pi`, then
# `ags --agent pi -p` answering a one-line prompt.
#
# A fresh machine has no model provider account, so pi talks to a small
# OpenAI-compatible server on the host's loopback (openai-fixture.py, copied
# beside ags through AGS_E2E_EXTRA_BINS): it answers only the API key that ags
# hands over as a secret, with a random nonce.  pi reaches it because the
# config opens the host's loopback ([network] host_loopback) and reads its
# provider from its own models.json in the ~/.pi that ags mounts; with a real
# provider you would put its key in a [[secret]] the same way.
# shellcheck disable=SC2016 # the agent scripts expand inside the sandbox
set -euo pipefail

say() { printf '\n==> %s\n' "$*"; }

FIXTURE=$(dirname "$AGS_BIN")/openai-fixture.py
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config-pi
PI_HOME=$AGS_E2E_SCRATCH/pi-home
SRV=$AGS_E2E_SCRATCH/fixture
mkdir -p "$XDG_CONFIG_HOME/ags" "$PI_HOME/agent" "$SRV" "$AGS_E2E_SCRATCH/repo-pi"
cd "$AGS_E2E_SCRATCH/repo-pi"
git init -q . 2>/dev/null || mkdir -p .git

cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "localhost/ags-sandbox:latest"

[network]
host_loopback = true

[[agent_mount]]
host = "$PI_HOME"
container = "/home/dev/.pi"

[[secret]]
env = "DEMO_PROVIDER_KEY"
from_env = "AGS_DEMO_PROVIDER_KEY"
TOML

say "ags update-image: the sandbox image, built in process (Debian base from mmdebstrap, Node 22, the host's CAs)"
t0=$(date +%s)
"$AGS_BIN" update-image
echo "(update-image took $(($(date +%s) - t0)) s)"

say "ags update-agents pi: pi into its own volume, scripts off, verified"
"$AGS_BIN" update-agents pi

say "a model provider for the demo: an OpenAI-compatible server on 127.0.0.1 only"
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$SRV/key"
printf 'demo-%s\n' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$SRV/nonce"
python3 "$FIXTURE" "$SRV" >"$SRV/log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$SRV/port" ] && break; sleep 0.1; done
[ -s "$SRV/port" ] || { echo "the demo server did not start" >&2; exit 1; }
host=$("$AGS_BIN" --agent shell -- -c 'printf %s "$AGS_HOST_LOOPBACK"' </dev/null)
cat >"$PI_HOME/agent/models.json" <<JSON
{
  "providers": {
    "demo": {
      "baseUrl": "http://$host:$(cat "$SRV/port")/v1",
      "api": "openai-completions",
      "apiKey": "\$DEMO_PROVIDER_KEY",
      "models": [{ "id": "ags-fixture-model" }]
    }
  }
}
JSON
echo "the sandbox reaches it at http://$host:$(cat "$SRV/port")/v1; the key travels as an ags secret"

say "ags --agent pi -- --provider demo --model ags-fixture-model -p \"What is the nonce?\""
answer=$(AGS_DEMO_PROVIDER_KEY=$(cat "$SRV/key") "$AGS_BIN" --agent pi -- \
    --provider demo --model ags-fixture-model -p "What is the nonce?" </dev/null)
printf 'pi: %s\n' "$answer"
grep -qF "$(cat "$SRV/nonce")" <<<"$answer"
echo "pi answered through ags with the server's nonce"
