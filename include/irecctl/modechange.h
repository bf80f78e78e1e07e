/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine behind `enter` and `exit`: select devices, lock each by
 * ECID, start listening, send the request to every device in parallel,
 * then wait (one event loop for the whole fleet) until each has arrived
 * in the target mode. Success is only ever reported for a device seen
 * arriving there.
 */
#ifndef IRECCTL_MODECHANGE_H
#define IRECCTL_MODECHANGE_H

#include <stdbool.h>

#include "irecctl/cli.h"
#include "irecctl/device.h"

struct button_sequence;

enum mc_action {
	MC_DONE,         /* already in the target mode */
	MC_SEND,         /* the request can be sent over USB */
	MC_NEEDS_PERSON, /* only buttons can do it (buttons says which) */
	MC_REFUSE,       /* the mode does not allow it (status/message set) */
};

struct mc_plan {
	enum mc_action action;
	int status;          /* for MC_REFUSE */
	const char *message; /* for MC_REFUSE and MC_NEEDS_PERSON */
	/* MC_NEEDS_PERSON when nobody will act (no terminal and no
	 * --wait-for-person, or --no-wait); NULL: message says it. */
	const char *unattended;
	const struct button_sequence *buttons[2]; /* in order; NULL if none */
	/* The model the buttons are for (its row, --model, or inferred): notes
	 * are chosen by it, and inferred steps say so. NULL: unknown. */
	const struct model *model;
	/* A person's steps with USB help (e.g. DFU from recovery): when set, the
	 * guide runs these instead of buttons[], and spec->step_action runs the
	 * actions they carry. */
	char assisted_text[4][160];
	unsigned assisted_seconds[4];
	int assisted_action[4];
	size_t nassisted;
};

struct mc_spec {
	const char *verb;     /* "enter", "exit" */
	enum dev_mode target; /* recovery, normal, dfu */
	unsigned also_target; /* WAIT_MODE bits that count as arrived too (KIS, Port DFU) */
	double default_timeout_s;
	bool no_wait;
	bool allow_pair;
	bool wait_for_person;
	double lock_timeout_s;
	/* With -d naming a device that is not attached (not visible over USB):
	 * treat it as this model in MODE_UNKNOWN, so a person can be guided. */
	const struct model *absent_model;
	/* What to do with a device in its current mode. */
	void (*plan)(const struct device *d, const struct mc_spec *spec, struct mc_plan *out);
	/* Send the request; returns an irec_status, err gets a reason. */
	int (*send)(const struct device *d, const struct mc_spec *spec, char *err, size_t errlen);
	/* Run an action of an assisted step (NULL if the plan never has any). */
	int (*step_action)(const struct device *d, int action, char *err, size_t errlen);
};

/*
 * The refusals every mode change shares: a device being restored, and one
 * usbmuxd lists but whose mode lockdownd never confirmed. True if p was set.
 */
bool mc_plan_common_refusal(const struct device *d, struct mc_plan *p);

/* Run spec over the devices ctx selects; returns the combined exit status. */
int modechange_run(struct ctx *ctx, const struct mc_spec *spec);

#endif
