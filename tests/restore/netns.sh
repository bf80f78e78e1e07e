#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# netns.sh COMMAND [ARGS]: run COMMAND in a private network namespace that
# has loopback only, so that nothing it does (the restore engine contacts
# Apple's servers, some by hard-coded IP address) can leave the machine.
# Exits 77 (skip) where namespaces are unavailable; refuses (exit 99) if the
# namespace has any interface but lo.
set -eu
if [ "${IRECCTL_IN_NETNS:-}" != 1 ]; then
	export IRECCTL_IN_NETNS=1
	if [ "$(id -u)" = 0 ]; then
		unshare -n true 2>/dev/null || { echo "netns.sh: no network namespaces here" >&2; exit 77; }
		exec unshare -n "$0" "$@"
	fi
	unshare -rn true 2>/dev/null || { echo "netns.sh: no user+network namespaces here" >&2; exit 77; }
	exec unshare -rn "$0" "$@"
fi
ip link set lo up 2>/dev/null || { echo "netns.sh: cannot bring lo up" >&2; exit 99; }
# /proc/self/net/dev is this namespace's list (sysfs may show the host's).
ifaces=$(tail -n +3 /proc/self/net/dev | cut -d: -f1 | tr -d ' ' | tr '\n' ' ')
if [ "$ifaces" != "lo " ]; then
	echo "netns.sh: refusing: interfaces other than lo: $ifaces" >&2
	exit 99
fi
exec "$@"
