/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "irecctl/buttons.h"
#include "irecctl/guide.h"

/* A quick press still needs a moment to read the line. */
#define QUICK_STEP_MS 1500
#define TICK_MS       250

bool guide_add(struct guide *g, const char *text, unsigned seconds, int action)
{
	if (g->nsteps >= GUIDE_MAX_STEPS)
		return false;
	g->steps[g->nsteps++] = (struct guide_step){text, seconds, action};
	return true;
}

void guide_from_sequence(struct guide *g, const struct button_sequence *seq, FILE *out, bool tty)
{
	memset(g, 0, sizeof(*g));
	g->out = out;
	g->tty = tty;
	g->repeat = true;
	if (!seq)
		return;
	g->title = seq->title;
	for (size_t i = 0; i < seq->nsteps; i++)
		guide_add(g, seq->steps[i].text, seq->steps[i].seconds, 0);
}

static int64_t step_ms(const struct guide_step *s)
{
	return s->seconds ? (int64_t)s->seconds * 1000 : QUICK_STEP_MS;
}

static void print_step(struct guide *g, int64_t now_ms, bool fresh)
{
	const struct guide_step *s = &g->steps[g->current];
	int64_t left = g->step_started_ms + step_ms(s) - now_ms;

	if (!g->tty) {
		/* A log or a robot reads this: each step once, when it starts. */
		if (fresh)
			fprintf(g->out, "  %zu/%zu  %s%s%.0u%s\n", g->current + 1, g->nsteps,
			        s->text, s->seconds ? " (" : "", s->seconds,
			        s->seconds ? " s)" : "");
		fflush(g->out);
		g->last_print_ms = now_ms;
		return;
	}
	/* \r and clear-to-end: the countdown rewrites one line per step. */
	if (fresh && g->current > 0)
		fputc('\n', g->out);
	if (s->seconds)
		fprintf(g->out, "\r\033[K  %zu/%zu  %s  [%lld s]", g->current + 1, g->nsteps,
		        s->text, (long long)((left + 999) / 1000));
	else
		fprintf(g->out, "\r\033[K  %zu/%zu  %s", g->current + 1, g->nsteps, s->text);
	fflush(g->out);
	g->last_print_ms = now_ms;
}

void guide_start(struct guide *g, int64_t now_ms)
{
	if (!g->nsteps) {
		g->finished = true;
		return;
	}
	fprintf(g->out, "%s\n", g->title ? g->title : "Follow these steps:");
	g->current = 0;
	g->step_started_ms = now_ms;
	print_step(g, now_ms, true);
}

int64_t guide_next_tick(const struct guide *g)
{
	if (g->finished || !g->nsteps)
		return -1;
	int64_t end = g->step_started_ms + step_ms(&g->steps[g->current]);
	if (!g->tty || !g->steps[g->current].seconds)
		return end; /* no countdown to redraw */
	int64_t next = g->last_print_ms + TICK_MS;
	return next < end ? next : end;
}

int guide_tick(struct guide *g, int64_t now_ms)
{
	const struct guide_step *s;
	int action;

	if (g->finished || !g->nsteps)
		return 0;
	s = &g->steps[g->current];
	if (now_ms < g->step_started_ms + step_ms(s)) {
		print_step(g, now_ms, false);
		return 0;
	}
	action = s->action;
	if (g->current + 1 < g->nsteps) {
		g->current++;
	} else if (g->repeat) {
		g->rounds++;
		fprintf(g->out, "%s  The device has not shown up yet: start again from step 1.\n",
		        g->tty ? "\n" : "");
		g->current = 0;
	} else {
		g->finished = true;
		if (g->tty)
			fputc('\n', g->out);
		return action;
	}
	g->step_started_ms = now_ms;
	print_step(g, now_ms, true);
	return action;
}

void guide_finish(struct guide *g, const char *message)
{
	if (g->nsteps && !g->finished && g->tty)
		fputc('\n', g->out);
	g->finished = true;
	if (message)
		fprintf(g->out, "%s\n", message);
	fflush(g->out);
}
