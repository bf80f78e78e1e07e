# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced first by the collection's test scripts: nothing they run may reach
# a network, and `irecctl restore --plan` may probe its restore engine. So
# they run in a private network namespace (loopback only): re-executed
# through `unshare -n` (root) or `unshare -rn` (user namespaces), unless the
# only interface already is loopback (e.g. scripts/test-in-root's root).
# Lab sockets are files, which a network namespace does not hide.
# Exits 77 (skipped) when none of this is possible.
# /proc/net/dev lists the interfaces of this process's own namespace
# (/sys/class/net shows the namespace sysfs was mounted in).
only_loopback() {
	[ "$(awk 'NR > 2 { sub(":", "", $1); print $1 }' /proc/net/dev 2>/dev/null)" = lo ]
}
if [ -z "${FLEET_NETNS:-}" ] && ! only_loopback; then
	export FLEET_NETNS=1
	unshare -n true 2>/dev/null && exec unshare -n "$0" "$@"
	unshare -rn true 2>/dev/null && exec unshare -rn "$0" "$@"
	echo "SKIP: no private network namespace (unshare -n / -rn)" >&2
	exit 77
fi
only_loopback || { echo "FAIL: still on a network after unshare" >&2; exit 1; }
