/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <plist/plist.h>
#include <usbmuxd.h>

#include "irecctl/device-ops.h"
#include "irecctl/exitcode.h"
#include "irecctl/log.h"
#include "irecctl/sanitize.h"
#include "irecctl/usb.h"

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

/* The refusals irecctl tells apart; anything else is "refused". */
static const struct {
	const char *name;
	lockdownd_error_t code;
} enter_errors[] = {
        {"SessionInactive", LOCKDOWN_E_SESSION_INACTIVE},
        {"PasswordProtected", LOCKDOWN_E_PASSWORD_PROTECTED},
        {"InvalidHostID", LOCKDOWN_E_INVALID_HOST_ID},
        {"PairingDialogResponsePending", LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING},
        {"UserDeniedPairing", LOCKDOWN_E_USER_DENIED_PAIRING},
};

static lockdownd_error_t reply_error(plist_t reply)
{
	plist_t n = plist_dict_get_item(reply, "Error");
	const char *name;

	/* Like libimobiledevice: a reply without Error is a success. */
	if (!n || plist_get_node_type(n) != PLIST_STRING)
		return LOCKDOWN_E_SUCCESS;
	name = plist_get_string_ptr(n, NULL);
	for (size_t i = 0; i < sizeof(enter_errors) / sizeof(enter_errors[0]); i++) {
		if (!strcmp(name, enter_errors[i].name))
			return enter_errors[i].code;
	}
	return LOCKDOWN_E_UNKNOWN_ERROR;
}

/*
 * EnterRecovery with its outcome told apart, which lockdownd_enter_recovery()
 * does not do: a reply (success or a refusal), or none at all. A device on
 * its way into Recovery may drop the tunnel before it replies; then the
 * request was sent, *unconfirmed is set, and the arrival decides.
 */
static lockdownd_error_t enter_request(lockdownd_client_t client, bool *unconfirmed)
{
	plist_t req = plist_new_dict(), reply = NULL;
	lockdownd_error_t e;

	plist_dict_set_item(req, "Label", plist_new_string(LOCKDOWN_LABEL));
	plist_dict_set_item(req, "Request", plist_new_string("EnterRecovery"));
	e = lockdownd_send(client, req);
	plist_free(req);
	if (e != LOCKDOWN_E_SUCCESS)
		return e;
	if (lockdownd_receive(client, &reply) != LOCKDOWN_E_SUCCESS || !reply ||
	    plist_get_node_type(reply) != PLIST_DICT) {
		plist_free(reply);
		*unconfirmed = true;
		return LOCKDOWN_E_SUCCESS;
	}
	e = reply_error(reply);
	plist_free(reply);
	return e;
}

static lockdownd_error_t enter_with_session(idevice_t dev, bool *unconfirmed)
{
	lockdownd_client_t client = NULL;
	lockdownd_error_t e = lockdownd_client_new_with_handshake(dev, &client, LOCKDOWN_LABEL);

	if (e == LOCKDOWN_E_SUCCESS)
		e = enter_request(client, unconfirmed);
	lockdownd_client_free(client);
	return e;
}

/* IREC_OK with err set: sent, but lockdownd never replied (the arrival decides). */
int ops_enter_recovery(const char *udid, bool allow_pair, char *err, size_t errlen)
{
	idevice_t dev = NULL;
	lockdownd_client_t client = NULL;
	lockdownd_error_t e;
	bool unconfirmed = false;

	if (idevice_new_with_options(&dev, udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS) {
		snprintf(err, errlen, "the device left usbmuxd");
		return IREC_EGONE;
	}
	e = lockdownd_client_new(dev, &client, LOCKDOWN_LABEL);
	if (e == LOCKDOWN_E_SUCCESS)
		e = enter_request(client, &unconfirmed);
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
		e = enter_with_session(dev, &unconfirmed);
	}
	idevice_free(dev);
	if (unconfirmed && e == LOCKDOWN_E_SUCCESS) {
		log_info("%s: EnterRecovery sent, no reply (the device may be rebooting): its "
		         "arrival decides",
		         udid);
		/* Said if it never arrives: the request, not the reboot, failed. */
		snprintf(err, errlen, "lockdownd did not answer EnterRecovery");
		return IREC_OK;
	}
	return lockdown_status(e, err, errlen);
}

/* --- recovery: iBoot commands over the raw-USB layer ------------------------ */

static int iboot_status(int r, const char *what, char *err, size_t errlen)
{
	if (r == 0)
		return IREC_OK;
	snprintf(err, errlen, "iBoot did not take '%s': %s", what,
	         libusb_strerror((enum libusb_error)r));
	return r == LIBUSB_ERROR_NO_DEVICE ? IREC_EGONE : IREC_EFAIL;
}

static int send_command(struct usb_handle *uh, const char *cmd, char *err, size_t errlen)
{
	return iboot_status(usb_iboot_command(uh, cmd, 0, USB_IBOOT_TIMEOUT_MS), cmd, err, errlen);
}

int ops_exit_recovery(const struct device *d, char *err, size_t errlen)
{
	struct usb_handle uh;
	int st = usb_open_recovery(d->ecid, d->usb_location, &uh, err, errlen);

	if (st != IREC_OK)
		return st;
	st = send_command(&uh, "setenv auto-boot true", err, errlen);
	if (st == IREC_OK)
		st = send_command(&uh, "saveenv", err, errlen);
	if (st == IREC_OK) {
		int r = usb_iboot_command(&uh, "reboot", 1, USB_IBOOT_TIMEOUT_MS);
		/* A resetting device may vanish, STALL or never acknowledge: the
		 * reboot is sent, unconfirmed, and its arrival decides. */
		if (r == LIBUSB_ERROR_NO_DEVICE || r == LIBUSB_ERROR_IO || r == LIBUSB_ERROR_PIPE ||
		    r == LIBUSB_ERROR_TIMEOUT) {
			log_info("0x%016llx: reboot sent, not acknowledged (%s): its arrival "
			         "decides",
			         (unsigned long long)d->ecid, libusb_error_name(r));
			r = 0;
		}
		st = iboot_status(r, "reboot", err, errlen);
	}
	usb_close(&uh);
	return st;
}

int ops_iboot_getenv(const struct device *d, const char *name, char *value, size_t len)
{
	struct usb_handle uh;
	char err[160];
	int st = usb_open_recovery(d->ecid, d->usb_location, &uh, err, sizeof(err));

	value[0] = '\0';
	if (st != IREC_OK)
		return st;
	usb_iboot_getenv(&uh, name, value, len, USB_IBOOT_TIMEOUT_MS);
	usb_close(&uh);
	return IREC_OK;
}
