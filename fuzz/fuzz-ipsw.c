/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the IPSW reader (zip + BuildManifest.plist) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "irecctl/ipsw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ipsw_info info;
	char err[300];

	if (ipsw_read_memory(data, size, &info, err, sizeof(err)) == 0) {
		(void)ipsw_supports_product(&info, "iPhone10,3");
		(void)ipsw_find(&info, "d22ap", IPSW_UPDATE);
	}
	return 0;
}
