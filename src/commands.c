/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "irecctl/cli.h"

extern const struct command cmd_buttons, cmd_completions, cmd_doctor, cmd_enter, cmd_exit, cmd_restore, cmd_status,
        cmd_wait, cmd_watch;

/* In the order `irecctl --help` lists them: the core four first. */
const struct command *const command_table[] = {
        &cmd_status, &cmd_enter,   &cmd_exit,   &cmd_restore, &cmd_wait,
        &cmd_watch,  &cmd_buttons, &cmd_doctor, &cmd_completions, NULL,
};

const struct command *command_find(const char *name)
{
	for (const struct command *const *c = command_table; *c; c++)
		if (!strcmp((*c)->name, name))
			return *c;
	return NULL;
}
