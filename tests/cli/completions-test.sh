#!/usr/bin/env bash
# `ags completions` in the real shells: bash (the script sourced, and found by
# bash-completion's loader), zsh (compinit and TAB in a pseudo-terminal,
# tests/cli/zsh-complete.zsh) and fish (`complete -C`).  Each shell is asked
# what it offers for the same lines; the answers are compared whole.
# usage: completions-test.sh AGS_BINARY SOURCE_DIR
set -uo pipefail
ags=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}

for shell in bash zsh fish; do
    if ! command -v "$shell" >/dev/null; then
        bad "$shell is not installed (apt-get install bash-completion zsh fish)"
    fi
done
[ -r /usr/share/bash-completion/bash_completion ] ||
    bad "bash-completion is not installed (apt-get install bash-completion)"

mkdir -p "$work/bc/completions" "$work/zfunc" "$work/tree/sub dir" "$work/tree/other" "$work/home"
touch "$work/tree/a-file" "$work/tree/other/inner"
"$ags" completions --shell bash >"$work/bc/completions/ags" && ok || bad "completions --shell bash failed"
"$ags" completions --shell zsh >"$work/zfunc/_ags" && ok || bad "completions --shell zsh failed"
"$ags" completions --shell fish >"$work/ags.fish" && ok || bad "completions --shell fish failed"

# The words the shell offers for LINE (completing its last word; a trailing
# space starts an empty word), sorted, one per line, a directory's slash
# dropped.
bash_offers() { # LINE
    (cd "$work/tree" && env -i HOME="$work/home" PATH="$PATH" bash --norc --noprofile -c '
        source "$1"
        read -ra COMP_WORDS <<<"$2"
        [[ $2 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _ags
        printf "%s\n" "${COMPREPLY[@]}"' _ "$work/bc/completions/ags" "$1") | sed 's:/$::' | sort
}
# bash-completion finds the script itself (a user completions directory),
# as it finds the installed one.
bash_loader_offers() { # LINE
    (cd "$work/tree" && env -i HOME="$work/home" PATH="$PATH" \
        BASH_COMPLETION_USER_DIR="$work/bc" bash --norc --noprofile -c '
        source /usr/share/bash-completion/bash_completion
        _completion_loader ags
        spec=$(complete -p ags) || exit 1
        fn=${spec#*-F }; fn=${fn%% *}
        read -ra COMP_WORDS <<<"$1"
        [[ $1 == *" " ]] && COMP_WORDS+=("")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE=$1 COMP_POINT=${#1}
        "$fn" ags "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$1") | sed 's:/$::' | sort
}
zsh_offers() { # LINE
    timeout 30 zsh -f "$src/tests/cli/zsh-complete.zsh" "$work/zfunc" "$work/tree" "$1" |
        sed 's:/$::' | sort -u
}
fish_offers() { # LINE
    (cd "$work/tree" && env -i HOME="$work/home" PATH="$PATH" AGS_FISH="$work/ags.fish" \
        AGS_LINE="$1" fish --no-config -c 'source $AGS_FISH; complete -C $AGS_LINE') |
        cut -f1 | sed 's:/$::' | sort
}

# check NAME LINE EXPECTED...: every shell offers exactly EXPECTED.
check() {
    local name=$1 line=$2 shell got want
    shift 2
    want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
    for shell in bash bash_loader zsh fish; do
        got=$("${shell}_offers" "$line" | sed '/^$/d')
        if [ "$got" == "$want" ]; then ok; else
            bad "$shell, $name: '$line<TAB>' offers [$(tr '\n' ' ' <<<"$got")], want [$(tr '\n' ' ' <<<"$want")]"
        fi
    done
}
# check_has NAME LINE WORD...: every shell offers at least these.
check_has() {
    local name=$1 line=$2 shell got w
    shift 2
    for shell in bash bash_loader zsh fish; do
        got=$("${shell}_offers" "$line")
        for w in "$@"; do
            if grep -qxF -- "$w" <<<"$got"; then ok; else
                bad "$shell, $name: '$line<TAB>' does not offer $w (offers: $(tr '\n' ' ' <<<"$got"))"
            fi
        done
    done
}

agents=(pi claude codex gemini opencode shell)
check flag-prefix 'ags --ag' --agent
check agents-after-agent 'ags --agent ' "${agents[@]}"
check agents-after-agent-prefix 'ags --agent c' claude codex
check update-commands 'ags update-' update-agents update-image
check dirs-after-short-add-dir 'ags -d ' 'sub dir' other
check dirs-after-add-dir 'ags --agent pi --add-dir ' 'sub dir' other
check nothing-after-double-dash 'ags --agent pi -- '
check no-flags-after-double-dash 'ags --agent pi -- --ag'
check nothing-after-double-dash-of-a-command 'ags plan --agent pi -- '
check shells-after-shell 'ags completions --shell ' bash zsh fish
check installable-agents 'ags update-agents c' claude codex
check config-show 'ags config s' show
check_has prune-flags 'ags prune -' -y --yes --all --dry-run
check_has files-after-config 'ags --config ' a-file other 'sub dir'
check_has first-word 'ags ' setup doctor update-image update-agents completions config plan df prune
check_has first-word-flags 'ags -' --agent --version -V --help -h -d -D --tmux
check_has doctor-flags 'ags doctor -' --json --check-secrets --config --help -h
check_has plan-takes-run-flags 'ags plan --' --json --agent --add-dir --lockdown
# Session names come from `ags ps --all --quiet` when completing (an ags on
# PATH that lists two): after attach, logs, diff and stop.
mkdir -p "$work/bin"
printf '#!/bin/sh\n[ "$*" = "ps --all --quiet" ] && printf "ags-one-beef\\nags-two-cafe\\n"\n' \
    >"$work/bin/ags"
chmod +x "$work/bin/ags"
saved_path=$PATH
PATH="$work/bin:$PATH"
check sessions-after-attach 'ags attach ags-' ags-one-beef ags-two-cafe
check sessions-after-stop 'ags stop ags-t' ags-two-cafe
check_has sessions-after-logs 'ags logs ' ags-one-beef
check_has sessions-after-diff 'ags diff ' ags-two-cafe
check_has session-command-flags 'ags logs -' --follow -f
PATH=$saved_path
# The hidden commands are not offered.
for shell in bash zsh fish; do
    got=$("${shell}_offers" 'ags ')
    if grep -qxE 'update|help|version' <<<"$got"; then bad "$shell offers a hidden command"; else ok; fi
done

# Every flag literal the cli sources compare against is one the scripts
# offer: a flag parsed outside the tables would show up here.  (The
# unsupported integrations' flags are refused, never offered.)
script=$(cat "$work/bc/completions/ags")
while read -r flag; do
    if grep -qE -- "[ '\"|]${flag}[ '\"|)]" <<<"$script"; then ok; else
        bad "$flag is parsed in src/cli but not completed"
    fi
done < <(sed '/unsupported_flags\[\] = {/,/^};/d' "$src"/src/cli/*.c |
    grep -oE '"--?[a-zA-Z][a-zA-Z-]*"' | tr -d '"' | sort -u)

# Bad use: exit 2 with a line that says what to do.
"$ags" completions >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q 'missing --shell (bash, zsh or fish)' "$work/err" && ok || bad "completions without --shell: $(cat "$work/err")"
"$ags" completions --shell tcsh >/dev/null 2>"$work/err"
[ $? -eq 2 ] && grep -q "invalid value 'tcsh' for --shell (expected one of: bash zsh fish)" "$work/err" && ok || bad "completions --shell tcsh: $(cat "$work/err")"
bash -n "$work/bc/completions/ags" && ok || bad "the bash script does not parse"
zsh -n "$work/zfunc/_ags" && ok || bad "the zsh script does not parse"
fish --no-execute "$work/ags.fish" && ok || bad "the fish script does not parse"

echo "completions: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
