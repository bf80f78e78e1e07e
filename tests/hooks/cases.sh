#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Event hooks: `irecctl watch --exec CMD [ARGS...]` while the lab moves
# devices. Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
# In the lab: bg starts watch in the background, wait_for_text follows it,
# stop ends it (tests/labscript.sh).
lab_helpers </dev/null

A='iPhone10,1:normal:ecid=0x31'
HEAL="$(cd "$(dirname "$0")/../.." && pwd)/contrib/irecctl-heal"
export HEAL
B='iPhone12,1:normal:ecid=0x32'
EA='0x0000000000000031'
EB='0x0000000000000032'

# The hook of exec-env: its argv, IRECCTL_* variables and stdin, one file
# pair per event (named after the device, the event and its own pid).
cat >"$tmp/record.sh" <<'HOOK'
#!/bin/sh
f="$T/hook.$IRECCTL_ECID.$IRECCTL_EVENT.$$"
{
	printf 'argv'
	for a in "$@"; do printf ' [%s]' "$a"; done
	echo
	env | grep '^IRECCTL_' | grep -v '^IRECCTL_LOCK_DIR=' | sort
} >"$f.env"
cat >"$f.json"
echo "hook stdout line"
HOOK
chmod +x "$tmp/record.sh"

case "$1" in
exec-env)
	# -d picks A; A goes normal -> recovery. The hook gets every event of A
	# (present, remove, add) with the arguments untouched by any shell.
	inlab "$A" "$B" -- '
		bg "$IRECCTL" -v watch --initial -d 0x31 --json --exec "$T/record.sh" "a b" "\$(id)" ";" -v \
			>"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_for_text "$T/w.err" "hook for 0x0000000000000031 add recovery: done"
		stop'
	has out '^rc=0$'
	n=$(find "$tmp" -name 'hook.*.env' | wc -l)
	[ "$n" = 3 ] || fail "$n hook runs, expected 3 (present, remove, add of A)"
	lacks w.out "$EB"
	lacks w.out 'hook stdout line' # hooks write to watch's stderr, never its data
	has w.err '^hook stdout line$'
	for f in "$tmp"/hook.*.env; do
		grep -qxF 'argv [a b] [$(id)] [;] [-v]' "$f" || fail "argv changed: $(head -n 1 "$f")"
		json_valid watch "${f%.env}.json"
		# Every variable is the event record's value for its key ("" for null).
		python3 - "${f%.env}.json" "$f" <<'PY' || fail "environment differs from the JSON record of $f"
import json, sys
rec = json.load(open(sys.argv[1]))
import os
env = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[2]) if "=" in l)
# What watch inherited (CI exports IRECCTL_WERROR, say) reaches the hook as is.
env = {k: v for k, v in env.items() if os.environ.get(k) != v}
keys = {"EVENT": "event", "ECID": "ecid", "UDID": "udid", "MODE": "mode",
        "PREVIOUS_MODE": "previous_mode", "MODEL": "product_type", "MODEL_NAME": "name",
        "LOCATION": "usb_location"}
want = {"IRECCTL_" + k: rec[v] or "" for k, v in keys.items()}
sys.exit(0 if env == want else f"{env} != {want}")
PY
	done
	# The hook saw the same record watch printed.
	grep -h . "$tmp"/hook.*.json | sort >"$tmp/hooks.sorted"
	sort "$tmp/w.out" >"$tmp/w.sorted"
	cmp -s "$tmp/hooks.sorted" "$tmp/w.sorted" || fail "hook stdin differs from watch --json"
	grep -q '^IRECCTL_PREVIOUS_MODE=normal$' "$tmp"/hook.$EA.add.*.env || fail "add: no previous mode"
	grep -q '^IRECCTL_LOCATION=1-' "$tmp"/hook.$EA.add.*.env || fail "add: no USB location"
	;;
exec-order)
	# One device's hooks run in order, different devices' in parallel: A's
	# remove hook only ends after watch has shown A's add (so A's add hook
	# must wait for it) and after B's hook has run (so B's hook must not
	# wait for A's). If either rule were broken the hook would wait in vain
	# and fail.
	cat >"$tmp/order.sh" <<'HOOK'
#!/bin/sh
echo "$IRECCTL_ECID $IRECCTL_EVENT start" >>"$T/order.log"
if [ "$IRECCTL_ECID $IRECCTL_EVENT" = "0x0000000000000031 remove" ]; then
	"$WAIT_TEXT" "$T/w.out" '"event":"add","time":"[^"]*","monotonic_ms":[0-9]*,"ecid":"0x0000000000000031"' || exit 1
	"$WAIT_TEXT" "$T/order.log" "0x0000000000000032 remove start" || exit 1
fi
echo "$IRECCTL_ECID $IRECCTL_EVENT end" >>"$T/order.log"
HOOK
	chmod +x "$tmp/order.sh"
	inlab "$A" "$B" -- '
		bg "$IRECCTL" -v watch --json --exec "$T/order.sh" >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		"$IRECSIM" ctl wait 1 recovery >/dev/null
		wait_for_text "$T/w.out" "\"event\":\"add\".*0x0000000000000031"
		"$IRECSIM" ctl unplug 2 >/dev/null
		wait_for_text "$T/w.err" "hook for 0x0000000000000031 add recovery: done"
		stop'
	has out '^rc=0$'
	lacks w.err 'hook for .*(exited|killed|terminated)'
	grep "^$EA" "$tmp/order.log" >"$tmp/a.log" || true
	printf '%s\n' "$EA remove start" "$EA remove end" "$EA add start" "$EA add end" >"$tmp/want"
	cmp -s "$tmp/a.log" "$tmp/want" || { cat "$tmp/order.log" >&2; fail "A's hooks overlapped or ran out of order"; }
	;;
exec-timeout)
	# A hook that hangs is ended (its process group) after --exec-timeout;
	# watch goes on and runs the next event's hook.
	inlab "$A" -- '
		bg "$IRECCTL" -v watch --initial --exec-timeout 0.5 --exec sh -c "echo \$\$ >\"\$T/pid.\$IRECCTL_EVENT\"; exec sleep 300" \
			>"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "still running after 0.5 s: terminated"
		kill -0 "$(cat "$T/pid.present")" 2>/dev/null && echo "hook still alive"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_for_text "$T/w.err" "hook for 0x0000000000000031 add recovery: still running"
		stop'
	has out '^rc=0$'
	lacks out 'hook still alive'
	has w.out '^[0-9:.]+ \+ recovery +0x0000000000000031'
	has w.err '3 hooks failed'
	;;
exec-fail)
	# A failing hook is reported with its status; the next events still run theirs.
	inlab "$A" -- '
		bg "$IRECCTL" -v watch --exec sh -c "exit 3" >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_for_text "$T/w.err" "add recovery: exited with status 3"
		stop'
	has out '^rc=0$'
	has w.err 'hook for 0x0000000000000031 remove normal: exited with status 3'
	has w.err '2 hooks failed'
	;;
exec-missing)
	inlab "$A" -- '
		bg "$IRECCTL" watch --initial --exec /nonexistent/hook >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "cannot run"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_for_text "$T/w.out" " + recovery "
		stop'
	has out '^rc=0$'
	has w.err "hook for 0x0000000000000031 present normal: cannot run '/nonexistent/hook': No such file or directory"
	lacks w.err 'exited with status' # one report per failure
	;;
exec-interrupt)
	# Ctrl-C ends watch at once, and the hook it started with it.
	inlab "$A" -- '
		bg "$IRECCTL" -v watch --initial --exec sh -c "echo \$\$ >\"\$T/pid\"; exec sleep 300" >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/pid" "[0-9]"
		stop
		kill -0 "$(cat "$T/pid")" 2>/dev/null && echo "hook still alive"; true'
	has out '^rc=0$'
	lacks out 'hook still alive'
	has w.err 'killed by signal 15'
	;;
for-filter)
	# --for recovery: the departure from normal is not shown, the arrival in
	# recovery is, and it still names the mode the device came from.
	inlab "$A" -- '
		bg "$IRECCTL" -v watch --json --initial --for recovery >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "watching"
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		wait_for_text "$T/w.out" "\"event\":\"add\""
		stop'
	has out '^rc=0$'
	[ "$(wc -l <"$tmp/w.out")" = 1 ] || fail "expected exactly one event"
	has w.out '"event":"add".*"mode":"recovery".*"previous_mode":"normal"'
	json_valid watch "$tmp/w.out"
	;;
heal)
	# contrib/irecctl-heal as the hook: a device found in recovery is
	# brought back to normal mode.
	inlab iPhone10,1:recovery:ecid=0x31 -- '
		IRECCTL_HEAL_GRACE=0.3 IRECCTL_HEAL_STATE=$T/state bg "$IRECCTL" watch --initial --for recovery --exec "$HEAL" \
			>"$T/w.out" 2>"$T/w.err"
		"$IRECSIM" ctl wait 1 normal 20000 >/dev/null
		wait_for_text "$T/w.err" "back in normal mode"
		stop'
	has out '^rc=0$'
	has w.err 'irecctl-heal: 0x0000000000000031 \(iPhone10,1\) is back in normal mode'
	[ "$(wc -l <"$tmp/state/0x0000000000000031")" = 1 ] || fail "not one attempt recorded"
	;;
heal-limit)
	# A broken OS keeps falling back into recovery: IRECCTL_HEAL_MAX attempts, then no more.
	inlab iPhone10,1:recovery:ecid=0x31:loop=1 -- '
		IRECCTL_HEAL_MAX=2 IRECCTL_HEAL_GRACE=0.3 IRECCTL_HEAL_STATE=$T/state bg "$IRECCTL" watch --initial --for recovery \
			--exec "$HEAL" >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "leaving it for a person"
		stop'
	has out '^rc=0$'
	n=$(grep -c 'irecctl exit failed with status 11' "$tmp/w.err" || true)
	[ "$n" = 2 ] || fail "$n attempts, expected 2"
	;;
heal-busy)
	# Another job holds the device (or just did): the hook leaves it alone.
	mkdir -m 1777 "$IRECCTL_LOCK_DIR"
	inlab iPhone10,1:recovery:ecid=0x31 -- '
		flock "$IRECCTL_LOCK_DIR/0000000000000031.lock" sh -c "echo held >\"\$1\"; exec \"\$WAIT_TEXT\" \"\$2\" \"left alone\"" \
			"$IRECCTL_LOCK_DIR/0000000000000031.lock" "$T/held" "$T/w.err" &
		holder=$!
		wait_for_text "$T/held" held
		IRECCTL_HEAL_GRACE=0.3 IRECCTL_HEAL_STATE=$T/state bg "$IRECCTL" watch --initial --for recovery --exec "$HEAL" \
			>"$T/w.out" 2>"$T/w.err"
		wait $holder; echo "holder=$?"
		stop
		"$IRECSIM" ctl show 1 | grep "^mode="'
	has out '^holder=0$'
	has out '^rc=0$'
	has out '^mode=recovery$'
	has w.err 'irecctl-heal: 0x0000000000000031 is held by another job: left alone'
	lacks w.err 'back in normal mode'
	[ ! -s "$tmp/state/0x0000000000000031" ] || fail "an attempt was recorded"
	;;
heal-grace)
	# A device that leaves recovery by itself (or that a job takes on) within
	# the grace time is left alone.
	inlab iPhone10,1:recovery:ecid=0x31 -- '
		IRECCTL_HEAL_GRACE=30 IRECCTL_HEAL_STATE=$T/state bg "$IRECCTL" -v watch --initial --for recovery \
			--exec "$HEAL" >"$T/w.out" 2>"$T/w.err"
		wait_for_text "$T/w.err" "waiting for device 0x0000000000000031"
		"$IRECSIM" ctl mode 1 dfu >/dev/null
		wait_for_text "$T/w.err" "hook for 0x0000000000000031 present recovery: done"
		"$IRECSIM" ctl wait 1 dfu >/dev/null && echo "in dfu"
		stop'
	has out '^rc=0$'
	has out '^in dfu$'
	has w.err 'irecctl-heal: 0x0000000000000031 left recovery by itself'
	[ ! -s "$tmp/state/0x0000000000000031" ] || fail "an attempt was recorded"
	;;
usage)
	for args in "watch --exec" "watch extra" "watch --exec-timeout 0 --exec true" \
		"watch --exec-timeout soon --exec true" "watch --for sideways"; do
		# shellcheck disable=SC2086
		"$IRECCTL" $args >"$tmp/out" 2>"$tmp/err" && fail "$args: exit 0"
		rc=$?
		[ "$rc" = 2 ] || fail "$args: exit status $rc, expected 2"
		[ ! -s "$tmp/out" ] || fail "$args: stdout not empty"
	done
	"$IRECCTL" watch --exec >/dev/null 2>"$tmp/err" || true
	err_has '--exec needs a command'
	# Options after CMD are CMD's, not irecctl's (in a lab: watch starts).
	inlab "$A" -- '"$IRECCTL" watch --timeout 0.1 --exec true --bogus -d x'
	rc_is 0
	lacks err 'unknown option'
	lacks err 'invalid device id'
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
