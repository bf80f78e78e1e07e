#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: `status` of 1, 8 and 32 simulated devices (half normal, half
# recovery; the one device is normal) with per-request latency as real
# devices have it: 5 ms before every lockdownd reply, 1 ms on every USB
# control transfer. irecctl beside the Debian tools that give the same facts
# (idevice_id -l, ideviceinfo -s per normal device, irecovery -q per
# recovery device), in the same lab and the same run. A benchmark, not a
# test: it prints the numbers and the goals.
#   goal 1: irecctl at 32 devices within 1.5x its time at 1 (all asked at once)
#   goal 2: irecctl at most 1/20 of the Debian tools' time at 32
#
#   tests/bench/latency.sh [BUILD_DIR] [RUNS]     (default: build, 3; best of RUNS)
set -eu
build=${1:-build}
runs=${2:-3}
IRECSIM=$(cd "$build" && pwd)/sim/irecsim
IRECCTL=$(cd "$build" && pwd)/irecctl
export TMPDIR=/tmp IRECCTL IRECSIM
LAT="ld-latency=5:usb-latency=1"

specs() {
	i=1
	while [ "$i" -le "$1" ]; do
		if [ $((i % 2)) = 1 ]; then
			printf -- '--device iPhone12,1:normal:ecid=0x%x:%s ' $((0x1000 + i)) "$LAT"
		else
			printf -- '--device iPhone10,1:recovery:ecid=0x%x:%s ' $((0x1000 + i)) "$LAT"
		fi
		i=$((i + 1))
	done
}

measure='
anchor() {
	for u in $(idevice_id -l); do ideviceinfo -s -u "$u" >/dev/null; done
	for e in $("$IRECSIM" ctl list | awk "\$5 == \"recovery\" {print \$2}"); do
		irecovery -i "$e" -q >/dev/null 2>&1 || true
	done
}
now_ms() { date +%s%3N; }
best_a=999999; best_i=999999
for r in $(seq '"$runs"'); do
	t0=$(now_ms); anchor; t1=$(now_ms)
	"$IRECCTL" status --json >/dev/null; t2=$(now_ms)
	[ $((t1 - t0)) -lt $best_a ] && best_a=$((t1 - t0))
	[ $((t2 - t1)) -lt $best_i ] && best_i=$((t2 - t1))
done
echo "$best_a $best_i"
'

echo "latency: 5 ms per lockdownd reply, 1 ms per USB control transfer; best of $runs"
echo "devices  debian_ms  irecctl_ms  irecctl/debian"
one=""
for n in 1 8 32; do
	# shellcheck disable=SC2046
	set -- $("$IRECSIM" run --default-socket $(specs "$n") -- sh -c "$measure" 2>/dev/null | tail -n 1)
	awk -v n="$n" -v a="$1" -v b="$2" 'BEGIN { printf "%7d  %9d  %10d  %.3f\n", n, a, b, b / a }'
	[ -n "$one" ] || one=$2
	last_a=$1
	last_i=$2
done
awk -v one="$one" -v i="$last_i" -v a="$last_a" 'BEGIN {
	printf "goal 1: 32 devices / 1 device = %.2f (goal <= 1.5)\n", i / one
	printf "goal 2: irecctl / Debian tools at 32 = %.3f (goal <= 0.05)\n", i / a }'
