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
stdout-closed)
	# Output to a closed stdout fails, and says why.
	inlab $R22 -- '"$IRECCTL" status >&-; echo "status=$?" >&2'
	err_has '^status=1$'
	err_has 'cannot write to standard output: Bad file descriptor'
	;;
relative-lock-dir)
	# A configuration mistake is a usage error (2), not a failure (1).
	inlab $R22 -- 'IRECCTL_LOCK_DIR=locks "$IRECCTL" exit -d 0x22'
	rc_is 2
	err_has "IRECCTL_LOCK_DIR must be an absolute path, not 'locks'"
	inlab $R22 -- 'touch "$IRECCTL_LOCK_DIR.file"
		IRECCTL_LOCK_DIR="$IRECCTL_LOCK_DIR.file" "$IRECCTL" exit -d 0x22; echo "file=$?"
		IRECCTL_LOCK_DIR="$IRECCTL_LOCK_DIR.file/sub" "$IRECCTL" exit -d 0x22; echo "under-file=$?"
		ln -s /tmp "$IRECCTL_LOCK_DIR.link"
		IRECCTL_LOCK_DIR="$IRECCTL_LOCK_DIR.link" "$IRECCTL" exit -d 0x22; echo "link=$?"'
	out_has '^file=2$'
	out_has '^under-file=2$'
	out_has '^link=1$' # refused for safety, not a usage mistake
	err_has 'IRECCTL_LOCK_DIR .*\.file is not a directory'
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
