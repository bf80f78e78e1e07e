/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/cli.h"

static const struct cmd_option options[] = {
        {"dfu", 0, NULL, "enter DFU mode (guided button sequence)"},
        {"no-wait", 0, NULL, "return once the request is sent, without verifying"},
        {"pair", 0, NULL, "allow a new pairing (the Trust dialog) if the device needs a session"},
        {"model", 0, "MODEL", "the model, when the device cannot be identified"},
        {"wait-for-person", 0, NULL,
         "without a terminal, keep waiting for a person to press buttons"},
        {"lock-timeout", 0, "SECONDS", "wait this long for another process to release the device"},
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return cmd_not_implemented("enter");
}

const struct command cmd_enter = {
        .name = "enter",
        .summary = "put a device into recovery mode (or DFU with --dfu)",
        .synopsis =
                "[-d ID | --all] [--dfu] [--no-wait] [--pair] [--model MODEL] [--wait-for-person]",
        .description = "Normal mode to recovery through lockdownd EnterRecovery; succeeds only "
                       "when the same device (by ECID) has arrived in recovery. When the device "
                       "cannot be driven over USB, prints the model's button sequence.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
