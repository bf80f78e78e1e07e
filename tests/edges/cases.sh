#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Edges of the command line and of what irecctl prints, against the lab:
# terminals without escapes, a closed stdout, unverified requests, wording.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"

R22=iPhone10,1:recovery:ecid=0x22
esc=$(printf '\033')
# Where a script in the lab leaves an exit status from inside a pipeline.
export RC="$tmp/rc.inner"
has_escape() { grep -q "$esc" "$tmp/out"; }

case "$1" in
no-wait-unverified)
	lab $R22 -- exit -d 0x22 --no-wait
	rc_is 0
	out_has '^0x0000000000000022  iPhone 8 \(Global\)  recovery -> normal: commands sent, not verified \(--no-wait\)$'
	! grep -q 'recovery -> recovery' "$tmp/out" || fail "claims a mode change it never saw"
	;;
term-dumb-status)
	# On a terminal (script(1) gives one) colour depends on TERM.
	inlab $R22 -- 'unset NO_COLOR; TERM=xterm script -qec "\"$IRECCTL\" status" /dev/null'
	has_escape || fail "no bold header on an xterm: the test cannot see the difference"
	inlab $R22 -- 'unset NO_COLOR; TERM=dumb script -qec "\"$IRECCTL\" status" /dev/null'
	out_has '^MODE +MODEL'
	! has_escape || fail "escape sequences for TERM=dumb"
	;;
term-dumb-guide)
	# The countdown redraws its line with \r ESC[K, only where TERM allows.
	inlab $R22 -- 'TERM=xterm script -qec "\"$IRECCTL\" enter --dfu --timeout 1" /dev/null'
	grep -q "$esc\[K" "$tmp/out" || fail "no countdown on an xterm: the test cannot see the difference"
	inlab $R22 -- 'TERM=dumb script -qec "\"$IRECCTL\" enter --dfu --timeout 1" /dev/null'
	out_has '1/4  Get ready to press and hold'
	! has_escape || fail "escape sequences for TERM=dumb"
	;;
enter-dfu-no-terminal)
	# Without a terminal irecctl does not stay to send the reboot: it must not say it will.
	lab $R22 -- enter --dfu --json
	rc_is 8
	err_has 'nothing was sent, it is still in recovery'
	out_has '"message": "DFU from recovery needs a person holding the buttons'
	! grep -q 'hold the buttons while irecctl reboots' "$tmp/err" "$tmp/out" ||
		fail "promises a reboot it will not send"
	;;
enter-dfu-unknown-model)
	# A model without known buttons: said at once, not a silent wait.
	lab new:recovery:cpid=0x9999:bdid=0x01:ecid=0x23 -- enter --dfu --wait-for-person --timeout 0.5
	rc_is 5
	err_has "does not know this model's buttons: name the model with --model"
	;;
no-device-appeared)
	lab -- wait --for recovery --timeout 0.2
	rc_is 3
	err_has '^irecctl: error: no device appeared within 0.2 s$'
	;;
usb-locations-sorted)
	set --
	i=1
	while [ $i -le 11 ]; do
		set -- "$@" "iPhone10,1:recovery:ecid=$(printf '0x%x' $((0x40 + i)))"
		i=$((i + 1))
	done
	lab "$@" -- status
	rc_is 0
	awk 'NR > 1 { printf "%s ", $(NF - 1) }' "$tmp/out" >"$tmp/locations"
	[ "$(cat "$tmp/locations")" = "1-1 1-2 1-3 1-4 1-5 1-6 1-7 1-8 1-9 1-10 1-11 " ] ||
		fail "USB locations out of order: $(cat "$tmp/locations")"
	;;
watch-reader-gone)
	# `watch | head -1` ends when head does, not at the next event (there is none).
	inlab $R22 iPhone12,1:normal:ecid=0x23 -- '
		{ timeout 20 "$IRECCTL" watch --initial; echo "watch=$?" >"$RC"; } | head -1
		cat "$RC"'
	# Ended, not timed out: 0, or 141 if SIGPIPE (not ignored) ended it first.
	out_has '^watch=(0|141)$'
	out_has ' = (recovery|normal) '
	;;
watch-write-fails)
	# SIGPIPE ignored: the failed write itself ends the stream, quietly.
	inlab $R22 iPhone12,1:normal:ecid=0x23 -- '
		trap "" PIPE
		{ timeout 20 "$IRECCTL" watch --initial --json; echo "watch=$?" >"$RC"; } | head -c 5
		echo; cat "$RC"'
	out_has '^watch=0$'
	! grep -q 'cannot write' "$tmp/err" || fail "a reader that left is not an error"
	;;
udid-cpid-must-match)
	# A new-form UDID is CPID and ECID: the same ECID on another chip is
	# another device, in every command and every mode.
	E=0x000a1b2c3d4e0002
	lab iPhone12,1:recovery:ecid=$E -- exit -d 00008031-000A1B2C3D4E0002
	rc_is 3
	err_has 'no attached device matches the given id'
	lab iPhone12,1:normal:ecid=$E -- status -d 00008031-000A1B2C3D4E0002
	rc_is 3
	lab iPhone12,1:recovery:ecid=$E -- wait --for recovery -d 00008031-000A1B2C3D4E0002 --timeout 0.3
	rc_is 3
	lab iPhone12,1:normal:ecid=$E -- enter -d 00008031-000A1B2C3D4E0002
	rc_is 3
	# The right one is still found, in both worlds.
	lab iPhone12,1:normal:ecid=$E -- status -d 00008030-000A1B2C3D4E0002
	rc_is 0
	out_has '^normal +iPhone 11 '
	lab iPhone12,1:recovery:ecid=$E -- exit -d 00008030-000a1b2c3d4e0002
	rc_is 0
	out_has 'recovery -> normal'
	;;
old-udid-remembered)
	# An A11 shows no UDID in recovery: after irecctl saw it in normal mode,
	# status, wait and watch find it by its old-form UDID as exit does.
	inlab iPhone10,1:normal:ecid=0x22:udid=old -- '
		udid=$("$IRECCTL" status --json | sed -n "s/^ *\"udid\": \"\([0-9a-f]*\)\".*/\1/p")
		echo "udid=$udid"
		"$IRECCTL" enter -d "$udid" >/dev/null || exit 10
		"$IRECCTL" status -d "$udid"; echo "status=$?"
		"$IRECCTL" wait --for recovery -d "$udid" --timeout 5; echo "wait=$?"
		"$IRECCTL" watch --initial -d "$udid" --timeout 0.5; echo "watch=$?"'
	rc_is 0
	out_has '^udid=[0-9a-f]{40}$'
	out_has '^status=0$'
	out_has '^recovery +iPhone 8 '
	out_has '^wait=0$'
	out_has '^recovery 0x0000000000000022 iPhone 8'
	out_has '^watch=0$'
	out_has '^[0-9:.]+ = recovery 0x0000000000000022 iPhone10,1'
	;;
wait-gone-never-seen)
	# "Gone" is only said of a device this wait saw; one that is not there
	# matches nothing (as the manual says of a -d device that never appears).
	lab iPhone10,1:recovery:ecid=0x22 -- wait --for gone -d 0x99 --timeout 5
	rc_is 3
	err_has 'no attached device matches the given id'
	[ ! -s "$tmp/out" ] || fail "prints a device it never saw"
	lab -- wait --for gone --timeout 5
	rc_is 3
	err_has 'no Apple device attached'
	;;
model-contradicts)
	# --model names a model irecctl cannot identify; one that contradicts
	# the device's own is refused before anything is sent.
	inlab iPhone12,1:recovery:ecid=0x13 -- '
		"$IRECCTL" exit -d 0x13 --model "iPad mini 6"; echo "exit=$?"
		"$IRECCTL" status'
	out_has '^exit=2$'
	err_has '0x0000000000000013 \(iPhone 11\): --model names another model'
	out_has '^recovery +iPhone 11 '
	inlab iPhone12,1:normal:ecid=0x13 -- '
		"$IRECCTL" enter --model "iPhone 15 Pro"; echo "enter=$?"
		"$IRECCTL" enter --dfu --model "iPhone 15 Pro"; echo "dfu=$?"
		"$IRECCTL" status'
	out_has '^enter=2$'
	out_has '^dfu=2$'
	out_has '^normal +iPhone 11 '
	# The device's own model (any way of naming it) is fine.
	lab iPhone12,1:recovery:ecid=0x13 -- exit -d 0x13 --model "iPhone 11"
	rc_is 0
	lab iPhone12,1:recovery:ecid=0x13 -- exit --model iPhone12,1
	rc_is 0
	;;
relative-lock-dir)
	inlab $R22 -- 'IRECCTL_LOCK_DIR=locks "$IRECCTL" exit -d 0x22'
	rc_is 1
	err_has "IRECCTL_LOCK_DIR must be an absolute path, not 'locks'"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
