#!/usr/bin/env bash
# FINDING: the bubblewrap store (${XDG_DATA_HOME:-~/.local/share}/ags) is not
# among the places the plan never mounts (run/host.c gather_places lists
# config, state, cache, runtime and tmp only), although backend/bwrap.h says
# "never mounted into a sandbox: the plan refuses ags's own directories".
# A run whose workspace (or --add-dir, or a read-write [[mount]]) is the
# store or a directory holding it (~/.local/share) gets the image trees
# read-write: every image file is the user's (tar as the user), so the agent
# replaces /usr/bin/git of the image, and every later run of every
# repository runs it.
. "$(dirname "$0")/lib.sh"
atk_setup
store=$ATK_DIR/data/ags
# Run 1: a workspace that holds the store (here the store itself; ~/.local/share
# is the same).  The agent finds the image under its workspace and poisons it.
run1=$(ATK_WORK=$store atk_run 'for g in "$PWD"/rootfs/*/root/usr/bin/git; do
    rm -f "$g" && printf "#!/bin/sh\necho POISONED-BY-RUN-1\n" >"$g" && chmod 755 "$g" && echo "wrote $g"; done' 2>&1) || {
    case $run1 in *"refusing to use"*) held "ags refuses the store as a workspace: $run1" ;; esac
    atk_die "run 1 failed: $run1"
}
echo "$run1"
# Run 2: an ordinary repository.
out=$(atk_run 'git --version' 2>&1 || true)
echo "run 2: $out"
case $out in *POISONED-BY-RUN-1*) works "run 2 in another repository ran the git planted by run 1 into the image" ;; esac
held "the image was not changed"
