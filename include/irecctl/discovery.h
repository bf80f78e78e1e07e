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

/* Default time one device may take to answer a probe. */
#define PROBE_TIMEOUT_MS 5000

/*
 * Probe one Apple USB device in a raw-USB mode: mode from the PID, USB
 * location, then the identity string (opening the device; if that is
 * refused, from sysfs, with accessible = false and the reason). Returns
 * false if dev is not an Apple device in a raw-USB mode.
 */
bool usb_probe_device(libusb_device *dev, struct device *out);

/* The process's one libusb context (created on first use; NULL and a
 * reason in err if libusb cannot start). Shared so that every command to
 * every device does not rescan the bus. */
libusb_context *discovery_libusb(char *err, size_t errlen);

/* Helpers of usb_probe_device(), shared with the hotplug source: */
/* "1-4.2": bus, then the port path; stable for a slot across modes. */
void usb_location(libusb_device *dev, char *buf, size_t len);
/* The identity string the kernel cached at enumeration; a file read, no
 * device I/O (fine in a hotplug callback, and for a device we may not open). */
bool usb_read_sysfs_serial(const char *location, char *buf, size_t len);
/* Fill ECID, CPID/BDID, iBoot tag, derived UDID and model from d->serial. */
void usb_identify_serial(struct device *d);
/* What can be known without talking to the device (descriptor, location,
 * sysfs serial); false if it is not an Apple device in a raw-USB mode. */
bool usb_identify_quick(libusb_device *dev, struct device *d);

/*
 * Probe one usbmuxd device: lockdownd QueryType (normal or restore),
 * identity values without a pairing session (never a Trust prompt), and
 * whether this host has a pair record. Returns false if info is not a
 * USB-connected device. One attempt; it may block as long as lockdownd
 * takes, so callers bound it with their own deadline. If retry is not
 * NULL it says whether the mode stayed unknown for a reason that may pass
 * (lockdownd refusing or dropping the connection, as right after attach).
 */
bool mux_probe_device(const usbmuxd_device_info_t *info, struct device *out, bool *retry);

/*
 * Everything attached, one record per physical device (merged by ECID),
 * sorted by USB location then ECID. A missing usbmuxd, an empty bus or
 * libusb failing to start (warned about on stderr) is not an error.
 * Returns 0; err is kept for failures a caller must report.
 */
int discover_all(struct device_list *out, int timeout_ms, char *err, size_t errlen);

#endif
