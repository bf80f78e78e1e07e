# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=sh
# Sourced by scripts/test-in-root and scripts/debian-root: the one cached
# Debian base root per suite that both start from, and its rules.
#
# The base (debootstrap --variant=minbase, from this machine's own Debian
# mirror) lives in $IRECCTL_ROOT_CACHE (/var/cache/irecctl-test-roots) as
# SUITE-base -> SUITE-base.MADE.PID, with the downloaded .debs in
# SUITE-debs. It is rebuilt when older than $IRECCTL_ROOT_MAX_AGE days (7),
# made from another mirror or by another recipe, or broken (its package
# database does not answer). $IRECCTL_DEBIAN_MIRROR overrides the mirror.
#
# Locks: SUITE.lock (exclusive) guards making bases and collecting garbage
# only; every user of a base holds a shared lock on its stamp
# (BASE/.irecctl-base, fd 8) for as long as it uses it, and garbage
# collection removes only what nobody holds (the kernel drops a dead
# user's lock).
#
#   base_setup SUITE    check the suite name, set CACHE, DEBS, MIRROR, ...
#   base_acquire        leave BASE set, its shared lock on fd 8 and the
#                       suite's lock on fd 9 (base_unlock drops that)

log() { echo "== ${0##*/} $SUITE: $*" >&2; }
die() {
	echo "${0##*/}: $*" >&2
	exit 1
}
# Exit status for a missing tool (scripts/debian-root: 77, a skipped test).
BASE_MISSING=${BASE_MISSING:-1}

# The first Debian archive URI of this machine's apt configuration (one-line
# sources.list files and deb822 .sources files), skipping security suites.
host_mirror() {
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			sed -n 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\)[[:space:]]\{1,\}\([^[:space:]]*\).*/\2 \3/p' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk 'function flush() { if (deb && on) for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]; deb = 0; on = 1; nu = 0; ns = 0 }
			BEGIN { on = 1 }
			/^[[:space:]]*#/ { next }
			/^[[:space:]]*$/ { flush(); next }
			tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
			tolower($1) == "enabled:" { on = (tolower($2) != "no") }
			tolower($1) == "uris:" { for (i = 2; i <= NF; i++) u[++nu] = $i }
			tolower($1) == "suites:" { for (i = 2; i <= NF; i++) s[++ns] = $i }
			END { flush() }' "$f"
		done
	} | awk '$2 !~ /-security$|\/updates$/ && $1 !~ /security/ { print $1; exit }'
}

# Lazily unmount whatever is still mounted below $1 (only possible after a
# crash of an older version of these scripts), then remove it without ever
# crossing into another file system.
scrub() {
	[ -e "$1" ] || return 0
	awk -v p="$1/" 'index($5 "/", p) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$1"
}

base_setup() {
	SUITE=$1
	case $SUITE in
	*[!a-z0-9-]* | "" | -*) die "not a Debian suite name: '$SUITE'" ;;
	esac
	[ "$(id -u)" = 0 ] || {
		echo "${0##*/}: needs root (debootstrap, chroot)" >&2
		exit "$BASE_MISSING"
	}
	for t in flock unshare chroot; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "${0##*/}: needs $t (util-linux); scripts/deps --ci installs it" >&2
			exit "$BASE_MISSING"
		}
	done
	CACHE=${IRECCTL_ROOT_CACHE:-/var/cache/irecctl-test-roots}
	MAX_AGE=${IRECCTL_ROOT_MAX_AGE:-7}
	RECIPE=1
	LINK=$CACHE/$SUITE-base
	DEBS=$CACHE/$SUITE-debs
	MIRROR=${IRECCTL_DEBIAN_MIRROR:-$(host_mirror)}
	[ -n "$MIRROR" ] || die "no Debian mirror in /etc/apt/sources.list{,.d}; set IRECCTL_DEBIAN_MIRROR"
	mkdir -p "$CACHE/run"
	chmod 0755 "$CACHE"
}

# The cached base is usable: made by this version of the recipe, from the same
# mirror, young enough, and its package database answers.
base_ok() {
	b=$1
	[ -f "$b/.irecctl-base" ] || return 1
	[ "$(sed -n 's/^mirror=//p' "$b/.irecctl-base")" = "$MIRROR" ] || return 1
	[ "$(sed -n 's/^recipe=//p' "$b/.irecctl-base")" = "$RECIPE" ] || return 1
	made=$(sed -n 's/^made=//p' "$b/.irecctl-base")
	[ -n "$made" ] && [ $(($(date +%s) - made)) -lt $((MAX_AGE * 86400)) ] || return 1
	chroot "$b" /usr/bin/dpkg-query -W dpkg apt >/dev/null 2>&1
}

make_base() {
	command -v debootstrap >/dev/null 2>&1 || {
		echo "${0##*/}: needs debootstrap to make the $SUITE base; scripts/deps --ci installs it" >&2
		exit "$BASE_MISSING"
	}
	new="$CACHE/$SUITE-base.$(date +%s).$$"
	log "debootstrap --variant=minbase $SUITE from $MIRROR (cached afterwards)"
	mkdir -m 0755 "$new"
	mkdir -p "$DEBS"
	# debootstrap mounts /proc and /sys in the target: keep them in a private
	# namespace so an interrupted debootstrap leaves no mount behind.
	if ! unshare --mount --propagation private \
		debootstrap --variant=minbase --cache-dir="$DEBS" "$SUITE" "$new" "$MIRROR" \
		>"$new.log" 2>&1; then
		tail -n 20 "$new.log" >&2
		scrub "$new"
		die "debootstrap of $SUITE failed (log: $new.log)"
	fi
	rm -f "$new.log"
	chmod 0755 "$new"
	printf 'suite=%s\nmirror=%s\nrecipe=%s\nmade=%s\n' "$SUITE" "$MIRROR" "$RECIPE" \
		"$(date +%s)" >"$new/.irecctl-base"
	ln -sfn "$(basename "$new")" "$CACHE/$SUITE-base.link.$$"
	mv -T "$CACHE/$SUITE-base.link.$$" "$LINK"
}

# With the suite's lock held: remove bases and test-in-root runs nobody uses
# any more, and what older versions of these scripts left (SUITE-minbase).
collect_garbage() {
	cur=$(readlink "$LINK" 2>/dev/null || true)
	for d in "$CACHE/$SUITE-base."*; do
		[ -d "$d" ] && [ "$(basename "$d")" != "$cur" ] || continue
		case $d in *.log) continue ;; esac
		if [ ! -f "$d/.irecctl-base" ] || flock -xn "$d/.irecctl-base" true; then
			scrub "$d"
		fi
	done
	for d in "$CACHE/run/$SUITE".*; do
		[ -d "$d" ] || continue
		if [ ! -f "$d/lock" ] || flock -xn "$d/lock" true; then
			scrub "$d"
		fi
	done
	scrub "$CACHE/$SUITE-minbase"
	rm -f "$CACHE/$SUITE.log" "$CACHE/.$SUITE.lock"
}

base_acquire() {
	exec 9>"$CACHE/$SUITE.lock"
	if ! flock -xn 9; then
		log "waiting for another run that is preparing the $SUITE base"
		flock -x 9
	fi
	collect_garbage
	base_ok "$LINK" || make_base
	BASE=$(readlink -f "$LINK")
	exec 8<"$BASE/.irecctl-base"
	flock -s 8
}

base_unlock() {
	flock -u 9
	exec 9>&-
}

# What a root made from the base needs before anything runs in it: no
# package may start a daemon there, and apt resolves the mirror through
# this machine's resolver.
root_prepare() {
	printf '#!/bin/sh\nexit 101\n' >"$1/usr/sbin/policy-rc.d"
	chmod 0755 "$1/usr/sbin/policy-rc.d"
	cat /etc/resolv.conf >"$1/etc/resolv.conf" 2>/dev/null || true
}
