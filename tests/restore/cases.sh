#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `irecctl restore` with the REAL restore engine (idevicerestore) against the
# simulated lab and a loopback signing stand-in, inside a network namespace
# that has loopback only. Usage: netns.sh cases.sh CASE
# Environment (set by CTest): IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
. "$(dirname "$0")/kit.sh"

STANDIN="$here/standin-engine.py"
X=iPhone10,3:recovery:ecid=0x1122:restore-ios=16.7.9:restore-build=20H999
ID=0x0000000000001122

case "$1" in
update-verified)
	signer ok
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore -d 0x1122 --ipsw '"$tmp/good.ipsw"' || exit $?
		ideviceinfo -k BuildVersion'
	rc_is 0
	out_has "^$ID  iPhone X \(Global\)  updated to iOS 16.7.9 \(20H999\), verified on the device"
	out_has '^20H999$' # the witness: lockdownd says so too
	log_has 'usb ramdisk: the update ramdisk'
	log_has 'restored StatusMsg status=0'
	log_has 'core mode restore -> normal'
	audit_has '"kind":"update","consent":"not-needed".*"result":"ok"'
	# Only the stand-in was asked, through the proxy.
	[ "$(grep -c . "$SIGNER_LOG")" = 2 ] || fail "signer saw: $(cat "$SIGNER_LOG")"
	grep -q '^connect gs.apple.com:443$' "$SIGNER_LOG" || fail "no CONNECT to gs.apple.com"
	;;
update-from-normal)
	# A device in normal mode goes to recovery with irecctl's own enter first.
	signer ok
	ipsw good
	rlab iPhone10,3:normal:ecid=0x1122:ios=16.7.8:restore-ios=16.7.9:restore-build=20H999 -- \
		'"$IRECCTL" restore --ipsw '"$tmp/good.ipsw"
	rc_is 0
	out_has 'updated to iOS 16.7.9 \(20H999\), verified'
	log_has 'lockdown EnterRecovery label=irecctl'
	log_has 'usb ramdisk: the update ramdisk'
	;;
update-json)
	signer ok
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --json --ipsw '"$tmp/good.ipsw"
	rc_is 0
	python3 - "$tmp/out" <<'EOF' || fail "bad NDJSON"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
phases = [e["phase"] for e in ev if e["event"] == "phase"]
assert phases == ["detect", "sign", "upload", "restore", "verify"] or \
       phases == ["sign", "upload", "restore", "verify"], phases
fr = [e["fraction"] for e in ev if e["event"] == "progress"]
assert fr == sorted(fr) and fr[-1] == 1.0, fr
assert any(e["event"] == "point-of-no-return" for e in ev)
assert ev[-1]["event"] == "result" and ev[-1]["result"] == "ok" and ev[-1]["exit_code"] == 0
assert all(e["ecid"] == "0x0000000000001122" and "time" in e for e in ev)
EOF
	;;
plan)
	signer ok
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --plan --erase-if-update-fails --ipsw '"$tmp/good.ipsw"
	out_has "^run      update \(Customer Upgrade Install \(IPSW\)\)$"
	out_has "idevicerestore -i $ID -y -P -C .* $tmp/good.ipsw$"
	out_has "^if fails erase \(Customer Erase Install \(IPSW\)\)$"
	out_has "idevicerestore -i $ID -y -P -C .* -e .*good.ipsw$"
	# Without a terminal and without --yes --confirm-ecid a real run refuses: so does the plan.
	rc_is 2
	out_has "^consent  would be refused: without a terminal give --yes --confirm-ecid $ID$"
	engine_never_ran
	;;
plan-consent)
	# The plan checks the consent it was given and creates nothing.
	signer ok
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --plan --erase --yes --confirm-ecid 0x1122 --cache '"$tmp/new/cache"' --log-dir '"$tmp/new/logs"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	out_has "^consent  given \(--yes --confirm-ecid $ID\)$"
	out_has "^cache    $tmp/new/cache "
	[ ! -e "$tmp/new" ] || fail "--plan created $(ls -R "$tmp/new")"
	rlab "$X" -- '"$IRECCTL" restore --plan --erase --yes --confirm-ecid 0x1123 --ipsw '"$tmp/good.ipsw"
	rc_is 2
	out_has '^consent  would be refused: --confirm-ecid 0x1123 is not '
	touch "$tmp/file"
	rlab "$X" -- '"$IRECCTL" restore --plan --cache '"$tmp/file"' --ipsw '"$tmp/good.ipsw"
	rc_is 2
	err_has "$tmp/file is not a directory"
	[ ! -e "$AUDIT" ] || fail "--plan wrote the audit log"
	engine_never_ran
	;;
plan-json)
	# One "plan" record per device, in the restore schema (rlab validates it).
	signer ok
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --plan --json --erase-if-update-fails --yes --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"
	rc_is 0
	python3 - "$tmp/out" "$ID" "$tmp/good.ipsw" <<'EOF' || fail "bad plan record"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len(ev) == 1, ev
p = ev[0]
assert list(p)[0] == "schema_version", p
assert p["event"] == "plan" and p["ecid"] == sys.argv[2] and p["ipsw"] == sys.argv[3], p
assert p["consent"] == "ok" and p["exit_code"] == 0 and p["kind"] == "update-then-erase", p
assert [r["kind"] for r in p["runs"]] == ["update", "erase"], p["runs"]
assert " -e " in p["runs"][1]["command"] and " -e " not in p["runs"][0]["command"], p["runs"]
EOF
	rlab "$X" -- '"$IRECCTL" restore --plan --json --erase --ipsw '"$tmp/good.ipsw"
	rc_is 2
	out_has '"event":"plan".*"consent":"refused"'
	engine_never_ran
	;;
erase-consent)
	signer ok
	ipsw good
	rlab "$X:trust=paired" -- '"$IRECCTL" restore --erase --yes --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"' || exit $?
		irecsim ctl show 0x1122'
	rc_is 0
	out_has 'erased and restored to iOS 16.7.9 \(20H999\), verified'
	out_has '^trust=unpaired$' # an erased device forgets its pairings
	log_has 'usb ramdisk: the erase ramdisk'
	audit_has '"kind":"erase","consent":"confirm-ecid"'
	;;
erase-refused)
	# Without a terminal: only --yes with the resolved device's ECID.
	signer ok
	ipsw good
	rlab "$X" -- '
		"$IRECCTL" restore --erase --ipsw '"$tmp/good.ipsw"' </dev/null; echo "plain=$?"
		"$IRECCTL" restore --erase --yes --ipsw '"$tmp/good.ipsw"' </dev/null; echo "yes=$?"
		"$IRECCTL" restore --erase --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "confirm=$?"
		"$IRECCTL" restore --erase --yes --confirm-ecid 0x1123 --ipsw '"$tmp/good.ipsw"'; echo "wrong=$?"
		"$IRECCTL" restore --erase-if-update-fails --ipsw '"$tmp/good.ipsw"'; echo "if=$?"
		"$IRECCTL" --all restore --erase --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "all=$?"
		"$IRECCTL" restore --erase --consent-all --ipsw '"$tmp/good.ipsw"' </dev/null; echo "forged=$?"
		"$IRECCTL" restore --erase --yes --consent-all --ipsw '"$tmp/good.ipsw"' </dev/null; echo "forgedyes=$?"'
	for k in plain yes confirm wrong if all forged forgedyes; do
		out_has "^$k=2$"
	done
	# Each refused erase is an attempt in the audit log, with its schema
	# version; wrong option combinations (confirm, all, forged, forgedyes)
	# are refused before any device is looked at (option-errors).
	[ "$(grep -c '"schema_version":.*"kind":"erase","consent":"refused".*"result":"refused"' "$AUDIT")" = 4 ] ||
		fail "refused attempts not audited: $(cat "$AUDIT" 2>/dev/null)"
	! grep -q '"result":"ok"' "$AUDIT" || fail "an ok result after refusals"
	err_has 'needs consent: without a terminal give --yes --confirm-ecid 0x0000000000001122'
	err_has 'is not the ECID of the device to erase'
	engine_never_ran
	;;
all-one-device)
	# --all --erase --yes is consent however many devices are attached;
	# -d with --all is a usage error.
	signer ok
	ipsw good
	rlab "$X" -- '
		"$IRECCTL" --all restore -d 0x1122 --erase --yes --ipsw '"$tmp/good.ipsw"' </dev/null; echo "both=$?"
		"$IRECCTL" --all restore --erase --yes --ipsw '"$tmp/good.ipsw"' </dev/null; echo "all=$?"'
	out_has '^both=2$'
	out_has '^all=0$'
	err_has '-d and --all exclude each other'
	err_has "^  $ID$" # the list of ECIDs comes first
	out_has 'erased and restored to iOS 16.7.9 \(20H999\), verified'
	audit_has '^\{"schema_version":[^,]*,.*"kind":"erase","consent":"yes-all".*"result":"ok"'
	;;
erase-typed)
	# On a terminal: the ECID typed, at least its last 4 hex digits.
	signer ok
	ipsw good
	rlab "$X" -- 'python3 '"$here/onpty.py"' 1121 "$IRECCTL" restore --erase --ipsw '"$tmp/good.ipsw"'; echo "wrong=$?"'
	out_has '^wrong=2$'
	out_has 'Type its ECID'
	engine_never_ran
	rlab "$X" -- 'python3 '"$here/onpty.py"' 1122 "$IRECCTL" restore --erase --ipsw '"$tmp/good.ipsw"'; echo "typed=$?"'
	out_has '^typed=0$'
	log_has 'usb ramdisk: the erase ramdisk'
	audit_has '"kind":"erase","consent":"typed"'
	;;
erase-if-update-fails)
	# The update fails after the point of no return; then erase, consent given up front.
	signer ok
	ipsw good
	rlab "$X:restore-outcome=fail-14-3,ok" -- \
		'"$IRECCTL" restore --erase-if-update-fails --yes --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"
	rc_is 0
	err_has 'the update failed \(the restore failed after the point of no return'
	out_has 'erased and restored to iOS 16.7.9'
	log_count 'restored StartRestore label' 2
	log_has 'StatusMsg status=14 AMRError=14'
	# The device saw the update ramdisk first, then the erase one.
	[ "$(grep -Eo 'ramdisk: the (update|erase)' "$LAB_LOG" | tr '\n' ' ')" = \
		"ramdisk: the update ramdisk: the erase " ] || fail "ramdisk order"
	audit_has '"kind":"update".*"result":"restore-failed"'
	audit_has '"kind":"erase".*"result":"ok"'
	;;
failed-after-ponr)
	signer ok
	ipsw good
	rlab "$X:restore-outcome=fail-14-3" -- '"$IRECCTL" restore --ipsw '"$tmp/good.ipsw"
	rc_is 21
	err_has 'failed after the point of no return \(Fail'
	log_has 'StatusMsg status=14 AMRError=14'
	log_has 'core restore failed: rebooting into recovery'
	;;
not-signed)
	signer refuse
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --ipsw '"$tmp/good.ipsw"
	rc_is 19
	err_has 'does not sign iOS 16.7.9 for this device'
	nothing_written # the ticket is asked for before anything is sent
	grep -q '^request https://gs.apple.com' "$SIGNER_LOG" || fail "signer not asked"
	;;
signing-unreachable)
	signer unreachable
	ipsw good
	rlab "$X" -- '"$IRECCTL" restore --ipsw '"$tmp/good.ipsw"
	rc_is 20
	err_has 'signing server could not be reached'
	nothing_written
	;;
wrong-ipsw)
	signer ok
	ipsw other --product iPhone12,1 --board n104ap --chip 0x8030 --bdid 0x04
	rlab "$X" -- '"$IRECCTL" restore --ipsw '"$tmp/other.ipsw"
	rc_is 18
	err_has 'does not support iPhone10,3 \(it is for iPhone12,1\)'
	engine_never_ran
	;;
erase-only-update)
	# The engine would fall back to the Erase identity and erase without a word.
	signer ok
	ipsw eraseonly --identities erase
	rlab "$X" -- '"$IRECCTL" restore --update --ipsw '"$tmp/eraseonly.ipsw"
	rc_is 18
	err_has 'no Update identity for d22ap: an update with it would erase the device'
	engine_never_ran
	;;
missing-component)
	signer ok
	ipsw broken --missing RestoreKernelCache
	rlab "$X" -- '"$IRECCTL" restore --ipsw '"$tmp/broken.ipsw"
	rc_is 18
	err_has 'lacks a component: RestoreKernelCache'
	engine_never_ran
	;;
variant-mismatch)
	# The IPSW changes after the pre-flight (replaced by an erase-only one):
	# the real engine falls back to erasing; irecctl kills it at its Variant
	# line, before anything is written. After that line the engine extracts
	# the OS image and asks for a ticket before its first write: seconds with
	# a real IPSW, a 16 MiB image here.
	signer ok
	ipsw good
	ipsw eraseonly --identities erase --os-mib 16
	cat >"$tmp/swap-engine" <<EOF
#!/bin/sh
[ "\$1" = -v ] || cp "$tmp/eraseonly.ipsw" "$tmp/good.ipsw"
exec idevicerestore "\$@"
EOF
	chmod +x "$tmp/swap-engine"
	rlab "$X" -- '"$IRECCTL" restore --engine '"$tmp/swap-engine"' --ipsw '"$tmp/good.ipsw"
	rc_is 18
	nothing_written
	if engine_is_100; then
		err_has "chose 'Customer Erase Install \(IPSW\)' instead of 'Customer Upgrade Install \(IPSW\)'"
		grep -q 'irecctl: killed: Variant' "$STATE"/logs/restore-*-update.log || fail "log"
		grep -q 'irecctl: engine ended: signal 9' "$STATE"/logs/restore-*-update.log || fail "not killed"
	else
		# Later engines get --variant and match it exactly: they refuse themselves.
		err_has 'the engine found no build identity for the device'
	fi
	;;
two-recovery)
	engine_is_100 || { echo "engine $ENGINE_VERSION handles two devices" >&2; exit 77; }
	signer ok
	ipsw good
	rlab "$X" iPhone10,3:recovery:ecid=0x2233 -- '"$IRECCTL" restore -d 0x1122 --ipsw '"$tmp/good.ipsw"' || exit $?'
	rc_is 17
	err_has '2 devices are in recovery/DFU mode, and the restore engine .* 1.0.0 crashes'
	engine_never_ran
	;;
sigint-before-ponr)
	# The engine waits for its ticket; Ctrl-C stops it; nothing was written.
	signer hold
	ipsw good
	rlab "$X" -- '
		env --default-signal=INT "$IRECCTL" restore --ipsw '"$tmp/good.ipsw"' 2>"$XDG_STATE_HOME.err" &
		pid=$!
		"$WAIT_TEXT" '"$SIGNER_LOG"' holding || exit 97
		kill -INT $pid
		wait $pid; echo "rc=$?"
		echo released >'"$SIGNER_LOG.release"'
		cat "$XDG_STATE_HOME.err" >&2'
	out_has '^rc=130$'
	err_has 'interrupted; nothing irreversible had happened'
	nothing_written
	grep -q 'irecctl: engine ended' "$STATE"/logs/restore-*-update.log || fail "engine not reaped"
	;;
sigint-after-ponr)
	# Past the point of no return the first Ctrl-C only warns; the second stops.
	signer ok
	ipsw good
	rlab "$X:restore-outcome=hang" -- '
		env --default-signal=INT "$IRECCTL" restore --ipsw '"$tmp/good.ipsw"' 2>"$XDG_STATE_HOME.err" &
		pid=$!
		"$WAIT_TEXT" "$LAB_LOG" "hang: no more messages" || exit 97
		kill -INT $pid
		"$WAIT_TEXT" "$XDG_STATE_HOME.err" "Press Ctrl-C again" || exit 98
		kill -0 $pid || exit 96
		kill -INT $pid
		wait $pid; echo "rc=$?"
		cat "$XDG_STATE_HOME.err" >&2'
	out_has '^rc=130$'
	err_has 'past the point of no return: interrupting now can leave the device unusable'
	err_has 'interrupted after the point of no return: the device needs another restore'
	log_has 'restored StartRestore'
	;;
hang-timeout)
	signer ok
	ipsw good
	rlab "$X:restore-outcome=hang" -- '"$IRECCTL" restore --timeout 15 --ipsw '"$tmp/good.ipsw"
	rc_is 5
	err_has 'did not finish in time \(stopped, during restore\)'
	;;
never-back)
	# The engine finishes, but the device never boots back: a timeout, not success.
	signer ok
	ipsw good
	rlab "$X" -- '
		"$IRECCTL" restore --timeout 20 --ipsw '"$tmp/good.ipsw"' >"$XDG_STATE_HOME.out" 2>"$XDG_STATE_HOME.err" &
		pid=$!
		"$WAIT_TEXT" "$LAB_LOG" "restored StartRestore: outcome" || exit 97
		irecsim ctl set 0x1122 transition=600000 >/dev/null
		wait $pid; echo "rc=$?"
		cat "$XDG_STATE_HOME.err" >&2'
	out_has '^rc=5$'
	err_has 'the engine finished, but the device did not come back in normal mode in time'
	log_has 'restored StatusMsg status=0'
	log_has 'core mode restore -> normal in 600000 ms'
	;;
recovery-loop)
	signer ok
	ipsw good
	rlab "$X:loop=1" -- '"$IRECCTL" restore --ipsw '"$tmp/good.ipsw"
	rc_is 11
	err_has 'came back in recovery mode: the new OS does not boot \(recovery loop\)'
	log_has 'restored StatusMsg status=0'
	log_has 'core mode restore -> recovery'
	;;
all-jobs)
	# Four devices in normal mode; at most 2 at once where the engine allows it
	# (Debian 12's crashes with two in recovery: then one after the other).
	signer ok
	ipsw good
	specs=""
	for e in 31 32 33 34; do
		specs="$specs iPhone10,3:normal:ecid=0x$e:ios=16.7.8:restore-ios=16.7.9:restore-build=20H999"
	done
	# Engines at once in the lab need distinct uevent fds (fdpad-engine.py).
	# shellcheck disable=SC2086
	rlab $specs -- '"$IRECCTL" --all restore --jobs 2 --json --engine '"$here/fdpad-engine.py"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	[ "$(grep -c '"event":"result","ecid":"0x00000000000000[0-9]*".*"result":"ok"\|"result":"ok"' "$tmp/out")" -ge 4 ] ||
		fail "not 4 results"
	for e in 31 32 33 34; do
		out_has "\"ecid\":\"0x00000000000000$e\".*\"event\":\"result\"|\"event\":\"result\",\"ecid\":\"0x00000000000000$e\""
	done
	log_count 'core restore finished: rebooting into normal' 4
	if engine_is_100; then
		err_has 'one device at a time'
		# Never two devices in recovery or restore mode at once.
		python3 - "$LAB_LOG" <<'EOF' || fail "two devices were restored at once"
import re, sys
busy = set()
for l in open(sys.argv[1]):
    m = re.match(r"\s*\d+ (0x[0-9a-f]+) core (attached in|detached from) (\w+)", l)
    if not m:
        continue
    ecid, what, mode = m.groups()
    if mode in ("recovery", "restore"):
        (busy.add if what == "attached in" else busy.discard)(ecid)
    assert len(busy) <= 1, l
EOF
	fi
	;;
standin-crash)
	# The stand-in (tests only): a crash by signal after the point of no return.
	ipsw good
	rlab "$X" -- 'STANDIN_STOP_AT="Checking filesystems" STANDIN_AFTER=segv \
		"$IRECCTL" restore --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 21
	err_has 'the engine crashed \(signal 11\) after the point of no return'
	;;
standin-crash-after-finish)
	# Killed by a signal after "Restore Finished": the device's word decides
	# (success), but the crash is said on stderr and in the result record.
	ipsw good
	rlab "$X" -- 'STANDIN_AFTER=segv "$IRECCTL" restore --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	out_has 'updated to iOS 16.7.9 \(20H999\), verified on the device'
	err_has "$ID: the engine died by signal 11 after it reported the restore finished"
	rlab "$X" -- 'STANDIN_AFTER=segv "$IRECCTL" restore --json --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	out_has '"event":"result".*"result":"ok".*"engine_signal":11'
	err_has 'the engine died by signal 11'
	# A clean run has no such key.
	rlab "$X" -- '"$IRECCTL" restore --json --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	! grep -q engine_signal "$tmp/out" || fail "engine_signal without a crash"
	;;
option-errors)
	# The consent options' combinations are usage errors before anything
	# else runs: the engine (here one that does not exist, exit 17 if it
	# were probed first) and discovery; the same with and without --all,
	# for an update as for an erase; none is an audited attempt.
	ipsw good
	rlab "$X" -- '
		"$IRECCTL" restore --engine '"$STANDIN"' --consent-all --ipsw '"$tmp/good.ipsw"' </dev/null; echo "update-consent-all=$?"
		"$IRECCTL" restore --engine /nonexistent --erase --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "confirm=$?"
		"$IRECCTL" --all restore --engine /nonexistent --erase --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "all-confirm=$?"
		"$IRECCTL" --all restore --engine /nonexistent --erase --yes --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "all-yes-confirm=$?"
		"$IRECCTL" restore --engine /nonexistent --update --confirm-ecid 0x1122 --ipsw '"$tmp/good.ipsw"'; echo "update-confirm=$?"
		"$IRECCTL" restore --engine /nonexistent --yes --consent-all --ipsw '"$tmp/good.ipsw"'; echo "yes-consent-all=$?"
		"$IRECCTL" restore --engine /nonexistent --ipsw '"$tmp/good.ipsw"'; echo "engine=$?"'
	for k in update-consent-all confirm all-confirm all-yes-confirm update-confirm yes-consent-all; do
		out_has "^$k=2$"
	done
	out_has '^engine=17$' # the engine is the next thing looked at
	err_has '^irecctl: error: --consent-all goes with --yes --confirm-ecid$'
	err_has '^irecctl: error: --confirm-ecid goes with --yes$'
	err_has '--confirm-ecid names one device: with --all the consent is --yes --all'
	[ ! -e "$AUDIT" ] || fail "an option error was audited: $(cat "$AUDIT")"
	engine_never_ran
	;;
standin-closes-output)
	# An engine that closes its output, then cleans up and exits: its own
	# exit status counts, it is not stopped as a crash.
	ipsw good
	rlab "$X" -- 'STANDIN_STOP_AT="Waiting for device to enter restore mode" STANDIN_AFTER=close \
		"$IRECCTL" restore --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 1
	err_has 'the engine failed \(exit 3\): .*Unable to connect to the device'
	grep -q 'irecctl: engine ended: exit 3' "$STATE"/logs/restore-*-update.log || fail "not its own exit"
	;;
relative-paths)
	# --engine, --cache and --log-dir relative to where irecctl was started,
	# though the engine runs in a private working directory.
	ipsw good
	mkdir "$tmp/work"
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$STANDIN" >"$tmp/work/engine.py"
	chmod +x "$tmp/work/engine.py"
	rlab "$X" -- 'cd '"$tmp/work"' && "$IRECCTL" restore --engine ./engine.py --cache c --log-dir l --ipsw ../good.ipsw'
	rc_is 0
	out_has 'updated to iOS 16.7.9 \(20H999\), verified on the device'
	ls "$tmp/work/l"/restore-*-update.log >/dev/null || fail "no log in the relative --log-dir"
	grep -q -- "-C $tmp/work/c " "$tmp/work/l"/restore-*-update.log || fail "cache not absolute"
	;;
bad-arguments)
	# Usage errors before anything runs: an empty --engine, no IPSW file.
	ipsw good
	mkdir "$tmp/dir.ipsw"
	rlab "$X" -- '
		"$IRECCTL" restore --engine "" --ipsw '"$tmp/good.ipsw"'; echo "engine=$?"
		"$IRECCTL" restore --ipsw '"$tmp/none.ipsw"'; echo "missing=$?"
		"$IRECCTL" restore --ipsw '"$tmp/dir.ipsw"'; echo "dir=$?"'
	for k in engine missing dir; do
		out_has "^$k=2$"
	done
	err_has '--engine needs a path'
	err_has "cannot read the IPSW '$tmp/none.ipsw': No such file or directory"
	err_has "the IPSW $tmp/dir.ipsw is not a file"
	engine_never_ran
	;;
standin-hang-kill)
	# An engine that ignores SIGTERM: SIGKILL after the grace period.
	ipsw good
	rlab "$X" -- 'STANDIN_STOP_AT="Waiting for device to enter restore mode" STANDIN_AFTER=hang \
		"$IRECCTL" restore --timeout 4 --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 5
	err_has 'did not finish in time \(stopped, during upload\)'
	grep -q 'irecctl: engine ended: signal 9' "$STATE"/logs/restore-*-update.log || fail "not killed"
	;;
standin-lingers)
	# An engine that reports the restore finished but never exits (seen with
	# Debian 13's in the lab): stopped after a grace period, the device decides.
	ipsw good
	rlab "$X" -- 'STANDIN_AFTER=hang "$IRECCTL" restore --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	out_has 'updated to iOS 16.7.9 \(20H999\), verified on the device'
	grep -q 'did not exit 10 s after the restore ended (Restore Finished)' "$STATE"/logs/restore-*-update.log ||
		fail "not stopped"
	;;
standin-newer-engine)
	# Debian 13's engine (1.0.0+git20240709) takes --variant: chosen exactly,
	# no fallback, and -d so that its signing library says why a ticket is
	# refused; the 2025 logger's line prefix is understood.
	ipsw good
	rlab "$X" -- 'STANDIN_VERSION=1.0.0+git20240709 STANDIN_LOGPREFIX=1 STANDIN_ARGV='"$tmp/argv"' \
		"$IRECCTL" restore --json --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	grep -q -- "-i $ID -y -P -C .* --variant Customer Upgrade Install (IPSW) -d $tmp/good.ipsw" "$tmp/argv" ||
		fail "argv: $(cat "$tmp/argv")"
	out_has '"event":"point-of-no-return"'
	out_has '"result":"ok"'
	log_has 'core mode recovery -> normal'
	;;
standin-long-upload)
	# A slow upload: progress keeps coming, the phase stays "upload" meanwhile.
	ipsw good
	rlab "$X" -- 'STANDIN_SLOW=0.7 "$IRECCTL" restore --json --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
	rc_is 0
	python3 - "$tmp/out" <<'EOF' || fail "upload phase"
import json, sys
from datetime import datetime
ev = [json.loads(l) for l in open(sys.argv[1])]
t = lambda e: datetime.strptime(e["time"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
up = [e for e in ev if e.get("phase") == "upload"]
assert len(up) >= 3, up
assert t(up[-1]) - t(up[0]) >= 1.4, (up[0]["time"], up[-1]["time"])
EOF
	;;
contract)
	# The same scenarios through the real engine and the stand-in replaying
	# its transcripts: irecctl's normalised events must be the same. The
	# transcripts are recordings of 1.0.0 (Debian 12's engine).
	engine_is_100 || { echo "transcripts are of 1.0.0, the engine is $ENGINE_VERSION" >&2; exit 77; }
	ipsw good
	for sc in ok:ok:ok fail:fail-14-3:ok refuse:ok:refuse; do
		tr=${sc%%:*}; rest=${sc#*:}; outcome=${rest%%:*}; mode=${rest#*:}
		if [ -n "${SIGNER_PID:-}" ]; then kill "$SIGNER_PID"; wait "$SIGNER_PID" 2>/dev/null || :; fi
		rm -f "$tmp/port"; signer "$mode"
		rlab "$X:restore-outcome=$outcome" -- '"$IRECCTL" restore --json --ipsw '"$tmp/good.ipsw"
		python3 "$here/normalise.py" "$tmp/out" >"$tmp/real.$tr"
		rlab "$X:restore-outcome=$outcome" -- 'STANDIN_TRANSCRIPT='"$tr"' "$IRECCTL" restore --json --engine '"$STANDIN"' --ipsw '"$tmp/good.ipsw"
		python3 "$here/normalise.py" "$tmp/out" >"$tmp/standin.$tr"
		diff -u "$tmp/real.$tr" "$tmp/standin.$tr" >&2 || fail "$tr: the stand-in differs from the real engine"
		[ -s "$tmp/real.$tr" ] || fail "$tr: no events"
	done
	grep -q '"result": "restore-failed"' "$tmp/real.fail" || fail "fail scenario did not fail"
	grep -q '"result": "not-signed"' "$tmp/real.refuse" || fail "refuse scenario not refused"
	# Options: the stand-in rejects what the real 1.0.0 rejects, the same way.
	if engine_is_100; then
		for o in "--variant X /x.ipsw" "--bogus" "--ipsw-info /x.ipsw" "--ignore-errors /x.ipsw" "-I /x.ipsw" "-v"; do
			set +e
			# shellcheck disable=SC2086
			idevicerestore $o >"$tmp/r.out" 2>"$tmp/r.err" </dev/null; r=$?
			# shellcheck disable=SC2086
			"$STANDIN" $o >"$tmp/s.out" 2>"$tmp/s.err" </dev/null; s=$?
			set -e
			[ "$r" = "$s" ] || fail "[$o] exit: real $r, stand-in $s"
			[ "$(head -1 "$tmp/r.err")" = "$(head -1 "$tmp/s.err")" ] || fail "[$o] stderr differs"
			cmp -s "$tmp/r.out" "$tmp/s.out" || fail "[$o] stdout differs"
		done
	fi
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
