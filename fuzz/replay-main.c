/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Without libFuzzer (gcc, or a plain test run): run the target over every
 * file named on the command line, so the seed corpus is a regression test.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		long n;

		if (!f || fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) < 0 || !(buf = malloc((size_t)n + 1)) ||
		    fread(buf, 1, (size_t)n, f) != (size_t)n) {
			fprintf(stderr, "cannot read %s\n", argv[i]);
			return 1;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		free(buf);
	}
	printf("%d inputs\n", argc - 1);
	return 0;
}
