/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <libusb.h>
#include <usbmuxd.h>

#include "irecctl/device-ops.h"
#include "irecctl/discovery.h"
#include "irecctl/exitcode.h"
#include "irecctl/log.h"
#include "irecctl/sanitize.h"

#define LOCKDOWN_LABEL "irecctl"

/* One place that says what each lockdownd refusal means for the user. */
static int lockdown_status(lockdownd_error_t e, char *err, size_t errlen)
{
	switch (e) {
	case LOCKDOWN_E_SUCCESS:
		return IREC_OK;
	case LOCKDOWN_E_PASSWORD_PROTECTED:
		snprintf(err, errlen, "the device is passcode-locked: unlock it and try again");
		return IREC_ELOCKED;
	case LOCKDOWN_E_INVALID_HOST_ID:
		snprintf(err, errlen,
		         "the device does not trust this host any more (InvalidHostID)");
		return IREC_ENOTTRUSTED;
	case LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING:
		snprintf(err, errlen,
		         "the device shows 'Trust This Computer?': answer it on the device");
		return IREC_ENOTTRUSTED;
	case LOCKDOWN_E_USER_DENIED_PAIRING:
		snprintf(err, errlen, "the user denied pairing with this host on the device");
		return IREC_ENOTTRUSTED;
	case LOCKDOWN_E_PLIST_ERROR:
	case LOCKDOWN_E_DICT_ERROR:
	case LOCKDOWN_E_INVALID_RESPONSE:
		snprintf(err, errlen, "malformed reply from lockdownd (%d)", e);
		return IREC_EPROTO;
	case LOCKDOWN_E_MUX_ERROR:
		snprintf(err, errlen, "lost the connection to the device");
		return IREC_EGONE;
	case LOCKDOWN_E_RECEIVE_TIMEOUT:
		snprintf(err, errlen, "lockdownd did not answer");
		return IREC_ETIMEOUT;
	default:
		snprintf(err, errlen, "lockdownd refused the request (error %d)", e);
		return IREC_EFAIL;
	}
}

static bool have_pair_record(const char *udid)
{
	char *record = NULL;
	uint32_t len = 0;

	if (usbmuxd_read_pair_record(udid, &record, &len) != 0)
		return false;
	free(record);
	return true;
}

static lockdownd_error_t enter_with_session(idevice_t dev)
{
	lockdownd_client_t client = NULL;
	lockdownd_error_t e = lockdownd_client_new_with_handshake(dev, &client, LOCKDOWN_LABEL);

	if (e == LOCKDOWN_E_SUCCESS)
		e = lockdownd_enter_recovery(client);
	lockdownd_client_free(client);
	return e;
}

int ops_enter_recovery(const char *udid, bool allow_pair, char *err, size_t errlen)
{
	idevice_t dev = NULL;
	lockdownd_client_t client = NULL;
	lockdownd_error_t e;

	if (idevice_new_with_options(&dev, udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS) {
		snprintf(err, errlen, "the device left usbmuxd");
		return IREC_EGONE;
	}
	e = lockdownd_client_new(dev, &client, LOCKDOWN_LABEL);
	if (e == LOCKDOWN_E_SUCCESS)
		e = lockdownd_enter_recovery(client);
	lockdownd_client_free(client);
	if (e == LOCKDOWN_E_SESSION_INACTIVE) {
		/* iOS 14.5 and later want a paired session; a handshake without a
		 * pair record would start pairing, which only --pair allows. */
		if (!have_pair_record(udid) && !allow_pair) {
			snprintf(err, errlen,
			         "the device needs a trusted (paired) host to enter recovery and "
			         "this "
			         "host has no pair record: use --pair to start pairing, or the "
			         "buttons");
			idevice_free(dev);
			return IREC_ENOTTRUSTED;
		}
		log_info("%s: EnterRecovery needs a session (iOS 14.5+); retrying paired", udid);
		e = enter_with_session(dev);
	}
	idevice_free(dev);
	return lockdown_status(e, err, errlen);
}

/*
 * The iBoot command channel, on libusb directly: Debian's libirecovery
 * 1.0.0 frees its device list while still walking it when two Apple
 * devices are attached (fixed upstream after 1.0.0), and it ignores the
 * result of every control transfer. Here the device is matched by the ECID
 * in its identity string, and every transfer's result is checked.
 */
#define IBOOT_TIMEOUT_MS 2000

static bool is_recovery_pid(libusb_device *dev)
{
	struct libusb_device_descriptor desc;
	return libusb_get_device_descriptor(dev, &desc) == 0 && desc.idVendor == APPLE_VID &&
	       mode_from_usb_pid(desc.idProduct) == MODE_RECOVERY;
}

/*
 * Is this the device we want, without opening it? At the location discovery
 * saw it, or (when it moved) whose cached identity string names its ECID:
 * with dozens of devices attached, opening each in turn to read its serial
 * would cost one open per device per command.
 */
static bool may_be(libusb_device *dev, const struct device *want)
{
	char loc[32], serial[256];
	struct device d;

	usb_location(dev, loc, sizeof(loc));
	if (want->usb_location[0] && !strcmp(loc, want->usb_location))
		return true;
	if (!usb_read_sysfs_serial(loc, serial, sizeof(serial)))
		return true; /* no sysfs: only opening it can tell */
	memset(&d, 0, sizeof(d));
	memcpy(d.serial, serial, sizeof(d.serial));
	usb_identify_serial(&d);
	return d.ecid == want->ecid;
}

static libusb_device_handle *open_recovery(libusb_context *ctx, const struct device *want,
                                           int *open_error)
{
	libusb_device **list = NULL;
	libusb_device_handle *found = NULL;
	ssize_t n = libusb_get_device_list(ctx, &list);

	*open_error = 0;

	for (ssize_t i = 0; i < n && !found; i++) {
		struct device d;
		if (!is_recovery_pid(list[i]) || !may_be(list[i], want))
			continue;
		memset(&d, 0, sizeof(d));
		/* Confirm by the string the device itself sends. */
		if (!usb_probe_device(list[i], &d) || d.ecid != want->ecid)
			continue;
		*open_error = libusb_open(list[i], &found);
		if (*open_error != 0)
			found = NULL;
	}
	if (n >= 0)
		libusb_free_device_list(list, 1);
	if (found)
		libusb_claim_interface(found, 0); /* as libirecovery does; harmless if refused */
	return found;
}

struct iboot {
	libusb_device_handle *h;
};

static int iboot_open(const struct device *want, struct iboot *ib, char *err, size_t errlen)
{
	libusb_context *ctx = discovery_libusb(err, errlen);

	memset(ib, 0, sizeof(*ib));
	if (!ctx)
		return IREC_EFAIL;
	int open_error;
	ib->h = open_recovery(ctx, want, &open_error);
	if (!ib->h && open_error == LIBUSB_ERROR_ACCESS) {
		snprintf(err, errlen, "permission denied on the USB device (see 'irecctl doctor')");
		return IREC_EPERM;
	}
	if (!ib->h) {
		snprintf(err, errlen, "the recovery-mode device 0x%016llx cannot be opened",
		         (unsigned long long)want->ecid);
		return IREC_EGONE;
	}
	return IREC_OK;
}

static void iboot_close(struct iboot *ib)
{
	libusb_release_interface(ib->h, 0);
	libusb_close(ib->h);
}

/* bRequest 0: a command iBoot answers; 1: one it does not return from (reboot). */
static int handle_command(libusb_device_handle *h, const char *cmd, uint8_t breq)
{
	size_t len = strlen(cmd) + 1;

	if (len > 255)
		return LIBUSB_ERROR_INVALID_PARAM;
	int r = libusb_control_transfer(h, 0x40, breq, 0, 0, (unsigned char *)cmd, (uint16_t)len,
	                                IBOOT_TIMEOUT_MS);
	return r < 0 ? r : 0;
}

static int iboot_command(struct iboot *ib, const char *cmd, uint8_t breq)
{
	return handle_command(ib->h, cmd, breq);
}

int ops_iboot_getenv_handle(libusb_device_handle *h, const char *name, char *value, size_t len)
{
	char cmd[128];
	unsigned char buf[256];
	int r;

	value[0] = '\0';
	snprintf(cmd, sizeof(cmd), "getenv %s", name);
	r = handle_command(h, cmd, 0);
	if (r == 0)
		r = libusb_control_transfer(h, 0xC0, 0, 0, 0, buf, 255, IBOOT_TIMEOUT_MS);
	if (r > 0) {
		buf[r] = '\0';
		sanitize_text(value, len, (const char *)buf);
	}
	return r < 0 ? r : 0;
}

static int iboot_status(int r, const char *what, char *err, size_t errlen)
{
	if (r == 0)
		return IREC_OK;
	snprintf(err, errlen, "iBoot did not take '%s': %s", what,
	         libusb_strerror((enum libusb_error)r));
	return r == LIBUSB_ERROR_NO_DEVICE ? IREC_EGONE : IREC_EFAIL;
}

int ops_exit_recovery(const struct device *d, char *err, size_t errlen)
{
	struct iboot ib;
	int st = iboot_open(d, &ib, err, errlen);
	int r;

	if (st != IREC_OK)
		return st;
	r = iboot_command(&ib, "setenv auto-boot true", 0);
	st = iboot_status(r, "setenv auto-boot true", err, errlen);
	if (st == IREC_OK)
		st = iboot_status(iboot_command(&ib, "saveenv", 0), "saveenv", err, errlen);
	if (st == IREC_OK) {
		r = iboot_command(&ib, "reboot", 1);
		/* The device may vanish before it acknowledges: that is the reboot. */
		if (r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO || r == LIBUSB_ERROR_PIPE)
			r = 0;
		st = iboot_status(r, "reboot", err, errlen);
	}
	iboot_close(&ib);
	return st;
}

int ops_iboot_getenv(const struct device *d, const char *name, char *value, size_t len)
{
	struct iboot ib;
	char err[160];
	int st = iboot_open(d, &ib, err, sizeof(err));

	value[0] = '\0';
	if (st != IREC_OK)
		return st;
	ops_iboot_getenv_handle(ib.h, name, value, len);
	iboot_close(&ib);
	return IREC_OK;
}
