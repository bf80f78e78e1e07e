# SPDX-License-Identifier: LGPL-2.1-or-later
# labtest.sh: helpers for tests that run real tools inside an irecsim lab.
# Source it from a POSIX sh script:
#
#   . "$(dirname "$0")/../labtest.sh"
#   lab_run --device iPhone10,3:recovery <<'EOF'
#   run q irecovery -q
#   expect_status q 0
#   expect_line q "MODE: Recovery"
#   EOF
#
# lab_run starts `irecsim run ARGS -- sh SCRIPT`, where SCRIPT is the here
# document with this file sourced first, so the same helpers work inside.
# Inside, $LT_DIR is a scratch dir and $LT_DIR/lab.log the lab's log.
#
# Environment: IRECSIM (the irecsim binary), LAB_BIN (dir of the helper
# programs hotplug-watch and irecv-client), both set by CTest.

set -u

: "${IRECSIM:?IRECSIM must point to the irecsim binary}"
LAB_BIN=${LAB_BIN:-$(dirname "$IRECSIM")}
LABTEST=${LABTEST:-$(cd "$(dirname "$0")/.." && pwd)/labtest.sh}
export IRECSIM LAB_BIN LABTEST

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# The control socket of the running lab (inside lab_run only).
lab() {
	"$IRECSIM" ctl "$@"
}

# run NAME COMMAND [ARGS]: run it, keep stdout, stderr and status in
# $LT_DIR/NAME.out, NAME.err, NAME.rc. Never fails by itself.
run() {
	_name=$1
	shift
	set +e
	"$@" >"$LT_DIR/$_name.out" 2>"$LT_DIR/$_name.err"
	echo $? >"$LT_DIR/$_name.rc"
	set -e
}

show() {
	for _f in out err; do
		printf -- '--- %s.%s\n' "$1" "$_f" >&2
		cat "$LT_DIR/$1.$_f" >&2 || true
	done
}

expect_status() {
	_rc=$(cat "$LT_DIR/$1.rc")
	[ "$_rc" = "$2" ] || { show "$1"; fail "$1: exit status $_rc, expected $2"; }
}

expect_status_not() {
	_rc=$(cat "$LT_DIR/$1.rc")
	[ "$_rc" != "$2" ] || { show "$1"; fail "$1: exit status $_rc, expected anything else"; }
}

# expect_line NAME LINE [out|err]: that exact line was printed.
expect_line() {
	grep -qxF -- "$2" "$LT_DIR/$1.${3:-out}" || { show "$1"; fail "$1: no line [$2]"; }
}

expect_no_line() {
	! grep -qxF -- "$2" "$LT_DIR/$1.${3:-out}" || { show "$1"; fail "$1: unexpected line [$2]"; }
}

# expect_output NAME TEXT [out|err]: the whole output is exactly TEXT.
expect_output() {
	_got=$(cat "$LT_DIR/$1.${3:-out}")
	[ "$_got" = "$2" ] || { show "$1"; fail "$1: output [$_got], expected [$2]"; }
}

# expect_output_either NAME TEXT: the whole output of one of the two streams
# is exactly TEXT (tools moved some messages from stdout to stderr between
# Debian releases), and the other stream is empty.
expect_output_either() {
	_out=$(cat "$LT_DIR/$1.out")
	_err=$(cat "$LT_DIR/$1.err")
	{ [ "$_out" = "$2" ] && [ -z "$_err" ]; } || { [ "$_err" = "$2" ] && [ -z "$_out" ]; } ||
		{ show "$1"; fail "$1: output [$_out], errors [$_err], expected [$2] on one of them"; }
}

# usbmuxd_send_spins: true with libusbmuxd 2.1.0 (Debian 13), whose
# usbmuxd_send() returns a positive errno when a send fails, so
# libimobiledevice retries it forever once the peer has closed the
# connection (fixed in 2.1.1). $LAB_LIBUSBMUXD is set by CTest.
usbmuxd_send_spins() {
	[ "${LAB_LIBUSBMUXD:-}" = 2.1.0 ]
}

# expect_log REGEX: the lab's request log has a matching line.
expect_log() {
	grep -qE -- "$1" "$LT_DIR/lab.log" || { tail -n 40 "$LT_DIR/lab.log" >&2; fail "log: no line matching [$1]"; }
}

# wait_line FILE REGEX [TIMEOUT_MS [COUNT]]: poll until FILE has COUNT
# (default 1) lines matching REGEX. Only for the output of background
# processes the lab cannot report on; use `lab wait` for device modes.
wait_line() {
	_left=${3:-10000}
	# a file not created yet counts as no match (grep prints nothing then)
	while _n=$(grep -cE -- "$2" "$1" 2>/dev/null || :) && [ "${_n:-0}" -lt "${4:-1}" ]; do
		[ "$_left" -gt 0 ] || { cat "$1" >&2; fail "no ${4:-1} line(s) matching [$2] in $1"; }
		sleep 0.02
		_left=$((_left - 20))
	done
}

# lab_run [irecsim run options]: run the script on stdin inside a lab.
# Exits with the script's status; on failure the end of the log is shown.
lab_run() {
	LT_DIR=$(mktemp -d /tmp/labtest.XXXXXX)
	export LT_DIR
	{
		printf '. "%s"\nset -e\n' "$LABTEST"
		cat
	} >"$LT_DIR/script.sh"
	set +e
	TMPDIR=/tmp "$IRECSIM" run --log "$LT_DIR/lab.log" "$@" -- sh "$LT_DIR/script.sh"
	_status=$?
	set -e
	if [ "$_status" -ne 0 ]; then
		echo "--- lab log (last lines)" >&2
		tail -n 30 "$LT_DIR/lab.log" >&2
	fi
	rm -rf "$LT_DIR"
	return "$_status"
}
