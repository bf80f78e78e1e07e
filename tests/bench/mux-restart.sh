#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: how soon `irecctl exit` notices its device back in normal mode
# when usbmuxd starts with it (the lab's --mux-lifecycle at the default
# path, as on a Debian host): milliseconds from the lab's "attached in
# normal" to irecctl's first lockdownd Connect, per run. With a daemon busy
# between bind() and listen() (--mux-listen-delay), libusbmuxd's own
# reconnect sleeps a whole second; goal: under 50 ms either way.
#
#   tests/bench/mux-restart.sh [BUILD_DIR] [RUNS]    (default: build, 5)
set -eu
build=${1:-build}
runs=${2:-5}
IRECSIM=$(cd "$build" && pwd)/sim/irecsim
IRECCTL=$(cd "$build" && pwd)/irecctl
export TMPDIR=/tmp
log=$(mktemp)
locks=$(mktemp -d)
trap 'rm -rf "$log" "$locks"' EXIT
export IRECCTL_LOCK_DIR="$locks"

for delay in 0 20; do
	printf 'listen delay %2s ms:' "$delay"
	i=0
	while [ "$i" -lt "$runs" ]; do
		: >"$log"
		"$IRECSIM" run --default-socket --mux-lifecycle --mux-listen-delay "$delay" \
			--log "$log" --device iPhone10,1:recovery:ecid=0x22 -- \
			"$IRECCTL" exit -d 0x22 >/dev/null 2>&1 || true
		awk '/core attached in normal/ {a = $1}
		     a && /Connect port=62078 prog=irecctl/ {printf " %d", $1 - a; exit}' "$log"
		i=$((i + 1))
	done
	echo " ms"
done
