/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mode-change engine: waiting for arrivals, guide steps, timeouts and interruption. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "irecctl/buttons.h"
#include "irecctl/device-ops.h"
#include "irecctl/events.h"
#include "irecctl/guide.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "irecctl/wait.h"
#include "modechange-priv.h"

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
		mc_resolve(t, IREC_OK, d->mode, "now in %s mode", mode_name(d->mode));
	} else if (spec->target == MODE_NORMAL && d->mode == MODE_RECOVERY) {
		char autoboot[64], build[96];
		ops_iboot_getenv(d, "auto-boot", autoboot, sizeof(autoboot));
		ops_iboot_getenv(d, "build-version", build, sizeof(build));
		mc_resolve(t, IREC_ELOOP, d->mode,
		           "came back in recovery mode (auto-boot=%s, iBoot %s): the OS does not "
		           "boot; " BUTTONS_LOOP_ADVICE,
		           autoboot[0] ? autoboot : "?", build[0] ? build : "?");
	} else {
		mc_resolve(t, IREC_EOTHERMODE, d->mode, "arrived in %s mode instead of %s",
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
			mc_resolve(&v[i], st, v[i].dev.mode, "%s", err);
	}
}

/*
 * Set when a send thread was left running (Ctrl-C, timeout): it may still
 * write to its target and wake the loop, so neither is freed. The process
 * exits right after.
 */
static bool abandoned_sends;

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
			mc_resolve(&v[i], IREC_EINTR, v[i].dev.mode, "interrupted");
	}
}

/* Why a timeout may be irecctl's blindness rather than the device's: an
 * absent usbmuxd is waited for (it starts on demand), but may never come. */
static const char *unseen_why(const struct target *t)
{
	static char why[300];

	if (!mc_seen_through_mux(t->spec->target))
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

/* A device that never left: was its request ever answered? */
static const char *unanswered_why(const struct target *t)
{
	static char why[260];

	if (t->departed)
		return "";
	if (t->thread_started && !__atomic_load_n(&t->send_done, __ATOMIC_ACQUIRE))
		snprintf(why, sizeof(why), " and the request got no answer from %s",
		         t->dev.mode == MODE_NORMAL ? "lockdownd" : "the device");
	else if (t->send_done && t->send_status == IREC_OK && t->send_error[0])
		snprintf(why, sizeof(why), " and %s", t->send_error);
	else
		return "";
	return why;
}

static void time_out_all(struct target *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct target *t = &v[i];
		if (t->resolved || !t->waiting) {
			abandon_send(t);
			continue;
		}
		const char *unanswered = unanswered_why(t);
		abandon_send(t);
		mc_resolve(t, IREC_ETIMEOUT, t->departed ? MODE_UNKNOWN : t->dev.mode,
		           "did not arrive in %s mode in time%s%s%s", mode_name(t->spec->target),
		           t->departed ? " (it left its old mode)" : "", unanswered, unseen_why(t));
	}
}

/* Until every target is resolved: sends finishing, arrivals, guide steps. */
void mc_wait_all(struct event_loop *loop, struct target *v, size_t n, int64_t deadline)
{
	struct event ev;

	for (;;) {
		mc_collect_sends(v, n);
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

bool mc_sends_abandoned(void)
{
	return abandoned_sends;
}
