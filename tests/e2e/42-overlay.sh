#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Repo overlays against real runs (issue 10 items 3 and 5): a trusted overlay
# is applied in a normal run and never in --lockdown; a symlink the agent
# plants in run 1 under a path the trusted overlay mounts does not hand it a
# host file in run 2.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$WORK/.ags" "$WORK/tools" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"
WORK=$(pwd -P)


# trust: records the overlay as trusted the way an accepted prompt would (the
# digest of its bytes: it names no host path).
trust() {
    printf '%s %s\n' "$(sha256sum <"$WORK/.ags/config.toml" | cut -c1-64)" "$WORK" \
        >"$XDG_CONFIG_HOME/ags/trusted-overlays"
}

# ---- item 5: a trusted overlay with a visible effect, in default and lockdown mode
cat >"$WORK/.ags/config.toml" <<'TOML'
[sandbox]
container_boot_dirs = ["/tmp/overlay-was-here"]
TOML
trust
PROBE='test -d /tmp/overlay-was-here && echo overlay-applied || echo overlay-not-applied'
run --agent shell -- -c "$PROBE"
check_eq "default run: exit 0" 0 "$RUN_RC"
check_eq "default run: the trusted overlay applies" overlay-applied "$RUN_OUT"
run --agent shell --lockdown -- -c "$PROBE"
check_eq "lockdown run: exit 0" 0 "$RUN_RC"
check_eq "lockdown run: the trusted overlay does not apply" overlay-not-applied "$RUN_OUT"
check_eq "lockdown run: no word about the overlay on stderr" "" "$(grep -i 'repo-local' <<<"$RUN_ERR")"

# ---- item 3: plant in run 1, exploit in run 2
echo 'HOST-PRIVATE-KEY' >"$AGS_E2E_SCRATCH/id_ed25519"
chmod 600 "$AGS_E2E_SCRATCH/id_ed25519"
printf '#!/bin/sh\necho lint\n' >"$WORK/tools/lint"
chmod 755 "$WORK/tools/lint"
cat >"$WORK/.ags/config.toml" <<'TOML'
[[tool]]
name = "lint"
path = "../tools/lint"
container_path = "/home/dev/lint"
TOML
# Trusting it through the real digest needs the prompt: accept it on a pty.
printf 'y\n' >"$E2E_TMP/yes"
script -qec "$AGS_BIN plan --agent shell" /dev/null <"$E2E_TMP/yes" >"$E2E_TMP/prompt" 2>&1
check_contains "the prompt lists the tool's resolved path" \
    "tool[0].path: $WORK/.ags/../tools/lint -> $WORK/tools/lint (file)" "$(cat "$E2E_TMP/prompt")"
run --agent shell -- -c 'cat /home/dev/lint; ln -sf '"$AGS_E2E_SCRATCH"'/id_ed25519 tools/lint'
check_eq "run 1: the trusted tool is mounted" 0 "$RUN_RC"
check_contains "run 1: the tool's content" "echo lint" "$RUN_OUT"
check_eq "run 1 planted the symlink on the host" "$AGS_E2E_SCRATCH/id_ed25519" \
    "$(readlink "$WORK/tools/lint")"
run --agent shell -- -c 'cat /home/dev/lint'
check_eq "run 2: refused as a config error" 2 "$RUN_RC"
check_contains "run 2: the error names the overlay line and says where the path leads" \
    "$WORK/.ags/config.toml:3:8: tool[0].path: '$WORK/.ags/../tools/lint' resolves to '$AGS_E2E_SCRATCH/id_ed25519', outside the repository" \
    "$RUN_ERR"
check_eq "run 2: the host key never reached the sandbox" "" "$(grep HOST-PRIVATE-KEY <<<"$RUN_OUT")"
check_eq "nothing is left behind" 0 "$(managed_containers)"

e2e_finish
