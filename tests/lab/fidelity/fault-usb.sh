#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# USB-side faults, each seen by a real client:
#   stall          control OUT transfers STALL: libusb reports EPIPE
#   unplug-on-cmd  the device drops off the bus on the first command
#   reboot-*       "reboot" never acknowledged: STALL, EPROTO, outstanding
#                  until the device leaves, or until the host gives up
#   ENODEV         a client holding the device open after an unplug
#   bad-serial     a truncated or malformed serial string
# libirecovery 1.0.0 swallows transfer errors in irecv_send_command(), so
# irecv-client issues the same transfers raw to see libusb's answer.
. "$(dirname "$0")/../labtest.sh"

# stall: irecovery -c exits 0 (the error is swallowed); the raw transfer
# gets LIBUSB_ERROR_PIPE; reads (the identity) still work.
lab_run --device iPhone10,3:recovery:fault=stall:ecid=0x51 <<'EOF' || exit
run c irecovery -c "setenv auto-boot true"
expect_status c 0
expect_log "0x0000000000000051 usb ctrl-out bmreq=0x40 breq=0: STALL \(fault\)"
run client sh -c 'printf "cmd setenv auto-boot true\ninfo\n" | "$LAB_BIN/irecv-client" 0x51'
expect_output client "OPEN 0x0000000000000051
cmd: LIBUSB_ERROR_PIPE
info: ECID 0x0000000000000051 CPID 0x8015 MODE 0x1281"
lab fault 1 none >/dev/null
run ok sh -c 'echo "getenv auto-boot" | "$LAB_BIN/irecv-client" 0x51'
expect_output ok "OPEN 0x0000000000000051
getenv: false"
EOF

# unplug-on-cmd: the command itself fails with NO_DEVICE, the device is gone
lab_run --device iPhone10,3:recovery:fault=unplug-on-cmd:ecid=0x52 <<'EOF' || exit
run client sh -c 'printf "cmd setenv a b\n" | "$LAB_BIN/irecv-client" 0x52'
expect_output client "OPEN 0x0000000000000052
cmd: LIBUSB_ERROR_NO_DEVICE"
lab wait 1 gone 5000 >/dev/null
expect_log "0x0000000000000052 usb fault: unplugged on command"
EOF

# reboot never acknowledged, each as libusb reports it; the device resets
# anyway and comes back in normal mode (auto-boot true).
lab_run --device iPhone10,3:recovery:ecid=0x54:autoboot=true:fault=reboot-stall \
	--device iPhone10,3:recovery:ecid=0x55:autoboot=true:fault=reboot-io \
	--device iPhone10,3:recovery:ecid=0x56:autoboot=true:fault=reboot-vanish <<'EOF' || exit
for id in 1 2 3; do
	ecid=0x5$((id + 3))
	run r$id sh -c "echo reboot | \"\$LAB_BIN/irecv-client\" $ecid"
	lab wait $id normal 10000 >/dev/null || fail "device $id did not come back in normal mode"
done
expect_output r1 "OPEN 0x0000000000000054
reboot: LIBUSB_ERROR_PIPE"
expect_output r2 "OPEN 0x0000000000000055
reboot: LIBUSB_ERROR_IO"
expect_output r3 "OPEN 0x0000000000000056
reboot: LIBUSB_ERROR_NO_DEVICE"
expect_log "0x0000000000000056 usb reboot: never acknowledged \(fault\): leaving the bus with the transfer outstanding"
expect_log "0x0000000000000056 usb disconnect: 1 outstanding URB\(s\) end with ESHUTDOWN"
EOF

# reboot-hang: the transfer times out (irecv-client's 2 s); libusb discards
# the URB, and only then does the device reset (the log's order).
lab_run --device iPhone10,3:recovery:ecid=0x57:autoboot=true:fault=reboot-hang <<'EOF' || exit
run r sh -c 'echo reboot | "$LAB_BIN/irecv-client" 0x57'
lab wait 1 normal 10000 >/dev/null || fail "the device did not come back in normal mode"
expect_output r "OPEN 0x0000000000000057
reboot: LIBUSB_ERROR_TIMEOUT"
expect_log "0x0000000000000057 usb discard: the host cancelled an outstanding URB"
expect_log "0x0000000000000057 usb reboot: the host gave up on the transfer; resetting"
grep -E 'usb (discard|reboot: leaving)' "$LT_DIR/lab.log" | sed -E 's/^ *[0-9]+ [^ ]+ //' >"$LT_DIR/order"
[ "$(sed -n 1p "$LT_DIR/order")" = "usb discard: the host cancelled an outstanding URB" ] ||
	fail "the device left before the host gave up: $(cat "$LT_DIR/order")"
EOF

# ENODEV: unplug while a client holds the device open
lab_run --device iPhone10,3:recovery:ecid=0x53 <<'EOF' || exit
mkfifo "$LT_DIR/in"
"$LAB_BIN/irecv-client" 0x53 <"$LT_DIR/in" >"$LT_DIR/client.out" 2>&1 &
pid=$!
exec 3>"$LT_DIR/in"
wait_line "$LT_DIR/client.out" "^OPEN 0x0000000000000053$" 10000
echo "getenv auto-boot" >&3
wait_line "$LT_DIR/client.out" "^getenv: " 10000
lab unplug 1 >/dev/null
echo "getenv auto-boot" >&3
exec 3>&-
wait "$pid"
expect_output client "OPEN 0x0000000000000053
getenv: false
getenv: LIBUSB_ERROR_NO_DEVICE"
EOF

# bad-serial: cut inside the ECID (the default), or any string given
lab_run --device iPhone10,3:recovery:fault=bad-serial:ecid=0x000a1b2c3d4e0001 <<'EOF' || exit
run q irecovery -q
expect_status q 0
expect_line q "CPID: 0x8015"
expect_line q "ECID: 0x00000000000a1b2c"
expect_line q "IBFL: 0x00"
expect_line q "MODE: Recovery"
EOF

lab_run --device 'iPhone10,3:recovery:serial="CPID:8010 BDID:zz ECID:"' <<'EOF'
run q irecovery -q
expect_status q 0
expect_line q "CPID: 0x8010"
expect_line q "ECID: 0x0000000000000000"
expect_line q "SRNM: N/A"
EOF
