/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The iBoot command channel, on libusb directly: Debian's libirecovery
 * 1.0.0 frees its device list while still walking it when two Apple
 * devices are attached (fixed upstream after 1.0.0), and it ignores the
 * result of every control transfer. Here the device is matched by the ECID
 * in its identity string, and every transfer's result is checked.
 *
 * Command format as libirecovery's: bmRequestType 0x40, bRequest 0 (1 for
 * reboot), wValue 0, wIndex 0, the text and its NUL; a reply is read with
 * 0xC0/0/0/0, 255 bytes.
 */
#include <stdio.h>
#include <string.h>

#include "irecctl/exitcode.h"
#include "irecctl/log.h"
#include "irecctl/serial.h"
#include "irecctl/usb.h"

int usb_iboot_command(struct usb_handle *uh, const char *cmd, uint8_t breq, unsigned timeout_ms)
{
	size_t len = strlen(cmd) + 1;

	if (len > 255)
		return LIBUSB_ERROR_INVALID_PARAM;
	int r = libusb_control_transfer(uh->h, 0x40, breq, 0, 0, (unsigned char *)cmd,
	                                (uint16_t)len, timeout_ms);
	return r < 0 ? r : 0;
}

int usb_iboot_getenv(struct usb_handle *uh, const char *name, char *value, size_t len,
                     unsigned timeout_ms)
{
	char cmd[128];
	unsigned char buf[256];
	int r;

	value[0] = '\0';
	snprintf(cmd, sizeof(cmd), "getenv %s", name);
	r = usb_iboot_command(uh, cmd, 0, timeout_ms);
	if (r == 0)
		r = libusb_control_transfer(uh->h, 0xC0, 0, 0, 0, buf, 255, timeout_ms);
	if (r > 0) {
		buf[r] = '\0';
		log_sanitize(value, len, (const char *)buf);
	}
	return r < 0 ? r : 0;
}

static bool is_recovery_pid(libusb_device *dev)
{
	struct libusb_device_descriptor desc;
	return libusb_get_device_descriptor(dev, &desc) == 0 && desc.idVendor == APPLE_VID &&
	       mode_from_usb_pid(desc.idProduct) == MODE_RECOVERY;
}

static uint64_t ecid_of_serial(const char *serial)
{
	struct irec_serial s;

	if (serial_parse(serial, &s) == SERIAL_GARBAGE || !s.have_ecid)
		return 0;
	return s.ecid;
}

/*
 * Is this the device we want, without opening it? At the location discovery
 * saw it, or (when it moved) whose cached identity string names its ECID:
 * with dozens of devices attached, opening each in turn to read its serial
 * would cost one open per device per command.
 */
static bool may_be(libusb_device *dev, uint64_t ecid, const char *location)
{
	char loc[32], serial[256];

	usb_location(dev, loc, sizeof(loc));
	if (location && location[0] && !strcmp(loc, location))
		return true;
	if (!usb_read_sysfs_serial(loc, serial, sizeof(serial)))
		return true; /* no sysfs: only opening it can tell */
	return ecid_of_serial(serial) == ecid;
}

/* Confirm by the string the device itself sends now. */
static bool confirm(libusb_device *dev, struct usb_handle *uh, uint64_t ecid)
{
	struct libusb_device_descriptor desc;
	unsigned char buf[256];
	int r;

	if (libusb_get_device_descriptor(dev, &desc) != 0)
		return false;
	r = libusb_get_string_descriptor_ascii(uh->h, desc.iSerialNumber, buf, sizeof(buf));
	if (r <= 0)
		return false;
	buf[r < (int)sizeof(buf) ? r : (int)sizeof(buf) - 1] = '\0';
	return ecid_of_serial((const char *)buf) == ecid;
}

/* Open the matching device (no claim yet); *open_error: the last libusb_open() error. */
static bool find(libusb_context *ctx, uint64_t ecid, const char *location, struct usb_handle *uh,
                 int *open_error)
{
	libusb_device **list = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);
	bool found = false;

	*open_error = 0;
	for (ssize_t i = 0; i < n && !found; i++) {
		if (!is_recovery_pid(list[i]) || !may_be(list[i], ecid, location))
			continue;
		int r = usb_open(list[i], uh);
		if (r != 0) {
			*open_error = r;
			continue;
		}
		found = confirm(list[i], uh, ecid);
		if (!found)
			usb_close(uh);
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	return found;
}

int usb_open_recovery(uint64_t ecid, const char *location, struct usb_handle *uh, char *err,
                      size_t errlen)
{
	libusb_context *ctx = usb_context(err, errlen);
	int open_error, r;

	memset(uh, 0, sizeof(*uh));
	if (!ctx)
		return IREC_EFAIL;
	if (!find(ctx, ecid, location, uh, &open_error)) {
		if (open_error == LIBUSB_ERROR_ACCESS) {
			snprintf(err, errlen,
			         "permission denied on the USB device (see 'irecctl doctor')");
			return IREC_EPERM;
		}
		snprintf(err, errlen, "the recovery-mode device 0x%016llx cannot be opened",
		         (unsigned long long)ecid);
		return IREC_EGONE;
	}
	r = usb_claim_for_commands(uh);
	if (r == 0)
		return IREC_OK;
	if (r == LIBUSB_ERROR_BUSY)
		snprintf(err, errlen,
		         "another program (not irecctl) is driving the device: its USB interface "
		         "is claimed (irecovery, idevicerestore, ...); nothing was sent");
	else
		snprintf(err, errlen, "cannot claim the device's USB interface: %s",
		         libusb_strerror((enum libusb_error)r));
	usb_close(uh);
	return r == LIBUSB_ERROR_BUSY        ? IREC_EBUSY
	       : r == LIBUSB_ERROR_NO_DEVICE ? IREC_EGONE
	                                     : IREC_EFAIL;
}
