#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# enter, exit, wait and status against devices with real-world timings
# (irecsim --realistic: leaving usbmuxd 1-3 s after EnterRecovery, 5-15 s
# down into recovery, 20-60 s to boot, a lockdownd that refuses for its
# first seconds, latency on every lockdownd reply and USB control transfer,
# a saveenv over 2 s), all shortened by one factor so the ratios stay, and
# usbmuxd with its real lifecycle at the default path.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
# 1/20: boot 1-3 s, into recovery 0.25-0.75 s, refusals 0.1-0.25 s.
SCALE=0.05
LAB_OPTS="--default-socket --mux-lifecycle --realistic --time-scale $SCALE"

N11='iPhone12,1:normal:ecid=0x51:ios=17.5'
R8='iPhone10,1:recovery:ecid=0x52'

case "$1" in
enter-exit)
	# There and back, each verified by the arrival, with its status between.
	inlab "$N11" -- '
		"$IRECCTL" enter -d 0x51 --timeout 30 || exit 10
		"$IRECCTL" status -d 0x51 --json | grep -q "\"mode\": \"recovery\"" || exit 11
		"$IRECCTL" exit -d 0x51 --timeout 30 || exit 12
		"$IRECCTL" status -d 0x51 --json | grep -q "\"mode\": \"normal\"" || exit 13'
	rc_is 0
	out_has 'normal -> recovery'
	out_has 'recovery -> normal'
	grep -q 'saveenv' "$LAB_LOG" || fail "no saveenv"
	grep -q 'CONNREFUSED (lockdownd not up yet)' "$LAB_LOG" || fail "lockdownd never refused"
	;;
enter-drops)
	# A rebooting device drops the tunnel its own way, then leaves later.
	for drop in reply stop before; do
		inlab "$N11:enter-drop=$drop" -- '"$IRECCTL" enter -d 0x51 --timeout 30'
		rc_is 0
		out_has 'normal -> recovery'
	done
	;;
wait-boot)
	# exit --no-wait sends and returns; wait then sees the device boot,
	# through lockdownd's first refusals and usbmuxd's start.
	inlab "$R8" -- '
		"$IRECCTL" exit -d 0x52 --no-wait || exit 10
		"$IRECCTL" wait --for normal -d 0x52 --timeout 30'
	rc_is 0
	out_has '^normal 0x0000000000000052'
	;;
status-fresh)
	# Asked while its lockdownd still refuses: known in normal mode in the end.
	inlab "$R8" -- '
		"$IRECSIM" ctl mode 1 normal >/dev/null
		"$IRECSIM" ctl wait 1 normal >/dev/null
		"$IRECCTL" status -d 0x52 --json --timeout 10'
	rc_is 0
	out_has '"mode": "normal"'
	out_has '"os_version": "16.7.8"'
	grep -q 'CONNREFUSED (lockdownd not up yet)' "$LAB_LOG" || fail "lockdownd never refused"
	;;
reboot-unacknowledged)
	# The device resets mid-transfer: reboot STALLs, breaks the transaction
	# (EPROTO) or is still outstanding when the device leaves the bus. Each
	# is sent, unconfirmed, and the arrival in normal mode decides.
	for f in stall:PIPE:'STALL \(fault\)' io:IO:'transaction error EPROTO' \
		vanish:NO_DEVICE:'disconnect: 1 outstanding URB\(s\) end with ESHUTDOWN'; do
		fault=${f%%:*}
		f=${f#*:}
		inlab "$R8:fault=reboot-$fault" -- '"$IRECCTL" -v exit -d 0x52 --timeout 30'
		rc_is 0
		out_has 'recovery -> normal'
		err_has "reboot sent, not acknowledged \(LIBUSB_ERROR_${f%%:*}\)"
		grep -Eq "usb reboot: ${f#*:}|usb ${f#*:}" "$LAB_LOG" || fail "reboot-$fault: not in the log"
	done
	;;
reboot-timeout)
	# reboot is never acknowledged and the device stays until the host gives
	# up: the transfer times out after irecctl's 10 s (libusb discards the
	# URB), the device resets then, and its arrival decides. Takes ~10 s:
	# the timeout is the host's, the lab's time scale does not shorten it.
	inlab "$R8:fault=reboot-hang" -- '"$IRECCTL" -v exit -d 0x52 --timeout 40'
	rc_is 0
	out_has 'recovery -> normal'
	err_has 'reboot sent, not acknowledged \(LIBUSB_ERROR_TIMEOUT\)'
	grep -q 'usb discard: the host cancelled an outstanding URB' "$LAB_LOG" ||
		fail "the URB was never discarded"
	;;
reboot-no-arrival)
	# Unacknowledged, and the device does not come back in normal mode: a
	# broken OS loops to recovery (11), or the command's --timeout ends
	# while the transfer is still outstanding (5; the device resets once
	# irecctl has closed it).
	inlab "$R8:fault=reboot-vanish:loop=1" -- '"$IRECCTL" exit -d 0x52 --timeout 30'
	rc_is 11
	err_has 'came back in recovery mode'
	inlab "$R8:fault=reboot-hang" -- '
		"$IRECCTL" exit -d 0x52 --timeout 2
		rc=$?
		"$IRECSIM" ctl wait 1 normal 20000 >/dev/null || exit 20
		exit $rc'
	rc_is 5
	err_has 'did not arrive in normal mode in time'
	grep -q 'usb reboot: the host gave up on the transfer; resetting' "$LAB_LOG" ||
		fail "closing the device did not end the outstanding reboot"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
