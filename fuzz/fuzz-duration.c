/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations as --timeout and --lock-timeout take them (src/options.c). */
#include <math.h>

#include "irecctl/cli.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size);
	double v = -1;

	if (parse_duration(s, &v)) {
		FUZZ_ASSERT(isfinite(v) && v >= 0 && v <= 7 * 24 * 3600.0);
		/* Plain decimal only: a digit or '.' first, never a sign or blank. */
		FUZZ_ASSERT((s[0] >= '0' && s[0] <= '9') || s[0] == '.');
	}
	free(s);
	return 0;
}
