#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every option irecsim's --help names, and every spec key, mode, trust
# state, enter-drop value, fault and control command `irecsim --list-keys`
# prints (the tables the lab parses with), is documented in irecsim(1) and
# sim/README.md.
# usage: IRECSIM=path doc-names.sh MAN.1.scd README.md
set -eu
man=$1
readme=$2
failed=0

missing() {
	echo "FAIL: $1" >&2
	failed=1
}

# The text of one "# SECTION" of the man page source.
section() {
	awk -v s="# $1" '$0 == s { f = 1; next } /^# / { f = 0 } f' "$man"
}

has() { # has TEXT STRING: STRING occurs in TEXT
	printf '%s\n' "$1" | grep -qF -- "$2"
}

options=$("$IRECSIM" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
listing=$("$IRECSIM" --list-keys)
# Guard against a vacuous pass: both listings must name what they always had.
has "$options" --device || missing "irecsim --help names no --device"
has "$listing" "key ecid" || missing "irecsim --list-keys names no key ecid"
has "$listing" "fault stall" || missing "irecsim --list-keys names no fault stall"
has "$listing" "ctl wait" || missing "irecsim --list-keys names no ctl wait"

opts_sec=$(section OPTIONS)
specs_sec=$(section "DEVICE SPECS")
faults_sec=$(section FAULTS)
ctl_sec=$(section "CONTROL COMMANDS")
whole=$(cat "$man")
readme_text=$(cat "$readme")

for o in $options; do
	has "$opts_sec" "$o*" || missing "irecsim(1) OPTIONS lacks $o"
	has "$readme_text" "\`$o" || missing "sim/README.md lacks $o"
done

need() { # need TEXT STRING WHAT: WHAT is missing unless STRING is in TEXT
	has "$1" "$2" || missing "$3"
}

while read -r kind name; do
	case $kind in
	key)
		need "$specs_sec" "*$name=" "irecsim(1) DEVICE SPECS lacks key $name="
		need "$readme_text" "\`$name=" "sim/README.md lacks key $name=" ;;
	mode | trust | enter-drop)
		need "$whole" "*$name*" "irecsim(1) lacks $kind $name"
		need "$readme_text" "\`$name\`" "sim/README.md lacks $kind $name" ;;
	fault)
		need "$faults_sec" "*$name*" "irecsim(1) FAULTS lacks $name"
		need "$readme_text" "| \`$name\` |" "sim/README.md Faults lacks $name" ;;
	ctl)
		printf '%s\n' "$ctl_sec" | grep -qE "^\*${name}[* ]" ||
			missing "irecsim(1) CONTROL COMMANDS lacks $name"
		need "$readme_text" "| \`$name" "sim/README.md control commands lack $name" ;;
	*)
		missing "unknown kind '$kind' in irecsim --list-keys: teach this test" ;;
	esac
done <<EOF_LISTING
$listing
EOF_LISTING

[ "$failed" = 0 ] && echo "ok: irecsim(1) and sim/README.md name every option, key, fault and command"
exit "$failed"
