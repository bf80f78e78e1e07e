#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A CI device lab as it is used: one irecctl job per device, all at once,
# next to monitoring loops and other programs (a libirecovery client that
# holds a device open), and devices whose identity is not what it seems.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL,
# IRECV_CLIENT (tests/lab/fidelity/irecv-client.c).
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}" "${IRECV_CLIENT:?}"
. "$(dirname "$0")/../casekit.sh"
export IRECV_CLIENT
# The bound the parallel cases give each irecctl: a hang guard, scaled for
# slow (sanitizer) builds; the cases check outcomes, never speed.
BOUND=$((60 * ${IRECCTL_TEST_TIME_SCALE:-1}))
export BOUND

# devices N MODE [KEYS]: N device specs of one model, ECIDs 0x101.. (hex).
devices() {
	_i=1
	while [ "$_i" -le "$1" ]; do
		printf '%s:%s:ecid=0x%x%s ' "$4" "$2" $((0x100 + _i)) "${3:+:$3}"
		_i=$((_i + 1))
	done
}

# In a lab script: run one command per ECID 0x101..0x10N in the background,
# wait for all, and print "failed: K" (outputs in $IRECCTL_LOCK_DIR.out.I).
PARALLEL='
parallel() {
	n=$1; shift
	pids=""; i=1
	while [ $i -le $n ]; do
		e=$(printf "0x%x" $((0x100 + i)))
		"$IRECCTL" "$@" -d $e >"$IRECCTL_LOCK_DIR.out.$i" 2>&1 &
		pids="$pids $!"; i=$((i + 1))
	done
	failed=0
	for p in $pids; do wait $p || failed=$((failed + 1)); done
	echo "failed: $failed"
	cat "$IRECCTL_LOCK_DIR".out.*
}'

elapsed_below() { [ "$1" -lt "$2" ] || fail "took $1 ms, expected under $2 ms"; }
now_ms() { date +%s%3N; }

case "$1" in
parallel-exit)
	# 16 jobs, one device each: none may fail for another's sake.
	# shellcheck disable=SC2046
	inlab $(devices 16 recovery "" iPhone10,1) -- "$PARALLEL"'
		parallel 16 exit --timeout $BOUND'
	rc_is 0
	out_has '^failed: 0$'
	[ "$(grep -c 'recovery -> normal' "$tmp/out")" = 16 ] || fail "not 16 devices back in normal"
	;;
exit-beside-status)
	# A monitoring loop calling status never makes a job fail, and the
	# loop itself never fails either.
	# shellcheck disable=SC2046
	inlab $(devices 4 recovery "" iPhone10,1) -- "$PARALLEL"'
		( while [ ! -e "$IRECCTL_LOCK_DIR.stop" ]; do
			"$IRECCTL" status --json >/dev/null || echo "status failed: $?"
		  done ) >"$IRECCTL_LOCK_DIR.loop" 2>&1 &
		loop=$!
		parallel 4 exit --timeout $BOUND
		: >"$IRECCTL_LOCK_DIR.stop"; wait $loop
		cat "$IRECCTL_LOCK_DIR.loop"'
	rc_is 0
	out_has '^failed: 0$'
	! grep -q 'status failed' "$tmp/out" || fail "the status loop failed"
	;;
parallel-status)
	# 8 status processes at once on 32 devices: every record complete.
	# (usbmuxd's listen backlog fills up; connection failures are retried.)
	# shellcheck disable=SC2046
	inlab $(devices 32 normal "" iPhone12,1) -- '
		pids=""
		for i in 1 2 3 4 5 6 7 8; do
			# (--timeout a hang guard: slowness must not turn into
			# "no answer" records; retries are the point)
			"$IRECCTL" status --json --timeout "$BOUND" >"$IRECCTL_LOCK_DIR.s$i" &
			pids="$pids $!"
		done
		for p in $pids; do wait $p || exit 1; done
		cat "$IRECCTL_LOCK_DIR".s*'
	rc_is 0
	[ "$(grep -c '"mode": "normal"' "$tmp/out")" = 256 ] || fail "not 8 x 32 normal records"
	! grep -q '"mode": "unknown"' "$tmp/out" || fail "unknown records"
	;;
enter-connections)
	# 16 parallel `enter -d UDID`: a UDID names the usbmuxd device before
	# any lockdownd connection, so each job opens its own device's
	# connections only (a probe and EnterRecovery): at most 2 per job.
	# shellcheck disable=SC2046
	inlab $(devices 16 normal "ios=14.0" iPhone12,1) -- '
		pids=""; i=1
		while [ $i -le 16 ]; do
			u=$(printf "00008030-%016X" $((0x100 + i)))
			"$IRECCTL" enter -d $u --timeout "$BOUND" >/dev/null 2>&1 &
			pids="$pids $!"; i=$((i + 1))
		done
		failed=0
		for p in $pids; do wait $p || failed=$((failed + 1)); done
		echo "failed: $failed"'
	rc_is 0
	out_has '^failed: 0$'
	n=$(grep -c ' mux Connect' "$LAB_LOG") || true
	[ "$n" -le 32 ] || fail "$n lockdownd connections for 16 jobs"
	;;
other-program)
	# A libirecovery client holds the device (interface 0 claimed): exit
	# is busy, says so, and sends no iBoot command at all.
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		mkfifo "$IRECCTL_LOCK_DIR.fifo"
		"$IRECV_CLIENT" 0x22 <"$IRECCTL_LOCK_DIR.fifo" >"$IRECCTL_LOCK_DIR.client" &
		exec 9>"$IRECCTL_LOCK_DIR.fifo"
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.client" OPEN || exit 97
		"$IRECSIM" ctl log-mark exit-starts >/dev/null
		"$IRECCTL" exit -d 0x22; rc=$?
		"$IRECSIM" ctl log-mark exit-ends >/dev/null
		exec 9>&-
		exit $rc'
	rc_is 6
	err_has 'another program \(not irecctl\) is driving the device'
	sed -n '/exit-starts/,/exit-ends/p' "$LAB_LOG" >"$tmp/during"
	grep -q 'claim if=0: EBUSY' "$tmp/during" || fail "no refused claim in the lab log"
	! grep -q 'ctrl-out' "$tmp/during" || fail "a command went to a device another program drives"
	;;
status-other-program)
	# Looking at a device another program drives: listed, nothing sent,
	# the record says why the iBoot version is missing.
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		mkfifo "$IRECCTL_LOCK_DIR.fifo"
		"$IRECV_CLIENT" 0x22 <"$IRECCTL_LOCK_DIR.fifo" >"$IRECCTL_LOCK_DIR.client" &
		exec 9>"$IRECCTL_LOCK_DIR.fifo"
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.client" OPEN || exit 97
		"$IRECSIM" ctl log-mark status-starts >/dev/null
		"$IRECCTL" status --json; rc=$?
		"$IRECSIM" ctl log-mark status-ends >/dev/null
		exec 9>&-
		exit $rc'
	rc_is 0
	out_has '"ecid": "0x0000000000000022"'
	out_has '"iboot": null'
	out_has '"error": "iBoot version not read: another program is driving the device"'
	sed -n '/status-starts/,/status-ends/p' "$LAB_LOG" >"$tmp/during"
	! grep -q 'ctrl-out' "$tmp/during" || fail "status sent a command to a device in use"
	;;
unconfigured)
	# As libirecovery: configuration 1 first when the device has none.
	inlab iPhone10,1:recovery:ecid=0x22:unconfigured=1 -- '"$IRECCTL" exit -d 0x22'
	rc_is 0
	awk '/set-configuration 1$/ { c = NR } /claim if=0$/ && c && !k { k = NR }
	     END { exit !(c && k > c) }' "$LAB_LOG" || fail "no set-configuration 1 before the claim"
	;;
recovery-pid-1282)
	# 0x1282/0x1283: interface 1 alt 1 as well, in libirecovery's order;
	# the same ioctl sequence irecovery itself produces.
	inlab iPhone10,1:recovery:ecid=0x22:recovery-pid=0x1282:autoboot=true -- '
		"$IRECSIM" ctl log-mark irecovery >/dev/null
		irecovery -c "setenv auto-boot true" || exit 90
		"$IRECSIM" ctl log-mark irecctl >/dev/null
		"$IRECCTL" exit -d 0x22'
	rc_is 0
	setup() { sed -n "/mark $1/,/$2/p" "$LAB_LOG" | grep -E 'usb (claim|set-interface|set-configuration)' |
		awk '{ $1 = ""; print }' | head -n 3; }
	setup irecovery "mark irecctl" >"$tmp/irecovery.seq"
	setup irecctl "reboot" >"$tmp/irecctl.seq"
	grep -q 'set-interface if=1 alt=1' "$tmp/irecctl.seq" || fail "no set-interface if=1 alt=1"
	diff -u "$tmp/irecovery.seq" "$tmp/irecctl.seq" >&2 || fail "setup differs from libirecovery's"
	;;
partial-ecid)
	# A cut identity string: its 8-digit "ECID" would name another device.
	cut='CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:02 ECID:000A1B2C IBFL:3C'
	"$IRECSIM" run --log "$LAB_LOG" --device "iPhone10,1:recovery:ecid=0xa1b2c:serial=\"$cut\"" -- sh -c '
		"$IRECCTL" status --json >"$IRECCTL_LOCK_DIR.status"
		"$IRECCTL" exit -d 0xa1b2c 2>"$IRECCTL_LOCK_DIR.byid"; echo "by-id $?"
		"$IRECCTL" exit --all; echo "all $?"' >"$tmp/out" 2>"$tmp/err" || true
	cp "$IRECCTL_LOCK_DIR.status" "$tmp/status"
	grep -q '"ecid": null' "$tmp/status" || fail "an ECID presented as fact"
	grep -q '"error": "partial identity' "$tmp/status" || fail "record does not say partial"
	out_has '^by-id 3$'
	out_has '^all 1$'
	err_has 'USB 1-1 \(.*\): the device did not report a complete ECID'
	! grep -q '0x0000000000000000' "$tmp/err" || fail "named by a zero ECID"
	! grep -q 'ctrl-out' "$LAB_LOG" || fail "a command was sent under a guessed ECID"
	;;
same-ecid-usb)
	# Two recovery devices, the second claiming the first's ECID: two
	# records, a conflict, and a command on that ECID refuses.
	twin='CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:02 ECID:0000000000001111 IBFL:3C'
	set +e
	"$IRECSIM" run --log "$LAB_LOG" --device iPhone10,1:recovery:ecid=0x1111 \
		--device "iPhone10,1:recovery:ecid=0x2222:serial=\"$twin\"" -- sh -c '
		"$IRECCTL" status --json >"$IRECCTL_LOCK_DIR.status"
		"$IRECCTL" exit -d 0x1111' >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 4
	err_has 'two attached devices report this ECID'
	[ "$(grep -c '"ecid": "0x0000000000001111"' "$IRECCTL_LOCK_DIR.status")" = 2 ] ||
		fail "the two devices were merged"
	grep -q '"error": "conflict: another device (at USB 1-2' "$IRECCTL_LOCK_DIR.status" ||
		fail "no conflict in the record"
	! grep -Eq 'ctrl-out .*"(setenv|saveenv|reboot)' "$LAB_LOG" ||
		fail "a command was sent to an ambiguous ECID"
	;;
same-ecid-mux)
	# A DFU device claiming a normal device's ECID: no chimera record.
	twin='CPID:8030 CPRV:11 CPFM:03 SCEP:01 BDID:04 ECID:0000000000003333 IBFL:3C SRTG:[iBoot-1]'
	"$IRECSIM" run --device iPhone12,1:normal:ecid=0x3333 \
		--device "iPhone12,1:dfu:ecid=0x4444:serial=\"$twin\"" -- \
		"$IRECCTL" status --json >"$tmp/out" 2>"$tmp/err"
	[ "$(grep -c '"ecid": "0x0000000000003333"' "$tmp/out")" = 2 ] || fail "merged into one record"
	out_has '"error": "conflict: another device \(in usbmuxd as 00008030-0000000000003333'
	out_has '"error": "conflict: another device \(at USB 1-2, dfu mode\)'
	;;
hung-lockdown-elsewhere)
	# A hung lockdownd of another device does not hold up `exit -d`.
	inlab iPhone12,1:normal:ecid=0x11:fault=no-reply iPhone10,1:recovery:ecid=0x22 -- '
		"$IRECCTL" exit -d 0x22'
	rc_is 0
	! grep -q '^ *[0-9]* 0x0000000000000011 lockdown' "$LAB_LOG" || fail "the hung device was asked"
	;;
lockdown-never-answers)
	# The target's lockdownd never answers: a timeout with the probe's reason.
	lab iPhone12,1:normal:ecid=0x11:fault=no-reply -- enter -d 00008030-0000000000000011 --timeout 2
	rc_is 5
	err_has 'no answer within 2 s'
	;;
lock-timeout-all)
	# Two devices held by other irecctl processes for the whole run:
	# --lock-timeout waits for both at once (3 s, not 3 + 3).
	inlab iPhone10,1:dfu:ecid=0x101 iPhone10,1:dfu:ecid=0x102 -- '
		for e in 0x101 0x102; do
			"$IRECCTL" enter -d $e --wait-for-person --timeout 60 >/dev/null \
				2>"$IRECCTL_LOCK_DIR.h$e" &
			"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.h$e" "waiting for the device" || exit 97
		done
		start=$(date +%s%3N)
		"$IRECCTL" exit --all --lock-timeout 3; rc=$?
		echo "elapsed $(( $(date +%s%3N) - start ))"
		exit $rc'
	rc_is 6
	[ "$(grep -c 'error: .*in use by another irecctl' "$tmp/err")" = 2 ] || fail "not both busy"
	elapsed_below "$(sed -n 's/^elapsed //p' "$tmp/out")" 5500
	;;
slow-fresh-lockdown)
	# The device boots into normal mode but its lockdownd drops every
	# connection for its first 6 s: still recognised within --timeout.
	inlab iPhone12,1:recovery:ecid=0x22:transition=300 -- '
		"$IRECCTL" exit -d 0x22 --timeout 30 &
		pid=$!
		"$IRECSIM" ctl fault 1 lockdown-close >/dev/null
		"$IRECSIM" ctl wait 1 normal 10000 >/dev/null || exit 98
		sleep 6 # the device refusing: part of the scenario, not a wait
		"$IRECSIM" ctl fault 1 none >/dev/null
		wait $pid'
	rc_is 0
	out_has 'recovery -> normal'
	;;
wait-slow-fresh-lockdown)
	# The same for `wait`: the arrival's probe lasts as long as the wait may.
	inlab iPhone12,1:recovery:ecid=0x22:transition=300 -- '
		"$IRECCTL" wait -d 0x22 --for normal --timeout 30 &
		pid=$!
		"$IRECSIM" ctl fault 1 lockdown-close >/dev/null
		"$IRECSIM" ctl mode 1 normal >/dev/null
		"$IRECSIM" ctl wait 1 normal 10000 >/dev/null || exit 98
		sleep 6 # the device refusing: part of the scenario, not a wait
		"$IRECSIM" ctl fault 1 none >/dev/null
		wait $pid'
	rc_is 0
	out_has '^normal 0x0000000000000022 '
	;;
old-udid-follow)
	# Before the A12 the UDID holds no ECID and recovery shows no UDID:
	# the ECID lockdownd gave when entering lets exit follow the device.
	inlab iPhone10,1:normal:ecid=0x22:ios=14.0 -- '
		u=$("$IRECSIM" ctl list | awk "{print \$3}")
		"$IRECCTL" enter -d $u || exit 90
		"$IRECCTL" exit -d $u'
	rc_is 0
	out_has 'normal -> recovery'
	out_has 'recovery -> normal'
	;;
old-udid-hint)
	# Nothing remembered: say to use the ECID, not just "no device".
	inlab iPhone10,1:recovery:ecid=0x22 -- '"$IRECCTL" exit -d 0123456789abcdef0123456789abcdef01234567'
	rc_is 3
	err_has 'shows no UDID in recovery or DFU mode: select it by its ECID'
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
echo "ok: jobs $1"
