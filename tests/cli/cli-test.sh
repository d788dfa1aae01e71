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
    "config show" plan df prune --dry-run --all --yes --agent --tmux --stop-when-done --yolo --root --lockdown --defaults \
    --config --add-dir; do
    expect "help lists $c" "$out" "$c"
    expect "man page documents $c" "$(cat "$src/docs/ags.1.md")" "$c"
done
run no-arguments 2 "$ags"
run unknown-command 2 "$ags" frobnicate && expect unknown-command "$err" "unknown command 'frobnicate'"
# ags's own messages quote names it was given: escaped, never raw controls
if run unknown-command-escaped 2 "$ags" $'frob\e]52;c;SGk=\a\xc2\x9b'; then
    expect unknown-command-escaped "$err" "unknown command 'frob\x1b]52;c;SGk=\x07\u{9b}'"
    if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$err"; then
        bad "unknown-command-escaped: raw control bytes in: $(printf '%q' "$err")"
    else ok; fi
fi
run help 0 "$ags" --help
help_out=$out
# ags diff: usage errors before any engine is asked.
run diff-help 0 "$ags" diff --help && expect diff-help "$out" "usage: ags diff [NAME] [--stat] [--name-only]"
run diff-two-names 2 "$ags" diff a b && expect diff-two-names "$err" "unexpected argument 'b'"
run diff-bad-flag 2 "$ags" diff --bogus
expect help-lists-diff "$help_out" "diff"
# ags pull: usage errors before any engine is asked.
run pull-help 0 "$ags" pull --help && expect pull-help "$out" "usage: ags pull [NAME] [--keep] [--snapshot]"
run pull-two-names 2 "$ags" pull a b && expect pull-two-names "$err" "unexpected argument 'b'"
run pull-bad-flag 2 "$ags" pull --bogus
expect help-lists-pull "$help_out" "bring a remote session's changes back"
run prune-workspaces-no-tty 2 "$ags" prune --workspaces </dev/null &&
    expect prune-workspaces-no-tty "$err" "--workspaces removes changes not brought back"
# Every command is built: help marks none as not built.
if grep -q '(not built yet)' <<<"$help_out"; then bad "help marks a command as not built"; else ok; fi

# ags update-image: flags are checked before anything is built; never as root.
run update-image-help 0 "$ags" update-image --help && expect update-image-help "$out" "--local-base"
run update-image-bad-flag 2 "$ags" update-image --bogus &&
    expect update-image-bad-flag "$err" "unexpected argument '--bogus'"
run update-image-base-and-local 2 "$ags" update-image --base x --local-base &&
    expect update-image-base-and-local "$err" "--base and --local-base exclude each other"
if [ "$(id -u)" -eq 0 ]; then
    run update-image-as-root 2 "$ags" update-image &&
        expect update-image-as-root "$err" "run ags update-image as your ordinary user"
fi
# doctor: flags checked first; it writes no config (a run does).
run doctor-bad-flag 2 "$ags" doctor --frob && expect doctor-bad-flag "$err" "unexpected argument '--frob'"
run doctor-help 0 "$ags" doctor --help && expect doctor-help "$out" "--check-secrets"
CONTAINER_HOST=unix://$work/no-podman.sock run doctor-no-config 1 "$ags" doctor --json &&
    expect doctor-no-config "$out" '"name":"config","status":"ok","message":"no config at'
[ ! -e "$work/home/.config/ags/config.toml" ] && ok || bad "doctor wrote a config"
# update-agents refuses what it does not install before it reads any config.
if run update-agents-unknown 2 "$ags" update-agents pi frobnicate; then
    expect update-agents-unknown "$err" "'frobnicate' is not an agent ags installs"
fi
run update-agents-shell 2 "$ags" update-agents shell
run update-agents-option 2 "$ags" update-agents --frob
run update-agents-help 0 "$ags" update-agents --help && expect update-agents-help "$out" "usage: ags update-agents"
# prune and df refuse bad arguments, and prune --all with no one to answer,
# before they read (or write) any config.
run prune-option 2 "$ags" prune --frob && expect prune-option "$err" "unexpected argument '--frob'"
run df-option 2 "$ags" df --all && expect df-option "$err" "usage: ags df"
if run prune-all-no-tty 2 "$ags" prune --all; then
    expect prune-all-no-tty "$err" "stdin is not a terminal: add --yes"
fi
run prune-help 0 "$ags" prune --help && expect prune-help "$out" "usage: ags prune [--dry-run] [--all] [--workspaces] [--yes]"
[ ! -e "$work/home/.config/ags/config.toml" ] && ok || bad "update-agents with bad arguments wrote a config"

# ags setup without a keyring at hand: what it says per target (the keyring
# itself is exercised in tests/secrets/keyring-test.sh).  No Podman here
# (CONTAINER_HOST names a socket nobody listens on, so nothing is started):
# the image and agents step fails (as root it is refused: a run is rootless),
# so setup exits 1 after the other steps.
nopod=(env "CONTAINER_HOST=unix://$work/no-podman.sock")
cat >"$work/setup.toml" <<'TOML'
[sandbox]
image = "i"
[[secret]]
env = "B_ENV_ONLY"
from_env = "X"
[[secret]]
env = "A_HELPER"
command = ["/bin/echo", "v"]
TOML
run setup-lists-targets 1 "${nopod[@]}" "$ags" setup --config "$work/setup.toml"
expect setup-sorted-first "$(grep -m1 '^No secret_store' <<<"$out")" "No secret_store configured for A_HELPER (command sources are lookup-only)."
expect setup-env-only "$out" "No secret_store configured for B_ENV_ONLY (env-only)."
expect setup-config-step "$out" "config: $work/setup.toml is there; nothing to do"
expect setup-no-identity "$out" "gitconfig: skipped: user.name is not set in your git config"
if [ "$(id -u)" -eq 0 ]; then
    expect setup-not-as-root "$out" "image, agents: skipped: as root"
else
    expect setup-no-podman "$err" "no-podman.sock"
    expect setup-not-checked "$out" "image, agents: not checked"
fi
expect setup-failed-step "$out" "setup: a step failed (see above)"
[ ! -e "$work/home/.config/ags/gitconfig-agent" ] && ok || bad "setup wrote a gitconfig without an identity"
printf '[sandbox]\nimage = "i"\n[[secret]]\nenv = "K"\nsecret_store = { service = "s" }\n' >"$work/kr.toml"
run setup-without-keyring 1 "${nopod[@]}" "$ags" setup --config "$work/kr.toml" &&
    expect setup-without-keyring "$err" "no D-Bus session bus" &&
    expect setup-asks-nothing-without-keyring "$err" "nothing was asked or stored"
[[ "$err" != *"K: "* ]] && ok || bad "setup prompted although the keyring is unreachable"
run setup-bad-flag 2 "$ags" setup --frobnicate && expect setup-bad-flag "$err" "unexpected argument '--frobnicate'"
run setup-help 0 "$ags" setup --help && expect setup-help "$out" "usage: ags setup [--yes] [--config FILE]"
printf '[sandbox]\nimage = "i"\n' >"$work/nosecrets.toml"
run setup-no-secrets 1 "${nopod[@]}" "$ags" setup --config "$work/nosecrets.toml" &&
    expect setup-no-secrets "$out" "secrets: none configured ([[secret]] in $work/nosecrets.toml); nothing to do"
# A broken config: FILE:LINE:COL, exit 2, no other step runs.
printf '[sandbox]\nimage = 3\n' >"$work/setup-bad.toml"
run setup-bad-config 2 "${nopod[@]}" "$ags" setup --config "$work/setup-bad.toml" &&
    expect setup-bad-config "$err" "$work/setup-bad.toml:2:9: sandbox.image"
[[ "$out" != *gitconfig* && "$err" != *no-podman* ]] && ok || bad "setup went on after a config error: $out $err"

# ags setup and the agent's ssh keys, with a throwaway HOME and the real
# ssh-keygen.  No terminal on stdin: no key is made, not even with --yes (the
# passphrase needs a person), and setup names the command; the gitconfig
# does not sign without a signing key.  With keys there (made here without a
# passphrase), setup shows both public keys and the gitconfig gains the
# signing lines.
khome=$work/khome
mkdir -p "$khome"
printf '[user]\n\tname = Key Tester\n\temail = keys@example.org\n' >"$khome/.gitconfig"
keys_env=(env "HOME=$khome" "CONTAINER_HOST=unix://$work/no-podman.sock")
gc=$khome/.config/ags/gitconfig-agent
run setup-keys-no-tty 1 "${keys_env[@]}" "$ags" setup --yes
expect setup-keys-no-tty "$out" "keys: no auth key at $khome/.ssh/ags-agent-auth; none created: stdin is not a terminal"
expect setup-keys-auth-command "$out" "ssh-keygen -t ed25519 -a 64 -f $khome/.ssh/ags-agent-auth -C ags-agent-auth"
expect setup-keys-signing-command "$out" "ssh-keygen -t ed25519 -a 64 -f $khome/.ssh/ags-agent-signing -C ags-agent-signing"
[ ! -e "$khome/.ssh" ] && ok || bad "setup made something in ~/.ssh without a terminal"
expect setup-keys-no-signing-yet "$out" "gitconfig: no commit signing yet"
[ -z "$(git config -f "$gc" commit.gpgsign)" ] && ok || bad "the gitconfig signs without a signing key"
mkdir -m 700 "$khome/.ssh"
for k in auth signing; do
    ssh-keygen -q -t ed25519 -N '' -f "$khome/.ssh/ags-agent-$k" -C "ags-agent-$k" </dev/null >/dev/null
done
run setup-keys-there 1 "${keys_env[@]}" "$ags" setup --yes
expect setup-keys-auth-pub "$out" "$(cat "$khome/.ssh/ags-agent-auth.pub")"
expect setup-keys-signing-pub "$out" "$(cat "$khome/.ssh/ags-agent-signing.pub")"
expect setup-keys-forge-auth "$out" "type Authentication Key"
expect setup-keys-forge-signing "$out" "type Signing Key"
expect setup-keys-gitconfig-added "$out" "gitconfig: added gpg.format, user.signingkey, commit.gpgsign to $gc (commits"
[ "$(git config -f "$gc" commit.gpgsign)" = true ] && ok || bad "gitconfig: no commit.gpgsign = true"
[ "$(git config -f "$gc" gpg.format)" = ssh ] && ok || bad "gitconfig: no gpg.format = ssh"
[ "$(git config -f "$gc" user.signingkey)" = /home/dev/.ssh/ags-agent-signing.pub ] && ok ||
    bad "gitconfig: user.signingkey is not the sandbox's signing .pub"
[ "$(git config -f "$gc" user.name)" = "Key Tester" ] && ok || bad "gitconfig lost the identity"
run doctor-keys-json 1 "${keys_env[@]}" "$ags" doctor --json &&
    expect doctor-keys-json "$out" '"name":"key-signing","status":"ok"' &&
    expect doctor-signing-json "$out" '"name":"gitconfig-signing","status":"ok"'
# An RSA key is named with its fix, and the step fails.
ssh-keygen -q -t rsa -b 1024 -N '' -f "$khome/rsa" </dev/null >/dev/null
printf '[sandbox]\nimage = "i"\nauth_key = "%s"\n' "$khome/rsa" >"$work/rsa.toml"
run setup-keys-rsa 1 "${keys_env[@]}" "$ags" setup --config "$work/rsa.toml" &&
    expect setup-keys-rsa "$out" "auth key $khome/rsa is an RSA key: ags takes only Ed25519 or ECDSA keys" &&
    expect setup-keys-rsa-fix "$out" "fix: mv $khome/rsa $khome/rsa.old"

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

# Messages quote values from files: controls in them reach the terminal escaped.
printf '[sandbox]\nimage = "i"\n[[mount]]\nhost = "/a"\ncontainer = "/b"\nmode = "\\u009b2J"\n' >"$work/c1.toml"
run c1-in-message 2 "$ags" config show --config "$work/c1.toml" &&
    expect c1-in-message "$err" "invalid value '\\u{9b}2J'"
[[ "$err" != *$'\xc2\x9b'* ]] && ok || bad "an error message printed a raw C1 control"

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
cd "$work/repo" || exit 1
run overlay-non-tty 0 "$ags" config show
cd - >/dev/null || exit 1
expect overlay-skipped "$err" "skipping untrusted repo-local config $work/repo/.ags/config.toml"
expect overlay-not-used "$out" 'image = "localhost/ags-sandbox:latest"'

# --lockdown never reads the repo overlay: a trusted one has no effect, an
# untrusted one is not offered, and ags plan says it was ignored.
repo_root=$(realpath "$work/repo")
mkdir -p "$work/home/.config/ags"
printf '%s %s\n' "$(sha256sum <"$work/repo/.ags/config.toml" | cut -c1-64)" "$repo_root" \
    >"$work/home/.config/ags/trusted-overlays"
cd "$work/repo" || exit 1
run overlay-trusted-plan 0 "$ags" plan --agent shell && expect overlay-trusted-used "$out" "image: from-repo"
run overlay-lockdown-plan 0 "$ags" plan --agent shell --lockdown
[[ "$out" != *from-repo* ]] && ok || bad "plan --lockdown applied the trusted overlay: $out"
expect overlay-lockdown-note "$out" "repo-local config $repo_root/.ags/config.toml ignored: --lockdown never reads a repository's overlay"
printf '[sandbox]\nimage = "changed"\n' >"$work/repo/.ags/config.toml"
run overlay-lockdown-untrusted 0 "$ags" plan --agent shell --lockdown
[[ "$err" != *repo-local* && "$out" != *changed* ]] && ok || bad "plan --lockdown looked at the overlay: $err"

# The trust prompt (on a terminal) shows the whole file, escaped, and a summary.
{
    printf '[sandbox]\n'
    for i in $(seq 2 41); do printf '# filler %s\n' "$i"; done
    printf '# hidden \xc2\x9b2K and \xe2\x80\xae reversed\n'
    printf 'passthrough_env = ["AWS_SECRET_ACCESS_KEY"]\n'
} >"$work/repo/.ags/config.toml"
if command -v script >/dev/null; then
    printf 'n\n' >"$work/answer"
    env -i HOME="$work/home" PATH=/usr/bin:/bin TERM=dumb script -qec "$ags config show" /dev/null \
        <"$work/answer" >"$work/prompt" 2>&1
    prompt=$(cat "$work/prompt")
    expect prompt-line-43 "$prompt" '43 | passthrough_env = ["AWS_SECRET_ACCESS_KEY"]'
    expect prompt-c1-escaped "$prompt" '# hidden \u{9b}2K and \u{202e} reversed'
    expect prompt-summary "$prompt" "passes host variable AWS_SECRET_ACCESS_KEY"
    [[ "$prompt" != *$'\xc2\x9b'* ]] && ok || bad "prompt printed a raw C1 control"
    env -i HOME="$work/home" PATH=/usr/bin:/bin TERM=dumb \
        script -qec "$ags plan --agent shell --lockdown" /dev/null <"$work/answer" >"$work/prompt" 2>&1
    prompt=$(cat "$work/prompt")
    [[ "$prompt" != *"Trust this"* && "$prompt" != *AWS_SECRET* ]] && ok ||
        bad "plan --lockdown offered the overlay on a terminal: $prompt"
else
    bad "script(1) is needed for the trust prompt test (util-linux)"
fi
cd - >/dev/null || exit 1

# Run mode as root: refused before the config is read (root's Podman is
# rootful, which has no keep-id user namespace). The next case then runs as
# nobody, from a copy of the binary in a home of its own.
as_user=()
user_home=$work/home
user_ags=$ags
if [ "$(id -u)" -eq 0 ]; then
    run run-mode-as-root 2 env HOME="$work/root-home" "$ags" --agent shell &&
        expect run-mode-as-root "$err" "not running an agent as root: ags runs agents in rootless Podman"
    [ ! -e "$work/root-home" ] && ok || bad "run mode as root created files in its home"
    chmod 711 "$work"
    user_home=$work/nobody
    mkdir -p "$user_home"
    cp -r "$work/home/.config" "$user_home/" # the default config, made above
    cp "$ags" "$user_home/ags"
    chown -R 65534:65534 "$user_home"
    user_ags=$user_home/ags
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
fi

# Run mode without a reachable Podman: status 125 and one clear line.
mkdir -p "$user_home/proj"
[ "${#as_user[@]}" -eq 0 ] || chown 65534:65534 "$user_home/proj"
run run-mode-no-podman 125 "${as_user[@]}" env HOME="$user_home" \
    CONTAINER_HOST="unix://$work/no-podman.sock" bash -c 'cd "$HOME/proj" && exec "$@"' _ \
    "$user_ags" --agent shell &&
    expect run-mode-no-podman "$err" "no Podman service at unix://$work/no-podman.sock"
[ "$(wc -l <<<"$err")" -eq 1 ] && ok || bad "run mode: expected one line, got: $err"

# A network Podman endpoint is warned about (no authentication, the sandbox may
# reach it); loopback is not.  Both refuse the connection at once (port 1).
run run-mode-tcp-network 125 "${as_user[@]}" env HOME="$user_home" \
    CONTAINER_HOST="tcp://0.0.0.0:1" bash -c 'cd "$HOME/proj" && exec "$@"' _ \
    "$user_ags" --agent shell &&
    expect run-mode-tcp-network "$err" "ags: warning: Podman is at tcp://0.0.0.0:1, a network endpoint"
expect run-mode-tcp-refused "$err" "no Podman service answers at tcp://0.0.0.0:1 (nothing listening)"
run run-mode-tcp-loopback 125 "${as_user[@]}" env HOME="$user_home" \
    CONTAINER_HOST="tcp://127.0.0.1:1" bash -c 'cd "$HOME/proj" && exec "$@"' _ \
    "$user_ags" --agent shell &&
    [[ $err != *warning* ]] && ok || bad "loopback tcp:// warned: $err"

# ags plan: the launch plan with provenance, nothing run.
mkdir -p "$work/proj"
cd "$work/proj" || exit 1
run plan-json 0 "$ags" plan --agent shell --json
plan_check=$(cat <<'PY'
import json, re, sys
proj, cfg = sys.argv[1], sys.argv[2]
d = json.load(sys.stdin)
assert d["agent"] == {"value": "shell", "origin": "flag --agent"}, d["agent"]
assert d["image"]["origin"] == "config %s:7" % cfg, d["image"]
assert d["mounts"][0] == {"type": "bind", "source": proj, "destination": proj, "read_only": False,
                          "create": None, "stage_from": None, "labels": [], "origin": "workdir"}
assert d["argv"][:2] == ["/bin/bash", "-c"] and d["argv"][3] == "_"
assert d["labels"]["ags.managed"] == "true" and d["labels"]["ags.agent"] == "shell"
assert re.fullmatch(r"ags-[a-z0-9-]+-proj-[0-9a-f]{4}", d["name"]["value"]), d["name"]
assert d["security"]["cap_drop_all"] and d["network"]["host_loopback"] is False
assert d["tmpfs"] == [] and d["lockdown"] is False
PY
)
if python3 -c "$plan_check" "$work/proj" "$work/home/.config/ags/config.toml" <<<"$out"; then ok; else bad "plan --json: $out"; fi
run plan-text 0 "$ags" plan --agent shell -- -c 'echo hi'
expect plan-text-image "$out" "image: localhost/ags-sandbox:latest  # config $work/home/.config/ags/config.toml:7"
expect plan-text-workdir "$out" "  bind $work/proj -> $work/proj (rw)  # workdir"
expect plan-text-passthrough "$out" "_ -c 'echo hi'"
run plan-lockdown 0 "$ags" plan --agent shell --lockdown --json
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert [t["destination"] for t in d["tmpfs"]] == ["/tmp", "/var/tmp", "/run"]; assert {"name": "AGS_LOCKDOWN", "value": "1", "origin": "flag --lockdown"} in d["env"]' <<<"$out"; then ok; else bad "plan --lockdown: $out"; fi
mkdir -p "$work/extra"
run plan-add-dir 0 "$ags" plan --agent shell -d "$work/extra" --add-dir="$work/extra" && expect plan-add-dir "$out" "--add-dir $work/extra skipped: already mounted"

# Every run-flag error: exit 2, one line.
plan_error() { # NAME MESSAGE ARGS...
    local name=$1 msg=$2
    shift 2
    if run "$name" 2 "$ags" "$@"; then
        expect "$name" "$err" "ags: $msg"
        [ "$(wc -l <<<"$err")" -eq 1 ] && ok || bad "$name: expected one line, got: $err"
    fi
}
plan_error plan-no-agent "missing --agent (expected pi, claude, codex, gemini, opencode or shell)" plan
plan_error plan-bad-agent "invalid agent 'x' (expected pi, claude, codex, gemini, opencode or shell)" plan --agent x
plan_error plan-agent-no-value "missing value for --agent" plan --agent
plan_error plan-agent-empty "missing value for --agent" plan --agent=
plan_error plan-config-no-value "missing value for --config" plan --agent shell --config
plan_error plan-add-dir-no-value "missing value for --add-dir / -d" plan --agent shell -d
plan_error plan-add-dir-missing "required mount source missing: $work/proj/nope (--add-dir)" plan --agent shell --add-dir nope
plan_error plan-unknown-flag "unexpected flag '--bogus'" plan --agent shell --bogus
plan_error plan-positional "unexpected positional argument 'word' (use '--' before passthrough args)" plan --agent shell word
plan_error plan-stop-without-tmux "--stop-when-done requires --tmux" plan --agent shell --stop-when-done
plan_error plan-lockdown-root "--lockdown cannot be combined with --root" plan --agent shell --lockdown --root
plan_error plan-lockdown-browser "--lockdown cannot be combined with --browser" plan --agent shell --browser --lockdown
plan_error plan-browser "--browser is not supported by this ags" plan --agent shell --browser
plan_error plan-psp "--psp is not supported by this ags" plan --agent shell --psp
plan_error plan-psp-keep "--psp-keep is not supported by this ags" plan --agent shell --psp-keep
plan_error plan-op "--op-secret-set is not supported by this ags" plan --agent shell -1 vault/item
plan_error plan-wayland "--wayland-compositor-passthrough is not supported by this ags" plan --agent shell --wayland-compositor-passthrough
plan_error plan-lockdown-no-home "--lockdown requires a configured pi mount for /home/dev/.pi" plan --agent pi --lockdown
plan_error run-json "unexpected flag '--json'" --agent shell --json
plan_error run-stop-without-tmux "--stop-when-done requires --tmux" --agent shell --stop-when-done
run plan-help 0 "$ags" plan --help && expect plan-help "$out" "Run flags:"
run plan-passthrough-flags 0 "$ags" plan --agent shell -- --browser -1 x && expect plan-passthrough-flags "$out" "_ --browser -1 x"

# The workspace (and --add-dir) is never /, $HOME, an ancestor of $HOME or a
# directory holding ags's own config: exit 2 with what to do instead.
cd "$work/home" || exit 1
plan_error plan-refuses-home "refusing to use $work/home as the workspace: it is your home directory; cd into a project directory" plan --agent shell
cd / || exit 1
plan_error plan-refuses-root "refusing to use / as the workspace: it is the root directory; cd into a project directory" plan --agent shell
cd "$work" || exit 1
plan_error plan-refuses-home-ancestor "refusing to use $work as the workspace: it contains your home directory $work/home; cd into a project directory" plan --agent shell
cd "$work/home/.config" || exit 1
plan_error plan-refuses-ags-config-parent "refusing to use $work/home/.config as the workspace: it contains ags's config directory $work/home/.config/ags; cd into a project directory" plan --agent shell
# The bubblewrap store (images, volumes, runs) and Podman's storage: a sandbox
# that could write them would poison every later run (issue 17's attacker
# review: run 1 replaced the image's git).
mkdir -p "$work/home/.local/share/ags/rootfs" "$work/home/.local/share/containers/storage/x"
cd "$work/home/.local/share/ags/rootfs" || exit 1
plan_error plan-refuses-bwrap-store "refusing to use $work/home/.local/share/ags/rootfs as the workspace: it is inside ags's data directory $work/home/.local/share/ags; cd into a project directory" plan --agent shell
cd "$work/home/.local/share" || exit 1
plan_error plan-refuses-bwrap-store-parent "refusing to use $work/home/.local/share as the workspace: it contains ags's data directory $work/home/.local/share/ags; cd into a project directory" plan --agent shell
cd "$work/home/.local/share/containers/storage/x" || exit 1
plan_error plan-refuses-podman-storage "refusing to use $work/home/.local/share/containers/storage/x as the workspace: it is inside Podman's storage (your images, containers and volumes) $work/home/.local/share/containers/storage" plan --agent shell
cd "$work/proj" || exit 1
plan_error plan-refuses-add-dir-bwrap-store "refusing --add-dir $work/home/.local/share/ags: it is ags's data directory $work/home/.local/share/ags; add a project directory instead" plan --agent shell --add-dir "$work/home/.local/share/ags"
cd "$work/proj" || exit 1
plan_error plan-refuses-add-dir-home "refusing --add-dir $work/home: it is your home directory; add a project directory instead" plan --agent shell --add-dir "$work/home"
if [ "${#as_user[@]}" -gt 0 ]; then
    run run-mode-refuses-home 2 "${as_user[@]}" env HOME="$user_home" \
        CONTAINER_HOST="unix://$work/no-podman.sock" bash -c 'cd "$HOME" && exec "$@"' _ \
        "$user_ags" --agent shell &&
        expect run-mode-refuses-home "$err" "refusing to use $user_home as the workspace: it is your home directory"
fi

# The Podman endpoint: --url / --connection > CONTAINER_HOST / CONTAINER_CONNECTION >
# [engine] connection > containers.conf active_service > the default, shown by ags plan.
cd "$work/proj" || exit 1
printf '[engine]\nactive_service = "a"\n[engine.service_destinations.a]\nuri = "unix:///a.sock"\n[engine.service_destinations.remote]\nuri = "ssh://u@box/run/podman.sock"\nidentity = "/keys/id"\n' >"$work/cc.conf"
cat "$work/home/.config/ags/config.toml" >"$work/conn.toml"
printf '\n[engine]\nconnection = "remote"\n' >>"$work/conn.toml"
conn_line=$(grep -n '^connection = "remote"' "$work/conn.toml" | cut -d: -f1)
cc=(env CONTAINERS_CONF="$work/cc.conf" "$ags")
run engine-active 0 "${cc[@]}" plan --agent shell &&
    expect engine-active "$out" "engine: unix:///a.sock  # containers.conf [engine] active_service ($work/cc.conf:2:18), containers.conf $work/cc.conf:4:7"
run engine-config 0 "${cc[@]}" plan --agent shell --config "$work/conn.toml" &&
    expect engine-config "$out" "engine: ssh://u@box/run/podman.sock (remote: the workspace is uploaded)  # [engine] connection = \"remote\" ($work/conn.toml:$conn_line:14), containers.conf $work/cc.conf:6:7"
run engine-env-beats-config 0 env CONTAINER_CONNECTION=a "${cc[@]}" plan --agent shell --config "$work/conn.toml" &&
    expect engine-env-beats-config "$out" "engine: unix:///a.sock  # CONTAINER_CONNECTION=a"
run engine-flag-beats-env 0 env CONTAINER_HOST=unix:///env.sock "${cc[@]}" plan --agent shell --connection remote &&
    expect engine-flag-beats-env "$out" "engine: ssh://u@box/run/podman.sock (remote: the workspace is uploaded)  # --connection remote"
run engine-url 0 "${cc[@]}" plan --agent shell --connection remote --url unix:///u.sock &&
    expect engine-url "$out" "engine: unix:///u.sock  # --url"
# A remote engine (ssh://) uploads the workspace and refuses what needs this host (exit 2).
run remote-workspace 0 "${cc[@]}" plan --agent shell --connection remote &&
    expect remote-workspace "$out" "volume ags-ws-" &&
    expect remote-workspace "$out" " -> $work/proj (rw, uploaded from $work/proj)  # workspace (remote engine)"
run remote-lockdown 2 "${cc[@]}" plan --agent shell --connection remote --lockdown &&
    expect remote-lockdown "$err" "ags: --lockdown cannot be used with a remote engine"
run remote-add-dir 2 "${cc[@]}" plan --agent shell --connection remote --add-dir "$work" &&
    expect remote-add-dir "$err" "ags: --add-dir $work cannot be used with a remote engine (the engine's host does not have this host's directories); remove it or use a local engine"
run remote-allowlist 2 "${cc[@]}" plan --agent shell --connection remote --network allowlist &&
    expect remote-allowlist "$err" "remove --network allowlist or use a local engine"
# (not $work itself: it holds the home, whose cache directory holds the
# sessions' sockets here, without a private XDG_RUNTIME_DIR)
mkdir -p "$work/data"
printf '%s\n[[mount]]\nhost = "%s"\ncontainer = "/data"\nmode = "ro"\n' "$(cat "$work/home/.config/ags/config.toml")" "$work/data" >"$work/mount.toml"
mount_line=$(grep -n '^\[\[mount\]\]' "$work/mount.toml" | cut -d: -f1)
run remote-mount 2 "${cc[@]}" plan --agent shell --connection remote --config "$work/mount.toml" &&
    expect remote-mount "$err" "ags: $work/mount.toml:$mount_line:1: [[mount]] $work/data -> /data cannot be used with a remote engine"
run remote-mount-local-ok 0 "${cc[@]}" plan --agent shell --url unix:///u.sock --config "$work/mount.toml" &&
    expect remote-mount-local-ok "$out" "bind $work/data -> /data (ro)"
printf '%s\n[[mount]]\nhost = "%s"\ncontainer = "/data"\nmode = "ro"\n' "$(cat "$work/home/.config/ags/config.toml")" "$work" >"$work/mount-sockets.toml"
run mount-over-session-sockets 2 "${cc[@]}" plan --agent shell --url unix:///u.sock --config "$work/mount-sockets.toml" &&
    expect mount-over-session-sockets "$err" "whose sockets answer through a read-only mount too"
run remote-tcp-is-local 0 "${cc[@]}" plan --agent shell --url tcp://127.0.0.1:1 &&
    expect remote-tcp-is-local "$out" "bind $work/proj -> $work/proj (rw)  # workdir"
run engine-unknown-name 2 "${cc[@]}" plan --agent shell --connection nope &&
    expect engine-unknown-name "$err" "ags: --connection nope names the connection 'nope', but no containers.conf has [engine.service_destinations.nope] with a uri; the connections there are: a remote (files read: $work/cc.conf)"
run engine-unknown-name-ps 2 "${cc[@]}" ps --connection nope &&
    expect engine-unknown-name-ps "$err" "the connections there are: a remote"
for c in df prune stop attach logs diff update-agents; do  # update-image refuses root first
    args=(); [ "$c" = stop ] && args=(x)
    run "engine-unknown-name-$c" 2 "${cc[@]}" "$c" "${args[@]}" --connection nope &&
        expect "engine-unknown-name-$c" "$err" "--connection nope names the connection 'nope'"
done
run engine-connections 0 "${cc[@]}" config connections &&
    { [ "$out" = $'a\nremote' ] && ok || bad "config connections: $out"; }
printf '[engine\n' >"$work/broken.conf"
run engine-broken-conf 2 env CONTAINERS_CONF="$work/broken.conf" "$ags" plan --agent shell &&
    expect engine-broken-conf "$err" "reading containers.conf: $work/broken.conf:1:"
mkdir -p "$work/conn-repo/.ags" "$work/conn-repo/.git"
printf '[engine]\nconnection = "remote"\n' >"$work/conn-repo/.ags/config.toml"
printf '%s %s\n' "$(sha256sum <"$work/conn-repo/.ags/config.toml" | cut -c1-64)" "$(realpath "$work/conn-repo")" \
    >>"$work/home/.config/ags/trusted-overlays"
cd "$work/conn-repo" || exit 1
run engine-overlay-refused 2 "${cc[@]}" plan --agent shell &&
    expect engine-overlay-refused "$err" "$work/conn-repo/.ags/config.toml:2:1: engine.connection: a repo-local config may not set it"

# A FIFO (or symlink) named .git is not git metadata: ags plan neither hangs
# on it nor mounts anything for it, and says why.
mkdir -p "$work/fifo-repo" "$work/link-repo"
mkfifo "$work/fifo-repo/.git"
ln -s "$work/home" "$work/link-repo/.git"
for kind in fifo link; do
    cd "$work/$kind-repo" || exit 1
    if run "plan-$kind-dotgit" 0 timeout 20 "$ags" plan --agent shell; then
        expect "plan-$kind-dotgit-note" "$out" "$work/$kind-repo/.git is a"
        [[ "$out" != *"# git metadata ("* ]] && ok || bad "plan-$kind-dotgit mounts git metadata: $out"
    fi
done
cd "$work" || exit 1

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
