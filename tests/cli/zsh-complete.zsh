#!/usr/bin/env zsh
# What zsh's own completion system offers for a command line: an interactive
# zsh in a pseudo-terminal (zpty) with compinit and the ags completion in
# $fpath, the line typed and TAB pressed.  Every match a completion function
# adds is printed unquoted, one per line (compadd is wrapped to print them;
# the matching against what was typed is zsh's own).
# usage: zsh -f zsh-complete.zsh FPATH_DIR WORKDIR 'ags --ag'
emulate -L zsh
setopt extendedglob
zmodload zsh/zpty || exit 1
local dir=$1 cwd=$2 line=$3 out= chunk
zpty z env -i HOME=${(q)cwd} TERM=xterm PATH=${(q)PATH} zsh -f -i
# compinit reads every completion function once (seconds) into a dump beside
# FPATH_DIR; the next calls load the dump.
zpty -w z "cd ${(q)cwd}; PS1='>'; fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -C -d ${(q)dir}.zcompdump"
# -O, -A and -D only ask compadd to filter; the rest add matches.
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]*]} )); then builtin compadd "$@"; return; fi
    local -a m; builtin compadd -A m "$@"; (( $#m )) && print -rl -- "<<""M>>"${^m}; builtin compadd "$@"; }'
zpty -w z '_ags_test_done() { print -r -- "<<""END>>"; }; comppostfuncs=(_ags_test_done)'
zpty -w -n z "$line"$'\t'
while zpty -r z chunk; do
    out+=$chunk
    [[ $out == *'<<END>>'* ]] && break
done
zpty -d z
local l
# The markers' own text never comes back as an echo of what was typed (that
# shows the quotes); terminal controls around a match are dropped.
for l in ${(f)out//$'\r'/}; do
    l=${l//$'\e'\[[0-9;?]#[A-Za-z]/}
    [[ $l == *'<<M>>'* ]] && print -r -- ${(Q)${l#*<<M>>}}
done
return 0
