/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wait_for() and the event loop's core, without devices: a loop with no
 * sources, a made-up snapshot, and events injected as the libraries
 * would report them (including their duplicates and their disorder).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/discovery.h"
#include "irecctl/wait.h"
#include "events-priv.h"

#define ECID_1 0x000a1b2c3d4e0001ULL
#define ECID_2 0x000a1b2c3d4e0002ULL

static struct device make(enum dev_mode mode, uint64_t ecid, unsigned mux_id, const char *loc)
{
	struct device d;

	memset(&d, 0, sizeof(d));
	d.mode = mode;
	d.ecid = ecid;
	d.mux_id = mux_id;
	d.trusted = -1;
	d.accessible = true;
	snprintf(d.usb_location, sizeof(d.usb_location), "%s", loc ? loc : "");
	return d;
}

static void inject(struct event_loop *l, enum event_kind kind, const struct device *d)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.source = EVENT_SRC_TEST;
	ev.dev = *d;
	event_key_for_device(d, ev.key);
	ev.time_ms = events_now_ms();
	events_inject(l, &ev);
}

/* The snapshot: a list the test sets. */
struct world {
	struct device_list now;
	struct event_loop *loop;
};

static int fake_snapshot(struct device_list *out, void *data, char *err, size_t errlen)
{
	struct world *w = data;

	(void)err;
	(void)errlen;
	for (size_t i = 0; i < w->now.n; i++)
		*device_list_add(out) = w->now.v[i];
	return 0;
}

struct fixture {
	struct world w;
	struct wait_request req;
	struct devid id;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	if (events_start(&f.w.loop, EVENTS_NO_USB | EVENTS_NO_MUX | EVENTS_NO_SIGNALS, NULL, 0) < 0)
		return -1;
	f.req.loop = f.w.loop;
	f.req.snapshot = fake_snapshot;
	f.req.snapshot_data = &f.w;
	f.req.deadline_ms = events_deadline_after(2.0);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	events_stop(f->w.loop);
	device_list_free(&f->w.now);
	return 0;
}

static void attach(struct fixture *f, struct device d)
{
	*device_list_add(&f->w.now) = d;
}

static void select_ecid(struct fixture *f, uint64_t ecid)
{
	f->id.kind = DEVID_ECID;
	f->id.ecid = ecid;
	f->id.has_ecid = true;
	f->req.id = &f->id;
}

static void test_already_there(void **state)
{
	struct fixture *f = *state;
	struct wait_outcome o;

	attach(f, make(MODE_RECOVERY, ECID_1, 0, "1-1"));
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	assert_int_equal(wait_for(&f->req, &o), WAIT_REACHED);
	assert_true(o.attached_at_start);
	assert_int_equal(o.nseen, 0);
	assert_true(o.dev.ecid == ECID_1);
}

/* Snapshot-time injection of a sequence of events. */
struct script {
	struct event_loop *loop;
	struct device_list now;
	const struct event *events;
	size_t n;
};

static int script_snapshot(struct device_list *out, void *data, char *err, size_t errlen)
{
	struct script *s = data;

	(void)err;
	(void)errlen;
	for (size_t i = 0; i < s->now.n; i++)
		*device_list_add(out) = s->now.v[i];
	for (size_t i = 0; i < s->n; i++)
		events_inject(s->loop, &s->events[i]);
	return 0;
}

static struct event ev_of(enum event_kind kind, struct device d)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.source = EVENT_SRC_TEST;
	ev.dev = d;
	event_key_for_device(&d, ev.key);
	return ev;
}

static enum wait_result run_script(struct fixture *f, const struct device *start, size_t nstart,
                                   const struct event *evs, size_t n, struct wait_outcome *o)
{
	struct script s = {.loop = f->w.loop, .events = evs, .n = n};

	for (size_t i = 0; i < nstart; i++)
		*device_list_add(&s.now) = start[i];
	f->req.snapshot = script_snapshot;
	f->req.snapshot_data = &s;
	enum wait_result r = wait_for(&f->req, o);
	device_list_free(&s.now);
	return r;
}

/* Queued before wait_for's snapshot: the snapshot already shows their
 * outcome, so they are neither arrivals nor "reached". */
static void test_stale_events_dropped(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct wait_outcome o;

	inject(f->w.loop, EVENT_ADD, &normal);
	inject(f->w.loop, EVENT_REMOVE, &normal);
	inject(f->w.loop, EVENT_ADD, &rec);
	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_NORMAL);
	f->req.other_mode_ends = true;
	f->req.deadline_ms = events_deadline_after(0.2);
	assert_int_equal(run_script(f, &rec, 1, NULL, 0, &o), WAIT_TIMEOUT);
	assert_int_equal(o.nseen, 0);
	assert_int_equal(o.dev.mode, MODE_RECOVERY);
}

static void test_normal_to_recovery(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	/* usbmuxd first announces what the snapshot already shows */
	struct event evs[] = {ev_of(EVENT_ADD, normal), ev_of(EVENT_REMOVE, normal),
	                      ev_of(EVENT_ADD, rec)};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	f->req.other_mode_ends = true;
	assert_int_equal(run_script(f, &normal, 1, evs, 3, &o), WAIT_REACHED);
	assert_true(o.attached_at_start);
	assert_int_equal(o.start_mode, MODE_NORMAL);
	assert_int_equal(o.dev.mode, MODE_RECOVERY);
	assert_int_equal(o.nseen, 1);
	assert_int_equal(o.seen[0], MODE_RECOVERY);
	assert_int_equal(o.departures, 1);
}

static void test_recovery_loop_is_other_mode(void **state)
{
	struct fixture *f = *state;
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct event evs[] = {ev_of(EVENT_REMOVE, rec), ev_of(EVENT_ADD, rec)};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_NORMAL);
	f->req.other_mode_ends = true;
	assert_int_equal(run_script(f, &rec, 1, evs, 2, &o), WAIT_OTHER_MODE);
	assert_int_equal(o.dev.mode, MODE_RECOVERY);
	assert_int_equal(o.departures, 1);
	assert_int_equal(o.nseen, 1);
}

static void test_through_modes(void **state)
{
	struct fixture *f = *state;
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct device restore = make(MODE_RESTORE, ECID_1, 3, NULL);
	struct device normal = make(MODE_NORMAL, ECID_1, 4, NULL);
	struct event evs[] = {
	        ev_of(EVENT_REMOVE, rec),     ev_of(EVENT_ADD, restore),
	        ev_of(EVENT_ADD, restore), /* announced twice */
	        ev_of(EVENT_REMOVE, restore), ev_of(EVENT_ADD, normal),
	};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_NORMAL);
	f->req.through = WAIT_MODE(MODE_RESTORE);
	f->req.other_mode_ends = true;
	assert_int_equal(run_script(f, &rec, 1, evs, 5, &o), WAIT_REACHED);
	assert_int_equal(o.nseen, 2);
	assert_int_equal(o.seen[0], MODE_RESTORE);
	assert_int_equal(o.seen[1], MODE_NORMAL);
	assert_int_equal(o.departures, 2);
	assert_true(o.dev.mux_id == 4);
}

static void test_timeout(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct event dup = ev_of(EVENT_ADD, normal);
	struct wait_outcome o;
	int64_t t0 = events_now_ms();

	select_ecid(f, ECID_1);
	f->req.any_change = true; /* a duplicate is no change */
	f->req.deadline_ms = events_deadline_after(0.2);
	assert_int_equal(run_script(f, &normal, 1, &dup, 1, &o), WAIT_TIMEOUT);
	assert_true(events_now_ms() - t0 >= 195);
	assert_true(o.found);
	assert_true(o.attached);
}

static void test_waits_for_absent_device(void **state)
{
	struct fixture *f = *state;
	struct device other = make(MODE_RECOVERY, ECID_2, 0, "1-2");
	struct device mine = make(MODE_DFU, ECID_1, 0, "1-1");
	struct event evs[] = {ev_of(EVENT_ADD, other), ev_of(EVENT_ADD, mine)};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_DFU);
	f->req.other_mode_ends = true;
	assert_int_equal(run_script(f, NULL, 0, evs, 2, &o), WAIT_REACHED);
	assert_false(o.attached_at_start);
	assert_true(o.dev.ecid == ECID_1);
}

static void test_never_seen(void **state)
{
	struct fixture *f = *state;
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_NORMAL);
	f->req.deadline_ms = events_deadline_after(0.05);
	assert_int_equal(run_script(f, NULL, 0, NULL, 0, &o), WAIT_TIMEOUT);
	assert_false(o.found);
	assert_true(o.dev.ecid == ECID_1); /* from -d, for messages */
}

static void test_gone(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	/* libusb reports the recovery device before usbmuxd drops the normal one */
	struct event evs[] = {ev_of(EVENT_ADD, rec), ev_of(EVENT_REMOVE, normal),
	                      ev_of(EVENT_REMOVE, rec)};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.gone = true;
	assert_int_equal(run_script(f, &normal, 1, evs, 3, &o), WAIT_REACHED);
	assert_false(o.attached);
	assert_int_equal(o.departures, 1);
	assert_int_equal(o.dev.mode, MODE_RECOVERY);
}

static void test_gone_already(void **state)
{
	struct fixture *f = *state;
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.gone = true;
	assert_int_equal(run_script(f, NULL, 0, NULL, 0, &o), WAIT_REACHED);
	assert_false(o.attached);
}

static void test_out_of_order_arrival_counts(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct event evs[] = {ev_of(EVENT_ADD, rec), ev_of(EVENT_REMOVE, normal)};
	struct wait_outcome o;

	select_ecid(f, ECID_1);
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	assert_int_equal(run_script(f, &normal, 1, evs, 2, &o), WAIT_REACHED);
	assert_int_equal(o.dev.mode, MODE_RECOVERY);
}

static void test_ambiguous(void **state)
{
	struct fixture *f = *state;
	struct device two[] = {make(MODE_NORMAL, ECID_1, 7, NULL),
	                       make(MODE_RECOVERY, ECID_2, 0, "1-2")};
	struct wait_outcome o;

	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	assert_int_equal(run_script(f, two, 2, NULL, 0, &o), WAIT_AMBIGUOUS);
	assert_int_equal(o.candidates, 2);
}

static void test_first_arrival_without_id(void **state)
{
	struct fixture *f = *state;
	struct device a = make(MODE_NORMAL, ECID_2, 9, NULL);
	struct device b = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct event evs[] = {ev_of(EVENT_REMOVE, b), ev_of(EVENT_ADD, a), ev_of(EVENT_ADD, b)};
	struct wait_outcome o;

	/* the first to arrive is adopted; another device's later arrival is not it */
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	f->req.other_mode_ends = true;
	assert_int_equal(run_script(f, NULL, 0, evs, 3, &o), WAIT_OTHER_MODE);
	assert_true(o.dev.ecid == ECID_2);
}

static void test_udid_selection_follows_ecid(void **state)
{
	struct fixture *f = *state;
	struct device normal = make(MODE_NORMAL, ECID_1, 7, NULL);
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct event evs[] = {ev_of(EVENT_REMOVE, normal), ev_of(EVENT_ADD, rec)};
	struct wait_outcome o;

	snprintf(normal.udid, sizeof(normal.udid), "1f12c2c504615118f6e6f3193380db983d1d94f4");
	evs[0] = ev_of(EVENT_REMOVE, normal);
	f->id.kind = DEVID_UDID;
	snprintf(f->id.udid, sizeof(f->id.udid), "%s", normal.udid);
	f->req.id = &f->id;
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	assert_int_equal(run_script(f, &normal, 1, evs, 2, &o), WAIT_REACHED);
	assert_true(o.dev.ecid == ECID_1);
}

static void test_interrupted(void **state)
{
	struct fixture *f = *state;
	struct event_loop *l;
	struct wait_outcome o;
	struct sigaction sa;
	char err[128];

	assert_int_equal(events_start(&l, EVENTS_NO_USB | EVENTS_NO_MUX, err, sizeof(err)), 0);
	f->req.loop = l;
	f->req.modes = WAIT_MODE(MODE_RECOVERY);
	raise(SIGINT);
	assert_int_equal(run_script(f, NULL, 0, NULL, 0, &o), WAIT_INTERRUPTED);
	assert_int_equal(o.signo, SIGINT);
	events_stop(l);
	sigaction(SIGINT, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL); /* restored */
}

/* --- the loop's core: ordering and slow probes ------------------------------ */

static bool match_ptr(const struct ev_entry *e, const void *data)
{
	return e == data;
}

static struct ev_entry *entry(struct event_loop *l, const char *key, struct device prefill)
{
	struct ev_entry *e = ev_entry_new(l, EVENT_SRC_TEST);

	assert_non_null(e);
	snprintf(e->key, sizeof(e->key), "%s", key);
	e->prefill = prefill;
	ev_entry_attach(e);
	return e;
}

static void expect_event(struct event_loop *l, enum event_kind kind, enum dev_mode mode)
{
	struct event ev;

	assert_int_equal(events_next(l, &ev, events_deadline_after(1.0)), EVENTS_EVENT);
	assert_int_equal(ev.kind, kind);
	assert_int_equal(ev.dev.mode, mode);
}

static void expect_nothing(struct event_loop *l)
{
	struct event ev;

	assert_int_equal(events_next(l, &ev, events_deadline_after(0.05)), EVENTS_TIMEOUT);
}

/* Recovery -> DFU at the same port: DFU's probe finishes first, yet the
 * recovery device's ADD and REMOVE come before it; no REMOVE before ADD. */
static void test_order_per_key(void **state)
{
	struct fixture *f = *state;
	struct event_loop *l = f->w.loop;
	struct device rec = make(MODE_RECOVERY, ECID_1, 0, "1-1");
	struct device dfu = make(MODE_DFU, ECID_1, 0, "1-1");
	struct ev_entry *a = entry(l, "usb:1-1", rec);

	assert_true(ev_is_attached(l, match_ptr, a));
	assert_true(ev_mark_left(l, match_ptr, a));
	assert_false(ev_is_attached(l, match_ptr, a));
	struct ev_entry *b = entry(l, "usb:1-1", dfu);
	ev_probe_done(b, &dfu, true);
	expect_nothing(l);
	ev_probe_done(a, &rec, true);
	expect_event(l, EVENT_ADD, MODE_RECOVERY);
	expect_event(l, EVENT_REMOVE, MODE_RECOVERY);
	expect_event(l, EVENT_ADD, MODE_DFU);
	expect_nothing(l);
}

/* A device the probe never recognised is never reported, nor its departure. */
static void test_invalid_probe_silent(void **state)
{
	struct fixture *f = *state;
	struct event_loop *l = f->w.loop;
	struct device d = make(MODE_RECOVERY, 0, 0, "1-3");
	struct ev_entry *e = entry(l, "usb:1-3", d);

	ev_probe_done(e, &d, false);
	ev_mark_left(l, match_ptr, e);
	expect_nothing(l);
}

/* A probe that hangs: reported with what was known, at its deadline. */
static void test_probe_gives_up(void **state)
{
	struct fixture *f = *state;
	struct event_loop *l = f->w.loop;
	struct device pre = make(MODE_NORMAL, ECID_2, 5, NULL);
	struct device late = pre;
	struct event ev;
	struct ev_entry *e = entry(l, "mux:5", pre);
	int64_t t0 = events_now_ms();

	e->probe_deadline_ms = t0 + 100;
	assert_int_equal(events_next(l, &ev, events_deadline_after(3.0)), EVENTS_EVENT);
	assert_true(events_now_ms() - t0 >= 95);
	assert_true(events_now_ms() - t0 < 1000);
	assert_int_equal(ev.kind, EVENT_ADD);
	assert_true(ev.dev.ecid == ECID_2);
	assert_false(ev.dev.accessible);
	assert_non_null(strstr(ev.dev.error, "no answer"));
	snprintf(late.product_type, sizeof(late.product_type), "iPhone10,1");
	ev_probe_done(e, &late, true); /* too late: already reported */
	expect_nothing(l);
	ev_mark_left(l, match_ptr, e);
	expect_event(l, EVENT_REMOVE, MODE_NORMAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_already_there, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stale_events_dropped, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_normal_to_recovery, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_recovery_loop_is_other_mode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_through_modes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_waits_for_absent_device, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_never_seen, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_gone, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_gone_already, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_out_of_order_arrival_counts, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_ambiguous, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_first_arrival_without_id, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_udid_selection_follows_ecid, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_interrupted, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_order_per_key, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_invalid_probe_silent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_probe_gives_up, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
