/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irecctl/device.h"
#include "irecctl/log.h"
#include "irecctl/model-runtime.h"
#include "irecctl/model.h"
#include "irecctl/sanitize.h"

static const struct {
	enum dev_mode mode;
	const char *name;
} mode_names[] = {
        {MODE_UNKNOWN, "unknown"},   {MODE_NORMAL, "normal"},     {MODE_RESTORE, "restore"},
        {MODE_RECOVERY, "recovery"}, {MODE_DFU, "dfu"},           {MODE_WTF, "wtf"},
        {MODE_KIS, "kis"},           {MODE_PORT_DFU, "port-dfu"},
};

/* Raw-USB modes by product id (vendor 0x05ac); usbmuxd's PIDs are not here. */
static const struct {
	uint16_t pid;
	enum dev_mode mode;
} usb_modes[] = {
        {0x1222, MODE_WTF},      {0x1227, MODE_DFU},      {0x1280, MODE_RECOVERY},
        {0x1281, MODE_RECOVERY}, {0x1282, MODE_RECOVERY}, {0x1283, MODE_RECOVERY},
        {0x1881, MODE_KIS},      {0xf014, MODE_PORT_DFU},
};

const char *mode_name(enum dev_mode m)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (mode_names[i].mode == m)
			return mode_names[i].name;
	return "unknown";
}

bool mode_parse(const char *s, enum dev_mode *m)
{
	for (size_t i = 1; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (!strcasecmp(s, mode_names[i].name)) {
			*m = mode_names[i].mode;
			return true;
		}
	}
	return false;
}

enum dev_mode mode_from_usb_pid(uint16_t pid)
{
	for (size_t i = 0; i < sizeof(usb_modes) / sizeof(usb_modes[0]); i++)
		if (usb_modes[i].pid == pid)
			return usb_modes[i].mode;
	return MODE_UNKNOWN;
}

bool mode_is_usb(enum dev_mode m)
{
	return m == MODE_RECOVERY || mode_is_dfu_like(m);
}

bool mode_is_dfu_like(enum dev_mode m)
{
	return m == MODE_DFU || m == MODE_WTF || m == MODE_KIS || m == MODE_PORT_DFU;
}

struct device *device_list_add(struct device_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct device *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	struct device *d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->trusted = -1;
	d->accessible = true;
	return d;
}

void device_list_free(struct device_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void device_identify(struct device *d)
{
	d->model = NULL;
	if (d->product_type[0])
		d->model = model_by_product_and_hwmodel(d->product_type,
		                                        d->hw_model[0] ? d->hw_model : NULL);
	if (!d->model && d->have_cpid && d->have_bdid)
		d->model = model_by_cpid_bdid(d->cpid, d->bdid);
	/* Newer than irecctl's table: the installed libirecovery may know it. */
	if (!d->model)
		d->model = model_from_libirecovery(d->product_type, d->hw_model,
		                                   d->have_cpid && d->have_bdid, d->cpid, d->bdid);
	if (!d->model)
		return;
	/* Fill what the mode did not report, so every mode shows the same identity. */
	if (!d->product_type[0])
		snprintf(d->product_type, sizeof(d->product_type), "%s", d->model->product_type);
	if (!d->hw_model[0])
		snprintf(d->hw_model, sizeof(d->hw_model), "%s", d->model->board_config);
	if (!d->have_cpid) {
		d->cpid = d->model->cpid;
		d->have_cpid = true;
	}
	if (!d->have_bdid) {
		d->bdid = d->model->bdid;
		d->have_bdid = true;
	}
}

const struct model *device_buttons_model(const struct device *d, const struct model *forced)
{
	if (d->model && d->model->origin == MODEL_ORIGIN_TABLE)
		return d->model;
	if (forced)
		return forced;
	if (d->model)
		return d->model;
	return model_infer(d->product_type, d->have_cpid && d->have_bdid, d->cpid, d->bdid);
}

void device_display_name(const struct device *d, char *buf, size_t len)
{
	if (d->model)
		snprintf(buf, len, "%s", d->model->name);
	else if (d->product_type[0]) {
		char clean[sizeof(d->product_type)];
		sanitize_text(clean, sizeof(clean), d->product_type); /* device-supplied */
		snprintf(buf, len, "Unknown model (%s)", clean);
	} else if (d->have_cpid && d->have_bdid)
		snprintf(buf, len, "Unknown model (CPID 0x%04x, BDID 0x%02x)", d->cpid, d->bdid);
	else
		snprintf(buf, len, "Unknown model");
}

void device_label(const struct device *d, char *buf, size_t len)
{
	if (d->ecid)
		snprintf(buf, len, "0x%016llx", (unsigned long long)d->ecid);
	else if (d->usb_location[0])
		snprintf(buf, len, "USB %s", d->usb_location);
	else if (d->udid[0])
		snprintf(buf, len, "%s", d->udid);
	else
		snprintf(buf, len, "a device");
}

static size_t digit_run(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/* Two digit runs as numbers of any length: leading zeros skipped, then the
 * longer is larger, then digit by digit. */
static int compare_numbers(const char *a, size_t na, const char *b, size_t nb)
{
	while (na > 1 && *a == '0')
		a++, na--;
	while (nb > 1 && *b == '0')
		b++, nb--;
	if (na != nb)
		return na < nb ? -1 : 1;
	return memcmp(a, b, na);
}

int device_location_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		size_t na = digit_run(a), nb = digit_run(b);
		if (na && nb) {
			int c = compare_numbers(a, na, b, nb);
			if (c)
				return c < 0 ? -1 : 1;
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}
