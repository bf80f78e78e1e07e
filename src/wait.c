/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wait_for(): one device, followed through its attachments in both worlds
 * (a mode change is a departure from one and an arrival in the other, and
 * the two libraries may report them in either order), until it is where
 * the caller wants it. See wait.h for the rules.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "irecctl/wait.h"

/* --- presence ------------------------------------------------------------- */

static ssize_t presence_index(const struct presence *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].key, key))
			return (ssize_t)i;
	return -1;
}

static void presence_remove_at(struct presence *p, size_t i)
{
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(p->v[0]));
	p->n--;
}

static bool presence_append(struct presence *p, const char *key, const struct device *d)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		struct presence_entry *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return false;
		p->v = v;
		p->cap = cap;
	}
	snprintf(p->v[p->n].key, sizeof(p->v[p->n].key), "%s", key);
	p->v[p->n].dev = *d;
	p->n++;
	return true;
}

bool presence_init(struct presence *p, const struct device_list *snapshot)
{
	char key[EVENT_KEY_MAX];

	memset(p, 0, sizeof(*p));
	for (size_t i = 0; snapshot && i < snapshot->n; i++) {
		event_key_for_device(&snapshot->v[i], key);
		if (!presence_append(p, key, &snapshot->v[i]))
			return false;
	}
	return true;
}

bool presence_apply(struct presence *p, const struct event *ev)
{
	ssize_t i = presence_index(p, ev->key);

	if (ev->kind == EVENT_REMOVE) {
		if (i < 0)
			return false;
		presence_remove_at(p, (size_t)i);
		return true;
	}
	if (i >= 0) {
		if (p->v[i].dev.mode == ev->dev.mode)
			return false; /* announced again, or already in the snapshot */
		/* Same place, another mode: the departure was lost. Newest last. */
		presence_remove_at(p, (size_t)i);
	}
	return presence_append(p, ev->key, &ev->dev);
}

void presence_free(struct presence *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* --- modes ---------------------------------------------------------------------- */

bool wait_list_items_nonempty(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* strtok_r() skips empty items: "normal,,dfu" must not read as "normal,dfu". */
	return n > 0 && s[0] != ',' && s[n - 1] != ',' && !strstr(s, ",,");
}

bool wait_parse_modes(const char *s, unsigned *modes)
{
	char buf[128], *save = NULL;
	enum dev_mode m;

	if (!wait_list_items_nonempty(s) || strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	*modes = 0;
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcasecmp(tok, "any") || !strcasecmp(tok, "all"))
			*modes |= WAIT_MODES_ALL;
		else if (mode_parse(tok, &m))
			*modes |= WAIT_MODE(m);
		else
			return false;
	}
	return *modes != 0;
}

/* --- the target --------------------------------------------------------------------- */

struct target {
	const struct wait_request *req;
	bool known;    /* picked: from the snapshot or its first arrival */
	uint64_t ecid; /* learned, so a UDID selection follows it into recovery */
	char udid[65];
	struct presence where; /* its attachments: usually one */
};

static void learn(struct target *t, const struct device *d)
{
	t->known = true;
	if (d->ecid)
		t->ecid = d->ecid;
	if (d->udid[0])
		snprintf(t->udid, sizeof(t->udid), "%s", d->udid);
}

static bool is_target(const struct target *t, const struct event *ev)
{
	const struct device *d = &ev->dev;

	if (!t->known) {
		if (t->req->id)
			return devid_matches(t->req->id, d->ecid, d->udid, d->usb_location);
		return ev->kind == EVENT_ADD; /* no -d: the first to arrive */
	}
	if (t->ecid && d->ecid == t->ecid)
		return true;
	if (t->udid[0] && d->udid[0] && !strcasecmp(t->udid, d->udid))
		return true;
	/* A port names whatever is plugged there: once known, the device is
	 * followed by its identity, not by the port. */
	if (t->req->id && t->req->id->kind != DEVID_USB &&
	    devid_matches(t->req->id, d->ecid, d->udid, d->usb_location))
		return true;
	/* A departure reported with less than we knew: the attachment says it.
	 * Not an arrival with another ECID at the same port: another device. */
	if (ev->kind == EVENT_ADD && d->ecid && t->ecid && d->ecid != t->ecid)
		return false;
	return presence_index(&t->where, ev->key) >= 0;
}

static bool wants(const struct wait_request *r, enum dev_mode m)
{
	return (r->modes & WAIT_MODE(m)) != 0;
}

/* The snapshot may not outlast the wait's own deadline. */
static int snapshot_budget_ms(const struct wait_request *r)
{
	if (r->deadline_ms < 0)
		return PROBE_TIMEOUT_MS;
	int64_t left = r->deadline_ms - events_now_ms();
	if (left < 1)
		left = 1;
	return left < PROBE_TIMEOUT_MS ? (int)left : PROBE_TIMEOUT_MS;
}

static int snapshot(const struct wait_request *r, struct device_list *l, char *err, size_t len)
{
	if (r->snapshot)
		return r->snapshot(l, r->snapshot_data, err, len);
	return discover_all(l, snapshot_budget_ms(r), err, len);
}

/* Pick the device from the snapshot: WAIT_AMBIGUOUS, or -1 to go on. */
static int pick(struct target *t, const struct device_list *l, struct wait_outcome *out)
{
	const struct device *match = NULL;

	for (size_t i = 0; i < l->n; i++) {
		const struct device *d = &l->v[i];
		if (t->req->id && !devid_matches(t->req->id, d->ecid, d->udid, d->usb_location))
			continue;
		out->candidates++;
		match = d;
	}
	if (out->candidates > 1)
		return WAIT_AMBIGUOUS;
	if (match) {
		char key[EVENT_KEY_MAX];
		learn(t, match);
		event_key_for_device(match, key);
		if (!presence_append(&t->where, key, match))
			return WAIT_ERROR;
		out->dev = *match;
		out->found = out->attached = out->attached_at_start = true;
		out->start_mode = match->mode;
	}
	return -1;
}

static int check_start(const struct wait_request *r, const struct wait_outcome *out)
{
	if (out->attached && wants(r, out->dev.mode))
		return WAIT_REACHED;
	if (!out->attached && r->gone)
		return WAIT_REACHED;
	return -1;
}

/* The identity a caller can print for a device never seen. */
static void fill_from_id(const struct devid *id, struct device *d)
{
	if (!id)
		return;
	if (id->has_ecid)
		d->ecid = id->ecid;
	if (id->kind == DEVID_UDID)
		snprintf(d->udid, sizeof(d->udid), "%s", id->udid);
	if (id->kind == DEVID_USB)
		snprintf(d->usb_location, sizeof(d->usb_location), "%s", id->usb);
}

/* One event of the target that changed something: the verdict, or -1. */
static int judge(struct target *t, const struct event *ev, enum dev_mode before, bool was_attached,
                 struct wait_outcome *out)
{
	const struct wait_request *r = t->req;
	bool arrival = false, departure = false;

	out->attached = t->where.n > 0;
	if (ev->kind == EVENT_ADD) {
		out->dev = ev->dev;
		out->found = true;
		arrival = !was_attached || ev->dev.mode != before;
	} else if (!out->attached) {
		out->dev = ev->dev;
		departure = true;
		out->departures++;
	} else {
		/* One of two attachments left (usbmuxd was late): the newer stays. */
		out->dev = t->where.v[t->where.n - 1].dev;
	}
	if (arrival) {
		if (out->nseen < WAIT_SEEN_MAX)
			out->seen[out->nseen] = ev->dev.mode;
		out->nseen++;
	}
	if ((arrival || departure) && r->on_change)
		r->on_change(ev, r->hook_data);
	if (arrival && wants(r, ev->dev.mode))
		return WAIT_REACHED;
	if ((arrival || departure) && r->any_change)
		return WAIT_REACHED;
	if (departure && r->gone)
		return WAIT_REACHED;
	if (departure && r->departure_ends)
		return WAIT_VANISHED;
	if (arrival && r->other_mode_ends && ev->dev.mode != MODE_UNKNOWN &&
	    !((r->modes | r->through) & WAIT_MODE(ev->dev.mode)))
		return WAIT_OTHER_MODE;
	return -1;
}

static int consume(struct target *t, struct event_loop *loop, uint64_t seq0,
                   struct wait_outcome *out)
{
	struct event ev;

	for (;;) {
		switch (events_next(loop, &ev, t->req->deadline_ms)) {
		case EVENTS_TIMEOUT:
			return WAIT_TIMEOUT;
		case EVENTS_INTERRUPTED:
			out->signo = events_signal(loop);
			return WAIT_INTERRUPTED;
		case EVENTS_EVENT:
			break;
		}
		/* Queued before the snapshot: the snapshot shows its outcome. */
		if (ev.seq <= seq0 || !is_target(t, &ev))
			continue;
		bool was_attached = t->where.n > 0;
		enum dev_mode before =
		        was_attached ? t->where.v[t->where.n - 1].dev.mode : MODE_UNKNOWN;
		if (!presence_apply(&t->where, &ev))
			continue;
		if (ev.kind == EVENT_ADD)
			learn(t, &ev.dev);
		int verdict = judge(t, &ev, before, was_attached, out);
		if (verdict >= 0)
			return verdict;
	}
}

/* Normal and restore mode are seen through usbmuxd only: a wait for
 * nothing else, with usbmuxd unusable, could only ever time out. */
static bool blind(const struct wait_request *r, struct event_loop *loop, struct wait_outcome *out)
{
	const unsigned mux_modes = WAIT_MODE(MODE_NORMAL) | WAIT_MODE(MODE_RESTORE);
	const char *why = events_mux_unusable(loop);

	if (!why)
		return false;
	snprintf(out->mux_unusable, sizeof(out->mux_unusable), "%s", why);
	return !r->gone && !r->any_change && r->modes && !(r->modes & ~mux_modes);
}

static int run(const struct wait_request *r, struct event_loop *loop, struct wait_outcome *out)
{
	struct target t = {.req = r};
	struct device_list l = {0};
	uint64_t seq0 = events_seq(loop);
	int verdict;

	if (blind(r, loop, out))
		return WAIT_BLIND;
	if (snapshot(r, &l, out->error, sizeof(out->error)) < 0) {
		device_list_free(&l);
		return WAIT_ERROR;
	}
	/* Ctrl-C during the snapshot: the wait is over, whatever it found. */
	out->signo = events_check_signal(loop);
	if (out->signo) {
		device_list_free(&l);
		return WAIT_INTERRUPTED;
	}
	verdict = pick(&t, &l, out);
	device_list_free(&l);
	if (verdict < 0)
		verdict = check_start(r, out);
	if (verdict < 0 && r->on_waiting)
		r->on_waiting(out, r->hook_data);
	if (verdict < 0)
		verdict = consume(&t, loop, seq0, out);
	presence_free(&t.where);
	return verdict;
}

enum wait_result wait_for(const struct wait_request *req, struct wait_outcome *out)
{
	struct event_loop *loop = req->loop;

	memset(out, 0, sizeof(*out));
	out->dev.trusted = -1;
	out->dev.accessible = true;
	fill_from_id(req->id, &out->dev);
	/* An arrival's probe may take as long as the wait may: a freshly
	 * booted lockdownd can refuse for longer than PROBE_TIMEOUT_MS. */
	int64_t left = req->deadline_ms - events_now_ms();
	struct events_opts eo = {
	        .probe_timeout_ms = req->deadline_ms < 0      ? 0
	                            : left > INT_MAX          ? INT_MAX
	                            : left < PROBE_TIMEOUT_MS ? PROBE_TIMEOUT_MS
	                                                      : (int)left,
	};
	if (!loop && events_start_opts(&loop, &eo, out->error, sizeof(out->error)) < 0) {
		out->result = WAIT_ERROR;
		return WAIT_ERROR;
	}
	out->result = (enum wait_result)run(req, loop, out);
	if (!req->loop)
		events_stop(loop);
	return out->result;
}
