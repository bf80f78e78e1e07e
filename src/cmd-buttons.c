/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
	{"recovery", 0, NULL, "the recovery-mode sequence"},
	{"dfu", 0, NULL, "the DFU sequence"},
	{"restart", 0, NULL, "the force-restart sequence"},
	{NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("buttons");
}

const struct command cmd_buttons = {
	.name = "buttons",
	.summary = "print a model's button sequence (recovery, DFU, force restart)",
	.synopsis = "MODEL [--recovery|--dfu|--restart]",
	.description = "MODEL is a product type (iPhone16,1), a board config (d83ap) or a marketing name (\"iPhone 15 Pro\").",
	.options = options,
	.min_args = 1,
	.max_args = 1,
	.run = run,
};
