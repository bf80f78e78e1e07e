#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecctl doctor` on this host and inside the simulated lab. Usage: cases.sh CASE
# Environment (set by CTest): IRECSIM, IRECCTL, CHECK_JSON (check-json.py).
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}" "${CHECK_JSON:?}"
. "$(dirname "$0")/../casekit.sh"

# json EXPECTATIONS...: the JSON in $tmp/out is well-formed, consistent with
# the exit status, meets check-json.py's expectations and schemas/doctor.
json() {
	python3 "$CHECK_JSON" "$tmp/out" "$(cat "$tmp/rc")" "$@" >"$tmp/check" 2>&1 ||
		fail "$(cat "$tmp/check")"
	json_valid doctor "$tmp/out"
}


RECOVERY=iPhone10,1:recovery:ecid=0x2
UNPAIRED=iPhone12,1:normal:ecid=0x3:trust=unpaired
NEWER=new:recovery:cpid=0x8150:bdid=0x44:ecid=0x44

case "$1" in
host)
	# This host's udev rules and tools, but never its USB devices, usbmuxd
	# or pair records: those are hidden by a private mount namespace.
	# Well-formed, one line per check, exit status 1 exactly when a check
	# failed.
	unshare -m true 2>/dev/null || { echo "SKIP: no mount namespace" >&2; exit 77; }
	hidden() {
		unshare -m --propagation private sh -c '
			for d in /run /var/run /var/lib/lockdown /dev/bus/usb; do
				[ -d "$d" ] && mount -t tmpfs none "$d"
			done
			exec "$@"' sh env -u USBMUXD_SOCKET_ADDRESS IRECCTL_LOCK_DIR="$tmp/locks" "$IRECCTL" "$@"
	}
	mkdir -m 0755 "$tmp/locks"
	set +e
	hidden doctor --json >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	json
	set +e
	hidden doctor >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc2"
	set -e
	[ "$(cat "$tmp/rc2")" = "$(cat "$tmp/rc")" ] || fail "--json and the table disagree on the exit status"
	[ "$(grep -Ec '^(ok  |warn|fail) [a-z-]+ +[^ ]' "$tmp/out")" = 8 ] || fail "expected 8 check lines"
	! grep -Evq '^(ok   |warn |fail )[a-z-]+ +[^ ]|^ {19}fix: [^ ]' "$tmp/out" || fail "unexpected line"
	;;
lab-unpaired)
	lab $RECOVERY $UNPAIRED $NEWER -- doctor --json
	rc_is 0
	json usb-access=ok 'usb-access~2 devices in recovery/DFU modes' \
		usbmuxd=ok 'usbmuxd~^usbmuxd answers at UNIX:/tmp/irecsim\.[^ ]+/mux \(1 device\)$' \
		pair-records=warn \
		'pair-records~^1 of 1 normal-mode device not paired with this host: 00008030-0000000000000003 \(iPhone 11\); records: kept by the usbmuxd at UNIX:' \
		'pair-records%idevicepair -u 00008030-0000000000000003 pair' \
		'pair-records%usbmuxd itself asks it to pair .* after every reboot too; irecctl does not' \
		lock-dir=ok "lock-dir~^$tmp/locks \\((created now|exists), mode 1777\\)" \
		model-table=warn 'model-table~0x0000000000000044 \(CPID 0x8150, BDID 0x44\)' \
		'model-table%update irecctl' libraries=ok 'libraries~^libusb [0-9]+\.[0-9]+'
	[ -f "$tmp/locks/ffffffffffffffff.lock" ] || fail "no test lock file"
	;;
lab-paired)
	# The devices of the README example: nothing to warn about but udev.
	lab $RECOVERY iPhone12,1:normal:ecid=0x3 -- doctor --json
	rc_is 0
	json usb-access=ok usbmuxd=ok pair-records=ok \
		'pair-records~^1 of 1 normal-mode device paired' \
		model-table=ok "model-table~^irecctl's table knows the 2 identified devices$"
	;;
lab-table)
	lab $RECOVERY $UNPAIRED $NEWER -- doctor
	rc_is 0
	out_has '^ok   usb-access    running as root|^ok   usb-access    this user can open the 2 devices'
	out_has '^warn pair-records  1 of 1 normal-mode device not paired with this host: 00008030-0000000000000003 '
	out_has '^                   fix: unlock the device, run `idevicepair -u 00008030-0000000000000003 pair`'
	out_has '^warn model-table   1 device newer than irecctl'"'"'s table'
	out_has '^ok   lock-dir      '
	[ "$(grep -Ec '^(ok  |warn|fail) ' "$tmp/out")" = 8 ] || fail "expected 8 check lines"
	[ ! -s "$tmp/err" ] || fail "stderr not empty"
	;;
man-list)
	# The man page names every check doctor makes, in doctor's order.
	: "${MANPAGE:?}"
	set +e
	"$IRECSIM" run -- "$IRECCTL" doctor --json >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	python3 - "$tmp/out" "$MANPAGE" <<'EOF' || fail "the man page's doctor list differs"
import json, re, sys
checks = [c["check"] for c in json.load(open(sys.argv[1]))]
man = open(sys.argv[2]).read()
section = man[man.index("*doctor* [--json]") + len("*doctor*"):]
section = section[:section.index("check says ok, warn or fail")]
listed = list(dict.fromkeys(re.findall(r"\*([a-z][a-z-]*)\*", section)))
assert listed == checks, f"man page: {listed}, doctor --json: {checks}"
EOF
	;;
empty)
	# Nothing attached: every device check is fine, and quickly.
	set +e
	"$IRECSIM" run -- sh -c 'a=$(date +%s%N); "$0" doctor --json; r=$?; b=$(date +%s%N)
		echo $(((b - a) / 1000000)) >"$1"; exit $r' "$IRECCTL" "$tmp/ms" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 0
	json usb-access=ok usbmuxd=ok 'usbmuxd~\(0 devices\)' pair-records=ok \
		'pair-records~^no normal-mode device attached' model-table=ok lock-dir=ok
	[ "$(cat "$tmp/ms")" -lt 1000 ] || fail "took $(cat "$tmp/ms") ms"
	;;
mux-off)
	# usbmuxd gone: a failure (exit 1), and the raw-USB device is still seen.
	set +e
	"$IRECSIM" run --device $RECOVERY --device $UNPAIRED \
		-- sh -c '"$IRECSIM" ctl mux off >/dev/null && exec "$IRECCTL" doctor --json' \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 1
	json usbmuxd=fail 'usbmuxd~^USBMUXD_SOCKET_ADDRESS=UNIX:[^ ]+ does not answer$' \
		'usb-access~\(1 device in recovery/DFU modes\)|open the 1 device' \
		pair-records=ok
	;;
lock-symlink)
	# A lock directory someone replaced by a symbolic link: refused, exit 1.
	mkdir "$tmp/elsewhere"
	ln -s "$tmp/elsewhere" "$tmp/link"
	export IRECCTL_LOCK_DIR="$tmp/link"
	lab $RECOVERY -- doctor --json
	rc_is 1
	json lock-dir=fail 'lock-dir~is a symbolic link' usb-access=ok usbmuxd=ok
	[ -z "$(ls "$tmp/elsewhere")" ] || fail "a lock was taken through the link"
	;;
inaccessible)
	# A device node this user may not open: usb-access fails (exit 1) and
	# says how to fix it. Needs root to become another user.
	[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null || { echo "skip: needs root and setpriv"; exit 77; }
	chmod 0755 "$tmp"
	mkdir -m 1777 "$tmp/locks"
	set +e
	# The lab's private dirs are root's: let the other user reach them.
	"$IRECSIM" run --device $RECOVERY:inaccessible=1 --device iPhone12,1:normal:ecid=0x3 -- sh -c '
		chmod a+x "$(dirname "$UMOCKDEV_DIR")" && chmod -R a+rX "$UMOCKDEV_DIR" &&
		chmod a+rw "${USBMUXD_SOCKET_ADDRESS#UNIX:}" &&
		exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$IRECCTL" doctor --json' \
		>"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	rc_is 1
	json usb-access=fail \
		'usb-access~^this user cannot open 1 of 1 device in recovery/DFU modes: permission denied on /dev/bus/usb/[0-9]+/[0-9]+$' \
		'usb-access%39-irecctl\.rules.*usermod -aG plugdev' \
		usbmuxd=ok pair-records=ok lock-dir=ok
	;;
mux-process)
	# A usbmuxd process whose socket does not answer is named (found in /proc).
	if pgrep -x usbmuxd >/dev/null 2>&1 || [ -e /var/run/usbmuxd ]; then
		echo "skip: this host runs a usbmuxd"
		exit 77
	fi
	cp "$(command -v sleep)" "$tmp/usbmuxd"
	"$tmp/usbmuxd" 30 &
	fake=$!
	set +e
	env -u USBMUXD_SOCKET_ADDRESS "$IRECCTL" doctor --json >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	set -e
	kill "$fake"
	rc_is 1
	json usbmuxd=fail "usbmuxd~^usbmuxd \\(pid $fake\\) runs, but /var/run/usbmuxd does not answer\$"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
echo "ok: doctor $1"
