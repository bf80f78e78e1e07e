#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check.sh [--rc N] [--stdout-empty] [--stderr-empty] [--stdout RE] [--stderr RE]
#          [--stderr-lines N] -- COMMAND [ARGS...]
# Runs COMMAND with stdin from /dev/null and asserts its exit code and what
# it printed where (data on stdout, diagnostics on stderr). Prints both
# streams on failure.
set -u
rc_want=0 out_empty=0 err_empty=0 out_re='' err_re='' err_lines=''
while [ $# -gt 0 ]; do
	case "$1" in
	--rc) rc_want=$2; shift 2 ;;
	--stdout-empty) out_empty=1; shift ;;
	--stderr-empty) err_empty=1; shift ;;
	--stdout) out_re=$2; shift 2 ;;
	--stderr) err_re=$2; shift 2 ;;
	--stderr-lines) err_lines=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "check.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
"$@" </dev/null >"$tmp/out" 2>"$tmp/err"
rc=$?
fail() {
	echo "FAIL: $*" >&2
	echo "--- command: $*" >&2
	echo "--- exit code: $rc" >&2
	echo "--- stdout:" >&2; cat "$tmp/out" >&2
	echo "--- stderr:" >&2; cat "$tmp/err" >&2
	exit 1
}
[ "$rc" = "$rc_want" ] || fail "exit code $rc, expected $rc_want"
[ $out_empty = 0 ] || [ ! -s "$tmp/out" ] || fail "stdout not empty"
[ $err_empty = 0 ] || [ ! -s "$tmp/err" ] || fail "stderr not empty"
[ -z "$out_re" ] || grep -Eq -- "$out_re" "$tmp/out" || fail "stdout does not match /$out_re/"
[ -z "$err_re" ] || grep -Eq -- "$err_re" "$tmp/err" || fail "stderr does not match /$err_re/"
if [ -n "$err_lines" ]; then
	n=$(wc -l <"$tmp/err")
	[ "$n" -eq "$err_lines" ] || fail "stderr has $n lines, expected $err_lines"
fi
echo "ok: $*"
