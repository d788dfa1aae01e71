#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ags update-agents against the real sandbox image (issue 12, item 2), as the
# test user.  `update-agents` with no argument updates every agent: with a
# pi_spec that does not exist, pi alone fails (naming the step, exit 1) while
# codex, gemini, opencode and claude go from "not installed" to a version
# each; every one of them then prints that version through an ordinary
# `ags --agent X -- --version` sandbox; a second update is a no-op that says
# "up to date"; a failed update leaves the installed pi working.  Prints the
# time of each update (the closing note's figures).
#
# Needs the real image (AGS_E2E_SANDBOX_IMAGE) in the test user's storage:
# the fixture e2e/update-image builds it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
SANDBOX_IMAGE=${AGS_E2E_SANDBOX_IMAGE:-localhost/ags-sandbox:latest}
LEGACY_PI=@mariozechner/pi-coding-agent@0.73.1
MISSING=@ags-e2e-missing/no-such-package
OTHERS=(codex gemini opencode claude)

api GET "/images/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$SANDBOX_IMAGE")/exists"
[ "$API_STATUS" = 204 ] ||
    e2e_abort "the sandbox image $SANDBOX_IMAGE is not in $USER's storage (e2e/update-image builds it)"

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

# Every agent's volumes: fresh before, gone after.
remove_agent_volumes() {
    remove_volumes_named ags-pi- ags-codex- ags-gemini- ags-opencode- ags-claude-
}
remove_agent_volumes
e2e_defer remove_agent_volumes

timed() { # what, then the command
    local what=$1 t0 t1
    shift
    t0=$(date +%s.%N)
    "$@"
    t1=$(date +%s.%N)
    python3 -c 'import sys; print("# timing: %s %.1f s" % (sys.argv[1], float(sys.argv[3]) - float(sys.argv[2])))' \
        "$what" "$t0" "$t1"
}
line_of() { # AGENT: its line of the last update-agents
    grep "^$1: " <<<"$RUN_OUT"
}

# ---- every agent at once; pi's spec does not exist
write_config "$MISSING"
timed "update-agents (all, fresh volumes, pi failing)" run update-agents
printf '%s\n' "$RUN_OUT" | sed 's/^/# /'
check_eq "a failing agent makes update-agents exit 1" 1 "$RUN_RC"
check_match "pi fails at the install step with the registry's word" \
    '^pi: failed at install: .*(404|Not Found|not found|No matching).*$' "$(line_of pi)"
declare -A VERSION
for a in "${OTHERS[@]}"; do
    check_match "$a goes from nothing to a version although pi failed" \
        "^$a: not installed -> v?[0-9][^ ]* \\([0-9.]+ s\\)\$" "$(line_of "$a")"
    VERSION[$a]=$(line_of "$a" | sed -nE 's/^[a-z]+: not installed -> ([^ ]+) .*/\1/p')
done
check_contains "it says what it installs while it works" "codex: installing @openai/codex" "$RUN_ERR"

# ---- each one runs in an ordinary sandbox
for a in "${OTHERS[@]}"; do
    timed "ags --agent $a -- --version" run --agent "$a" -- --version
    check_eq "$a --version in the sandbox exits 0" 0 "$RUN_RC"
    check_contains "$a --version prints what update-agents installed" \
        "${VERSION[$a]:-no version}" "$RUN_OUT$RUN_ERR"
done

# ---- ags doctor reads each version from the volumes, starting no container
run doctor
for a in "${OTHERS[@]}"; do
    check_match "ags doctor names $a's installed version" \
        "\\[OK\\] $a ${VERSION[$a]:-no version} \\(volume ags-$a-" "$RUN_OUT"
done

# ---- a second update is a no-op
timed "update-agents ${OTHERS[*]} (up to date)" run update-agents "${OTHERS[@]}"
check_eq "the second update-agents exits 0" 0 "$RUN_RC"
for a in "${OTHERS[@]}"; do
    check_match "the second says $a is up to date" \
        "^$a: up to date \\(${VERSION[$a]:-no version}, [0-9.]+ s\\)\$" "$(line_of "$a")"
done

# ---- a failed update leaves an installed agent working
write_config "$LEGACY_PI"
timed "update-agents pi (legacy pin)" run update-agents pi
check_match "pi installs from a pinned spec" '^pi: not installed -> 0\.73\.1 \([0-9.]+ s\)$' "$RUN_OUT"
write_config "$MISSING"
run update-agents pi
check_eq "a failing pi update exits 1" 1 "$RUN_RC"
run --agent pi -- --version
check_contains "pi still runs its installed version after a failed update" "0.73.1" "$RUN_OUT$RUN_ERR"

e2e_finish
