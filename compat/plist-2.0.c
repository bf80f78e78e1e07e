/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libplist 2.0 to 2.2 (Debian 12): see plist-compat.h. */
#include <stddef.h>

#include "plist-compat.h"

plist_t compat_plist_from_memory(const void *data, uint32_t len)
{
	plist_t p = NULL;

	plist_from_memory(data, len, &p);
	return p;
}

char *compat_plist_to_xml(plist_t p, uint32_t *len)
{
	char *xml = NULL;

	*len = 0;
	plist_to_xml(p, &xml, len);
	return xml;
}

void compat_plist_mem_free(void *mem)
{
	plist_to_xml_free(mem);
}
