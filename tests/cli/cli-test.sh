#!/usr/bin/env bash
# Drives the real `ags` binary: exit statuses, messages, config show.
# usage: cli-test.sh AGS_BINARY SOURCE_DIR
set -uo pipefail
ags=$(realpath "$1")
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}

# run NAME EXPECTED_STATUS CMD...: captures stdout/stderr into $out/$err.
run() {
    local name=$1 want=$2
    shift 2
    env -i HOME="$work/home" PATH=/usr/bin:/bin "$@" >"$work/out" 2>"$work/err" </dev/null
    local got=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit $got, want $want; stderr: $err"
        return 1
    fi
    ok
}

expect() { # NAME HAYSTACK NEEDLE
    if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: '$3' not in: $2"; fi
}

mkdir -p "$work/home"

run version 0 "$ags" --version && expect version "$out" "ags "
run help 0 "$ags" --help
for c in setup doctor update-image update-agents install uninstall create-aliases completions \
    "config show" plan --agent --tmux --stop-when-done --yolo --root --lockdown --defaults \
    --config --add-dir; do
    expect "help lists $c" "$out" "$c"
    expect "man page documents $c" "$(cat "$src/docs/ags.1.md")" "$c"
done
run no-arguments 2 "$ags"
run unknown-command 2 "$ags" frobnicate && expect unknown-command "$err" "unknown command 'frobnicate'"
for c in setup doctor update-image update-agents install uninstall create-aliases completions plan; do
    if run "$c not built" 2 "$ags" "$c"; then
        [ "$(wc -l <<<"$err")" -eq 1 ] && ok || bad "$c: expected one line, got: $err"
        expect "$c not built" "$err" "not built yet"
    fi
done
run run-mode-not-built 2 "$ags" --agent shell && expect run-mode "$err" "not built yet"

# First run writes the default config and shows its provenance.
run config-show-first-run 0 "$ags" config show
expect first-run-note "$err" "created default config at $work/home/.config/ags/config.toml"
expect first-run-image "$out" 'image = "localhost/ags-sandbox:latest"'
expect first-run-origin "$out" "# $work/home/.config/ags/config.toml:7"
expect first-run-default "$out" "# default"
[ "$(stat -c %a "$work/home/.config/ags/config.toml")" = 600 ] && ok || bad "default config mode"

run config-show-json 0 "$ags" config show --json
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["sandbox"]["image"]["origin"].endswith(":7")' <<<"$out"; then ok; else bad "config show --json is not the expected JSON: $out"; fi

# Bad config: exit 2, FILE:LINE:COL: key.path, nothing else happens.
printf '[sandbox]\nimage = 3\n[[mount]]\nhost = "/a"\ncontainer = "/b"\nmode = "rx"\n' >"$work/bad.toml"
run bad-config 2 "$ags" config show --config "$work/bad.toml"
expect bad-type "$err" "$work/bad.toml:2:9: sandbox.image: expected a string, found an integer"
expect bad-enum "$err" "$work/bad.toml:6:8: mount[0].mode: invalid value 'rx' (valid values: 'ro', 'rw')"
[ -z "$out" ] && ok || bad "bad config printed to stdout: $out"

printf '[sandbox]\nimage = "x"\n[sandbox]\n' >"$work/dup.toml"
run duplicate-table 2 "$ags" config show --config "$work/dup.toml" && expect duplicate-table "$err" "$work/dup.toml:3:"

head -c 4096 /dev/urandom >"$work/random.toml"
run random-bytes 2 "$ags" config show --config "$work/random.toml" && expect random-bytes "$err" "$work/random.toml:"

run missing-config 2 "$ags" config show --config "$work/nope.toml" && expect missing-config "$err" "check the --config path"
run config-missing-value 2 "$ags" config show --config
run config-bad-arg 2 "$ags" config show --yaml

# An untrusted overlay is skipped without a terminal.
mkdir -p "$work/repo/.git" "$work/repo/.ags"
printf '[sandbox]\nimage = "from-repo"\n' >"$work/repo/.ags/config.toml"
cd "$work/repo"
run overlay-non-tty 0 "$ags" config show
cd - >/dev/null
expect overlay-skipped "$err" "skipping untrusted repo-local config $work/repo/.ags/config.toml"
expect overlay-not-used "$out" 'image = "localhost/ags-sandbox:latest"'

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
