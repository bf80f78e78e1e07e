#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-example.sh NAME: run the README's code block that follows
# "<!-- example NAME" in a scratch directory, with the built irecctl and
# irecsim first in PATH, and require its last line to start with "ok:".
set -eu
: "${README:?}" "${IRECCTL:?}" "${IRECSIM:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v name="$1" '
	index($0, "<!-- example " name) == 1 { found = 1; next }
	found && /^```sh$/ { inside = 1; next }
	inside && /^```$/ { exit }
	inside { print }' "$README" >"$tmp/example.sh"
[ -s "$tmp/example.sh" ] || { echo "FAIL: no example '$1' in README.md" >&2; exit 1; }
export PATH="$(dirname "$IRECCTL"):$(dirname "$IRECSIM"):$PATH"
export IRECCTL_LOCK_DIR="$tmp/locks"
cd "$tmp"
set +e
sh ./example.sh >out 2>err
rc=$?
set -e
cat out
if [ $rc != 0 ] || ! tail -n 1 out | grep -q '^ok:'; then
	echo "FAIL: example '$1' (exit status $rc)" >&2
	cat err >&2
	exit 1
fi
