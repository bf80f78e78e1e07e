#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Ansible collection (ansible/) over several simulated hosts on one
# machine: each inventory host is its own irecsim lab, reached with the local
# connection and its own environment. Usage: cases.sh CASE
# Environment (set by CTest): IRECSIM, IRECCTL, SRC.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}" "${SRC:?}"

. "$(dirname "$0")/netns.sh"
command -v ansible-playbook >/dev/null || { echo "FAIL: ansible-playbook missing (scripts/deps installs ansible-core)" >&2; exit 1; }
. "$(dirname "$0")/fleetkit.sh"

# requests_after NAME MARK: the lines of NAME's lab log after a log-mark
# that would change a device (iBoot writes, EnterRecovery, mode changes).
requests_after() {
	sed -n "/mark $2\$/,\$p" "$tmp/$1.log" |
		grep -E 'EnterRecovery|ctrl-out breq=[0-9]+ "(setenv|saveenv|reboot)|core mode|core detached' || :
}

# The interpreter Ansible runs on (python3 first in PATH may be another).
ansible_python() {
	_py=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-playbook)")
	case $_py in */env) command -v python3 ;; *) echo "$_py" ;; esac
}

case "$1" in
ansible-doc)
	# each module's documentation renders, with its options, examples and return values
	export ANSIBLE_COLLECTIONS_PATH="$SRC/ansible" ANSIBLE_HOME="$tmp/ansible-home"
	ansible-doc -l irecctl.fleet >"$tmp/list" 2>&1 || fail "ansible-doc -l: $(cat "$tmp/list")"
	for m in irecctl_facts irecctl_mode irecctl_restore; do
		grep -q "^irecctl.fleet.$m " "$tmp/list" || fail "ansible-doc -l lacks $m"
		ansible-doc "irecctl.fleet.$m" >"$tmp/out" 2>&1 || fail "ansible-doc $m"
		for section in "^OPTIONS" "^EXAMPLES:" "^RETURN VALUES:"; do
			grep -q "$section" "$tmp/out" || fail "ansible-doc $m lacks $section"
		done
		ansible-doc --json "irecctl.fleet.$m" >"$tmp/$m.json" 2>"$tmp/err" || fail "ansible-doc --json $m"
	done
	"$(ansible_python)" - "$tmp" <<'PY' || fail "documented options"
import json, sys
want = {
    "irecctl_facts": {"ecid", "udid", "timeout", "binary"},
    "irecctl_mode": {"state", "ecid", "udid", "all", "timeout", "lock_timeout", "pair",
                     "wait_for_person", "binary"},
    "irecctl_restore": {"ipsw", "ecid", "udid", "all", "method", "confirm_ecid", "jobs",
                        "timeout", "binary"},
}
for m, opts in want.items():
    d = json.load(open("%s/%s.json" % (sys.argv[1], m)))["irecctl.fleet." + m]
    got = set(d["doc"]["options"])
    assert got == opts, (m, got ^ opts)
    assert d["examples"].strip() and d["return"], m
PY
	;;
module-utils)
	"$(ansible_python)" -m unittest discover -s "$FLEET_DIR" -p 'test_*.py' >"$tmp/out" 2>&1 ||
		fail "unit tests"
	;;
facts-mixed)
	# three hosts, every mode; each host sees its own lab only
	host lab1 iPhone10,3:recovery:ecid=0xa11 iPhone12,1:normal:ecid=0xa12
	host lab2 iPad8,1:dfu:ecid=0xa21 iPhone9,1:normal:ecid=0xa22:ios=12.5.7:trust=unpaired
	host lab3 iPhone16,1:normal:ecid=0xa31 iPhone11,8:recovery:ecid=0xa32 iPhone10,1:restore:ecid=0xa33
	inventory
	cat >>"$tmp/inventory.yml" <<'YAML'
  children:
    expectations:
      hosts:
        lab1:
          expect_modes: {recovery: 1, normal: 1}
          expect_ecids: ["0x0000000000000a11", "0x0000000000000a12"]
        lab2:
          expect_modes: {dfu: 1, normal: 1}
          expect_ecids: ["0x0000000000000a21", "0x0000000000000a22"]
        lab3:
          expect_modes: {normal: 1, recovery: 1, restore: 1}
          expect_ecids: ["0x0000000000000a31", "0x0000000000000a32"]
YAML
	play "$FLEET_DIR/facts.yml"
	rc_is 0
	recap lab1 4 0 0
	recap lab2 2 0 0
	recap lab3 2 0 0
	# status only reads: nothing was asked of any device
	for h in lab1 lab2 lab3; do
		! grep -Eq 'EnterRecovery|"(setenv|saveenv|reboot)|core mode' "$tmp/$h.log" ||
			fail "$h saw a request"
	done
	;;
roundtrip)
	host lab1 iPhone10,3:recovery:ecid=0xb11 iPhone12,1:normal:ecid=0xb12
	host lab2 iPhone16,1:normal:ecid=0xb21 iPhone9,1:recovery:ecid=0xb22 iPad8,1:normal:ecid=0xb23
	host lab3 iPhone11,8:recovery:ecid=0xb31 iPhone9,1:normal:ecid=0xb32:ios=12.5.7
	inventory
	play "$FLEET_DIR/roundtrip.yml"
	rc_is 0
	recap lab1 10 2 0
	recap lab2 10 2 0
	recap lab3 10 2 0
	# each host's requests went to its own lab: lab2's normal devices were
	# sent EnterRecovery there and nowhere else
	grep -q '0x0000000000000b21 lockdown EnterRecovery' "$tmp/lab2.log" || fail "lab2 saw no EnterRecovery"
	! grep -q '0x0000000000000b2' "$tmp/lab1.log" "$tmp/lab3.log" || fail "lab2's devices in another lab's log"
	for h in lab1 lab2 lab3; do
		[ "$(ctl $h list | awk '{print $5}' | sort -u)" = normal ] || fail "$h: not all normal"
	done
	;;
check-mode)
	host lab1 iPhone10,3:recovery:ecid=0xc11 iPhone12,1:normal:ecid=0xc12
	host lab2 iPhone16,1:normal:ecid=0xc21 iPad8,1:dfu:ecid=0xc22 iPhone9,1:recovery:ecid=0xc23
	host lab3 iPhone11,8:recovery:ecid=0xc31 iPhone9,1:normal:ecid=0xc32:ios=12.5.7
	inventory
	for h in lab1 lab2 lab3; do ctl $h list >"$tmp/$h.before"; ctl $h log-mark check; done
	play "$FLEET_DIR/check.yml" --check
	rc_is 0
	out_has 'WARNING.*: 0x0000000000000c22 in dfu mode would not reach recovery mode: needs-'
	for h in lab1 lab2 lab3; do
		grep -q 'mark check$' "$tmp/$h.log" || fail "$h: no mark"
		[ -z "$(requests_after $h check)" ] || fail "$h saw requests in check mode: $(requests_after $h check)"
		ctl $h list | cmp -s - "$tmp/$h.before" || fail "$h: devices changed in check mode"
	done
	# the run did read every lab (the prediction is not a guess)
	for h in lab1 lab2 lab3; do
		sed -n '/mark check$/,$p' "$tmp/$h.log" | grep -q 'mux ListDevices prog=irecctl' || fail "$h was not read"
	done
	;;
recovery-loop)
	# the example playbook over three hosts; lab3 has a device whose OS does not boot
	host lab1 iPhone10,3:recovery:ecid=0xd11 iPhone12,1:normal:ecid=0xd12
	host lab2 iPhone11,8:recovery:ecid=0xd21
	host lab3 iPhone10,1:recovery:ecid=0xd31:loop=1 iPhone9,1:recovery:ecid=0xd32:ios=12.5.7
	host lab4 # no device attached: nothing to do, not a failure
	inventory
	play irecctl.fleet.all_normal
	rc_is 2
	recap lab1 1 1 0
	recap lab2 1 1 0
	recap lab3 0 0 1
	recap lab4 1 0 0
	out_has 'recovery-loop \(exit 11: the device came back in recovery mode'
	out_has '"msg": "lab3: 0x0000000000000d31"'
	out_lacks '"msg": "lab[12]: '
	[ "$(ctl lab3 list | awk '$2 == "0x0000000000000d32" {print $5}')" = normal ] ||
		fail "lab3's good device is not in normal mode"
	[ "$(ctl lab2 list | awk '{print $5}')" = normal ] || fail "lab2's device is not in normal mode"
	;;
busy)
	host lab1 iPhone10,3:recovery:ecid=0xb1
	host lab2 iPhone11,8:recovery:ecid=0xb2
	inventory
	# another job holds lab1's device: flock(1) takes the same flock() irecctl
	# takes and keeps it while its command waits for a line on a FIFO
	lock="$tmp/lab1.locks/00000000000000b1.lock"
	mkfifo "$tmp/hold" "$tmp/held"
	# (--no-fork: one process holds it, the one $holder names, stopped by pid)
	flock -n --no-fork "$lock" sh -c 'echo held >"$1"; read -r _ <"$2"' sh "$tmp/held" "$tmp/hold" &
	holder=$!
	bg_pids="$bg_pids $holder"
	read -r _ <"$tmp/held" || fail "the other job did not take the lock"
	play "$FLEET_DIR/busy.yml"
	rc_is 0
	out_has "in use by another irecctl \\(pid $holder\\)"
	grep -q '^argv exit -d 0x00000000000000b1 --lock-timeout 0.3 --json --timeout 20$' "$tmp/lab1.spy" ||
		fail "spy: $(cat "$tmp/lab1.spy")"
	grep -Eq '"(setenv|reboot)' "$tmp/lab1.log" && fail "lab1's locked device was written to"
	echo done >"$tmp/hold"
	wait "$holder"
	[ "$(ctl lab2 list | awk '{print $5}')" = normal ] || fail "lab2's device is not in normal mode"
	;;
pair)
	host lab1 iPhone12,1:normal:ecid=0x91:ios=17.0:trust=unpaired
	inventory
	play "$FLEET_DIR/pair.yml"
	rc_is 0
	grep -q '0x0000000000000091 lockdown Pair' "$tmp/lab1.log" || fail "no pairing request in the lab log"
	;;
restore-consent)
	host lab1 iPhone10,3:recovery:ecid=0xe1 iPhone12,1:normal:ecid=0xe2
	inventory
	# With irecctl restore's own fixture generator (tests/restore), an IPSW
	# for lab1's iPhone X, whose plan must succeed; else an empty file.
	if [ -f "$SRC/tests/restore/mkipsw.py" ]; then
		"$(ansible_python)" "$SRC/tests/restore/mkipsw.py" "$tmp/fixture.ipsw" --product iPhone10,3 --board d22ap
		expect_plan=ok
	else
		: >"$tmp/fixture.ipsw"
		expect_plan=any
	fi
	ctl lab1 log-mark restore
	play "$FLEET_DIR/restore.yml" -e "ipsw=$tmp/fixture.ipsw" -e "expect_plan=$expect_plan"
	rc_is 0
	# irecctl restore ran twice, for the plans; never without --plan
	[ "$(grep -c '^argv restore' "$tmp/lab1.spy")" = 2 ] || fail "spy: $(cat "$tmp/lab1.spy")"
	! grep '^argv restore' "$tmp/lab1.spy" | grep -v -q -- ' --plan ' || fail "a restore without --plan"
	[ -z "$(requests_after lab1 restore)" ] || fail "lab1 saw requests: $(requests_after lab1 restore)"
	;;
mux-proxy)
	# How far USBMUXD_SOCKET_ADDRESS=host:port carries (README, "How the lab
	# grows further"): `remote` reaches usbhost's usbmuxd through a TCP
	# proxy on loopback; its own USB bus (an empty lab) is not usbhost's.
	host usbhost iPhone12,1:normal:ecid=0xf1:ios=17.5 iPhone10,3:recovery:ecid=0xf2
	host remote
	mkfifo "$tmp/bridge.fifo"
	"$(ansible_python)" "$FLEET_DIR/mux-bridge.py" "$(lab_var usbhost USBMUXD_SOCKET_ADDRESS | sed 's/^UNIX://')" \
		>"$tmp/bridge.fifo" 2>"$tmp/bridge.err" &
	bg_pids="$bg_pids $!"
	read -r port <"$tmp/bridge.fifo" || fail "bridge: $(cat "$tmp/bridge.err")"
	sed -i "s|^export USBMUXD_SOCKET_ADDRESS=.*|export USBMUXD_SOCKET_ADDRESS='127.0.0.1:$port'|" "$tmp/remote.env"
	inventory
	ctl usbhost log-mark proxy
	play "$FLEET_DIR/proxy.yml"
	rc_is 0
	# the request crossed the proxy; the device then arrived on usbhost's USB
	sed -n '/mark proxy$/,$p' "$tmp/usbhost.log" >"$tmp/after"
	grep -q '0x00000000000000f1 lockdown EnterRecovery label=irecctl' "$tmp/after" || fail "no EnterRecovery through the proxy"
	grep -q '0x00000000000000f1 usb plug recovery' "$tmp/after" || fail "0xf1 did not arrive on usbhost's USB"
	! grep -q 'ctrl-out' "$tmp/remote.log" || fail "remote's own bus saw a transfer"
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
