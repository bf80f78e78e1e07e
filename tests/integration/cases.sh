#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The event-driven commands (`wait`, `watch`) against the simulated lab:
# the lab changes a device's mode while irecctl waits or watches.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
# A stranger at the usbmuxd endpoint (the hostile-usbmuxd cases).
STRANGER="$(cd "$(dirname "$0")" && pwd)/stranger.py"
export STRANGER
# usbmuxd as on a Debian host (see tests/modes/cases.sh).
LAB_OPTS="--default-socket --mux-lifecycle"

# In the lab: bg, wait_line, finish, stop (tests/labscript.sh), and:
lab_helpers <<'EOF'
# bg_wait ARGS...: `irecctl -v wait ARGS` in the background, once it listens.
bg_wait() {
	bg "$IRECCTL" -v wait "$@" >"$T/w.out" 2>"$T/w.err"
	wait_line "$T/w.err" "waiting for"
}
EOF

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
	# A device that is not there was never seen by this wait: no match.
	inlab $R8 -- '"$IRECCTL" wait --for gone -d 0x99 --timeout 5'
	rc_is 3
	has err 'no attached device matches the given id'
	;;
wait-sigint)
	inlab $R8 -- '
		bg_wait --for dfu -d 0x31 --timeout 60
		stop'
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
		stop; cat "$T/w.out"'
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
		"$IRECSIM" ctl wait 1 normal >/dev/null
		# Until watch has probed the normal-mode arrival: a device that leaves
		# while lockdownd is being asked is reported in mode unknown.
		wait_count "$T/w.out" "\"event\":\"add\".*\"mode\":\"normal\"" 1
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_count "$T/w.out" "\"event\":\"add\".*\"mode\":\"recovery\"" 1
		stop'
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
mux-hostile)
	# A socket at USBMUXD_SOCKET_ADDRESS that is not usbmuxd (answers
	# garbage, or closes at once): libusbmuxd's Listen thread leaked a socket
	# per reconnect until FD_SET aborted the process (status 134) in wait,
	# watch, enter and exit. Now: checked first, a clear warning, no crash.
	for kind in garbage close; do
		inlab $R8 -- '
			python3 "$STRANGER" unix '$kind' "$T/'$kind'.addr" & h=$!
			while [ ! -s "$T/'$kind'.addr" ]; do sleep 0.01; done
			export USBMUXD_SOCKET_ADDRESS="$(cat "$T/'$kind'.addr")"
			"$IRECCTL" wait --for normal -d 0x31 --timeout 2 2>"$T/wait.err"; echo "wait=$?"
			"$IRECCTL" watch --timeout 1 >/dev/null 2>"$T/watch.err"; echo "watch=$?"
			"$IRECCTL" enter -d 00008130-0000000000000011 2>"$T/enter.err"; echo "enter=$?"
			"$IRECCTL" status --json 2>"$T/status.err"; echo "status=$?"
			"$IRECCTL" exit -d 0x31 --timeout 3 2>"$T/exit.err"; echo "exit=$?"
			"$IRECSIM" ctl show 1 | grep "^mode="
			"$IRECCTL" exit -d 0x31 --no-wait 2>"$T/nowait.err"; echo "nowait=$?"
			"$IRECSIM" ctl wait 1 normal >/dev/null && echo "booted"
			kill $h'
		# wait for normal mode only cannot see it: refused at once.
		has out '^wait=22$'
		has out '^watch=0$'
		has out '^enter=3$'
		has out '^status=0$'
		# exit cannot see normal mode through that endpoint: it refuses
		# before sending (the device stays in recovery) unless --no-wait.
		has out '^exit=22$'
		has out '^mode=recovery$'
		has exit.err '^irecctl: error: .*nothing sent: irecctl could not see the device arrive in normal mode \(.* does not speak the usbmuxd protocol'
		[ "$(grep -c error "$tmp/exit.err")" = 1 ] || fail "exit: not one error line"
		has out '^nowait=0$'
		has out '^booted$'
		has out 'recovery -> normal: commands sent, not verified \(--no-wait\)'
		has out '"error": "usbmuxd unreachable: .* does not speak the usbmuxd protocol'
		for f in wait watch status exit; do
			has "$f.err" 'warning: .* does not speak the usbmuxd protocol .*: normal and restore mode devices cannot be seen'
			# A peer that closed before the request went out left the reason
			# unset (memcheck: an uninitialised read; here "protocol ()").
			has "$f.err" 'does not speak the usbmuxd protocol [(][^)]'
			[ "$(grep -c warning "$tmp/$f.err")" = 1 ] || fail "$f: not one warning"
		done
		has enter.err 'usbmuxd is unreachable, so devices in normal and restore mode cannot be seen'
	done
	;;
mux-silent)
	# An endpoint that accepts connections and never answers, as a UNIX
	# socket and on 127.0.0.1: the check trusted silence, so libusbmuxd sat
	# in its own 5 s timeouts and then hid the devices without a word
	# (status: `[]` after 11 s, exit 0; enter exit 3 after 12 s; wait, watch
	# likewise, all ignoring --timeout). Now it is unusable, said, at once.
	for kind in unix tcp; do
		inlab $N8 -- '
			python3 "$STRANGER" '$kind' silent "$T/'$kind'.addr" & h=$!
			while [ ! -s "$T/'$kind'.addr" ]; do sleep 0.01; done
			export USBMUXD_SOCKET_ADDRESS="$(cat "$T/'$kind'.addr")"
			ms() { echo "$1=$? ms=$(( $(date +%s%3N) - t0 ))"; }
			t0=$(date +%s%3N); "$IRECCTL" --timeout 1 status --json >"$T/status.out" 2>"$T/status.err"; ms status
			t0=$(date +%s%3N); "$IRECCTL" enter -d 0x31 --timeout 2 2>"$T/enter.err"; ms enter
			t0=$(date +%s%3N); "$IRECCTL" wait --for normal -d 0x31 --timeout 2 2>"$T/wait.err"; ms wait
			t0=$(date +%s%3N); "$IRECCTL" watch --timeout 2 >/dev/null 2>"$T/watch.err"; ms watch
			t0=$(date +%s%3N); "$IRECCTL" --timeout 1 doctor >"$T/doctor.out" 2>"$T/doctor.err"; ms doctor
			"$IRECSIM" ctl show 1 | grep "^mode="
			kill $h'
		has out '^status=0 '
		has out '^enter=3 '
		has out '^wait=22 '
		has out '^watch=0 '
		has out '^mode=normal$'
		has status.out '"error": "usbmuxd unreachable: .* does not answer usbmuxd requests [(]no reply within 1[.]0 s[)]'
		has enter.err 'error: usbmuxd is unreachable, so devices in normal and restore mode cannot be seen: .* does not answer usbmuxd requests'
		has doctor.out 'does not answer usbmuxd requests [(]no reply within 1[.]0 s[)]'
		has wait.err 'cannot wait for device 0x0*31 to be in normal mode: usbmuxd is unusable [(].* does not answer usbmuxd requests'
		for f in status watch; do
			has "$f.err" 'warning: .* does not answer usbmuxd requests [(]no reply within [12][.]0 s[)]: normal and restore mode devices cannot be seen'
			[ "$(grep -c warning "$tmp/$f.err")" = 1 ] || fail "$f: not one warning"
		done
		# The reasons above show the check's deadline comes from --timeout.
		# A hang guard only, not a speed test (valgrind runs this case too):
		# none may reach libusbmuxd's two 5 s timeouts, where the old path
		# took 11-16 s.
		for c in status enter wait watch doctor; do
			ms=$(sed -n "s/^$c=[0-9]* ms=//p" "$tmp/out")
			[ "$ms" -lt 9500 ] || fail "$c took $ms ms"
		done
	done
	;;
mux-address-malformed)
	# A USBMUXD_SOCKET_ADDRESS that libusbmuxd (2.0.2, 2.1.0) cannot parse
	# made it fall back to /var/run/usbmuxd, the host's daemon: a typo
	# acted on the host's devices. Here the lab's usbmuxd is at that path
	# with a device behind it, so a fallback would list that device.
	for bad in foo UNIX: 127.0.0.1: 127.0.0.1:99999 :5 127.0.0.1:0 "[]:5" "unix:/tmp/x" 127.0.0.1:5x; do
		inlab $N8 -- '
			export USBMUXD_SOCKET_ADDRESS="'"$bad"'"
			"$IRECCTL" status --json >"$T/status.out" 2>"$T/status.err"; echo "status=$?"
			"$IRECCTL" enter -d 0x31 --timeout 2 2>"$T/enter.err"; echo "enter=$?"
			"$IRECCTL" wait --for normal --timeout 2 2>"$T/wait.err"; echo "wait=$?"
			"$IRECSIM" ctl show 1 | grep "^mode="
			"$IRECCTL" completions bash >/dev/null; echo "completions=$?"'
		for c in status enter wait; do
			has out "^$c=2\$"
			has "$c.err" "^irecctl: error: USBMUXD_SOCKET_ADDRESS '.*' is malformed: expected UNIX:/path or host:port"
			[ "$(wc -l <"$tmp/$c.err")" = 1 ] || fail "$c: not one line for '$bad'"
		done
		[ ! -s "$tmp/status.out" ] || fail "status printed devices for '$bad'"
		has out '^mode=normal$'
		has out '^completions=0$'
	done
	# What libusbmuxd does accept is used as it would use it: unset and
	# empty are the default socket (the lab's device), a free port on
	# 127.0.0.1 is "not running", strtol()'s leading "+" is a port.
	inlab $N8 -- '
		"$IRECCTL" status >"$T/unset.out"; echo "unset=$?"
		USBMUXD_SOCKET_ADDRESS= "$IRECCTL" status >"$T/empty.out"; echo "empty=$?"
		python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])" >"$T/free.port"
		USBMUXD_SOCKET_ADDRESS="127.0.0.1:+$(cat "$T/free.port")" "$IRECCTL" status --json >"$T/plus.out"; echo "plus=$?"
		USBMUXD_SOCKET_ADDRESS="[127.0.0.1]:$(cat "$T/free.port")" "$IRECCTL" status --json >"$T/v6.out"; echo "brackets=$?"'
	for c in unset empty plus brackets; do has out "^$c=0\$"; done
	has unset.out "$ECID"
	has empty.out "$ECID"
	has plus.out '"error": "usbmuxd unreachable: usbmuxd is not running [(]127[.]0[.]0[.]1:[+][0-9]+: Connection refused[)]'
	has v6.out '"error": "usbmuxd unreachable: usbmuxd is not running [(][[]127[.]0[.]0[.]1[]]:[0-9]+: Connection refused[)]'
	;;
wait-blind)
	# A normal-mode device behind an endpoint that is not usbmuxd: wait
	# said "did not appear" (exit 3) after the whole timeout, though it
	# could never have seen normal mode. Now: exit 22 at once, saying why;
	# a wait that can also see another mode still waits, and its timeout
	# names the blindness.
	inlab $N8 -- '
		python3 "$STRANGER" unix garbage "$T/g.addr" & h=$!
		while [ ! -s "$T/g.addr" ]; do sleep 0.01; done
		export USBMUXD_SOCKET_ADDRESS="$(cat "$T/g.addr")"
		"$IRECCTL" wait --for normal -d 0x31 --timeout 30 2>"$T/normal.err"; echo "normal=$?"
		"$IRECCTL" wait --for restore --timeout 30 2>"$T/restore.err"; echo "restore=$?"
		"$IRECCTL" wait --for normal,recovery -d 0x31 --timeout 1 2>"$T/mixed.err"; echo "mixed=$?"
		kill $h'
	has out '^normal=22$'
	has out '^restore=22$'
	has out '^mixed=3$'
	has normal.err '^irecctl: error: cannot wait for device 0x0*31 to be in normal mode: usbmuxd is unusable [(].* does not speak the usbmuxd protocol .*[)], so devices in normal and restore mode cannot be seen$'
	has restore.err 'cannot wait for a device to be in restore mode: usbmuxd is unusable'
	has mixed.err 'did not appear within 1 s; usbmuxd is unusable [(].*[)], so devices in normal and restore mode could not be seen$'
	;;
lockdown-faults)
	# EnterRecovery never answered: enter said only "did not arrive in
	# recovery mode in time", as if the device had failed to reboot.
	inlab "$N8:fault=no-reply-enter" -- '
		"$IRECCTL" enter -d 0x31 --timeout 2 2>"$T/enter.err"; echo "enter=$?"'
	has out '^enter=5$'
	has enter.err 'did not arrive in recovery mode in time and the request got no answer from lockdownd$'
	# A lockdownd that closes every connection, on a device attached all
	# along: status called it a refusal after 5 s of retries and enter
	# spent the whole --timeout (15 s) asking again. It is an answer.
	inlab "$N8:fault=lockdown-close" -- '
		ms() { echo "$1=$? ms=$(( $(date +%s%3N) - t0 ))"; }
		t0=$(date +%s%3N); "$IRECCTL" status --json >"$T/status.out"; ms status
		u=$(sed -n "s/.*\"udid\": \"\(.*\)\".*/\1/p" "$T/status.out")
		t0=$(date +%s%3N); "$IRECCTL" enter -d "$u" --timeout 15 2>"$T/enter.err"; ms enter
		"$IRECSIM" ctl show 1 | grep "^mode="'
	has out '^status=0 '
	has status.out '"error": "lockdownd closed the connection without answering"'
	has enter.err 'lockdownd closed the connection without answering'
	has out '^mode=normal$'
	for c in status enter; do
		ms=$(sed -n "s/^$c=[0-9]* ms=//p" "$tmp/out")
		[ "$ms" -lt 3000 ] || fail "$c took $ms ms"
	done
	;;
mux-never-starts)
	# usbmuxd absent at the endpoint is not refused (on Debian it starts
	# when the device arrives in normal mode), but here it never starts
	# there: the timeout says irecctl was blind, not that the device stayed.
	inlab $R8 -- '
		export USBMUXD_SOCKET_ADDRESS="UNIX:$T/none"
		"$IRECCTL" exit -d 0x31 --timeout 3 2>"$T/exit.err"; echo "exit=$?"
		"$IRECSIM" ctl wait 1 normal >/dev/null && echo "booted"'
	has out '^exit=5$'
	has out '^booted$'
	has exit.err 'did not arrive in normal mode in time.*; usbmuxd never started, so devices in normal and restore mode could not be seen$'
	;;
mux-hostile-tcp)
	# The same through USBMUXD_SOCKET_ADDRESS=host:port, which libusbmuxd
	# connects to over TCP (a usbmuxd proxy): the endpoint gets the same one
	# request first. The stranger listens on 127.0.0.1 only, on a port the
	# kernel picks; it writes the port to a file once it listens.
	for kind in garbage close; do
		inlab $R8 -- '
			python3 "$STRANGER" tcp '$kind' "$T/'$kind'.addr" & h=$!
			while [ ! -s "$T/'$kind'.addr" ]; do sleep 0.01; done
			export USBMUXD_SOCKET_ADDRESS="$(cat "$T/'$kind'.addr")"
			"$IRECCTL" wait --for normal -d 0x31 --timeout 2 2>"$T/wait.err"; echo "wait=$?"
			"$IRECCTL" watch --timeout 1 >/dev/null 2>"$T/watch.err"; echo "watch=$?"
			"$IRECCTL" enter -d 00008130-0000000000000011 2>"$T/enter.err"; echo "enter=$?"
			"$IRECCTL" status --json 2>"$T/status.err"; echo "status=$?"
			"$IRECCTL" exit -d 0x31 --timeout 3 2>"$T/exit.err"; echo "exit=$?"
			"$IRECSIM" ctl show 1 | grep "^mode="
			kill $h'
		has out '^wait=22$'
		has out '^watch=0$'
		has out '^enter=3$'
		has out '^status=0$'
		# As through a UNIX socket: nothing sent, the device stays.
		has out '^exit=22$'
		has out '^mode=recovery$'
		has out '"error": "usbmuxd unreachable: 127[.]0[.]0[.]1:[0-9]+ does not speak the usbmuxd protocol'
		for f in wait watch status exit; do
			has "$f.err" 'warning: 127[.]0[.]0[.]1:[0-9]+ does not speak the usbmuxd protocol .*: normal and restore mode devices cannot be seen'
			[ "$(grep -c warning "$tmp/$f.err")" = 1 ] || fail "$f: not one warning"
		done
		has enter.err 'usbmuxd is unreachable, so devices in normal and restore mode cannot be seen'
	done
	# Nothing listening on the port: not running, as for a missing socket.
	inlab $R8 -- '
		python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])" >"$T/free.port"
		export USBMUXD_SOCKET_ADDRESS="127.0.0.1:$(cat "$T/free.port")"
		"$IRECCTL" status --json'
	rc_is 0
	has out '"error": "usbmuxd unreachable: usbmuxd is not running [(]127[.]0[.]0[.]1:[0-9]+: Connection refused[)]'
	;;
mux-appears-later)
	# No usbmuxd when wait starts (the only device is in recovery); it starts
	# when the device boots, busy for 50 ms between bind() and listen():
	# libusbmuxd's own reconnect slept a whole second there.
	LAB_OPTS="$LAB_OPTS --mux-listen-delay 50"
	inlab $R8 -- '
		[ ! -e /var/run/usbmuxd ] || exit 97
		bg "$IRECCTL" -v watch --json --timeout 30 >"$T/b.out" 2>"$T/b.err"
		b=$pid
		wait_line "$T/b.err" "watching"
		bg_wait --for normal -d 0x31 --timeout 30
		"$IRECSIM" ctl mode 1 normal >/dev/null
		finish; cat "$T/w.out"
		wait_count "$T/b.out" "\"event\":\"add\".*\"mode\":\"normal\"" 1
		kill -INT $b; wait $b; echo "b=$?"'
	has out '^rc=0$'
	has out "^normal $ECID"
	has out '^b=0$'
	;;
mux-private-restart)
	# usbmuxd at a private path (USBMUXD_SOCKET_ADDRESS) that exits and
	# starts again: libusbmuxd watches /var/run whatever the path and never
	# reconnected, so wait timed out.
	LAB_OPTS="--mux-lifecycle"
	inlab $N8 -- '
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		"$IRECSIM" ctl wait 1 recovery >/dev/null
		bg_wait --for normal -d 0x31 --timeout 20
		"$IRECSIM" ctl mode 1 normal >/dev/null
		finish; cat "$T/w.out"'
	has out '^rc=0$'
	has out "^normal $ECID"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
