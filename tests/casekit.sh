# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Helpers shared by the tests/*/cases.sh suites that run irecctl in the
# simulated lab. Source it after `set -eu`; needs IRECSIM and IRECCTL.
#
#   LAB_OPTS                 extra `irecsim run` options, e.g. the real
#                            usbmuxd lifecycle at the default socket path
#   lab SPEC... -- ARGS      `irecctl ARGS` in a lab with these devices
#   inlab SPEC... -- SCRIPT  `sh -c SCRIPT` in such a lab (its log: $LAB_LOG);
#                            the script sees this test's directory as $T
#   lab_helpers <<EOF ...    every inlab SCRIPT starts with tests/labscript.sh
#                            (bg, wait_line, ...) and the shell text given
#   rc_is N, out_has RE, err_has RE, fail MSG
#   has FILE RE, lacks FILE RE   $tmp/FILE has (has no) line matching RE
#   json_valid CMD FILE      FILE (irecctl CMD --json output) matches schemas/
#
# `lab ... -- ARGS` with --json in ARGS validates the output against the
# command's JSON Schema by itself.
#
# The last run's output is in $tmp/out, $tmp/err and $tmp/rc.

: "${IRECSIM:?}" "${IRECCTL:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The lab's sockets live under TMPDIR: keep the paths short.
export TMPDIR=/tmp
# Never the host's shared lock directory: the test's own.
export IRECCTL_LOCK_DIR="$tmp/locks"
export LAB_LOG="$tmp/lab.log"
export T="$tmp"
# scripts/test --valgrind: every irecctl the suites run goes through
# memcheck; an error or a definite leak makes it exit 99 (the test fails).
if [ -n "${IRECCTL_VALGRIND:-}" ]; then
	cat >"$tmp/irecctl" <<EOF
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \\
	--errors-for-leak-kinds=definite --suppressions="$IRECCTL_VALGRIND" "$IRECCTL" "\$@"
EOF
	chmod +x "$tmp/irecctl"
	IRECCTL="$tmp/irecctl"
	export IRECCTL
fi
# For scripts run inside a lab: wait until a file shows a line of text.
WAIT_TEXT="$(cd "$(dirname "$0")/.." && pwd)/wait-text.sh"
export WAIT_TEXT
VALIDATE_JSON="$(cd "$(dirname "$0")/.." && pwd)/schema/validate.py"
LABSCRIPT="$(cd "$(dirname "$0")/.." && pwd)/labscript.sh"
_prelude=""

lab_helpers() {
	{
		echo ". \"$LABSCRIPT\""
		cat
	} >"$tmp/lib.sh"
	# shellcheck disable=SC2016 # expanded by the lab's sh
	_prelude='. "$T/lib.sh"; '
}

fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/out "$tmp"/err "$tmp"/w.out "$tmp"/w.err "$tmp"/rc; do
		[ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }
	done
	exit 1
}

# _in_lab SPECS -- COMMAND...: COMMAND in a lab; SPECS is one word list.
_in_lab() {
	_specs=$1
	shift 2
	set +e
	# shellcheck disable=SC2086
	"$IRECSIM" run ${LAB_OPTS:-} --log "$LAB_LOG" $_specs -- "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	# --default-socket needs a private mount namespace; some hosts forbid it.
	if [ "$(cat "$tmp/rc")" = 2 ] && grep -q "cannot make a private mount namespace" "$tmp/err"; then
		echo "SKIP: $(cat "$tmp/err")" >&2
		exit 77
	fi
}

# Collect "--device SPEC" words up to "--"; the caller shifts them away.
_specs_of() {
	_s=""
	_n=0
	for _a in "$@"; do
		_n=$((_n + 1))
		[ "$_a" = "--" ] && break
		_s="$_s --device $_a"
	done
}

lab() {
	_specs_of "$@"
	shift "$_n"
	_in_lab "$_s" -- "$IRECCTL" "$@"
	_check_json "$@"
}

# The command ARGS run (status without one), if they ask for JSON.
_json_command() {
	_j=""
	_c=""
	for _a in "$@"; do
		case "$_a" in
		--json) _j=1 ;;
		status | enter | exit | wait | watch | buttons | doctor | restore) [ -n "$_c" ] || _c=$_a ;;
		esac
	done
	[ -n "$_j" ] && echo "${_c:-status}"
}

_check_json() {
	_cmd=$(_json_command "$@") || return 0
	[ -s "$tmp/out" ] || return 0
	json_valid "$_cmd" "$tmp/out"
}

json_valid() {
	_lines=""
	case "$1" in watch | restore) _lines=--lines ;; esac
	python3 "$VALIDATE_JSON" $_lines "$1" "$2" >"$tmp/schema.out" 2>&1 ||
		fail "$1 --json output does not match its schema: $(cat "$tmp/schema.out")"
}

inlab() {
	_specs_of "$@"
	shift "$_n"
	_in_lab "$_s" -- sh -c "$_prelude$1"
	# A script that is one plain irecctl command: its JSON is checked too.
	case "$1" in
	'"$IRECCTL" '*) ;;
	*) return 0 ;;
	esac
	_rest=${1#\"\$IRECCTL\" }
	case "$_rest" in
	*[\;\&\|\<\>\$\`\'\"\(\)]*) return 0 ;;
	esac
	set -f
	# shellcheck disable=SC2086
	_check_json $_rest
	set +f
}

rc_is() { [ "$(cat "$tmp/rc")" = "$1" ] || fail "exit status $(cat "$tmp/rc"), expected $1"; }
out_has() { grep -Eq -- "$1" "$tmp/out" || fail "stdout lacks /$1/"; }
err_has() { grep -Eq -- "$1" "$tmp/err" || fail "stderr lacks /$1/"; }
has() { grep -Eq -- "$2" "$tmp/$1" || fail "$1 lacks /$2/"; }
lacks() { ! grep -Eq -- "$2" "$tmp/$1" || fail "$1 has /$2/"; }
