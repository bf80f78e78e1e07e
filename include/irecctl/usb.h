/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw USB: the bottom layer under discovery (usb-scan.c, events) and the
 * device operations (device-ops.c). It owns the process's libusb context,
 * finds and opens Apple devices in the raw-USB modes (recovery, DFU, WTF,
 * KIS, Port DFU), claims their interfaces as libirecovery does, sends
 * iBoot commands and reads the identity string. It calls nothing above it.
 *
 * Two ways to hold a device open:
 *   - passive (usb_claim_passive): interface 0 only, never changing the
 *     device's configuration; LIBUSB_ERROR_BUSY means another program
 *     is driving the device and the caller must leave it alone;
 *   - acting (usb_claim_for_commands): configuration 1 if the device is
 *     unconfigured, interface 0, and for 0x1282/0x1283 interface 1 alt 1,
 *     exactly as libirecovery's irecv_usb_set_configuration/_interface.
 */
#ifndef IRECCTL_USB_H
#define IRECCTL_USB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libusb.h>

#include "irecctl/device.h"

/* Control transfers wait this long, as libirecovery and pymobiledevice3 do. */
#define USB_IBOOT_TIMEOUT_MS 10000

/* The process's one libusb context (created on first use; NULL and a
 * reason in err if libusb cannot start). Probe threads may outlive a
 * caller, so it is never torn down. */
libusb_context *usb_context(char *err, size_t errlen);

/* "1-4.2": bus, then the port path; stable for a slot across modes. */
void usb_location(libusb_device *dev, char *buf, size_t len);

/* The identity string the kernel cached at enumeration: a file read, no
 * device I/O (fine in a hotplug callback, and for a device we may not open). */
bool usb_read_sysfs_serial(const char *location, char *buf, size_t len);

/* Mode, product id and location from the cached descriptor (no device
 * I/O); false if dev is not an Apple device in a raw-USB mode. *serial_index
 * (may be NULL) gets the iSerialNumber index. */
bool usb_describe(libusb_device *dev, struct device *d, uint8_t *serial_index);

/* Fill ECID, CPID/BDID, iBoot tag, derived UDID and model from d->serial.
 * An ECID that is not the full 16 hex digits is never taken as fact. */
void usb_identify_serial(struct device *d);

/* What can be known without talking to the device (descriptor, location,
 * sysfs serial); false if it is not an Apple device in a raw-USB mode. */
bool usb_identify_quick(libusb_device *dev, struct device *d);

/* A raw-USB device opened by this layer. */
struct usb_handle {
	libusb_device_handle *h;
	uint16_t pid;
	bool claimed[2]; /* interfaces 0 and 1 */
};

/* Open dev (no transfer, no claim); a libusb error code or 0. */
int usb_open(libusb_device *dev, struct usb_handle *uh);

/* Claim interface 0 without touching the configuration: 0, or a libusb
 * error (LIBUSB_ERROR_BUSY: another program holds it; NOT_FOUND: the
 * device is unconfigured). */
int usb_claim_passive(struct usb_handle *uh);

/* Configuration 1 if needed, interface 0, and for 0x1282/0x1283
 * interface 1 alt 1: 0 or the first libusb error. */
int usb_claim_for_commands(struct usb_handle *uh);

/* Release what was claimed and close. */
void usb_close(struct usb_handle *uh);

/* An iBoot command (bRequest 0; 1 for reboot, which iBoot may never
 * acknowledge): 0 or a libusb error. */
int usb_iboot_command(struct usb_handle *uh, const char *cmd, uint8_t breq, unsigned timeout_ms);

/* `getenv NAME` and its reply (a separate control-IN transfer, so only
 * ever on a device whose interface 0 we hold): 0 or a libusb error;
 * value is sanitised, "" when unset. */
int usb_iboot_getenv(struct usb_handle *uh, const char *name, char *value, size_t len,
                     unsigned timeout_ms);

/*
 * Find the recovery-mode device with this ECID (at location first, if
 * given, else by the cached identity strings, confirmed by the string the
 * device sends) and open it for commands (usb_claim_for_commands). Returns
 * an irec_status: IREC_OK; IREC_EBUSY when another program has claimed the
 * device; IREC_EPERM; IREC_EGONE when no such device is attached; err
 * gets the reason.
 */
int usb_open_recovery(uint64_t ecid, const char *location, struct usb_handle *uh, char *err,
                      size_t errlen);

#endif
