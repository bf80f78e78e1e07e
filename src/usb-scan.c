/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery's look at one raw-USB device (recovery, DFU, WTF, KIS, Port
 * DFU): the mode comes from the product id, the identity from the
 * iSerialNumber string the kernel cached at enumeration. Looking is
 * passive: the device node is opened only to learn whether this user may
 * use it, and the one iBoot question (getenv build-version, recovery mode
 * only, when asked for) is put only to a device nobody else is driving.
 */
#include <stdio.h>
#include <string.h>

#include "irecctl/discovery.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/usb.h"
#include "irecctl/usb-kis.h"

/* A probe's question must not keep an acting irecctl waiting for long
 * (lock.h: an exclusive lock waits for shared holders). */
#define PROBE_IBOOT_TIMEOUT_MS 1000

static void note_open_error(struct device *d, int err, libusb_device *dev)
{
	d->accessible = false;
	if (err == LIBUSB_ERROR_ACCESS)
		snprintf(d->error, sizeof(d->error),
		         "permission denied on /dev/bus/usb/%03u/%03u (see 'irecctl doctor')",
		         libusb_get_bus_number(dev), libusb_get_device_address(dev));
	else
		snprintf(d->error, sizeof(d->error), "cannot open the USB device: %s",
		         libusb_strerror((enum libusb_error)err));
}

static void note_iboot_skipped(struct device *d, const char *why)
{
	if (!d->error[0])
		snprintf(d->error, sizeof(d->error), "iBoot version not read: %s", why);
}

/*
 * In recovery the identity string has no iBoot version; iBoot answers
 * `getenv build-version`, but its reply is fetched by a second transfer
 * that whoever else is talking to the device could take or spoil. So the
 * question is asked only (1) under the device's lock taken shared, which
 * an irecctl driving the device holds exclusively, and (2) with interface
 * 0 claimed, which libirecovery (irecovery, idevicerestore) holds while
 * it has the device open. Either refusal: the value is left out.
 */
static void read_iboot_version(struct usb_handle *uh, struct device *d)
{
	struct dev_lock lock;
	char err[256];
	int r = lock_acquire_shared(d->ecid, &lock, err, sizeof(err));

	if (r == IREC_EBUSY) {
		note_iboot_skipped(d, "another irecctl is driving the device");
		return;
	}
	r = usb_claim_passive(uh);
	if (r == 0)
		usb_iboot_getenv(uh, "build-version", d->iboot, sizeof(d->iboot),
		                 PROBE_IBOOT_TIMEOUT_MS);
	else if (r == LIBUSB_ERROR_BUSY)
		note_iboot_skipped(d, "another program is driving the device");
	/* The claim goes before the shared lock: see lock.h. */
	usb_close(uh);
	lock_release(&lock);
}

/* The identity string as the device sent it (sysfs keeps it from
 * enumeration on); a GET_DESCRIPTOR request only where sysfs has none. */
static void read_serial(struct usb_handle *uh, uint8_t index, struct device *d)
{
	unsigned char buf[256];
	int r;

	if (usb_read_sysfs_serial(d->usb_location, d->serial, sizeof(d->serial)))
		return;
	r = libusb_get_string_descriptor_ascii(uh->h, index, buf, sizeof(buf));
	if (r > 0) {
		snprintf(d->serial, sizeof(d->serial), "%.*s", r, (const char *)buf);
		return;
	}
	snprintf(d->error, sizeof(d->error), "cannot read the identity string: %s",
	         libusb_strerror((enum libusb_error)r));
	d->accessible = false;
}

/* KIS keeps its identity out of the serial string: ask its protocol, as
 * libirecovery 1.2.1 does. Without it the record still says what the
 * serial string held. */
static void read_kis_identity(struct usb_handle *uh, struct device *d)
{
	char id[sizeof(d->serial)];
	int r = usb_claim_passive(uh);

	if (r == 0)
		r = usb_kis_identity(uh, id, sizeof(id), PROBE_IBOOT_TIMEOUT_MS);
	if (r == 0)
		memcpy(d->serial, id, sizeof(d->serial));
	else
		log_debug("%s: no KIS identity: %s", d->usb_location,
		          libusb_strerror((enum libusb_error)r));
}

bool usb_probe(libusb_device *dev, struct device *d, unsigned flags)
{
	struct usb_handle uh;
	uint8_t serial_index;
	int r;

	if (!usb_describe(dev, d, &serial_index))
		return false;
	r = usb_open(dev, &uh);
	if (r != 0) {
		note_open_error(d, r, dev);
		/* Identify it anyway; accessible and error still say what went wrong. */
		usb_read_sysfs_serial(d->usb_location, d->serial, sizeof(d->serial));
		usb_identify_serial(d);
		return true;
	}
	read_serial(&uh, serial_index, d);
	if (d->mode == MODE_KIS && d->accessible)
		read_kis_identity(&uh, d);
	usb_identify_serial(d);
	if ((flags & USB_PROBE_IBOOT) && d->mode == MODE_RECOVERY && d->ecid && d->accessible)
		read_iboot_version(&uh, d);
	usb_close(&uh);
	return true;
}

bool usb_probe_device(libusb_device *dev, struct device *d)
{
	return usb_probe(dev, d, USB_PROBE_IBOOT);
}

/* Copying field by field would lose whatever the list forgets (it once
 * forgot the derived UDID): the whole early record, then the verdict. */
bool usb_probe_arrival(libusb_device *dev, const struct device *early, struct device *d)
{
	bool valid = usb_probe_device(dev, d);
	struct device probed;

	if (d->ecid || !early->ecid)
		return valid;
	probed = *d;
	*d = *early;
	d->accessible = probed.accessible;
	memcpy(d->error, probed.error, sizeof(d->error));
	return valid;
}
