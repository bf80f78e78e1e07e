#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `ideviceinfo`: the simple path (-s: no pairing, no session), the full
# handshake (pair record, StartSession answered with EnableSessionSSL false),
# and the trust states a device can answer the handshake with.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:normal:ios=16.7.8 \
	--device iPhone12,1:normal:trust=unpaired \
	--device iPhone12,1:normal:trust=dialog-pending \
	--device iPhone12,1:normal:trust=passcode \
	--device iPhone12,1:normal:trust=denied \
	--device iPhone12,1:normal:trust=invalid-hostid <<'EOF'
udid() { lab list | awk -v id="$1" '$1 == id {print $3}'; }

run s ideviceinfo -u "$(udid 1)" -s -k ProductType
expect_status s 0
expect_output s "iPhone10,3"
run v ideviceinfo -u "$(udid 1)" -k ProductVersion
expect_status v 0
expect_output v "16.7.8"
expect_log "lockdown StartSession"

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
