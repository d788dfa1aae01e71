#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The workspace through the API (issue 20 phase 2, docs/remote.md "What is
# uploaded"): a repository with tracked, untracked, gitignored, .agsignore'd,
# executable, symlinked, binary and non-ASCII-named files is run against the
# loopback ssh:// engine (remote-sshd.sh: root mode, a second user's Podman).
# Inside the sandbox every uploaded file
# has the host's sha256 and mode, links are links, what is ignored is
# absent, git sees the same HEAD and a clean tree, and the agent (uid 1000)
# owns it all: it creates, edits and deletes.  A workspace over [remote]
# max_upload is refused before anything is sent, naming its biggest entry;
# no helper container is ever left.  The sandboxes, volumes and helpers are
# the remote engine's (its events tell the sandbox's own export from a
# helper's); the local engine sees none of it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need git sha256sum timeout script
# shellcheck source=remote-sshd.sh
. "$(dirname "$0")/remote-sshd.sh"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
export CONTAINER_HOST=$REMOTE_URI

# ---- the repository
cd "$WORK" || e2e_abort "cannot enter $WORK"
git init -q .
git config user.email t@example.org
git config user.name t
printf 'tracked\n' >tracked.txt
printf '#!/bin/sh\necho run\n' >run.sh
chmod 755 run.sh
printf 'private\n' >private.txt
chmod 600 private.txt
mkdir -p src/deep/er
printf 'int x;\n' >src/deep/er/a.c
head -c 65536 /dev/urandom >blob.bin
printf 'caf\xc3\xa9\n' >"caf$(printf '\xc3\xa9') ü.txt"
ln -s tracked.txt link
ln -s ../../tracked.txt src/deep/uplink
printf 'ignored.log\nbuild/\n' >.gitignore
git add -A
git commit -qm one
printf 'untracked\n' >untracked.txt
printf 'no\n' >ignored.log
mkdir build && printf 'no\n' >build/out
printf 'secret.env\n*.tmp\n' >.agsignore
printf 'no\n' >secret.env
printf 'no\n' >scratch.tmp
HEAD=$(git rev-parse HEAD)

# What must arrive: tracked, untracked and not ignored, and the whole .git.
expected_files() {
    {
        git ls-files -z
        git ls-files -z --others --exclude-standard | grep -zv -e '^secret\.env$' -e '\.tmp$'
        find .git -type f -print0
    } | LC_ALL=C sort -zu | while IFS= read -r -d '' f; do
        [ -L "$f" ] || printf './%s\0' "$f"
    done
}
expected_files | xargs -0 sha256sum | LC_ALL=C sort >"$E2E_TMP/host.sha"
expected_files | xargs -0 stat -c '%a %n' | LC_ALL=C sort >"$E2E_TMP/host.mode"

# ---- a run over ssh://: bytes, modes, links, git, ownership
# shellcheck disable=SC2016
run --agent shell -- -c '
set -e
export LC_ALL=C
find . -type f -print0 | xargs -0 sha256sum | sort > /tmp/sha
find . -type f -print0 | xargs -0 stat -c "%a %n" | sort > /tmp/mode
echo "SHA $(sha256sum < /tmp/sha | cut -c1-64)"
echo "MODE $(sha256sum < /tmp/mode | cut -c1-64)"
echo "LINK $(readlink link) $(readlink src/deep/uplink) $(test -L link && echo islink)"
echo "HEAD $(git rev-parse HEAD)"
echo "STATUS $(git status --porcelain --untracked-files=no | wc -l)"
echo "OWNER $(stat -c %u tracked.txt .git/index src/deep/er | sort -u | tr "\n" " ")"
echo "ME $(id -u)"
echo "ABSENT $(ls ignored.log build secret.env scratch.tmp 2>/dev/null | wc -l)"
echo new > made.txt && echo edit >> tracked.txt && rm run.sh && mkdir -p src/deep/er/more &&
    rm -r src/deep/er/a.c && echo "WRITE ok"
echo "PWD $(pwd)"
'
check_eq "a run over ssh:// with the uploaded workspace exits 0" 0 "$RUN_RC"
[ "$RUN_RC" = 0 ] || echo "$RUN_ERR" | tail -5
line() { printf '%s\n' "$RUN_OUT" | sed -n "s/^$1 //p"; }
check_eq "every uploaded file has the host's sha256" \
    "$(sha256sum <"$E2E_TMP/host.sha" | cut -c1-64)" "$(line SHA)"
check_eq "and the host's mode" "$(sha256sum <"$E2E_TMP/host.mode" | cut -c1-64)" "$(line MODE)"
check_eq "symlinks arrive as the same links" "tracked.txt ../../tracked.txt islink" "$(line LINK)"
check_eq "git in the sandbox sees the host's HEAD" "$HEAD" "$(line HEAD)"
check_eq "and a clean tracked tree" 0 "$(line STATUS)"
check_eq "ignored, .agsignore'd and build output are absent" 0 "$(line ABSENT)"
check_eq "the sandbox runs as uid 1000" 1000 "$(line ME)"
check_eq "files, the git dir and directories belong to the sandbox user" "1000 " "$(line OWNER)"
check_eq "the agent creates, edits and deletes" ok "$(line WRITE)"
check_eq "the workspace is at the local work dir's path" "$WORK" "$(line PWD)"
check_eq "the host's work tree is untouched by the agent's edits" "tracked" "$(cat tracked.txt)"
check_eq "no container is left after the run (the helper included)" 0 \
    "$(on_remote managed_containers)"

# ---- the changes came back: branch ags/NAME, exactly the agent's edits
ws_volumes() { ws_volumes_on remote; }
BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*')
check_eq "the run brought its changes back as one branch ags/NAME" 1 "$(printf '%s\n' "$BR" | grep -c '^ags/')"
check_contains "and said so" "branch $BR" "$RUN_ERR$RUN_OUT"
check_eq "the local HEAD did not move" "$HEAD" "$(git rev-parse HEAD)"
check_eq "the branch holds exactly the agent's edits (and the untracked files it had)" \
    "$(printf 'A .agsignore\nA made.txt\nD run.sh\nD src/deep/er/a.c\nM tracked.txt\nA untracked.txt')" \
    "$(git diff --name-status HEAD "$BR" | tr '\t' ' ' | LC_ALL=C sort -k2)"
check_eq "an edit comes back byte for byte" "$(printf 'tracked\nedit')" "$(git show "$BR:tracked.txt")"
check_contains "as the one commit of uncommitted changes" "uncommitted" "$(git log -1 --format=%s "$BR")"
check_eq "the session's volumes are removed once its changes are back" 0 "$(ws_volumes)"

# an agent that commits: its commit, then the uncommitted rest on top
# shellcheck disable=SC2016
run --agent shell -- -c '
set -e
echo more >> tracked.txt
git -c user.email=agent@example.org -c user.name=agent commit -qam agent-commit
echo later > later.txt'
check_eq "a committing run exits 0" 0 "$RUN_RC"
BR2=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | grep -vx "$BR")
check_eq "its branch carries the agent's commit under the uncommitted one" \
    "$(printf 'ags: uncommitted changes of session %s\nagent-commit' "${BR2#ags/}")" \
    "$(git log --format=%s "HEAD..$BR2")"
check_eq "the agent's commit is the agent's" agent "$(git log -1 --format=%an "$BR2~1")"
check_eq "the local work tree is still untouched" tracked "$(cat tracked.txt)"

# ---- the sandbox exports its own changes: no helper container at the end
# export helpers created after $1 (unix nanoseconds: a helper of the test
# before may fall in the same second), from the engine's events
export_helpers_since() {
    local f
    f=$(python3 -c 'import json,sys,urllib.parse as u; print(u.quote(json.dumps({"type": ["container"], "event": ["create"], "label": ["ags.helper=export"]})))')
    on_remote api GET "/events?stream=false&since=$(($1 / 1000000000))&filters=$f"
    tr -d '\000' <"$API_BODY_FILE" | python3 -c 'import json, sys
print(sum(1 for e in map(json.loads, filter(None, sys.stdin.read().splitlines()))
          if int(e.get("timeNano", 0)) > int(sys.argv[1])))' "$1"
}
new_branch() { # the one branch ags/* that $1 (a sorted list) lacks
    git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort | comm -13 <(printf '%s\n' "$1") -
}
T0=$(date +%s%N)
BEFORE_BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort)
run --agent shell -- -c 'echo inside > inside.txt'
check_eq "a git run whose image has perl exits 0" 0 "$RUN_RC"
check_eq "its changes come back" inside "$(git show "$(new_branch "$BEFORE_BR"):inside.txt" 2>&1)"
check_eq "made by the sandbox itself: no export helper was created" 0 "$(export_helpers_since "$T0")"
# The export travels at the end of the sandbox's stdout (an APC frame that
# ags takes out): what the user sees is the agent's output only.
# frame_lines FILE: the lines of FILE with a piece of the frame, "" for none
frame_lines() {
    grep -c -e ags-export -e "$(printf '\033_')" "$1" | grep -vx 0 || true
}
check_eq "the run's stdout is not the export's frame" "" "$(frame_lines "$E2E_TMP/out")"

# The same with a terminal, where the frame crosses the sandbox's pty.
BEFORE_BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort)
RC=0
timeout 120 script -qec "$AGS_BIN --agent shell -- -c 'echo tty > tty.txt; echo said-tty'" /dev/null \
    >"$E2E_TMP/tty" 2>&1 </dev/null || RC=$?
check_eq "a TTY git run exits 0" 0 "$RC"
check_eq "its changes come back through the terminal's stream" tty \
    "$(git show "$(new_branch "$BEFORE_BR"):tty.txt" 2>&1)"
check_contains "the agent's own output reaches the terminal" said-tty "$(cat "$E2E_TMP/tty")"
check_eq "the terminal never sees the frame" "" "$(frame_lines "$E2E_TMP/tty")"

# a hostile agent: a forged export saying nothing changed, and the export's
# own file blocked by a directory: no export from the sandbox, so a helper
# makes it, and the work comes back all the same
T0=$(date +%s%N)
BEFORE_BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort)
run --agent shell -- -c 'echo forged > forged.txt
printf "AGS-EXPORT/1 none\n" > /tmp/ags-export
mkdir /tmp/ags-export.tmp && touch /tmp/ags-export.tmp/x'
check_eq "an agent that blocks the sandbox's export exits 0" 0 "$RUN_RC"
check_eq "its forged 'none' is not taken: the change comes back" forged \
    "$(git show "$(new_branch "$BEFORE_BR"):forged.txt" 2>&1)"
check_eq "through an export helper" 1 "$(export_helpers_since "$T0")"
check_eq "which is gone afterwards" 0 "$(on_remote managed_containers)"

# ---- an image without perl: the sh in front of the agent runs it alone, the
# sandbox sends no export, and a helper makes it
NOPERL=localhost/ags-e2e-noperl:$$
on_remote ctr_run "$(python3 -c 'import json, sys
print(json.dumps({"image": sys.argv[1], "user": "0", "entrypoint": ["/bin/sh", "-c",
    "for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do "
    "rm -f $d/perl $d/perl5*; done; ! command -v perl"]}))' "$AGS_E2E_IMAGE")" ||
    e2e_abort "removing perl from a copy of the image: $CTR_ERROR"
[ "$CTR_EXIT" = 0 ] || e2e_abort "perl is still in the copy of the image: exit $CTR_EXIT"
on_remote api POST "commit?container=$CTR_ID&repo=localhost/ags-e2e-noperl&tag=$$"
case $API_STATUS in 20?) ;; *) e2e_abort "commit of the image without perl: HTTP $API_STATUS: $API_BODY" ;; esac
on_remote ctr_rm "$CTR_ID" || true
e2e_defer "on_remote api DELETE 'images/localhost%2Fags-e2e-noperl%3A$$?force=true'"
cp "$XDG_CONFIG_HOME/ags/config.toml" "$E2E_TMP/config.keep"
printf '[sandbox]\nimage = "%s"\n' "$NOPERL" >"$XDG_CONFIG_HOME/ags/config.toml"
T0=$(date +%s%N)
BEFORE_BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort)
run --agent shell -- -c 'echo noperl > noperl.txt; command -v perl || echo no-perl-here'
cp "$E2E_TMP/config.keep" "$XDG_CONFIG_HOME/ags/config.toml"
check_eq "a run from an image without perl exits 0" 0 "$RUN_RC"
check_eq "its sandbox has no perl, and the agent's output is all there is" no-perl-here "$RUN_OUT"
check_eq "its change comes back" noperl "$(git show "$(new_branch "$BEFORE_BR"):noperl.txt" 2>&1)"
check_eq "through an export helper" 1 "$(export_helpers_since "$T0")"

# ---- a detached remote session: its supervisor brings the changes back when it ends
BEFORE_BR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort)
RC=0
"$AGS_BIN" --agent shell --detach --stop-when-done -- -c 'sleep 1; echo detached > det.txt' \
    </dev/null >"$E2E_TMP/det.out" 2>"$E2E_TMP/det.err" || RC=$?
check_eq "a remote --detach returns 0 once the session runs" 0 "$RC"
NEWBR=""
for _ in $(seq 120); do
    NEWBR=$(git for-each-ref --format='%(refname:short)' 'refs/heads/ags/*' | sort |
        comm -13 <(printf '%s\n' "$BEFORE_BR") -)
    [ -n "$NEWBR" ] && break
    sleep 0.5
done
check_match "when it ends its changes come back as a branch" '^ags/' "$NEWBR"
if [ -z "$NEWBR" ]; then
    cat "$E2E_TMP/det.err"
    tail -n 20 "$HOME"/.local/state/ags/sessions/*.log 2>/dev/null || true
    "$AGS_BIN" ps 2>&1
fi
check_eq "holding the session's edit" detached "$(git show "$NEWBR:det.txt" 2>/dev/null)"
for _ in $(seq 40); do
    [ "$(ws_volumes)" = 0 ] && break
    sleep 0.25
done
check_eq "and its volumes are gone" 0 "$(ws_volumes)"

# ---- outside git: the changes come back as a patch, saved, never applied
PLAIN=$AGS_E2E_SCRATCH/plain
mkdir -p "$PLAIN/sub"
printf 'one\n' >"$PLAIN/keep.txt"
printf 'gone\n' >"$PLAIN/sub/gone.txt"
cp -r "$PLAIN" "$E2E_TMP/plain.orig"
(
    cd "$PLAIN" || exit 1
    # shellcheck disable=SC2016
    run --agent shell -- -c 'echo two >> keep.txt && rm sub/gone.txt && echo new > sub/new.txt'
    printf '%s\n' "$RUN_RC" >"$E2E_TMP/plain-rc"
    printf '%s%s\n' "$RUN_OUT" "$RUN_ERR" >"$E2E_TMP/plain-out"
)
check_eq "a run outside git over ssh:// exits 0" 0 "$(cat "$E2E_TMP/plain-rc")"
PATCH=$(sed -n 's/.*: patch \(\/[^ ]*\.patch\) (review it.*/\1/p' "$E2E_TMP/plain-out" | head -1)
check_match "it names the saved patch" '\.patch$' "$PATCH"
check_eq "the patch is private (0600)" 600 "$(stat -c %a "$PATCH" 2>/dev/null)"
check_eq "the local dir is untouched" one "$(cat "$PLAIN/keep.txt")"
(cd "$E2E_TMP/plain.orig" && git apply "$PATCH") 2>/dev/null
check_eq "the patch applies and gives the agent's edit" "$(printf 'one\ntwo')" \
    "$(cat "$E2E_TMP/plain.orig/keep.txt")"
check_eq "a deletion" no "$([ -e "$E2E_TMP/plain.orig/sub/gone.txt" ] && echo yes || echo no)"
check_eq "and a new file" new "$(cat "$E2E_TMP/plain.orig/sub/new.txt" 2>/dev/null)"
check_eq "no workspace volume is left after the patch came back" 0 "$(ws_volumes)"

# ---- Ctrl-C during the upload: the sandbox (created, the workspace being
# unpacked into it) and the session's volumes go
head -c $((512 * 1024 * 1024)) /dev/zero >big.bin
"$AGS_BIN" --agent shell -- -c 'echo ran' </dev/null >"$E2E_TMP/int-out" 2>"$E2E_TMP/int-err" &
AGS=$!
SEEN=0
for _ in $(seq 600); do
    [ "$(on_remote managed_containers)" -ge 1 ] && SEEN=1 && break
    sleep 0.05
done
check_local_empty "meanwhile the local engine has no sandbox and no workspace volume"
kill -INT "$AGS"
RC=0
wait "$AGS" || RC=$?
check_eq "the sandbox existed while the workspace was sent" 1 "$SEEN"
check_eq "an interrupted upload ends as a launch error" 125 "$RC"
check_lacks "and never runs the agent" ran "$(cat "$E2E_TMP/int-out")"
check_eq "no container is left after Ctrl-C" 0 "$(on_remote managed_containers)"
check_eq "nor a workspace volume (the sandbox never started)" 0 "$(ws_volumes)"
rm big.bin

# ---- the cap: refused before anything is sent
head -c $((3 * 1024 * 1024)) /dev/urandom >huge.bin
cat >>"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[remote]
max_upload = "1MiB"
TOML
on_remote api GET '/volumes/json'
BEFORE=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))' <"$API_BODY_FILE")
run --agent shell -- -c 'echo should-not-run'
check_lacks "a workspace over max_upload never runs the agent" should-not-run "$RUN_OUT"
check_eq "it is refused as a usage error (exit status 2)" 2 "$RUN_RC"
check_contains "naming the cap" 'max_upload = "1MiB"' "$RUN_ERR"
check_contains "and the biggest entry first" "biggest entries: huge.bin 3.0 MiB" "$RUN_ERR"
check_eq "no helper container was made for it" 0 "$(on_remote managed_containers)"
on_remote api GET '/volumes/json'
AFTER=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin) or []))' <"$API_BODY_FILE")
check_eq "nothing reached the engine: not even its workspace volume was made" "$BEFORE" "$AFTER"

local_untouched_since "$T_START" "the local engine saw nothing of the remote runs (no sandbox, helper or ags-ws-* volume)"
e2e_finish
