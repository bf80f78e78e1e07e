/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* irecctl enter: normal -> recovery (or DFU with a person's help), verified. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "irecctl/buttons.h"
#include "irecctl/device-ops.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "irecctl/model.h"
#include "irecctl/wait.h"

enum { OPT_DFU, OPT_NO_WAIT, OPT_PAIR, OPT_MODEL, OPT_WAIT_FOR_PERSON, OPT_LOCK_TIMEOUT };

static const struct cmd_option options[] = {
        {"dfu", 0, NULL, "enter DFU mode (guided button sequence)"},
        {"no-wait", 0, NULL, "return once the request is sent, without verifying"},
        {"pair", 0, NULL, "allow a new pairing (the Trust dialog) if the device needs a session"},
        {"model", 0, "MODEL", "the model, when irecctl cannot identify the device"},
        {"wait-for-person", 0, NULL,
         "without a terminal, keep waiting for a person to press buttons"},
        {"lock-timeout", 0, "SECONDS", "wait this long for another process to release the device"},
        {NULL, 0, NULL, NULL},
};

/* Normal mode takes a reboot into iBoot: minutes on old devices, so be generous. */
#define ENTER_TIMEOUT_S 180.0

static const struct model *forced_model;
static const char *model_arg; /* --model as given */

static const struct model *model_of(const struct device *d)
{
	return device_buttons_model(d, forced_model);
}

static void plan_recovery(const struct device *d, const struct mc_spec *spec, struct mc_plan *p)
{
	(void)spec;
	if (mc_plan_common_refusal(d, p) || buttons_model_option_refusal(model_arg, d, p))
		return;
	p->model = model_of(d);
	switch (d->mode) {
	case MODE_RECOVERY:
		p->action = MC_DONE;
		break;
	case MODE_NORMAL:
		p->action = MC_SEND;
		break;
	case MODE_UNKNOWN: /* not visible over USB (-d with --model) */
		p->action = MC_NEEDS_PERSON;
		p->message = "the device is not visible over USB: use its buttons to put it into "
		             "recovery mode";
		p->buttons[0] = buttons_for(p->model, BUTTONS_RECOVERY);
		break;
	default: /* DFU-like: only a force restart leaves it, then the recovery buttons */
		p->action = MC_NEEDS_PERSON;
		p->message = p->model && !p->model->buttons_unknown
		                     ? "a device in DFU mode cannot be sent to recovery over USB: "
		                       "force-restart it, then use the recovery buttons"
		                     : "a device in DFU mode cannot be sent to recovery over USB: "
		                       "force-restart it, then use the recovery buttons, "
		                       "and " BUTTONS_UNKNOWN_HINT;
		p->buttons[0] = buttons_for(p->model, BUTTONS_RESTART);
		p->buttons[1] = buttons_for(p->model, BUTTONS_RECOVERY);
		break;
	}
}

/*
 * USB-assisted DFU from recovery (the method palera1n uses): the person
 * holds the DFU button pair, irecctl sends the reboot (auto-boot set true
 * first, so a missed timing just boots the OS), the person keeps holding,
 * then releases the power-side button. Which buttons: buttons_assist_for().
 */
enum { ACTION_REBOOT = 1 };

static void assisted_step(struct mc_plan *p, unsigned seconds, int action, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void assisted_step(struct mc_plan *p, unsigned seconds, int action, const char *fmt, ...)
{
	size_t i = p->nassisted++;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->assisted_text[i], sizeof(p->assisted_text[i]), fmt, ap);
	va_end(ap);
	p->assisted_seconds[i] = seconds;
	p->assisted_action[i] = action;
}

static bool plan_assisted(const struct model *m, struct mc_plan *p)
{
	const struct button_assist *a = buttons_assist_for(m);

	if (!a)
		return false;
	assisted_step(p, 3, 0, "Get ready to press and hold %s together.", a->pair);
	assisted_step(p, 2, ACTION_REBOOT, "Press and hold %s now.", a->pair);
	assisted_step(p, 3, 0, "Keep holding %s: the device restarts.", a->pair);
	assisted_step(p, 10, 0, "Release %s; keep holding %s until this computer sees it.",
	              a->release, a->keep);
	return true;
}

static void plan_dfu(const struct device *d, const struct mc_spec *spec, struct mc_plan *p)
{
	(void)spec;
	if (buttons_model_option_refusal(model_arg, d, p))
		return;
	if (mode_is_dfu_like(d->mode)) {
		p->action = MC_DONE;
		return;
	}
	p->action = MC_NEEDS_PERSON;
	p->model = model_of(d);
	p->buttons[0] = buttons_for(p->model, BUTTONS_DFU);
	p->message = p->buttons[0] ? "DFU mode can only be entered with the device's buttons"
	                           : "DFU mode can only be entered with the device's buttons, "
	                             "and " BUTTONS_UNKNOWN_HINT;
	if (d->mode == MODE_RECOVERY && plan_assisted(p->model, p)) {
		p->message = "DFU from recovery: hold the buttons while irecctl reboots the device";
		/* Without a person irecctl must not reboot it: nothing is sent. */
		p->unattended =
		        "DFU from recovery needs a person holding the buttons while irecctl "
		        "reboots the device (on a terminal, or with --wait-for-person and "
		        "without --no-wait); nothing was sent, it is still in recovery";
	}
}

static int dfu_step_action(const struct device *d, int action, char *err, size_t errlen)
{
	if (action != ACTION_REBOOT)
		return IREC_OK;
	return ops_exit_recovery(d, err, errlen);
}

static int send_enter(const struct device *d, const struct mc_spec *spec, char *err, size_t errlen)
{
	return ops_enter_recovery(d->udid, spec->allow_pair, err, errlen);
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct mc_spec spec = {
	        .verb = "enter",
	        .target = MODE_RECOVERY,
	        .default_timeout_s = ENTER_TIMEOUT_S,
	        .no_wait = args->set[OPT_NO_WAIT],
	        .allow_pair = args->set[OPT_PAIR],
	        .wait_for_person = args->set[OPT_WAIT_FOR_PERSON],
	        .plan = plan_recovery,
	        .send = send_enter,
	};

	if (args->set[OPT_DFU]) {
		spec.target = MODE_DFU;
		spec.also_target =
		        WAIT_MODE(MODE_KIS) | WAIT_MODE(MODE_PORT_DFU) | WAIT_MODE(MODE_WTF);
		spec.plan = plan_dfu;
		spec.step_action = dfu_step_action;
	}
	if (args->set[OPT_MODEL]) {
		if (!(forced_model = buttons_model_option(args->value[OPT_MODEL])))
			return IREC_EUSAGE;
		spec.absent_model = forced_model;
		model_arg = args->value[OPT_MODEL];
	}
	if (args->set[OPT_LOCK_TIMEOUT] &&
	    !parse_duration(args->value[OPT_LOCK_TIMEOUT], &spec.lock_timeout_s)) {
		log_error("invalid --lock-timeout '%s'", args->value[OPT_LOCK_TIMEOUT]);
		return IREC_EUSAGE;
	}
	return modechange_run(ctx, &spec);
}

const struct command cmd_enter = {
        .name = "enter",
        .summary = "put a device into recovery mode (or DFU with --dfu)",
        .synopsis =
                "[-d ID | --all] [--dfu] [--no-wait] [--pair] [--model MODEL] [--wait-for-person]",
        .description =
                "Normal mode to recovery through lockdownd EnterRecovery (on iOS 14.5 and later\n"
                "inside a paired session); succeeds only when the same device (by ECID) has "
                "arrived\n"
                "in recovery (default timeout 180 s). Already in recovery: success at once. When\n"
                "USB cannot do it (DFU, --dfu), prints the model's button sequence and, on a\n"
                "terminal or with --wait-for-person, waits for the device to arrive; otherwise\n"
                "exits with code 8 (from recovery, --dfu then sends nothing). A device newer\n"
                "than irecctl's table gets its family's steps, marked inferred, where the family\n"
                "decides them; otherwise --model MODEL names it (a --model that contradicts\n"
                "the model the device identifies itself as: exit code 2, nothing sent). A\n"
                "device that does not trust\n"
                "this host exits with code 9 (never pairs unless --pair), a passcode-locked one\n"
                "with 15.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
