/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mode-change engine: starting each target (a request on its own thread, or a person's steps).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "irecctl/buttons.h"
#include "irecctl/events.h"
#include "irecctl/guide.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "modechange-priv.h"

const struct model *mc_model_for_buttons(const struct target *t)
{
	if (t->plan.model)
		return t->plan.model;
	return t->dev.model ? t->dev.model : t->spec->absent_model;
}

static void print_buttons(const struct target *t)
{
	/* A person's plan says it in its message already. */
	if (!t->plan.buttons[0] && t->plan.action != MC_NEEDS_PERSON)
		log_note("%s", BUTTONS_UNKNOWN_HINT);
	for (int i = 0; i < 2 && t->plan.buttons[i]; i++)
		buttons_print(stderr, t->plan.buttons[i], mc_model_for_buttons(t));
}

/*
 * The request itself may block for long (lockdownd's own timeout is 30 s),
 * so it runs on a thread while the main thread keeps listening: an
 * arrival, or Ctrl-C, is seen at once. The thread only hands its result
 * over; the main thread acts on it (collect_sends).
 */
static void *send_thread(void *arg)
{
	struct target *t = arg;
	struct event wake;

	t->send_status = t->spec->send(&t->dev, t->spec, t->send_error, sizeof(t->send_error));
	__atomic_store_n(&t->send_done, true, __ATOMIC_RELEASE);
	/* An event no target matches (ECID 0): it only wakes events_next(). */
	memset(&wake, 0, sizeof(wake));
	wake.kind = EVENT_ADD;
	wake.source = EVENT_SRC_TEST;
	events_inject(t->loop, &wake);
	return NULL;
}

/* Act on every finished send: a refusal resolves the target at once. */
void mc_collect_sends(struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct target *t = &v[i];
		if (!t->thread_started || !__atomic_load_n(&t->send_done, __ATOMIC_ACQUIRE))
			continue;
		pthread_join(t->thread, NULL);
		t->thread_started = false;
		if (t->resolved) /* it arrived before lockdownd's reply did */
			continue;
		if (t->send_status == IREC_ENOTTRUSTED || t->send_status == IREC_ELOCKED) {
			/* USB could not do it: what a person can do instead. */
			t->plan.buttons[0] = buttons_for(mc_model_for_buttons(t), BUTTONS_RECOVERY);
			log_note("the buttons can do it instead:");
			print_buttons(t);
		}
		if (t->send_status != IREC_OK)
			/* A device that disconnected is in no mode irecctl saw. */
			mc_resolve(t, t->send_status,
			           t->send_status == IREC_EGONE ? MODE_UNKNOWN : t->dev.mode, "%s",
			           t->send_error);
		else if (t->spec->no_wait) {
			mc_resolve(t, IREC_OK, t->dev.mode,
			           "request sent (not verified: --no-wait)");
			t->unverified = true;
		}
	}
}

/* Send threads never take SIGINT/SIGTERM: the event loop's handler does. */
static bool start_send_thread(struct target *t)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	bool ok = pthread_create(&t->thread, NULL, send_thread, t) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/* Steps for a person: the plan's assisted steps, else its button sequences. */
static void build_guide(struct target *t, bool tty)
{
	const struct mc_plan *p = &t->plan;

	guide_from_sequence(&t->guide, p->nassisted ? NULL : p->buttons[0], stderr, tty);
	if (p->nassisted) {
		t->guide.title = "Hold the buttons as shown; irecctl reboots the device at the "
		                 "right moment:";
		t->guide.repeat = false;
		for (size_t i = 0; i < p->nassisted; i++)
			guide_add(&t->guide, p->assisted_text[i], p->assisted_seconds[i],
			          p->assisted_action[i]);
		return;
	}
	for (size_t i = 0; p->buttons[1] && i < p->buttons[1]->nsteps; i++)
		guide_add(&t->guide, p->buttons[1]->steps[i].text, p->buttons[1]->steps[i].seconds,
		          0);
}

static void start_person(struct target *t, bool interactive, bool escapes, bool *guide_taken)
{
	char name[128];

	device_display_name(&t->dev, name, sizeof(name));
	/* --no-wait: nothing goes over USB here, so nothing can be "sent". */
	if ((!interactive && !t->spec->wait_for_person) || t->spec->no_wait) {
		const char *why = t->plan.unattended ? t->plan.unattended : t->plan.message;
		log_note("%s (%s): %s", name, mode_name(t->dev.mode), why);
		print_buttons(t);
		mc_resolve(t, IREC_ENEEDPERSON, t->dev.mode, "%s", why);
		return;
	}
	log_note("%s (%s): %s", name, mode_name(t->dev.mode), t->plan.message);
	t->waiting = true;
	/*
	 * One guide at a time: interleaved countdowns would help nobody. Without
	 * a terminal only assisted steps are timed (irecctl acts at their end);
	 * plain button sequences are printed once, whole.
	 */
	if (*guide_taken || (!interactive && !t->plan.nassisted) ||
	    (!t->plan.nassisted && !t->plan.buttons[0])) {
		print_buttons(t);
		log_note("waiting for the device to arrive in %s mode...",
		         mode_name(t->spec->target));
	} else {
		log_note("waiting for the device to arrive in %s mode...",
		         mode_name(t->spec->target));
		/* The guide shows steps only: say here when they are a family's. */
		buttons_print_inferred(stderr, mc_model_for_buttons(t));
		build_guide(t, interactive && escapes);
		guide_start(&t->guide, events_now_ms());
		t->guided = true;
		*guide_taken = true;
	}
}

/* Modes only usbmuxd shows: an arrival there is seen only through it. */
bool mc_seen_through_mux(enum dev_mode m)
{
	return m == MODE_NORMAL || m == MODE_RESTORE;
}

/*
 * Success is only ever said for a device seen arriving: if the listener can
 * never see the target mode, acting would reboot a device irecctl cannot
 * then follow. So nothing is sent, unless --no-wait asked not to follow.
 */
static bool cannot_follow(struct target *t)
{
	const char *why = events_mux_unusable(t->loop);

	if (!why || t->spec->no_wait || !mc_seen_through_mux(t->spec->target))
		return false;
	mc_resolve(t, IREC_ENOVERIFY, t->dev.mode,
	           "nothing sent: irecctl could not see the device arrive in %s mode (%s); "
	           "--no-wait sends the commands without verifying",
	           mode_name(t->spec->target), why);
	return true;
}

void mc_start_target(struct target *t, bool interactive, bool escapes, bool *guide_taken)
{
	t->spec->plan(&t->dev, t->spec, &t->plan);
	if (t->plan.action == MC_SEND && cannot_follow(t))
		return;
	switch (t->plan.action) {
	case MC_DONE:
		mc_resolve(t, IREC_OK, t->dev.mode, "already in %s mode", mode_name(t->dev.mode));
		break;
	case MC_REFUSE:
		mc_resolve(t, t->plan.status, t->dev.mode, "%s", t->plan.message);
		break;
	case MC_NEEDS_PERSON:
		start_person(t, interactive, escapes, guide_taken);
		break;
	case MC_SEND:
		t->waiting = true;
		t->thread_started = start_send_thread(t);
		if (!t->thread_started)
			mc_resolve(t, IREC_EFAIL, t->dev.mode, "cannot start a thread");
		break;
	}
}