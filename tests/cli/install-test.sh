#!/usr/bin/env bash
# ags install / uninstall / create-aliases as an unprivileged user with a
# throwaway HOME: files, modes, markers, idempotence, refusal without --force,
# and uninstall leaving exactly the tree from before.  Run as root, it checks
# that install refuses root, then runs the rest again as nobody.
# usage: install-test.sh AGS_BINARY
set -uo pipefail
ags=$(realpath "$1")
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
    failed=$((failed + 1))
    echo "FAIL: $*" >&2
}
expect() { # NAME HAYSTACK NEEDLE
    if [[ "$2" == *"$3"* ]]; then ok; else bad "$1: '$3' not in: $2"; fi
}
same() { # NAME GOT WANT
    if [ "$2" == "$3" ]; then ok; else bad "$1: got:"$'\n'"$2"$'\n'"want:"$'\n'"$3"; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
home=$work/home
mkdir -p "$home"

# run NAME EXPECTED_STATUS ARGS...: ags with the throwaway HOME, into $out/$err.
run() {
    local name=$1 want=$2
    shift 2
    env -i HOME="$home" PATH="${TEST_PATH:-/usr/bin:/bin}" ${TEST_SHELL:+SHELL="$TEST_SHELL"} \
        "$ags" "$@" >"$work/out" 2>"$work/err" </dev/null
    local got=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
    if [ "$got" -ne "$want" ]; then
        bad "$name: exit $got, want $want; stdout: $out; stderr: $err"
        return 1
    fi
    ok
}

if [ "$(id -u)" -eq 0 ]; then
    run install-as-root 2 install && expect install-as-root "$err" "does not run as root"
    [ -e "$home/.local" ] && bad "install as root wrote below HOME" || ok
    setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR=/tmp bash "$0" "$ags"
    rc=$?
    echo "root part: $passed passed, $failed failed"
    [ "$failed" -eq 0 ] && exit "$rc"
    exit 1
fi

listing() { (cd "$home" && find . -printf '%y %m %p\n' | LC_ALL=C sort); }

# ---- install / uninstall ----
mkdir -p "$home/.local/share/other"
echo 'export MINE=1' >"$home/.bashrc"
before=$(listing)

if run install 0 install; then
    expect install-says "$out" "installed"
    expect install-warns-path "$err" ".local/bin is not on \$PATH"
fi
cmp -s "$ags" "$home/.local/bin/ags" && ok || bad "$home/.local/bin/ags is not a copy of $ags"
same bin-mode "$(stat -c %a "$home/.local/bin/ags")" 755
same guard-mode "$(stat -c %a "$home/.local/share/ags/agent-assets/claude/guard.sh")" 755
[ -f "$home/.local/share/ags/containerfile/Containerfile" ] && ok || bad "no Containerfile installed"
manifest=$home/.local/share/ags/install-manifest
sum=$(sha256sum "$ags" | cut -d' ' -f1)
tab=$'\t'
expect manifest-lists-bin "$(cat "$manifest")" "file${tab}0755${tab}$sum${tab}$home/.local/bin/ags"
env -i HOME="$home" "$home/.local/bin/ags" --version >/dev/null 2>&1 && ok || bad "installed ags does not run"
# The completions, where each shell finds them for this user (real shells).
expect install-says-zsh-fpath "$out" "fpath=(~/.local/share/zsh/site-functions \$fpath)"
same bash-finds-the-completion "$(env -i HOME="$home" PATH="$home/.local/bin:/usr/bin:/bin" bash --norc -c \
    'source /usr/share/bash-completion/bash_completion; _completion_loader ags; COMP_WORDS=(ags --ag); COMP_CWORD=1; COMP_LINE="ags --ag"; COMP_POINT=8; $(complete -p ags | sed "s/.*-F \([^ ]*\) .*/\1/") ags --ag ags; printf "%s\n" "${COMPREPLY[@]}"' 2>&1)" "--agent"
# (fish's own config files set its completion path; its state goes elsewhere)
same fish-finds-the-completion "$(env -i HOME="$home" XDG_CONFIG_HOME="$work/fish-config" \
    PATH="$home/.local/bin:/usr/bin:/bin" fish -c 'complete -C "ags --ag"' 2>&1 | cut -f1)" "--agent"
same zsh-completion-file "$(head -n1 "$home/.local/share/zsh/site-functions/_ags")" "#compdef ags"

installed=$(listing)
TEST_PATH="$home/.local/bin:/usr/bin:/bin" run install-again 0 install &&
    expect install-again "$out" "0 written"
[ -z "$err" ] && ok || bad "install-again: unexpected stderr: $err"
same install-is-idempotent "$(listing)" "$installed"

guard=$home/.local/share/ags/agent-assets/pi/guard.ts
echo '// edited' >>"$guard"
run install-refuses-changed 1 install &&
    expect install-refuses-changed "$err" "agent-assets/pi/guard.ts: ags install did not write it, or it changed since"
expect install-kept-edit "$(tail -1 "$guard")" "// edited"
run uninstall-keeps-changed 1 uninstall && expect uninstall-keeps-changed "$err" "kept $guard"
[ -e "$home/.local/bin/ags" ] && bad "uninstall kept the unchanged binary" || ok
run uninstall-force 0 uninstall --force && expect uninstall-force "$out" "Uninstall complete."
same uninstall-restores-tree "$(listing)" "$before"
run uninstall-nothing 1 uninstall && expect uninstall-nothing "$err" "no install manifest"

mkdir -p "$home/.local/bin"
printf '#!/bin/sh\necho mine\n' >"$home/.local/bin/ags"
run install-refuses-foreign 1 install && expect install-refuses-foreign "$err" "nothing installed"
same foreign-kept "$(cat "$home/.local/bin/ags")" $'#!/bin/sh\necho mine'
[ -e "$manifest" ] && bad "a refused install wrote a manifest" || ok
run install-force 0 install --force && expect install-force "$err" "replacing ~/.local/bin/ags"
cmp -s "$ags" "$home/.local/bin/ags" && ok || bad "--force did not replace $home/.local/bin/ags"
run uninstall-after-force 0 uninstall
rmdir "$home/.local/bin"
same uninstall-after-force-tree "$(listing)" "$before"

run link-self-build-tree 2 install --link-self && expect link-self-build-tree "$err" "build directory"
if run link-self-force 0 install --link-self --force; then
    same link-target "$(readlink "$home/.local/bin/ags")" "$ags"
fi
run uninstall-link 0 uninstall
[ -x "$ags" ] && ok || bad "uninstall removed the binary a link pointed to"
same uninstall-link-tree "$(listing)" "$before"
run install-bad-flag 2 install --frob && expect install-bad-flag "$err" "unexpected argument '--frob'"

# ---- create-aliases ----
bin=$home/.local/bin
if run wrappers 0 create-aliases; then
    expect wrappers "$out" "14 written, 0 unchanged, 0 skipped"
fi
same wrapper-text "$(cat "$bin/aspi")" '#!/usr/bin/env bash
# AGS_MANAGED_ALIAS
set -euo pipefail
exec ags --agent pi -- "$@"'
same wrapper-mode "$(stat -c %a "$bin/asco")" 755
run wrappers-again 0 create-aliases --mode=wrappers && expect wrappers-again "$out" "0 written, 14 unchanged"
mkdir -p "$work/fakebin"
printf '#!/bin/sh\necho "ags $*"\n' >"$work/fakebin/ags"
chmod 755 "$work/fakebin/ags"
same wrapper-runs "$(PATH="$work/fakebin:/usr/bin:/bin" "$bin/asco" hello 'two words')" \
    "ags --agent claude --defaults -- --model opus hello two words"
printf '#!/bin/sh\necho mine\n' >"$bin/asx"
run wrappers-keep-foreign 0 create-aliases && expect wrappers-keep-foreign "$err" "kept $bin/asx"
expect wrappers-keep-foreign "$out" "1 skipped"
same foreign-wrapper-kept "$(cat "$bin/asx")" $'#!/bin/sh\necho mine'
run wrappers-force 0 create-aliases --force && expect wrappers-force "$out" "1 written"
expect wrappers-force "$(cat "$bin/asx")" "# AGS_MANAGED_ALIAS"

if run aliases-bash 0 create-aliases --mode aliases --shell bash; then
    expect aliases-bash "$out" "aliases in $home/.bashrc: written"
fi
expect aliases-bash-kept "$(head -1 "$home/.bashrc")" "export MINE=1"
expect aliases-bash-block "$(cat "$home/.bashrc")" "alias asg='ags --agent gemini --defaults --'"
bashrc=$(cat "$home/.bashrc")
TEST_SHELL=/bin/bash run aliases-again 0 create-aliases --mode aliases &&
    expect aliases-again "$out" "unchanged"
same aliases-idempotent "$(cat "$home/.bashrc")" "$bashrc"
same alias-runs "$(HOME=$home PATH="$work/fakebin:/usr/bin:/bin" bash --norc -c \
    'shopt -s expand_aliases; source "$HOME/.bashrc"; eval "aspi hi"')" "ags --agent pi -- hi"
run aliases-fish 0 create-aliases --mode both --shell fish &&
    expect aliases-fish "$out" "aliases in $home/.config/fish/config.fish: written"
expect aliases-fish "$(cat "$home/.config/fish/config.fish")" "# >>> ags managed aliases >>>"
run aliases-no-shell 2 create-aliases --mode aliases &&
    expect aliases-no-shell "$err" "could not autodetect shell; use --shell fish|zsh|bash"
run aliases-bad-mode 2 create-aliases --mode all && expect aliases-bad-mode "$err" "invalid value 'all' for --mode"
printf '# >>> ags managed aliases >>>\nalias x=y\n' >"$home/.zshrc"
run aliases-unclosed 1 create-aliases --mode aliases --shell zsh &&
    expect aliases-unclosed "$err" "$home/.zshrc:1:"

cfg=$work/aliases.toml
printf '[sandbox]\nimage = "localhost/x:1"\n[aliases]\ncommands = { myai = "ags --agent pi --", "my.opus" = "ags --agent claude -- --model opus" }\n' >"$cfg"
if run aliases-config 0 create-aliases --config "$cfg" --mode both --shell bash; then
    expect aliases-config "$out" "2 written"
fi
same aliases-config-wrapper "$(tail -1 "$bin/my.opus")" 'exec ags --agent claude -- --model opus "$@"'
expect aliases-config-block "$(cat "$home/.bashrc")" "alias myai='ags --agent pi --'"
if grep -q "alias aspi=" "$home/.bashrc"; then bad "configured names did not replace the built-in block"; else ok; fi
# fish reads its own quoting: a backslash before a quote stays the command's.
printf '[sandbox]\nimage = "localhost/x:1"\n[aliases]\ncommands = { q = "echo A\\\\'"'"'B" }\n' >"$cfg"
run aliases-fish-quoting 0 create-aliases --config "$cfg" --mode aliases --shell fish
same fish-runs-the-alias-as-written "$(env -i HOME="$home" XDG_CONFIG_HOME="$work/fish-config" PATH=/usr/bin:/bin \
    fish --no-config -c "source '$home/.config/fish/config.fish'; q" 2>&1)" "A'B"
printf '[sandbox]\nimage = "localhost/x:1"\n[aliases]\ncommands = { "../evil" = "ags" }\n' >"$cfg"
run aliases-config-bad-name 2 create-aliases --config "$cfg" &&
    expect aliases-config-bad-name "$err" "$cfg:4:12: aliases.commands.../evil: not a name"

# ---- commands that only look or remove write no config ----
rm -rf "$home/.config/ags"
env -i HOME="$home" PATH=/usr/bin:/bin CONTAINER_HOST="unix://$work/no.sock" "$ags" df \
    >/dev/null 2>&1 </dev/null
[ -e "$home/.config/ags" ] && bad "ags df created $home/.config/ags" || ok

# ---- uninstall --purge: ags's own directories (Podman is not reachable here) ----
purge_home() { # fills the config, state and cache directories, plus a planted link
    mkdir -p "$home/.config/ags" "$home/.local/state/ags/x" "$home/outside"
    printf '[sandbox]\nimage = "localhost/x:1"\n' >"$home/.config/ags/config.toml"
    echo keep >"$home/outside/precious"
    echo state >"$home/.local/state/ags/x/f"
    rm -rf "$home/.cache/ags"
    mkdir -p "$home/.cache"
    ln -s ../outside "$home/.cache/ags" # a link where the cache was: removed as a link
}
purge_home
run purge-needs-purge 2 uninstall --yes && expect purge-needs-purge "$err" "--yes goes with --purge"
run purge-asks-without-terminal 2 uninstall --purge &&
    expect purge-asks-without-terminal "$err" "stdin is not a terminal: add --yes"
[ -f "$home/.config/ags/config.toml" ] && ok || bad "a refused purge removed the config"
# CONTAINER_HOST at a socket that is not there: the Podman part is reported and kept.
purge_run() {
    env -i HOME="$home" PATH=/usr/bin:/bin CONTAINER_HOST="unix://$work/no.sock" \
        "$ags" uninstall --purge --yes >"$work/out" 2>"$work/err" </dev/null
    rc=$?
    out=$(cat "$work/out")
    err=$(cat "$work/err")
}
purge_run
same purge-without-podman-exit 1 "$rc"
expect purge-lists-config "$err" "the config directory $home/.config/ags"
expect purge-lists-state "$err" "the state directory $home/.local/state/ags"
expect purge-says-podman-kept "$err" "ags prune --all removes them once Podman answers"
expect purge-removed-config "$out" "removed the config directory $home/.config/ags"
for d in .config/ags .local/state/ags .cache/ags; do
    [ -e "$home/$d" ] || [ -L "$home/$d" ] && bad "purge left $d" || ok
done
same purge-never-follows-the-cache-link "$(cat "$home/outside/precious" 2>&1)" keep
# A cache_dir configured elsewhere is not ags's to remove.
purge_home
printf '[sandbox]\nimage = "localhost/x:1"\ncache_dir = "%s"\n' "$home/outside" \
    >"$home/.config/ags/config.toml"
purge_run
expect purge-keeps-a-configured-cache "$err" "(not the cache directory $home/outside: it is not a directory named ags"
same purge-kept-configured-cache-content "$(cat "$home/outside/precious" 2>&1)" keep

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
