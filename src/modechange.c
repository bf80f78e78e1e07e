/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The mode-change engine's run (modechange.h): select the devices, lock
 * each, start listening, then hand over to the sending
 * (modechange-send.c), the waiting (modechange-wait.c) and the report
 * (modechange-report.c).
 */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irecctl/discovery.h"
#include "irecctl/duration.h"
#include "irecctl/events.h"
#include "irecctl/guide.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "modechange-priv.h"

void mc_resolve(struct target *t, int status, enum dev_mode mode, const char *fmt, ...)
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
		mc_resolve(&v[i], IREC_EAMBIGUOUS, v[i].dev.mode,
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
		if (ctx->have_device &&
		    !devid_matches(&ctx->device, l->v[i].ecid, l->v[i].udid, l->v[i].usb_location))
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
	if (*n == 0 && ctx->have_device && ctx->device.kind == DEVID_USB) {
		log_error(
		        "no device at USB %s in recovery, DFU, WTF, KIS or Port DFU mode (usbmuxd "
		        "does not say where normal-mode devices are plugged: select those by "
		        "UDID or ECID)",
		        ctx->device.usb);
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
		mc_resolve(t, IREC_EFAIL, t->dev.mode,
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
		mc_resolve(t, st, t->dev.mode, "%s", err);
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

/* Still in use by a send thread left running (mc_sends_abandoned()): kept. */
static struct target *abandoned_targets;

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
				mc_resolve(&v[i], IREC_EFAIL, v[i].dev.mode, "%s", err);
		return IREC_OK;
	}
	for (size_t i = 0; i < n; i++) {
		v[i].loop = loop;
		if (!v[i].resolved)
			mc_start_target(&v[i], interactive, ctx->stderr_escapes, &guide_taken);
	}
	mc_wait_all(loop, v, n, deadline);
	if (!mc_sends_abandoned())
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
			mc_resolve(t, IREC_ENODEV, MODE_UNKNOWN,
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
		mc_report(ctx, v, n);
		for (size_t i = 0; i < n; i++)
			status = irec_status_combine(status, v[i].status);
	}
	if (!mc_sends_abandoned())
		free(v);
	else
		abandoned_targets = v; /* still in use by a send thread: kept, not lost */
	return status;
}
