/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KIS (05ac:1881) devices do not put their identity in the USB serial
 * string: it is read over the KIS bulk protocol, as libirecovery 1.2.1 and
 * later do (Debian 12's 1.0.0 does not know KIS at all).
 */
#ifndef IRECCTL_USB_KIS_H
#define IRECCTL_USB_KIS_H

#include <stddef.h>

#include "irecctl/usb.h"

#define KIS_PID 0x1881

/* Enable the KIS interface and ask GET_INFO: the identity string (the
 * DFU form, "CPID:... ECID:... SRTG:[...]") into buf. Interface 0 must be
 * claimed. 0, or a libusb error code (LIBUSB_ERROR_IO for a reply that is
 * not KIS's). */
int usb_kis_identity(struct usb_handle *uh, char *buf, size_t len, unsigned timeout_ms);

#endif
