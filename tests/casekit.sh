# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers shared by the tests/*/cases.sh suites that run irecctl in the
# simulated lab. Source it after `set -eu`; needs IRECSIM and IRECCTL.
#
#   lab SPEC... -- ARGS      `irecctl ARGS` in a lab with these devices
#   inlab SPEC... -- SCRIPT  `sh -c SCRIPT` in such a lab (its log: $LAB_LOG)
#   rc_is N, out_has RE, err_has RE, fail MSG
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
	"$IRECSIM" run --log "$LAB_LOG" $_specs -- "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
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
}

inlab() {
	_specs_of "$@"
	shift "$_n"
	_in_lab "$_s" -- sh -c "$1"
}

rc_is() { [ "$(cat "$tmp/rc")" = "$1" ] || fail "exit status $(cat "$tmp/rc"), expected $1"; }
out_has() { grep -Eq -- "$1" "$tmp/out" || fail "stdout lacks /$1/"; }
err_has() { grep -Eq -- "$1" "$tmp/err" || fail "stderr lacks /$1/"; }
