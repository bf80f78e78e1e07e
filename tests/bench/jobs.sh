#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: a CI lab's use of irecctl, one job per device, all at once.
# A benchmark, not a test: it prints numbers and ratios, and fails only
# when it cannot measure (or a job failed, which is the defect it guards).
#
#   tests/bench/jobs.sh [BUILD_DIR]      (default: build)
#
# 1. exit: N recovery devices (transition 300 ms), N parallel
#    `irecctl exit -d ECID` (each verified: back in normal mode), N = 1,
#    16, 32; with and without 2 `status --json` loops running beside them.
#    Every job and every status must succeed; the time of N jobs against
#    one job is the ratio that matters (goal: 16 jobs within 1.5x of 1).
#    Anchor: N parallel `irecovery -i ECID -n` (sends, does not verify;
#    Debian 12's libirecovery 1.0.0 crashes in irecv_open_with_ecid() with
#    several devices attached, so its failures are counted, not retried).
# 2. enter: N normal devices (iOS 14, no session needed), N parallel
#    `irecctl enter -d UDID` against N parallel `ideviceenterrecovery
#    UDID` (sends, does not verify); lockdownd connections (the lab log's
#    `mux Connect`) per job for both.
# 3. --lock-timeout with --all: two DFU devices held by other irecctl
#    processes for the whole run; `exit --all --lock-timeout 3` waits for
#    both at once: about 3 s (one wait), not 6 (one after the other). The
#    tests check that the waits overlap (jobs.lock-timeout-all); this says
#    what that costs in time.
#
# Environment: BENCH_REPS (default 3; the median is printed).
set -eu
build=${1:-build}
IRECSIM=$(cd "$build" && pwd)/sim/irecsim
IRECCTL=$(cd "$build" && pwd)/irecctl
export TMPDIR=/tmp IRECCTL IRECSIM
reps=${BENCH_REPS:-3}
for tool in irecovery ideviceenterrecovery; do
	command -v "$tool" >/dev/null || { echo "jobs.sh: $tool is missing" >&2; exit 1; }
done
[ -x "$IRECSIM" ] && [ -x "$IRECCTL" ] || { echo "jobs.sh: build first (scripts/build)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export IRECCTL_LOCK_DIR="$work/locks" WORK="$work"

specs() { # N MODE KEYS MODEL
	i=1
	while [ "$i" -le "$1" ]; do
		printf -- '--device %s:%s:ecid=0x%x:%s ' "$4" "$2" $((0x100 + i)) "$3"
		i=$((i + 1))
	done
}

# Inside a lab: N parallel "CMD... ID" (ID from idfmt), optionally beside
# status loops; prints "ms failures status_failures connections".
run_jobs='
n=$1 loops=$2 idfmt=$3; shift 3
: >"$WORK/stop"; rm -f "$WORK/stop" "$WORK"/loop.*
l=0
while [ $l -lt $loops ]; do
	( while [ ! -e "$WORK/stop" ]; do
		"$IRECCTL" status --json >/dev/null 2>&1 || echo fail
	  done ) >"$WORK/loop.$l" &
	l=$((l + 1))
done
t0=$(date +%s%3N); pids=""; i=1
while [ $i -le $n ]; do
	"$@" $(printf -- "$idfmt" $((0x100 + i))) >/dev/null 2>&1 &
	pids="$pids $!"; i=$((i + 1))
done
failed=0
for p in $pids; do wait $p || failed=$((failed + 1)); done
t1=$(date +%s%3N)
: >"$WORK/stop"; wait
sf=$(cat "$WORK"/loop.* 2>/dev/null | grep -c fail || true)
echo "$((t1 - t0)) $failed $sf"
'

median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# measure N LOOPS MODE KEYS MODEL IDFMT CMD...: "median_ms failures status_failures conns/job"
measure() {
	n=$1 loops=$2 mode=$3 keys=$4 model=$5 idfmt=$6
	shift 6
	times="" fails=0 sfails=0 conns=0 r=0
	while [ $r -lt "$reps" ]; do
		rm -rf "$IRECCTL_LOCK_DIR"
		# shellcheck disable=SC2046
		set -- $("$IRECSIM" run --log "$work/lab.log" $(specs "$n" "$mode" "$keys" "$model") -- \
			sh -c "$run_jobs" sh "$n" "$loops" "$idfmt" "$@" 2>/dev/null | tail -n 1) "$@"
		times="$times $1" fails=$((fails + $2)) sfails=$((sfails + $3))
		c=$(grep -c ' mux Connect' "$work/lab.log" || true)
		conns=$((conns + c))
		rm -f "$work/lab.log"
		shift 3
		r=$((r + 1))
	done
	echo "$(echo $times | median) $fails $sfails $(awk -v c=$conns -v n=$n -v r=$reps 'BEGIN { printf "%.1f", c / n / r }')"
}

echo "1. exit: N parallel single-device jobs (median of $reps runs, ms; failures over all runs)"
echo "   N  loops  irecctl_ms  failed  status_failed  ratio_to_1   anchor_ms(irecovery -n)  anchor_failed"
base=""
for n in 1 16 32; do
	for loops in 0 2; do
		# shellcheck disable=SC2046
		set -- $(measure "$n" "$loops" recovery "transition=300" iPhone10,1 "-d 0x%x" "$IRECCTL" exit --timeout 120)
		[ -n "$base" ] || base=$1
		if [ "$loops" = 0 ]; then
			# shellcheck disable=SC2046
			set -- "$@" $(measure "$n" 0 recovery "transition=300" iPhone10,1 "-i 0x%x -n" irecovery)
		else
			set -- "$@" - - - -
		fi
		awk -v n="$n" -v l="$loops" -v t="$1" -v f="$2" -v s="$3" -v b="$base" -v at="$5" -v af="$6" \
			'BEGIN { printf "%4d  %5d  %10d  %6d  %13d  %10.2f   %23s  %13s\n", n, l, t, f, s, t / b, at, af }'
		[ "$2" = 0 ] && [ "$3" = 0 ] || echo "   ^ FAILURES: jobs $2, status $3" >&2
	done
done

echo
echo "2. enter: N parallel single-device jobs against ideviceenterrecovery (median ms; lockdownd connections per job)"
echo "   N  irecctl_ms  failed  conns/job   ideviceenterrecovery_ms  failed  conns/job"
for n in 1 16; do
	# shellcheck disable=SC2046
	set -- $(measure "$n" 0 normal "ios=14.0" iPhone12,1 "-d 00008030-%016X" "$IRECCTL" enter --timeout 120)
	# shellcheck disable=SC2046
	set -- "$@" $(measure "$n" 0 normal "ios=14.0" iPhone12,1 "00008030-%016X" ideviceenterrecovery)
	awk -v n="$n" -v t="$1" -v f="$2" -v c="$4" -v at="$5" -v af="$6" -v ac="$8" \
		'BEGIN { printf "%4d  %10d  %6d  %9s   %23d  %6d  %9s\n", n, t, f, c, at, af, ac }'
done

echo
echo "3. exit --all --lock-timeout 3, both devices held throughout (median ms; 3000 = one wait, 6000 = two in a row)"
lock_wait='
holders=""
for e in 0x101 0x102; do
	"$IRECCTL" enter -d $e --wait-for-person --timeout 60 >/dev/null 2>"$WORK/h$e" &
	holders="$holders $!"
	i=0
	until grep -q "waiting for the device" "$WORK/h$e" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 400 ] || exit 97; sleep 0.05
	done
done
t0=$(date +%s%3N)
"$IRECCTL" exit --all --lock-timeout 3 >/dev/null 2>&1
rc=$?
echo "$(($(date +%s%3N) - t0)) $rc"
kill $holders; wait
'
times="" r=0
while [ $r -lt "$reps" ]; do
	rm -rf "$IRECCTL_LOCK_DIR"
	# shellcheck disable=SC2046
	set -- $("$IRECSIM" run --device iPhone10,1:dfu:ecid=0x101 --device iPhone10,1:dfu:ecid=0x102 -- \
		sh -c "$lock_wait" 2>/dev/null | tail -n 1)
	[ "${2:-}" = 6 ] || { echo "   ^ exit --all ended with ${2:-nothing}, expected 6 (busy)" >&2; exit 1; }
	times="$times $1"
	r=$((r + 1))
done
echo "   lock_wait_ms $(echo $times | median)"
