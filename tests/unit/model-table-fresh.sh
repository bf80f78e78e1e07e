#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The committed generated tables are what the repository's device data
# gives: src/model-table.inc (scripts/gen-model-table) and the lab's
# sim/lab-models.inc (sim/gen-models.sh), both from data/*.csv.
#
# The generators run in a scratch tree that holds only the data and the
# two scripts, with their default arguments: a generator that reached for
# anything outside the repository (a reference directory next to it, say)
# fails here instead of being skipped.
# Usage: model-table-fresh.sh SOURCE_DIR
set -eu
src=${1:?usage: model-table-fresh.sh SOURCE_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/repo/scripts" "$tmp/repo/sim" "$tmp/repo/data"
cp "$src/scripts/gen-model-table" "$tmp/repo/scripts/"
cp "$src/sim/gen-models.sh" "$tmp/repo/sim/"
cp "$src"/data/*.csv "$tmp/repo/data/"
cd "$tmp"
status=0
"$tmp/repo/scripts/gen-model-table" >"$tmp/model-table.inc"
diff -u "$src/src/model-table.inc" "$tmp/model-table.inc" ||
	{ echo "src/model-table.inc is stale: run scripts/gen-model-table > src/model-table.inc" >&2; status=1; }
"$tmp/repo/sim/gen-models.sh" >"$tmp/lab-models.inc"
diff -u "$src/sim/lab-models.inc" "$tmp/lab-models.inc" ||
	{ echo "sim/lab-models.inc is stale: run sim/gen-models.sh > sim/lab-models.inc" >&2; status=1; }
exit $status
