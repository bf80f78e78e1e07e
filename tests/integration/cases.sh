#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The event-driven commands (`wait`, `watch`) against the simulated lab:
# the lab changes a device's mode while irecctl waits or watches.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
export T="$tmp"

cat >"$tmp/lib.sh" <<'EOF'
# wait_line FILE REGEX: until a background irecctl printed it (10 s at most).
wait_line() {
	n=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 500 ] || { echo "no line /$2/ in $1" >&2; cat "$1" >&2; exit 99; }
		sleep 0.02
	done
}
# wait_count FILE REGEX N: until N lines match.
wait_count() {
	n=0
	while [ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		n=$((n + 1))
		[ $n -lt 500 ] || { echo "fewer than $3 lines /$2/ in $1" >&2; cat "$1" >&2; exit 99; }
		sleep 0.02
	done
}
# bg COMMAND...: in the background ($pid), able to get SIGINT: a plain sh
# starts background jobs with SIGINT ignored, and irecctl keeps it so.
bg() {
	env --default-signal=INT "$@" &
	pid=$!
}
# bg_wait ARGS...: `irecctl -v wait ARGS` in the background, once it listens.
bg_wait() {
	bg "$IRECCTL" -v wait "$@" >"$T/w.out" 2>"$T/w.err"
	wait_line "$T/w.err" "waiting for"
}
finish() {
	set +e
	wait $pid
	echo "rc=$?"
}
EOF

# inlab SPEC... -- SCRIPT: casekit's, with this suite's helpers (lib.sh) loaded.
inlab() {
	_specs_of "$@"
	shift "$_n"
	_in_lab "$_s" -- sh -c ". \"\$T/lib.sh\"; $1"
}
has() { grep -Eq -- "$2" "$tmp/$1" || fail "$1 lacks /$2/"; }
lacks() { ! grep -Eq -- "$2" "$tmp/$1" || fail "$1 has /$2/"; }

N8='iPhone10,1:normal:ecid=0x31:trust=paired'
R8='iPhone10,1:recovery:ecid=0x31'
ECID='0x0000000000000031'

case "$1" in
wait-recovery)
	# Listening, then the device reboots into recovery: exit 0, the same ECID.
	inlab $N8 -- '
		bg_wait --for recovery -d 0x31 --timeout 30
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		finish; cat "$T/w.out"
		irecovery -i 0x31 -q'
	rc_is 0
	has out '^rc=0$'
	has out "^recovery $ECID iPhone 8"
	has out '^MODE: Recovery$' # the Debian tool agrees
	;;
wait-restore)
	# Restore mode is usbmuxd's; a new-form UDID carries the ECID there.
	inlab iPhone16,1:recovery:ecid=0x31 -- '
		bg_wait --for restore -d 0x31 --timeout 30
		"$IRECSIM" ctl mode 1 restore >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^restore $ECID"
	;;
wait-timeout)
	inlab $N8 -- '"$IRECCTL" wait --for recovery --timeout 1'
	rc_is 5
	has err "timed out after 1 s: device $ECID is still in normal mode"
	;;
wait-already)
	# Already there: at once, without waiting for any event.
	inlab $N8 -- '
		t0=$(date +%s%3N)
		"$IRECCTL" wait --for normal --timeout 30 || exit $?
		echo "ms=$(( $(date +%s%3N) - t0 ))"'
	rc_is 0
	has out "^normal $ECID iPhone 8"
	ms=$(sed -n 's/^ms=//p' "$tmp/out")
	[ "$ms" -lt 3000 ] || fail "took $ms ms"
	;;
wait-gone)
	inlab $R8 -- '
		bg_wait --for gone -d 0x31 --timeout 30
		"$IRECSIM" ctl unplug 1 >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^gone $ECID iPhone 8"
	;;
wait-gone-already)
	inlab $R8 -- '"$IRECCTL" wait --for gone -d 0x99 --timeout 5'
	rc_is 0
	has out '^gone 0x0000000000000099'
	;;
wait-sigint)
	inlab $R8 -- '
		bg_wait --for dfu -d 0x31 --timeout 60
		kill -INT $pid
		finish'
	has out '^rc=130$'
	has w.err 'interrupted'
	;;
wait-sigterm)
	inlab $R8 -- '
		bg_wait --for dfu -d 0x31 --timeout 60
		kill -TERM $pid
		finish'
	has out '^rc=130$'
	;;
wait-other-mode)
	# Waiting for normal, the device shows up in DFU instead: exit 12 at once.
	inlab $R8 -- '
		bg_wait --for normal -d 0x31 --timeout 30
		"$IRECSIM" ctl mode 1 dfu >/dev/null
		finish'
	has out '^rc=12$'
	has w.err "device $ECID arrived in dfu mode, not in normal mode"
	;;
wait-recovery-loop)
	# A broken OS: `irecovery -n` reboots it, and it comes back in recovery.
	inlab "$R8:loop=1" -- '
		bg_wait --for normal -d 0x31 --timeout 30
		irecovery -i 0x31 -n
		finish'
	has out '^rc=12$'
	has w.err 'arrived in recovery mode, not in normal mode'
	;;
wait-through)
	# Modes allowed on the way do not end the wait.
	inlab $R8 -- '
		bg_wait --for normal --through dfu -d 0x31 --timeout 30
		"$IRECSIM" ctl mode 1 dfu >/dev/null
		"$IRECSIM" ctl wait 1 dfu >/dev/null
		"$IRECSIM" ctl mode 1 normal >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^normal $ECID"
	;;
wait-arrives-later)
	# -d names a device that is not attached yet: wait for it.
	inlab $R8 -- '
		"$IRECSIM" ctl unplug 1 >/dev/null
		bg_wait --for recovery -d 0x31 --timeout 30
		grep -q "not attached now" "$T/w.err" || exit 98
		"$IRECSIM" ctl replug 1 >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^recovery $ECID"
	;;
wait-lockdown-late)
	# Its lockdownd drops the first connections after the device arrives in
	# normal mode (as real ones may): it is asked again, not left "unknown".
	inlab "$R8:fault=lockdown-close" -- '
		bg_wait --for normal -d 0x31 --timeout 20
		"$IRECSIM" ctl mode 1 normal >/dev/null
		"$IRECSIM" ctl wait 1 normal >/dev/null
		"$IRECSIM" ctl fault 1 none >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^normal $ECID"
	;;
wait-no-device)
	inlab $R8 -- '"$IRECCTL" wait --for normal -d 0x99 --timeout 0.5'
	rc_is 3
	has err 'device 0x0000000000000099 did not appear within 0.5 s'
	;;
wait-ambiguous)
	inlab $N8 iPad8,1:recovery:ecid=0x32 -- '"$IRECCTL" wait --for normal'
	rc_is 4
	has err '2 devices are attached'
	;;
wait-json)
	# a new-form UDID carries the ECID: it selects the device in any mode
	inlab $N8 -- '"$IRECCTL" --json wait --for normal -d 00008015-0000000000000031'
	rc_is 0
	has out "\"ecid\": \"$ECID\""
	has out '"mode": "normal"'
	has out '"attached": true'
	json_valid wait "$tmp/out"
	;;
wait-usage)
	inlab $N8 -- '"$IRECCTL" wait --for sideways'
	rc_is 2
	has err "unknown mode 'sideways'"
	;;
watch-events)
	# normal -> recovery -> unplugged, as NDJSON, then Ctrl-C: exit 0.
	inlab $N8 -- '
		bg "$IRECCTL" -v watch --json >"$T/w.out" 2>"$T/w.err"
		wait_line "$T/w.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_count "$T/w.out" "\"event\":\"add\".*\"mode\":\"recovery\"" 1
		"$IRECSIM" ctl unplug 1 >/dev/null
		wait_count "$T/w.out" "\"event\":\"remove\".*\"mode\":\"recovery\"" 1
		kill -INT $pid
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	sed -n 's/.*"event":"\([a-z]*\)".*"mode":"\([a-z]*\)".*"previous_mode":\([a-z"]*\).*/\1 \2 \3/p' \
		"$tmp/out" >"$tmp/events"
	printf 'remove normal null\nadd recovery "normal"\nremove recovery null\n' >"$tmp/want"
	cmp -s "$tmp/events" "$tmp/want" || { cat "$tmp/events" >&2; fail "unexpected events"; }
	json_valid watch "$tmp/w.out"
	has out "^\\{\"schema_version\":1,\"event\":\"add\",\"time\":\"[0-9T:.-]+Z\",\"monotonic_ms\":[0-9]+,\"ecid\":\"$ECID\""
	;;
watch-human)
	inlab $N8 -- '"$IRECCTL" watch --initial --timeout 1'
	rc_is 0
	has out "^[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} = normal +$ECID iPhone10,1 iPhone 8"
	;;
next-to-irecovery)
	# Pitfall A5: umockdev names its uevent sockets after fd numbers, and a
	# plain libusb tool started later (irecovery, monitor on fd 6) would take
	# over ours if it had the same number. After `irecovery -n` ran beside
	# it, the watcher must still hear the device leave recovery and, later,
	# arrive in recovery again over USB.
	inlab $R8 -- '
		bg "$IRECCTL" -v watch --json >"$T/w.out" 2>"$T/w.err"
		wait_line "$T/w.err" "watching"
		irecovery -i 0x31 -n
		# Until watch has probed the normal-mode arrival: a device that leaves
		# while lockdownd is being asked is reported in mode unknown.
		wait_count "$T/w.out" "\"event\":\"add\".*\"mode\":\"normal\"" 1
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_count "$T/w.out" "\"event\":\"add\".*\"mode\":\"recovery\"" 1
		kill -INT $pid
		finish'
	has out '^rc=0$'
	has w.out '"event":"remove".*"mode":"recovery"'
	has w.out '"event":"add".*"mode":"normal"'
	json_valid watch "$tmp/w.out"
	;;
two-waiters)
	# Two irecctl processes listening at once both see a USB arrival.
	inlab $N8 -- '
		"$IRECCTL" -v wait --for recovery -d 0x31 --timeout 30 >"$T/a.out" 2>"$T/a.err" &
		a=$!
		bg "$IRECCTL" -v watch --json --timeout 30 >"$T/b.out" 2>"$T/b.err"
		wait_line "$T/a.err" "waiting for"
		wait_line "$T/b.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait $a; echo "a=$?"
		wait_count "$T/b.out" "\"event\":\"add\".*\"mode\":\"recovery\"" 1
		kill -INT $pid; wait $pid; echo "b=$?"'
	has out '^a=0$'
	has out '^b=0$'
	json_valid watch "$tmp/b.out"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
