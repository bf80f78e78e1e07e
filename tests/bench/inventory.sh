#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: the inventory of N simulated devices (half normal, half
# recovery), irecctl versus the Debian tools that give the same facts, in
# the same lab and the same run. Prints ratios; a benchmark, not a test.
#
#   tests/bench/inventory.sh [BUILD_DIR]     (default: build)
#
# Anchor tools for the same facts: `idevice_id -l`, then per normal device
# `ideviceinfo -s -u UDID` (mode, product type, versions, ECID), then per
# recovery device `irecovery -i ECID -q` (identity). irecctl: one
# `irecctl status --json`. Also: "nothing attached" (irecctl status vs
# irecovery -q) and irecctl's peak memory (GNU time's maximum RSS).
set -eu
build=${1:-build}
IRECSIM=$(cd "$build" && pwd)/sim/irecsim
IRECCTL=$(cd "$build" && pwd)/irecctl
export TMPDIR=/tmp IRECCTL IRECSIM

now_ms() { date +%s%3N; }

# specs N: N/2 normal + N/2 recovery devices with distinct ECIDs.
specs() {
	i=1
	while [ "$i" -le "$1" ]; do
		if [ $((i % 2)) = 1 ]; then
			printf -- '--device iPhone12,1:normal:ecid=0x%x ' $((0x1000 + i))
		else
			printf -- '--device iPhone10,1:recovery:ecid=0x%x ' $((0x1000 + i))
		fi
		i=$((i + 1))
	done
}

# In the lab: time both ways of taking the inventory, print "anchor_ms irecctl_ms".
measure='
anchor() {
	for u in $(idevice_id -l); do ideviceinfo -s -u "$u" >/dev/null; done
	for e in $("$IRECSIM" ctl list | awk "\$5 == \"recovery\" {print \$2}"); do
		irecovery -i "$e" -q >/dev/null
	done
}
now_ms() { date +%s%3N; }
t0=$(now_ms); anchor; t1=$(now_ms)
"$IRECCTL" status --json >/dev/null; t2=$(now_ms)
echo "$((t1 - t0)) $((t2 - t1))"
'

echo "devices  anchor_ms  irecctl_ms  ratio(irecctl/anchor)"
for n in 2 8 32; do
	# shellcheck disable=SC2046
	set -- $("$IRECSIM" run $(specs "$n") -- sh -c "$measure" 2>/dev/null | tail -n 1)
	awk -v n="$n" -v a="$1" -v b="$2" 'BEGIN { printf "%7d  %9d  %10d  %.3f\n", n, a, b, b / a }'
done

echo
echo "nothing attached:"
t0=$(now_ms); "$IRECSIM" run -- sh -c 'irecovery -q >/dev/null 2>&1 || true'; t1=$(now_ms)
t2=$(now_ms); "$IRECSIM" run -- "$IRECCTL" status --json >/dev/null; t3=$(now_ms)
# Both numbers include the lab's start-up; the difference is the tool's own time.
echo "  irecovery -q:   $((t1 - t0)) ms (lab start included)"
echo "  irecctl status: $((t3 - t2)) ms (lab start included)"

if [ -x /usr/bin/time ]; then
	# shellcheck disable=SC2046
	rss=$("$IRECSIM" run $(specs 32) -- /usr/bin/time -f %M "$IRECCTL" status --json 2>&1 >/dev/null | tail -n 1)
	echo
	echo "peak memory of irecctl status, 32 devices: ${rss} KiB (goal: < 8192 KiB)"
fi
