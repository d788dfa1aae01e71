#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Plant in run 1, exploit in run 2, through the agent's own home (issue 10,
# items 9 and 11): a run with ~/.pi mounted read-write replaces
# agent/extensions (or agent) with a symlink to a host directory; the next run
# must refuse to install the guard there (exit 125, the path named) and write
# nothing through it.  A lockdown run whose agent locks directories of its
# staged home away (chmod 000, a read-only dir, a tree deeper than PATH_MAX)
# still leaves no staging behind, and the next run's sweep is not stopped.
# A hard link planted in the real home is not staged.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"

WORK=$AGS_E2E_SCRATCH/repo
PIHOME=$AGS_E2E_SCRATCH/pi-home
VICTIM=$AGS_E2E_SCRATCH/victim # a host directory no sandbox mounts
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export TMPDIR=$AGS_E2E_SCRATCH/tmp
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$PIHOME/agent" "$VICTIM" "$TMPDIR"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[agent_mount]]
host = "$PIHOME"
container = "/home/dev/.pi"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

victim_entries() { find "$VICTIM" -mindepth 1 | wc -l; }
staging_dirs() { find "$TMPDIR" -maxdepth 1 -name 'ags-lockdown-*' | wc -l; }

# install_pi SCRIPT: a stand-in pi in pi's runtime volume (the test image has
# no pi; the volume is read-only in lockdown, like the real CLI's).
install_pi() {
    if on_backend bwrap; then # a volume is a directory of the user's
        local vol
        vol=$(volume_dir ags-pi-pnpm-home)
        if [ -z "$vol" ]; then # a pi run makes it (and says pi is not installed)
            run --agent pi -- --version
            vol=$(volume_dir ags-pi-pnpm-home)
        fi
        check_match "pi's runtime volume ags-pi-pnpm-home exists" '^/' "$vol"
        printf '%s\n' "$1" >"$vol/pi" && chmod 0755 "$vol/pi"
        check_eq "a stand-in pi is installed in ags-pi-pnpm-home" "$1" "$(cat "$vol/pi")"
        return 0
    fi
    ctr_run "{\"image\": \"$AGS_E2E_IMAGE\", \"command\": [\"/bin/sh\", \"-c\",
      $(json_str "printf '%s\n' \"\$0\" >/usr/local/pnpm/pi && chmod 0755 /usr/local/pnpm/pi"),
      $(json_str "$1")],
      \"volumes\": [{\"Name\": \"ags-pi-pnpm-home\", \"Dest\": \"/usr/local/pnpm\"}]}" ||
        fail "install a stand-in pi" "a container run" "$CTR_ERROR"
    check_eq "a stand-in pi is installed in ags-pi-pnpm-home" 0 "${CTR_EXIT:-unset}"
}

# ---- run 1 plants agent/extensions -> host dir; run 2 must not write there
# ~/.pi is mounted (read-write) for pi only: a pi that runs what it is given.
# ags puts pi's own flags (-e guard.ts --append-system-prompt ...) first.
install_pi '#!/bin/bash
while [ $# -gt 0 ] && [ "$1" != -c ]; do shift; done
exec /bin/bash "$@"'
run --agent pi -- -c 'test -f ~/.pi/agent/extensions/guard.ts && echo guard-present
rm -rf ~/.pi/agent/extensions && ln -s '"$VICTIM"' ~/.pi/agent/extensions && echo planted'
check_eq "run 1 (pi, ~/.pi read-write) exits 0" 0 "$RUN_RC"
check_eq "run 1 had the guard and planted the symlink" $'guard-present\nplanted' "$RUN_OUT"
run --agent pi -- -c 'echo agent-ran'
check_eq "run 2 is refused before the agent starts (exit 125)" 125 "$RUN_RC"
check_eq "run 2: the agent never ran" "" "$RUN_OUT"
check_contains "run 2 names the planted symlink" "$PIHOME/agent/extensions' is a symlink" "$RUN_ERR"
check_eq "run 2 wrote nothing into the host directory" 0 "$(victim_entries)"
check_eq "run 2 left no container" 0 "$(managed_containers)"

# ---- agent -> host dir (as agent -> ~): neither the guard nor settings.json go there
rm "$PIHOME/agent/extensions"
mv "$PIHOME/agent" "$AGS_E2E_SCRATCH/agent-moved"
ln -s "$VICTIM" "$PIHOME/agent"
run --agent pi
check_eq "a pi run with agent -> host dir is refused (exit 125)" 125 "$RUN_RC"
check_contains "the pi run names the planted symlink" "$PIHOME/agent' is a symlink" "$RUN_ERR"
check_eq "neither guard.ts nor settings.json were written through it" 0 "$(victim_entries)"
rm "$PIHOME/agent"
mv "$AGS_E2E_SCRATCH/agent-moved" "$PIHOME/agent"
run --agent pi -- -c 'test -f ~/.pi/agent/extensions/guard.ts && echo guard-back'
check_eq "with the symlink gone the guard is installed again" guard-back "$RUN_OUT"

# ---- run 1 (pi, ~/.pi read-write) hard-links another project's
# session transcript into an allowlisted directory; the next lockdown run must
# not stage it, and says so
mkdir -p "$PIHOME/agent/sessions/--other-project--"
echo 'SECRET PROMPT OF OTHER PROJECT' >"$PIHOME/agent/sessions/--other-project--/s.jsonl"
run --agent pi -- -c 'mkdir -p ~/.pi/agent/skills &&
ln ~/.pi/agent/sessions/--other-project--/s.jsonl ~/.pi/agent/skills/notes.md && echo linked'
check_eq "run 1 hard-linked the transcript into agent/skills" linked "$RUN_OUT"
run --agent pi --lockdown -- -c 'cat ~/.pi/agent/skills/notes.md 2>/dev/null || echo not-staged'
check_eq "the lockdown run exits 0" 0 "$RUN_RC"
check_eq "the lockdown run does not get the hard-linked transcript" not-staged "$RUN_OUT"
check_contains "the lockdown run names the file it left out" \
    "not staging '$PIHOME/agent/skills/notes.md': it is a hard link" "$RUN_ERR"
rm -rf "$PIHOME/agent/sessions" "$PIHOME/agent/skills"

# ---- a lockdown agent locks its staged home away; the staging is removed anyway
# A stand-in pi plays the hostile agent.
FAKE_PI='#!/bin/bash
cd /home/dev/.pi/agent || exit 1
mkdir -p locked/inner && echo x >locked/inner/auth.json && chmod 000 locked/inner locked
mkdir -p readonly && echo x >readonly/f && chmod 0500 readonly
# a chain of 2048 directories (deeper than PATH_MAX), doubled 11 times so that
# no path the agent itself uses gets near PATH_MAX
mkdir -p deep/d && echo x >deep/d/auth.json
n=1
while [ "$n" -lt 2048 ]; do
    cp -a deep/d copy && mv copy "deep/$(printf "d/%.0s" $(seq "$n"))d" || exit 1
    n=$((n * 2))
done
chmod 000 /home/dev/.pi/agent /home/dev/.pi
echo fake-pi-locked-its-home'
install_pi "$FAKE_PI"
run --agent pi --lockdown
check_eq "the lockdown run exits 0" 0 "$RUN_RC"
check_contains "the agent locked its staged home away" fake-pi-locked-its-home "$RUN_OUT"
check_eq "after the run its staging directory is gone" 0 "$(staging_dirs)"
check_eq "the real ~/.pi was not touched" "" "$(find "$PIHOME" -name locked -o -name deep)"

# ---- kill -9 of that run: the next run's sweep removes the locked staging
FAKE_SLOW='#!/bin/bash
cd /home/dev/.pi/agent || exit 1
mkdir -p locked/inner && echo x >locked/inner/auth.json && chmod 000 locked/inner locked
chmod 000 /home/dev/.pi/agent /home/dev/.pi
echo locked
sleep 60'
install_pi "$FAKE_SLOW"
"$AGS_BIN" --agent pi --lockdown </dev/null >"$E2E_TMP/slow.out" 2>&1 &
AGS_PID=$!
for _ in $(seq 300); do grep -q locked "$E2E_TMP/slow.out" && break; sleep 0.1; done
check_contains "the slow run locked its staged home" locked "$(cat "$E2E_TMP/slow.out")"
kill -9 "$AGS_PID"
wait "$AGS_PID" 2>/dev/null || true
check_eq "kill -9 leaves the locked staging behind" 1 "$(staging_dirs)"
run --agent shell -- -c 'exit 0'
check_eq "the next run exits 0" 0 "$RUN_RC"
check_eq "its sweep removed the locked staging" 0 "$(staging_dirs)"
check_eq "and the dead run's container" 0 "$(managed_containers)"

e2e_finish
