/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a person does with the buttons (and cables) to put a device into
 * recovery or DFU, or to force-restart it out of them: one sequence per
 * button class of model.h, with the timings of the reference
 * button-classes.md. `irecctl buttons` prints them; `irecctl enter` walks a
 * person through the steps with a countdown and stops as soon as the
 * device shows up with one of expect_pids (the clock is only a guide).
 */
#ifndef IRECCTL_BUTTONS_H
#define IRECCTL_BUTTONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "irecctl/model.h"

enum button_purpose {
	BUTTONS_RECOVERY,
	BUTTONS_DFU,
	BUTTONS_RESTART,
	BUTTON_PURPOSE_COUNT,
};

/* Who can carry out a sequence. */
enum button_availability {
	BUTTONS_PERSON,     /* a person with the device, its remote/keyboard and a cable */
	BUTTONS_SERVICE_HW, /* needs service hardware (diagnostic adapter, service cable) */
	BUTTONS_NONE,       /* no procedure: the steps only say why */
};

struct button_step {
	const char *text; /* one imperative sentence */
	/*
	 * Target duration in seconds; 0 = a quick press or an untimed action.
	 * For a hold that ends on an event ("until the screen goes black") it is
	 * the typical time to that event; with hold set and seconds 0 the hold
	 * lasts until the computer sees the device.
	 */
	unsigned int seconds;
	bool hold; /* the buttons of this step stay pressed */
};

struct button_note {
	const char *text;
	/* Bit set of (1u << enum device_class) the note is about; 0 = every model. */
	unsigned int only;
	/* Bit set of (1u << enum connector) the note is about; 0 = every connector. */
	unsigned int only_connector;
};

#define BUTTONS_MAX_PIDS 4

struct button_sequence {
	const char *class_name; /* "DFU_VOLUP_VOLDN_SIDE" */
	enum button_purpose purpose;
	enum button_availability availability;
	const char *title; /* "DFU mode: iPhone 8 and later, ..." */
	const struct button_step *steps;
	size_t nsteps;
	const struct button_note *notes;
	size_t nnotes;
	/* USB product ids (vendor 05ac) that mean it worked, 0-terminated;
	 * empty for force restart (the device leaves recovery/DFU). */
	unsigned int expect_pids[BUTTONS_MAX_PIDS + 1];
};

/*
 * What to do after a recovery loop (a device that keeps coming back to
 * recovery): one clause, the same wherever a next step is suggested.
 */
#define BUTTONS_LOOP_ADVICE                                                                        \
	"update it (irecctl restore --update keeps its data) before you restore it (irecctl "      \
	"restore --erase erases everything)"

/* How to get the steps when irecctl does not know a device's buttons. */
#define BUTTONS_UNKNOWN_HINT                                                                       \
	"irecctl does not know this model's buttons: name the model with --model MODEL (irecctl "  \
	"buttons MODEL prints its steps)"

/*
 * USB-assisted DFU from recovery (`enter --dfu`): the person holds `pair`,
 * irecctl reboots the device, the person releases `release` and keeps
 * holding `keep`. Texts fit "Press and hold %s now."
 */
struct button_assist {
	enum dfu_class dfu;
	unsigned int only; /* bit set of device classes; 0 = every one */
	const char *pair, *release, *keep;
};

/* The assisted buttons for m; NULL when its DFU class has no assisted method. */
const struct button_assist *buttons_assist_for(const struct model *m);

/* The sequence for a model and purpose; NULL if m is NULL or its buttons
 * are unknown (a model newer than the table whose family says nothing). */
const struct button_sequence *buttons_for(const struct model *m, enum button_purpose p);

/* By class; NULL for a value outside the enum. */
const struct button_sequence *buttons_for_rec(enum rec_class c);
const struct button_sequence *buttons_for_dfu(enum dfu_class c);
const struct button_sequence *buttons_for_fr(enum fr_class c);

const char *button_purpose_name(enum button_purpose p);           /* "recovery", "dfu", "restart" */
const char *button_availability_name(enum button_availability a); /* "person", ... */

/* Does note n apply to model m? (m NULL: every note applies.) */
bool button_note_applies(const struct button_note *n, const struct model *m);

/*
 * Plain text for a person: the title, numbered steps with their timing,
 * the notes that apply to m (all when m is NULL), what the computer will
 * see on success, and, when m's classes are inferred, a line saying so.
 */
void buttons_print(FILE *f, const struct button_sequence *seq, const struct model *m);

/* That line alone ("  Inferred: ..."), when m's classes are inferred; else nothing. */
void buttons_print_inferred(FILE *f, const struct model *m);

/*
 * {"class", "purpose", "availability", "title", "inferred", ["inferred_from",]
 * "steps": [{"text", "seconds", "hold"}], "notes": [{"text", "only_for":
 * [device classes], "only_connector": [connectors]}], "expect_usb_pids":
 * ["0x1227", ...]}. "inferred" is true when m's classes come from its family
 * (m newer than the table), with the reason in "inferred_from". m may be
 * NULL. New reference; NULL on allocation failure or a NULL seq.
 */
json_t *buttons_to_json(const struct button_sequence *seq, const struct model *m);

/*
 * For the commands' --model option (cmd-buttons.c): the model MODEL names,
 * as `irecctl buttons MODEL` finds it; NULL after reporting why not
 * (unknown, or ambiguous with the closest candidates).
 */
const struct model *buttons_model_option(const char *arg);

/*
 * --model only names a model irecctl cannot identify. A device whose own
 * table row is known and is not what MODEL names (arg, already accepted
 * by buttons_model_option) is refused in p: exit 2, nothing sent. True if
 * p was set; false (p untouched) when arg is NULL or fits.
 */
struct device;
struct mc_plan;
bool buttons_model_option_refusal(const char *arg, const struct device *d, struct mc_plan *p);

#endif
