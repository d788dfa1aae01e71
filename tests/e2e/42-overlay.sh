#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Repo overlays against real runs (issue 10 items 3 and 5): a trusted overlay
# is applied in a normal run and never in --lockdown; a symlink the agent
# plants in run 1 under a path the trusted overlay mounts does not hand it a
# host file in run 2.  An overlay's Containerfile builds under a tag of
# its own (never the user's image, which repo B and lockdown then use); a
# trusted mount source swapped for a symlink while the image builds stops the
# run; a read-write config mount around ags's own config dir is refused.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
WORK=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$WORK/.git" "$WORK/.ags" "$WORK/tools" "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
cd "$WORK" || e2e_abort "cannot enter $WORK"
WORK=$(pwd -P)


# trust: records the overlay as trusted the way an accepted prompt would (the
# digest of its bytes: it names no host path).
trust() {
    printf '%s %s\n' "$(sha256sum <"$WORK/.ags/config.toml" | cut -c1-64)" "$WORK" \
        >"$XDG_CONFIG_HOME/ags/trusted-overlays"
}

# ---- item 5: a trusted overlay with a visible effect, in default and lockdown mode
cat >"$WORK/.ags/config.toml" <<'TOML'
[sandbox]
container_boot_dirs = ["/tmp/overlay-was-here"]
TOML
trust
PROBE='test -d /tmp/overlay-was-here && echo overlay-applied || echo overlay-not-applied'
run --agent shell -- -c "$PROBE"
check_eq "default run: exit 0" 0 "$RUN_RC"
check_eq "default run: the trusted overlay applies" overlay-applied "$RUN_OUT"
run --agent shell --lockdown -- -c "$PROBE"
check_eq "lockdown run: exit 0" 0 "$RUN_RC"
check_eq "lockdown run: the trusted overlay does not apply" overlay-not-applied "$RUN_OUT"
check_eq "lockdown run: no word about the overlay on stderr" "" "$(grep -i 'repo-local' <<<"$RUN_ERR")"

# ---- item 3: plant in run 1, exploit in run 2
echo 'HOST-PRIVATE-KEY' >"$AGS_E2E_SCRATCH/id_ed25519"
chmod 600 "$AGS_E2E_SCRATCH/id_ed25519"
printf '#!/bin/sh\necho lint\n' >"$WORK/tools/lint"
chmod 755 "$WORK/tools/lint"
cat >"$WORK/.ags/config.toml" <<'TOML'
[[tool]]
name = "lint"
path = "../tools/lint"
container_path = "/home/dev/lint"
TOML
# Trusting it through the real digest needs the prompt: accept it on a pty.
printf 'y\n' >"$E2E_TMP/yes"
script -qec "$AGS_BIN plan --agent shell" /dev/null <"$E2E_TMP/yes" >"$E2E_TMP/prompt" 2>&1
check_contains "the prompt lists the tool's resolved path" \
    "tool[0].path: $WORK/.ags/../tools/lint -> $WORK/tools/lint (file)" "$(cat "$E2E_TMP/prompt")"
run --agent shell -- -c 'cat /home/dev/lint; ln -sf '"$AGS_E2E_SCRATCH"'/id_ed25519 tools/lint'
check_eq "run 1: the trusted tool is mounted" 0 "$RUN_RC"
check_contains "run 1: the tool's content" "echo lint" "$RUN_OUT"
check_eq "run 1 planted the symlink on the host" "$AGS_E2E_SCRATCH/id_ed25519" \
    "$(readlink "$WORK/tools/lint")"
run --agent shell -- -c 'cat /home/dev/lint'
check_eq "run 2: refused as a config error" 2 "$RUN_RC"
check_contains "run 2: the error names the overlay line and says where the path leads" \
    "$WORK/.ags/config.toml:3:8: tool[0].path: '$WORK/.ags/../tools/lint' resolves to '$AGS_E2E_SCRATCH/id_ed25519', outside the repository" \
    "$RUN_ERR"
check_eq "run 2: the host key never reached the sandbox" "" "$(grep HOST-PRIVATE-KEY <<<"$RUN_OUT")"
check_eq "nothing is left behind" 0 "$(managed_containers)"


# rm_image_later REF: the image is removed when the test ends.
rm_image_later() {
    e2e_defer "image_remove '$1' >/dev/null"
}

# trust_by_prompt: accepts the overlay of the current directory on a pty; sets
# PLAN_IMAGE to the image the plan then names.
trust_by_prompt() {
    script -qec "$AGS_BIN plan --agent shell" /dev/null <"$E2E_TMP/yes" >"$E2E_TMP/prompt" 2>&1
    PLAN_IMAGE=$(sed -n 's/^image: \([^ ]*\) .*/\1/p' "$E2E_TMP/prompt" | tr -d '\r')
}

if podman_only "an overlay's Containerfile builds under a tag of its own (bwrap builds none: refused below)"; then
    # ---- an overlay's Containerfile never builds the user's own image
    # (which every other repository and lockdown run): it builds under a tag of its
    # repository and bytes, whatever image the overlay names.
    A=$AGS_E2E_SCRATCH/repoA
    B=$AGS_E2E_SCRATCH/repoB
    USER_IMAGE=localhost/ags-e2e-overlay-user:latest
    mkdir -p "$A/.git" "$A/.ags" "$B/.git"
    printf 'FROM %s\nRUN echo USER-IMAGE > /etc/which-image\n' "$AGS_E2E_IMAGE" \
        >"$AGS_E2E_SCRATCH/Containerfile.user"
    printf 'FROM %s\nRUN echo IMAGE-OF-REPO-A > /etc/which-image\n' "$AGS_E2E_IMAGE" >"$A/Containerfile"
    printf '[sandbox]\nimage = "%s"\ncontainerfile = "../Containerfile"\n' "$USER_IMAGE" \
        >"$A/.ags/config.toml"
    cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$USER_IMAGE"
containerfile = "$AGS_E2E_SCRATCH/Containerfile.user"
TOML
    rm_image_later "$USER_IMAGE"
    cd "$A" || e2e_abort "cannot enter $A"
    trust_by_prompt
    check_match "repo A: its image is a tag of its own" '^localhost/ags-repo-[0-9a-f]{16}:latest$' \
        "$PLAN_IMAGE"
    [ -n "$PLAN_IMAGE" ] && [ "$PLAN_IMAGE" != "$USER_IMAGE" ] && rm_image_later "$PLAN_IMAGE"
    run --agent shell -- -c 'cat /etc/which-image'
    check_eq "repo A: exit 0" 0 "$RUN_RC"
    check_eq "repo A runs its own Containerfile" IMAGE-OF-REPO-A "$RUN_OUT"
    api GET "/images/$(printf %s "$PLAN_IMAGE" | sed 's|/|%2F|g; s|:|%3A|g')/json"
    check_contains "repo A's image is labelled with the digest of the Containerfile it was built from" \
        "\"ags.containerfile-sha256\": \"$(sha256sum <"$A/Containerfile" | cut -c1-64)\"" \
        "$(jget Labels)"
    cd "$B" || e2e_abort "cannot enter $B"
    run --agent shell --lockdown -- -c 'cat /etc/which-image'
    check_eq "repo B, lockdown: exit 0" 0 "$RUN_RC"
    check_eq "repo B, lockdown: the user's image, not repo A's" USER-IMAGE "$RUN_OUT"
    run --agent shell -- -c 'cat /etc/which-image'
    check_eq "repo B: the user's image, not repo A's" USER-IMAGE "$RUN_OUT"

else
    # ---- bwrap builds no Containerfile: a trusted overlay's is refused like
    # the user's own, before the agent runs, and nothing is built or tagged
    A=$AGS_E2E_SCRATCH/repoA
    mkdir -p "$A/.git" "$A/.ags"
    printf 'FROM %s\nRUN echo IMAGE-OF-REPO-A > /etc/which-image\n' "$AGS_E2E_IMAGE" >"$A/Containerfile"
    printf '[sandbox]\nimage = "localhost/ags-e2e-overlay-user:latest"\ncontainerfile = "../Containerfile"\n' \
        >"$A/.ags/config.toml"
    cd "$A" || e2e_abort "cannot enter $A"
    trust_by_prompt
    run --agent shell -- -c 'echo agent-ran'
    check_match "bwrap, repo A: its Containerfile is refused (non-zero exit)" '^[1-9][0-9]*$' "$RUN_RC"
    check_eq "bwrap, repo A: the agent never ran" "" "$RUN_OUT"
    check_contains "bwrap, repo A: the refusal names the key" containerfile "$RUN_ERR"
    check_contains "bwrap, repo A: the refusal names the backend that builds it" "--backend podman" \
        "$RUN_ERR"
    check_eq "bwrap, repo A: no image was made under the plan's name" no "$(image_exists "$PLAN_IMAGE")"
    check_eq "bwrap, repo A: nothing is left behind" 0 "$(managed_containers)"
fi

# An overlay that names a missing image without a Containerfile of its own is
# not built (it would build your Containerfile under a name of its choosing,
# e.g. another repository's tag).
NAMED_IMAGE=localhost/ags-e2e-overlay-named-$$:latest
rm_image_later "$NAMED_IMAGE"
printf '[sandbox]\nimage = "%s"\n' "$NAMED_IMAGE" >"$A/.ags/config.toml"
cd "$A" || e2e_abort "cannot enter $A"
trust_by_prompt
run --agent shell -- -c 'cat /etc/which-image'
check_eq "overlay naming a missing image: the run fails before the agent" 125 "$RUN_RC"
check_contains "overlay naming a missing image: the error says why" \
    "names the image $NAMED_IMAGE, which does not exist" "$RUN_ERR"
check_eq "overlay naming a missing image: nothing was built under that name" no \
    "$(image_exists "$NAMED_IMAGE")"

if podman_only "a trusted mount source swapped for a symlink while the image builds (bwrap builds no image)"; then
    # ---- (the overlay names an image of its own so that older versions
    # build too): a trusted overlay's mount source swapped for a symlink to a host
    # directory while the image builds (by an agent of another run in the same
    # checkout) stops the run before the sandbox starts.
    C=$AGS_E2E_SCRATCH/repoC
    mkdir -p "$C/.git" "$C/.ags" "$C/data" "$AGS_E2E_SCRATCH/private"
    echo HOST-PRIVATE >"$AGS_E2E_SCRATCH/private/id_key"
    echo repo-data >"$C/data/readme"
    # a build that lasts, and a tag that no earlier run left behind
    printf 'FROM %s\nRUN sleep 6\n# %s\n' "$AGS_E2E_IMAGE" "$$-$RANDOM" >"$C/Containerfile"
    SLOW_IMAGE=localhost/ags-e2e-overlay-slow-$$:latest
    rm_image_later "$SLOW_IMAGE"
    cat >"$C/.ags/config.toml" <<TOML
[sandbox]
image = "$SLOW_IMAGE"
containerfile = "../Containerfile"
[[mount]]
host = "../data"
container = "/home/dev/data"
mode = "ro"
TOML
    cd "$C" || e2e_abort "cannot enter $C"
    trust_by_prompt
    [ -n "$PLAN_IMAGE" ] && [ "$PLAN_IMAGE" != "$USER_IMAGE" ] && rm_image_later "$PLAN_IMAGE"
    RUN_RC=0
    "$AGS_BIN" --agent shell -- -c 'cat /home/dev/data/*' </dev/null >"$E2E_TMP/out" 2>"$E2E_TMP/err" &
    ags_pid=$!
    for _ in $(seq 1 300); do
        grep -q 'building the sandbox image' "$E2E_TMP/err" && break
        sleep 0.1
    done
    check_contains "the run builds the overlay's image" "building the sandbox image" "$(cat "$E2E_TMP/err")"
    mv -T "$C/data" "$C/data.real"
    ln -s "$AGS_E2E_SCRATCH/private" "$C/data"
    wait "$ags_pid" || RUN_RC=$?
    check_eq "swapped mount source: the run fails before the agent" 125 "$RUN_RC"
    check_lacks "swapped mount source: the host directory never reached the sandbox" HOST-PRIVATE \
        "$(cat "$E2E_TMP/out")"
    check_contains "swapped mount source: the error names it" \
        "the mount source $C/data changed since ags checked it (now $AGS_E2E_SCRATCH/private)" \
        "$(cat "$E2E_TMP/err")"
    check_eq "nothing is left behind after the refused run" 0 "$(managed_containers)"


fi
# ---- the host side of a config mount.  Your own config mounting
# the directory that holds ags's config read-write would let the agent
# rewrite that config (and the trust store) for its next run.
D=$AGS_E2E_SCRATCH/repoD
mkdir -p "$D/.git"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
[[mount]]
host = "$XDG_CONFIG_HOME"
container = "/home/dev/.config"
mode = "rw"
TOML
CONFIG_BEFORE=$(sha256sum <"$XDG_CONFIG_HOME/ags/config.toml")
cd "$D" || e2e_abort "cannot enter $D"
run --agent shell -- -c 'echo "[[mount]]" >> /home/dev/.config/ags/config.toml && echo wrote'
check_eq "rw mount around ags's config: refused as a config error" 2 "$RUN_RC"
check_contains "rw mount around ags's config: the error names the file, line and why" \
    "$XDG_CONFIG_HOME/ags/config.toml:3: refusing to mount $XDG_CONFIG_HOME read-write (config): it contains ags's config directory $XDG_CONFIG_HOME/ags" \
    "$RUN_ERR"
check_eq "rw mount around ags's config: the config is unchanged" "$CONFIG_BEFORE" \
    "$(sha256sum <"$XDG_CONFIG_HOME/ags/config.toml")"
check_eq "nothing is left behind after the refused mount" 0 "$(managed_containers)"

e2e_finish
