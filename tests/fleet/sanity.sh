#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Static checks of the Ansible collection, offline. `ansible-test sanity`
# installs each check's pinned requirements from PyPI into a virtualenv;
# without a network only the checks that need none can run. So:
#  1. every `ansible-test sanity --local` test that runs without installing
#     anything (the others are listed as not run, by name);
#  2. the checks that need requirements, run directly with the Debian
#     packages of those requirements and ansible-test's own settings:
#     validate-modules (python3-voluptuous), pep8 (pycodestyle), yamllint.
# Environment (set by CTest): SRC. Runs in a private network namespace.
set -eu
: "${SRC:?}"
. "$(dirname "$0")/netns.sh"
command -v ansible-test >/dev/null || { echo "FAIL: ansible-test missing (scripts/deps installs ansible-core)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/fleet-sanity.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# ansible-test works on a collection at .../ansible_collections/NS/NAME and
# writes tests/output there: a copy keeps the source tree clean.
coll="$tmp/ansible_collections/irecctl/fleet"
mkdir -p "$tmp/ansible_collections/irecctl"
cp -r "$SRC/ansible/ansible_collections/irecctl/fleet" "$coll"
rm -rf "$coll/tests/output"
export HOME="$tmp/home" ANSIBLE_COLLECTIONS_PATH="$tmp" LC_ALL=C.UTF-8
mkdir -p "$HOME"
# The interpreter ansible-test itself runs on (not whatever python3 is first in PATH).
py=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-test)")
case $py in */env) py=$(command -v python3) ;; esac
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
at=$("$py" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
major=$("$py" -c 'import ansible.release as r; print(".".join(r.__version__.split(".")[:2]))')
failed=0
ran=""
notrun=""

cd "$coll"
for t in $(ansible-test sanity --list-tests 2>/dev/null); do
	if ansible-test sanity --local --python "$ver" --test "$t" >"$tmp/$t.out" 2>&1; then
		ran="$ran $t"
	elif grep -q 'Installing requirements' "$tmp/$t.out"; then
		notrun="$notrun $t"
	else
		echo "FAIL: ansible-test sanity --test $t" >&2
		cat "$tmp/$t.out" >&2
		failed=1
	fi
done
echo "ansible-test sanity (ansible-core $major), ran:$ran"
echo "needs requirements from PyPI, run below instead or not at all:$notrun"

# Errors listed in the collection's ignore file for this ansible-core
# (path test:code), as ansible-test would drop them.
ignore="$coll/tests/sanity/ignore-$major.txt"
[ -f "$ignore" ] || { echo "FAIL: no $ignore (copy the newest one)" >&2; failed=1; }

vm="$at/_util/controller/sanity/validate-modules"
# Its imports differ by version (2.19 adds antsibull_docs_parser, which
# Debian does not package): run it only when all of them are there.
if PYTHONPATH="$vm${PYTHONPATH:+:$PYTHONPATH}" "$py" -c 'import validate_modules.main' 2>"$tmp/vm-import.err"; then
	PYTHONPATH="$vm${PYTHONPATH:+:$PYTHONPATH}" "$py" "$vm/validate.py" --format json --arg-spec \
		--collection ansible_collections/irecctl/fleet \
		--collection-version "$(sed -n 's/^version: *//p' galaxy.yml)" \
		plugins/modules/*.py >"$tmp/vm.json" 2>"$tmp/vm.err" || :
	if ! "$py" - "$tmp/vm.json" "$ignore" <<'PY'; then
import json, sys
report = json.load(open(sys.argv[1]))
ignored = set()
try:
    for line in open(sys.argv[2]):
        parts = line.split("#")[0].split()
        if len(parts) == 2 and parts[1].startswith("validate-modules:"):
            ignored.add((parts[0], parts[1].split(":", 1)[1]))
except OSError:
    pass
bad = 0
for path, res in sorted(report.items()):
    for err in res.get("errors", []):
        if (path, err["code"]) not in ignored:
            print("%s: %s: %s" % (path, err["code"], err["msg"]))
            bad = 1
sys.exit(bad)
PY
		echo "FAIL: validate-modules" >&2
		cat "$tmp/vm.err" >&2
		failed=1
	else
		echo "validate-modules: ok ($(ls plugins/modules/*.py | wc -l) modules)"
	fi
else
	echo "validate-modules: not run ($(tail -n 1 "$tmp/vm-import.err"))"
fi

if "$py" -m pycodestyle --version >/dev/null 2>&1; then
	# shellcheck disable=SC2046 # the paths have no blanks
	"$py" -m pycodestyle --max-line-length 160 --config /dev/null \
		--ignore "$(paste -sd, "$at/_util/controller/sanity/pep8/current-ignore.txt")" \
		$(find plugins -name '*.py') || { echo "FAIL: pep8" >&2; failed=1; }
	echo "pep8 (pycodestyle, ansible-test's settings): done"
else
	echo "pep8: not run (pycodestyle missing)"
fi

if "$py" -c 'import yamllint' 2>/dev/null; then
	# the linter ansible-test runs: YAML files and the modules' documentation
	find . -name '*.yml' -o -path ./plugins/modules/'*.py' | sed 's|^\./||' |
		"$py" "$at/_util/controller/sanity/yamllint/yamllinter.py" >"$tmp/yl.json" 2>&1 || :
	if [ -s "$tmp/yl.json" ] && ! "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(1 if r.get("messages") else 0)' "$tmp/yl.json"; then
		echo "FAIL: yamllint" >&2
		cat "$tmp/yl.json" >&2
		failed=1
	else
		echo "yamllint (ansible-test's configuration): done"
	fi
else
	echo "yamllint: not run (yamllint missing)"
fi
exit "$failed"
