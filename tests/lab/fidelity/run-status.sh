#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecsim run` itself: COMMAND's exit status, the environment it gets, the
# refusal to run when USBMUXD_SOCKET_ADDRESS would not reach the lab, no
# leftover directories, scenario files and the control socket's errors.
. "$(dirname "$0")/../labtest.sh"

lt=$(mktemp -d /tmp/labtest.XXXXXX)
trap 'rm -rf "$lt"' EXIT
status() {
	set +e
	"$@" >"$lt/out" 2>"$lt/err"
	echo $?
	set -e
}

[ "$(status "$IRECSIM" run --device iPhone10,3 -- sh -c 'exit 7')" = 7 ] || fail "exit 7"
[ "$(status "$IRECSIM" run --device iPhone10,3 -- true)" = 0 ] || fail "exit 0"
[ "$(status "$IRECSIM" run -- sh -c 'kill -TERM $$')" = 143 ] || fail "killed child"
[ "$(status "$IRECSIM" run -- /nonexistent/command)" = 127 ] || fail "missing command"

# a malformed address makes libusbmuxd use /var/run/usbmuxd: refuse
[ "$(status "$IRECSIM" run --unsafe-mux-address "unix:$lt/x" -- touch "$lt/ran")" = 2 ] ||
	fail "lab ran with a wrong USBMUXD_SOCKET_ADDRESS"
[ ! -e "$lt/ran" ] || fail "COMMAND ran although the lab refused"
grep -q "does not reach the lab's usbmuxd; refusing to run" "$lt/err" || fail "no refusal message"

# environment, and the private dir is gone afterwards
"$IRECSIM" run -- sh -c 'echo "$USBMUXD_SOCKET_ADDRESS $IRECSIM_CONTROL $UMOCKDEV_DIR $LD_PRELOAD"' >"$lt/env"
read -r addr ctl tb preload <"$lt/env"
case $addr in UNIX:/tmp/irecsim.*/mux) ;; *) fail "USBMUXD_SOCKET_ADDRESS=$addr" ;; esac
case $preload in *libumockdev-preload*) ;; *) fail "LD_PRELOAD=$preload" ;; esac
[ -n "$tb" ] && [ ! -e "$tb" ] && [ ! -e "$(dirname "$ctl")" ] || fail "lab dir left behind"

# a stale lab dir (owner gone) is removed by the next lab
mkdir /tmp/irecsim.stale$$
echo 999999999 >/tmp/irecsim.stale$$/irecsim.pid
"$IRECSIM" run -- true
[ ! -e /tmp/irecsim.stale$$ ] || fail "stale dir not cleaned"

# SIGTERM to the lab goes to COMMAND; the lab exits with its status
"$IRECSIM" run -- sh -c "touch '$lt/started'; exec sleep 30" &
lab_pid=$!
i=0
while [ ! -e "$lt/started" ]; do
	i=$((i + 1))
	[ "$i" -lt 500 ] || fail "lab did not start COMMAND"
	sleep 0.02
done
kill -TERM "$lab_pid"
set +e
wait "$lab_pid"
rc=$?
set -e
[ "$rc" = 143 ] || fail "SIGTERM: exit status $rc, expected 143"

# the demo lab: five models in normal, recovery and DFU
"$IRECSIM" run --demo -- sh -c '"$IRECSIM" ctl list | awk "{print \$4, \$5, \$6}"' >"$lt/demo"
[ "$(cat "$lt/demo")" = "iPhone16,1 normal paired
iPhone10,1 recovery paired
iPad8,1 dfu paired
iPhone12,1 normal unpaired
iPhone9,1 normal paired" ] || { cat "$lt/demo" >&2; fail "demo lab"; }

printf '%s\n' "# a scenario" "device iPhone10,3:normal:transition=100" \
	"50 mode 1 recovery" "0 plug iPhone12,1:dfu:ecid=0x77" "20 log-mark hello" >"$lt/sc"
lab_run --scenario "$lt/sc" <<'EOF'
lab wait 1 recovery 5000 >/dev/null
run l lab list
expect_line l "2 0x0000000000000077 00008030-0000000000000077 iPhone12,1 dfu paired"
expect_log "^ *[0-9]+ - mark hello$"
expect_log "scenario line 3 at 50 ms: mode 1 recovery"
run bad lab mode 1 sideways
expect_status bad 1
expect_output bad "irecsim ctl: error: unknown mode" err
run nodev lab unplug 9
expect_output nodev "irecsim ctl: error: no device '9'" err
run t lab wait 1 normal 50
expect_output t "irecsim ctl: error: timeout: device 1 is recovery, not normal" err
run spec lab plug iPhone99,99:normal
expect_output spec "irecsim ctl: error: unknown model 'iPhone99,99' (add cpid= and bdid= for a new one)" err
run new lab plug new:recovery:cpid=0x8150:bdid=0x44:ecid=0x99
expect_output new "3 0x0000000000000099 00008150-0000000000000099 new recovery paired"
EOF

# --realistic: a device plugged later (ctl plug, a scenario's plug) gets the
# same timings as one named on the command line: drawn from the ECID, so the
# same spec gets the same values either way, and none is left at 0.
timings() { grep -E '^(leave|enter-time|boot-time|boot-refuse|ld-latency|usb-latency|saveenv-time)='; }
"$IRECSIM" run --realistic --device iPhone12,1:normal:ecid=0x78 -- \
	sh -c '"$IRECSIM" ctl show 1' | timings >"$lt/cli"
"$IRECSIM" run --realistic -- sh -c '"$IRECSIM" ctl plug iPhone12,1:normal:ecid=0x78 >/dev/null &&
	"$IRECSIM" ctl show 0x78' | timings >"$lt/plugged"
printf '%s\n' "0 plug iPhone12,1:normal:ecid=0x78" >"$lt/sc-plug"
"$IRECSIM" run --realistic --scenario "$lt/sc-plug" -- \
	sh -c '"$IRECSIM" ctl wait 1 normal 5000 >/dev/null && "$IRECSIM" ctl show 1' | timings >"$lt/scenario"
[ "$(wc -l <"$lt/cli")" = 7 ] || { cat "$lt/cli" >&2; fail "realistic: not every timing shown"; }
! grep -q '=0$' "$lt/cli" || { cat "$lt/cli" >&2; fail "realistic: a timing left at 0"; }
cmp -s "$lt/cli" "$lt/plugged" || { diff "$lt/cli" "$lt/plugged" >&2; fail "realistic: ctl plug differs"; }
cmp -s "$lt/cli" "$lt/scenario" || { diff "$lt/cli" "$lt/scenario" >&2; fail "realistic: scenario plug differs"; }
