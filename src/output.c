/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "irecctl/contract.h"
#include "irecctl/devid.h"
#include "irecctl/log.h"
#include "irecctl/model.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"

/*
 * Text from devices, lock files or libraries in JSON: valid UTF-8 is kept,
 * control characters and invalid bytes become '?' (sanitize_utf8), so a
 * consumer printing a value raw (jq -r) is as safe as the table.
 */
json_t *output_text(const char *s)
{
	char clean[512];

	if (!s || !*s)
		return json_null();
	return json_string(sanitize_utf8(clean, sizeof(clean), s));
}

static void set_ids(json_t *o, const struct device *d)
{
	char ecid[19];

	if (d->ecid) {
		devid_format_ecid(d->ecid, ecid);
		json_object_set_new(o, "ecid", json_string(ecid));
	} else {
		json_object_set_new(o, "ecid", json_null());
	}
	/* JSON integers are signed 64-bit in jansson; every real ECID fits. */
	json_object_set_new(o, "ecid_int",
	                    d->ecid && d->ecid <= INT64_MAX ? json_integer((json_int_t)d->ecid)
	                                                    : json_null());
	json_object_set_new(o, "udid", output_text(d->udid));
	json_object_set_new(o, "mode", json_string(mode_name(d->mode)));
}

static void set_model(json_t *o, const struct device *d)
{
	json_object_set_new(o, "product_type", output_text(d->product_type));
	json_object_set_new(o, "name", d->model ? json_string(d->model->name) : json_null());
	json_object_set_new(o, "device_class",
	                    d->model ? json_string(device_class_name(d->model->device_class))
	                             : json_null());
	json_object_set_new(o, "board", output_text(d->hw_model));
	json_object_set_new(o, "cpid", d->have_cpid ? json_integer(d->cpid) : json_null());
	json_object_set_new(o, "bdid", d->have_bdid ? json_integer(d->bdid) : json_null());
}

json_t *device_to_json(const struct device *d)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	set_ids(o, d);
	set_model(o, d);
	json_object_set_new(o, "os_version", output_text(d->os_version));
	json_object_set_new(o, "build", output_text(d->build));
	json_object_set_new(o, "iboot", output_text(d->iboot));
	json_object_set_new(o, "device_name", output_text(d->device_name));
	json_object_set_new(o, "usb_location", output_text(d->usb_location));
	json_object_set_new(o, "trusted", d->trusted < 0 ? json_null() : json_boolean(d->trusted));
	json_object_set_new(o, "accessible", json_boolean(d->accessible));
	json_object_set_new(o, "error", output_text(d->error));
	return o;
}

bool output_json(json_t *value)
{
	json_t *doc = contract_stamp(value);
	int r = doc ? json_dumpf(doc, stdout, JSON_INDENT(2) | OUTPUT_JSON_FLAGS) : -1;

	json_decref(doc);
	return r == 0 && fputc('\n', stdout) != EOF;
}

bool output_json_line(json_t *value)
{
	json_t *doc = contract_stamp(value);
	int r = doc ? json_dumpf(doc, stdout, JSON_COMPACT | OUTPUT_JSON_FLAGS) : -1;

	json_decref(doc);
	return r == 0 && fputc('\n', stdout) != EOF;
}

enum column {
	COL_MODE,
	COL_MODEL,
	COL_PRODUCT,
	COL_ECID,
	COL_UDID,
	COL_VERSION,
	COL_LOCATION,
	COL_TRUSTED,
	COL_COUNT
};

static const char *const headers[COL_COUNT] = {"MODE", "MODEL",   "PRODUCT", "ECID",
                                               "UDID", "VERSION", "USB",     "TRUSTED"};

static void cell_text(const struct device *d, enum column c, char *buf, size_t len)
{
	char tmp[160];

	switch (c) {
	case COL_MODE:
		snprintf(buf, len, "%s", mode_name(d->mode));
		break;
	case COL_MODEL:
		device_display_name(d, tmp, sizeof(tmp));
		sanitize_text(buf, len, tmp);
		break;
	case COL_PRODUCT:
		sanitize_text(buf, len, d->product_type[0] ? d->product_type : "-");
		break;
	case COL_ECID:
		if (d->ecid)
			devid_format_ecid(d->ecid, tmp);
		snprintf(buf, len, "%s", d->ecid ? tmp : "-");
		break;
	case COL_UDID:
		sanitize_text(buf, len, d->udid[0] ? d->udid : "-");
		break;
	case COL_VERSION:
		if (d->os_version[0])
			snprintf(tmp, sizeof(tmp), "%s (%s)", d->os_version,
			         d->build[0] ? d->build : "?");
		sanitize_text(buf, len, d->os_version[0] ? tmp : d->iboot[0] ? d->iboot : "-");
		break;
	case COL_LOCATION:
		sanitize_text(buf, len, d->usb_location[0] ? d->usb_location : "-");
		break;
	case COL_TRUSTED:
		snprintf(buf, len, "%s", d->trusted < 0 ? "-" : d->trusted ? "yes" : "no");
		break;
	case COL_COUNT:
		break;
	}
}

/* The last column is not padded: no trailing blanks. */
static void print_cell(FILE *f, const char *text, size_t width, bool last)
{
	if (last)
		fputs(text, f);
	else
		fprintf(f, "%-*s  ", (int)width, text);
}

void output_device_table(FILE *f, const struct device_list *l, bool color)
{
	size_t width[COL_COUNT];
	char cell[160];

	for (int c = 0; c < COL_COUNT; c++)
		width[c] = strlen(headers[c]);
	for (size_t i = 0; i < l->n; i++)
		for (int c = 0; c < COL_COUNT; c++) {
			cell_text(&l->v[i], (enum column)c, cell, sizeof(cell));
			if (strlen(cell) > width[c])
				width[c] = strlen(cell);
		}
	fprintf(f, "%s", color ? "\033[1m" : "");
	for (int c = 0; c < COL_COUNT; c++)
		print_cell(f, headers[c], width[c], c + 1 == COL_COUNT);
	fprintf(f, "%s\n", color ? "\033[0m" : "");
	for (size_t i = 0; i < l->n; i++) {
		for (int c = 0; c < COL_COUNT; c++) {
			cell_text(&l->v[i], (enum column)c, cell, sizeof(cell));
			print_cell(f, cell, width[c], c + 1 == COL_COUNT);
		}
		if (l->v[i].error[0]) {
			sanitize_text(cell, sizeof(cell), l->v[i].error);
			fprintf(f, "  %s(%s)%s", color ? "\033[33m" : "", cell,
			        color ? "\033[0m" : "");
		}
		fputc('\n', f);
	}
}
