/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irecctl/buttons.h"
#include "irecctl/device-ops.h"
#include "irecctl/discovery.h"
#include "irecctl/duration.h"
#include "irecctl/events.h"
#include "irecctl/guide.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "irecctl/model.h"
#include "irecctl/output.h"
#include "irecctl/wait.h"

struct target {
	struct device dev;     /* as found */
	struct device arrived; /* as last seen arriving */
	struct dev_lock lock;
	struct mc_plan plan;
	const struct mc_spec *spec;
	int status;
	char message[320];
	bool waiting;  /* the request went out (or a person acts): watch for arrival */
	bool departed; /* seen leaving since the request */
	bool resolved;
	enum dev_mode final_mode;
	int64_t started_ms, finished_ms;
	pthread_t thread;
	bool thread_started;
	/* Written by the send thread, read by the main thread once send_done. */
	int send_status;
	char send_error[200];
	bool send_done; /* atomic */
	struct event_loop *loop;
	struct guide guide; /* a person's steps, while guided */
	bool guided;
	bool unverified; /* --no-wait: sent, never seen arriving */
};

static void resolve(struct target *t, int status, enum dev_mode mode, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static void resolve(struct target *t, int status, enum dev_mode mode, const char *fmt, ...)
{
	va_list ap;

	if (t->guided) {
		guide_finish(&t->guide, NULL);
		t->guided = false;
	}
	t->status = status;
	t->final_mode = mode;
	t->resolved = true;
	t->waiting = false;
	t->finished_ms = events_now_ms();
	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
}

bool mc_plan_common_refusal(const struct device *d, struct mc_plan *p)
{
	if (d->timed_out) {
		/* A lockdownd (or device) that never answered: a timeout, with why. */
		p->action = MC_REFUSE;
		p->status = IREC_ETIMEOUT;
		p->message = d->error[0] ? d->error : "the device did not answer in time";
		return true;
	}
	if (d->mode == MODE_RESTORE) {
		p->action = MC_REFUSE;
		p->status = IREC_EWRONGMODE;
		p->message = "the device is being restored; let the restore finish";
		return true;
	}
	if (d->mode == MODE_UNKNOWN && d->udid[0]) {
		p->action = MC_REFUSE;
		p->status = IREC_EPROTO;
		p->message = "usbmuxd lists the device but lockdownd did not say which mode it is "
		             "in: not acting on a guess";
		return true;
	}
	return false;
}

/* --- selection and locking ------------------------------------------------ */

/* -d names a device that is not attached, and the caller knows its model. */
static int absent_target(const struct ctx *ctx, const struct mc_spec *spec, struct target *t)
{
	if (!ctx->device.has_ecid) {
		log_error(
		        "the device is not attached; to wait for it in another mode, select it by "
		        "ECID (or a UDID that contains it)");
		return IREC_ENODEV;
	}
	memset(&t->dev, 0, sizeof(t->dev));
	t->dev.mode = MODE_UNKNOWN;
	t->dev.ecid = ctx->device.ecid;
	t->dev.trusted = -1;
	t->dev.model = spec->absent_model;
	return IREC_OK;
}

/*
 * Two attachments report one ECID (discovery never merges them): acting
 * under that ECID could reach either device. Without --all that is the
 * command's answer; with --all those targets are refused and the rest go on.
 */
static bool refuse_conflicts(struct target *v, size_t n, bool all)
{
	char where[64];
	for (size_t i = 0; i < n; i++) {
		if (!v[i].dev.conflict)
			continue;
		device_label(&v[i].dev, where, sizeof(where));
		if (!all) {
			log_error("%s: two attached devices report this ECID (%s); refusing to "
			          "guess which one is meant",
			          where, v[i].dev.error);
			return true;
		}
		resolve(&v[i], IREC_EAMBIGUOUS, v[i].dev.mode,
		        "two attached devices report this ECID: refusing to guess (%s)",
		        v[i].dev.error);
	}
	return false;
}

static int select_targets(const struct ctx *ctx, const struct mc_spec *spec,
                          const struct device_list *l, struct target **out, size_t *n)
{
	*out = calloc(l->n ? l->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return IREC_EFAIL;
	for (size_t i = 0; i < l->n; i++) {
		if (ctx->have_device && !devid_matches(&ctx->device, l->v[i].ecid, l->v[i].udid))
			continue;
		(*out)[(*n)++].dev = l->v[i];
	}
	if (*n == 0 && ctx->have_device && ctx->device.kind == DEVID_UDID &&
	    !ctx->device.has_ecid && !spec->absent_model) {
		log_error("no attached device has UDID %s; a device older than the A12 shows no "
		          "UDID in recovery or DFU mode: select it by its ECID",
		          ctx->device.udid);
		return IREC_ENODEV;
	}
	if (*n == 0 && ctx->have_device && spec->absent_model) {
		*n = 1;
		return absent_target(ctx, spec, &(*out)[0]);
	}
	if (*n == 0 && l->mux_error[0]) {
		/* Not "no device": the normal-mode ones could not be looked at. */
		log_error("usbmuxd is unreachable, so devices in normal and restore mode cannot be "
		          "seen: %s",
		          l->mux_error);
		return IREC_ENODEV;
	}
	if (*n == 0) {
		log_error(ctx->have_device ? "no attached device matches the given id"
		                           : "no Apple device attached");
		return IREC_ENODEV;
	}
	if (refuse_conflicts(*out, *n, ctx->all))
		return IREC_EAMBIGUOUS;
	if (*n > 1 && !ctx->all) {
		log_error("%zu devices match: choose one with -d ID, or act on all with --all", *n);
		return IREC_EAMBIGUOUS;
	}
	return IREC_OK;
}

static void lock_target(struct target *t)
{
	char err[200], secs[SECONDS_TEXT_MAX];
	int st;

	t->lock.fd = -1;
	if (t->resolved)
		return;
	if (!t->dev.ecid) {
		/* Never under a guessed identity: a cut ECID names another device. */
		resolve(t, IREC_EFAIL, t->dev.mode,
		        "the device did not report a complete ECID%s%s: not acting on it",
		        t->dev.error[0] ? ": " : "", t->dev.error);
		return;
	}
	st = lock_acquire(t->dev.ecid, 0, &t->lock, err, sizeof(err));
	if (st == IREC_EBUSY && t->spec->lock_timeout_s > 0) {
		log_note("%s; waiting up to %s s", err,
		         seconds_text(t->spec->lock_timeout_s, secs));
		st = lock_acquire(t->dev.ecid, t->spec->lock_timeout_s, &t->lock, err, sizeof(err));
	}
	if (st != IREC_OK)
		resolve(t, st, t->dev.mode, "%s", err);
}

static void *lock_thread(void *arg)
{
	lock_target(arg);
	return NULL;
}

/*
 * Every device's lock at the same time: with --lock-timeout and --all the
 * waits overlap instead of adding up. Without a timeout each attempt
 * returns at once (or after the short wait for lookers), so no threads.
 */
static void lock_targets(struct target *v, size_t n)
{
	pthread_t *threads =
	        n > 1 && v[0].spec->lock_timeout_s > 0 ? calloc(n, sizeof(*threads)) : NULL;
	bool *started = threads ? calloc(n, sizeof(*started)) : NULL;

	for (size_t i = 0; i < n; i++)
		if (!started ||
		    !(started[i] = pthread_create(&threads[i], NULL, lock_thread, &v[i]) == 0))
			lock_target(&v[i]);
	for (size_t i = 0; started && i < n; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	free(started);
	free(threads);
}

/* --- sending, one thread per device ---------------------------------------- */

static const struct model *model_for_buttons(const struct target *t)
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
		buttons_print(stderr, t->plan.buttons[i], model_for_buttons(t));
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
static void collect_sends(struct target *v, size_t n)
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
			t->plan.buttons[0] = buttons_for(model_for_buttons(t), BUTTONS_RECOVERY);
			log_note("the buttons can do it instead:");
			print_buttons(t);
		}
		if (t->send_status != IREC_OK)
			resolve(t, t->send_status, t->dev.mode, "%s", t->send_error);
		else if (t->spec->no_wait) {
			resolve(t, IREC_OK, t->dev.mode, "request sent (not verified: --no-wait)");
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
		resolve(t, IREC_ENEEDPERSON, t->dev.mode, "%s", why);
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
		buttons_print_inferred(stderr, model_for_buttons(t));
		build_guide(t, interactive && escapes);
		guide_start(&t->guide, events_now_ms());
		t->guided = true;
		*guide_taken = true;
	}
}

/* Modes only usbmuxd shows: an arrival there is seen only through it. */
static bool seen_through_mux(enum dev_mode m)
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

	if (!why || t->spec->no_wait || !seen_through_mux(t->spec->target))
		return false;
	resolve(t, IREC_ENOVERIFY, t->dev.mode,
	        "nothing sent: irecctl could not see the device arrive in %s mode (%s); "
	        "--no-wait sends the commands without verifying",
	        mode_name(t->spec->target), why);
	return true;
}

static void start_target(struct target *t, bool interactive, bool escapes, bool *guide_taken)
{
	t->spec->plan(&t->dev, t->spec, &t->plan);
	if (t->plan.action == MC_SEND && cannot_follow(t))
		return;
	switch (t->plan.action) {
	case MC_DONE:
		resolve(t, IREC_OK, t->dev.mode, "already in %s mode", mode_name(t->dev.mode));
		break;
	case MC_REFUSE:
		resolve(t, t->plan.status, t->dev.mode, "%s", t->plan.message);
		break;
	case MC_NEEDS_PERSON:
		start_person(t, interactive, escapes, guide_taken);
		break;
	case MC_SEND:
		t->waiting = true;
		t->thread_started = start_send_thread(t);
		if (!t->thread_started)
			resolve(t, IREC_EFAIL, t->dev.mode, "cannot start a thread");
		break;
	}
}
/* --- waiting for arrivals --------------------------------------------------- */

static bool is_target_mode(const struct mc_spec *spec, enum dev_mode m)
{
	return m == spec->target || (spec->also_target & WAIT_MODE(m));
}

static void on_arrival(struct target *t, const struct device *d)
{
	const struct mc_spec *spec = t->spec;

	/* usbmuxd listed it but lockdownd has not said which mode: not an arrival yet. */
	if (d->mode == MODE_UNKNOWN)
		return;
	t->arrived = *d;
	if (is_target_mode(spec, d->mode)) {
		resolve(t, IREC_OK, d->mode, "now in %s mode", mode_name(d->mode));
	} else if (spec->target == MODE_NORMAL && d->mode == MODE_RECOVERY) {
		char autoboot[64], build[96];
		ops_iboot_getenv(d, "auto-boot", autoboot, sizeof(autoboot));
		ops_iboot_getenv(d, "build-version", build, sizeof(build));
		resolve(t, IREC_ELOOP, d->mode,
		        "came back in recovery mode (auto-boot=%s, iBoot %s): the OS does not "
		        "boot; " BUTTONS_LOOP_ADVICE,
		        autoboot[0] ? autoboot : "?", build[0] ? build : "?");
	} else {
		resolve(t, IREC_EOTHERMODE, d->mode, "arrived in %s mode instead of %s",
		        mode_name(d->mode), mode_name(spec->target));
	}
}

static struct target *find_by_ecid(struct target *v, size_t n, uint64_t ecid)
{
	for (size_t i = 0; ecid && i < n; i++)
		if (v[i].dev.ecid == ecid)
			return &v[i];
	return NULL;
}

static size_t count_waiting(const struct target *v, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += v[i].waiting && !v[i].resolved;
	return w;
}

/*
 * Port DFU (05ac:f014) reports the USB port controller's identity, not the
 * phone's ECID: a target waiting for DFU that left this USB location is
 * the one that arrived there.
 */
static struct target *find_port_dfu(struct target *v, size_t n, const struct event *ev)
{
	if (ev->kind != EVENT_ADD || ev->dev.mode != MODE_PORT_DFU || !ev->dev.usb_location[0])
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (v[i].waiting && !v[i].resolved && v[i].departed &&
		    (v[i].spec->also_target & WAIT_MODE(MODE_PORT_DFU)) &&
		    !strcmp(v[i].dev.usb_location, ev->dev.usb_location))
			return &v[i];
	return NULL;
}

static void handle_event(struct target *v, size_t n, const struct event *ev)
{
	struct target *t = find_by_ecid(v, n, ev->dev.ecid);

	if (!t)
		t = find_port_dfu(v, n, ev);
	if (!t || t->resolved || !t->waiting)
		return;
	if (ev->kind == EVENT_REMOVE) {
		t->departed = true;
		char label[80];
		device_label(&ev->dev, label, sizeof(label));
		log_info("%s left %s mode", label, mode_name(ev->dev.mode));
		return;
	}
	/* Still the same attachment as before the request: not an arrival. */
	if (!t->departed && ev->dev.mode == t->dev.mode)
		return;
	on_arrival(t, &ev->dev);
}

/* The earlier of the deadline and the next guide update. */
static int64_t next_wakeup(const struct target *v, size_t n, int64_t deadline)
{
	int64_t next = deadline;

	for (size_t i = 0; i < n; i++) {
		int64_t tick = v[i].guided && !v[i].resolved ? guide_next_tick(&v[i].guide) : -1;
		if (tick >= 0 && (next < 0 || tick < next))
			next = tick;
	}
	return next;
}

static void tick_guides(struct target *v, size_t n)
{
	char err[200] = "";

	for (size_t i = 0; i < n; i++) {
		if (!v[i].guided || v[i].resolved)
			continue;
		int action = guide_tick(&v[i].guide, events_now_ms());
		if (!action || !v[i].spec->step_action)
			continue;
		int st = v[i].spec->step_action(&v[i].dev, action, err, sizeof(err));
		if (st != IREC_OK)
			resolve(&v[i], st, v[i].dev.mode, "%s", err);
	}
}

/*
 * Set when a send thread was left running (Ctrl-C, timeout): it may still
 * write to its target and wake the loop, so neither is freed. The process
 * exits right after.
 */
static bool abandoned_sends;
static struct target *abandoned_targets;

static void abandon_send(struct target *t)
{
	if (!t->thread_started)
		return;
	pthread_detach(t->thread);
	t->thread_started = false;
	abandoned_sends = true;
}

static bool sends_running(const struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].thread_started)
			return true;
	return false;
}

static void interrupt_all(struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* A send still blocked in a library call is left to end with the
		 * process: the kernel drops its lock, and the request is one
		 * message (EnterRecovery) or a few short control transfers. */
		abandon_send(&v[i]);
		if (!v[i].resolved)
			resolve(&v[i], IREC_EINTR, v[i].dev.mode, "interrupted");
	}
}

/* Why a timeout may be irecctl's blindness rather than the device's: an
 * absent usbmuxd is waited for (it starts on demand), but may never come. */
static const char *unseen_why(const struct target *t)
{
	static char why[300];

	if (!seen_through_mux(t->spec->target))
		return "";
	if (events_mux_unusable(t->loop))
		snprintf(why, sizeof(why), "; usbmuxd is unusable (%s)",
		         events_mux_unusable(t->loop));
	else if (!events_mux_subscribed(t->loop))
		snprintf(why, sizeof(why),
		         "; usbmuxd never started, so devices in normal and "
		         "restore mode could not be seen");
	else
		return "";
	return why;
}

static void time_out_all(struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct target *t = &v[i];
		abandon_send(t);
		if (t->resolved || !t->waiting)
			continue;
		resolve(t, IREC_ETIMEOUT, t->departed ? MODE_UNKNOWN : t->dev.mode,
		        "did not arrive in %s mode in time%s%s", mode_name(t->spec->target),
		        t->departed ? " (it left its old mode)" : "", unseen_why(t));
	}
}

/* Until every target is resolved: sends finishing, arrivals, guide steps. */
static void wait_all(struct event_loop *loop, struct target *v, size_t n, int64_t deadline)
{
	struct event ev;

	for (;;) {
		collect_sends(v, n);
		if (count_waiting(v, n) == 0 && !sends_running(v, n))
			return;
		enum events_status st = events_next(loop, &ev, next_wakeup(v, n, deadline));
		if (st == EVENTS_EVENT) {
			handle_event(v, n, &ev);
		} else if (st == EVENTS_INTERRUPTED) {
			interrupt_all(v, n);
			return;
		} else if (deadline < 0 || events_now_ms() < deadline) {
			tick_guides(v, n);
		} else {
			time_out_all(v, n);
			return;
		}
	}
}

/* --- results ---------------------------------------------------------------- */

static json_t *target_json(const struct target *t)
{
	json_t *o = device_to_json(t->resolved && t->arrived.ecid ? &t->arrived : &t->dev);

	json_object_set_new(o, "from", json_string(mode_name(t->dev.mode)));
	json_object_set_new(o, "mode", json_string(mode_name(t->final_mode)));
	json_object_set_new(o, "result", json_string(irec_status_name(t->status)));
	json_object_set_new(o, "exit_code", json_integer(t->status));
	json_object_set_new(o, "message", output_text(t->message));
	json_object_set_new(o, "seconds",
	                    json_real(t->finished_ms > t->started_ms
	                                      ? (double)(t->finished_ms - t->started_ms) / 1000.0
	                                      : 0.0));
	if (t->plan.buttons[0]) {
		json_t *b = json_array();
		for (int i = 0; i < 2 && t->plan.buttons[i]; i++)
			json_array_append_new(
			        b, buttons_to_json(t->plan.buttons[i], model_for_buttons(t)));
		json_object_set_new(o, "buttons", b);
	}
	return o;
}

static void report(const struct ctx *ctx, const struct target *v, size_t n)
{
	char label[80], name[128];

	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, target_json(&v[i]));
		output_json(arr);
		json_decref(arr);
	}
	/* Failures go to stderr in both forms: diagnostics never depend on --json. */
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &v[i];
		device_label(&t->dev, label, sizeof(label));
		device_display_name(&t->dev, name, sizeof(name));
		if (t->status != IREC_OK)
			log_error("%s (%s): %s", label, name, t->message);
		else if (ctx->json)
			continue;
		else if (t->unverified)
			printf("%s  %s  %s -> %s: commands sent, not verified (--no-wait)\n", label,
			       name, mode_name(t->dev.mode), mode_name(t->spec->target));
		else
			printf("%s  %s  %s -> %s  (%.1f s)\n", label, name, mode_name(t->dev.mode),
			       mode_name(t->final_mode),
			       (double)(t->finished_ms - t->started_ms) / 1000.0);
	}
}

static void release_all(struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (v[i].thread_started)
			pthread_join(v[i].thread, NULL);
		lock_release(&v[i].lock);
	}
}

static int act(struct ctx *ctx, struct target *v, size_t n, int64_t deadline)
{
	struct event_loop *loop = NULL;
	char err[200];
	bool interactive = ctx->stdin_tty && ctx->stderr_tty;
	bool guide_taken = false;

	/* Listen before acting, so an arrival cannot slip between request and
	 * wait. Only the selected device's arrivals are probed, each for as
	 * long as the command may still wait (a slow fresh lockdownd). */
	int64_t left = deadline - events_now_ms();
	struct events_opts eo = {
	        .only = ctx->have_device ? &ctx->device : NULL,
	        .probe_timeout_ms = deadline < 0     ? 0
	                            : left > INT_MAX ? INT_MAX
	                            : left < 1       ? 1
	                                             : (int)left,
	};
	struct device *known = calloc(n ? n : 1, sizeof(*known));
	for (size_t i = 0; known && i < n; i++)
		known[eo.nknown++] = v[i].dev;
	eo.known = known;
	int r = events_start_opts(&loop, &eo, err, sizeof(err));
	free(known);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			if (!v[i].resolved)
				resolve(&v[i], IREC_EFAIL, v[i].dev.mode, "%s", err);
		return IREC_OK;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].loop = loop;
		if (!v[i].resolved)
			start_target(&v[i], interactive, ctx->stderr_escapes, &guide_taken);
	}
	wait_all(loop, v, n, deadline);
	if (!abandoned_sends)
		events_stop(loop);
	return IREC_OK;
}

/*
 * After waiting for another process's lock, the device may have changed
 * mode meanwhile: plan with what it is now, not with the first snapshot.
 */
static void refresh_after_lock_wait(const struct discover_opts *o, struct target *v, size_t n)
{
	struct device_list l = {0};
	char err[200];

	discover(&l, o, err, sizeof(err));
	for (size_t i = 0; i < n; i++) {
		struct target *t = &v[i];
		const struct device *now = NULL;
		for (size_t k = 0; k < l.n && !now; k++)
			if (l.v[k].ecid && l.v[k].ecid == t->dev.ecid)
				now = &l.v[k];
		if (t->resolved || t->dev.mode == MODE_UNKNOWN)
			continue;
		if (now)
			t->dev = *now;
		else
			resolve(t, IREC_ENODEV, MODE_UNKNOWN,
			        "no longer attached after waiting for the other process");
	}
	device_list_free(&l);
}

/*
 * What acting needs to know: with -d only the devices that may be the one
 * named are probed, and never the iBoot version. --timeout bounds the
 * snapshot too (a device that does not answer by then is a timeout).
 */
static struct discover_opts snapshot_opts(const struct ctx *ctx)
{
	struct discover_opts o = {.timeout_ms = PROBE_TIMEOUT_MS};

	if (ctx->have_timeout)
		o.timeout_ms = ctx->timeout_s * 1000 < 1 ? 1 : (int)(ctx->timeout_s * 1000);
	if (ctx->have_device)
		o.only = &ctx->device;
	return o;
}

int modechange_run(struct ctx *ctx, const struct mc_spec *spec)
{
	struct device_list l = {0};
	struct discover_opts o = snapshot_opts(ctx);
	/* --timeout counts from the start: looking and locking are part of it. */
	int64_t deadline = events_deadline_after(ctx_timeout(ctx, spec->default_timeout_s));
	struct target *v = NULL;
	size_t n = 0;
	char err[200];
	int status;

	/* An old-form UDID has no ECID in it: the one lockdownd gave last time. */
	if (ctx->have_device && ctx->device.kind == DEVID_UDID && !ctx->device.has_ecid)
		ctx->device.has_ecid = lock_recall_udid(ctx->device.udid, &ctx->device.ecid);
	discover(&l, &o, err, sizeof(err));
	status = select_targets(ctx, spec, &l, &v, &n);
	device_list_free(&l);
	if (status != IREC_OK) {
		free(v);
		return status;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].spec = spec;
		v[i].started_ms = events_now_ms();
	}
	lock_targets(v, n);
	for (size_t i = 0; i < n; i++)
		if (v[i].lock.fd >= 0 && v[i].dev.mode == MODE_NORMAL)
			lock_remember_udid(v[i].dev.udid, v[i].dev.ecid);
	if (spec->lock_timeout_s > 0)
		refresh_after_lock_wait(&o, v, n);
	status = act(ctx, v, n, deadline);
	release_all(v, n);
	if (status == IREC_OK) {
		report(ctx, v, n);
		for (size_t i = 0; i < n; i++)
			status = irec_status_combine(status, v[i].status);
	}
	if (!abandoned_sends)
		free(v);
	else
		abandoned_targets = v; /* still in use by a send thread: kept, not lost */
	return status;
}
