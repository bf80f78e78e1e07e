#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The lab's uevents as a raw listener sees them: exactly one "remove" per
# unplug and one "add" per plug, in order, with every umockdev version
# (0.18.4 and later send "remove" from umockdev_testbed_remove_device() on
# their own: the lab must not add a second one).
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:recovery:ecid=0x1001 <<'EOF2'
w=$LT_DIR/w.out
"$LAB_BIN/uevent-watch" 3 10000 >"$w" 2>"$LT_DIR/w.err" &
pid=$!
wait_line "$w" "^READY$" 10000
lab unplug 1 >/dev/null
lab replug 1 >/dev/null
lab plug iPad8,1:dfu:ecid=0x2002 >/dev/null
wait "$pid" || { cat "$w" "$LT_DIR/w.err" >&2; fail "uevent-watch failed"; }
# the third uevent is the new DFU device: nothing came between
run actions awk 'NR > 1 { print $1 }' "$w"
expect_output actions "remove
add
add"
run paths sh -c "awk 'NR > 1 { print \$2 }' '$w' | uniq | wc -l"
expect_output paths 2
EOF2
