/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* irecctl exit: recovery -> normal, verified; recovery loops reported as such. */
#include "irecctl/buttons.h"
#include "irecctl/device-ops.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"

enum { OPT_NO_WAIT, OPT_LOCK_TIMEOUT, OPT_MODEL };

static const struct cmd_option options[] = {
        {"no-wait", 0, NULL, "return once the commands are sent, without verifying"},
        {"lock-timeout", 0, "SECONDS", "wait this long for another process to release the device"},
        {"model", 0, "MODEL", "the model, when irecctl cannot identify the device"},
        {NULL, 0, NULL, NULL},
};

#define EXIT_TIMEOUT_S 180.0

static const struct model *forced_model;
static const char *model_arg; /* --model as given */

static void plan_exit(const struct device *d, const struct mc_spec *spec, struct mc_plan *p)
{
	(void)spec;
	if (mc_plan_common_refusal(d, p) || buttons_model_option_refusal(model_arg, d, p))
		return;
	switch (d->mode) {
	case MODE_NORMAL:
		p->action = MC_DONE;
		break;
	case MODE_RECOVERY:
		p->action = MC_SEND;
		break;
	default:
		p->action = MC_NEEDS_PERSON;
		p->model = device_buttons_model(d, forced_model);
		p->buttons[0] = buttons_for(p->model, BUTTONS_RESTART);
		p->message =
		        p->buttons[0]
		                ? "DFU mode has no exit command: only a force restart leaves it"
		                : "DFU mode has no exit command: only a force restart leaves "
		                  "it, and " BUTTONS_UNKNOWN_HINT;
		break;
	}
}

static int send_exit(const struct device *d, const struct mc_spec *spec, char *err, size_t errlen)
{
	(void)spec;
	return ops_exit_recovery(d, err, errlen);
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct mc_spec spec = {
	        .verb = "exit",
	        .target = MODE_NORMAL,
	        .default_timeout_s = EXIT_TIMEOUT_S,
	        .no_wait = args->set[OPT_NO_WAIT],
	        .plan = plan_exit,
	        .send = send_exit,
	};

	if (args->set[OPT_MODEL] && !(forced_model = buttons_model_option(args->value[OPT_MODEL])))
		return IREC_EUSAGE;
	model_arg = args->set[OPT_MODEL] ? args->value[OPT_MODEL] : NULL;
	if (args->set[OPT_LOCK_TIMEOUT] &&
	    !parse_duration(args->value[OPT_LOCK_TIMEOUT], &spec.lock_timeout_s)) {
		log_error("invalid --lock-timeout '%s'", args->value[OPT_LOCK_TIMEOUT]);
		return IREC_EUSAGE;
	}
	return modechange_run(ctx, &spec);
}

const struct command cmd_exit = {
        .name = "exit",
        .summary = "boot a device from recovery into normal mode",
        .synopsis = "[-d ID | --all] [--no-wait] [--lock-timeout SECONDS] [--model MODEL]",
        .description =
                "Sends setenv auto-boot true, saveenv and reboot; succeeds only when the same "
                "device\n"
                "has arrived in normal mode (default timeout 180 s). A device that comes back in\n"
                "recovery is a recovery loop (exit code 11; auto-boot and the iBoot version are\n"
                "shown): update it (restore --update keeps data) before restoring it (--erase).\n"
                "From DFU, prints the model's force-restart sequence (exit code 8); --model\n"
                "names a model irecctl cannot identify (one that contradicts the device's own:\n"
                "exit code 2, nothing sent). Normal mode is seen through usbmuxd: if its\n"
                "endpoint cannot be used, nothing is sent (exit code 22) unless --no-wait.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
