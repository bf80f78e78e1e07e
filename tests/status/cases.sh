#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecctl status` against the simulated lab. Usage: cases.sh CASE
# Environment (set by CTest): IRECSIM, IRECCTL, EXPECTED (dir of expected output).
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}" "${EXPECTED:?}"
. "$(dirname "$0")/../casekit.sh"

json_count() {
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/out") ||
		fail "stdout is not JSON"
	[ "$n" = "$1" ] || fail "$n devices in JSON, expected $1"
}

# A mixed lab: two normal (trusted, untrusted), recovery, DFU, and a device
# newer than the model table. Exact JSON.
MIXED="iPhone16,1:normal:ecid=0x11:trust=paired:ios=17.5:build=21F79:name=Lab-1
iPhone10,1:recovery:ecid=0x22
iPad8,1:dfu:ecid=0x33:iboot=iBoot-3865.0.0.4.7
new:recovery:cpid=0x8150:bdid=0x44:ecid=0x44
iPhone12,1:normal:ecid=0x55:trust=unpaired:ios=16.0:build=20A362:name=Lab-5"

case "$1" in
mixed-json)
	# shellcheck disable=SC2086
	lab $MIXED -- status --json
	rc_is 0
	diff -u "$EXPECTED/mixed.json" "$tmp/out" >"$tmp/diff" || fail "JSON differs from expected"
	;;
mixed-table)
	# shellcheck disable=SC2086
	lab $MIXED -- status
	rc_is 0
	head -n 1 "$tmp/out" | grep -Eq '^MODE +MODEL +PRODUCT +ECID +UDID +VERSION +USB +TRUSTED$' ||
		fail "bad header"
	out_has '^normal +iPhone 15 Pro +iPhone16,1 +0x0000000000000011 +00008130-0000000000000011 +17\.5 \(21F79\) +- +yes$'
	out_has '^recovery +Unknown model \(CPID 0x8150, BDID 0x44\) +- +0x0000000000000044 '
	out_has '^dfu +iPad Pro 11-inch'
	[ "$(wc -l <"$tmp/out")" = 6 ] || fail "expected a header and 5 rows"
	[ ! -s "$tmp/err" ] || fail "stderr not empty"
	;;
select-ecid)
	# shellcheck disable=SC2086
	lab $MIXED -- status --json -d 0x22
	rc_is 0
	json_count 1
	out_has '"mode": "recovery"'
	out_has '"ecid": "0x0000000000000022"'
	;;
select-decimal-ecid)
	# shellcheck disable=SC2086
	lab $MIXED -- status --json -d 51
	rc_is 0
	json_count 1
	out_has '"mode": "dfu"'
	;;
select-udid)
	# shellcheck disable=SC2086
	lab $MIXED -- -d 00008130-0000000000000011 status --json
	rc_is 0
	json_count 1
	out_has '"product_type": "iPhone16,1"'
	;;
restore-mode-ecid)
	# An A11 device in restore mode has an old-style UDID without its ECID:
	# irecctl asks restored's HardwareInfo, as the restore engine does.
	lab iPhone10,3:restore:ecid=0x1a2b3c -- status --json -d 0x1a2b3c
	rc_is 0
	json_count 1
	out_has '"mode": "restore"'
	out_has '"ecid": "0x00000000001a2b3c"'
	out_has '"product_type": "iPhone10,3"'
	out_has '"cpid": 32789'
	grep -q 'restored QueryValue HardwareInfo label=irecctl' "$LAB_LOG" || fail "restored not asked"
	;;
select-udid-in-recovery)
	# A new-form UDID names the device in every mode (it contains the ECID).
	lab iPhone12,1:recovery:ecid=0x77 -- status --json -d 00008030-0000000000000077
	rc_is 0
	json_count 1
	out_has '"udid": "00008030-0000000000000077"'
	;;
select-nothing)
	# shellcheck disable=SC2086
	lab $MIXED -- status -d 0x99
	rc_is 3
	[ ! -s "$tmp/out" ] || fail "stdout not empty"
	[ "$(wc -l <"$tmp/err")" = 1 ] || fail "expected a one-line error"
	err_has 'no attached device matches'
	;;
empty)
	"$IRECSIM" run -- "$IRECCTL" status --json >"$tmp/out" 2>"$tmp/err" || fail "rc $?"
	[ "$(cat "$tmp/out")" = "[]" ] || fail "expected []"
	"$IRECSIM" run -- "$IRECCTL" status >"$tmp/out" 2>"$tmp/err" || fail "rc $?"
	[ ! -s "$tmp/out" ] || fail "human output with no device must be empty"
	;;
mux-absent)
	# usbmuxd gone: raw-USB devices are still listed, quickly.
	set +e
	"$IRECSIM" run --device iPhone12,1:normal:ecid=0x1 --device iPhone10,1:recovery:ecid=0x2 \
		-- sh -c '"$IRECSIM" ctl mux off >/dev/null && exec "$IRECCTL" status --json' \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 0
	# the recovery device, and the record that says usbmuxd could not be asked
	json_count 2
	out_has '"mode": "recovery"'
	out_has '"error": "usbmuxd unreachable: usbmuxd is not running'
	err_has '^irecctl: warning: usbmuxd is not running .*: normal and restore mode devices cannot be seen$'
	;;
kis-identity)
	# A KIS device's serial string has no identity (as on real ones): irecctl
	# reads it over the KIS bulk protocol, as libirecovery 1.2.1 does.
	lab iPhone16,1:kis:ecid=0x77 -- status --json
	rc_is 0
	json_count 1
	out_has '"mode": "kis"'
	out_has '"ecid": "0x0000000000000077"'
	out_has '"product_type": "iPhone16,1"'
	grep -q 'usb kis request portal=0x10 index=0x100' "$LAB_LOG" || fail "no KIS GET_INFO"
	;;
stuck-device)
	# A device whose lockdownd never answers is listed with an error at the
	# deadline; the others are not held up.
	start=$(date +%s)
	lab iPhone12,1:normal:ecid=0x1:fault=no-reply iPhone10,1:recovery:ecid=0x2 \
		iPhone16,1:normal:ecid=0x3 -- status --json --timeout 1
	end=$(date +%s)
	rc_is 0
	json_count 3
	out_has '"error": "no answer within 1 s"'
	out_has '"product_type": "iPhone16,1"'
	[ $((end - start)) -le 5 ] || fail "took $((end - start)) s"
	;;
bad-lockdown)
	lab iPhone12,1:normal:ecid=0x1:fault=bad-plist-lockdown iPhone16,1:normal:ecid=0x3:fault=lockdown-close \
		-- status --json
	rc_is 0
	json_count 2
	out_has '"error": "malformed reply from lockdownd"'
	;;
bad-serials)
	# Every malformed identity string the lab can send: listed, never a crash.
	i=0
	while IFS= read -r serial; do
		i=$((i + 1))
		# Specs split on ':' outside double quotes.
		set +e
		"$IRECSIM" run --device "iPhone10,1:recovery:ecid=0x2:serial=\"$serial\"" \
			-- "$IRECCTL" status --json >"$tmp/out" 2>"$tmp/err"
		echo $? >"$tmp/rc"
		set -e
		rc_is 0
		json_count 1
		out_has '"mode": "recovery"'
	done <<'LIST'
CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:02 ECID:0000000000000002 IBFL:3C SRTG:[iBoot-34
CPID:8015 CPRV:11 BDID:02
CPID:ZZZZ BDID:02 ECID:0000000000000002
CPID:8015 BDID:02 ECID:00000000000000000002
CPID8015 BDID02 ECID0000000000000002
garbage garbage garbage
CPID:8015 CPID:8016 BDID:02 ECID:0000000000000002
SRTG:[unterminated ECID:0000000000000002
LIST
	# The last lab's garbage must be visible as such, not as a device without faults.
	"$IRECSIM" run --device 'iPhone10,1:recovery:ecid=0x2:serial="garbage garbage"' \
		-- "$IRECCTL" status --json >"$tmp/out" 2>"$tmp/err"
	out_has '"error": "unreadable identity string from the device"'
	out_has '"ecid": null'
	"$IRECSIM" run --device 'iPhone10,1:recovery:ecid=0x2:serial="CPID:8015 BDID:02"' \
		-- "$IRECCTL" status --json >"$tmp/out" 2>"$tmp/err"
	out_has '"error": "identity string has no ECID"'
	;;
inaccessible)
	# A device node this user may not open: listed as accessible=false with
	# the reason, identified from sysfs. Needs root to become another user.
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "skip: needs root and setpriv"; exit 77; }
	chmod 0755 "$tmp"
	set +e
	# The lab's private dirs are root's: let the other user reach the testbed.
	"$IRECSIM" run --device iPhone10,1:recovery:ecid=0x2:inaccessible=1 -- sh -c '
		chmod a+x "$(dirname "$UMOCKDEV_DIR")" && chmod -R a+rX "$UMOCKDEV_DIR" &&
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$IRECCTL" status --json' \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 0
	json_count 1
	out_has '"accessible": false'
	out_has '"error": "permission denied on /dev/bus/usb/'
	out_has '"ecid": "0x0000000000000002"'
	;;
iboot-version)
	lab iPhone10,1:recovery:ecid=0x22:iboot=iBoot-7429.12.15 -- status --json
	rc_is 0
	out_has '"iboot": "iBoot-7429.12.15"'
	grep -q 'getenv build-version' "$LAB_LOG" || fail "no getenv in the lab log"
	;;
locked-no-getenv)
	# A device another irecctl is driving is not asked anything: the getenv
	# reply slot is shared with the command in progress.
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		"$IRECCTL" enter --dfu --wait-for-person --timeout 30 >/dev/null \
			2>"$IRECCTL_LOCK_DIR.err" &
		pid=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.err" "waiting for the device" || exit 97
		"$IRECSIM" ctl log-mark status-starts >/dev/null
		"$IRECCTL" status --json; rc=$?
		"$IRECSIM" ctl log-mark status-ends >/dev/null
		kill -TERM $pid; wait $pid
		exit $rc'
	rc_is 0
	out_has '"iboot": null'
	# (enter's own discovery, before it took the lock, may have asked.)
	sed -n '/status-starts/,/status-ends/p' "$LAB_LOG" >"$tmp/during"
	[ -s "$tmp/during" ] || fail "no log marks"
	! grep -q 'getenv' "$tmp/during" || fail "status sent getenv to a locked device"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
echo "ok: status $1"
