/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One attached device, as discovery sees it: plain data, whatever the mode.
 * The same physical device keeps its ECID across modes; everything else
 * (USB address, usbmuxd id, even the UDID in recovery) may change.
 */
#ifndef IRECCTL_DEVICE_H
#define IRECCTL_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct model;

enum dev_mode {
	MODE_UNKNOWN = 0,
	MODE_NORMAL,   /* usbmuxd; lockdownd answers com.apple.mobile.lockdown */
	MODE_RESTORE,  /* usbmuxd; com.apple.mobile.restored */
	MODE_RECOVERY, /* 05ac:1280..1283, iBoot */
	MODE_DFU,      /* 05ac:1227, SecureROM */
	MODE_WTF,      /* 05ac:1222, S5L8900 before DFU */
	MODE_KIS,      /* 05ac:1881, DFU via debug USB */
	MODE_PORT_DFU, /* 05ac:f014, USB-C port controller DFU */
	MODE_COUNT
};

#define APPLE_VID 0x05ac

/* "normal", "restore", "recovery", "dfu", "wtf", "kis", "port-dfu"; "unknown". */
const char *mode_name(enum dev_mode m);
/* Parse a name above; false if unknown. */
bool mode_parse(const char *s, enum dev_mode *m);
/* The mode of an Apple USB product id, or MODE_UNKNOWN for anything usbmuxd
 * or nobody handles. */
enum dev_mode mode_from_usb_pid(uint16_t pid);
/* Modes seen on raw USB (libusb/libirecovery) versus through usbmuxd. */
bool mode_is_usb(enum dev_mode m);
/* DFU-like modes: the SecureROM answers, no iBoot. */
bool mode_is_dfu_like(enum dev_mode m);

#define DEVICE_STR 96

struct device {
	enum dev_mode mode;
	uint64_t ecid; /* 0 = unknown */
	char udid[65]; /* "" = unknown (not reported in recovery/DFU) */
	char product_type[32];
	char hw_model[32]; /* board config, e.g. "d22ap" */
	uint32_t cpid, bdid;
	bool have_cpid, have_bdid;
	const struct model *model;    /* NULL: newer than our table, or unidentified */
	char device_name[DEVICE_STR]; /* user-given DeviceName (normal mode) */
	char os_version[32];
	char build[32];
	char iboot[DEVICE_STR]; /* SRTG / iBoot version (recovery, DFU) */
	char serial[256];       /* USB identity string as read (recovery, DFU) */
	char usb_location[32];  /* "1-4.2" style bus-port path, stable across modes */
	uint16_t usb_pid;
	uint32_t mux_id; /* usbmuxd DeviceID (normal, restore); changes on re-attach */
	int trusted;     /* 1 pair record present, 0 absent, -1 unknown/not applicable */
	bool accessible; /* false: could not open/query; see error */
	bool timed_out;  /* the probe gave up at its deadline (lockdownd never answered) */
	bool conflict;   /* another attachment reports the same ECID: not one device */
	char error[160]; /* "" or a one-line reason */
};

struct device_list {
	struct device *v;
	size_t n, cap;
	/* Why usbmuxd could not be asked (normal and restore mode devices
	 * unseen), "" when it could. */
	char mux_error[128];
};

/* Append a zeroed device (trusted = -1, accessible = true); NULL on OOM. */
struct device *device_list_add(struct device_list *l);
void device_list_free(struct device_list *l);

/* Fill d->model from what d carries (product type + hw model, else CPID+BDID). */
void device_identify(struct device *d);

/*
 * The model whose buttons a person should press: the device's own row of
 * irecctl's table; else forced (--model); else what libirecovery or the
 * family says (model-runtime.h); NULL when nothing is known.
 */
const struct model *device_buttons_model(const struct device *d, const struct model *forced);

/* How messages name a device: its ECID ("0x000c1c446061002e"), else its
 * USB location ("USB 1-4.2"), else its UDID, else "a device". */
void device_label(const struct device *d, char *buf, size_t len);

/*
 * strcmp() that compares runs of digits as numbers, so USB locations sort
 * the way ports are numbered: "1-2" before "1-10", "1-4.2" before "1-4.10".
 */
int device_location_cmp(const char *a, const char *b);

/* Marketing name, or "Unknown (CPID 0x8150, BDID 0x44)"-style text. */
void device_display_name(const struct device *d, char *buf, size_t len);

#endif
