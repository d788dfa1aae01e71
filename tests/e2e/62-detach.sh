#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Detachable sessions end to end (issue 19): --detach returns at once and ps
# lists the session with its host services up; ags attach through a pty
# (python's pty on the host side) shows its tmux, a typed command runs, C-b d
# detaches and the session runs on; ags logs shows that output; a second
# session in the same workdir gets its own name; kill -9 of its supervisor
# leaves it running, the next run's sweep leaves it (and its secret) alone,
# ps says its services are gone, stop removes it and its secret; stop of the
# first (supervisor alive) removes everything; an attached --tmux run is
# detached with C-b d and keeps running.  Nothing of ags's is left.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need python3

export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
export XDG_STATE_HOME=$AGS_E2E_SCRATCH/state
export TMPDIR=$AGS_E2E_SCRATCH/tmp
export CANARY_SRC=ags-detach-canary
W=$AGS_E2E_SCRATCH/work
P=$AGS_E2E_SCRATCH/plain
mkdir -p "$W" "$P" "$XDG_CONFIG_HOME/ags" "$TMPDIR"
# The workspace is a git repository whose config would run a script from
# git status/diff (fsmonitor) and from hooks: ags diff must never run it.
MARK=$AGS_E2E_SCRATCH/git-ran
git -C "$W" init -q
printf '#!/bin/sh\ntouch %s\n' "$MARK" >"$W/.git/evil.sh"
chmod +x "$W/.git/evil.sh"
git -C "$W" config core.fsmonitor "$W/.git/evil.sh"
git -C "$W" config core.hooksPath "$W/.git"
printf 'one\ntwo\n' >"$W/edit.txt"
echo gone >"$W/del.txt"
echo old >"$P/p-old.txt"
e2e_own_runtime_dir
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"

[[secret]]
env = "CANARY_ENV"
from_env = "CANARY_SRC"
TOML

# pty_session OUT KEYS... : runs ags (argv after --) on a pty; each KEYS step
# is "wait:TEXT" (until TEXT was seen, 20 s), "send:BYTES" (python escapes)
# or "sleep:S"; then waits up to 30 s for ags to exit.  OUT gets what the
# terminal showed; prints ags's exit status.
pty_session() {
    local out=$1
    shift
    python3 - "$out" "$@" <<'PY'
import os, pty, select, sys, time
out, args = sys.argv[1], sys.argv[2:]
sep = args.index("--")
steps, argv = args[:sep], args[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm-256color"
    os.execv(argv[0], argv)
seen = b""
def pump(t):
    global seen
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                return False
            if not data:
                return False
            seen += data
    return True
for step in steps:
    kind, arg = step.split(":", 1)
    if kind == "wait":
        end = time.time() + 20
        while arg.encode() not in seen and time.time() < end:
            if not pump(0.2):
                break
    elif kind == "send":
        os.write(fd, arg.encode().decode("unicode_escape").encode("latin-1"))
    elif kind == "sleep":
        pump(float(arg))
status = None
end = time.time() + 30
while time.time() < end:
    pump(0.2)
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
pump(0.3)
open(out, "wb").write(seen)
if status is None:
    os.kill(pid, 9)
    status = "hung"
print(status)
PY
}

ps_json() { "$AGS_BIN" ps --all --json 2>"$E2E_TMP/ps.err" || true; }
# field_of NAME FIELD: the ps --json field of that session ("" when it is not listed)
field_of() {
    ps_json | python3 -c 'import json,sys
for s in json.load(sys.stdin):
    if s["name"] == sys.argv[1]: print(s[sys.argv[2]])' "$1" "$2"
}
ags_secrets() {
    api GET '/secrets/json'
    python3 -c 'import json,sys; print(sum(1 for s in json.load(sys.stdin) if s["Spec"]["Name"].startswith("ags-")))' <"$API_BODY_FILE"
}
label_of() { # NAME LABEL
    api GET "/containers/$1/json"
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Config"]["Labels"].get(sys.argv[1], ""))' "$2" <"$API_BODY_FILE"
}
new_session_name() { # names before (file): the one that is new now
    ps_json | python3 -c 'import json,sys
old = set(open(sys.argv[1]).read().split())
print(" ".join(s["name"] for s in json.load(sys.stdin) if s["name"] not in old))' "$1"
}

# ---- --detach: back at once, listed with its host services up
ps_json | python3 -c 'import json,sys; print(" ".join(s["name"] for s in json.load(sys.stdin)))' >"$E2E_TMP/before"
rc=0
(cd "$W" && "$AGS_BIN" --agent shell --detach </dev/null >"$E2E_TMP/d1.out" 2>"$E2E_TMP/d1.err") || rc=$?
check_eq "--detach returns 0 once the session runs" 0 "$rc"
check_contains "and says how to come back" "ags attach" "$(cat "$E2E_TMP/d1.err")"
S1=$(new_session_name "$E2E_TMP/before")
[ -n "$S1" ] || e2e_abort "no new session: $(cat "$E2E_TMP/d1.err")"
check_contains "the name it printed is the session's" "$S1" "$(cat "$E2E_TMP/d1.err")"
check_eq "ps shows it running" running "$(field_of "$S1" state)"
check_eq "ps shows it supervised" True "$(field_of "$S1" supervised)"
check_eq "ps shows its host services up" "services up" "$(field_of "$S1" owner)"
check_eq "its secret exists while it runs" 1 "$(ags_secrets)"

# ---- attach through a pty, type a command, detach with C-b d
st=$(pty_session "$E2E_TMP/attach.out" "sleep:1.5" \
    'send:echo three >> edit.txt; rm del.txt; echo new > added.txt; echo marker-$((6*7))x\r' \
    "wait:marker-42x" "sleep:0.5" 'send:\x02' "sleep:0.3" "send:d" -- "$AGS_BIN" attach "$S1")
check_eq "attach ends with status 0 after C-b d" 0 "$st"
check_contains "the typed command ran in the session" "marker-42x" "$(cat "$E2E_TMP/attach.out")"
check_contains "ags says it keeps running" "keeps running" "$(tr -d '\r' <"$E2E_TMP/attach.out")"
check_eq "the session still runs after the detach" running "$(field_of "$S1" state)"

run logs "$S1"
check_eq "logs succeeds" 0 "$RUN_RC"
check_contains "logs shows the command's output" "marker-42x" "$RUN_OUT"

# ---- ags diff: what the agent changed, without running anything of the repo's git
run diff "$S1"
check_eq "diff succeeds" 0 "$RUN_RC"
check_contains "diff shows the added file" "added.txt" "$RUN_OUT"
check_contains "diff shows the deleted file" "del.txt" "$RUN_OUT"
check_contains "diff shows the edit as a line added" "+three" "$RUN_OUT"
check_lacks "diff does not list the unchanged .git" ".git/config" "$RUN_OUT"
if [ -e "$MARK" ]; then fail "diff never runs the repository's fsmonitor or hooks"; else ok "diff never runs the repository's fsmonitor or hooks"; fi

# ---- attach without a name picks the only one; with two it asks
cp "$E2E_TMP/before" "$E2E_TMP/before2"
echo "$S1" >>"$E2E_TMP/before2"
rc=0
(cd "$W" && "$AGS_BIN" --agent shell --detach </dev/null >/dev/null 2>"$E2E_TMP/d2.err") || rc=$?
check_eq "a second session in the same workdir starts" 0 "$rc"
S2=$(new_session_name "$E2E_TMP/before2")
[ -n "$S2" ] || e2e_abort "no second session: $(cat "$E2E_TMP/d2.err")"
if [ "$S1" != "$S2" ]; then ok "it has its own name"; else fail "it has its own name"; fi
run attach
check_eq "attach without a name with two running is a usage error" 2 "$RUN_RC"
check_contains "and says to name one" "name one" "$RUN_ERR"

# ---- kill -9 of the second session's supervisor: it runs on, the sweep keeps it
SUP2=$(label_of "$S2" ags.pid)
[ -n "$SUP2" ] && kill -0 "$SUP2" 2>/dev/null || e2e_abort "no supervisor pid for $S2"
kill -9 "$SUP2"
for _ in $(seq 50); do [ "$(field_of "$S2" owner)" = "services gone" ] && break; sleep 0.1; done
check_eq "ps says the killed supervisor's services are gone" "services gone" "$(field_of "$S2" owner)"
check_eq "and that it is no leftover while it runs" False "$(field_of "$S2" leftover)"
rc=0
(cd "$W" && "$AGS_BIN" --agent shell -- -c true </dev/null >/dev/null 2>"$E2E_TMP/sweep.err") || rc=$?
check_eq "another run (with its sweep) succeeds" 0 "$rc"
check_eq "the sweep left the supervisor-less session running" running "$(field_of "$S2" state)"
check_eq "and both sessions' secrets" 2 "$(ags_secrets)"

run stop "$S2" --timeout 2
check_eq "stop of the supervisor-less session succeeds" 0 "$RUN_RC"
check_eq "its sandbox is gone" "" "$(field_of "$S2" state)"
check_eq "its secret is gone" 1 "$(ags_secrets)"

SUP1=$(label_of "$S1" ags.pid)
run stop "$S1" --timeout 2
check_eq "stop of the first session succeeds" 0 "$RUN_RC"
check_match "and reports how it ended" "^stopped $S1" "$RUN_OUT"
check_eq "its sandbox is gone" "" "$(field_of "$S1" state)"
for _ in $(seq 50); do kill -0 "$SUP1" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$SUP1" 2>/dev/null; then fail "its supervisor ended"; else ok "its supervisor ended"; fi

# ---- an attached --tmux run is detached with C-b d and runs on
cp "$E2E_TMP/before" "$E2E_TMP/before3"
st=$(cd "$P" && pty_session "$E2E_TMP/tmux.out" "sleep:2" \
    'send:rm p-old.txt; echo hi > p-new.txt; echo tmux-$((5*5))y\r' \
    "wait:tmux-25y" 'send:\x02' "sleep:0.3" "send:d" -- "$AGS_BIN" --agent shell --tmux)
check_eq "an attached --tmux run ends with 0 when detached" 0 "$st"
check_contains "it said it keeps running" "keeps running" "$(tr -d '\r' <"$E2E_TMP/tmux.out")"
S3=$(new_session_name "$E2E_TMP/before3")
check_eq "the detached --tmux session runs on" running "$(field_of "$S3" state)"
run diff "$S3" --name-only
check_eq "diff of a plain directory succeeds" 0 "$RUN_RC"
check_contains "it names the added file" "p-new.txt" "$RUN_OUT"
check_contains "it names the deleted file" "p-old.txt" "$RUN_OUT"
run stop "$S3" --timeout 2
check_eq "stop of it succeeds" 0 "$RUN_RC"

# ---- a lockdown session whose supervisor was killed keeps its staging
cp "$E2E_TMP/before" "$E2E_TMP/before4"
rc=0
(cd "$P" && "$AGS_BIN" --agent shell --lockdown --detach </dev/null >/dev/null 2>"$E2E_TMP/d4.err") || rc=$?
check_eq "a lockdown session starts detached" 0 "$rc"
S4=$(new_session_name "$E2E_TMP/before4")
[ -n "$S4" ] || e2e_abort "no lockdown session: $(cat "$E2E_TMP/d4.err")"
staging() { find "$TMPDIR" -mindepth 1 -maxdepth 1 -name 'ags-lockdown-*' | wc -l; }
check_eq "it has its staging" 1 "$(staging)"
kill -9 "$(label_of "$S4" ags.pid)"
rc=0
(cd "$W" && "$AGS_BIN" --agent shell -- -c true </dev/null >/dev/null 2>&1) || rc=$?
check_eq "a run (with its sweep) after the kill succeeds" 0 "$rc"
check_eq "the sweep kept the running session's staging" 1 "$(staging)"
run stop "$S4" --timeout 2
check_eq "stop of the lockdown session succeeds" 0 "$RUN_RC"
(cd "$W" && "$AGS_BIN" --agent shell -- -c true </dev/null >/dev/null 2>&1) || true
check_eq "the next sweep removed its staging" 0 "$(staging)"

check_eq "nothing of ags's is left: sandboxes" 0 "$(managed_containers)"
check_eq "nothing of ags's is left: secrets" 0 "$(ags_secrets)"
left=$(find "$XDG_STATE_HOME/ags/sessions" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
check_eq "nothing of ags's is left: diff baselines" 0 "$left"
if [ -e "$MARK" ]; then fail "nothing ran the repository's git scripts"; else ok "nothing ran the repository's git scripts"; fi
e2e_finish
