#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# 32 devices at once: 16 in normal mode (usbmuxd) and 16 in recovery (USB).
# idevice_id sees the 16 UDIDs; a libirecovery subscriber enumerates the 16
# ECIDs; ideviceinfo and irecovery -i reach individual devices.
#
# With libirecovery 1.0.0 (Debian 12) only the first recovery device is
# queried with `irecovery -i ECID`: its irecv_open_with_ecid() keeps walking
# the libusb device list after it freed it on a match (a use-after-free),
# and crashes once more devices follow the match in libusb's list (newest
# first). The first device plugged is the last in that list, the one safe
# target. 1.0.1 fixed it: there every device is queried.
. "$(dirname "$0")/../labtest.sh"

set --
i=1
while [ "$i" -le 16 ]; do
	set -- "$@" --device "iPhone12,1:normal:ecid=$(printf '0x%x' $((0x100 + i)))"
	set -- "$@" --device "iPhone10,3:recovery:ecid=$(printf '0x%x' $((0x200 + i)))"
	i=$((i + 1))
done

lab_run "$@" <<'EOF'
run id sh -c 'idevice_id -l | sort'
expect_status id 0
expect_output id "$(i=1; while [ $i -le 16 ]; do
	printf '00008030-%016X\n' $((0x100 + i)); i=$((i + 1)); done | sort)"

run info ideviceinfo -u 00008030-0000000000000110 -s -k UniqueChipID
expect_output info "$((0x110))"

"$LAB_BIN/hotplug-watch" 16 20000 >"$LT_DIR/w.out" 2>"$LT_DIR/w.err" || {
	cat "$LT_DIR/w.out" "$LT_DIR/w.err" >&2; fail "hotplug-watch"; }
run adds sh -c "grep '^ADD' '$LT_DIR/w.out' | sort"
expect_output adds "$(i=1; while [ $i -le 16 ]; do
	printf 'ADD 0x%016x 0x1281\n' $((0x200 + i)); i=$((i + 1)); done | sort)"

run q irecovery -i 0x201 -q
expect_status q 0
expect_line q "ECID: 0x0000000000000201"
expect_line q "MODE: Recovery"

# libirecovery 1.0.1 and later (Debian 13: 1.2.1) reach every device
[ "$LAB_IRECV_OPEN_ECID_SAFE" = ON ] || exit 0
i=2
while [ "$i" -le 16 ]; do
	ecid=$(printf '0x%016x' $((0x200 + i)))
	run "q$i" irecovery -i "$ecid" -q
	expect_status "q$i" 0
	expect_line "q$i" "ECID: $ecid"
	i=$((i + 1))
done
EOF
