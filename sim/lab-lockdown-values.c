/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-lockdown-values: what the lab's lockdownd answers to GetValue in the
 * global domain: a device's identity and version, as real devices name
 * them.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <plist/plist.h>

#include "lab-lockdown-priv.h"
#include "plist-compat.h"

/* A PKCS#1 key, as real devices send it: libimobiledevice's OpenSSL backend
 * reads it with PEM_read_bio_RSAPublicKey to issue the device certificate
 * while pairing. Generated once with openssl genrsa 2048; the private half
 * was discarded, nothing ever needs it. */
static const char device_public_key[] =
        "-----BEGIN RSA PUBLIC KEY-----\n"
        "MIIBCgKCAQEAs44L5ulKiB+9ezdlVgyGJJS8D7mhaXPpb2Rsr8dnVviADdaCY3mu\n"
        "LOm+SyY7YnqSSEc5t1WrWZ50161DBlI4NO5HjAHJjX7ufs6XRRHvspuPq9g9l4tV\n"
        "QNu02GtbiRkI9KE63eMufO3WS4759tu1QxnmQToQ/UPToGU7emK0436vNV1g7OO0\n"
        "fWtNW4z2pSqWXbaGZhZJPCIhybMY6VU5nTq3liktWPCdVMSAOe5DPHnNNcYpR0bV\n"
        "0P9GEuF9VeeB4YrN0ixv90r+m3RqirTxBceX0641OjENyDzRzLDDGdPPNV37Awv0\n"
        "MVExrIjTleUMGIIy9FNBFl5VfQhBs2+djwIDAQAB\n"
        "-----END RSA PUBLIC KEY-----\n";

static const char *device_class(const char *product_type)
{
	static const char *const classes[] = {"iPhone", "iPad", "iPod", "AppleTV", "Watch"};

	for (size_t i = 0; i < G_N_ELEMENTS(classes); i++) {
		if (g_str_has_prefix(product_type, classes[i]))
			return classes[i];
	}
	return g_str_has_prefix(product_type, "AudioAccessory") ? "HomePod" : "iPhone";
}

static const char *const value_keys[] = {
        "BoardId",        "BuildVersion",    "ChipID",        "DeviceClass",
        "DeviceName",     "DevicePublicKey", "HardwareModel", "PasswordProtected",
        "ProductType",    "ProductVersion",  "SerialNumber",  "UniqueChipID",
        "UniqueDeviceID",
};

/* The value lockdownd gives for key, or NULL (MissingValue, like WiFiAddress). */
plist_t ldsim_device_value(const struct sim_device *d, const char *key)
{
	if (!strcmp(key, "ProductType"))
		return plist_new_string(d->product_type);
	if (!strcmp(key, "ProductVersion"))
		return plist_new_string(d->ios_version);
	if (!strcmp(key, "BuildVersion"))
		return plist_new_string(d->build);
	if (!strcmp(key, "DeviceName"))
		return plist_new_string(d->name);
	if (!strcmp(key, "UniqueChipID"))
		return plist_new_uint(d->ecid);
	if (!strcmp(key, "UniqueDeviceID"))
		return plist_new_string(d->udid);
	if (!strcmp(key, "ChipID"))
		return plist_new_uint(d->cpid);
	if (!strcmp(key, "BoardId"))
		return plist_new_uint(d->bdid);
	if (!strcmp(key, "DeviceClass"))
		return plist_new_string(device_class(d->product_type));
	if (!strcmp(key, "PasswordProtected"))
		return plist_new_bool(d->trust == SIM_TRUST_PASSCODE);
	if (!strcmp(key, "DevicePublicKey"))
		return compat_plist_new_data(device_public_key, sizeof(device_public_key) - 1);
	if (!strcmp(key, "HardwareModel")) {
		char *up = g_ascii_strup(d->hw_model, -1); /* board config "d22ap" -> "D22AP" */
		plist_t v = plist_new_string(up);

		g_free(up);
		return v;
	}
	if (!strcmp(key, "SerialNumber")) {
		/* Not the UDID: a 12-character hardware serial derived from the ECID. */
		char serial[16];

		snprintf(serial, sizeof(serial), "SIM%09llX",
		         (unsigned long long)(d->ecid & 0xFFFFFFFFFull));
		return plist_new_string(serial);
	}
	return NULL;
}

plist_t ldsim_device_values(const struct sim_device *d)
{
	plist_t all = plist_new_dict();

	for (size_t i = 0; i < G_N_ELEMENTS(value_keys); i++)
		plist_dict_set_item(all, value_keys[i], ldsim_device_value(d, value_keys[i]));
	return all;
}
