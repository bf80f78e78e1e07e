#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecctl enter` and `irecctl exit` against the simulated lab, with the
# unmodified Debian tools as independent witnesses. Usage: cases.sh CASE
# Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
# As on a Debian host: usbmuxd at /var/run/usbmuxd (the lab's, in a private
# mount namespace), started when a normal-mode device attaches and gone
# when the last one leaves, so every enter and exit spans its exit/restart.
LAB_OPTS="--default-socket --mux-lifecycle"

case "$1" in
exit-verified)
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		"$IRECCTL" exit -d 0x22 || exit $?
		idevice_id -l'
	rc_is 0
	out_has '^0x0000000000000022  iPhone 8 \(Global\)  recovery -> normal'
	out_has '^[0-9a-f]{40}$' # the witness lists it in normal mode
	;;
enter-verified)
	# iOS 17: EnterRecovery answers SessionInactive, then works in a paired session.
	inlab iPhone16,1:normal:ecid=0x11:ios=17.5:trust=paired -- '
		"$IRECCTL" enter -d 00008130-0000000000000011 || exit $?
		irecovery -i 0x11 -q'
	rc_is 0
	out_has 'normal -> recovery'
	out_has '^MODE: Recovery$'
	out_has '^ECID: 0x0*11$'
	;;
enter-tls-drop)
	# Real sessions are TLS, and a rebooting device drops the tunnel under
	# libimobiledevice's StopSession/SSL_shutdown: a write that raises
	# SIGPIPE (status 141) unless irecctl ignores it. Every way it drops
	# (client: the device waits until the client closes it).
	for drop in client reply stop before; do
		inlab iPhone16,1:normal:ecid=0x11:ios=17.5:enter-drop=$drop -- '
			"$IRECCTL" enter -d 0x11 || exit $?
			irecovery -i 0x11 -q'
		rc_is 0
		out_has 'normal -> recovery'
		out_has '^MODE: Recovery$'
		grep -q 'StartSession: TLS from here on' "$LAB_LOG" || fail "no TLS session ($drop)"
	done
	;;
enter-json-own-lock)
	# The arrival in recovery is probed while enter holds the device's lock:
	# its own lock is not "another irecctl", and the iBoot version is read
	# under it.
	inlab iPhone16,1:normal:ecid=0x11:ios=17.5:trust=paired -- '"$IRECCTL" enter --json'
	rc_is 0
	python3 - "$tmp/out" <<'EOF' || fail "bad record: $(cat "$tmp/out")"
import json, sys
r = json.load(open(sys.argv[1]))[0]
assert r["result"] == "ok" and r["mode"] == "recovery", r
assert r["error"] is None, r["error"]
assert r["iboot"], r
EOF
	;;
enter-old-ios-unpaired)
	# Before iOS 14.5 no session is needed, so no pairing either.
	inlab iPhone9,1:normal:ecid=0x12:ios=12.5.7:trust=unpaired -- '"$IRECCTL" enter'
	rc_is 0
	out_has 'normal -> recovery'
	;;
enter-untrusted)
	inlab iPhone12,1:normal:ecid=0x13:ios=17.0:trust=unpaired -- '"$IRECCTL" enter --json'
	rc_is 9
	err_has 'no pair record: use --pair'
	out_has '"result": "not-trusted"'
	;;
preflight-trust-dialog)
	# usbmuxd's preflight asks an unpaired device to pair when it attaches
	# (the Trust dialog): that is usbmuxd, never irecctl, which sends no Pair.
	LAB_OPTS="$LAB_OPTS --mux-preflight"
	inlab iPhone12,1:normal:ecid=0x13:ios=17.5:trust=unpaired -- '
		"$IRECCTL" status --json || exit 10
		"$IRECCTL" enter -d 0x13; echo "enter=$?"'
	out_has '"trusted": false'
	out_has '^enter=9$'
	grep -q 'preflight: Pair -> the device shows "Trust This Computer?"' "$LAB_LOG" ||
		fail "no preflight"
	! grep -Eq 'lockdown (Pair|ValidatePair) .*label=irecctl' "$LAB_LOG" || fail "irecctl paired"
	;;
enter-already)
	inlab iPhone10,1:recovery:ecid=0x22 -- '"$IRECCTL" enter'
	rc_is 0
	out_has 'recovery -> recovery'
	;;
enter-from-dfu)
	# No terminal: print the buttons and exit "needs a person".
	inlab iPhone10,1:dfu:ecid=0x22 -- '"$IRECCTL" enter --json'
	rc_is 8
	err_has 'Force restart'
	out_has '"result": "needs-person"'
	out_has '"buttons": \['
	;;
exit-from-dfu)
	inlab iPhone16,1:dfu:ecid=0x22 -- '"$IRECCTL" exit'
	rc_is 8
	err_has 'only a force restart leaves it'
	err_has 'Vol'
	;;
recovery-loop)
	inlab iPhone10,1:recovery:ecid=0x22:loop=1 -- '"$IRECCTL" exit --json'
	rc_is 11
	out_has '"result": "recovery-loop"'
	out_has 'auto-boot=true'
	# The next step: update (keeps data) before restore (erases).
	err_has 'update it \(irecctl restore --update keeps its data\) before you restore it \(irecctl restore --erase'
	;;
timeout)
	inlab iPhone10,1:recovery:ecid=0x22:transition=4000 -- '"$IRECCTL" exit --timeout 1'
	rc_is 5
	err_has 'did not arrive in normal mode in time'
	;;
ambiguous)
	inlab iPhone10,1:recovery:ecid=0x22 iPhone10,1:recovery:ecid=0x23 -- '"$IRECCTL" exit'
	rc_is 4
	err_has '2 devices match'
	;;
no-device)
	inlab iPhone10,1:recovery:ecid=0x22 -- '"$IRECCTL" exit -d 0x99'
	rc_is 3
	;;
busy)
	# Two processes on one device: while the first holds the device (waiting
	# for a person to press buttons), the second is refused at once with the
	# holder's pid.
	inlab iPhone10,1:dfu:ecid=0x22 -- '
		"$IRECCTL" enter -d 0x22 --wait-for-person --timeout 20 >/dev/null 2>"$IRECCTL_LOCK_DIR.first.err" &
		first=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.first.err" "waiting for the device" || exit 97
		"$IRECCTL" exit -d 0x22; rc=$?
		kill -TERM $first; wait $first
		exit $rc'
	rc_is 6
	err_has 'pid [0-9]+'
	;;
sigint)
	inlab iPhone10,1:recovery:ecid=0x22:transition=10000 -- '
		"$IRECCTL" exit -d 0x22 &
		pid=$!
		"$IRECSIM" ctl wait 1 gone 5000 >/dev/null
		# A background job of a non-interactive shell ignores SIGINT (and
		# irecctl keeps an ignored signal ignored), so this sends SIGTERM.
		kill -TERM $pid
		wait $pid'
	rc_is 130
	err_has 'interrupted'

	;;
enter-dfu-assisted)
	# From recovery: irecctl times the steps and sends the reboot itself; the
	# lab's `mode 1 dfu` plays the person holding the buttons through it.
	inlab iPhone10,1:recovery:ecid=0x22:transition=2000 -- '
		"$IRECCTL" enter --dfu --wait-for-person --timeout 30 &
		pid=$!
		"$IRECSIM" ctl wait 1 gone 15000 >/dev/null || exit 98
		"$IRECSIM" ctl mode 1 dfu >/dev/null
		wait $pid'
	rc_is 0
	out_has 'recovery -> dfu'
	err_has '2/4  Press and hold Side and Volume Down now'
	;;
enter-port-dfu)
	# The person's buttons land it in Port DFU, whose identity names the port
	# controller's ECID, not the phone's: matched by the USB location it left.
	inlab iPhone16,1:recovery:ecid=0x22:transition=2000 -- '
		"$IRECCTL" enter --dfu --wait-for-person --timeout 30 &
		pid=$!
		"$IRECSIM" ctl wait 1 gone 15000 >/dev/null || exit 98
		"$IRECSIM" ctl mode 1 port-dfu >/dev/null
		wait $pid'
	rc_is 0
	out_has 'recovery -> port-dfu'
	grep -q 'usb plug port-dfu' "$LAB_LOG" || fail "not in Port DFU"
	;;
enter-dfu-missed)
	# Nobody holds the buttons: auto-boot was set first, so it boots normally.
	inlab iPhone10,1:recovery:ecid=0x22:transition=300 -- \
		'"$IRECCTL" enter --dfu --wait-for-person --timeout 30'
	rc_is 12
	err_has 'arrived in normal mode instead of dfu'
	;;
enter-dfu-no-person)
	# Nobody to hold the buttons: say so, send nothing (no reboot), leave it in recovery.
	inlab iPhone10,1:recovery:ecid=0x22 -- '"$IRECCTL" enter --dfu; rc=$?
		"$IRECSIM" ctl show 1 | grep "^mode=" >&2; exit $rc'
	rc_is 8
	err_has 'nothing was sent, it is still in recovery'
	err_has '^mode=recovery$'
	err_has 'irecctl enter --dfu can time them'
	if grep -q 'while irecctl reboots the device$' "$tmp/err"; then fail "promises a reboot"; fi
	if grep -q 'cannot be entered over USB' "$tmp/err"; then fail "contradicts the assisted method"; fi
	if grep -Eq 'reboot|saveenv|auto-boot' "$LAB_LOG"; then fail "sent iBoot commands"; fi
	;;
exit-from-dfu-newer)
	# An iPhone newer than the table, in DFU: only CPID and BDID. Its CPID's
	# rows are all iPhones from iPhone10,x on, so the steps are inferred.
	inlab new:dfu:cpid=0x8150:bdid=0x44:ecid=0x44 -- '"$IRECCTL" exit --json'
	rc_is 8
	err_has 'Force restart: iPhone 8 and later'
	err_has 'Inferred: this model is newer than irecctl.s table'
	err_has 'CPID 0x8150'
	out_has '"class": "FR_VOLUP_VOLDN_SIDE"'
	out_has '"inferred": true'
	;;
enter-dfu-newer-ipad)
	# An iPad newer than the table in normal mode: its product type decides.
	inlab iPad18,3:normal:cpid=0x8160:bdid=0x10:ecid=0x45 -- '"$IRECCTL" enter --dfu --json'
	rc_is 8
	err_has 'DFU mode: iPads without a Home button'
	err_has 'Inferred: .*every iPad from iPad13,x on'
	err_has 'the volume button farthest from the top button'
	if grep -q 'Volume Down' "$tmp/err"; then fail "iPad steps name Volume Down"; fi
	out_has '"inferred": true'
	;;
enter-dfu-assisted-newer)
	# The assisted method for an inferred iPhone: the same steps and reboot.
	inlab new:recovery:cpid=0x8150:bdid=0x44:ecid=0x44:transition=2000 -- '
		"$IRECCTL" enter --dfu --wait-for-person --timeout 30 &
		pid=$!
		"$IRECSIM" ctl wait 1 gone 15000 >/dev/null || exit 98
		"$IRECSIM" ctl mode 1 dfu >/dev/null
		wait $pid'
	rc_is 0
	out_has 'recovery -> dfu'
	err_has '2/4  Press and hold Side and Volume Down now'
	err_has 'Inferred: this model is newer than irecctl.s table'
	;;
exit-unknown-model)
	# A CPID the table has never seen: no guess, but exactly how to get the steps.
	inlab new:dfu:cpid=0x8160:bdid=0x10:ecid=0x46 -- '"$IRECCTL" exit'
	rc_is 8
	err_has 'name the model with --model MODEL \(irecctl buttons MODEL prints its steps\)'
	if grep -q 'Force restart:' "$tmp/err"; then fail "guessed steps"; fi
	;;
exit-model-option)
	# exit --model names it: that model's force restart, not inferred.
	inlab new:dfu:cpid=0x8160:bdid=0x10:ecid=0x46 -- '"$IRECCTL" exit --model "iPad Air M4"'
	rc_is 8
	err_has 'Force restart: iPads without a Home button'
	if grep -q 'Inferred' "$tmp/err"; then fail "marked inferred"; fi
	;;
enter-absent)
	# Not visible over USB: guided by model, waits for the ECID to show up.
	inlab iPhone10,1:normal:ecid=0x21 -- '
		"$IRECCTL" enter -d 0x77 --model "iPhone 11" --wait-for-person --timeout 30 \
			2>"$IRECCTL_LOCK_DIR.err" &
		pid=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.err" "waiting for the device" || exit 97
		"$IRECSIM" ctl plug iPhone12,1:recovery:ecid=0x77 >/dev/null
		wait $pid; rc=$?
		cat "$IRECCTL_LOCK_DIR.err" >&2
		exit $rc'
	rc_is 0
	err_has 'not visible over USB'
	out_has 'unknown -> recovery'
	;;
enter-passcode)
	inlab iPhone12,1:normal:ecid=0x13:ios=17.0:trust=passcode -- '"$IRECCTL" enter --pair'
	rc_is 15
	err_has 'passcode-locked'
	;;
unplugged-while-waiting)
	inlab iPhone10,1:recovery:ecid=0x22:transition=600000 -- '
		"$IRECCTL" exit --timeout 3 &
		pid=$!
		"$IRECSIM" ctl wait 1 gone 5000 >/dev/null
		"$IRECSIM" ctl unplug 1 >/dev/null
		wait $pid'
	rc_is 5
	err_has 'it left its old mode'
	;;
unplugged-json)
	# A device pulled out by the first iBoot command: the record said it
	# was still in recovery mode; it is in no mode irecctl saw.
	lab iPhone10,1:recovery:ecid=0x22:fault=unplug-on-cmd -- exit -d 0x22 --json
	rc_is 14
	out_has '"result": "disconnected"'
	out_has '"from": "recovery"'
	out_has '"mode": "unknown"'
	json_valid modechange "$tmp/out"
	;;
no-wait-person)
	# --no-wait sends nothing when only buttons can act: never "sent".
	inlab iPhone10,1:recovery:ecid=0x22 -- '"$IRECCTL" enter --dfu --no-wait --wait-for-person'
	rc_is 8
	;;
restore-unanswered)
	# lockdownd never says restore or normal: no guess, no success; a
	# lockdownd that never answers is a timeout with the probe's reason.
	inlab iPhone11,2:restore:ecid=0x33:fault=no-reply -- '"$IRECCTL" exit --timeout 2'
	rc_is 5
	err_has 'no answer within 2 s'
	;;
sigint-during-send)
	# lockdownd never answers EnterRecovery; Ctrl-C must not wait for it.
	inlab iPhone11,2:normal:ecid=0x33:ios=12.0:fault=no-reply-enter -- '
		"$IRECCTL" enter -d 0x33 --timeout 60 2>"$IRECCTL_LOCK_DIR.err" &
		pid=$!
		"$WAIT_TEXT" "$LAB_LOG" "no reply to EnterRecovery" || exit 97
		start=$(date +%s)
		kill -TERM $pid
		wait $pid; rc=$?
		[ $(( $(date +%s) - start )) -le 5 ] || exit 96
		exit $rc'
	rc_is 130
	;;
permission)
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "skip: needs root and setpriv"; exit 77; }
	chmod 0755 "$tmp"
	mkdir -m 1777 "$IRECCTL_LOCK_DIR"
	inlab iPhone10,1:recovery:ecid=0x22:inaccessible=1 -- '
		chmod a+x "$(dirname "$UMOCKDEV_DIR")" && chmod -R a+rX "$UMOCKDEV_DIR" &&
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$IRECCTL" exit'
	rc_is 10
	err_has 'permission denied on the USB device'
	;;
lock-wait-refresh)
	# The second job waits for the first's lock; meanwhile the device moves
	# (DFU -> normal). The second must act on what it is now: already normal.
	inlab iPhone10,1:dfu:ecid=0x22:transition=100 -- '
		"$IRECCTL" enter -d 0x22 --wait-for-person --timeout 30 >/dev/null \
			2>"$IRECCTL_LOCK_DIR.first.err" &
		first=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.first.err" "waiting for the device" || exit 97
		"$IRECCTL" exit -d 0x22 --lock-timeout 20 2>"$IRECCTL_LOCK_DIR.second.err" &
		second=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.second.err" "waiting up to" || exit 97
		"$IRECSIM" ctl mode 1 normal >/dev/null
		wait $first
		wait $second'
	rc_is 0
	out_has 'normal -> normal'
	;;
lock-wait-fraction)
	# --lock-timeout 0.3 was announced as "waiting up to 0 s".
	inlab iPhone10,1:dfu:ecid=0x22 -- '
		"$IRECCTL" enter -d 0x22 --wait-for-person --timeout 30 >/dev/null \
			2>"$IRECCTL_LOCK_DIR.first.err" &
		first=$!
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.first.err" "waiting for the device" || exit 97
		"$IRECCTL" exit -d 0x22 --lock-timeout 0.3; rc=$?
		kill $first; wait $first
		exit $rc'
	rc_is 6
	err_has '; waiting up to 0[.]3 s$'
	;;
exit-all-16)
	specs=""
	i=1
	while [ $i -le 16 ]; do specs="$specs iPhone10,1:recovery:ecid=$((0x100 + i))"; i=$((i + 1)); done
	# shellcheck disable=SC2086
	inlab $specs -- '"$IRECCTL" exit --all --json; rc=$?; idevice_id -l | wc -l; exit $rc'
	rc_is 0
	[ "$(grep -c '"result": "ok"' "$tmp/out")" = 16 ] || fail "not 16 ok results"
	out_has '^16$'
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
echo "ok: modes $1"
