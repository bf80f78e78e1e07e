/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb internals, shared by lab-usb.c (testbed, sysfs),
 * lab-usb-fs.c (usbfs ioctls, URB queue) and lab-usb-iboot.c (what the
 * device answers on its endpoints: descriptors, strings, the iBoot command
 * channel, uploads).
 */
#ifndef IRECSIM_LAB_USB_PRIV_H
#define IRECSIM_LAB_USB_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <umockdev.h>

#include "lab.h"

/* Interfaces a configuration may have (recovery has 2). */
#define USBSIM_MAX_IFACES 4

/* A string descriptor carries at most 126 UTF-16 units (bLength is a byte). */
#define USBSIM_STR_UNITS 126
/* String descriptor indexes: 1 nonces, 2 manufacturer, 3 product, 4 serial. */
#define USBSIM_N_STRINGS 5

/* One enumeration of a device: lives from usbsim_plug() until the last
 * client fd that saw it is closed, so the worker thread may still use it
 * after usbsim_unplug(). */
struct usb_plug {
	gint refs;
	struct sim_device *d; /* stable for the life of the lab */
	enum sim_mode mode;   /* mode at plug time; d->mode moves on */
	unsigned bus, port, devnum;
	bool node_private; /* node is 0600: only its owner's open() succeeds */
	char syspath[96];  /* "/sys/devices/.../usb1/1-3" */
	char devnode[32];  /* "/dev/bus/usb/001/005" */
	UMockdevIoctlBase *handler;

	/* Immutable after plug. */
	guint8 desc[96]; /* device descriptor + whole config descriptor */
	unsigned desc_len;
	unsigned n_ifaces;
	gunichar2 str[USBSIM_N_STRINGS][USBSIM_STR_UNITS];
	unsigned str_len[USBSIM_N_STRINGS];
	char *str_utf8[USBSIM_N_STRINGS]; /* the same strings, as sysfs caches them */

	/* Guarded by lab_lock(). */
	bool gone;            /* unplugged: ioctls on open fds answer ENODEV */
	GHashTable *env;      /* iBoot variables of this boot (name -> value) */
	char reply[256];      /* what the next 0xC0 read returns */
	guint64 upload_bytes; /* bulk OUT bytes since the last upload start */
	char upload_head[64]; /* the first bytes of that upload (NUL-padded) */
	/* Which client (open fd, struct usb_fd) holds each interface: claims
	 * are per open file, as usbfs keeps them, so two processes -- or two
	 * opens in one -- conflict with EBUSY. */
	const void *claim[USBSIM_MAX_IFACES];
	unsigned config;  /* bConfigurationValue now: 0 unconfigured, 1 */
	unsigned slow_ms; /* the transfer being run takes this much longer (saveenv) */
	/* reboot-hang: the unacknowledged reboot waits for the host to give up
	 * (discard the URB, or close the device) before the device leaves. */
	bool reboot_on_cancel;
	/* KIS: the identity its bulk protocol gives, the reply to be read. */
	char kis_identity[256];
	GByteArray *kis_reply;
};

struct usb_plug *usb_plug_ref(struct usb_plug *p);
void usb_plug_unref(struct usb_plug *p);
/* False after usbsim_shutdown(): then p->d may already be freed, so late
 * timers must not touch it. Main loop only. */
bool usbsim_running(void);
/* The testbed (NULL after usbsim_shutdown). Main loop only. */
UMockdevTestbed *usbsim_testbed(void);

/* lab-usb-fs.c: the handler answering usbfs ioctls on p's node (a new
 * reference; it holds p until it is freed). */
UMockdevIoctlBase *usbsim_fs_handler_new(struct usb_plug *p);

/* lab-usb-iboot.c. Call with lab_lock() held: fills descriptors, strings
 * and the iBoot environment from d for an enumeration in p->mode. */
void usbsim_iboot_setup(struct usb_plug *p);
/* Worker thread, lab_lock() not held. Return the URB status (0, -EPIPE for
 * a STALL, -ESHUTDOWN when the device went away, or USBSIM_URB_PENDING:
 * the device never completes it) and set *actual. */
#define USBSIM_URB_PENDING 1
int usbsim_iboot_control(struct usb_plug *p, const guint8 setup[8], guint8 *data, int *actual);
int usbsim_iboot_bulk(struct usb_plug *p, unsigned ep, const guint8 *data, int len, int *actual);
/* lab-usb-kis.c: a KIS device's bulk requests and their replies. */
int usbsim_kis_out(struct usb_plug *p, unsigned ep, const guint8 *data, int len, int *actual);
int usbsim_kis_in(struct usb_plug *p, unsigned ep, guint8 *data, int len, int *actual);
/* The host gave up on a URB the device left pending (DISCARDURB, or the
 * file closed with it outstanding). Any thread. */
void usbsim_iboot_cancelled(struct usb_plug *p);
/* Forget saved iBoot variables (usbsim_shutdown). */
void usbsim_iboot_shutdown(void);

/* lab-usb-drain.c: before the detach, have umockdev accept every client
 * still waiting on the node's ioctl socket (main loop). The handler answers
 * USBSIM_DRAIN_REQUEST (no usbfs ioctl has that number) with success. */
#define USBSIM_DRAIN_REQUEST    0x49525344UL /* "IRSD" */
#define USBSIM_UNPLUGGED_SUFFIX "~"
void usbsim_drain_socket(const char *testbed_root, const char *devnode);

/* Around each call that sends a uevent: one at a time, once every client
 * can take one more (lab-uevent.c). */
void usbsim_uevent_begin(const char *testbed_root);
void usbsim_uevent_end(void);

#endif
