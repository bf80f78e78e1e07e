/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device identifiers given on the command line (-d ID): a UDID (the
 * 40-hex-digit form, or the newer "%08X-%016llX" CPID-ECID form), an
 * ECID in hex (0x...) or decimal, or a USB location ("usb:1-2", or bare
 * "1-2": bus, then the port path, as messages name a device whose ECID is
 * unknown). A location matches whatever device is at that port in a
 * raw-USB mode (recovery, DFU, WTF, KIS, Port DFU); usbmuxd does not say
 * where its devices are plugged.
 */
#ifndef IRECCTL_DEVID_H
#define IRECCTL_DEVID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVID_UDID_MAX 64
#define DEVID_USB_MAX  31 /* "255-255.255.255.255.255.255.255" */

enum devid_kind {
	DEVID_ECID,
	DEVID_UDID,
	DEVID_USB,
};

struct devid {
	enum devid_kind kind;
	uint64_t ecid; /* DEVID_ECID, or the ECID inside a new-form UDID */
	bool has_ecid;
	char udid[DEVID_UDID_MAX + 1]; /* DEVID_UDID, normalised */
	char usb[DEVID_USB_MAX + 1];   /* DEVID_USB: "1-4.2", no leading zeros */
};

/*
 * Parse s. On failure returns false and writes a one-line reason
 * (without a trailing newline) into err.
 */
bool devid_parse(const char *s, struct devid *out, char *err, size_t errlen);

/* ECID from a new-form UDID ("00008020-000C1C446061002E"); false otherwise. */
bool devid_ecid_from_udid(const char *udid, uint64_t *ecid);

/*
 * Does a device with this ECID (0 if unknown), UDID and USB location
 * (NULL or "" if unknown) match the selector? A new-form UDID matches a
 * device showing a new-form UDID only if it is the same (CPID and ECID),
 * never one showing an old-form UDID (a chip before the A12) unless its
 * own CPID is before the A12 too; else, by the ECID inside it.
 */
bool devid_matches(const struct devid *id, uint64_t ecid, const char *udid,
                   const char *usb_location);

/* "0x000c1c446061002e": 16 lowercase hex digits (as irecovery -q prints), the form every irecctl
 * output uses. */
void devid_format_ecid(uint64_t ecid, char buf[static 19]);

#endif
