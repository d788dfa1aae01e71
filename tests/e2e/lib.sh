# shellcheck shell=bash disable=SC2034
# lib.sh: helpers for e2e test scripts. Source it first:
#
#   . "$(dirname "$0")/lib.sh"
#
# Tests run through run-as-user.sh, as the test user, in a clean environment:
#   CONTAINER_HOST   unix://<socket of the private podman service>
#   AGS_E2E_IMAGE    the test image (static busybox + bash, user dev = 1000)
#   AGS_E2E_SCRATCH  an empty directory for this test, owned by the test user
#   AGS_BIN          the ags binary under test (empty if it was not built)
#   AGS_E2E_BACKEND  podman (default) or bwrap: the backend every ags run uses
#                    (on bwrap AGS_BIN becomes a wrapper adding --backend bwrap)
#
# Reporting: ok / fail / check_* count results; e2e_finish ends the script.
# The EXIT trap runs the cleanup list (e2e_defer, last in first out), then
# removes every container carrying this test's label, then prints
# "N passed, N failed". The exit status is 1 if anything failed, if the
# script died early (set -e) or if it never reached e2e_finish.
# A test never skips: a missing prerequisite is a failure (e2e_need).

set -Eeuo pipefail

E2E_PASS=0
E2E_FAIL=0
E2E_DONE=0
E2E_ERR=
E2E_ABORTED=0
E2E_CLEANUP=()

# ------------------------------------------------------------- reporting

# ok DESC
ok() {
    E2E_PASS=$((E2E_PASS + 1))
    printf 'ok   - %s\n' "$1"
}

# fail DESC [EXPECTED GOT]
fail() {
    E2E_FAIL=$((E2E_FAIL + 1))
    printf 'FAIL - %s\n' "$1"
    if [ $# -ge 3 ]; then
        printf '       expected: %s\n' "$(_e2e_clip "$2")"
        printf '       got:      %s\n' "$(_e2e_clip "$3")"
    elif [ $# -eq 2 ]; then
        printf '       %s\n' "$(_e2e_clip "$2")"
    fi
}

_e2e_clip() {
    local s=$1
    if [ "${#s}" -gt 2000 ]; then
        s="${s:0:2000}... (${#s} bytes)"
    fi
    printf '%s' "$s"
}

# check_eq DESC EXPECTED GOT
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else fail "$1" "$2" "$3"; fi
}

# check_match DESC ERE GOT
check_match() {
    if [[ $3 =~ $2 ]]; then ok "$1"; else fail "$1" "a match for /$2/" "$3"; fi
}

# check_contains DESC NEEDLE HAYSTACK
check_contains() {
    if [[ $3 == *"$2"* ]]; then ok "$1"; else fail "$1" "text containing '$2'" "$3"; fi
}

# check_lacks DESC NEEDLE HAYSTACK (byte-wise: NEEDLE may hold escape bytes)
check_lacks() {
    local LC_ALL=C
    if [[ $3 == *"$2"* ]]; then
        fail "$1" "no '$(printf '%q' "$2")'" "$(printf '%q' "$3")"
    else
        ok "$1"
    fi
}

# run ARGS...: runs ags with stdin from /dev/null; sets RUN_RC, RUN_OUT, RUN_ERR
run() {
    RUN_RC=0
    "$AGS_BIN" "$@" </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" || RUN_RC=$?
    RUN_OUT=$(cat "$E2E_TMP/out")
    RUN_ERR=$(cat "$E2E_TMP/err")
}

# check_status DESC EXPECTED_HTTP_STATUS  (of the last api call)
check_status() {
    if [ "$API_STATUS" = "$2" ]; then
        ok "$1"
    else
        fail "$1" "HTTP $2" "HTTP $API_STATUS: $API_BODY"
    fi
}

# e2e_abort MSG: record a failure and stop the test (cleanup still runs).
e2e_abort() {
    fail "$1"
    E2E_ABORTED=1
    exit 1
}

# e2e_need CMD...: every command must exist (a test fails, never skips).
e2e_need() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 ||
            e2e_abort "required command '$c' is not installed (see tests/e2e/README.md)"
    done
}

# e2e_defer 'SHELL CODE': run at exit, last registered first.
e2e_defer() {
    E2E_CLEANUP+=("$1")
}

e2e_finish() {
    E2E_DONE=1
    exit 0
}

_e2e_on_exit() {
    local rc=$? i
    set +eEu
    trap - ERR
    for ((i = ${#E2E_CLEANUP[@]} - 1; i >= 0; i--)); do
        eval "${E2E_CLEANUP[i]}" || fail "cleanup step failed: ${E2E_CLEANUP[i]}"
    done
    [ -z "${E2E_TMP:-}" ] || _e2e_sweep
    if [ "$E2E_DONE" != 1 ] && [ "$E2E_ABORTED" != 1 ]; then
        if [ "$rc" -ne 0 ]; then
            fail "test script stopped early (exit $rc)${E2E_ERR:+ at $E2E_ERR}"
        else
            fail "test script ended without e2e_finish"
        fi
    fi
    [ -z "${E2E_TMP:-}" ] || rm -rf "$E2E_TMP"
    printf '%d passed, %d failed\n' "$E2E_PASS" "$E2E_FAIL"
    if [ "$E2E_FAIL" -eq 0 ] && [ "$E2E_DONE" = 1 ]; then exit 0; fi
    exit 1
}
trap _e2e_on_exit EXIT
trap 'exit 143' TERM # so that the EXIT trap (cleanup, summary) runs
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'E2E_ERR="line $LINENO: $BASH_COMMAND (status $?)"' ERR

# ------------------------------------------------------------- environment

for _v in CONTAINER_HOST AGS_E2E_IMAGE AGS_E2E_SCRATCH; do
    [ -n "${!_v:-}" ] || e2e_abort "$_v is not set: run e2e tests through tests/e2e/run-as-user.sh (ctest -L e2e)"
done
[ -d "$AGS_E2E_SCRATCH" ] || e2e_abort "AGS_E2E_SCRATCH=$AGS_E2E_SCRATCH is not a directory"
case $CONTAINER_HOST in
    unix://*) ;;
    *) e2e_abort "CONTAINER_HOST=$CONTAINER_HOST is not unix://" ;;
esac
e2e_need curl python3

E2E_SOCK=${CONTAINER_HOST#unix://}
E2E_API=http://d/v4.0.0/libpod
# Layout made by run-as-user.sh: <run scratch>/<test>/scratch
_e2e_dir=${AGS_E2E_SCRATCH%/*}
E2E_TEST=${_e2e_dir##*/}
_e2e_run=${_e2e_dir%/*}
E2E_RUN=${_e2e_run##*/}
# Every container a test creates through ctr_create carries this label; the
# EXIT trap removes them all, teardown sweeps the key "ags-e2e".
E2E_LABEL=ags-e2e
E2E_LABEL_VALUE=$E2E_RUN.$E2E_TEST
E2E_TMP=$(mktemp -d "$_e2e_dir/tmp.XXXXXX")

# e2e_own_runtime_dir: XDG_RUNTIME_DIR becomes a fresh directory of this test
# alone (removed at exit), for tests that count what ags leaves in it while
# other tests run ags as the same user.  Under /tmp and short: the sockets ags
# makes in it (<dir>/ags-ssh-<session>/ssh-agent.sock) must fit a unix socket
# address (108 bytes), which a directory below the scratch tree does not.
e2e_own_runtime_dir() {
    XDG_RUNTIME_DIR=$(mktemp -d /tmp/ags-rt.XXXXXX) || e2e_abort "mktemp failed"
    export XDG_RUNTIME_DIR
    e2e_defer "rm -rf '$XDG_RUNTIME_DIR'"
}

# ------------------------------------------------------------- backend

E2E_BACKEND=${AGS_E2E_BACKEND:-podman}
case $E2E_BACKEND in
    podman | bwrap) ;;
    *) e2e_abort "AGS_E2E_BACKEND=$E2E_BACKEND: podman or bwrap" ;;
esac
# The bubblewrap backend's store as the tests write it (E2E_BWRAP_DATA,
# bwrap_image_id, bwrap_image_derive, bwrap_image_remove, bwrap_rm_tree).
# shellcheck source=bwrap-store.sh
. "$(dirname "${BASH_SOURCE[0]}")/bwrap-store.sh"

# on_backend NAME: true when the test runs on that backend.
on_backend() {
    [ "$E2E_BACKEND" = "$1" ]
}

# On bwrap every ags the test starts (directly, on a pty, in the background)
# runs through this wrapper: --backend bwrap before a run's flags and after
# the subcommands that take it; exec keeps the pid (tests signal it).
if on_backend bwrap && [ -n "${AGS_BIN:-}" ]; then
    E2E_AGS_REAL=$AGS_BIN
    AGS_BIN=$_e2e_dir/bin/ags-bwrap
    {
        printf '#!/bin/bash\n# written by tests/e2e/lib.sh: ags on the bubblewrap backend\n'
        printf 'real=%q\n' "$E2E_AGS_REAL"
        cat <<'SH'
case ${1:-} in
    --version | --help | -h) exec "$real" "$@" ;;
    -*) exec "$real" --backend bwrap "$@" ;;
    plan | update-image | update-agents | ps | stop)
        sub=$1
        shift
        exec "$real" "$sub" --backend bwrap "$@"
        ;;
    *) exec "$real" "$@" ;;
esac
SH
    } >"$AGS_BIN"
    chmod 0755 "$AGS_BIN"
fi

# podman_only WHAT: true on Podman; elsewhere says that this part of the
# script is Podman by nature and skipped (tests/e2e/README.md lists them).
podman_only() {
    on_backend podman && return 0
    printf '# podman only: %s\n' "$1"
    return 1
}

# ------------------------------------------------------------- API

# api METHOD PATH [CURL ARGS...]
#   Request http://d/v4.0.0/libpod/PATH on the service socket. Sets
#   API_STATUS (HTTP status, 000 if curl failed), API_BODY (body text, NULs
#   dropped) and API_BODY_FILE (the raw body). Never fails by itself.
api() {
    local method=$1 path=${2#/}
    shift 2
    API_BODY_FILE=$E2E_TMP/body
    : >"$API_BODY_FILE"
    API_STATUS=$(curl -sS --max-time "${E2E_CURL_TIMEOUT:-60}" --unix-socket "$E2E_SOCK" \
        -X "$method" -o "$API_BODY_FILE" -w '%{http_code}' "$@" "$E2E_API/$path" \
        2>"$E2E_TMP/curl.err") || API_STATUS=000
    API_BODY=$(tr -d '\000' <"$API_BODY_FILE")
    if [ "$API_STATUS" = 000 ]; then
        API_BODY="curl: $(cat "$E2E_TMP/curl.err")"
    fi
    return 0
}

# api_json METHOD PATH JSON
api_json() {
    api "$1" "$2" -H 'Content-Type: application/json' --data-binary "$3"
}

# jget PATH [JSON]: a value from JSON (default: the last API_BODY). PATH is
# dotted keys and list indexes, e.g. Id, State.ExitCode, 0.Names.0. Strings
# print raw, other values as JSON; missing or unparsable prints nothing.
jget() {
    printf '%s' "${2-$API_BODY}" | python3 -c '
import json, sys
try:
    v = json.load(sys.stdin)
    for k in [k for k in sys.argv[1].split(".") if k]:
        v = v[int(k)] if isinstance(v, list) else v[k]
except Exception:
    sys.exit(0)
print(v if isinstance(v, str) else json.dumps(v))
' "$1"
}

# json_str STRING: STRING as a JSON string literal.
json_str() {
    python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$1"
}

# demux FILE PREFIX: split a non-TTY attach/logs stream (8-byte frames:
# stream, 0, 0, 0, big-endian length) into PREFIX.0 .. PREFIX.3.
# Returns 1 and says why if the stream is malformed.
demux() {
    python3 - "$1" "$2" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
out, i = {0: bytearray(), 1: bytearray(), 2: bytearray(), 3: bytearray()}, 0
while i < len(data):
    head = data[i:i + 8]
    if len(head) < 8 or head[0] not in out or head[1:4] != b"\0\0\0":
        sys.exit("demux: bad frame header %r at offset %d of %d" % (head, i, len(data)))
    n = int.from_bytes(head[4:8], "big")
    if i + 8 + n > len(data):
        sys.exit("demux: frame at offset %d wants %d bytes, %d left" % (i, n, len(data) - i - 8))
    out[head[0]] += data[i + 8:i + 8 + n]
    i += 8 + n
for s, b in out.items():
    open("%s.%d" % (sys.argv[2], s), "wb").write(b)
EOF
}

# ------------------------------------------------------------- containers

# ctr_create SPEC_JSON: POST containers/create with this test's label added.
# Sets CTR_ID (empty on failure); check API_STATUS (201) yourself.
ctr_create() {
    local spec
    spec=$(printf '%s' "$1" | python3 -c '
import json, sys
s = json.load(sys.stdin)
s.setdefault("labels", {})[sys.argv[1]] = sys.argv[2]
print(json.dumps(s))
' "$E2E_LABEL" "$E2E_LABEL_VALUE") || e2e_abort "ctr_create: spec is not valid JSON: $1"
    api_json POST containers/create "$spec"
    CTR_ID=
    if [ "$API_STATUS" = 201 ]; then
        CTR_ID=$(jget Id)
    fi
}

# ctr_run SPEC_JSON: create, start, wait, fetch logs (no attach). Sets
# CTR_ID, CTR_EXIT, CTR_STDOUT, CTR_STDERR (trailing newlines stripped).
# Returns 1 with CTR_ERROR set if an API step failed. The container is left
# for the caller (ctr_rm) or the EXIT trap.
ctr_run() {
    CTR_EXIT='' CTR_STDOUT='' CTR_STDERR='' CTR_ERROR=''
    ctr_create "$1"
    [ -n "$CTR_ID" ] || { CTR_ERROR="create: HTTP $API_STATUS: $API_BODY"; return 1; }
    api POST "containers/$CTR_ID/start"
    [ "$API_STATUS" = 204 ] || { CTR_ERROR="start: HTTP $API_STATUS: $API_BODY"; return 1; }
    api POST "containers/$CTR_ID/wait?condition=exited"
    [ "$API_STATUS" = 200 ] || { CTR_ERROR="wait: HTTP $API_STATUS: $API_BODY"; return 1; }
    CTR_EXIT=$(printf '%s' "$API_BODY" | tr -d '[:space:]')
    api GET "containers/$CTR_ID/logs?stdout=true&stderr=true"
    [ "$API_STATUS" = 200 ] || { CTR_ERROR="logs: HTTP $API_STATUS: $API_BODY"; return 1; }
    local err
    err=$(demux "$API_BODY_FILE" "$E2E_TMP/ctr" 2>&1) || { CTR_ERROR=$err; return 1; }
    CTR_STDOUT=$(cat "$E2E_TMP/ctr.1")
    CTR_STDERR=$(cat "$E2E_TMP/ctr.2")
    return 0
}

# ctr_rm ID: DELETE ?force=true. Returns 1 unless the server said 200.
ctr_rm() {
    api DELETE "containers/$1?force=true&volumes=true"
    [ "$API_STATUS" = 200 ]
}

# Remove every container with this test's label.
_e2e_sweep() {
    local ids id left
    api GET containers/json -G --data-urlencode all=true \
        --data-urlencode "filters={\"label\":[\"$E2E_LABEL=$E2E_LABEL_VALUE\"]}"
    if [ "$API_STATUS" != 200 ]; then
        fail "cleanup: list containers labelled $E2E_LABEL=$E2E_LABEL_VALUE" "HTTP 200" "HTTP $API_STATUS: $API_BODY"
        return
    fi
    ids=$(printf '%s' "$API_BODY" | python3 -c 'import json, sys; print(" ".join(c["Id"] for c in json.load(sys.stdin)))')
    left=
    for id in $ids; do
        ctr_rm "$id" || left="$left ${id:0:12}(HTTP $API_STATUS)"
    done
    [ -z "$left" ] || fail "cleanup: could not remove containers:$left"
}

# ------------------------------------------------------------- drivers

# drv ARGS...: runs the C test driver "$DRIVER" (set by the script) and sets
# DRV_RC, DRV_OUT, DRV_ERR and DRV_MS (wall time). With DRV_LOG set, both
# outputs are also appended to that file (for leak checks over everything).
drv() {
    local t0 t1
    DRV_RC=0
    t0=$(date +%s%N)
    "$DRIVER" "$@" >"$E2E_TMP/drv.out" 2>"$E2E_TMP/drv.err" || DRV_RC=$?
    t1=$(date +%s%N)
    DRV_MS=$(((t1 - t0) / 1000000))
    DRV_OUT=$(cat "$E2E_TMP/drv.out")
    DRV_ERR=$(cat "$E2E_TMP/drv.err")
    if [ -n "${DRV_LOG:-}" ]; then
        cat "$E2E_TMP/drv.out" "$E2E_TMP/drv.err" >>"$DRV_LOG"
    fi
}

# ------------------------------------------------------------- sandboxes, volumes, images
# Backend-neutral: a sandbox is a Podman container labelled ags.managed=true,
# or on bwrap a per-run directory <store>/runs/ags-bwrap-<name>/ that the run
# makes and removes at its end (a kill -9 of ags leaves it for the next run's
# sweep, as it leaves a container).  A named volume is a Podman volume or the
# directory volumes/<name>/_data of the bwrap store.

# The per-run directories of bwrap sandboxes (in the store: docs/bwrap.md).
bwrap_run_dirs() {
    find "${XDG_DATA_HOME:-$HOME/.local/share}/ags/runs" -mindepth 1 -maxdepth 1 -type d \
        -name 'ags-bwrap-*' -user "$(id -u)" 2>/dev/null || true
}

# The number of sandboxes (any state) of ags's.
managed_containers() {
    if on_backend bwrap; then
        bwrap_run_dirs | grep -c . || true
        return 0
    fi
    api GET '/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <"$API_BODY_FILE"
}

# managed_containers_of AGENT IMAGE: the number of ags's sandboxes (any
# state) of that agent from that image: what one test left, while other
# tests run their own sandboxes on the same Podman service (ctest -j).  A
# bwrap per-run directory records its image (image-id) but not its agent:
# there it counts the sandboxes of the image.
managed_containers_of() {
    if on_backend bwrap; then
        local d n=0 id
        id=$(bwrap_image_id "$2")
        for d in $(bwrap_run_dirs); do
            [ -n "$id" ] && [ "$(cat "$d/image-id" 2>/dev/null)" = "$id" ] || continue
            n=$((n + 1))
        done
        echo "$n"
        return 0
    fi
    api GET '/containers/json?all=true&filters=%7B%22label%22%3A%5B%22ags.managed%3Dtrue%22%5D%7D'
    python3 -c 'import json, sys
agent, image = sys.argv[1], sys.argv[2]
print(sum(1 for c in json.load(sys.stdin)
          if (c.get("Labels") or {}).get("ags.agent") == agent and c.get("Image") == image))' \
        "$1" "$2" <"$API_BODY_FILE"
}

# remove_volumes_named PREFIX...: removes (force) every volume whose name
# starts with one of the prefixes, e.g. an agent's ags-pi- volumes.
remove_volumes_named() {
    local names n p
    if on_backend bwrap; then
        for n in "$E2E_BWRAP_DATA"/volumes/*; do
            [ -d "$n" ] || continue
            for p in "$@"; do
                [[ ${n##*/} == "$p"* ]] && bwrap_rm_tree "$n" && break
            done
        done
        return 0
    fi
    api GET '/volumes/json'
    names=$(python3 -c 'import json, sys
for v in json.load(open(sys.argv[1])) or []:
    if v["Name"].startswith(tuple(sys.argv[2:])):
        print(v["Name"])' "$API_BODY_FILE" "$@")
    for n in $names; do
        api DELETE "/volumes/$n?force=true"
    done
}

# volume_dir NAME: where the files of named volume NAME are on the host
# (empty when it does not exist).
volume_dir() {
    if on_backend bwrap; then
        [ ! -d "$E2E_BWRAP_DATA/volumes/$1/_data" ] || printf '%s\n' "$E2E_BWRAP_DATA/volumes/$1/_data"
        return 0
    fi
    api GET "/volumes/$1/json"
    [ "$API_STATUS" = 200 ] || return 0
    printf '%s' "$API_BODY" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Mountpoint"])'
}

# image_exists IMAGE: prints yes or no.
image_exists() {
    if on_backend bwrap; then
        [ -n "$(bwrap_image_id "$1")" ] && echo yes || echo no
        return 0
    fi
    api GET "/images/$(printf %s "$1" | sed 's|/|%2F|g; s|:|%3A|g')/exists"
    [ "$API_STATUS" = 204 ] && echo yes || echo no
}

# image_remove IMAGE: removes an image (forced on Podman: API_STATUS 200;
# on bwrap its tag and, when no other tag names it, its tree).
image_remove() {
    if on_backend bwrap; then
        API_STATUS=200
        bwrap_image_remove "$1" || API_STATUS=404
        return 0
    fi
    api DELETE "/images/$(printf %s "$1" | sed 's|/|%2F|g; s|:|%3A|g')?force=true"
}
