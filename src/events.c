/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The event loop's core: events_next(), which sleeps in ppoll() on a
 * self-pipe and a signal pipe until something happens or the deadline
 * passes, the signals, and starting and stopping the loop. The entries,
 * the queue and its order rules are in events-queue.c; the sources in
 * events-src.c and events-mux.c.
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
		int64_t probe_at = ev_expire_probes_locked(l, now);
		bool got = ev_pop_locked(l, ev);
		pthread_mutex_unlock(&l->lock);
		ev_reap(l);
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
	ev_push_locked(l, ev);
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
