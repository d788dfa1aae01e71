#!/usr/bin/env bash
# The Debian package, as root on a Debian 12 machine (CI): a release build of
# the source tree, `cpack -G DEB` -> ags_<version>_<arch>.deb with Depends
# from dpkg-shlibdeps plus the runtime tools, lintian without an error (and
# no overrides: ags-helper is a static PIE, which lintian does not call a
# static binary, only warns shared-library-lacks-prerequisites about),
# `apt-get install ./ags_*.deb`, /usr/bin/ags --version,
# `man -w ags`, the shipped files and /usr/lib/ags/ags-helper found through
# the installed binary, then
# `apt-get remove ags` and not one file of the package left behind.  A
# package named ags installed before the test is refused, never replaced.
#
# usage: deb-test.sh SOURCE_DIR WORK_DIR (WORK_DIR is emptied and reused)
set -euo pipefail
src=$(realpath "$1")
work=$2
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
installed() {
    [ "$(dpkg-query -W -f '${db:Status-Status}' ags 2>/dev/null)" = installed ]
}
[ "$(id -u)" -eq 0 ] || fail "needs root: it installs and removes the package ags"
installed && fail "a package named ags is installed already; remove it first (apt-get remove ags)"
for tool in cpack lintian dpkg-shlibdeps man apt-get; do
    command -v "$tool" >/dev/null ||
        fail "$tool not found: apt-get install cmake lintian dpkg-dev man-db (tools/bootstrap.sh test)"
done
rm -rf "$work"
mkdir -p "$work/home" "$work/run"
chmod 0700 "$work/home" "$work/run"
work=$(realpath "$work")
: >"$work/config.toml"

cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DAGS_TESTS=OFF >/dev/null
cmake --build "$work/build" -j "${AGS_JOBS:-2}" >/dev/null
(cd "$work/build" && cpack -G DEB >"$work/cpack.log") || {
    cat "$work/cpack.log" >&2
    fail "cpack -G DEB failed"
}
version=$(sed -n 's/^project(ags VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
deb=$work/build/ags_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || fail "cpack made no $(basename "$deb"): $(cd "$work/build" && echo ./*.deb)"
echo "# package: $(basename "$deb"), $(stat -c %s "$deb") bytes," \
    "installed size $(dpkg-deb -f "$deb" Installed-Size) KiB"
depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
echo "# Recommends: $(dpkg-deb -f "$deb" Recommends)"
# Each library the binary needs comes from a package that Depends names.
needed=$(objdump -p "$work/build/ags" | awk '$1 == "NEEDED" { print $2 }')
[ -n "$needed" ] || fail "objdump finds no NEEDED library in $work/build/ags"
libpkgs=$(for so in $needed; do dpkg-query -S "*/$so" | sed -n '1s/[:,].*//p'; done | sort -u)
# libcurl4 too: it is loaded at the first Podman connection (dpkg-shlibdeps
# cannot see it); either engine will do (docs/bwrap.md).
for d in $libpkgs libcurl4 podman slirp4netns uidmap; do
    grep -Eq "(^|, )$d( |,|$)" <<<"$depends" || fail "Depends lacks $d: $depends"
done
grep -Eq "(^|, )podman \| bubblewrap(,|$)" <<<"$depends" ||
    fail "Depends does not take bubblewrap for podman: $depends"
dpkg-deb -f "$deb" Recommends | grep -q mmdebstrap || fail "Recommends lacks mmdebstrap"
if dpkg-deb -c "$deb" | grep 'lintian/overrides' >/dev/null; then
    fail "the package carries lintian overrides"
fi
lint_rc=0
lint=$(lintian --fail-on error "$deb" 2>&1) || lint_rc=$?
sed 's/^/# lintian: /' <<<"${lint:-no tags}"
[ "$lint_rc" -eq 0 ] || fail "lintian reports errors (status $lint_rc)"

trap 'if installed; then dpkg --purge ags >/dev/null; fi' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$deb" \
    >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "apt-get install $deb failed"
}
installed || fail "ags is not installed after apt-get install"
dpkg-query -L ags >"$work/listed"
# What was a file or link (not a directory) when installed.
while read -r p; do
    if [ -f "$p" ] || [ -L "$p" ]; then
        echo "$p"
    elif [ ! -d "$p" ]; then
        fail "dpkg lists $p but it is not there"
    fi
done <"$work/listed" >"$work/files"

[ "$(/usr/bin/ags --version)" = "ags $version" ] || fail "/usr/bin/ags --version: $(/usr/bin/ags --version)"
man -aw ags | grep -qx /usr/share/man/man1/ags.1.gz || fail "man -w ags does not find /usr/share/man/man1/ags.1.gz"
LC_ALL=C.UTF-8 MANWIDTH=80 man -l /usr/share/man/man1/ags.1.gz | grep 'ags - run AI coding agents' >/dev/null ||
    fail "man does not render the installed page"
out=$(cd "$work" && env -u CONTAINER_HOST -u DBUS_SESSION_BUS_ADDRESS -u DISPLAY \
    HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_RUNTIME_DIR="$work/run" \
    /usr/bin/ags doctor --json --config "$work/config.toml") || true
grep -q '"guard assets in /usr/share/ags/agent-assets"' <<<"$out" ||
    fail "the installed ags does not use /usr/share/ags: $out"
# The opener every sandbox gets: installed executable, and the one the
# installed ags plans to mount.
grep -qx /usr/lib/ags/ags-helper "$work/files" || fail "the package has no /usr/lib/ags/ags-helper"
[ -x /usr/lib/ags/ags-helper ] || fail "/usr/lib/ags/ags-helper is not executable"
mkdir -p "$work/project"
printf '[sandbox]\nimage = "ags-deb-test"\n' >"$work/plan.toml"
out=$(cd "$work/project" && env -u CONTAINER_HOST HOME="$work/home" XDG_RUNTIME_DIR="$work/run" \
    /usr/bin/ags plan --agent shell --config "$work/plan.toml") ||
    fail "the installed ags cannot plan a run: $out"
grep -q '^  bind /usr/lib/ags/ags-helper -> /opt/ags/bin/xdg-open (ro)' <<<"$out" ||
    fail "the installed ags does not mount /usr/lib/ags/ags-helper: $out"
for c in /usr/share/bash-completion/completions/ags /usr/share/zsh/vendor-completions/_ags \
    /usr/share/fish/vendor_completions.d/ags.fish; do
    grep -qx "$c" "$work/files" || fail "the package has no completion file $c"
    [ -s "$c" ] || fail "the completion file $c is empty"
    echo "# completion: $c"
done
# Real shells find them where they look for packaged completions.
got=$(env -i HOME="$work/home" PATH=/usr/bin:/bin bash --norc -c \
    'source /usr/share/bash-completion/bash_completion; _completion_loader ags; complete -p ags' 2>&1)
[[ "$got" == "complete -F "* ]] || fail "bash-completion does not load the packaged completion: $got"
got=$(env -i HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" PATH=/usr/bin:/bin \
    fish -c 'complete -C "ags --ag"' 2>&1 | cut -f1)
[ "$got" = "--agent" ] || fail "fish does not complete 'ags --ag' from the package: $got"
echo "# files: $(wc -l <"$work/files")"

DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq ags >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "apt-get remove ags failed"
}
installed && fail "ags is still installed after apt-get remove"
left=0
while read -r p; do
    if [ -e "$p" ] || [ -L "$p" ]; then
        echo "left behind: $p" >&2
        left=1
    fi
done <"$work/files"
# A directory of the package may stay only when another package owns it.
while read -r p; do
    [ "$p" = /. ] && continue
    if [ -d "$p" ] && ! grep -qx "$p" "$work/files" && ! dpkg-query -S "$p" >/dev/null 2>&1; then
        echo "directory left behind: $p" >&2
        left=1
    fi
done <"$work/listed"
[ "$left" -eq 0 ] || fail "apt-get remove ags left files of the package"
echo "ok: installed, checked and removed $(basename "$deb")"
