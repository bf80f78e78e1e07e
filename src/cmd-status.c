/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("status");
}

const struct command cmd_status = {
        .name = "status",
        .summary = "show every attached device: mode, model, ids, versions",
        .synopsis = "[-d ID] [--json]",
        .description =
                "Lists every attached Apple device in every mode (normal, restore, recovery, DFU, "
                "WTF, KIS, Port DFU), one record per physical device, merged by ECID.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
