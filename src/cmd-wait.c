/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {"for", 0, "MODE", "normal, recovery, dfu, restore, gone or any"},
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("wait");
}

const struct command cmd_wait = {
        .name = "wait",
        .summary = "wait until a device is in a mode",
        .synopsis = "--for normal|recovery|dfu|restore|gone|any [-d ID]",
        .description = "Returns as soon as the device is in the requested mode (at once if it "
                       "already is). Event-driven: no polling.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
