/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The USB serial string of a recovery/DFU device (src/serial.c). */
#include "irecctl/serial.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	struct irec_serial out;
	unsigned cpid, bdid;
	enum serial_status st = serial_parse(s, &out);

	FUZZ_ASSERT(st == SERIAL_OK || st == SERIAL_PARTIAL || st == SERIAL_GARBAGE);
	FUZZ_ASSERT(serial_status_name(st) != NULL);
	FUZZ_ASSERT(strlen(out.srtg) <= SERIAL_STR_MAX && strlen(out.srnm) <= SERIAL_STR_MAX);
	FUZZ_ASSERT(strlen(out.imei) <= SERIAL_STR_MAX && strlen(out.pwnd) <= SERIAL_STR_MAX);
	FUZZ_ASSERT(strlen(out.nonc) <= SERIAL_NONCE_MAX && strlen(out.snon) <= SERIAL_NONCE_MAX);
	/* An ECID is a fact only when the whole field was valid. */
	FUZZ_ASSERT(out.have_ecid || out.ecid == 0);
	if (st == SERIAL_OK)
		FUZZ_ASSERT(out.have_cpid && out.have_ecid && out.have_bdid);
	serial_ap_ids(&out, 0x1281, &cpid, &bdid);
	serial_ap_ids(&out, SERIAL_PID_PORT_DFU, &cpid, &bdid);
	free(s);
	return 0;
}
