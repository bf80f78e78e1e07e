/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop's entries and queue: references to attachments and the
 * loop, the queue of finished events, the order rules (ADD before REMOVE
 * of one attachment, attachments at one key in arrival order) and giving
 * up on slow probes. events.c has the consumer, signals, start and stop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irecctl/duration.h"
#include "irecctl/log.h"
#include "events-priv.h"

/* Far more than a host's devices can produce before anyone reads them; the
 * cap only guards against a consumer that stopped reading. */
#define QUEUE_MAX 4096

/* --- references -------------------------------------------------------- */

static void loop_free(struct event_loop *l)
{
	struct ev_entry *e = l->entries;

	while (e) {
		struct ev_entry *next = e->next;
		ev_entry_unref(e);
		e = next;
	}
	ev_reap(l);
	ev_usb_free(l);
	close(l->wake[0]);
	close(l->wake[1]);
	free(l->q);
	free(l->known);
	pthread_cond_destroy(&l->changed);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void ev_loop_ref(struct event_loop *l)
{
	pthread_mutex_lock(&l->lock);
	l->refs++;
	pthread_mutex_unlock(&l->lock);
}

void ev_loop_unref(struct event_loop *l)
{
	pthread_mutex_lock(&l->lock);
	bool last = --l->refs == 0;
	pthread_mutex_unlock(&l->lock);
	if (last)
		loop_free(l);
}

struct ev_entry *ev_entry_new(struct event_loop *l, enum event_source src)
{
	struct ev_entry *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->loop = l;
	e->source = src;
	e->refs = 1;
	e->prefill.trusted = -1;
	e->prefill.accessible = true;
	ev_stamp(&e->arrived_ms, &e->arrived_wall);
	e->probe_deadline_ms = e->arrived_ms + l->probe_timeout_ms;
	return e;
}

/* Entry reference counts are guarded by the loop lock. */
void ev_entry_ref(struct ev_entry *e)
{
	pthread_mutex_lock(&e->loop->lock);
	e->refs++;
	pthread_mutex_unlock(&e->loop->lock);
}

static bool entry_unref_locked(struct ev_entry *e)
{
	return --e->refs == 0;
}

static void entry_free(struct ev_entry *e)
{
	if (e->usb)
		libusb_unref_device(e->usb);
	free(e);
}

/*
 * Entries are freed outside the loop lock: libusb_unref_device() takes
 * libusb's locks, which libusb may hold while it calls our hotplug
 * callback, which takes the loop lock.
 */
void ev_reap(struct event_loop *l)
{
	pthread_mutex_lock(&l->lock);
	struct ev_entry *e = l->dead;
	l->dead = NULL;
	pthread_mutex_unlock(&l->lock);
	while (e) {
		struct ev_entry *next = e->next;
		entry_free(e);
		e = next;
	}
}

void ev_entry_unref(struct ev_entry *e)
{
	pthread_mutex_lock(&e->loop->lock);
	bool last = entry_unref_locked(e);
	pthread_mutex_unlock(&e->loop->lock);
	if (last)
		entry_free(e);
}

/* --- the queue ------------------------------------------------------------ */

static void wake_reader(struct event_loop *l)
{
	char b = 0;

	/* Non-blocking: a full pipe already says "look at the queue". */
	if (write(l->wake[1], &b, 1) < 0 && errno != EAGAIN)
		log_debug("event wake-up: %s", strerror(errno));
}

static bool queue_grow(struct event_loop *l)
{
	size_t cap = l->q_cap ? l->q_cap * 2 : 16;
	struct event *q;

	if (cap > QUEUE_MAX)
		return false;
	q = calloc(cap, sizeof(*q));
	if (!q)
		return false;
	for (size_t i = 0; i < l->q_len; i++)
		q[i] = l->q[(l->q_head + i) % l->q_cap];
	free(l->q);
	l->q = q;
	l->q_cap = cap;
	l->q_head = 0;
	return true;
}

void ev_push_locked(struct event_loop *l, const struct event *ev)
{
	if (l->q_len == l->q_cap && !queue_grow(l)) {
		if (l->q_cap == 0)
			return; /* no memory for even the first slot: drop it */
		if (!l->overflow_warned)
			log_warn("device events come faster than they are read: dropping old ones");
		l->overflow_warned = true;
		l->q_head = (l->q_head + 1) % l->q_cap;
		l->q_len--;
	}
	struct event *slot = &l->q[(l->q_head + l->q_len) % l->q_cap];
	*slot = *ev;
	slot->seq = ++l->seq;
	l->q_len++;
	wake_reader(l);
}

bool ev_pop_locked(struct event_loop *l, struct event *ev)
{
	if (!l->q_len)
		return false;
	*ev = l->q[l->q_head];
	l->q_head = (l->q_head + 1) % l->q_cap;
	l->q_len--;
	return true;
}

static void push_entry_event(struct event_loop *l, const struct ev_entry *e, enum event_kind kind)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.source = e->source;
	memcpy(ev.key, e->key, sizeof(ev.key));
	ev.dev = e->dev;
	ev.time_ms = kind == EVENT_ADD ? e->arrived_ms : e->left_ms;
	ev.wall = kind == EVENT_ADD ? e->arrived_wall : e->left_wall;
	ev_push_locked(l, &ev);
}

/* --- ordering --------------------------------------------------------------- */

/* A USB location can be reused at once (recovery -> DFU at the same port):
 * the newer attachment's ADD must not overtake the older one's REMOVE. */
static bool blocked_by_earlier(const struct event_loop *l, const struct ev_entry *e)
{
	for (const struct ev_entry *x = l->entries; x && x != e; x = x->next)
		if (!x->probed && !strcmp(x->key, e->key))
			return true;
	return false;
}

/* Queue every event that became ready; drop entries that are finished. */
static void flush_locked(struct event_loop *l)
{
	struct ev_entry **link = &l->entries;

	while (*link) {
		struct ev_entry *e = *link;
		bool done = false;

		if (e->probed && !blocked_by_earlier(l, e)) {
			if (e->valid && !e->add_sent && !l->stopping) {
				push_entry_event(l, e, EVENT_ADD);
				e->add_sent = true;
			}
			if (e->left) {
				if (e->add_sent && !l->stopping)
					push_entry_event(l, e, EVENT_REMOVE);
				done = true;
			}
		}
		if (done) {
			*link = e->next;
			/* Freed later, outside the lock: see ev_reap(). */
			if (entry_unref_locked(e)) {
				e->next = l->dead;
				l->dead = e;
			}
		} else {
			link = &e->next;
		}
	}
}

void ev_entry_attach(struct ev_entry *e)
{
	struct event_loop *l = e->loop;
	struct ev_entry **link;

	pthread_mutex_lock(&l->lock);
	for (link = &l->entries; *link; link = &(*link)->next)
		;
	*link = e;
	/* Its probe deadline may come before the reader's current wake-up. */
	wake_reader(l);
	pthread_mutex_unlock(&l->lock);
}

void ev_probe_done(struct ev_entry *e, const struct device *d, bool valid)
{
	struct event_loop *l = e->loop;

	pthread_mutex_lock(&l->lock);
	/* probed already: we gave up on it and reported the prefill */
	if (!e->probed) {
		e->dev = *d;
		e->valid = valid;
		e->probed = true;
		flush_locked(l);
	}
	pthread_mutex_unlock(&l->lock);
	ev_reap(l);
}

bool ev_wait_until(struct ev_entry *e, int64_t when_ms)
{
	struct event_loop *l = e->loop;
	struct timespec ts = {(time_t)(when_ms / 1000), (long)(when_ms % 1000) * 1000000L};
	bool still;

	pthread_mutex_lock(&l->lock);
	while (!e->left && !l->stopping && events_now_ms() < when_ms)
		if (pthread_cond_timedwait(&l->changed, &l->lock, &ts) == ETIMEDOUT)
			break;
	still = !e->left && !l->stopping;
	pthread_mutex_unlock(&l->lock);
	return still;
}

bool ev_mark_left(struct event_loop *l, bool (*match)(const struct ev_entry *, const void *),
                  const void *data)
{
	bool found = false;

	pthread_mutex_lock(&l->lock);
	for (struct ev_entry *e = l->entries; e; e = e->next) {
		if (!e->left && match(e, data)) {
			e->left = true;
			ev_stamp(&e->left_ms, &e->left_wall);
			found = true;
			break;
		}
	}
	if (found) {
		flush_locked(l);
		pthread_cond_broadcast(&l->changed);
	}
	pthread_mutex_unlock(&l->lock);
	ev_reap(l);
	return found;
}

bool ev_is_attached(struct event_loop *l, bool (*match)(const struct ev_entry *, const void *),
                    const void *data)
{
	bool found = false;

	pthread_mutex_lock(&l->lock);
	for (struct ev_entry *e = l->entries; e && !found; e = e->next)
		found = !e->left && match(e, data);
	pthread_mutex_unlock(&l->lock);
	return found;
}

/*
 * A probe that has not answered by its deadline (a hung lockdownd) is
 * reported with what we knew without asking, so one stuck device neither
 * hides itself nor, by the ordering rule, the devices behind it.
 * Returns the earliest deadline still pending, or -1.
 */
int64_t ev_expire_probes_locked(struct event_loop *l, int64_t now)
{
	int64_t next = -1;
	bool changed = false;
	char secs[SECONDS_TEXT_MAX];

	for (struct ev_entry *e = l->entries; e; e = e->next) {
		if (e->probed)
			continue;
		if (e->probe_deadline_ms <= now) {
			e->dev = e->prefill;
			e->dev.accessible = false;
			e->dev.timed_out = true;
			snprintf(e->dev.error, sizeof(e->dev.error), "no answer within %s s",
			         seconds_text(l->probe_timeout_ms / 1000.0, secs));
			e->valid = true;
			e->probed = true;
			changed = true;
		} else if (next < 0 || e->probe_deadline_ms < next) {
			next = e->probe_deadline_ms;
		}
	}
	if (changed)
		flush_locked(l);
	return next;
}
