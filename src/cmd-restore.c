/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {"update", 0, NULL, "update the OS and keep user data"},
        {"erase", 0, NULL, "erase the device and install a clean OS"},
        {"confirm-ecid", 0, "ECID", "required with --erase: the ECID of the device to erase"},
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("restore");
}

const struct command cmd_restore = {
        .name = "restore",
        .summary = "restore a device: update (keeps data) or erase",
        .synopsis = "[-d ID] (--update | --erase --confirm-ecid ECID) IPSW",
        .description = "Update keeps user data; erase deletes everything and needs --erase "
                       "together with --confirm-ecid naming the device's ECID.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .run = run,
};
