#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016
# Containers through ags's client (src/podman: spec.c, containers.c,
# attach.c, io.c) without a TTY, driven by podman-run: the exit status
# passes through, stdout and stderr stay apart, stdin reaches the process
# and its EOF too, binary data round-trips byte-exactly both ways, keep-id
# makes files in a bind mount the test user's, one file copied out of an
# exited container comes back intact (a symlink there refused), list
# filters AND their labels, stop/kill/remove report the right states, a name
# conflict and a missing image or command fail clearly.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_need sha256sum head seq
PR=$(cd "$(dirname "$0")" && pwd)/bin/podman-run
[ -x "$PR" ] || e2e_abort "podman-run is missing (AGS_E2E_EXTRA_BINS)"
img=$AGS_E2E_IMAGE
lbl="$E2E_LABEL=$E2E_LABEL_VALUE"
out=$E2E_TMP/out
err=$E2E_TMP/err

# prun ARGS...: podman-run with stdout/stderr to files; sets RC.
prun() {
    RC=0
    "$PR" "$@" >"$out" 2>"$err" </dev/null || RC=$?
}

# ------------------------------------------------------------ exit status
prun run --label "$lbl" "$img" sh -c 'exit 7'
check_eq "exit status 7 passes through" 7 "$RC"
prun run --label "$lbl" "$img" true
check_eq "exit status 0" 0 "$RC"
prun run --label "$lbl" "$img" sh -c 'exit 255'
check_eq "exit status 255" 255 "$RC"

# ------------------------------------------------------------ stdout/stderr
prun run --label "$lbl" "$img" sh -c 'echo to-stdout; echo to-stderr >&2; echo more-out; exit 3'
check_eq "streams: exit status" 3 "$RC"
check_eq "streams: stdout holds only stdout" "$(printf 'to-stdout\nmore-out')" "$(cat "$out")"
check_eq "streams: stderr holds only stderr" "to-stderr" "$(cat "$err")"

# ------------------------------------------------------------ stdin and EOF
rc=0
got=$(printf 'abc' | "$PR" run -i --label "$lbl" "$img" cat 2>"$err") || rc=$?
check_eq "stdin: printf abc | cat prints abc" abc "$got"
check_eq "stdin: cat sees EOF and exits 0" 0 "$rc"
rc=0
got=$("$PR" run -i --label "$lbl" "$img" sh -c 'wc -c' </dev/null 2>"$err") || rc=$?
check_eq "stdin: empty input gives EOF at once" "0 0" "$(echo "$got" | tr -s ' ' | sed 's/^ //') $rc"
rc=0
got=$("$PR" run --label "$lbl" "$img" cat 2>"$err" </dev/null) || rc=$?
check_eq "no -i: the process has no stdin (cat ends)" "0:" "$rc:$got"

# 1 MiB of random bytes through cat, both directions at once.
head -c 1048576 /dev/urandom >"$E2E_TMP/rnd"
want=$(sha256sum <"$E2E_TMP/rnd" | cut -d' ' -f1)
rc=0
got=$("$PR" run -i --label "$lbl" "$img" cat <"$E2E_TMP/rnd" 2>"$err" | sha256sum | cut -d' ' -f1) ||
    rc=$?
check_eq "binary: 1 MiB of random bytes round-trip byte-exactly (sha256)" "$want" "$got"
check_eq "binary: exit status" 0 "$rc"
check_eq "binary: nothing on stderr" "" "$(cat "$err")"
# Output split over many frames keeps order and bytes.
want=$(seq 1 200000 | sha256sum | cut -d' ' -f1)
got=$("$PR" run --label "$lbl" "$img" seq 1 200000 2>"$err" | sha256sum | cut -d' ' -f1)
check_eq "output: seq 1 200000 arrives intact" "$want" "$got"
# stderr binary too, with stdout interleaved.
got=$("$PR" run -i --label "$lbl" "$img" sh -c 'cat >&2; echo done' <"$E2E_TMP/rnd" \
    2>"$E2E_TMP/err.bin")
check_eq "binary stderr: stdout" "done" "$got"
check_eq "binary stderr: 1 MiB on stderr intact" "$(sha256sum <"$E2E_TMP/rnd")" \
    "$(sha256sum <"$E2E_TMP/err.bin")"

# ------------------------------------------------------------ keep-id
wdir=$AGS_E2E_SCRATCH/keepid
mkdir "$wdir"
prun run --label "$lbl" --userns keep-id -v "$wdir:/w:rw" -e GREETING=hi "$img" \
    sh -c 'id -u; echo "$GREETING" >/w/made-in-ctr'
check_eq "keep-id: exit status" 0 "$RC"
check_eq "keep-id: uid inside = host uid" "$(id -u)" "$(cat "$out")"
check_eq "keep-id: the file is the test user's on the host" "$(id -u):$(id -g)" \
    "$(stat -c %u:%g "$wdir/made-in-ctr" 2>&1)"
check_eq "keep-id: -e reached the process" hi "$(cat "$wdir/made-in-ctr" 2>&1)"
prun run --label "$lbl" -v "$wdir:/w:ro" "$img" sh -c 'echo x >/w/nope'
check_match "a :ro bind mount is read-only" 'Read-only file system' "$(cat "$err")"

# ------------------------------------------------------------ copy in (archive PUT)
# What a remote run's copy step relies on (run/copyin.c): a tar PUT into a
# created, not yet started container lands below the directory given,
# missing parents made, owned by the container's (keep-id) user whatever the
# tar says, with the tar's permission bits, byte for byte.
cdir=$E2E_TMP/cp
mkdir -p "$cdir/opt/ags-cp/sub"
head -c 70000 /dev/urandom >"$cdir/opt/ags-cp/sub/blob"
chmod 0444 "$cdir/opt/ags-cp/sub/blob"
tar -C "$cdir" --owner=0 --group=0 --numeric-owner -cf "$E2E_TMP/cp.tar" opt/ags-cp/sub/blob
prun create --label "$lbl" --userns keep-id -v "$wdir:/w:rw" "$img" \
    sh -c 'cd /opt/ags-cp/sub && stat -c "%a %u:%g" blob . >/w/cp-stat && sha256sum <blob >>/w/cp-stat'
cid=$(cat "$out")
prun cp "$cid" / "$E2E_TMP/cp.tar"
check_eq "copy in: the archive PUT into a created container succeeds" 0 "$RC"
prun start "$cid"
prun wait "$cid"
check_eq "copy in: the container ran" 0 "$(cat "$out")"
me="$(id -u):$(id -g)"
check_eq "copy in: mode kept, owned by the keep-id user, parents made, bytes intact" \
    "$(printf '444 %s\n755 %s\n%s' "$me" "$me" "$(sha256sum <"$cdir/opt/ags-cp/sub/blob")")" \
    "$(cat "$wdir/cp-stat" 2>&1)"
prun rm "$cid"
prun cp "$cid" / "$E2E_TMP/cp.tar"
check_eq "copy in: a container that is gone fails like the API" 125 "$RC"
check_match "copy in: and says so" 'copy into container' "$(cat "$err")"

# ------------------------------------------------------------ copy out (archive GET)
# What a remote run's pull relies on (the backend's copy_out): one file the
# sandbox wrote in its own writable layer comes back from the exited
# container byte for byte; what the sandbox may leave there instead (a
# symlink, a directory, nothing, too much) is refused.  get-archive and
# tar-read show the two halves: Podman's stat and tar, and base/tar-read.h.
xname=ags-e2e-export-$$
prun run --keep --name "$xname" --label "$lbl" "$img" \
    sh -c 'mkdir -p /var/tmp && head -c 300000 /dev/urandom >/var/tmp/ags-export &&
           sha256sum </var/tmp/ags-export'
check_eq "copy out: the exporting container ran (and exited)" 0: "$RC:$(cat "$err")"
want=$(cut -d' ' -f1 "$out")
prun copy-out "$xname" /var/tmp/ags-export 300000 "$E2E_TMP/x.out"
check_eq "copy out: the backend op succeeds at the exact max" 0: "$RC:$(cat "$err")"
check_eq "copy out: byte for byte (sha256)" "$want" \
    "$(sha256sum <"$E2E_TMP/x.out" | cut -d' ' -f1)"
prun copy-out "$xname" /var/tmp/ags-export 299999 "$E2E_TMP/x.out"
check_match "copy out: a file over the max is refused, naming both sizes" \
    "125 .*has 300000 bytes, more than the 299999 allowed \[EFBIG\]" "$RC $(cat "$err")"
prun copy-out "$xname" /var/tmp/nothing-here 300000 "$E2E_TMP/x.out"
check_match "copy out: a missing path is ENOENT" \
    '125 .*no such container or path \[ENOENT\]' "$RC $(cat "$err")"
prun get-archive "$xname" /var/tmp/ags-export 400000 "$E2E_TMP/x.tar"
check_eq "copy out: GET archive of an exited container's file" 0: "$RC:$(cat "$err")"
check_match "copy out: Podman's stat: a regular file at the path" \
    '^name=ags-export link=/var/tmp/ags-export size=300000 mode=0x1a4 dir=0$' "$(cat "$out")"
prun tar-read "$E2E_TMP/x.tar" ags-export 300000 "$E2E_TMP/x.out"
check_eq "copy out: Podman's tar holds the one regular file" 0: "$RC:$(cat "$err")"
prun get-archive "$xname" /var/tmp/ags-export 100000 "$E2E_TMP/x.tar"
check_match "copy out: a reply over the bound aborts the transfer" \
    '125 .*larger than 100000 bytes \[EFBIG\]' "$RC $(cat "$err")"
prun rm "$xname"
prun copy-out "$xname" /var/tmp/ags-export 300000 "$E2E_TMP/x.out"
check_match "copy out: a container that is gone is ENOENT" '125 .*\[ENOENT\]' "$RC $(cat "$err")"

lname=ags-e2e-export-link-$$
prun run --keep --name "$lname" --label "$lbl" "$img" \
    sh -c 'mkdir -p /var/tmp && ln -s /etc/passwd /var/tmp/ags-export'
prun copy-out "$lname" /var/tmp/ags-export 300000 "$E2E_TMP/x.out"
check_match "copy out: a symlink at the path is refused, naming where it leads" \
    "125 .*'/var/tmp/ags-export' is no regular file: it leads to '/etc/passwd' \(a symlink\) \[EBADMSG\]" \
    "$RC $(cat "$err")"
check_eq "copy out: and nothing of its target written" 0 "$(wc -c <"$E2E_TMP/x.out")"
# Podman 4.3 follows the link and archives its target under the name asked
# for: the tar alone cannot tell (why copy_out checks Podman's stat).
prun get-archive "$lname" /var/tmp/ags-export 400000 "$E2E_TMP/x.tar"
prun tar-read "$E2E_TMP/x.tar" ags-export 400000 "$E2E_TMP/x.out"
check_eq "copy out: the tar of a symlink holds its target as a regular file" 0 "$RC"
prun rm "$lname"

dname=ags-e2e-export-dir-$$
prun run --keep --name "$dname" --label "$lbl" "$img" sh -c 'mkdir -p /var/tmp/ags-export/sub'
prun copy-out "$dname" /var/tmp/ags-export 300000 "$E2E_TMP/x.out"
check_match "copy out: a directory at the path is refused" \
    '125 .*is no regular file \(a directory' "$RC $(cat "$err")"
prun get-archive "$dname" /var/tmp/ags-export 400000 "$E2E_TMP/x.tar"
prun tar-read "$E2E_TMP/x.tar" ags-export 400000 "$E2E_TMP/x.out"
check_match "copy out: and by its tar alone too" '125 .*not a regular file \(a directory\)' \
    "$RC $(cat "$err")"
prun rm "$dname"

# ------------------------------------------------------------ list by label
key=ags-e2e-list-$$
prun create --label "$lbl" --label "$key=a" --label "$key-role=one" "$img" true
id1=$(cat "$out")
prun create --label "$lbl" --label "$key=a" --label "$key-role=two" "$img" true
id2=$(cat "$out")
check_match "create prints a 64-hex id" '^[0-9a-f]{64}$' "$id1"
prun ls "$key=a"
check_eq "list: one label matches both" 2 "$(wc -l <"$out")"
prun ls "$key=a" "$key-role=two"
check_eq "list: labels are AND-ed" "$id2" "$(cut -d' ' -f1 "$out")"
check_match "list: state and labels" "^$id2 [a-z_]+ (created|configured) .*$key-role=two" \
    "$(cat "$out")"
prun ls "$key=nothing"
check_eq "list: no match is empty" "" "$(cat "$out")"

# ------------------------------------------------------------ stop/kill/remove
prun create --label "$lbl" "$img" sleep 60
id=$(cat "$out")
prun start "$id"
check_eq "start" 0 "$RC"
prun start "$id"
check_eq "start again (304) is fine" 0 "$RC"
prun rm "$id"
check_eq "rm without force on a running container fails" 125 "$RC"
check_contains "... with EBUSY" "[EBUSY]" "$(cat "$err")"
prun kill "$id" SIGKILL
check_eq "kill" 0 "$RC"
prun wait "$id"
check_eq "wait after kill says 137" 137 "$(cat "$out")"
prun kill "$id"
check_contains "kill of a stopped container is EBUSY" "[EBUSY]" "$(cat "$err")"
prun stop "$id" 1
check_eq "stop of a stopped container is fine (304)" 0 "$RC"
prun rm "$id"
check_eq "rm" 0 "$RC"
prun rm "$id"
check_contains "rm of a removed container is ENOENT" "[ENOENT]" "$(cat "$err")"
prun wait "$id"
check_contains "wait on a removed container is ENOENT" "[ENOENT]" "$(cat "$err")"

prun create --label "$lbl" "$img" sleep 60
id=$(cat "$out")
prun start "$id"
start=$(date +%s)
prun stop "$id" 1
check_eq "stop (sleep ignores SIGTERM: killed after 1 s)" 0 "$RC"
check_match "stop returned within the timeout plus slack" '^[0-9]$' "$(($(date +%s) - start))"
prun wait "$id"
check_eq "stopped container's status" 137 "$(cat "$out")"
prun rm -f "$id"

# ------------------------------------------------------------ conflicts, failures
name=ags-e2e-conflict-$$
prun create --label "$lbl" --name "$name" "$img" true
check_eq "create --name" 0 "$RC"
prun create --label "$lbl" --name "$name" "$img" true
check_eq "the same name again fails" 125 "$RC"
check_contains "... with EBUSY" "[EBUSY]" "$(cat "$err")"
check_contains "... saying the name is in use" "already in use" "$(cat "$err")"
prun run --label "$lbl" localhost/ags-e2e-no-such-image:1 true
check_eq "missing image: status 125" 125 "$RC"
check_contains "missing image: says so" "image not known" "$(cat "$err")"
prun run --label "$lbl" "$img" /no/such/command
check_eq "missing command: status 127 (like podman)" 127 "$RC"
prun run --label "$lbl" -e 1BAD=x "$img" true
check_contains "an invalid env name is refused before any request" "NAME=VALUE" "$(cat "$err")"
prun ls "$lbl"
check_eq "run removed every container it created (only create's remain)" 3 "$(wc -l <"$out")"

e2e_finish
