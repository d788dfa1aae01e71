#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ags update-agents against the real sandbox image (issue 12, item 2), as the
# test user: `update-agents pi` installs pi into its fresh pnpm volume and
# `pi --version` then runs in an ordinary `ags --agent pi` sandbox; a second
# update is a no-op that says "up to date"; a package spec that does not
# exist fails pi alone, naming the step, with exit 1, while the agent after
# it is still updated.  Prints the time of each update.
#
# Needs the real image (localhost/ags-sandbox:latest, or AGS_E2E_SANDBOX_IMAGE)
# in the test user's storage: build it as that user with
# tools/build-sandbox-image.sh (or `ags update-image` once it exists).  The
# legacy pi package is pinned: the image's Node 20 runs it (the current pi
# needs Node >= 22.19).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
PI_SPEC=@mariozechner/pi-coding-agent@0.73.1
SECOND=codex

api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage: build it as $USER with tools/build-sandbox-image.sh (containerfile/README.md)"

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags"
write_config() { # PI_SPEC
    cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$SANDBOX_IMAGE"
[update]
pi_spec = "$1"
TOML
}
cd "$WORK" || e2e_abort "cannot enter $WORK"

# pi's and the second agent's volumes: fresh before, gone after.
remove_agent_volumes() {
    remove_volumes_named ags-pi- "ags-$SECOND-"
}
remove_agent_volumes
e2e_defer remove_agent_volumes

timed() { # what, then the command
    local what=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    python3 -c 'import sys; print("timing: %s %.1f s" % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2])))' \
        "$what" "$t0" "$t1"
}

# ---- a fresh install
write_config "$PI_SPEC"
timed "update-agents pi (fresh volume)" run update-agents pi
check_eq "update-agents pi exits 0" 0 "$RUN_RC"
check_match "it says pi went from nothing to 0.73.1" '^pi: not installed -> 0\.73\.1 \([0-9.]+ s\)$' "$RUN_OUT"
check_contains "it says what it installs while it works" "pi: installing $PI_SPEC" "$RUN_ERR"

# ---- pi runs in an ordinary sandbox
timed "ags --agent pi -- --version" run --agent pi -- --version
check_eq "pi --version in the sandbox exits 0" 0 "$RUN_RC"
check_contains "pi --version prints the installed version" "0.73.1" "$RUN_OUT$RUN_ERR"

# ---- a second update is a no-op
timed "update-agents pi (up to date)" run update-agents pi
check_eq "the second update-agents pi exits 0" 0 "$RUN_RC"
check_match "the second says up to date" '^pi: up to date \(0\.73\.1, [0-9.]+ s\)$' "$RUN_OUT"

# ---- a spec that does not exist fails pi only
write_config "@ags-e2e-missing/no-such-package"
timed "update-agents pi $SECOND (pi failing)" run update-agents pi "$SECOND"
check_eq "a failing agent makes update-agents exit 1" 1 "$RUN_RC"
check_match "pi fails at the install step with the registry's word" \
    '^pi: failed at install: .*(404|Not Found|not found|No matching).*$' "$(grep '^pi: ' <<<"$RUN_OUT")"
check_match "$SECOND is still installed after pi failed" \
    "^$SECOND: not installed -> [v0-9][^ ]* \\([0-9.]+ s\\)\$" "$(grep "^$SECOND: " <<<"$RUN_OUT")"
printf '%s\n' "$RUN_OUT"

# ---- pi's volume kept what it had
write_config "$PI_SPEC"
run --agent pi -- --version
check_contains "pi still runs after a failed update" "0.73.1" "$RUN_OUT$RUN_ERR"

e2e_finish
