#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `ideviceenterrecovery UDID`: the device leaves usbmuxd and comes
# back on USB in recovery. On iOS >= 14.5 EnterRecovery needs a session,
# which Debian 12's tool does not open: the device answers SessionInactive,
# stays in normal mode, and the tool still exits 0. Debian 13's tool opens
# the session then, and the device goes.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:normal:ios=14.4:ecid=0xabcdef \
	--device iPhone12,1:normal:ios=17.5 <<'EOF'
udid1=$(lab list | awk '$1 == 1 {print $3}')
udid2=$(lab list | awk '$1 == 2 {print $3}')

run e ideviceenterrecovery "$udid1"
expect_status e 0
expect_output e "Telling device with udid $udid1 to enter recovery mode.
Device is successfully switching to recovery mode."
lab wait 1 recovery 5000 >/dev/null
run q irecovery -q
expect_line q "ECID: 0x0000000000abcdef"
expect_line q "MODE: Recovery"
# EnterRecovery cleared auto-boot: the device would stay in recovery
run show lab show 1
expect_line show "autoboot=false"
run id idevice_id -l
expect_output id "$udid2"

run e2 ideviceenterrecovery "$udid2"
expect_log "lockdown EnterRecovery .*SessionInactive"
if grep -q "lockdown StartSession label=ideviceenterrecovery" "$LT_DIR/lab.log"; then
	# Debian 13's tool retried with a paired session, and ended it
	# before the device left
	expect_status e2 0
	expect_output e2 "Telling device with udid $udid2 to enter recovery mode.
Device is successfully switching to recovery mode."
	expect_log "lockdown StopSession label=ideviceenterrecovery"
	lab wait 2 recovery 5000 >/dev/null
else
	# Debian 12's tool gives up, yet exits 0
	expect_status e2 0
	expect_line e2 "Failed to enter recovery mode."
	run l lab list
	expect_line l "2 0x000a1b2c3d4e0002 $udid2 iPhone12,1 normal paired"
fi
EOF
