#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `ideviceinfo`: the simple path (-s: no pairing, no session), the full
# handshake (pair record, StartSession answered with EnableSessionSSL true,
# then TLS as on real devices: TLS 1.0 for iOS < 10, which
# libimobiledevice asks for), the plain-session fault, and the trust states a
# device can answer the handshake with.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:normal:ios=16.7.8 \
	--device iPhone12,1:normal:trust=unpaired \
	--device iPhone12,1:normal:trust=dialog-pending \
	--device iPhone12,1:normal:trust=passcode \
	--device iPhone12,1:normal:trust=denied \
	--device iPhone12,1:normal:trust=invalid-hostid \
	--device iPhone8,1:normal:ios=9.3.5 \
	--device iPhone12,1:normal:ios=15.8:fault=plain-session <<'EOF'
udid() { lab list | awk -v id="$1" '$1 == id {print $3}'; }

run s ideviceinfo -u "$(udid 1)" -s -k ProductType
expect_status s 0
expect_output s "iPhone10,3"
run v ideviceinfo -u "$(udid 1)" -k ProductVersion
expect_status v 0
expect_output v "16.7.8"
expect_log "lockdown StartSession"
expect_log "0x000a1b2c3d4e0001 lockdown StartSession: TLS from here on"
expect_log "0x000a1b2c3d4e0001 lockdown TLS closed by the client \(TLSv1.[23]\)"
run old ideviceinfo -u "$(udid 7)" -k ProductVersion
expect_status old 0
expect_output old "9.3.5"
expect_log "0x000a1b2c3d4e0007 lockdown TLS closed by the client \(TLSv1\)"
run plain ideviceinfo -u "$(udid 8)" -k ProductVersion
expect_status plain 0
expect_output plain "15.8"
if grep -q "0x000a1b2c3d4e0008 lockdown StartSession: TLS" "$LT_DIR/lab.log"; then
	echo "FAIL: plain-session device started TLS" >&2
	exit 1
fi

# unpaired: the tool pairs (the user taps Trust at once), then reads
run u ideviceinfo -u "$(udid 2)" -k ProductType
expect_status u 0
expect_output u "iPhone12,1"

for t in "3 Pairing dialog response pending (-19)" "4 Password protected (-17)" \
	"5 User denied pairing (-18)" "6 Invalid HostID (-21)"; do
	run t ideviceinfo -u "$(udid "${t%% *}")" -k ProductType
	expect_status t 255
	expect_output t "ERROR: Could not connect to lockdownd: ${t#* }" err
done
EOF
