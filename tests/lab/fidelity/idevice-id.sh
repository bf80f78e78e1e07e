#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stock `idevice_id -l` lists the normal-mode devices of the lab, and only
# those, with UDIDs in both forms.
. "$(dirname "$0")/../labtest.sh"

lab_run --device iPhone12,1:normal:ecid=0x1111 \
	--device iPhone9,1:normal:ecid=0x2222 \
	--device iPhone10,3:normal:udid=0123456789abcdef0123456789abcdef01234567 \
	--device iPhone10,3:recovery <<'EOF'
old=$(lab list | awk '$1 == 2 {print $3}')
run id sh -c 'idevice_id -l | sort'
expect_status id 0
expect_output id "$(printf '%s\n' 00008030-0000000000001111 \
	0123456789abcdef0123456789abcdef01234567 "$old" | sort)"
expect_log "mux ListDevices prog=idevice_id -> 3 device\(s\)"
EOF
