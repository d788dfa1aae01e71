#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ags df and ags prune (issue 13, item 3) against the real rootless service:
# what ags owns is listed with sizes; prune removes a dead run's container,
# secret and lockdown staging (without following a symlink planted in it),
# an old ags-shared-* volume and a stale base tarball; --dry-run changes
# nothing; --all refuses without a terminal or --yes, and with --yes also
# removes the agent volumes and the images ags made, never a live session's
# volumes or anything without ags's labels (look-alike names included).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config XDG_CACHE_HOME=$AGS_E2E_SCRATCH/cache
export TMPDIR=$E2E_TMP/stg CANARY_SRC=prune-canary
mkdir -p "$WORK/.git" "$XDG_CONFIG_HOME/ags" "$XDG_CACHE_HOME/ags/base" "$TMPDIR"
IMAGE=localhost/ags-prune-e2e:latest
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$IMAGE"

[[secret]]
env = "PRUNE_CANARY"
from_env = "CANARY_SRC"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"

# build_image TAG CONTAINERFILE_TEXT: through the API (tar of one Containerfile).
build_image() {
    local ctx=$E2E_TMP/ctx-$RANDOM
    mkdir -p "$ctx"
    printf '%s\n' "$2" >"$ctx/Containerfile"
    tar -C "$ctx" -cf "$ctx.tar" Containerfile
    api POST "build?t=$1&layers=false" -H 'Content-Type: application/x-tar' \
        --data-binary "@$ctx.tar"
    api GET "images/$1/exists"
    [ "$API_STATUS" = 204 ] || e2e_abort "building $1 failed: $(tail -c 400 "$API_BODY_FILE")"
}
volumes() {
    api GET volumes/json
    python3 -c 'import json,sys; print(" ".join(sorted(v["Name"] for v in json.load(sys.stdin) or [])))' <"$API_BODY_FILE"
}
images() {
    api GET images/json
    python3 -c 'import json,sys; print(" ".join(sorted(t for i in json.load(sys.stdin) or [] for t in (i.get("RepoTags") or ["<none>"]))))' <"$API_BODY_FILE"
}
containers() {
    api GET 'containers/json?all=true'
    python3 -c 'import json,sys; print(" ".join(sorted(c["Names"][0] for c in json.load(sys.stdin) or [])))' <"$API_BODY_FILE"
}
secrets() {
    api GET secrets/json
    python3 -c 'import json,sys; print(" ".join(sorted(s["Spec"]["Name"] for s in json.load(sys.stdin) or [])))' <"$API_BODY_FILE"
}
state() { printf 'volumes: %s\nimages: %s\ncontainers: %s\nsecrets: %s\nstaging: %s\ncache: %s\n' \
    "$(volumes)" "$(images)" "$(containers)" "$(secrets)" "$(ls "$TMPDIR")" "$(ls "$XDG_CACHE_HOME/ags/base")"; }
# pty_answer ANSWER ARGS...: ags ARGS on a terminal, ANSWER typed at its
# [y/N] question; prints what it wrote, exits with its status.
pty_answer() {
    python3 - "$AGS_BIN" "$@" <<'PY'
import os, pty, select, sys
ags, answer, args = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(ags, [ags] + args)
out, sent = b"", False
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 60)
        data = os.read(fd, 4096) if ready else b""
    except OSError:
        data = b""
    if not data:
        break
    out += data
    if not sent and b"[y/N]" in out:
        os.write(fd, answer.encode() + b"\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
has_word() { [[ " $2 " == *" $1 "* ]] && echo yes || echo no; }
# wait_running NAME_PREFIX: until an ags container whose name starts so runs.
wait_running() {
    local _
    for _ in $(seq 300); do
        api GET 'containers/json?filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
        python3 -c 'import json,sys; sys.exit(0 if any(c["State"]=="running" and c["Labels"].get("ags.session")==sys.argv[1] for c in json.load(sys.stdin) or []) else 1)' "$1" <"$API_BODY_FILE" && return 0
        sleep 0.1
    done
    return 1
}
session_of_pid() { # the ags.session of the container a given ags pid owns
    api GET 'containers/json?all=true&filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
    python3 -c 'import json,sys
for c in json.load(sys.stdin) or []:
    if c["Labels"].get("ags.pid") == sys.argv[1]: print(c["Labels"]["ags.session"])' "$1" <"$API_BODY_FILE"
}
wait_session_of() {
    local _ s
    for _ in $(seq 300); do
        s=$(session_of_pid "$1")
        [ -n "$s" ] && wait_running "$s" && return 0
        sleep 0.1
    done
    return 1
}

# ---- what ags owns, and look-alikes that are not
build_image "$IMAGE" "FROM $AGS_E2E_IMAGE
LABEL ags.image.context-sha256=e2e ags.image.built=now"
# An image carrying ags's label under a name ags does not build (a user's).
build_image localhost/prune-mine:1 "FROM $AGS_E2E_IMAGE
LABEL ags.image.context-sha256=mine"
# A look-alike base: ags's name, no ags label.
build_image localhost/ags-base:lookalike "FROM $AGS_E2E_IMAGE
LABEL lookalike=1"
# The base ags imports carries ags.image.imported-base.
mkdir -p "$E2E_TMP/root/etc" && echo base >"$E2E_TMP/root/etc/base"
tar -C "$E2E_TMP/root" -cf "$E2E_TMP/root.tar" .
api POST 'images/import?reference=localhost/ags-base:prune-e2e&changes=LABEL%20ags.image.imported-base%3De2e' \
    -H 'Content-Type: application/x-tar' --data-binary "@$E2E_TMP/root.tar"
check_status "a labelled base image is imported" 200
remove_test_images() {
    local img
    for img in localhost/prune-mine:1 localhost/ags-base:lookalike localhost/ags-base:prune-e2e "$IMAGE"; do
        api DELETE "images/$img?force=true"
    done
}
e2e_defer remove_test_images

api_json POST volumes/create '{"Name":"ags-pi-pnpm-home","Labels":{}}'
check_status "a look-alike volume without labels" 201
api_json POST volumes/create '{"Name":"ags-shared-cargo","Labels":{"ags.managed":"true","ags.agent":"shared","ags.volume":"cargo"}}'
check_status "an ags-shared-* volume of an earlier ags" 201
e2e_defer 'remove_volumes_named ags-pi- ags-shared- ags-shell- ags-gemini-'

# A stale base tarball (older than its 7-day refresh) and a fresh one.
head -c 300000 /dev/zero >"$XDG_CACHE_HOME/ags/base/debian-old.tar"
touch -d '10 days ago' "$XDG_CACHE_HOME/ags/base/debian-old.tar"
head -c 200000 /dev/zero >"$XDG_CACHE_HOME/ags/base/debian-fresh.tar"

# The gemini agent's volumes (the test image has no gemini: the run fails
# after prepare made them).
run --agent gemini
check_eq "a gemini run creates gemini's volumes" yes "$(has_word ags-gemini-npm-global "$(volumes)")"
# 3 MB in one of them, for df to measure.
ctr_run "{\"image\": \"$AGS_E2E_IMAGE\", \"command\": [\"/bin/sh\", \"-c\", \"head -c 3000000 /dev/zero >/v/blob\"],
  \"volumes\": [{\"Name\": \"ags-gemini-pnpm-home\", \"Dest\": \"/v\"}]}" ||
    e2e_abort "writing into gemini's volume: $CTR_ERROR"
ctr_rm "$CTR_ID" || e2e_abort "removing the writer: HTTP $API_STATUS"

# A live session and two dead ones (kill -9 of their ags): a lockdown run
# leaves its staging, an ordinary one its secret.
"$AGS_BIN" --agent shell -- -c 'sleep 300' </dev/null >/dev/null 2>"$E2E_TMP/live.err" &
LIVE_PID=$!
e2e_defer "kill $LIVE_PID 2>/dev/null; wait $LIVE_PID 2>/dev/null || true"
wait_session_of "$LIVE_PID" || e2e_abort "the live session's container never ran: $(cat "$E2E_TMP/live.err")"
"$AGS_BIN" --agent shell --lockdown -- -c 'sleep 300' </dev/null >/dev/null 2>"$E2E_TMP/dead.err" &
DEAD1_PID=$!
wait_session_of "$DEAD1_PID" || e2e_abort "the lockdown run's container never ran: $(cat "$E2E_TMP/dead.err")"
# Both die only now: a run that starts sweeps what dead runs left.
"$AGS_BIN" --agent shell -- -c 'sleep 300' </dev/null >/dev/null 2>"$E2E_TMP/dead2.err" &
DEAD_PID=$!
wait_session_of "$DEAD_PID" || e2e_abort "the second dead run's container never ran: $(cat "$E2E_TMP/dead2.err")"
DEAD_SESSION=$(session_of_pid "$DEAD_PID")
kill -KILL "$DEAD1_PID" "$DEAD_PID"
wait "$DEAD1_PID" "$DEAD_PID" 2>/dev/null || true
check_contains "the dead run left its secret" "-$DEAD_SESSION-0" "$(secrets)"
STAGING=$(ls "$TMPDIR")
check_match "the dead run left its lockdown staging" '^ags-lockdown-' "$STAGING"
# What a sandbox could plant in staging: a symlink out of it.
echo keep >"$E2E_TMP/outside"
ln -s "$E2E_TMP/outside" "$TMPDIR/$STAGING/link-out"
ln -s "$E2E_TMP" "$TMPDIR/$STAGING/dir-out"
head -c 200000 /dev/urandom >"$TMPDIR/$STAGING/blob"

# ---- ags df
t0=$(date +%s%N)
run df
t1=$(date +%s%N)
echo "# ags df took $(((t1 - t0) / 1000000)) ms"
check_eq "ags df exits 0" 0 "$RUN_RC"
df_out=$RUN_OUT
check_match "df lists the shell agent's volume with a size, in use by the live session" \
    'ags-shell-pnpm-home +[0-9.]+ [kMG]?B +live session' "$df_out"
check_match "df lists gemini's volume with the 3 MB in it, removed by prune --all" \
    'ags-gemini-pnpm-home +3\.[0-9] MB +- +prune --all' "$df_out"
check_match "df lists the old shared volume as removed by prune" \
    'ags-shared-cargo +[0-9.]+ [kMG]?B +- +prune' "$df_out"
check_match "df lists the image ags built with its size, in use by the live session" \
    "$IMAGE +[0-9.]+ MB +live session" "$df_out"
check_match "df lists the imported base" 'localhost/ags-base:prune-e2e +[0-9.]+ [kMG]?B' "$df_out"
check_match "df lists the dead run's staging with its size" \
    "$STAGING +2[0-9][0-9]\.[0-9] kB +dead run +prune" "$df_out"
check_match "df lists the stale base tarball" 'debian-old.tar +[0-9.]+ kB +- +prune$' "$(grep debian-old <<<"$df_out")"
check_match "df lists the dead run's secret" "-$DEAD_SESSION-0 +- +dead run +prune" "$df_out"
check_eq "df lists both dead runs' containers" 2 "$(sed -n '/^Containers/,/total/p' <<<"$df_out" | grep -c 'dead run  *prune')"
check_match "df ends with a total" '^Total: [0-9.]+ [kMG]?B$' "$(tail -n1 <<<"$df_out")"
check_lacks "df does not list the look-alike volume" 'ags-pi-pnpm-home' "$df_out"
check_lacks "df does not list the look-alike base" 'ags-base:lookalike' "$df_out"
check_lacks "df does not list the user's image with ags's label" 'prune-mine' "$df_out"

# ---- --dry-run changes nothing
before=$(state)
run prune --dry-run
check_eq "prune --dry-run exits 0" 0 "$RUN_RC"
check_contains "--dry-run names the dead run's staging" "$STAGING" "$RUN_OUT"
check_contains "--dry-run names the shared volume" 'volume ags-shared-cargo' "$RUN_OUT"
check_lacks "--dry-run without --all does not name gemini's volumes" 'ags-gemini' "$RUN_OUT"
run prune --dry-run --all
check_contains "--dry-run --all names gemini's volumes" 'volume ags-gemini-pnpm-home' "$RUN_OUT"
check_contains "--dry-run --all names the imported base" 'localhost/ags-base:prune-e2e' "$RUN_OUT"
check_lacks "--dry-run --all keeps the live session's volumes" 'ags-shell-' "$RUN_OUT"
check_eq "--dry-run removed nothing" "$before" "$(state)"

# ---- --all needs a terminal or --yes
run prune --all
check_eq "prune --all without a terminal or --yes exits 2" 2 "$RUN_RC"
check_contains "and says to add --yes" '--yes' "$RUN_ERR"
check_eq "and removed nothing" "$before" "$(state)"

rc=0
out=$(pty_answer n prune --all) || rc=$?
check_eq "prune --all answered n on a terminal exits 1" 1 "$rc"
check_contains "its question lists gemini's volumes" 'volume ags-gemini-pnpm-home' "$out"
check_contains "and asks" '[y/N]' "$out"
check_contains "and says nothing was removed" 'nothing removed' "$out"
check_eq "and nothing was removed" "$before" "$(state)"

# ---- prune: the dead run's leftovers, the shared volume, the stale tarball
run prune
check_eq "prune exits 0" 0 "$RUN_RC"
check_eq "the dead run's staging is gone" "" "$(ls "$TMPDIR")"
check_eq "the symlinked file outside staging survives" keep "$(cat "$E2E_TMP/outside")"
check_eq "the directory a symlink pointed to survives" yes "$([ -f "$E2E_TMP/root.tar" ] && echo yes || echo no)"
check_lacks "the dead run's secret is gone" "-$DEAD_SESSION-" "$(secrets)"
check_eq "one container is left: the live session's" 1 "$(managed_containers)"
check_contains "prune says what it removed" "removed staging $TMPDIR/$STAGING" "$RUN_OUT"
check_eq "the shared volume is gone" no "$(has_word ags-shared-cargo "$(volumes)")"
check_eq "the stale tarball is gone, the fresh one kept" debian-fresh.tar "$(ls "$XDG_CACHE_HOME/ags/base")"
check_eq "gemini's volumes stay without --all" yes "$(has_word ags-gemini-pnpm-home "$(volumes)")"

# ---- prune --all --yes: a live session's volumes and image survive
run prune --all --yes
check_eq "prune --all --yes exits 0" 0 "$RUN_RC"
vols=$(volumes)
check_eq "gemini's volumes are gone" no "$(has_word ags-gemini-pnpm-home "$vols")"
check_eq "the live session's volume survives" yes "$(has_word ags-shell-pnpm-home "$vols")"
check_eq "the look-alike volume survives" yes "$(has_word ags-pi-pnpm-home "$vols")"
imgs=$(images)
check_eq "the image the live session uses survives" yes "$(has_word "$IMAGE" "$imgs")"
check_eq "the imported base is gone" no "$(has_word localhost/ags-base:prune-e2e "$imgs")"
check_eq "the look-alike base survives" yes "$(has_word localhost/ags-base:lookalike "$imgs")"
check_eq "the user's image with ags's label survives" yes "$(has_word localhost/prune-mine:1 "$imgs")"
check_eq "the fresh tarball is gone" "" "$(ls "$XDG_CACHE_HOME/ags/base")"
check_eq "the live session still runs" yes "$(kill -0 "$LIVE_PID" 2>/dev/null && echo yes || echo no)"

# ---- once the session ended, --all removes its volumes and the image
kill -TERM "$LIVE_PID"
wait "$LIVE_PID" 2>/dev/null || true
check_eq "the live session's container went with it" 0 "$(managed_containers)"
rc=0
out=$(pty_answer y prune --all) || rc=$?
check_eq "prune --all answered y on a terminal exits 0" 0 "$rc"
check_contains "and says what it removed" "removed image $IMAGE" "$out"
check_eq "the shell agent's volumes are gone" no "$(has_word ags-shell-pnpm-home "$(volumes)")"
imgs=$(images)
check_eq "the image ags built is gone" no "$(has_word "$IMAGE" "$imgs")"
check_eq "the look-alike volume still survives" yes "$(has_word ags-pi-pnpm-home "$(volumes)")"
check_eq "the user's image still survives" yes "$(has_word localhost/prune-mine:1 "$imgs")"
run df
check_eq "afterwards df has nothing of ags's" "ags owns nothing on this host" "$RUN_OUT"

e2e_finish
