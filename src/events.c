/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop's core: the queue of finished events, the order rules
 * (ADD before REMOVE of one attachment, attachments at one key in arrival
 * order), giving up on slow probes, and events_next(), which sleeps in
 * ppoll() on a self-pipe and a signal pipe until something happens or
 * the deadline passes. The sources live in events-src.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "events-priv.h"

/* Far more than a host's devices can produce before anyone reads them; the
 * cap only guards against a consumer that stopped reading. */
#define QUEUE_MAX 4096

int64_t events_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t events_deadline_after(double seconds)
{
	if (seconds < 0)
		return -1;
	return events_now_ms() + (int64_t)(seconds * 1000.0 + 0.5);
}

void ev_stamp(int64_t *mono_ms, struct timespec *wall)
{
	*mono_ms = events_now_ms();
	clock_gettime(CLOCK_REALTIME, wall);
}

void event_key_for_device(const struct device *d, char key[static EVENT_KEY_MAX])
{
	if (mode_is_usb(d->mode))
		snprintf(key, EVENT_KEY_MAX, "usb:%s", d->usb_location);
	else
		snprintf(key, EVENT_KEY_MAX, "mux:%" PRIu32, d->mux_id);
}

/* --- references -------------------------------------------------------- */

static void reap(struct event_loop *l);

static void loop_free(struct event_loop *l)
{
	struct ev_entry *e = l->entries;

	while (e) {
		struct ev_entry *next = e->next;
		ev_entry_unref(e);
		e = next;
	}
	reap(l);
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
static void reap(struct event_loop *l)
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

static void push_locked(struct event_loop *l, const struct event *ev)
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

static bool pop_locked(struct event_loop *l, struct event *ev)
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
	push_locked(l, &ev);
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
			/* Freed later, outside the lock: see reap(). */
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
	reap(l);
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
	reap(l);
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
static int64_t expire_probes_locked(struct event_loop *l, int64_t now)
{
	int64_t next = -1;
	bool changed = false;

	for (struct ev_entry *e = l->entries; e; e = e->next) {
		if (e->probed)
			continue;
		if (e->probe_deadline_ms <= now) {
			e->dev = e->prefill;
			e->dev.accessible = false;
			e->dev.timed_out = true;
			snprintf(e->dev.error, sizeof(e->dev.error), "no answer within %.1f s",
			         l->probe_timeout_ms / 1000.0);
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

/* --- signals ---------------------------------------------------------------- */

/* A handler cannot find a loop: one loop at a time owns SIGINT/SIGTERM. */
static int sig_pipe[2] = {-1, -1};
static struct event_loop *sig_owner;
static pthread_mutex_t sig_mutex = PTHREAD_MUTEX_INITIALIZER;
static const int caught_signals[] = {SIGINT, SIGTERM};
static struct sigaction saved_actions[2];
static bool installed[2];

static void on_signal(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;

	int fd = __atomic_load_n(&sig_pipe[1], __ATOMIC_SEQ_CST);
	if (fd >= 0 && write(fd, &b, 1) < 0) {
		/* full: the first byte already says "interrupted" */
	}
	errno = saved;
}

static int signals_install(struct event_loop *l)
{
	struct sigaction sa;

	pthread_mutex_lock(&sig_mutex);
	if (sig_owner) {
		pthread_mutex_unlock(&sig_mutex);
		return -EBUSY;
	}
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		pthread_mutex_unlock(&sig_mutex);
		return -errno;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART: other code of the main thread must not see EINTR. */
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < 2; i++) {
		sigaction(caught_signals[i], NULL, &saved_actions[i]);
		/* Ignored at startup (nohup, a non-interactive shell's `&`): keep it so. */
		installed[i] = saved_actions[i].sa_handler != SIG_IGN;
		if (installed[i])
			sigaction(caught_signals[i], &sa, NULL);
	}
	sig_owner = l;
	pthread_mutex_unlock(&sig_mutex);
	return 0;
}

static void signals_restore(struct event_loop *l)
{
	pthread_mutex_lock(&sig_mutex);
	if (sig_owner == l) {
		for (size_t i = 0; i < 2; i++)
			if (installed[i])
				sigaction(caught_signals[i], &saved_actions[i], NULL);
		/* A handler still running elsewhere must find -1, never a reused fd. */
		int rd = sig_pipe[0], wr = sig_pipe[1];
		__atomic_store_n(&sig_pipe[1], -1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sig_pipe[0], -1, __ATOMIC_SEQ_CST);
		close(rd);
		close(wr);
		sig_owner = NULL;
	}
	pthread_mutex_unlock(&sig_mutex);
}

/* --- the consumer ------------------------------------------------------------- */

static void drain(int fd, int *last)
{
	unsigned char buf[64];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (last)
			*last = buf[n - 1];
}

/* ppoll() until something is written to either pipe, or wake_at. */
static void sleep_until(struct event_loop *l, int64_t wake_at)
{
	struct pollfd fds[2] = {{.fd = l->wake[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}};
	struct timespec ts, *tsp = NULL;

	if (sig_owner == l)
		fds[1].fd = sig_pipe[0];
	if (wake_at >= 0) {
		int64_t ms = wake_at - events_now_ms();
		if (ms < 0)
			ms = 0;
		ts.tv_sec = (time_t)(ms / 1000);
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		tsp = &ts;
	}
	if (ppoll(fds, 2, tsp, NULL) < 0 && errno != EINTR)
		log_debug("ppoll: %s", strerror(errno));
	drain(l->wake[0], NULL);
}

static void check_signal(struct event_loop *l)
{
	int signo = 0;

	if (sig_owner != l || l->signo)
		return;
	drain(sig_pipe[0], &signo);
	if (signo)
		l->signo = signo;
}

enum events_status events_next(struct event_loop *l, struct event *ev, int64_t deadline_ms)
{
	for (;;) {
		int64_t now = events_now_ms(), wake_at = deadline_ms;

		check_signal(l);
		if (l->signo)
			return EVENTS_INTERRUPTED;
		pthread_mutex_lock(&l->lock);
		int64_t probe_at = expire_probes_locked(l, now);
		bool got = pop_locked(l, ev);
		pthread_mutex_unlock(&l->lock);
		reap(l);
		if (got)
			return EVENTS_EVENT;
		if (deadline_ms >= 0 && now >= deadline_ms)
			return EVENTS_TIMEOUT;
		if (probe_at >= 0 && (wake_at < 0 || probe_at < wake_at))
			wake_at = probe_at;
		sleep_until(l, wake_at);
	}
}

uint64_t events_seq(struct event_loop *l)
{
	pthread_mutex_lock(&l->lock);
	uint64_t seq = l->seq;
	pthread_mutex_unlock(&l->lock);
	return seq;
}

int events_signal(struct event_loop *l)
{
	return l ? l->signo : 0;
}

int events_check_signal(struct event_loop *l)
{
	if (!l)
		return 0;
	check_signal(l);
	return l->signo;
}

void events_inject(struct event_loop *l, const struct event *ev)
{
	pthread_mutex_lock(&l->lock);
	push_locked(l, ev);
	pthread_mutex_unlock(&l->lock);
}

/* --- start and stop ------------------------------------------------------------ */

static struct event_loop *loop_new(unsigned flags)
{
	struct event_loop *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	if (pipe2(l->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->changed, &ca);
	pthread_condattr_destroy(&ca);
	l->flags = flags;
	l->probe_timeout_ms = PROBE_TIMEOUT_MS;
	l->refs = 1;
	l->mux_inotify = l->mux_stop[0] = l->mux_stop[1] = -1;
	return l;
}

/*
 * The sources' threads (libusb's, libusbmuxd's, our probes) inherit the
 * signal mask of the thread that creates them: block SIGINT/SIGTERM while
 * they are created so the signals always land on the main thread. A signal
 * delivered to libusbmuxd's thread would interrupt its recv() and make it
 * report every device as removed.
 */
static int start_sources(struct event_loop *l, char *err, size_t errlen)
{
	int r = 0;

	if (!(l->flags & EVENTS_NO_USB))
		r = ev_usb_start(l, err, errlen);
	if (r == 0 && !(l->flags & EVENTS_NO_MUX))
		r = ev_mux_start(l, err, errlen);
	return r;
}

int events_start(struct event_loop **out, unsigned flags, char *err, size_t errlen)
{
	struct events_opts o = {.flags = flags};

	return events_start_opts(out, &o, err, errlen);
}

int events_start_opts(struct event_loop **out, const struct events_opts *o, char *err,
                      size_t errlen)
{
	unsigned flags = o->flags;
	struct event_loop *l = loop_new(flags);
	sigset_t block, old;
	int r;

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
		return -ENOMEM;
	}
	l->probe_timeout_ms = o->probe_timeout_ms > 0 ? o->probe_timeout_ms : PROBE_TIMEOUT_MS;
	if (o->only) {
		l->only = *o->only;
		l->have_only = true;
	}
	if (o->nknown && (l->known = calloc(o->nknown, sizeof(*l->known)))) {
		memcpy(l->known, o->known, o->nknown * sizeof(*l->known));
		l->nknown = o->nknown;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	r = start_sources(l, err, errlen);
	/* Installed while still blocked: a Ctrl-C pressed during startup is
	 * delivered to our handler when the mask is restored. */
	if (r == 0 && !(flags & EVENTS_NO_SIGNALS) && (r = signals_install(l)) < 0)
		snprintf(err, errlen, "cannot catch SIGINT/SIGTERM: %s", strerror(-r));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r < 0) {
		events_stop(l);
		return r;
	}
	*out = l;
	return 0;
}

void events_stop(struct event_loop *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->lock);
	l->stopping = true;
	pthread_cond_broadcast(&l->changed);
	pthread_mutex_unlock(&l->lock);
	ev_usb_stop(l);
	ev_mux_stop(l);
	signals_restore(l);
	ev_loop_unref(l);
}
