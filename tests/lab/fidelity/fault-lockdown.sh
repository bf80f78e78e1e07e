#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# lockdownd faults, seen by stock ideviceinfo: with the handshake (QueryType
# first) the tool fails (Debian 13's hangs on a closed connection); with -s
# it prints nothing and still exits 0.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:normal:fault=lockdown-close \
	--device iPhone10,3:normal:fault=bad-plist-lockdown \
	--device iPhone10,3:normal:fault=no-reply <<'EOF'
udid() { lab list | awk -v id="$1" '$1 == id {print $3}'; }

run close timeout 3 ideviceinfo -u "$(udid 1)" -k ProductType
if usbmuxd_send_spins; then
	# Debian 13: the handshake fails, and its Goodbye into the closed
	# tunnel is retried forever (labtest.sh, usbmuxd_send_spins)
	expect_status close 124
else
	expect_status close 255
	expect_output close "ERROR: Could not connect to lockdownd: Mux error (-8)" err
fi
expect_log "lockdown fault: closing without reply"
run close_s ideviceinfo -u "$(udid 1)" -s -k ProductType
expect_status close_s 0
expect_output close_s ""

run bad ideviceinfo -u "$(udid 2)" -k ProductType
expect_status bad 255
expect_output bad "ERROR: Could not connect to lockdownd: PropertyList error (-3)" err
expect_log "lockdown fault: malformed reply"

# no reply at all: the client hangs until something times it out
run hang timeout 2 ideviceinfo -u "$(udid 3)" -k ProductType
expect_status hang 124
expect_log "lockdown fault: no reply"

# cleared faults: the same devices answer again
lab fault 1 none >/dev/null
run fixed ideviceinfo -u "$(udid 1)" -k ProductType
expect_output fixed "iPhone10,3"
EOF
