/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding devices: raw USB (recovery, DFU, WTF, KIS, Port DFU) through
 * libusb, and usbmuxd (normal, restore) through libusbmuxd and lockdownd.
 * Every device is probed on its own thread with its own deadline, so one
 * stuck device cannot stall the others.
 */
#ifndef IRECCTL_DISCOVERY_H
#define IRECCTL_DISCOVERY_H

#include <stdint.h>

#include <libusb.h>
#include <usbmuxd.h>

#include "irecctl/device.h"
#include "irecctl/devid.h"
#include "irecctl/usb.h"

/* Default time one device may take to answer a probe. */
#define PROBE_TIMEOUT_MS 5000

/* usb_probe() flags. */
#define USB_PROBE_IBOOT 0x1u /* ask a recovery device its iBoot version (see usb-scan.c) */

/*
 * Look at one Apple USB device in a raw-USB mode: mode from the PID, USB
 * location, the identity string (sysfs; from the device only if sysfs has
 * none), whether this user may open it, and with USB_PROBE_IBOOT the iBoot
 * version of a recovery device nobody else is driving. Never takes a
 * device's exclusive lock, never claims a device another program holds.
 * Returns false if dev is not an Apple device in a raw-USB mode.
 */
bool usb_probe(libusb_device *dev, struct device *out, unsigned flags);
/* usb_probe(dev, out, USB_PROBE_IBOOT). */
bool usb_probe_device(libusb_device *dev, struct device *out);

/*
 * usb_probe_device() of a device that has just arrived; early is what was
 * known at its arrival (usb_identify_quick(), from sysfs). A device that
 * left again before the probe could read its identity is reported with
 * that early identity, all of it (ECID, model, the UDID derived from
 * them), and the probe's own verdict: accessible and error say why it
 * could not be asked.
 */
bool usb_probe_arrival(libusb_device *dev, const struct device *early, struct device *out);

/*
 * Probe one usbmuxd device: lockdownd QueryType (normal or restore),
 * identity values without a pairing session (never a Trust prompt), and
 * whether this host has a pair record. Returns false if info is not a
 * USB-connected device. One attempt; it may block as long as lockdownd
 * takes, so callers bound it with their own deadline. If retry is not
 * NULL it says whether the mode stayed unknown for a reason that may pass.
 */
enum mux_retry {
	MUX_RETRY_NO,      /* an answer, or a failure that asking again does not change */
	MUX_RETRY_REFUSED, /* no connection (lockdownd not listening yet, usbmuxd busy) */
	/* lockdownd accepted and closed without a reply: a definite failure,
	 * except right after the device arrived (a freshly booted lockdownd) */
	MUX_RETRY_CLOSED,
};
bool mux_probe_device(const usbmuxd_device_info_t *info, struct device *out, enum mux_retry *retry);

struct discover_opts {
	int timeout_ms; /* the whole snapshot; a probe that takes longer is listed with an error */
	/* Only devices that may be this one are probed (-d): a UDID or a
	 * new-form UDID names a usbmuxd device before any lockdownd
	 * connection, a raw-USB device is matched by its cached identity
	 * string. NULL: every device. */
	const struct devid *only;
	unsigned usb_flags; /* usb_probe() flags */
};

/*
 * Everything attached, one record per attachment, sorted by USB location
 * then ECID. Records of two attachments that report the same ECID are
 * never merged: each gets conflict set and an error naming the other. A
 * missing usbmuxd, an empty bus or libusb failing to start (warned about
 * on stderr) is not an error. Connection-level failures (lockdownd not
 * answering yet, usbmuxd's backlog full) are retried within the timeout.
 * Returns 0; err is kept for failures a caller must report.
 */
int discover(struct device_list *out, const struct discover_opts *opts, char *err, size_t errlen);

/* discover() of every device with USB_PROBE_IBOOT. */
int discover_all(struct device_list *out, int timeout_ms, char *err, size_t errlen);

#endif
