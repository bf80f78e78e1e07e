/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Without libFuzzer (gcc, or clang without -DIRECCTL_FUZZ=ON): run a fuzz
 * target once over every file named on the command line, or in the
 * directories named, so the committed corpora are a plain test everywhere.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Longer inputs are cut: no parser reads more than a few kilobytes. */
#define FUZZ_MAX_INPUT (1024 * 1024)

static int run_file(const char *path)
{
	static uint8_t buf[FUZZ_MAX_INPUT];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	/* A copy of exactly n bytes, so ASan sees a read past the input. */
	uint8_t *copy = malloc(n ? n : 1);
	if (!copy)
		return 1;
	memcpy(copy, buf, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	return 0;
}

static int run_dir(const char *dir, size_t *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), failed = 0;

	if (n < 0) {
		perror(dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			failed |= run_file(path);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return failed;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			failed |= run_dir(argv[i], &count);
		} else {
			failed |= run_file(argv[i]);
			count++;
		}
	}
	if (!count) {
		fprintf(stderr, "usage: %s FILE|DIR... (no input found)\n", argv[0]);
		return 2;
	}
	fprintf(stderr, "%zu inputs ran\n", count);
	return failed;
}
