/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {"no-wait", 0, NULL, "return once the commands are sent, without verifying"},
        {"lock-timeout", 0, "SECONDS", "wait this long for another process to release the device"},
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("exit");
}

const struct command cmd_exit = {
        .name = "exit",
        .summary = "boot a device from recovery into normal mode",
        .synopsis = "[-d ID | --all] [--no-wait]",
        .description = "Sends setenv auto-boot true, saveenv and reboot; succeeds only when the "
                       "same device has arrived in normal mode. A device that comes back in "
                       "recovery is reported as a recovery loop.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
