#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# JSON contracts. Usage: cases.sh CASE. Environment (set by CTest):
# IRECSIM, IRECCTL.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"
V="$(dirname "$0")/validate.py"

# A lab with a device in every mode and every trust state irecctl reports
# differently, one newer than the model table, one that cannot be read.
LAB="iPhone16,1:normal:ecid=0x11:trust=paired
iPhone12,1:normal:ecid=0x12:trust=unpaired
iPhone10,1:recovery:ecid=0x22
iPad8,1:dfu:ecid=0x33
iPhone11,8:restore:ecid=0x44
new:recovery:cpid=0x8150:bdid=0x44:ecid=0x55
iPhone9,1:recovery:ecid=0x66:inaccessible=1"

case "$1" in
every-command)
	# Each command that prints data, with --json, validated against its schema
	# (casekit's lab checks every run), including the error-carrying records.
	# shellcheck disable=SC2086
	lab $LAB -- status --json
	rc_is 0
	# shellcheck disable=SC2086
	lab $LAB -- doctor --json
	# shellcheck disable=SC2086
	lab $LAB -- wait --json --for recovery -d 0x22
	rc_is 0
	# wait --for gone: the record of a device seen leaving (attached false).
	inlab iPhone10,1:recovery:ecid=0x22 -- '
		"$IRECCTL" -v wait --json --for gone -d 0x22 --timeout 10 >"$T/g" 2>"$T/g.err" &
		w=$!
		"$WAIT_TEXT" "$T/g.err" "waiting for device"
		"$IRECSIM" ctl unplug 1 >/dev/null
		wait $w; echo "rc=$?" >"$T/g.rc"; cat "$T/g"'
	grep -qx 'rc=0' "$tmp/g.rc" || fail "wait --for gone: $(cat "$tmp/g.rc")"
	grep -q '"attached": false' "$tmp/out" || fail "wait --for gone: no attached false"
	json_valid wait "$tmp/out"
	# shellcheck disable=SC2086
	lab $LAB -- exit --json -d 0x22
	rc_is 0
	lab iPhone10,1:dfu:ecid=0x22 -- enter --json
	rc_is 8
	out_has '"buttons"'
	lab iPhone12,1:normal:ecid=0x13:ios=17.0:trust=unpaired -- enter --json
	rc_is 9
	lab iPhone12,1:normal:ecid=0x13 -- enter --json
	rc_is 0
	# watch: present, remove and add events, NDJSON.
	inlab iPhone12,1:normal:ecid=0x13 -- '
		"$IRECCTL" watch --json --initial --timeout 10 >"$T/w" &
		w=$!
		trap "kill $w 2>/dev/null || true" EXIT
		"$WAIT_TEXT" "$T/w" "\"event\":\"present\""
		"$IRECSIM" ctl mode 1 recovery >/dev/null
		"$WAIT_TEXT" "$T/w" "\"event\":\"add\""
		kill $w; wait $w; cat "$T/w"'
	json_valid watch "$tmp/out"
	grep -q '"event":"remove"' "$tmp/out" || fail "no remove event"
	# --version --json printed text: the option came before --json was read.
	for order in "--version --json" "--json --version" "status --version --json"; do
		# shellcheck disable=SC2086
		"$IRECCTL" $order >"$tmp/v.json" || fail "irecctl $order"
		json_valid version "$tmp/v.json"
	done
	grep -q '"libusb": {' "$tmp/v.json" || fail "no libusb in --version --json"
	buttons=$("$IRECCTL" buttons iPhone10,1 --json)
	echo "$buttons" >"$tmp/b.json"
	json_valid buttons "$tmp/b.json"
	;;
every-model)
	# buttons --json of every product type in the table: every sequence,
	# availability and note form there is.
	"$IRECCTL" completions bash | sed -n 's/^_irecctl_models="\(.*\)"$/\1/p' | tr ' ' '\n' |
		grep ',' | sort -u >"$tmp/models"
	[ "$(wc -l <"$tmp/models")" -gt 100 ] || fail "too few models: $(wc -l <"$tmp/models")"
	n=0
	while read -r m; do
		n=$((n + 1))
		"$IRECCTL" buttons "$m" --json >"$tmp/b.$n.json" || fail "buttons $m"
	done <"$tmp/models"
	python3 "$V" buttons "$tmp"/b.*.json >"$tmp/v.out" 2>&1 || fail "$(cat "$tmp/v.out")"
	grep -q "ok: $n document" "$tmp/v.out" || fail "$(cat "$tmp/v.out")"
	;;
validator)
	# The validator fails on what the contract forbids: a missing key, a
	# changed type, a key the schema does not document, an unknown mode,
	# a watch event of another type, no schema_version.
	"$IRECCTL" buttons iPhone10,1 --json >"$tmp/good.json"
	python3 "$V" buttons "$tmp/good.json" >/dev/null || fail "valid buttons rejected"
	cat >"$tmp/device.py" <<'PY'
import json, sys
d = {"schema_version": 1, "ecid": "0x0000000000000011", "ecid_int": 17, "udid": None,
     "mode": "recovery", "product_type": "iPhone10,1", "name": "iPhone 8", "device_class": "iPhone",
     "board": "d20ap", "cpid": 32789, "bdid": 2, "os_version": None, "build": None,
     "iboot": "iBoot-1", "device_name": None, "usb_location": "1-1", "trusted": None,
     "accessible": True, "error": None}
kind = sys.argv[1]
if kind == "missing": del d["ecid"]
if kind == "type": d["cpid"] = "0x8015"
if kind == "extra": d["surprise"] = 1
if kind == "mode": d["mode"] = "sideways"
if kind == "version": del d["schema_version"]
if kind == "ecid": d["ecid"] = "0x11"
print(json.dumps([d]))
PY
	python3 "$tmp/device.py" good >"$tmp/s.json"
	python3 "$V" status "$tmp/s.json" >/dev/null || fail "valid status rejected"
	python3 "$V" --loose status "$tmp/s.json" >/dev/null || fail "valid status rejected (loose)"
	for kind in missing type extra mode version ecid; do
		python3 "$tmp/device.py" $kind >"$tmp/s.json"
		python3 "$V" status "$tmp/s.json" >/dev/null 2>&1 && fail "validator accepted a device record with '$kind'"
	done
	# The shipped schemas let later versions add keys.
	python3 "$tmp/device.py" extra >"$tmp/s.json"
	python3 "$V" --loose status "$tmp/s.json" >/dev/null || fail "--loose rejected an added key"
	# A present event never has a previous mode.
	echo '{"schema_version":1,"event":"present","time":"2026-01-01T00:00:00.000Z","monotonic_ms":1,"ecid":null,"ecid_int":null,"udid":null,"mode":"dfu","product_type":null,"name":null,"device_class":null,"board":null,"cpid":null,"bdid":null,"os_version":null,"build":null,"iboot":null,"device_name":null,"usb_location":null,"trusted":null,"accessible":true,"error":null,"previous_mode":"normal"}' >"$tmp/w.json"
	python3 "$V" --lines watch "$tmp/w.json" >/dev/null 2>&1 && fail "validator accepted a present event with a previous mode"
	sed 's/"previous_mode":"normal"/"previous_mode":null/' "$tmp/w.json" >"$tmp/w2.json"
	python3 "$V" --lines watch "$tmp/w2.json" >/dev/null || fail "valid present event rejected"
	# A command without a schema is an error, not a pass.
	if python3 "$V" frobnicate "$tmp/w2.json" >/dev/null 2>&1; then fail "no schema, yet accepted"; fi
	;;
*)
	echo "unknown case $1" >&2
	exit 2
	;;
esac
