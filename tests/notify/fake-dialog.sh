#!/bin/sh
# A stand-in for zenity and kdialog in the notify tests, copied under either
# name into a private PATH directory (a real zenity needs a display this test
# machine does not have).  It writes its arguments to $NOTIFY_TEST_DIR/dialog-args
# (each followed by a line "--end--") and exits with the status in
# $NOTIFY_TEST_DIR/dialog-answer, or waits to be killed when that says "hang".
# ags runs it with the PATH the test chose (this script's dir alone).
PATH=/usr/bin:/bin
d=${NOTIFY_TEST_DIR:?}
: >"$d/dialog-args"
for a in "$@"; do
    printf '%s\n--end--\n' "$a" >>"$d/dialog-args"
done
answer=$(cat "$d/dialog-answer")
if [ "$answer" = hang ]; then
    exec sleep 600
fi
exit "$answer"
