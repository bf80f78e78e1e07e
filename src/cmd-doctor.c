/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("doctor");
}

const struct command cmd_doctor = {
        .name = "doctor",
        .summary = "check this host: USB permissions, usbmuxd, pair records",
        .synopsis = "",
        .description =
                "Checks what irecctl needs from this host and says how to fix what is missing.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
