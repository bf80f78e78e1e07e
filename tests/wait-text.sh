#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# wait-text.sh FILE TEXT: return once FILE contains TEXT (a background
# process has got that far); exit 97 after 10 s. For lab scripts, which
# cannot share shell functions with the suite that starts them.
i=0
until grep -q -- "$2" "$1" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "wait-text: no '$2' in $1" >&2; exit 97; }
	sleep 0.05
done
