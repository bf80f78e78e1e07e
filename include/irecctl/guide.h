/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Step-by-step guidance for a person pressing a device's buttons, with a
 * countdown, on a terminal (stderr). The guide does not sleep: the caller's
 * event loop asks guide_next_tick() when to call guide_tick() again, so the
 * device's arrival ends the guidance at once.
 *
 * A step may carry an action that runs when the step ends: the USB-assisted
 * DFU method sends the reboot at the right moment while the person holds
 * the buttons.
 */
#ifndef IRECCTL_GUIDE_H
#define IRECCTL_GUIDE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct button_sequence;

#define GUIDE_MAX_STEPS 12

struct guide_step {
	const char *text;
	unsigned seconds; /* countdown; 0: a quick press (shown for 1 s) */
	int action;       /* 0 none, else passed to the action callback when the step ends */
};

struct guide {
	FILE *out;
	const char *title;
	struct guide_step steps[GUIDE_MAX_STEPS];
	size_t nsteps;
	size_t current;
	int64_t step_started_ms;
	int64_t last_print_ms;
	bool repeat; /* start over after the last step (a person may miss a timing) */
	bool tty;    /* countdown in place; otherwise one plain line per step */
	bool finished;
	unsigned rounds;
};

/* Steps from a button sequence (NULL: empty guide); tty: out is a terminal. */
void guide_from_sequence(struct guide *g, const struct button_sequence *seq, FILE *out, bool tty);
/* Append one step; false when full. */
bool guide_add(struct guide *g, const char *text, unsigned seconds, int action);
/* Start: print the title and the first step, at time now_ms. */
void guide_start(struct guide *g, int64_t now_ms);
/* When the next update is due (monotonic ms); -1 when finished. */
int64_t guide_next_tick(const struct guide *g);
/* Update the countdown; returns the action of a step that just ended, or 0. */
int guide_tick(struct guide *g, int64_t now_ms);
/* End the guidance with a final line. */
void guide_finish(struct guide *g, const char *message);

#endif
