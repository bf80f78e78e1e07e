/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw-USB devices (recovery, DFU, WTF, KIS, Port DFU): the mode comes from
 * the product id, the identity from the iSerialNumber string. The device
 * is only opened to read that string: no interface is claimed, so a scan
 * never disturbs another process that is driving the device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "irecctl/device-ops.h"
#include "irecctl/discovery.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "irecctl/serial.h"

void usb_location(libusb_device *dev, char *buf, size_t len)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	size_t off = (size_t)snprintf(buf, len, "%u", libusb_get_bus_number(dev));

	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%c%u", i == 0 ? '-' : '.', ports[i]);
}

/*
 * The kernel caches the serial string in sysfs when the device enumerates;
 * reading it needs no access to the device node, so even a device this user
 * may not open can still be identified.
 */
bool usb_read_sysfs_serial(const char *location, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/serial", location);
	f = fopen(path, "re");
	if (!f)
		return false;
	bool ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\r\n")] = '\0';
	return ok && buf[0];
}

static void apply_serial(struct device *d)
{
	struct irec_serial s;
	unsigned int cpid, bdid;

	if (serial_parse(d->serial, &s) == SERIAL_GARBAGE) {
		snprintf(d->error, sizeof(d->error), "unreadable identity string from the device");
		return;
	}
	if (s.have_ecid)
		d->ecid = s.ecid;
	if (serial_ap_ids(&s, d->usb_pid, &cpid, &bdid)) {
		d->cpid = cpid;
		d->bdid = bdid;
		d->have_cpid = s.have_cpid || d->usb_pid == SERIAL_PID_PORT_DFU;
		d->have_bdid = s.have_bdid;
	}
	if (s.have_srtg)
		snprintf(d->iboot, sizeof(d->iboot), "%s", s.srtg);
	if (!s.have_ecid)
		snprintf(d->error, sizeof(d->error), "identity string has no ECID");
}

/*
 * Devices from the A12 on (CPID 0x8020 and later) have UDIDs of the form
 * "%08X-%016llX" (CPID, ECID), so the UDID a script knows from normal mode
 * can be shown in recovery and DFU as well. Port DFU's ids describe the
 * port controller, not the phone: no UDID there.
 */
static void derive_udid(struct device *d)
{
	if (!d->ecid || !d->have_cpid || d->cpid < 0x8020 || d->mode == MODE_PORT_DFU)
		return;
	snprintf(d->udid, sizeof(d->udid), "%08X-%016llX", d->cpid, (unsigned long long)d->ecid);
}

static void note_open_error(struct device *d, int err, uint8_t bus, uint8_t addr)
{
	d->accessible = false;
	if (err == LIBUSB_ERROR_ACCESS)
		snprintf(d->error, sizeof(d->error),
		         "permission denied on /dev/bus/usb/%03u/%03u (see 'irecctl doctor')", bus,
		         addr);
	else
		snprintf(d->error, sizeof(d->error), "cannot open the USB device: %s",
		         libusb_strerror((enum libusb_error)err));
}

/* Mode, product id and location from the descriptor: no device I/O. */
static bool describe(libusb_device *dev, struct device *d, uint8_t *serial_index)
{
	struct libusb_device_descriptor desc;

	if (libusb_get_device_descriptor(dev, &desc) != 0 || desc.idVendor != APPLE_VID)
		return false;
	d->mode = mode_from_usb_pid(desc.idProduct);
	if (!mode_is_usb(d->mode))
		return false;
	d->usb_pid = desc.idProduct;
	*serial_index = desc.iSerialNumber;
	usb_location(dev, d->usb_location, sizeof(d->usb_location));
	return true;
}

bool usb_identify_quick(libusb_device *dev, struct device *d)
{
	uint8_t serial_index;

	if (!describe(dev, d, &serial_index))
		return false;
	if (usb_read_sysfs_serial(d->usb_location, d->serial, sizeof(d->serial)))
		usb_identify_serial(d);
	return true;
}

/*
 * In recovery the identity string has no iBoot version (DFU's SRTG is the
 * SecureROM's); iBoot answers `getenv build-version`. The reply slot is
 * shared with whatever command is in progress, so the device's lock is
 * taken for the question: a device another irecctl is driving is not
 * asked (and if the lock cannot be had at all, neither).
 */
static void read_iboot_version(libusb_device_handle *h, struct device *d)
{
	struct irec_serial s;
	struct dev_lock lock;
	char err[256];

	if (d->mode != MODE_RECOVERY || serial_parse(d->serial, &s) == SERIAL_GARBAGE ||
	    !s.have_ecid || lock_acquire(s.ecid, 0, &lock, err, sizeof(err)) != IREC_OK)
		return;
	ops_iboot_getenv_handle(h, "build-version", d->iboot, sizeof(d->iboot));
	lock_release(&lock);
}

/* The identity string as the device sends it now. */
static void read_serial(libusb_device *dev, uint8_t index, struct device *d)
{
	libusb_device_handle *h = NULL;
	unsigned char buf[256];
	int r = libusb_open(dev, &h);

	if (r != 0) {
		note_open_error(d, r, libusb_get_bus_number(dev), libusb_get_device_address(dev));
		return;
	}
	r = libusb_get_string_descriptor_ascii(h, index, buf, sizeof(buf));
	if (r > 0) {
		snprintf(d->serial, sizeof(d->serial), "%.*s", r, (const char *)buf);
		read_iboot_version(h, d);
		libusb_close(h);
		return;
	}
	libusb_close(h);
	snprintf(d->error, sizeof(d->error), "cannot read the identity string: %s",
	         libusb_strerror((enum libusb_error)r));
	d->accessible = false;
}

bool usb_probe_device(libusb_device *dev, struct device *d)
{
	uint8_t serial_index;

	if (!describe(dev, d, &serial_index))
		return false;
	read_serial(dev, serial_index, d);
	/* Identify it anyway; accessible and error still say what went wrong. */
	if (!d->serial[0])
		usb_read_sysfs_serial(d->usb_location, d->serial, sizeof(d->serial));
	usb_identify_serial(d);
	return true;
}

void usb_identify_serial(struct device *d)
{
	if (d->serial[0])
		apply_serial(d);
	derive_udid(d);
	device_identify(d);
}
