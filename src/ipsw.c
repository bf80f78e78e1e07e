/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore pre-flight's view of an IPSW: libzip for the archive, libplist for the manifest. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <plist/plist.h>
#include <zip.h>

#include "irecctl/exitcode.h"
#include "irecctl/ipsw.h"

/* A real IPSW has a few hundred entries; far more is not one. */
#define IPSW_MAX_ENTRIES 200000

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

static const char *dict_string(plist_t dict, const char *key)
{
	plist_t n = dict ? plist_dict_get_item(dict, key) : NULL;
	const char *s;
	uint64_t len = 0;

	if (!n || plist_get_node_type(n) != PLIST_STRING)
		return NULL;
	s = plist_get_string_ptr(n, &len);
	return s;
}

/* "0x8015" (the manifest's hex strings) or an integer node. */
static uint32_t dict_hex(plist_t dict, const char *key)
{
	plist_t n = plist_dict_get_item(dict, key);
	uint64_t v = 0;
	const char *s;

	if (n && plist_get_node_type(n) == PLIST_UINT) {
		plist_get_uint_val(n, &v);
		return (uint32_t)v;
	}
	s = dict_string(dict, key);
	return s ? (uint32_t)strtoul(s, NULL, 16) : 0;
}

static void copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

/* Read one entry, its size bounded before anything is allocated. */
static int read_entry(zip_t *z, const char *name, uint64_t max, char **buf, size_t *len, char *err,
                      size_t errlen)
{
	zip_int64_t idx = zip_name_locate(z, name, 0);
	zip_stat_t st;
	zip_file_t *f;
	zip_int64_t n;

	if (idx < 0)
		return fail(err, errlen, IREC_ENOFIT, "no %s in the IPSW", name);
	zip_stat_init(&st);
	if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE))
		return fail(err, errlen, IREC_ENOFIT, "cannot read the size of %s", name);
	if (st.size > max)
		return fail(err, errlen, IREC_ENOFIT,
		            "%s is %llu bytes, more than %llu: not an IPSW", name,
		            (unsigned long long)st.size, (unsigned long long)max);
	f = zip_fopen_index(z, (zip_uint64_t)idx, 0);
	if (!f)
		return fail(err, errlen, IREC_ENOFIT, "cannot open %s: %s", name, zip_strerror(z));
	*buf = malloc(st.size + 1);
	n = *buf ? zip_fread(f, *buf, st.size) : -1;
	zip_fclose(f);
	if (n < 0 || (zip_uint64_t)n != st.size) {
		free(*buf);
		*buf = NULL;
		return fail(err, errlen, IREC_ENOFIT, "%s is corrupt in the zip", name);
	}
	(*buf)[n] = '\0';
	*len = (size_t)n;
	return IREC_OK;
}

static plist_t parse_plist(const char *buf, size_t len)
{
	plist_t p = NULL;

	if (len >= 8 && !memcmp(buf, "bplist00", 8))
		plist_from_bin(buf, (uint32_t)len, &p);
	else
		plist_from_xml(buf, (uint32_t)len, &p);
	return p;
}

static enum ipsw_behavior behavior_of(const char *s)
{
	if (s && !strcmp(s, "Erase"))
		return IPSW_ERASE;
	if (s && !strcmp(s, "Update"))
		return IPSW_UPDATE;
	return IPSW_OTHER;
}

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* Every Manifest entry's Info.Path must be in the zip (the engine checks the same). */
static void check_components(zip_t *z, plist_t manifest, struct ipsw_identity *id)
{
	plist_dict_iter it = NULL;
	char *key = NULL;
	plist_t comp = NULL;

	if (!manifest || plist_get_node_type(manifest) != PLIST_DICT) {
		copy(id->missing, sizeof(id->missing), "(no Manifest)");
		return;
	}
	plist_dict_new_iter(manifest, &it);
	for (;;) {
		plist_dict_next_item(manifest, it, &key, &comp);
		if (!key)
			break;
		const char *path = dict_string(plist_dict_get_item(comp, "Info"), "Path");
		zip_int64_t idx = path ? zip_name_locate(z, path, 0) : -1;
		if (path && idx < 0 && !id->missing[0])
			snprintf(id->missing, sizeof(id->missing), "%s (%s)", key, path);
		if (path && idx >= 0 && !strcmp(key, "OS")) {
			zip_stat_t st;
			zip_stat_init(&st);
			if (zip_stat_index(z, (zip_uint64_t)idx, 0, &st) == 0 &&
			    (st.valid & ZIP_STAT_SIZE))
				id->os_size = st.size;
		}
		free(key);
		key = NULL;
	}
	free(it);
}

static void read_identity(zip_t *z, plist_t node, struct ipsw_identity *id)
{
	plist_t info = plist_dict_get_item(node, "Info");

	memset(id, 0, sizeof(*id));
	copy(id->device_class, sizeof(id->device_class), dict_string(info, "DeviceClass"));
	lower(id->device_class);
	copy(id->variant, sizeof(id->variant), dict_string(info, "Variant"));
	id->behavior = behavior_of(dict_string(info, "RestoreBehavior"));
	id->chip_id = dict_hex(node, "ApChipID");
	id->board_id = dict_hex(node, "ApBoardID");
	check_components(z, plist_dict_get_item(node, "Manifest"), id);
}

static int read_products(plist_t root, struct ipsw_info *out, char *err, size_t errlen)
{
	plist_t pt = plist_dict_get_item(root, "SupportedProductTypes");
	uint32_t n = pt && plist_get_node_type(pt) == PLIST_ARRAY ? plist_array_get_size(pt) : 0;

	for (uint32_t i = 0; i < n && out->nproduct_types < IPSW_MAX_PRODUCTS; i++) {
		plist_t s = plist_array_get_item(pt, i);
		uint64_t len = 0;
		if (plist_get_node_type(s) == PLIST_STRING)
			copy(out->product_types[out->nproduct_types++],
			     sizeof(out->product_types[0]), plist_get_string_ptr(s, &len));
	}
	if (!out->nproduct_types)
		return fail(err, errlen, IREC_ENOFIT, "BuildManifest.plist names no product type");
	return IREC_OK;
}

static int read_manifest(zip_t *z, plist_t root, struct ipsw_info *out, char *err, size_t errlen)
{
	plist_t ids = plist_dict_get_item(root, "BuildIdentities");
	uint32_t n;
	int st;

	if (plist_get_node_type(root) != PLIST_DICT)
		return fail(err, errlen, IREC_ENOFIT, "BuildManifest.plist is not a dictionary");
	copy(out->product_version, sizeof(out->product_version),
	     dict_string(root, "ProductVersion"));
	copy(out->build, sizeof(out->build), dict_string(root, "ProductBuildVersion"));
	if (!out->product_version[0] || !out->build[0])
		return fail(err, errlen, IREC_ENOFIT,
		            "BuildManifest.plist lacks ProductVersion or ProductBuildVersion");
	st = read_products(root, out, err, errlen);
	if (st != IREC_OK)
		return st;
	if (!ids || plist_get_node_type(ids) != PLIST_ARRAY || !plist_array_get_size(ids))
		return fail(err, errlen, IREC_ENOFIT,
		            "BuildManifest.plist has no build identities");
	n = plist_array_get_size(ids);
	if (n > IPSW_MAX_IDENTITIES)
		return fail(err, errlen, IREC_ENOFIT, "%u build identities: more than %u", n,
		            IPSW_MAX_IDENTITIES);
	for (uint32_t i = 0; i < n; i++) {
		plist_t node = plist_array_get_item(ids, i);
		if (plist_get_node_type(node) == PLIST_DICT)
			read_identity(z, node, &out->ids[out->nids++]);
	}
	return IREC_OK;
}

static int read_zip(zip_t *z, struct ipsw_info *out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	plist_t root;
	int st;

	if (zip_get_num_entries(z, 0) > IPSW_MAX_ENTRIES)
		return fail(err, errlen, IREC_ENOFIT, "more than %d zip entries: not an IPSW",
		            IPSW_MAX_ENTRIES);
	st = read_entry(z, "BuildManifest.plist", IPSW_MANIFEST_MAX, &buf, &len, err, errlen);
	if (st != IREC_OK)
		return st;
	root = parse_plist(buf, len);
	free(buf);
	if (!root)
		return fail(err, errlen, IREC_ENOFIT, "BuildManifest.plist is not a property list");
	st = read_manifest(z, root, out, err, errlen);
	plist_free(root);
	return st;
}

static int open_failed(int code, char *err, size_t errlen)
{
	zip_error_t ze;
	int st = code == ZIP_ER_OPEN || code == ZIP_ER_READ || code == ZIP_ER_NOENT ? IREC_EFAIL
	                                                                            : IREC_ENOFIT;

	zip_error_init_with_code(&ze, code);
	fail(err, errlen, st, "not a readable zip archive: %s", zip_error_strerror(&ze));
	zip_error_fini(&ze);
	return st;
}

int ipsw_read(const char *path, struct ipsw_info *out, char *err, size_t errlen)
{
	int code = 0, st;
	zip_t *z;

	memset(out, 0, sizeof(*out));
	z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
	if (!z)
		return open_failed(code, err, errlen);
	st = read_zip(z, out, err, errlen);
	zip_discard(z);
	return st;
}

int ipsw_read_memory(const void *data, size_t nbytes, struct ipsw_info *out, char *err,
                     size_t errlen)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *z;
	int st;

	memset(out, 0, sizeof(*out));
	zip_error_init(&ze);
	src = zip_source_buffer_create(data, nbytes, 0, &ze);
	z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
	if (!z) {
		st = open_failed(zip_error_code_zip(&ze), err, errlen);
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		return st;
	}
	zip_error_fini(&ze);
	st = read_zip(z, out, err, errlen);
	zip_discard(z);
	return st;
}

bool ipsw_supports_product(const struct ipsw_info *ipsw, const char *product_type)
{
	for (size_t i = 0; i < ipsw->nproduct_types; i++)
		if (!strcmp(ipsw->product_types[i], product_type))
			return true;
	return false;
}

const struct ipsw_identity *ipsw_find(const struct ipsw_info *ipsw, const char *board,
                                      enum ipsw_behavior behavior)
{
	for (size_t i = 0; board && i < ipsw->nids; i++)
		if (ipsw->ids[i].behavior == behavior &&
		    !strcasecmp(ipsw->ids[i].device_class, board))
			return &ipsw->ids[i];
	return NULL;
}

const char *ipsw_behavior_name(enum ipsw_behavior b)
{
	return b == IPSW_ERASE ? "erase" : b == IPSW_UPDATE ? "update" : "other";
}
