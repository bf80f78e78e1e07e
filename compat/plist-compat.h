/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libplist calls whose signatures differ between the versions irecctl
 * supports: Debian 12 has 2.2, Debian 13 has 2.6. 2.3 gave
 * plist_from_memory() a fourth (format) argument and replaced
 * plist_to_xml_free() by plist_mem_free(); 2.5 made data nodes uint8_t *
 * instead of char *. CMake compiles one plist-API.c for the libplist it
 * finds (compat/CMakeLists.txt); callers use only these names.
 */
#ifndef IRECCTL_PLIST_COMPAT_H
#define IRECCTL_PLIST_COMPAT_H

#include <stdint.h>

#include <plist/plist.h>

/* The plist (XML or binary) in data, or NULL when it is none: JSON and
 * OpenStep text, which 2.3 and later also accept, count as none. */
plist_t compat_plist_from_memory(const void *data, uint32_t len);

/* The XML text of p (*len bytes, not NUL-terminated for certain), freed
 * with compat_plist_mem_free(); NULL on failure. */
char *compat_plist_to_xml(plist_t p, uint32_t *len);
void compat_plist_mem_free(void *mem);

/* Data nodes through void *, which converts to either pointer type. */
static inline plist_t compat_plist_new_data(const void *data, uint64_t len)
{
	return plist_new_data(data, len);
}

static inline const void *compat_plist_get_data_ptr(plist_t node, uint64_t *len)
{
	return plist_get_data_ptr(node, len);
}

#endif
