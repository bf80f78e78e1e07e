/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The whole command line (src/cli.c): the input is argv, NUL-separated.
 * Only parsed, never run: no command reaches a device.
 */
#include <unistd.h>

#include "irecctl/cli.h"
#include "irecctl/log.h"

#include "fuzz.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	char *buf = malloc(size + 1), *argv[MAX_ARGS + 2];
	int argc = 1;
	struct ctx ctx;
	struct cmd_args args;
	const struct command *cmd = NULL;

	if (!buf)
		abort();
	if (!quiet) {
		/* --help and --version print on stdout; errors are not findings. */
		if (!freopen("/dev/null", "w", stdout))
			abort();
		log_set_level(LOG_QUIET - 1);
		quiet = true;
	}
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "irecctl";
	for (size_t i = 0; i <= size && argc <= MAX_ARGS; argc++) {
		argv[argc] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	ctx_init(&ctx);
	enum parse_result r = cli_parse(&ctx, argc, argv, &cmd, &args);
	FUZZ_ASSERT(r == PARSE_OK || r == PARSE_EXIT_OK || r == PARSE_ERROR);
	if (r == PARSE_OK) {
		FUZZ_ASSERT(cmd != NULL);
		FUZZ_ASSERT(!(ctx.all && ctx.have_device));
		FUZZ_ASSERT(!ctx.all || !cmd->no_all);
		FUZZ_ASSERT(args.argc >= cmd->min_args);
		FUZZ_ASSERT(cmd->max_args < 0 || args.argc <= cmd->max_args);
		FUZZ_ASSERT(!ctx.have_timeout || ctx.timeout_s >= 0);
	}
	fflush(stdout);
	free(buf);
	return 0;
}
