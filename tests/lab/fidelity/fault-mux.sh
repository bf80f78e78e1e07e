#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# usbmuxd faults: the socket absent (`mux off`), and a malformed ListDevices
# reply, from which libusbmuxd 2.0.2 recovers by falling back to Listen.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:normal:udid=old <<'EOF' || exit
udid=$(lab list | awk '{print $3}')
lab mux off >/dev/null
[ ! -S "${USBMUXD_SOCKET_ADDRESS#UNIX:}" ] || fail "socket still there"
run off idevice_id -l
expect_status off 255
expect_output off "ERROR: Unable to retrieve device list!" err
run info ideviceinfo -s -k ProductType
expect_status info 255
# stdout in Debian 12's ideviceinfo, stderr in Debian 13's
expect_output_either info "ERROR: No device found!"
lab mux on >/dev/null
run on idevice_id -l
expect_status on 0
expect_output on "$udid"
EOF

lab_run --device iPhone10,3:normal:fault=bad-plist-mux:udid=old <<'EOF'
udid=$(lab list | awk '{print $3}')
run id idevice_id -l
expect_status id 0
expect_output id "$udid"
expect_log "mux ListDevices prog=idevice_id -> malformed plist \(fault\)"
expect_log "mux Listen prog=idevice_id"
EOF
