#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecctl buttons --json` matches its schema for every kind of answer: a
# table row, several variants, a model newer than the table (inferred, no
# board), a two-chip product type, and one purpose only.
# Usage: buttons-json.sh IRECCTL VALIDATE_PY
set -eu
irecctl=${1:?} validate=${2:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for q in "iPhone 15 Pro" "iPad Air M4" "iPhone19,1" "iPhone8,1" "iPod touch (7th generation)"; do
	"$irecctl" --json buttons "$q" >"$tmp/out"
	python3 "$validate" buttons "$tmp/out" >/dev/null || { echo "buttons '$q': schema mismatch" >&2; exit 1; }
done
"$irecctl" --json buttons "iPad18,3" --force-restart >"$tmp/out"
python3 "$validate" buttons "$tmp/out" >/dev/null
grep -q '"inferred": true' "$tmp/out"
echo "ok: buttons JSON matches its schema"
