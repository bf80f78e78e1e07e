/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device ids as -d takes them (src/devid.c). */
#include <stdio.h>

#include "irecctl/devid.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	char err[256] = "", ecid[19];
	struct devid id;

	if (devid_parse(s, &id, err, sizeof(err))) {
		FUZZ_ASSERT(!id.has_ecid || id.ecid != 0);
		FUZZ_ASSERT(id.kind == DEVID_ECID || id.kind == DEVID_USB ||
		            strlen(id.udid) == 25 || strlen(id.udid) == 40);
		/* A location is written back as irecctl prints one: it parses
		 * again to itself, and matches the device at that port. */
		if (id.kind == DEVID_USB) {
			struct devid again;
			FUZZ_ASSERT(devid_parse(id.usb, &again, err, sizeof(err)));
			FUZZ_ASSERT(again.kind == DEVID_USB && !strcmp(again.usb, id.usb));
			FUZZ_ASSERT(devid_matches(&id, 0, NULL, id.usb));
		}
		/* A UDID matches itself; a new-form one, not another chip's. */
		if (id.kind == DEVID_UDID) {
			char other[DEVID_UDID_MAX + 1];
			FUZZ_ASSERT(devid_matches(&id, id.ecid, id.udid, NULL));
			snprintf(other, sizeof(other), "%s", id.udid);
			other[0] = other[0] == '0' ? '1' : '0';
			FUZZ_ASSERT(strlen(id.udid) != 25 ||
			            !devid_matches(&id, id.ecid, other, NULL));
		}
		devid_format_ecid(id.ecid, ecid);
		FUZZ_ASSERT(strlen(ecid) == 18);
		devid_matches(&id, id.ecid, id.udid, id.usb);
	} else {
		/* One line, and the reason is never cut off. */
		FUZZ_ASSERT(err[0] && !strchr(err, '\n'));
		FUZZ_ASSERT(strlen(err) < sizeof(err) - 1);
	}
	free(s);
	return 0;
}
