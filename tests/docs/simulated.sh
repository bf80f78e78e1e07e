#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# irecsim says its devices are simulated wherever a person could take them
# for real ones (README, irecsim(1)), through the real tools, and keeps the
# values libraries parse intact.
set -eu
: "${IRECSIM:?}" "${IRECCTL:?}"
. "$(dirname "$0")/../casekit.sh"

inlab iPhone12,1:normal:ecid=0x13 iPhone10,1:recovery:ecid=0x22 iPhone9,1:normal:ecid=0x31:name=Bench-7 -- '
	echo "name=$(ideviceinfo -u 00008030-0000000000000013 -k DeviceName)"
	echo "serial=$(ideviceinfo -u 00008030-0000000000000013 -k SerialNumber)"
	echo "type=$(ideviceinfo -u 00008030-0000000000000013 -k ProductType)"
	echo "named=$(ideviceinfo -u "$("$IRECCTL" status --json -d 0x31 | sed -n "s/^ *\"udid\": \"\(.*\)\",/\1/p")" -k DeviceName)"
	for p in /sys/bus/usb/devices/*/product; do echo "product=$(cat "$p")"; done
	irecovery -i 0x22 -q | sed -n "s/^SRNM: /srnm=/p; s/^ECID: /ecid=/p"
	"$IRECCTL" status --json -d 0x13 | sed -n "s/^ *\"device_name\": /json_name=/p"'
rc_is 0
out_has '^name=iPhone 11 \(simulated\)$'
out_has '^serial=SIM[0-9A-F]{9}$'
out_has '^type=iPhone12,1$' # what libraries and irecctl parse stays real
out_has '^named=Bench-7$'   # name= is the user's, exactly
out_has '^product=Apple Mobile Device \(Recovery Mode\), simulated$'
out_has '^srnm=SIM[0-9A-F]{9}$'
out_has '^ecid=0x0*22$'
out_has '^json_name="iPhone 11 \(simulated\)",$'

# The interactive lab's banner.
env --default-signal=INT "$IRECSIM" run --device iPhone12,1 >"$tmp/banner" 2>&1 &
lab=$!
trap 'kill $lab 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$WAIT_TEXT" "$tmp/banner" "C to stop" || fail "no banner"
kill -INT $lab
wait $lab || true
grep -q '^# lab running: 1 simulated devices, no real hardware' "$tmp/banner" ||
	fail "banner: $(cat "$tmp/banner")"
