#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Untrusted input against the built binary in the simulated lab: lock files
# any local user can write, and files planted in the lock directory.
# Usage: cases.sh CASE. Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"

R22=iPhone10,1:recovery:ecid=0x22
LOCK='"$IRECCTL_LOCK_DIR"/0000000000000022.lock'
esc=$(printf '\033')
no_escape() {
	! grep -q "$esc" "$tmp/out" "$tmp/err" || fail "an escape character reached the output"
	! grep -q "$(printf '\007')" "$tmp/out" "$tmp/err" || fail "a BEL reached the output"
}

case "$1" in
lock-job-sanitised)
	# Another user's job holds the device and wrote terminal escapes into job=.
	inlab $R22 -- '
		mkdir -m 1777 "$IRECCTL_LOCK_DIR"
		printf "pid=1\njob=\033[2J\033]0;owned\007ci-7\n" >'"$LOCK"'
		exec 9<'"$LOCK"'
		flock 9
		"$IRECCTL" exit -d 0x22'
	rc_is 6
	err_has 'in use by another irecctl \(pid [0-9]+, job \?\[2J\?\]0;owned\?ci-7\)'
	no_escape
	;;
lock-job-json)
	inlab $R22 -- '
		mkdir -m 1777 "$IRECCTL_LOCK_DIR"
		printf "pid=1\njob=\033[2Jx\n" >'"$LOCK"'
		exec 9<'"$LOCK"'
		flock 9
		"$IRECCTL" exit -d 0x22 --json'
	rc_is 6
	out_has '"message": "device 0x0000000000000022 is in use by another irecctl \(pid [0-9]+, job \?\[2Jx\)"'
	no_escape
	;;
planted-fifo)
	# A FIFO where the lock file goes: refused, with how to clear it; doctor finds it.
	inlab $R22 -- '
		mkdir -m 1777 "$IRECCTL_LOCK_DIR"
		mkfifo '"$LOCK"'
		"$IRECCTL" exit -d 0x22; echo "exit=$?"
		"$IRECCTL" doctor; echo "doctor=$?"'
	out_has '^exit=6$' # busy: the planted file blocks the device
	err_has 'refusing lock file .*/0000000000000022\.lock \(not a regular file\): the device stays blocked until it is removed: sudo rm .*/0000000000000022\.lock'
	out_has '^fail lock-dir .*1 lock file irecctl refuses, blocking its device: 0000000000000022\.lock \(not a regular file\)'
	out_has '^ +fix: sudo rm .*/locks/0000000000000022\.lock$'
	out_has '^doctor=1$'
	;;
planted-symlink)
	inlab $R22 -- '
		mkdir -m 1777 "$IRECCTL_LOCK_DIR"
		ln -s /etc/passwd '"$LOCK"'
		"$IRECCTL" exit -d 0x22; echo "exit=$?"
		"$IRECCTL" doctor --json; echo "doctor=$?"'
	out_has '^exit=6$' # busy: the planted file blocks the device
	err_has 'symbolic link\): the device stays blocked until it is removed: sudo rm '
	out_has '"finding": ".*0000000000000022\.lock \(a symbolic link\)'
	out_has '^doctor=1$'
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
