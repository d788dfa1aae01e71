#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # sandbox scripts expand inside
# The job users come for (issue 12): `ags update-agents pi` installs the
# current pi into its fresh volume in the real sandbox image, then
# `ags --agent pi -- -p ...` gets an answer from an OpenAI-compatible server
# on the host's loopback (openai-fixture.py, 127.0.0.1 only).  The server
# answers only the bearer key that ags hands over as a secret, with a random
# nonce that pi must print; pi is configured through its own models.json in
# the ~/.pi that ags mounts.  Install, mounts, secrets and the network
# together.  A wrong key gets no answer (the server refuses it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3
FIXTURE=$(dirname "$AGS_BIN")/openai-fixture.py
[ -f "$FIXTURE" ] || e2e_abort "openai-fixture.py missing beside ags (AGS_E2E_EXTRA_BINS)"
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage (e2e/update-image builds it)"

WORK=$AGS_E2E_SCRATCH/repo
PI_HOME=$AGS_E2E_SCRATCH/pi-home
SRV=$E2E_TMP/fixture
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$PI_HOME/agent" "$SRV"
cd "$WORK" || e2e_abort "cannot enter $WORK"

remove_volumes_named ags-pi-
e2e_defer 'remove_volumes_named ags-pi-'

KEY=key-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
NONCE=nonce-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$KEY" >"$SRV/key"
printf '%s\n' "$NONCE" >"$SRV/nonce"
python3 "$FIXTURE" "$SRV" >"$SRV/log" 2>&1 &
e2e_defer "kill $!"
for _ in $(seq 100); do [ -s "$SRV/port" ] && break; sleep 0.1; done
PORT=$(cat "$SRV/port" 2>/dev/null)
[ -n "$PORT" ] || e2e_abort "the fixture server did not start: $(cat "$SRV/log")"

cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$SANDBOX_IMAGE"

[network]
host_loopback = true

[[agent_mount]]
host = "$PI_HOME"
container = "/home/dev/.pi"

[[secret]]
env = "AGS_FIXTURE_KEY"
from_env = "AGS_E2E_PI_KEY"
TOML

# ---- install the current pi (the default [update].pi_spec)
t0=$(date +%s)
run update-agents pi
echo "# update-agents pi (fresh volume): $(($(date +%s) - t0)) s"
check_eq "update-agents pi exits 0" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 30 >&2
check_match "it says pi went from nothing to a version" \
    '^pi: not installed -> [0-9]+\.[0-9]+\.[0-9]+ \([0-9.]+ s\)$' "$RUN_OUT"
VERSION=$(sed -nE 's/^pi: not installed -> ([^ ]+) .*/\1/p' <<<"$RUN_OUT")
run doctor
check_contains "ags doctor reads pi's version from its volume (no container)" \
    "[OK] pi ${VERSION:-?} (volume ags-pi-pnpm-home)" "$RUN_OUT"
run --agent pi -- --version
check_eq "pi --version exits 0" 0 "$RUN_RC"
check_contains "pi --version prints what update-agents installed" "${VERSION:-?}" "$RUN_OUT$RUN_ERR"

# ---- pi's provider: the fixture, at the sandbox's address of the host's loopback
run --agent shell -- -c 'printf "%s\n" "$AGS_HOST_LOOPBACK"'
HOST=$RUN_OUT
check_match "the sandbox names the host's loopback" '^[0-9.]+$' "$HOST"
cat >"$PI_HOME/agent/models.json" <<JSON
{
  "providers": {
    "ags-fixture": {
      "baseUrl": "http://$HOST:$PORT/v1",
      "api": "openai-completions",
      "apiKey": "\$AGS_FIXTURE_KEY",
      "models": [{ "id": "ags-fixture-model" }]
    }
  }
}
JSON
PI_ARGS=(--provider ags-fixture --model ags-fixture-model -p "Reply with the nonce.")

# ---- the key as an ags secret: pi prints the fixture's nonce
t0=$(date +%s)
AGS_E2E_PI_KEY=$KEY run --agent pi -- "${PI_ARGS[@]}"
echo "# ags --agent pi -p (answered): $(($(date +%s) - t0)) s"
check_eq "pi -p exits 0" 0 "$RUN_RC"
check_contains "pi prints the nonce the fixture answered" "$NONCE" "$RUN_OUT"
[ "$RUN_RC" = 0 ] || printf '%s\n' "$RUN_ERR" | tail -n 20 >&2
check_contains "the fixture served pi's request with the right key" \
    "POST /v1/chat/completions 200" "$(cat "$SRV/requests" 2>/dev/null)"
check_lacks "the key is not in pi's home (it came as a secret)" "$KEY" \
    "$(cat "$PI_HOME"/agent/*.json 2>/dev/null)"

# ---- a wrong key: the fixture refuses, pi has no nonce to print
: >"$SRV/requests"
AGS_E2E_PI_KEY=wrong-$KEY run --agent pi -- "${PI_ARGS[@]}"
check_match "with a wrong key pi fails" '^[1-9][0-9]*$' "$RUN_RC"
check_lacks "with a wrong key no nonce is printed" "$NONCE" "$RUN_OUT$RUN_ERR"
check_contains "the fixture refused the wrong key" "POST /v1/chat/completions 401" \
    "$(cat "$SRV/requests" 2>/dev/null)"

e2e_finish
