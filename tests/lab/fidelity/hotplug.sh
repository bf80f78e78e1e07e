#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A waiting libirecovery subscriber (irecv_device_event_subscribe) sees the
# lab's devices come and go: enumeration, unplug, replug, a new DFU device.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:recovery:ecid=0x1001 <<'EOF'
w=$LT_DIR/watch.out
"$LAB_BIN/hotplug-watch" 4 20000 >"$w" 2>"$LT_DIR/watch.err" &
pid=$!
wait_line "$w" "^ADD 0x0000000000001001 0x1281$" 10000
lab unplug 1 >/dev/null
wait_line "$w" "^REMOVE 0x0000000000001001$" 10000
lab replug 1 >/dev/null
wait_line "$w" "^ADD 0x0000000000001001 0x1281$" 10000 2
lab plug iPad8,1:dfu:ecid=0x2002 >/dev/null
wait "$pid" || { cat "$LT_DIR/watch.err" >&2; fail "hotplug-watch failed"; }
echo 0 >"$LT_DIR/watch.rc"
: >"$LT_DIR/watch.err"
expect_output watch "READY
ADD 0x0000000000001001 0x1281
REMOVE 0x0000000000001001
ADD 0x0000000000001001 0x1281
ADD 0x0000000000002002 0x1227"
EOF
