/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device-supplied strings on their way out (src/output.c, src/sanitize.c):
 * the input is the fields of one device record, newline-separated. The
 * table must hold no control character but its line ends, and the JSON
 * must be valid with no control character in any string.
 */
#include "irecctl/output.h"
#include "irecctl/sanitize.h"

#include "fuzz.h"

static const char *next_field(const char **p, const char *end, char *dst, size_t len)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = (size_t)((nl ? nl : end) - *p);

	if (n >= len)
		n = len - 1;
	memcpy(dst, *p, n);
	dst[n] = '\0';
	*p = nl ? nl + 1 : end;
	return dst;
}

static void fill(struct device *d, const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	memset(d, 0, sizeof(*d));
	d->trusted = -1;
	if (size) {
		d->mode = (enum dev_mode)(data[0] % 8);
		d->ecid = data[0] & 1 ? 0x1122334455667788ULL : 0;
		p++;
	}
	next_field(&p, end, d->udid, sizeof(d->udid));
	next_field(&p, end, d->product_type, sizeof(d->product_type));
	next_field(&p, end, d->hw_model, sizeof(d->hw_model));
	next_field(&p, end, d->device_name, sizeof(d->device_name));
	next_field(&p, end, d->os_version, sizeof(d->os_version));
	next_field(&p, end, d->build, sizeof(d->build));
	next_field(&p, end, d->iboot, sizeof(d->iboot));
	next_field(&p, end, d->usb_location, sizeof(d->usb_location));
	next_field(&p, end, d->error, sizeof(d->error));
}

static void check_json_strings(json_t *o)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		if (!json_is_string(v))
			continue;
		for (const unsigned char *s = (const unsigned char *)json_string_value(v); *s; s++)
			FUZZ_ASSERT(*s >= 0x20 && *s != 0x7f);
	}
}

static void check_table(const struct device *d)
{
	struct device_list l = {.v = (struct device *)d, .n = 1};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	output_device_table(f, &l, false);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		FUZZ_ASSERT(buf[i] == '\n' || ((unsigned char)buf[i] >= 0x20 && buf[i] < 0x7f));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct device d;
	char name[128];
	json_t *o, *back;
	char *text;

	fill(&d, data, size);
	o = device_to_json(&d);
	FUZZ_ASSERT(o != NULL);
	check_json_strings(o);
	text = json_dumps(o, JSON_COMPACT);
	FUZZ_ASSERT(text != NULL);
	back = json_loads(text, 0, NULL);
	FUZZ_ASSERT(back != NULL && json_equal(o, back));
	check_table(&d);
	device_display_name(&d, name, sizeof(name));
	FUZZ_ASSERT(sanitize_is_clean(name));
	json_decref(back);
	free(text);
	json_decref(o);
	return 0;
}
