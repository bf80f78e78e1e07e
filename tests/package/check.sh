#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages: build them with cpack, check their contents and
# dependencies, install them in a fresh Debian root (dpkg -i, then apt-get
# -f install from the machine's configured mirror), run irecctl there, and
# check that purging them leaves the root as it was.
# Needs root and debootstrap (exit 77 otherwise).
# Environment (set by CTest): BUILD_DIR, IRECCTL, SOURCE_DIR, SUITE.
set -eu
: "${BUILD_DIR:?}" "${IRECCTL:?}" "${SOURCE_DIR:?}"
suite=${SUITE:-bookworm}
[ "$(id -u)" = 0 ] || { echo "needs root (a chroot)" >&2; exit 77; }
command -v dpkg-shlibdeps >/dev/null || { echo "needs dpkg-dev" >&2; exit 77; }

tmp=$(mktemp -d /tmp/irecctl-pkg.XXXXXX)
root="$tmp/root"
cleanup() {
	umount "$root/proc" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

version=$(sed -n 's/^irecctl \([0-9.]*\)$/\1/p' <<EOF_V
$("$IRECCTL" --version)
EOF_V
)
arch=$(dpkg --print-architecture)

echo "== cpack"
(cd "$BUILD_DIR" && cpack -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log" >&2; fail "cpack"; }
deb="$tmp/pkg/irecctl_${version}_${arch}.deb"
sim="$tmp/pkg/irecctl-sim_${version}_${arch}.deb"
[ -f "$deb" ] || fail "no $(basename "$deb"): $(ls "$tmp/pkg")"
[ -f "$sim" ] || fail "no $(basename "$sim")"

echo "== contents"
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/irecctl /usr/share/man/man1/irecctl.1.gz \
	/usr/share/bash-completion/completions/irecctl /usr/share/zsh/vendor-completions/_irecctl \
	/usr/share/fish/vendor_completions.d/irecctl.fish /usr/lib/udev/rules.d/39-irecctl.rules \
	/usr/lib/tmpfiles.d/irecctl.conf /usr/share/irecctl/schemas/status.schema.json \
	/usr/share/irecctl/schemas/watch.schema.json /usr/share/doc/irecctl/copyright \
	/usr/share/doc/irecctl/examples/irecctl-heal.service; do
	grep -qxF "$f" "$tmp/files" || fail "irecctl.deb lacks $f"
done
grep -q irecsim "$tmp/files" && fail "irecctl.deb carries irecsim"
dpkg-deb -c "$sim" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/simfiles"
for f in /usr/bin/irecsim /usr/share/man/man1/irecsim.1.gz; do
	grep -qxF "$f" "$tmp/simfiles" || fail "irecctl-sim.deb lacks $f"
done
grep -qx '/usr/bin/irecctl' "$tmp/simfiles" && fail "irecctl-sim.deb carries irecctl"
# The packaged completions are the ones the binary writes.
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/bash-completion/completions/irecctl >"$tmp/bash"
"$IRECCTL" completions bash | cmp -s - "$tmp/bash" || fail "packaged bash completion is stale"
dpkg-deb -I "$deb" postinst >/dev/null || fail "no postinst"
dpkg-deb -I "$deb" postrm >/dev/null || fail "no postrm"

echo "== dependencies"
# Every shared library the binaries link is some package's; that package
# must be a dependency.
needs() { # DEB BINARY
	deps=$(dpkg-deb -f "$1" Depends)
	for lib in $(objdump -p "$2" | awk '$1 == "NEEDED" { print $2 }'); do
		path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
		[ -n "$path" ] || fail "$lib: not found"
		# dpkg knows the path it unpacked (/lib or /usr/lib, whichever the package has).
		pkg=""
		for p in "$path" "$(readlink -f "$path")" "$(echo "$path" | sed 's|^/lib/|/usr/lib/|')"; do
			[ -n "$pkg" ] || pkg=$(dpkg -S "$p" 2>/dev/null | head -n 1 | cut -d: -f1)
		done
		[ -n "$pkg" ] || fail "$lib ($path): no package owns it"
		case ", $deps," in
		*", $pkg "* | *", $pkg,"*) ;;
		*) fail "$(basename "$1"): links $lib (package $pkg) but Depends is: $deps" ;;
		esac
	done
}
needs "$deb" "$BUILD_DIR/irecctl"
needs "$sim" "$BUILD_DIR/sim/irecsim"
dpkg-deb -f "$sim" Depends | grep -Eq '(^|, )umockdev(,| |$)' || fail "irecctl-sim does not depend on umockdev"

echo "== a fresh $suite root"
"$SOURCE_DIR/scripts/debian-root" "$suite" "$root"
# What the root holds, apart from package-manager state and logs.
snapshot() {
	(cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./sys -o -path ./tmp \
		-o -path ./var/cache -o -path ./var/log -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
		-o -path ./run/lock/irecctl.probe \) -prune -o -print | sort) >"$1"
}
snapshot "$tmp/before"
cp "$deb" "$sim" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

echo "== dpkg -i, apt-get -f install"
# Without the libraries dpkg leaves the packages unconfigured; apt brings them.
in_root dpkg -i /tmp/"$(basename "$deb")" /tmp/"$(basename "$sim")" >"$tmp/dpkg.log" 2>&1 &&
	fail "dpkg -i succeeded in a root without the libraries"
grep -q 'dependency problems' "$tmp/dpkg.log" || { cat "$tmp/dpkg.log" >&2; fail "dpkg -i"; }
in_root apt-get update -qq >"$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log" >&2; fail "apt-get update"; }
in_root apt-get -f install -y -qq --no-install-recommends >>"$tmp/apt.log" 2>&1 ||
	{ cat "$tmp/apt.log" >&2; fail "apt-get -f install"; }
[ "$(in_root dpkg-query -W -f '${Status}' irecctl)" = "install ok installed" ] || fail "irecctl not installed"
[ "$(in_root dpkg-query -W -f '${Status}' irecctl-sim)" = "install ok installed" ] || fail "irecctl-sim not installed"
# postinst made the lock directory, as tmpfiles.d would.
[ "$(stat -c %a "$root/run/lock/irecctl")" = 1777 ] || fail "no lock directory (mode 1777)"

echo "== irecctl in the root (no network, no devices)"
# A private network and mount namespace: nothing in the root reaches out,
# and no /sys or /dev/bus/usb: no real device can be touched.
in_ns() { unshare -mn sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" /usr/bin/env -i PATH=/usr/bin:/bin "$@"' "$root" "$@"; }
in_ns irecctl --version >"$tmp/version" || fail "irecctl --version"
grep -qx "irecctl $version" "$tmp/version" || fail "version: $(cat "$tmp/version")"
set +e
in_ns irecctl doctor >"$tmp/doctor" 2>"$tmp/doctor.err"
rc=$?
in_ns irecctl doctor --json >"$tmp/doctor.json" 2>/dev/null
set -e
# No usbmuxd in the root: doctor says so (exit 1) and what to do.
[ "$rc" = 1 ] || fail "doctor exit status $rc: $(cat "$tmp/doctor" "$tmp/doctor.err")"
grep -Eq '^fail +usbmuxd ' "$tmp/doctor" || fail "doctor: $(cat "$tmp/doctor")"
grep -Eq '^ok +lock-dir ' "$tmp/doctor" || fail "doctor: lock dir: $(cat "$tmp/doctor")"
IRECCTL_SCHEMA_DIR="$root/usr/share/irecctl/schemas" python3 "$SOURCE_DIR/tests/schema/validate.py" doctor "$tmp/doctor.json" >/dev/null ||
	fail "doctor --json in the root does not match the installed schema"
in_ns irecsim --help >/dev/null || fail "irecsim --help"
in_ns man -w irecsim >/dev/null 2>&1 || [ -f "$root/usr/share/man/man1/irecsim.1.gz" ] || fail "no irecsim(1)"
umount "$root/proc" 2>/dev/null || true

echo "== purge"
in_root dpkg --purge irecctl-sim irecctl >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "purge"; }
in_root apt-get autoremove --purge -y -qq >>"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "autoremove"; }
rm -f "$root/tmp/"*.deb
snapshot "$tmp/after"
diff -u "$tmp/before" "$tmp/after" >"$tmp/left" || { cat "$tmp/left" >&2; fail "purging left files behind (or took some)"; }
echo "ok: packages built, installed, run and purged cleanly in $suite"
