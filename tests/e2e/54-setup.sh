#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `ags setup` as a new user would run it (issue 13 item 2), never building
# the real image: with no terminal it creates the config and the agent
# gitconfig and says what it skipped; a second run changes nothing (same
# bytes, same mtimes) and says so; on a pty it asks, builds a tiny image
# when told yes (a Containerfile FROM the test image, so ags labels it as
# its own) and leaves the agents when told no; an outdated image is named;
# --yes rebuilds it, and with everything there does nothing; a symlink
# planted at the gitconfig path is refused and its target left alone.
# Serial: it creates and removes the agents' volumes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need git python3 sha256sum stat ssh-keygen
ANSWER=$(dirname "$0")/54-setup.d/answer.py

export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export GIT_CONFIG_GLOBAL=$AGS_E2E_SCRATCH/host-gitconfig
CFG=$XDG_CONFIG_HOME/ags/config.toml
GITCFG=$XDG_CONFIG_HOME/ags/gitconfig-agent
IMAGE=localhost/ags-setup-e2e:latest
CTX=$AGS_E2E_SCRATCH/ctx
# ags-shell-: other tests leave the shell's volumes, and the check below counts every ags volume.
AGENT_VOLUMES=(ags-pi- ags-codex- ags-gemini- ags-opencode- ags-claude- ags-shell-)
cd "$AGS_E2E_SCRATCH" || e2e_abort "cannot enter the scratch dir"

remove_volumes_named "${AGENT_VOLUMES[@]}"
api DELETE "images/$IMAGE"
e2e_defer 'remove_volumes_named "${AGENT_VOLUMES[@]}"; api DELETE "images/$IMAGE"'
git config --global user.name 'Setup E2E "Tester"'
git config --global user.email setup-e2e@example.org

# state FILE...: size, mode, mtime (ns) and sha256 of each
state() {
    local f
    for f in "$@"; do
        printf '%s %s\n' "$(stat -c '%s %a %.9Y' "$f")" "$(sha256sum <"$f")"
    done
}

image_id() { # the id of IMAGE, or "" when there is none
    api GET "images/$IMAGE/json"
    if [ "$API_STATUS" = 200 ]; then jget Id; fi
}

# ---- 1. no terminal, nothing there yet
# The default image must be absent (what setup reports): the image tests of
# the same run may have built it (this test runs after them, CMakeLists.txt).
api DELETE "images/localhost%2Fags-sandbox%3Alatest"
api GET "images/localhost/ags-sandbox:latest/exists"
check_status "the default image is absent for this user (what setup must report)" 404
run setup
check_eq "no tty: exit 0" 0 "$RUN_RC"
check_contains "no tty: says where the config was created" "config: created $CFG" "$RUN_OUT"
check_eq "no tty: the config is the default, 0600" 600 "$(stat -c %a "$CFG")"
check_contains "no tty: the default config names the sandbox image" \
    'image = "localhost/ags-sandbox:latest"' "$(cat "$CFG")"
check_contains "no tty: the gitconfig written" "gitconfig: wrote $GITCFG (0600)" "$RUN_OUT"
check_eq "no tty: gitconfig-agent is 0600" 600 "$(stat -c %a "$GITCFG")"
check_contains "gitconfig-agent says ags manages it" "# Managed by ags" "$(cat "$GITCFG")"
check_eq "gitconfig-agent holds the host's name (as git reads it)" 'Setup E2E "Tester"' \
    "$(git config -f "$GITCFG" --get user.name)"
check_eq "gitconfig-agent holds the host's email" setup-e2e@example.org \
    "$(git config -f "$GITCFG" --get user.email)"
check_contains "no tty: no secrets to store" "secrets: none configured" "$RUN_OUT"
check_contains "no tty: the image is missing" \
    "image: localhost/ags-sandbox:latest is missing" "$RUN_OUT"
check_contains "no tty: the build is skipped with the command for later" \
    "image: skipped (no terminal to ask on; --yes does it); later: ags update-image" "$RUN_OUT"
check_contains "no tty: the agents wait for the image" \
    "agents: skipped: they are installed with the image, which is missing; later: ags update-image, then ags update-agents pi codex gemini opencode claude" \
    "$RUN_OUT"
check_lacks "no tty: nothing was asked" "[y/N]" "$RUN_ERR"
check_contains "no tty: no ssh key made, the command named" \
    "none created: stdin is not a terminal" "$RUN_OUT"
check_contains "no tty: the keygen command" "ssh-keygen -t ed25519 -a 64 -f" "$RUN_OUT"
check_contains "no tty: what changed" "setup: created the config, wrote the gitconfig" "$RUN_OUT"
api GET volumes/json
check_eq "no tty: no agent volume was made" "" "$(python3 -c 'import json, sys
print(" ".join(v["Name"] for v in json.load(open(sys.argv[1])) or [] if v["Name"].startswith("ags-")))' \
    "$API_BODY_FILE")"

# ---- 2. the same again: nothing changes, and it says so
before=$(state "$CFG" "$GITCFG")
t0=$(date +%s%N)
run setup
echo "e2e: timing: ags setup with nothing to do (image missing): $((($(date +%s%N) - t0) / 1000000)) ms"
check_eq "second run: exit 0" 0 "$RUN_RC"
check_eq "second run: config and gitconfig keep bytes, modes and mtimes" "$before" \
    "$(state "$CFG" "$GITCFG")"
check_contains "second run: the config is there" "config: $CFG is there; nothing to do" "$RUN_OUT"
check_contains "second run: the gitconfig is left" "gitconfig: $GITCFG is there; left as is" \
    "$RUN_OUT"
check_contains "second run: says nothing changed" "setup: nothing was changed" "$RUN_OUT"

# ---- 3. a pty: yes to the image (a tiny one ags builds and labels), no to the agents
# The keys are there (made here without a passphrase): on a pty setup would
# otherwise run ssh-keygen, whose passphrase prompt is not this test's.
KEYS=$AGS_E2E_SCRATCH/keys
mkdir -m 700 "$KEYS"
for k in auth signing; do
    ssh-keygen -q -t ed25519 -N '' -f "$KEYS/$k" -C "ags-agent-$k" </dev/null >/dev/null
done
mkdir -p "$CTX"
printf 'FROM %s\nLABEL ags-e2e.setup=1\n' "$AGS_E2E_IMAGE" >"$CTX/Containerfile"
cat >"$CFG" <<TOML
[sandbox]
image = "$IMAGE"
containerfile = "$CTX/Containerfile"
auth_key = "$KEYS/auth"
sign_key = "$KEYS/signing"

[image]
base = "$AGS_E2E_IMAGE"
trust_host_ca = false
TOML
rc=0
t0=$(date +%s%N)
python3 "$ANSWER" "$E2E_TMP/pty" y n -- "$AGS_BIN" setup || rc=$?
echo "e2e: timing: ags setup on a pty, building the tiny image: $((($(date +%s%N) - t0) / 1000000)) ms"
PTY=$(cat "$E2E_TMP/pty")
tr -d '\r' <"$E2E_TMP/pty" | sed 's/^/  pty| /' # what the user saw, for the log
check_eq "pty: exit 0 after yes and no" 0 "$rc"
check_contains "pty: asks to build the missing image" \
    "image: $IMAGE is missing" "$PTY"
check_contains "pty: the question" "Build the sandbox image now (ags update-image: several minutes)? [y/N]" \
    "$PTY"
check_contains "pty: built it" "built $IMAGE" "$PTY"
check_contains "pty: shows the signing key" "$(cat "$KEYS/signing.pub")" "$PTY"
check_contains "pty: the gitconfig gains the signing lines" \
    "gitconfig: added gpg.format, user.signingkey, commit.gpgsign to $GITCFG" "$PTY"
check_contains "pty: then asks about the agents" \
    "Install them now (ags update-agents: about a minute)? [y/N]" "$PTY"
check_contains "pty: no to the agents leaves them, with the command" \
    "agents: skipped; later: ags update-agents pi codex gemini opencode claude" "$PTY"
api GET "images/$IMAGE/json"
check_status "pty: the image exists" 200
check_match "pty: ags labelled it with its context digest" '^[0-9a-f]{64}$' \
    "$(python3 -c 'import json, sys
print((json.load(open(sys.argv[1])).get("Labels") or {}).get("ags.image.context-sha256", ""))' \
        "$API_BODY_FILE")"
built_id=$(image_id)

# ---- 4. the context changed: outdated, named, not rebuilt without a terminal
printf '# changed\n' >"$CTX/extra.conf"
run setup
check_eq "outdated, no tty: exit 0" 0 "$RUN_RC"
check_contains "outdated, no tty: says so" "image: $IMAGE is outdated" "$RUN_OUT"
check_contains "outdated, no tty: skipped with the command" "later: ags update-image" "$RUN_OUT"
check_eq "outdated, no tty: the image is the same" "$built_id" "$(image_id)"

# ---- 5. --yes with the agents there (planted in their volumes): rebuilds the
# outdated image, installs nothing; then again: nothing at all
plant_volume() { # NAME FILE [SYMLINK-TARGET]: an ags volume holding FILE
    api_json POST volumes/create "{\"Name\":\"$1\",\"Labels\":{\"ags.managed\":\"true\",\"ags.agent\":\"${1#ags-}\"}}"
    api GET "volumes/$1/json"
    local mp
    mp=$(jget Mountpoint)
    mkdir -p "$mp/$(dirname "$2")"
    if [ -n "${3:-}" ]; then ln -s "$3" "$mp/$2"; else printf '#!/bin/sh\n' >"$mp/$2"; fi
}
for a in pi codex gemini opencode; do plant_volume "ags-$a-pnpm-home" "$a"; done
plant_volume ags-claude-install .local/bin/claude /opt/claude-home/npm/bin/claude
run setup --yes
check_eq "--yes: exit 0" 0 "$RUN_RC"
check_contains "--yes: rebuilt the outdated image" "built $IMAGE" "$RUN_OUT"
check_contains "--yes: every agent is there" "agents: every agent is installed; nothing to do" \
    "$RUN_OUT"
check_lacks "--yes: nothing asked" "[y/N]" "$RUN_ERR"
rebuilt_id=$(image_id)
if [ -n "$rebuilt_id" ] && [ "$rebuilt_id" != "$built_id" ]; then ok "--yes: a new image"; else
    fail "--yes: a new image" "an id other than $built_id" "$rebuilt_id"; fi
before=$(state "$CFG" "$GITCFG")
t0=$(date +%s%N)
run setup --yes
echo "e2e: timing: ags setup --yes with everything there: $((($(date +%s%N) - t0) / 1000000)) ms"
check_eq "--yes, all there: exit 0" 0 "$RUN_RC"
check_contains "--yes, all there: the image is current" "image: $IMAGE is up to date; nothing to do" \
    "$RUN_OUT"
check_contains "--yes, all there: says nothing changed" "setup: nothing was changed" "$RUN_OUT"
check_eq "--yes, all there: the image is the same" "$rebuilt_id" "$(image_id)"
check_eq "--yes, all there: files untouched" "$before" "$(state "$CFG" "$GITCFG")"

# ---- 6. Podman not answering: the other steps still run, then exit 1
rc=0
CONTAINER_HOST=unix://$AGS_E2E_SCRATCH/no-podman.sock "$AGS_BIN" setup </dev/null \
    >"$E2E_TMP/out" 2>"$E2E_TMP/err" || rc=$?
check_eq "no Podman: exit 1" 1 "$rc"
check_contains "no Podman: the step says it did not look" "image, agents: not checked" \
    "$(cat "$E2E_TMP/out")"
check_contains "no Podman: the error names the socket" "no-podman.sock" "$(cat "$E2E_TMP/err")"
check_contains "no Podman: the earlier steps ran" "gitconfig: $GITCFG is there; left as is" \
    "$(cat "$E2E_TMP/out")"
check_eq "no Podman: the image is the same" "$rebuilt_id" "$(image_id)"

# ---- 7. a symlink planted at the gitconfig path: refused, its target untouched
printf 'precious\n' >"$AGS_E2E_SCRATCH/victim"
rm -f "$GITCFG"
ln -s "$AGS_E2E_SCRATCH/victim" "$GITCFG"
victim_before=$(state "$AGS_E2E_SCRATCH/victim")
run setup
check_eq "planted symlink: exit 1 (the gitconfig step failed)" 1 "$RUN_RC"
check_contains "planted symlink: named and refused" "$GITCFG is a symlink; ags does not write through it" \
    "$RUN_ERR"
check_eq "planted symlink: the target is untouched" "$victim_before" \
    "$(state "$AGS_E2E_SCRATCH/victim")"
[ -L "$GITCFG" ] && ok "planted symlink: still the symlink" || fail "planted symlink: still the symlink"
check_contains "planted symlink: the other steps still ran" "image: $IMAGE is up to date" "$RUN_OUT"
check_contains "planted symlink: the summary says a step failed" "setup: a step failed (see above)" \
    "$RUN_OUT"
rm -f "$GITCFG"
ln -s "$AGS_E2E_SCRATCH/not-there" "$GITCFG"
run setup
check_eq "dangling symlink: exit 1" 1 "$RUN_RC"
[ ! -e "$AGS_E2E_SCRATCH/not-there" ] && ok "dangling symlink: its target was not created" ||
    fail "dangling symlink: its target was not created"
rm -f "$GITCFG"

e2e_finish
