#!/usr/bin/env bash
# cmake --install into a throwaway prefix: every file lands where Debian tools
# look (the manifest lists exactly what is there), `man ags` finds the page
# through the prefix's MANPATH, and the installed ags finds its shipped files
# relative to its own executable: in the prefix, after the prefix is moved,
# through a symlink to it (as ~/.local/bin/ags may be); the build tree's
# binary uses the source tree.  The same for ags-helper, which `ags plan`
# shows mounted into the sandbox: the prefix's lib/ags/ags-helper, the build
# tree's own.
#
# usage: install-test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# Under the build directory, not the shared /tmp: its owner is the test's.
work=$(mktemp -d "$build/install-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -m 0700 "$work/home" "$work/run"
: >"$work/config.toml" # no secrets: doctor asks no keyring

cmake --install "$build" --prefix "$work/prefix" >/dev/null
prefix=$work/prefix
for f in bin/ags lib/ags/ags-helper share/ags/containerfile/Containerfile \
    share/ags/agent-assets/claude/guard.sh \
    share/man/man1/ags.1.gz share/doc/ags/copyright share/doc/ags/changelog.gz \
    share/bash-completion/completions/ags share/zsh/vendor-completions/_ags \
    share/fish/vendor_completions.d/ags.fish; do
    [ -f "$prefix/$f" ] || fail "cmake --install did not place $f"
done
[ -x "$prefix/bin/ags" ] && [ -x "$prefix/lib/ags/ags-helper" ] &&
    [ -x "$prefix/share/ags/agent-assets/claude/guard.sh" ] ||
    fail "bin/ags, lib/ags/ags-helper or the Claude guard hook is not executable"
# What the install manifest lists is exactly what the prefix holds.
diff <(sort "$build/install_manifest.txt") <(find "$prefix" -type f | sort) >&2 ||
    fail "install_manifest.txt and the files in the prefix differ"
page=$(MANPATH=$prefix/share/man man -w ags) || fail "man -w ags does not find the page"
[ "$page" = "$prefix/share/man/man1/ags.1.gz" ] || fail "man -w ags gives $page"
# grep reads to the end (no -q): an early exit would kill zcat with SIGPIPE,
# which pipefail reports as a failure when zcat was still writing.
zcat "$page" | grep '^\.TH "AGS" "1"' >/dev/null || fail "$page is not the generated page"

# The agent-assets directory the ags at $1 uses, as its doctor reports it.
assets_of() {
    local out
    out=$(cd "$work" && env -u CONTAINER_HOST -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY \
        HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run" \
        "$1" doctor --json --config "$work/config.toml") || true
    python3 -c '
import json, sys
checks = json.loads(sys.argv[1])["checks"]
print(next(c["message"] for c in checks if c["name"] == "guard-assets"))' "$out"
}
expect_assets() {
    local got
    got=$(assets_of "$1")
    [ "$got" = "guard assets in $2" ] || fail "$1 uses '$got', want $2"
    echo "ok: $1 -> $2"
}
# The ags-helper the ags at $1 would mount, as its `ags plan --json` says.
helper_of() {
    local out
    out=$(cd "$work/project" && env -u CONTAINER_HOST -u DBUS_SESSION_BUS_ADDRESS \
        HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run" \
        "$1" plan --json --agent shell --config "$work/plan.toml") || fail "$1 plan failed: $out"
    python3 -c '
import json, sys
mounts = json.loads(sys.argv[1])["mounts"]
dest = "/opt/ags/bin/ags-helper"
print(next((m["source"] for m in mounts if m["destination"] == dest), ""))' "$out"
}
expect_helper() {
    local got
    got=$(helper_of "$1")
    [ "$got" = "$2" ] || fail "$1 mounts the helper '$got', want $2"
    echo "ok: $1 mounts $2"
}
printf '[sandbox]\nimage = "ags-install-test"\n' >"$work/plan.toml"
mkdir "$work/project" # a workspace that holds no home
expect_assets "$prefix/bin/ags" "$prefix/share/ags/agent-assets"
expect_helper "$prefix/bin/ags" "$prefix/lib/ags/ags-helper"
mv "$prefix" "$work/moved"
expect_assets "$work/moved/bin/ags" "$work/moved/share/ags/agent-assets"
expect_helper "$work/moved/bin/ags" "$work/moved/lib/ags/ags-helper"
mkdir -p "$work/home/.local/bin"
ln -s "$work/moved/bin/ags" "$work/home/.local/bin/ags"
expect_assets "$work/home/.local/bin/ags" "$work/moved/share/ags/agent-assets"
expect_helper "$work/home/.local/bin/ags" "$work/moved/lib/ags/ags-helper"
expect_assets "$build/ags" "$src/agent-assets"
expect_helper "$build/ags" "$build/ags-helper"
# Without its helper an installed ags plans no auth proxy (never another one).
rm "$work/moved/lib/ags/ags-helper"
expect_helper "$work/moved/bin/ags" ""
