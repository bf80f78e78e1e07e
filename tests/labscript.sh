# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Helpers for the scripts a suite runs inside a lab (casekit's inlab, once
# the suite called lab_helpers): sourced by sh -c before the script, which
# cannot share functions with the suite that starts it.
#
#   bg COMMAND...             in the background ($pid), able to get SIGINT
#   finish                    wait for it; print its exit status as rc=N
#   stop                      Ctrl-C it (SIGINT), then finish
#   wait_for_text FILE TEXT   until FILE shows TEXT (grep's basic regex)
#   wait_line FILE RE         until FILE shows a line matching RE (grep -E)
#   wait_count FILE RE N      until N lines of FILE match RE
# Each wait gives up after 10 s: exit 99.

# A script that fails half-way must not leave its background irecctl running.
trap '[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true' EXIT

# A plain sh starts background jobs with SIGINT ignored, and irecctl keeps it so.
bg() {
	env --default-signal=INT "$@" &
	pid=$!
}

finish() {
	set +e
	wait "$pid"
	echo "rc=$?"
	pid=""
}

stop() {
	kill -INT "$pid"
	finish
}

wait_for_text() { "$WAIT_TEXT" "$@" || exit 99; }

wait_line() {
	n=0
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 500 ] || { echo "no line /$2/ in $1" >&2; cat "$1" >&2; exit 99; }
		sleep 0.02
	done
}

wait_count() {
	n=0
	while [ "$(grep -Ec -- "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		n=$((n + 1))
		[ $n -lt 500 ] || { echo "fewer than $3 lines /$2/ in $1" >&2; cat "$1" >&2; exit 99; }
		sleep 0.02
	done
}
