/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("watch");
}

const struct command cmd_watch = {
        .name = "watch",
        .summary = "stream device arrivals, departures and mode changes",
        .synopsis = "[--json]",
        .description = "Prints one line per event (NDJSON with --json) until interrupted.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
