#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `irecovery -q` reads the identity of a recovery and a DFU device.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone10,3:recovery:ecid=0x1a2b3c4d5e6f <<'EOF' || exit
run q irecovery -q
expect_status q 0
expect_line q "CPID: 0x8015"
expect_line q "BDID: 0x06"
expect_line q "ECID: 0x00001a2b3c4d5e6f"
expect_line q "MODE: Recovery"
expect_log "0x00001a2b3c4d5e6f usb open /dev/bus/usb/"
EOF

lab_run --device iPad8,1:dfu:ecid=0x0011223344556677 <<'EOF'
run q irecovery -q
expect_status q 0
expect_line q "CPID: 0x8027"
expect_line q "BDID: 0x0c"
expect_line q "ECID: 0x0011223344556677"
expect_line q "MODE: DFU"
EOF
