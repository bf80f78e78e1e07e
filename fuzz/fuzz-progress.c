/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: the engine output parser, fed the input as lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "irecctl/restore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rprogress p;
	char *buf = malloc(size + 1);
	char *line, *save = NULL;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	rprogress_init(&p);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		rprogress_line(&p, line);
		if (p.fraction < 0.0 || p.fraction > 1.0 || p.phase >= RP_COUNT)
			abort();
	}
	free(buf);
	return 0;
}
