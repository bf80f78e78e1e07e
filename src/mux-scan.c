/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Normal- and restore-mode devices, through usbmuxd and lockdownd. Only
 * values lockdownd gives without a pairing session are read, so `status`
 * never makes a device show its "Trust this computer?" dialog.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libimobiledevice/libimobiledevice.h>
#include <libimobiledevice/lockdown.h>
#include <libimobiledevice/restore.h>
#include <plist/plist.h>

#include "irecctl/devid.h"
#include "irecctl/discovery.h"

#define LOCKDOWN_LABEL "irecctl"

static void copy_string_value(lockdownd_client_t client, const char *key, char *buf, size_t len)
{
	plist_t node = NULL;
	char *s = NULL;

	if (lockdownd_get_value(client, NULL, key, &node) != LOCKDOWN_E_SUCCESS || !node)
		return;
	if (plist_get_node_type(node) == PLIST_STRING)
		plist_get_string_val(node, &s);
	if (s)
		snprintf(buf, len, "%s", s);
	free(s);
	plist_free(node);
}

static bool get_uint_value(lockdownd_client_t client, const char *key, uint64_t *v)
{
	plist_t node = NULL;
	bool ok = false;

	if (lockdownd_get_value(client, NULL, key, &node) != LOCKDOWN_E_SUCCESS || !node)
		return false;
	if (plist_get_node_type(node) == PLIST_UINT) {
		plist_get_uint_val(node, v);
		ok = true;
	}
	plist_free(node);
	return ok;
}

static const char *lockdown_reason(lockdownd_error_t e)
{
	switch (e) {
	case LOCKDOWN_E_PASSWORD_PROTECTED:
		return "the device is passcode-locked";
	case LOCKDOWN_E_PAIRING_DIALOG_RESPONSE_PENDING:
		return "the device shows the Trust dialog";
	case LOCKDOWN_E_USER_DENIED_PAIRING:
		return "the user denied pairing";
	case LOCKDOWN_E_INVALID_HOST_ID:
		return "the device does not know this host (InvalidHostID)";
	case LOCKDOWN_E_PLIST_ERROR:
	case LOCKDOWN_E_INVALID_RESPONSE:
	case LOCKDOWN_E_DICT_ERROR:
		return "malformed reply from lockdownd";
	case LOCKDOWN_E_RECEIVE_TIMEOUT:
		return "lockdownd did not answer";
	case LOCKDOWN_E_MUX_ERROR:
		return "connection to the device failed";
	case LOCKDOWN_E_UNKNOWN_ERROR:
		/* what libimobiledevice makes of a connection closed before QueryType's reply */
		return "lockdownd closed the connection without answering";
	default:
		return "lockdownd refused the request";
	}
}

static void read_identity(lockdownd_client_t client, struct device *d)
{
	uint64_t v;

	copy_string_value(client, "ProductType", d->product_type, sizeof(d->product_type));
	copy_string_value(client, "HardwareModel", d->hw_model, sizeof(d->hw_model));
	copy_string_value(client, "ProductVersion", d->os_version, sizeof(d->os_version));
	copy_string_value(client, "BuildVersion", d->build, sizeof(d->build));
	copy_string_value(client, "DeviceName", d->device_name, sizeof(d->device_name));
	if (get_uint_value(client, "UniqueChipID", &v))
		d->ecid = v;
	if (get_uint_value(client, "ChipID", &v)) {
		d->cpid = (uint32_t)v;
		d->have_cpid = true;
	}
	if (get_uint_value(client, "BoardId", &v)) {
		d->bdid = (uint32_t)v;
		d->have_bdid = true;
	}
	for (char *p = d->hw_model; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
}

static void restored_string(restored_client_t client, const char *key, char *buf, size_t len)
{
	plist_t node = NULL;

	if (restored_get_value(client, key, &node) == RESTORE_E_SUCCESS && node &&
	    plist_get_node_type(node) == PLIST_STRING) {
		uint64_t n = 0;
		snprintf(buf, len, "%s", plist_get_string_ptr(node, &n));
	}
	plist_free(node);
}

static bool hwinfo_uint(plist_t hw, const char *key, uint64_t *v)
{
	plist_t n = plist_dict_get_item(hw, key);

	if (!n || plist_get_node_type(n) != PLIST_UINT)
		return false;
	plist_get_uint_val(n, v);
	return true;
}

/*
 * Restore mode: restored's HardwareInfo carries the ECID (an old-style
 * UDID of an A11-or-older device does not contain it), its QueryType reply
 * the model. The same questions idevicerestore asks to find its device.
 */
static void read_restored(idevice_t dev, struct device *d)
{
	restored_client_t client = NULL;
	plist_t hw = NULL;
	uint64_t v;

	if (restored_client_new(dev, &client, LOCKDOWN_LABEL) != RESTORE_E_SUCCESS)
		return;
	if (restored_query_type(client, NULL, NULL) == RESTORE_E_SUCCESS) {
		restored_string(client, "ProductType", d->product_type, sizeof(d->product_type));
		restored_string(client, "HardwareModel", d->hw_model, sizeof(d->hw_model));
	}
	if (restored_query_value(client, "HardwareInfo", &hw) == RESTORE_E_SUCCESS && hw) {
		if (hwinfo_uint(hw, "UniqueChipID", &v) && v)
			d->ecid = v;
		if (hwinfo_uint(hw, "ChipID", &v)) {
			d->cpid = (uint32_t)v;
			d->have_cpid = true;
		}
		if (hwinfo_uint(hw, "BoardID", &v)) {
			d->bdid = (uint32_t)v;
			d->have_bdid = true;
		}
	}
	plist_free(hw);
	restored_client_free(client);
	for (char *p = d->hw_model; *p; p++)
		*p = (char)((*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p);
}

/* Connection-level failures: lockdownd may not be listening yet (MUX_ERROR:
 * usbmuxd could not connect), or it took the connection and closed it
 * before answering QueryType (libimobiledevice says UNKNOWN_ERROR). */
static enum mux_retry transient(lockdownd_error_t e)
{
	return e == LOCKDOWN_E_MUX_ERROR       ? MUX_RETRY_REFUSED
	       : e == LOCKDOWN_E_UNKNOWN_ERROR ? MUX_RETRY_CLOSED
	                                       : MUX_RETRY_NO;
}

/* A lockdownd client that has answered QueryType; *type is its answer. */
static lockdownd_error_t connect_lockdown(idevice_t dev, lockdownd_client_t *client, char **type)
{
	lockdownd_error_t e = lockdownd_client_new(dev, client, LOCKDOWN_LABEL);

	if (e == LOCKDOWN_E_SUCCESS)
		e = lockdownd_query_type(*client, type);
	return e;
}

static void query_lockdown(idevice_t dev, struct device *d, enum mux_retry *retry)
{
	lockdownd_client_t client = NULL;
	char *type = NULL;
	lockdownd_error_t e = connect_lockdown(dev, &client, &type);

	if (e != LOCKDOWN_E_SUCCESS) {
		snprintf(d->error, sizeof(d->error), "%s", lockdown_reason(e));
		if (retry)
			*retry = transient(e);
	} else if (type && !strcmp(type, "com.apple.mobile.restored")) {
		d->mode = MODE_RESTORE; /* restored speaks another protocol: no GetValue */
		lockdownd_client_free(client);
		client = NULL;
		read_restored(dev, d);
	} else if (type && !strcmp(type, "com.apple.mobile.lockdown")) {
		d->mode = MODE_NORMAL;
		read_identity(client, d);
	} else {
		snprintf(d->error, sizeof(d->error), "lockdownd answered an unknown type");
	}
	free(type);
	if (client)
		lockdownd_client_free(client);
}

bool mux_probe_device(const usbmuxd_device_info_t *info, struct device *d, enum mux_retry *retry)
{
	idevice_t dev = NULL;
	char *record = NULL;
	uint32_t record_len = 0;
	uint64_t ecid;

	if (retry)
		*retry = MUX_RETRY_NO;
	if (info->conn_type != CONNECTION_TYPE_USB)
		return false;
	/* Normal or restore: only lockdownd's QueryType can say, so until it
	 * has, the mode is unknown (a command must never act on a guess). */
	d->mode = MODE_UNKNOWN;
	d->mux_id = info->handle;
	d->usb_pid = (uint16_t)info->product_id;
	snprintf(d->udid, sizeof(d->udid), "%s", info->udid);
	if (devid_ecid_from_udid(d->udid, &ecid))
		d->ecid = ecid;

	int r = usbmuxd_read_pair_record(d->udid, &record, &record_len);
	if (r == 0) {
		d->trusted = 1;
		free(record);
	} else {
		d->trusted = 0;
		/* Not an answer about the record: usbmuxd could not be reached. */
		if (retry && r != -ENOENT && r != -EBADF)
			*retry = MUX_RETRY_REFUSED;
	}
	/* This asks usbmuxd for its list again: with many probes at once its
	 * listen backlog may be full, which passes (the caller retries). */
	if (idevice_new_with_options(&dev, d->udid, IDEVICE_LOOKUP_USBMUX) != IDEVICE_E_SUCCESS) {
		snprintf(d->error, sizeof(d->error), "device left usbmuxd while being queried");
		if (retry)
			*retry = MUX_RETRY_REFUSED;
		return true;
	}
	query_lockdown(dev, d, retry);
	idevice_free(dev);
	device_identify(d);
	return true;
}
