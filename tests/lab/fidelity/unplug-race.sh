#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A device unplugged while a client is opening it: the open fails or the
# fd answers ENODEV, as usbfs does. The client's connection to the node's
# ioctl socket may still be waiting for the lab to accept it when the
# device goes; the lab must accept it before it closes the socket, or the
# kernel resets it and libumockdev-preload aborts the client.
set -eu
: "${IRECSIM:?}" "${LAB_BIN:?}"
export TMPDIR=/tmp
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export STOP="$tmp/stop"
# shellcheck disable=SC2016
"$IRECSIM" run --log "$tmp/lab.log" --device iPhone10,3:recovery:ecid=0x61:transition=0 -- sh -c '
	# umockdev'"'"'s preload checks that the socket exists, then connects: an
	# unplug in between makes it exit 1 (its own race, not the lab'"'"'s).
	# Then, or after 3 (too many failed opens), start again; an abort
	# (134) is what this test is about.
	( while [ ! -e "$STOP" ]; do
		"$LAB_BIN/open-race" /dev/bus/usb/001 "$STOP" 2>>"$STOP.err"
		rc=$?
		[ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 3 ] || { echo "client exit $rc"; exit 1; }
	  done ) &
	client=$!
	i=0
	while [ $i -lt 200 ]; do
		"$IRECSIM" ctl replug 1 >/dev/null
		"$IRECSIM" ctl wait 1 recovery 5000 >/dev/null || exit 98
		i=$((i + 1))
	done
	touch "$STOP"
	wait $client' >"$tmp/out" 2>"$tmp/err" && rc=0 || rc=$?
if [ "$rc" != 0 ] || [ "$(awk '/^opens / { n += $2 } END { print n + 0 }' "$tmp/out")" = 0 ] ||
	grep -q 'Error communicating' "$STOP.err" 2>/dev/null; then
	echo "FAIL: exit status $rc"
	cat "$tmp/out" "$tmp/err" "$STOP.err" 2>/dev/null
	exit 1
fi
echo "ok: unplug-race ($(awk '/^opens / { n += $2 } END { print n + 0 }' "$tmp/out") opens, $(grep -c 'after the unplug' "$tmp/lab.log" || true) accepted after the unplug)"
