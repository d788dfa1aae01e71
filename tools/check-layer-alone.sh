#!/usr/bin/env bash
# Compiles every source of one layer with only the layers it may use on the
# include path: proof that, say, the REST client (podman/) builds without
# the config and plan headers, whatever the #include lines look like.
#
#   tools/check-layer-alone.sh SRC_DIR LAYER [USED_LAYER...] [-- CFLAGS...]
#
# exit 0: every file compiled (syntax and types); 1: one did not.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 SRC_DIR LAYER [USED_LAYER...] [-- CFLAGS...]" >&2; exit 2; }
src=$1 layer=$2
shift 2
used=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    used+=("$1")
    shift
done
[ $# -eq 0 ] || shift
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for l in "$layer" "${used[@]}"; do
    [ -d "$src/$l" ] || { echo "no layer $src/$l" >&2; exit 2; }
    ln -s "$(cd "$src/$l" && pwd)" "$tmp/$l"
done
fail=0 n=0
for f in "$tmp/$layer"/*.c; do
    n=$((n + 1))
    if ! "$cc" -std=gnu17 -D_GNU_SOURCE -fsyntax-only -I"$tmp" "$@" "$f" 2>"$tmp/err"; then
        echo "$layer/$(basename "$f") does not build with only {${used[*]}} beside it:" >&2
        head -5 "$tmp/err" >&2
        fail=1
    fi
done
echo "$layer: $n files built with only {${used[*]}} on the include path"
exit "$fail"
