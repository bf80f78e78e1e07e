#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The installed completion scripts (build/completions), checked against
# what the binary's own --help says, so a command or option added to the
# table and missing from a completion fails here. Usage: cases.sh CASE.
# Environment (set by CTest): IRECCTL, IRECSIM, COMPLETIONS.
set -eu
: "${IRECCTL:?}" "${COMPLETIONS:?}"
. "$(dirname "$0")/../casekit.sh"

# complete LINE: what bash completion offers for the last word of LINE
# (LINE ending in a space completes an empty word), one per line, sorted.
complete() {
	bash -c '
		. "$1"
		read -ra COMP_WORDS <<<"$2"
		case $2 in *" ") COMP_WORDS+=("") ;; esac
		COMP_WORDS[0]=$3
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_irecctl
		printf "%s\n" "${COMPREPLY[@]}" | sort -u' sh "$COMPLETIONS/irecctl" "$1" "$IRECCTL" >"$tmp/got"
}
offers() { grep -qxF -- "$1" "$tmp/got" || fail "completing [$line] lacks '$1': $(tr '\n' ' ' <"$tmp/got")"; }
lacks() { ! grep -qxF -- "$1" "$tmp/got" || fail "completing [$line] offers '$1'"; }
try() {
	line=$1
	complete "$1"
}

# The commands `irecctl --help` lists, and the options `irecctl CMD --help` lists.
help_commands() { "$IRECCTL" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p'; }
help_options() { "$IRECCTL" "$@" --help | grep -oE '^  (-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+'; }

case "$1" in
bash-commands)
	try 'irecctl '
	help_commands >"$tmp/want"
	[ -s "$tmp/want" ] || fail "no commands in --help"
	cmp -s "$tmp/got" "$(sort "$tmp/want" >"$tmp/want.s" && echo "$tmp/want.s")" ||
		fail "commands offered: $(tr '\n' ' ' <"$tmp/got"); --help lists: $(tr '\n' ' ' <"$tmp/want")"
	lacks completions # hidden
	try 'irecctl wa'
	offers wait
	offers watch
	lacks status
	# After global options and their values the command is still completed.
	try 'irecctl -d 0x12 --timeout 3 s'
	offers status
	;;
bash-options)
	for cmd in $(help_commands); do
		try "irecctl $cmd -"
		for opt in $(help_options "$cmd"); do offers "$opt"; done
	done
	try 'irecctl --'
	for opt in $(help_options); do offers "$opt"; done
	lacks --for
	try 'irecctl wait --f'
	offers --for
	lacks --through
	# Not what a command refuses (its --help leaves them out too).
	try 'irecctl doctor -'
	lacks --device
	lacks -d
	lacks --all
	offers --json
	try 'irecctl buttons --'
	lacks --all
	lacks --device
	try 'irecctl wait --'
	lacks --all
	offers --device
	try 'irecctl exit --'
	offers --all
	offers --device
	;;
bash-values)
	try 'irecctl wait --for '
	for m in normal restore recovery dfu wtf kis port-dfu gone any; do offers "$m"; done
	lacks unknown
	try 'irecctl wait --for recovery,d'
	offers recovery,dfu
	try 'irecctl watch --for r'
	offers recovery
	offers restore
	lacks normal
	try 'irecctl wait --timeout '
	[ ! -s "$tmp/got" ] || [ "$(cat "$tmp/got")" = "" ] || fail "--timeout offers values"
	;;
bash-operands)
	try 'irecctl buttons iPhone10,'
	offers iPhone10,1
	offers iPhone10,6
	try 'irecctl buttons d2'
	offers d22ap
	try 'irecctl buttons --dfu iPhone16,'
	offers iPhone16,1
	# watch --exec: a program, then its arguments are its own (never irecctl's options).
	try 'irecctl watch --exec ech'
	offers echo
	try 'irecctl watch --exec echo --'
	lacks --json
	lacks --for
	;;
bash-devices)
	: "${IRECSIM:?}"
	# In a lab, -d offers the ECIDs and UDIDs `irecctl status --json` reports.
	inlab iPhone12,1:normal:ecid=0x13 iPhone10,1:recovery:ecid=0x22 -- "
		bash -c '. \"\$1\"; COMP_WORDS=(\"\$2\" -d \"\"); COMP_CWORD=2; _irecctl; printf \"%s\\n\" \"\${COMPREPLY[@]}\"' \
			sh \"$COMPLETIONS/irecctl\" \"\$IRECCTL\""
	rc_is 0
	for id in 0x0000000000000013 00008030-0000000000000013 0x0000000000000022; do
		grep -qxF "$id" "$tmp/out" || fail "-d does not offer $id: $(tr '\n' ' ' <"$tmp/out")"
	done
	;;
fish)
	command -v fish >/dev/null || { echo "fish is not installed" >&2; exit 77; }
	fish -n "$COMPLETIONS/irecctl.fish" || fail "fish: syntax"
	fc() { fish --no-config -c "source $COMPLETIONS/irecctl.fish; complete -C '$1'" | cut -f1 | sort -u >"$tmp/got"; line=$1; }
	fc 'irecctl '
	for c in $(help_commands); do offers "$c"; done
	fc 'irecctl wait --for '
	offers recovery
	offers gone
	fc 'irecctl buttons iPhone10,'
	offers iPhone10,1
	fc 'irecctl watch --'
	for opt in $(help_options watch); do offers "$opt"; done
	fc 'irecctl doctor --'
	lacks --device
	lacks --all
	offers --json
	;;
zsh)
	command -v zsh >/dev/null || { echo "zsh is not installed" >&2; exit 77; }
	zsh -n "$COMPLETIONS/_irecctl" || fail "zsh: syntax"
	# Every command and option the help lists has its spec.
	for c in $(help_commands); do
		grep -q "^	$c)" "$COMPLETIONS/_irecctl" || fail "zsh: no case for $c"
		for opt in $(help_options "$c"); do
			grep -q "'$opt\\[" "$COMPLETIONS/_irecctl" || fail "zsh: no spec for $c $opt"
		done
	done
	grep -q "_values -s , mode normal restore recovery dfu wtf kis port-dfu gone any" "$COMPLETIONS/_irecctl" ||
		fail "zsh: wait --for modes"
	# The case of a command that refuses -d and --all offers neither.
	sed -n '/^	doctor)/,/;;/p' "$COMPLETIONS/_irecctl" >"$tmp/doctor"
	grep -q "'--json\[" "$tmp/doctor" || fail "zsh: doctor case not found"
	! grep -qE "'(--device|--all|-d)\[" "$tmp/doctor" || fail "zsh: doctor offers -d or --all"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
