/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The raw-USB layer's device side: the libusb context, where a device
 * sits, what its cached descriptor and identity string say, and opening
 * and claiming it the way libirecovery does. No control transfers here
 * (usb-iboot.c) and no calls into discovery or the device operations.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "irecctl/serial.h"
#include "irecctl/usb.h"

libusb_context *usb_context(char *err, size_t errlen)
{
	static libusb_context *ctx;
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
	int r = 0;

	pthread_mutex_lock(&once);
	if (!ctx)
		r = libusb_init(&ctx);
	pthread_mutex_unlock(&once);
	if (r != 0) {
		snprintf(err, errlen, "cannot start libusb: %s",
		         libusb_strerror((enum libusb_error)r));
		return NULL;
	}
	return ctx;
}

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

bool usb_describe(libusb_device *dev, struct device *d, uint8_t *serial_index)
{
	struct libusb_device_descriptor desc;

	if (libusb_get_device_descriptor(dev, &desc) != 0 || desc.idVendor != APPLE_VID)
		return false;
	d->mode = mode_from_usb_pid(desc.idProduct);
	if (!mode_is_usb(d->mode))
		return false;
	d->usb_pid = desc.idProduct;
	if (serial_index)
		*serial_index = desc.iSerialNumber;
	usb_location(dev, d->usb_location, sizeof(d->usb_location));
	return true;
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
	if (s.ecid_partial)
		snprintf(d->error, sizeof(d->error),
		         "partial identity: the ECID in the identity string is cut short, so the "
		         "ECID is unknown");
	else if (!s.have_ecid)
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

void usb_identify_serial(struct device *d)
{
	if (d->serial[0])
		apply_serial(d);
	derive_udid(d);
	device_identify(d);
}

bool usb_identify_quick(libusb_device *dev, struct device *d)
{
	if (!usb_describe(dev, d, NULL))
		return false;
	if (usb_read_sysfs_serial(d->usb_location, d->serial, sizeof(d->serial)))
		usb_identify_serial(d);
	return true;
}

/* --- open and claim --------------------------------------------------------- */

int usb_open(libusb_device *dev, struct usb_handle *uh)
{
	struct libusb_device_descriptor desc;

	memset(uh, 0, sizeof(*uh));
	if (libusb_get_device_descriptor(dev, &desc) == 0)
		uh->pid = desc.idProduct;
	return libusb_open(dev, &uh->h);
}

static int claim(struct usb_handle *uh, int iface)
{
	int r = libusb_claim_interface(uh->h, iface);

	if (r == 0)
		uh->claimed[iface] = true;
	return r;
}

int usb_claim_passive(struct usb_handle *uh)
{
	return claim(uh, 0);
}

/* libirecovery 1.0.0 irecv_usb_set_configuration() and the claims of
 * irecv_open(): configuration 1 unless it is active, interface 0, and for
 * the two recovery variants with a bulk pipe, interface 1 alt 1. */
int usb_claim_for_commands(struct usb_handle *uh)
{
	int current = -1, r;

	if (libusb_get_configuration(uh->h, &current) != 0 || current != 1) {
		r = libusb_set_configuration(uh->h, 1);
		if (r != 0)
			return r;
	}
	r = claim(uh, 0);
	if (r != 0 || (uh->pid != 0x1282 && uh->pid != 0x1283))
		return r;
	r = claim(uh, 1);
	if (r == 0)
		r = libusb_set_interface_alt_setting(uh->h, 1, 1);
	return r;
}

void usb_close(struct usb_handle *uh)
{
	if (!uh->h)
		return;
	for (int i = 1; i >= 0; i--)
		if (uh->claimed[i])
			libusb_release_interface(uh->h, i);
	libusb_close(uh->h);
	memset(uh, 0, sizeof(*uh));
}
