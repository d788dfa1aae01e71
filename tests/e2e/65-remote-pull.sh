#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Bringing a remote session's changes back (issue 20 phase 2, docs/remote.md)
# through the ssh:// loopback engine (remote-sshd.sh: root mode, a second
# user's Podman).  The test plays the upload and the agent: it changes a copy
# of the repo (a commit with an edit, an add and a delete, then
# uncommitted edits, adds and deletes, and a planted post-checkout hook and
# core.fsmonitor), makes the workspace volume with ags's labels on the
# remote engine and puts the copy into it through that engine's archive API
# (the remote user's files are not the test user's to write).
# `ags pull NAME` must bring exactly that back as the
# branch ags/NAME (the work tree, index and HEAD untouched, no hook or
# fsmonitor ever run on the host), remove the volume, never overwrite a
# branch, refuse a running session (status 2) and pull a --snapshot of it.
# The local engine sees none of it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
podman_only "volumes and helper containers are Podman's" || { e2e_finish; exit 0; }
e2e_need git python3
WORK=$AGS_E2E_SCRATCH/repo
MARK=$AGS_E2E_SCRATCH/hook-ran
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
export HOME=$AGS_E2E_SCRATCH/home
mkdir -p "$WORK" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
export GIT_CONFIG_NOSYSTEM=1

# ---- the host's repository
cd "$WORK" || e2e_abort "cannot enter $WORK"
git init -q -b main .
printf 'one\n' >a
printf 'gone\n' >d
printf 'keep\n' >k
mkdir sub
printf 'deep\n' >sub/s
printf 'bin\0ary\n' >bin
git add -A
git commit -qm base
BASE=$(git rev-parse HEAD)

# shellcheck source=remote-sshd.sh
. "$(dirname "$0")/remote-sshd.sh"
export CONTAINER_HOST=$REMOTE_URI

# workspace ID NAME BASE DIR: the volume ags-ws-ID on the remote engine as
# the upload leaves it (ags's labels, DIR's files and .git, the sandbox
# root's), filled through a container that never starts
workspace() {
    local labels
    labels=$(python3 -c 'import json, sys
id, name, base, wd = sys.argv[1:5]
print(json.dumps({"Name": "ags-ws-" + id, "Labels": {
    "ags.managed": "true", "ags.session": id, "ags.agent": "shell",
    "ags.volume": "workspace", "ags.name": name, "ags.base": base,
    "ags.workdir": wd}}))' "$1" "$2" "$3" "$WORK")
    on_remote api_json POST volumes/create "$labels"
    [ "$API_STATUS" = 201 ] || e2e_abort "volume create: HTTP $API_STATUS: $API_BODY"
    e2e_defer "on_remote remove_volumes_named ags-ws-$1"
    tar -C "$4" --owner=0 --group=0 --numeric-owner -cf "$E2E_TMP/ws.tar" .
    on_remote ctr_create "$(python3 -c 'import json, sys
print(json.dumps({"image": sys.argv[1], "command": ["/bin/true"],
                  "volumes": [{"Name": "ags-ws-" + sys.argv[2], "Dest": "/w"}]}))' "$AGS_E2E_IMAGE" "$1")"
    [ -n "$CTR_ID" ] || e2e_abort "the filler container: HTTP $API_STATUS: $API_BODY"
    on_remote api PUT "containers/$CTR_ID/archive?path=/w" -H 'Content-Type: application/x-tar' \
        --data-binary "@$E2E_TMP/ws.tar"
    [ "$API_STATUS" = 200 ] || e2e_abort "fill ags-ws-$1: HTTP $API_STATUS: $API_BODY"
    on_remote ctr_rm "$CTR_ID" || e2e_abort "remove the filler container: HTTP $API_STATUS"
}

# agent_tree NAME: a copy of the host's repository to change as an agent would
agent_tree() {
    TREE=$AGS_E2E_SCRATCH/$1
    cp -a "$WORK" "$TREE"
}

volume_exists() {
    [ -n "$(on_remote volume_dir "$1")" ] && echo yes || echo no
}

# ---- the agent's session
ID=0123456789abcdef
NAME=ags-shell-e2e65
# What the agent left: AGENT (the pull removes the volume).
agent_tree agent-tree
AGENT=$TREE
(
    cd "$AGENT" || exit 1
    printf 'two\n' >>a
    printf 'new\n' >n
    git add n
    git rm -q d
    git commit -qm agent
    printf 'three\n' >>a
    printf 'untracked\n' >u
    mkdir -p newdir
    printf 'nested\n' >newdir/x
    rm bin sub/s
    printf 'ignored\n' >x.log
    printf '*.log\n' >.gitignore
    # Planted for the host: they must never run there.
    printf '#!/bin/sh\ntouch %s\n' "$MARK" >.git/hooks/post-checkout
    chmod +x .git/hooks/post-checkout
    git config core.fsmonitor "touch $MARK #"
) || e2e_abort "the agent's changes failed"
workspace "$ID" "$NAME" "$BASE" "$AGENT"
WANT_FILES=$(cd "$AGENT" && find . -path ./.git -prune -o -type f ! -name x.log -print | sed 's|^\./||' | sort)

run pull "$NAME"
check_eq "ags pull over ssh:// exits 0" 0 "$RUN_RC"
check_contains "it names the branch and its commits" \
    "$NAME: branch ags/$NAME (2 commits, the last one the uncommitted changes)" "$RUN_OUT"
[ -z "$RUN_ERR" ] || echo "# stderr: $RUN_ERR"
GOT_FILES=$(git ls-tree -r --name-only "ags/$NAME" | sort)
check_eq "the branch holds exactly the agent's files" "$WANT_FILES" "$GOT_FILES"
SAME=yes
for f in $WANT_FILES; do
    cmp -s "$AGENT/$f" <(git show "ags/$NAME:$f") || SAME="no: $f"
done
check_eq "every file's bytes came back" yes "$SAME"
check_eq "the agent's commit is under the uncommitted one" agent \
    "$(git log -1 --format=%s "ags/$NAME^")"
check_eq "on the base" "$BASE" "$(git rev-parse "ags/$NAME^^")"
check_eq "HEAD is untouched" "$BASE" "$(git rev-parse HEAD)"
check_eq "the current branch too" main "$(git symbolic-ref --short HEAD)"
check_eq "the work tree and index are clean" "" "$(git status --porcelain)"
check_eq "the workspace volume is removed after the pull" no "$(volume_exists "ags-ws-$ID")"
git checkout -q "ags/$NAME"
git checkout -q main
check_eq "no planted hook or fsmonitor ran on the host (pull and checkouts)" no \
    "$([ -e "$MARK" ] && echo yes || echo no)"
check_eq "nothing of the workspace's .git came back" "" \
    "$(find .git/hooks -type f ! -name '*.sample')$(git config core.fsmonitor || true)"

# ---- a second session of the same name: a new branch, the old one kept
ID2=1111111111111111
agent_tree tree2
printf 'second\n' >"$TREE/a"
workspace "$ID2" "$NAME" "$BASE" "$TREE"
OLD=$(git rev-parse "ags/$NAME")
run pull "$NAME"
check_eq "a second pull of that name exits 0" 0 "$RUN_RC"
check_contains "into ags/NAME-2" "branch ags/$NAME-2 (1 commit" "$RUN_OUT"
check_eq "the existing branch is not overwritten" "$OLD" "$(git rev-parse "ags/$NAME")"
check_eq "the new one has the change" second "$(git show "ags/$NAME-2:a")"

# ---- nothing changed; --keep
ID3=2222222222222222
NAME3=ags-shell-e2e65-c
workspace "$ID3" "$NAME3" "$BASE" "$WORK"
run pull --keep "$NAME3"
check_eq "a workspace without changes pulls with 0" 0 "$RUN_RC"
check_eq "saying so" "$NAME3: nothing changed" "$RUN_OUT"
check_eq "--keep keeps the volume" yes "$(volume_exists "ags-ws-$ID3")"
run pull --list
check_contains "ags pull --list names the kept workspace" "$NAME3" "$RUN_OUT"
run prune --dry-run
check_lacks "ags prune leaves it alone" "ags-ws-$ID3" "$RUN_OUT"
run prune --dry-run --workspaces
check_contains "ags prune --workspaces would remove it, named for people" \
    "ags-ws-$ID3 (workspace of session $NAME3, not brought back)" "$RUN_OUT"

# ---- a running session
ID4=3333333333333333
NAME4=ags-shell-e2e65-r
agent_tree tree4
printf 'live\n' >"$TREE/k"
workspace "$ID4" "$NAME4" "$BASE" "$TREE"
on_remote ctr_create "$(python3 -c 'import json, sys
print(json.dumps({"image": sys.argv[1], "command": ["/bin/sh", "-c", "sleep 120"],
                  "labels": {"ags.managed": "true", "ags.session": sys.argv[2]},
                  "volumes": [{"Name": "ags-ws-" + sys.argv[2], "Dest": "/w"}]}))' \
    "$AGS_E2E_IMAGE" "$ID4")"
[ -n "$CTR_ID" ] || e2e_abort "create the running session: HTTP $API_STATUS: $API_BODY"
on_remote api POST "containers/$CTR_ID/start"
check_status "the running session starts" 204
run pull "$NAME4"
check_eq "a running session is refused" 2 "$RUN_RC"
check_contains "naming --snapshot" "--snapshot" "$RUN_ERR"
run pull --snapshot "$NAME4"
check_eq "--snapshot pulls it" 0 "$RUN_RC"
check_eq "what it has now" live "$(git show "ags/$NAME4:k")"
check_eq "and keeps the volume" yes "$(volume_exists "ags-ws-$ID4")"
on_remote ctr_rm "$CTR_ID" || true
on_remote api GET '/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ags.helper%3Dexport%22%5D%7D'
check_eq "no helper container is left" 0 \
    "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$API_BODY_FILE")"

# ---- the helpers' time limit: the SpecGenerator key they send (timeout,
# podman_spec.timeout) makes Podman 4.3 kill a container that outlives it.
T0=$(date +%s)
on_remote ctr_run "$(python3 -c 'import json, sys
print(json.dumps({"image": sys.argv[1], "command": ["/bin/sh", "-c", "sleep 60"], "timeout": 2}))' \
    "$AGS_E2E_IMAGE")" || fail "run a container with a timeout" "$CTR_ERROR"
T1=$(date +%s)
[ $((T1 - T0)) -lt 30 ] && ok "a helper's time limit is enforced ($((T1 - T0)) s)" ||
    fail "a helper's time limit is enforced" "< 30 s" "$((T1 - T0)) s"
[ -z "$CTR_ID" ] || on_remote ctr_rm "$CTR_ID" || true

# ---- unknown name
run pull no-such-session
check_eq "an unknown session is status 1" 1 "$RUN_RC"

local_untouched_since "$T_START" "the local engine saw nothing of the remote sessions and pulls"
e2e_finish
