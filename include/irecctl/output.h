/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device records on stdout: JSON (stable keys) and the human table. */
#ifndef IRECCTL_OUTPUT_H
#define IRECCTL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "irecctl/device.h"

/*
 * The JSON object of one device. Keys (documented in irecctl(1)):
 * ecid ("0x" + 16 hex digits, or null), ecid_int, udid, mode, product_type,
 * name, device_class, board, cpid, bdid, os_version, build, iboot,
 * device_name, usb_location, trusted, accessible, error. Unknown values are null.
 */
json_t *device_to_json(const struct device *d);

/* A JSON string of untrusted text, sanitised for JSON (sanitize_utf8()):
 * control characters and invalid UTF-8 become '?'. NULL or "": null. */
json_t *output_text(const char *s);

/* Flags for every JSON irecctl prints: keys in order, and reals with 10
 * significant digits (3.003, not 3.0030000000000001), enough for seconds
 * to the millisecond. */
#define OUTPUT_JSON_FLAGS (JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

/* Print a JSON value on stdout followed by a newline, its records stamped
 * with schema_version (contract.h); false on failure. */
bool output_json(json_t *value);
/* The same as one compact line (NDJSON: watch). */
bool output_json_line(json_t *value);

/* The aligned table `irecctl status` prints on a terminal. */
void output_device_table(FILE *f, const struct device_list *l, bool color);

#endif
