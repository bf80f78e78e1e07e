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
	# Two devices held by other irecctl processes: with --lock-timeout,
	# exit --all waits for both locks at once. The kernel shows it: one
	# process listed in /proc/locks as a waiter on both files together
	# (waiting one after another, it would wait on one at a time). Then
	# the holders end, and it gets both (and finds DFU devices it cannot
	# take out of DFU: exit 8).
	inlab iPhone10,1:dfu:ecid=0x101 iPhone10,1:dfu:ecid=0x102 -- '
		holders=""
		for e in 0x101 0x102; do
			"$IRECCTL" enter -d $e --wait-for-person --timeout "$BOUND" >/dev/null \
				2>"$IRECCTL_LOCK_DIR.h$e" &
			holders="$holders $!"
			"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.h$e" "waiting for the device" || exit 97
		done
		"$IRECCTL" exit --all --lock-timeout "$BOUND" --timeout "$BOUND" \
			>"$IRECCTL_LOCK_DIR.out" 2>&1 &
		pid=$!
		waiting() { grep -c "^[0-9]*: -> FLOCK  *ADVISORY  *WRITE  *$pid " /proc/locks; }
		i=0
		until [ "$(waiting)" = 2 ]; do
			i=$((i + 1))
			[ $i -lt 400 ] || { echo "waits on $(waiting) at once"; kill $pid $holders; exit 96; }
			sleep 0.05 # polling the kernel with a deadline, as wait-text.sh does a file
		done
		echo "waits on both at once"
		kill $holders
		wait $pid; echo "exit $?"
		cat "$IRECCTL_LOCK_DIR.out"'
	out_has '^waits on both at once$'
	out_has '^exit 8$'
	[ "$(grep -c 'in use by another irecctl .*; waiting up to' "$tmp/out")" = 2 ] ||
		fail "not two waits"
	! grep -q 'error: .*in use by another irecctl' "$tmp/out" || fail "a lock was not taken"
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
short-dfu-udid)
	# A DFU device that leaves again before its probe could read it: its
	# record keeps all it said on arrival, the UDID derived from its CPID
	# and ECID included (a longer attachment's record has it too).
	: "${PROBE_ARRIVAL:?}"
	export PROBE_ARRIVAL
	inlab iPhone12,1:dfu:ecid=0x22 -- '
		mkfifo "$IRECCTL_LOCK_DIR.fifo"
		"$PROBE_ARRIVAL" <"$IRECCTL_LOCK_DIR.fifo" >"$IRECCTL_LOCK_DIR.probe" &
		exec 9>"$IRECCTL_LOCK_DIR.fifo"
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.probe" ARRIVED || exit 97
		"$IRECSIM" ctl unplug 1 >/dev/null || exit 98
		echo go >&9
		exec 9>&-
		wait $! || exit 99
		cat "$IRECCTL_LOCK_DIR.probe"'
	rc_is 0
	out_has '^ARRIVED udid=00008030-0000000000000022$'
	out_has '^PROBED ecid=0x0000000000000022 udid=00008030-0000000000000022 model=iPhone12,1 accessible=0 error=cannot open the USB device'
	;;
short-normal-then-dfu)
	# A normal attachment too short for its lockdownd probe (it never
	# answers), then DFU: the DFU event still names the device fully, its
	# UDID derived from CPID and ECID (before the A12 no UDID can be: the
	# device never said it, and the probe that would have heard it is gone).
	inlab iPhone10,1:recovery:ecid=0x11 -- '
		"$IRECCTL" watch --json --initial --timeout "$BOUND" >"$IRECCTL_LOCK_DIR.w" &
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.w" present || exit 97
		for spec in iPhone12,1:normal:ecid=0x77 iPhone10,1:normal:ecid=0x88; do
			"$IRECSIM" ctl plug $spec:fault=no-reply:transition=0 >/dev/null || exit 98
			"$IRECSIM" ctl mode ${spec##*=} dfu >/dev/null || exit 98
		done
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.w" "\"ecid\":\"0x0000000000000088\".*\"mode\":\"dfu\"" || exit 96
		kill $! && wait
		grep "\"mode\":\"dfu\"" "$IRECCTL_LOCK_DIR.w"'
	out_has '"ecid":"0x0000000000000077",.*"udid":"00008030-0000000000000077","mode":"dfu"'
	out_has '"ecid":"0x0000000000000088",.*"udid":null,"mode":"dfu"'
	;;
usb-location)
	# -d by USB location (as messages name a device without an ECID):
	# only the device at that port, followed by its ECID into normal mode.
	cut='CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:02 ECID:000A1B2C IBFL:3C'
	"$IRECSIM" run --log "$LAB_LOG" --device iPhone10,1:recovery:ecid=0x22 \
		--device iPhone12,1:recovery:ecid=0x33 \
		--device "iPhone10,1:recovery:ecid=0xa1b2c:serial=\"$cut\"" -- sh -c '
		"$IRECCTL" status --json -d usb:1-2 >"$IRECCTL_LOCK_DIR.status" || exit 90
		"$IRECCTL" exit -d 1-2 --timeout "$BOUND"; echo "exit $?"
		"$IRECCTL" exit -d usb:1-3 2>&1; echo "partial $?"
		"$IRECCTL" exit -d usb:1-9 2>&1; echo "nothing $?"
		"$IRECSIM" ctl list' >"$tmp/out" 2>"$tmp/err" || fail "lab failed"
	json_valid status "$IRECCTL_LOCK_DIR.status"
	[ "$(grep -c '"ecid"' "$IRECCTL_LOCK_DIR.status")" = 1 ] || fail "not one record"
	grep -q '"usb_location": "1-2"' "$IRECCTL_LOCK_DIR.status" || fail "not the device at 1-2"
	out_has '^exit 0$'
	out_has '0x0000000000000033 .*recovery -> normal'
	out_has 'USB 1-3 .*did not report a complete ECID'
	out_has '^partial 1$'
	out_has 'no device at USB 1-9 in recovery, DFU'
	out_has '^nothing 3$'
	out_has '^1 0x0*22 .* recovery '
	out_has '^2 0x0*33 .* normal '
	;;
status-keeps-holder)
	# status asks a recovery device its iBoot version under the lock taken
	# shared: it never writes the lock file, so the holder's IRECCTL_JOB
	# stays there while it holds the lock and after ("last held by").
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		f="$IRECCTL_LOCK_DIR/0000000000000022.lock"
		IRECCTL_JOB=job-A "$IRECCTL" enter --dfu -d 0x22 --wait-for-person \
			--timeout "$BOUND" >/dev/null 2>"$IRECCTL_LOCK_DIR.h" &
		"$WAIT_TEXT" "$IRECCTL_LOCK_DIR.h" "waiting for the device" || exit 97
		cp "$f" "$IRECCTL_LOCK_DIR.before"
		"$IRECCTL" status --json >"$IRECCTL_LOCK_DIR.held" || exit 90
		cmp "$f" "$IRECCTL_LOCK_DIR.before" || exit 91
		kill $!; wait
		IRECCTL_JOB=job-B "$IRECCTL" status --json >"$IRECCTL_LOCK_DIR.free" || exit 92
		cmp "$f" "$IRECCTL_LOCK_DIR.before" || exit 93
		cat "$f"'
	rc_is 0
	out_has '^job=job-A$'
	grep -q '"error": "iBoot version not read: another irecctl is driving the device"' \
		"$IRECCTL_LOCK_DIR.held" || fail "status did not see the holder"
	grep -q '"iboot": "iBoot-' "$IRECCTL_LOCK_DIR.free" || fail "status did not ask once free"
	;;
uevents-beside-short-clients)
	# A device changing mode 300 times while two status loops start and
	# end libusb clients: umockdev's uevent sender meets listeners that
	# have just exited or whose socket is being rebound by the next client
	# (missing path, refused send), which used to abort the lab.
	inlab iPhone10,1:recovery:ecid=0x22:transition=0 -- '
		stop="$IRECCTL_LOCK_DIR.stop"
		for l in 1 2; do
			( while [ ! -e "$stop" ]; do
				"$IRECCTL" status >/dev/null 2>&1 || echo "status failed: $?"
			  done ) &
		done
		i=0
		while [ $i -lt 150 ]; do
			for m in dfu recovery; do
				"$IRECSIM" ctl mode 1 $m >/dev/null || exit 90
				"$IRECSIM" ctl wait 1 $m 10000 >/dev/null || exit 91
			done
			i=$((i + 1))
		done
		: >"$stop"; wait
		echo "rounds $i"'
	rc_is 0
	out_has '^rounds 150$'
	! grep -q 'status failed' "$tmp/out" || fail "a status failed"
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
