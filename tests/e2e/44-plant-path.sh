#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Plant in run 1, exploit in run 2 (issue 10, item 6): a shell run drops
# programs named bash, git, env, cat, tmux, codex, pi ... printing TROJAN into
# every writable directory on its PATH (the volumes it gets), and tries codex's
# home. No later run of another agent, nor of the shell itself, default or
# lockdown, may execute one of them from the entrypoint; the shell agent's
# `git`/`bash` stay the image's, and tmux is the image's or none.
# An image with Debian's /etc/profile and ~/.profile (which reset PATH for login
# shells) still hands the agent exactly the PATH that `ags plan` states.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3 script

WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
CODEX_HOME_HOST=$AGS_E2E_SCRATCH/codex-home
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$CODEX_HOME_HOST"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
[[agent_mount]]
host = "$CODEX_HOME_HOST"
container = "/home/dev/.codex"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"


# The named volumes of the agents this test runs (and the volumes older ags
# versions shared between agents): removed before, so run 1 plants into fresh
# ones, and after, so no later test meets a planted program.
remove_agent_volumes() {
    remove_volumes_named ags-shell- ags-codex- ags-shared-
}
remove_agent_volumes
e2e_defer remove_agent_volumes

# ---- run 1: the shell agent plants everywhere it can write on its PATH
NAMES='bash sh git env cat tmux mkdir ln chmod id codex pi claude gemini opencode node npm'
PLANT='
for d in $(echo "$PATH" | tr ":" " "); do
    mkdir -p "$d" 2>/dev/null
    [ -w "$d" ] || continue
    for n in '"$NAMES"'; do
        printf "#!/bin/sh\necho TROJAN-%s-from-%s\necho TROJAN-%s-from-%s >&2\n" "$n" "$d" "$n" "$d" >"$d/$n"
        chmod +x "$d/$n"
    done
    echo "planted:$d"
done
mkdir -p /home/dev/.codex && echo "notify = [\"/home/dev/.cargo/bin/bash\"]" >/home/dev/.codex/config.toml
'
run --agent shell -- -c "$PLANT"
check_eq "run 1 (shell) exits 0" 0 "$RUN_RC"
check_contains "run 1 plants into ~/.cargo/bin (a volume on PATH)" "planted:/home/dev/.cargo/bin" \
    "$RUN_OUT"
check_contains "run 1 plants into ~/go/bin (a volume on PATH)" "planted:/home/dev/go/bin" "$RUN_OUT"
check_contains "run 1 plants into /usr/local/pnpm (its runtime volume)" "planted:/usr/local/pnpm" \
    "$RUN_OUT"

check_eq "run 1 (shell) cannot write into codex's home on the host" "" \
    "$(find "$CODEX_HOME_HOST" -mindepth 1)"

no_trojan() { # DESC: RUN_OUT and RUN_ERR hold no TROJAN line
    local hit
    hit=$(printf '%s\n%s\n' "$RUN_OUT" "$RUN_ERR" | grep -m1 TROJAN || true)
    check_eq "$1: nothing planted by run 1 runs" "" "$hit"
}

# ---- run 2: another agent (codex is not installed in the test image: 127,
# but its entrypoint must get that far without running a planted program)
run --agent codex
no_trojan "codex after a shell run"
check_eq "codex after a shell run: exit 127 (not installed)" 127 "$RUN_RC"
check_contains "codex after a shell run: the entrypoint's own message" \
    "[ags] codex is not installed in the sandbox" "$RUN_ERR"

run --agent codex --lockdown
no_trojan "codex --lockdown after a shell run"
check_eq "codex --lockdown after a shell run: exit 127 (not installed)" 127 "$RUN_RC"

# ---- run 2: the shell agent itself; git, bash, env and cat are the image's
PROBE='git --version; command -v bash; command -v git; env | grep -c "^PATH=" ; echo ok | cat'
for MODE in default lockdown; do
    EXTRA=()
    [ "$MODE" = lockdown ] && EXTRA=(--lockdown)
    run --agent shell "${EXTRA[@]}" -- -c "$PROBE"
    no_trojan "shell ($MODE) after a shell run"
    check_eq "shell ($MODE) after a shell run exits 0" 0 "$RUN_RC"
    check_match "shell ($MODE): git is the image's" '^git version ' "$(sed -n 1p <<<"$RUN_OUT")"
    check_eq "shell ($MODE): bash is the image's /bin/bash" /bin/bash "$(sed -n 2p <<<"$RUN_OUT")"
    check_eq "shell ($MODE): git is the image's /usr/bin/git" /usr/bin/git \
        "$(sed -n 3p <<<"$RUN_OUT")"
done

# ---- --tmux: the entrypoint starts the image's tmux, not the planted one
# (on a pty, as tmux needs one), and an image without tmux says so instead of
# starting one from a volume
TMUX_CMD="'$AGS_BIN' --tmux --stop-when-done --agent shell -- -c 'echo \"in-tmux:\${TMUX:+yes}\"; sleep 1'"
{ sleep 8; } | script -qec "$TMUX_CMD" /dev/null >"$E2E_TMP/tmux.out" 2>&1 || true
RUN_OUT=$(tr -d '\r' <"$E2E_TMP/tmux.out")
RUN_ERR=
check_contains "--tmux after a shell run: the agent runs inside the image's tmux" "in-tmux:yes" \
    "$RUN_OUT"
no_trojan "--tmux after a shell run"

NOTMUX_IMAGE=localhost/ags-e2e-notmux:$(date +%s)-$$
e2e_defer "image_remove '$NOTMUX_IMAGE'"
if on_backend bwrap; then # no Containerfile build: the same image made in the store
    bwrap_image_derive "$NOTMUX_IMAGE" "$AGS_E2E_IMAGE" 'rm usr/bin/tmux' >/dev/null
    printf '[sandbox]\nimage = "%s"\n' "$NOTMUX_IMAGE" >"$E2E_TMP/notmux.toml"
else
    mkdir -p "$E2E_TMP/notmux"
    printf 'FROM %s\nRUN rm /usr/bin/tmux\n' "$AGS_E2E_IMAGE" >"$E2E_TMP/notmux/Containerfile"
    cat >"$E2E_TMP/notmux.toml" <<TOML
[sandbox]
image = "$NOTMUX_IMAGE"
containerfile = "$E2E_TMP/notmux/Containerfile"
TOML
fi
# Without a terminal: a detached session on Podman (what its main process
# said is relayed), --tmux run attached on bwrap (which has no detach).
if on_backend bwrap; then TMUX_FLAG=--tmux; else TMUX_FLAG=--detach; fi
run --config "$E2E_TMP/notmux.toml" "$TMUX_FLAG" --stop-when-done --agent shell -- -c true
no_trojan "--tmux in an image without tmux"
check_eq "--tmux in an image without tmux: exit 127" 127 "$RUN_RC"
check_contains "--tmux in an image without tmux: ags says so" \
    "[ags] tmux is not available in the sandbox image" "$RUN_ERR"

# ---- the agent gets exactly the PATH of the plan, even from an image whose
# login files reset it (Debian's /etc/profile does, ~/.profile prepends);
# fresh volumes, so that nothing planted above gets in the way
remove_agent_volumes
[ -r /etc/profile ] || e2e_abort "this test copies Debian's /etc/profile, which is missing"
PROFILE_IMAGE=localhost/ags-e2e-profile:$(date +%s)-$$
mkdir -p "$E2E_TMP/profile"
cp /etc/profile "$E2E_TMP/profile/etc-profile"
printf '%s\n' 'if [ -d "$HOME/.local/bin" ]; then PATH="$HOME/.local/bin:$PATH"; fi' \
    'echo LOGIN-FILE-READ >&2' >"$E2E_TMP/profile/dot-profile"
e2e_defer "image_remove '$PROFILE_IMAGE'"
if on_backend bwrap; then
    bwrap_image_derive "$PROFILE_IMAGE" "$AGS_E2E_IMAGE" \
        "cp '$E2E_TMP/profile/etc-profile' etc/profile && cp '$E2E_TMP/profile/dot-profile' home/dev/.profile" \
        >/dev/null
    printf '[sandbox]\nimage = "%s"\n' "$PROFILE_IMAGE" >"$E2E_TMP/profile.toml"
else
    printf 'FROM %s\nCOPY etc-profile /etc/profile\nCOPY --chown=1000:1000 dot-profile /home/dev/.profile\n' \
        "$AGS_E2E_IMAGE" >"$E2E_TMP/profile/Containerfile"
    cat >"$E2E_TMP/profile.toml" <<TOML
[sandbox]
image = "$PROFILE_IMAGE"
containerfile = "$E2E_TMP/profile/Containerfile"
TOML
fi
PLAN_PATH=$("$AGS_BIN" plan --config "$E2E_TMP/profile.toml" --agent shell --json |
    python3 -c 'import json, sys
print(next(e["value"] for e in json.load(sys.stdin)["env"] if e["name"] == "PATH"))')
check_match "ags plan states a PATH" '^/' "$PLAN_PATH"
run --config "$E2E_TMP/profile.toml" --agent shell -- -c 'echo "$PATH"'
check_eq "a Debian-profile image: the run exits 0" 0 "$RUN_RC"
check_eq "a Debian-profile image: the agent's PATH is the plan's" "$PLAN_PATH" \
    "$(tail -n1 <<<"$RUN_OUT")"
check_eq "a Debian-profile image: no login file is read" "" "$(grep LOGIN-FILE-READ <<<"$RUN_ERR")"

e2e_finish
