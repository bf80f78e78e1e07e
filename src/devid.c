/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irecctl/devid.h"
#include "irecctl/sanitize.h"

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void copy_case(char *dst, const char *src, size_t n, bool upper)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(upper ? toupper((unsigned char)src[i])
		                      : tolower((unsigned char)src[i]));
	dst[n] = '\0';
}

/* "XXXXXXXX-XXXXXXXXXXXXXXXX": CPID (8 hex) dash ECID (16 hex). */
static bool is_new_udid(const char *s)
{
	return strlen(s) == 25 && s[8] == '-' && all_hex(s, 8) && all_hex(s + 9, 16);
}

bool devid_ecid_from_udid(const char *udid, uint64_t *ecid)
{
	if (!udid || !is_new_udid(udid))
		return false;
	*ecid = strtoull(udid + 9, NULL, 16);
	/* No device has ECID 0: such a UDID names no ECID to lock or match by. */
	return *ecid != 0;
}

/*
 * The id as a message quotes it: one line of printable text (it may hold
 * anything), and shortened when long, so the reason after it always fits.
 */
static const char *quoted(const char *s, char buf[static 64])
{
	char clean[28];
	size_t n = strlen(s);

	if (n <= 40)
		return sanitize_text(buf, 64, s);
	sanitize_text(clean, sizeof(clean), s);
	snprintf(buf, 64, "%.24s... (%zu characters)", clean, n);
	return buf;
}

static bool parse_ecid(const char *s, struct devid *out, char *err, size_t errlen)
{
	const char *digits = s;
	int base = 10;
	char q[64];

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
		if (!all_hex(digits, strlen(digits)) || strlen(digits) > 16) {
			snprintf(err, errlen,
			         "invalid ECID '%s': expected 1 to 16 hex digits after 0x",
			         quoted(s, q));
			return false;
		}
	}
	errno = 0;
	unsigned long long v = strtoull(digits, NULL, base);
	if (errno == ERANGE) {
		snprintf(err, errlen, "invalid ECID '%s': larger than 64 bits", quoted(s, q));
		return false;
	}
	if (v == 0) {
		snprintf(err, errlen, "invalid ECID '%s': an ECID is never zero", quoted(s, q));
		return false;
	}
	out->kind = DEVID_ECID;
	out->ecid = v;
	out->has_ecid = true;
	return true;
}

/*
 * "BUS-PORT[.PORT]...": numbers 1 to 255 (libusb's bus and port numbers
 * are 8 bits), at most 7 ports (USB's tiers). Written back without
 * leading zeros, the form usb_location() prints.
 */
static bool parse_usb_location(const char *s, char out[static DEVID_USB_MAX + 1])
{
	static const char *const sep[] = {"", "-", "."};
	size_t off = 0;
	int parts = 0;

	for (const char *p = s;; parts++) {
		char *end = NULL;
		if (!isdigit((unsigned char)*p) || parts > 7)
			return false;
		errno = 0;
		unsigned long v = strtoul(p, &end, 10);
		if (errno || v < 1 || v > 255 || end - p > 3)
			return false;
		off += (size_t)snprintf(out + off, DEVID_USB_MAX + 1 - off, "%s%lu",
		                        sep[parts < 2 ? parts : 2], v);
		p = end;
		if (*p == '\0')
			return parts >= 1;
		if (*p != (parts == 0 ? '-' : '.'))
			return false;
		p++;
	}
}

/* A bare location: digits, a dash, digits (no ECID or UDID looks so). */
static bool looks_like_location(const char *s)
{
	const char *dash = strchr(s, '-');

	return dash && dash > s && isdigit((unsigned char)dash[1]) &&
	       strspn(s, "0123456789") == (size_t)(dash - s);
}

static bool parse_usb(const char *s, struct devid *out, char *err, size_t errlen)
{
	char q[64];

	if (!parse_usb_location(s, out->usb)) {
		snprintf(err, errlen,
		         "invalid USB location '%s': expected BUS-PORT[.PORT...] as irecctl "
		         "prints it, e.g. 1-2 or 3-1.4",
		         quoted(s, q));
		return false;
	}
	out->kind = DEVID_USB;
	return true;
}

bool devid_parse(const char *s, struct devid *out, char *err, size_t errlen)
{
	char q[64];

	memset(out, 0, sizeof(*out));
	if (!s || !*s) {
		snprintf(err, errlen, "empty device id");
		return false;
	}
	if (!strncasecmp(s, "ecid:", 5)) {
		const char *v = s + 5;
		if (!((v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) || all_digits(v))) {
			snprintf(err, errlen,
			         "invalid ECID '%s': expected 0x-prefixed hex or decimal",
			         quoted(v, q));
			return false;
		}
		return parse_ecid(v, out, err, errlen);
	}
	if (!strncasecmp(s, "usb:", 4))
		return parse_usb(s + 4, out, err, errlen);
	if (is_new_udid(s)) {
		out->kind = DEVID_UDID;
		copy_case(out->udid, s, 25, true);
		out->has_ecid = devid_ecid_from_udid(out->udid, &out->ecid);
		return true;
	}
	/* Old UDIDs are 40 hex digits and may be all decimal digits, so test them first. */
	if (strlen(s) == 40 && all_hex(s, 40)) {
		out->kind = DEVID_UDID;
		copy_case(out->udid, s, 40, false);
		return true;
	}
	if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) || all_digits(s))
		return parse_ecid(s, out, err, errlen);
	if (looks_like_location(s))
		return parse_usb(s, out, err, errlen);
	snprintf(err, errlen,
	         "invalid device id '%s': expected a UDID (40 hex digits or "
	         "XXXXXXXX-XXXXXXXXXXXXXXXX), an ECID (0x-prefixed hex or decimal) "
	         "or a USB location (usb:1-2)",
	         quoted(s, q));
	return false;
}

bool devid_matches(const struct devid *id, uint64_t ecid, const char *udid,
                   const char *usb_location)
{
	if (id->kind == DEVID_USB)
		return usb_location && !strcmp(id->usb, usb_location);
	/* A new-form UDID is CPID and ECID (ECIDs are unique per chip, not
	 * across chips): a device showing a new-form UDID must show this one.
	 * One showing an old-form UDID is a chip before the A12 (CPID 0x8020),
	 * so never a newer chip's. Otherwise (no UDID shown: Port DFU, an
	 * attachment not identified yet) the ECID decides. */
	if (id->kind == DEVID_UDID && is_new_udid(id->udid) && udid && *udid) {
		if (is_new_udid(udid))
			return !strcasecmp(id->udid, udid);
		if (strtoul(id->udid, NULL, 16) >= 0x8020)
			return false;
	}
	if (id->has_ecid && ecid && id->ecid == ecid)
		return true;
	if (id->kind == DEVID_UDID && udid && *udid)
		return !strcasecmp(id->udid, udid);
	return false;
}

void devid_format_ecid(uint64_t ecid, char buf[static 19])
{
	snprintf(buf, 19, "0x%016" PRIx64, ecid);
}
