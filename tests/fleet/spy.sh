#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Given to the modules as `binary`: records each argument vector and exit
# status in $FLEET_SPY_LOG, and runs the real irecctl ($IRECCTL_REAL).
printf 'argv %s\n' "$*" >>"$FLEET_SPY_LOG"
"$IRECCTL_REAL" "$@"
rc=$?
printf 'rc %d\n' "$rc" >>"$FLEET_SPY_LOG"
exit "$rc"
