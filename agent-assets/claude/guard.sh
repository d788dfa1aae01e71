#!/usr/bin/env bash
# ags guard for Claude Code: a PreToolUse hook (ags-behaviour.md 2.11).
#
# ags passes Claude `--settings` with a PreToolUse hook for
# Bash|Read|Write|Edit|Grep|Glob that runs this script (timeout 5 s). Protocol:
# the hook JSON arrives on stdin; exit 0 allows the call (anything on stdout is
# passed to Claude), exit 2 denies it and Claude shows stderr as the reason.
#
# Rules, in order:
#   AGS_GUARD_YOLO=1                  allow everything (ags --yolo)
#   Read/Grep/Glob/LS of a sensitive path (or, for the recursive Grep/Glob/LS,
#     of a directory holding one)     deny "Sensitive path is not readable: P"
#   Write/Edit/MultiEdit/NotebookEdit
#     without a path                  deny
#     to a sensitive path             deny "Sensitive path is not writable: P"
#     to a secret-like name           deny "Refusing writes to secret-like file: P"
#       (.env, .env.*, *.pem, *.key, id_[a-z0-9_-]+; case-insensitive)
#   Bash mentioning a sensitive path (/home/dev/..., ~/..., $HOME/...)
#                                     deny "Command references sensitive host path: P"
#   Bash otherwise: dcg decides when installed (the hook JSON is piped to it
#     byte for byte). dcg missing, failing or slower than 4 s: allow, but deny
#     when AGS_LOCKDOWN=1.
# Sensitive paths under /home/dev: .ssh .gnupg .aws .config/gcloud
# .git-credentials .npmrc .pi/agent/auth.json .pi/agent-host/auth.json
# .pi/agent-host/sandbox.json. Paths are checked as written (made absolute
# against the hook's cwd, `.`/`..` folded) and with symlinks resolved.
#
# These are guard rails for an agent, not the sandbox: the container is what
# contains it. A command can always reach a file by a name this script does
# not recognise (cd ~ && cat .ssh/x); dcg and the sandbox are the other layers.
#
# Needs bash and jq only (realpath and timeout from coreutils when present).
set -u

HOME_DIR=/home/dev
SENSITIVE=(.ssh .gnupg .aws .config/gcloud .git-credentials .npmrc
    .pi/agent/auth.json .pi/agent-host/auth.json .pi/agent-host/sandbox.json)
DCG_TIMEOUT=${AGS_GUARD_DCG_TIMEOUT:-4}

deny() {
    printf '%s\n' "$1" >&2
    exit 2
}

lockdown() { [ "${AGS_LOCKDOWN:-}" = 1 ]; }

[ "${AGS_GUARD_YOLO:-}" = 1 ] && exit 0

input=$(cat; printf x)
input=${input%x}

# One jq run reads everything the rules need, as shell assignments (@sh
# quotes them); a field that is absent or not a string reads as empty.
fields=$(printf '%s' "$input" | jq -r '
    def s: if type == "string" then . else "" end;
    if type != "object" then error("not an object") else . end |
    (.tool_input | if type == "object" then . else {} end) as $in |
    @sh "tool=\(.tool_name | s)",
    @sh "cwd=\(.cwd | s)",
    @sh "file=\(($in.file_path // $in.notebook_path // $in.path) | s)",
    @sh "path=\($in.path | s)",
    @sh "pattern=\($in.pattern | s)",
    @sh "command=\($in.command | s)",
    "parsed=1"' 2>/dev/null) || fields=
parsed=0 tool='' cwd='' file='' path='' pattern='' command=''
eval "$fields"
[ "$parsed" = 1 ] || deny "ags guard: cannot parse the hook input (is jq installed?)"
[ -n "$cwd" ] || cwd=$PWD

# Absolute, with ~ expanded and //, /./ and /../ folded (lexically).
normalize() {
    local p=$1 out=() part
    # shellcheck disable=SC2088 # a literal ~ in the tool input
    case $p in
    "~") p=$HOME_DIR ;;
    "~/"*) p=$HOME_DIR/${p#"~/"} ;;
    /*) ;;
    *) p=$cwd/$p ;;
    esac
    local parts=()
    IFS=/ read -r -d '' -a parts < <(printf '%s\0' "$p")
    for part in "${parts[@]}"; do
        case $part in
        "" | .) ;;
        ..) [ ${#out[@]} -gt 0 ] && unset 'out[${#out[@]}-1]' ;;
        *) out+=("$part") ;;
        esac
    done
    local IFS=/
    printf '/%s' "${out[*]}"
}

# The forms of a path to check: as written, and with symlinks resolved.
forms() {
    local n r
    n=$(normalize "$1")
    printf '%s\n' "$n"
    if command -v realpath >/dev/null 2>&1; then
        r=$(realpath -m -- "$n" 2>/dev/null) && [ "$r" != "$n" ] && printf '%s\n' "$r"
    fi
}

# Prints the sensitive path that P is, or is inside; fails if none.
sensitive_of() {
    local s
    for s in "${SENSITIVE[@]}"; do
        case $1 in
        "$HOME_DIR/$s" | "$HOME_DIR/$s"/*) printf '%s\n' "$HOME_DIR/$s"; return 0 ;;
        esac
    done
    return 1
}

# Prints the first sensitive path inside directory P; fails if none.
sensitive_below() {
    local s d=${1%/}
    for s in "${SENSITIVE[@]}"; do
        case $HOME_DIR/$s in
        "$d"/*) printf '%s\n' "$HOME_DIR/$s"; return 0 ;;
        esac
    done
    return 1
}

check_read() { # path recursive(0|1)
    local f
    while IFS= read -r f; do
        sensitive_of "$f" >/dev/null && deny "Sensitive path is not readable: $1"
        if [ "$2" = 1 ] && sensitive_below "$f" >/dev/null; then
            deny "Sensitive path is not readable: $1 (holds $(sensitive_below "$f"))"
        fi
    done < <(forms "$1")
}

secret_like() {
    local base=${1##*/}
    base=${base,,}
    case $base in
    .env | .env.* | *.pem | *.key) return 0 ;;
    esac
    [[ $base =~ ^id_[a-z0-9_-]+$ ]]
}

check_write() {
    local f
    [ -n "$1" ] || deny "Refusing a write without a file path"
    while IFS= read -r f; do
        sensitive_of "$f" >/dev/null && deny "Sensitive path is not writable: $1"
        secret_like "$f" && deny "Refusing writes to secret-like file: $1"
    done < <(forms "$1")
    return 0
}

# A sensitive path named in command text: /home/dev/X, ~/X, $HOME/X, ${HOME}/X,
# followed by the end, a slash, or a character that cannot continue the name.
check_command() {
    local cmd=$1 s prefix
    for s in "${SENSITIVE[@]}"; do
        # shellcheck disable=SC2088,SC2016 # literal text in the command
        for prefix in "$HOME_DIR/" "~/" '$HOME/' '${HOME}/'; do
            local rest=$cmd
            while [[ $rest == *"$prefix$s"* ]]; do
                rest=${rest#*"$prefix$s"}
                if [[ -z $rest || ! ${rest:0:1} =~ [A-Za-z0-9_.-] ]]; then
                    deny "Command references sensitive host path: $prefix$s"
                fi
            done
        done
    done
}

# Runs dcg on the hook JSON; dcg's verdict, or the fallback when it cannot.
run_dcg() {
    if ! command -v dcg >/dev/null 2>&1; then
        lockdown && deny "ags guard: dcg is not installed; shell commands are refused in lockdown"
        exit 0
    fi
    local out err rc tmp
    tmp=$(mktemp "${TMPDIR:-/tmp}/ags-guard.XXXXXX") || {
        lockdown && deny "ags guard: cannot run dcg; shell commands are refused in lockdown"
        exit 0
    }
    if command -v timeout >/dev/null 2>&1; then
        out=$(printf '%s' "$input" | timeout -k 1 "$DCG_TIMEOUT" dcg 2>"$tmp")
    else
        out=$(printf '%s' "$input" | dcg 2>"$tmp")
    fi
    rc=$?
    err=$(cat "$tmp")
    rm -f "$tmp"

    # A deny in Claude's JSON hook format, whatever the exit status.
    local decision reason
    decision=$(printf '%s' "$out" | jq -r '(.hookSpecificOutput.permissionDecision // .decision // empty) | ascii_downcase' 2>/dev/null)
    if [ "$decision" = deny ] || [ "$decision" = block ]; then
        reason=$(printf '%s' "$out" | jq -r '.hookSpecificOutput.permissionDecisionReason // .reason // .message // empty' 2>/dev/null)
        deny "${reason:-dcg blocked this command}"
    fi
    if [ "$rc" -eq 2 ]; then
        deny "${err:-${out:-dcg blocked this command}}"
    fi
    if [ "$rc" -ne 0 ]; then
        lockdown && deny "ags guard: dcg failed (exit $rc); shell commands are refused in lockdown"
        exit 0
    fi
    [ -n "$out" ] && printf '%s\n' "$out"
    exit 0
}

case $tool in
Read | NotebookRead)
    check_read "$file" 0
    ;;
Grep | Glob | LS)
    check_read "${path:-$cwd}" 1
    # An absolute glob pattern names directories itself (/home/dev/.ssh/*,
    # ~/.s*): check the directory part before the first wildcard.
    if [ "$tool" = Glob ]; then
        case $pattern in
        /* | "~"*)
            fixed=${pattern%%[*?[{]*}
            [ "$fixed" = "$pattern" ] || fixed=${fixed%/*}
            check_read "${fixed:-/}" 1
            ;;
        esac
    fi
    ;;
Write | Edit | MultiEdit | NotebookEdit)
    check_write "$file"
    ;;
Bash)
    check_command "$command"
    run_dcg
    ;;
esac
exit 0
