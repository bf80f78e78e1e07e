/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libplist 2.3 and later (Debian 13 has 2.6): see plist-compat.h. */
#include <stddef.h>

#include "plist-compat.h"

/* 2.3 also parses JSON and OpenStep, where almost any text is a plist (a
 * bare word is a string): only XML and binary count, as in 2.2 and on the
 * wire of usbmuxd and lockdownd. */
plist_t compat_plist_from_memory(const void *data, uint32_t len)
{
	plist_t p = NULL;
	plist_format_t format = (plist_format_t)0;

	if (plist_from_memory(data, len, &p, &format) != PLIST_ERR_SUCCESS ||
	    (format != PLIST_FORMAT_XML && format != PLIST_FORMAT_BINARY)) {
		plist_free(p);
		return NULL;
	}
	return p;
}

char *compat_plist_to_xml(plist_t p, uint32_t *len)
{
	char *xml = NULL;

	*len = 0;
	if (plist_to_xml(p, &xml, len) != PLIST_ERR_SUCCESS) {
		plist_mem_free(xml);
		return NULL;
	}
	return xml;
}

void compat_plist_mem_free(void *mem)
{
	plist_mem_free(mem);
}
