#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `irecovery -n` (setenv auto-boot true, saveenv, reboot): the device
# leaves USB and comes back in usbmuxd in normal mode. A device with a
# broken OS comes back in recovery instead (a recovery loop), and so does
# one whose setenv was never saved.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:recovery:udid=old <<'EOF' || exit
udid=$(lab list | awk '{print $3}')
run id0 idevice_id -l
expect_output id0 ""
run n irecovery -n
expect_status n 0
lab wait 1 normal 5000 >/dev/null
run id idevice_id -l
expect_status id 0
expect_output id "$udid"
run show lab show 1
expect_line show "autoboot=true"
expect_log "usb ctrl-out breq=0 \"setenv auto-boot true\""
expect_log "usb ctrl-out breq=0 \"saveenv\""
expect_log "core reboot: auto-boot true$"
EOF

lab_run --device iPhone12,1:recovery:loop=1:ecid=0x5555 <<'EOF' || exit
run n irecovery -n
expect_status n 0
# it leaves and comes back: the log says where it is heading
wait_line "$LT_DIR/lab.log" "0x0000000000005555 core mode recovery -> recovery" 5000
lab wait 1 recovery 5000 >/dev/null
expect_log "core reboot: auto-boot true, broken OS$"
run q irecovery -q
expect_line q "ECID: 0x0000000000005555"
expect_line q "MODE: Recovery"
run id idevice_id -l
expect_output id ""
EOF

lab_run --device iPhone10,3:recovery:ecid=0x6666 <<'EOF'
run set irecovery -c "setenv auto-boot true"
run reboot irecovery -c reboot
expect_status reboot 0
wait_line "$LT_DIR/lab.log" "0x0000000000006666 core mode recovery -> recovery" 5000
lab wait 1 recovery 5000 >/dev/null
expect_log "core reboot: auto-boot false$"
EOF
