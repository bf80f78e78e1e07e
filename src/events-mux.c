/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The usbmuxd source of the event loop: libusbmuxd's Listen subscription,
 * held only while a daemon that speaks usbmuxd is there.
 *
 * On a Debian host usbmuxd starts when a normal-mode device attaches and
 * exits when the last one leaves, so one enter or exit spans a daemon exit
 * and restart. libusbmuxd alone handles that badly: it notices the new
 * socket through inotify at bind() time, before the daemon listen()s, gets
 * ECONNREFUSED and sleeps a whole second (2.0.2 and 2.1.0 alike); with
 * USBMUXD_SOCKET_ADDRESS it watches /var/run whatever the path and never
 * reconnects; against a socket that does not speak usbmuxd its thread
 * reconnects in a loop, leaking one socket per round until FD_SET aborts
 * the process.
 *
 * So a thread of ours watches the socket's directory with inotify: the
 * socket removed, we unsubscribe (the library's REMOVE events report the
 * devices gone); the socket created, or its mode set (usbmuxd chmods it
 * right after listen()), we check that it answers as usbmuxd and subscribe
 * again. A connect refused right after creation is tried again a few times
 * on a short backoff, each try started by that event, never a standing
 * poll. A TCP USBMUXD_SOCKET_ADDRESS is left to libusbmuxd as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "irecctl/log.h"
#include "irecctl/mux-endpoint.h"
#include "events-priv.h"

#define CHECK_TIMEOUT_MS 2000
#define RETRY_FIRST_MS   2
#define RETRY_MAX_TRIES  9 /* 2 + 4 + ... + 512 ms: about 1 s after the event */
#define WATCH_MASK       (IN_CREATE | IN_ATTRIB | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)
#define INOTIFY_BUF      4096

static void on_mux_event(const usbmuxd_event_t *event, void *data)
{
	struct event_loop *l = data;
	int old;

	/* libusbmuxd stops its thread with pthread_cancel(): a cancel inside
	 * write() to our self-pipe would leave the loop lock held forever. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	if (event->device.conn_type == CONNECTION_TYPE_USB) {
		if (event->event == UE_DEVICE_ADD)
			ev_mux_added(l, &event->device);
		else if (event->event == UE_DEVICE_REMOVE)
			ev_mux_removed(l, &event->device);
	}
	pthread_setcancelstate(old, NULL);
}

static int subscribe(struct event_loop *l, char *err, size_t errlen)
{
	int r = usbmuxd_events_subscribe(&l->mux, on_mux_event, l);

	if (r != 0) {
		/* a negative errno, or pthread_create()'s positive one */
		int e = r < 0 ? -r : r;
		l->mux = NULL;
		snprintf(err, errlen, "cannot listen to usbmuxd: %s", strerror(e));
		return -e;
	}
	__atomic_store_n(&l->mux_subscribed, 1, __ATOMIC_RELEASE);
	return 0;
}

static void unsubscribe(struct event_loop *l)
{
	if (l->mux)
		usbmuxd_events_unsubscribe(l->mux);
	l->mux = NULL;
}

/*
 * Subscribe if a usbmuxd answers. false: nothing listens yet (retry).
 * unusable (when not NULL) gets why the subscription can never be made
 * this way: a stranger at the endpoint, or the library refusing.
 */
static bool subscribe_checked(struct event_loop *l, char *unusable, size_t len)
{
	char why[256], err[128];

	if (l->mux)
		return true;
	switch (mux_endpoint_check(CHECK_TIMEOUT_MS, why, sizeof(why))) {
	case MUX_UP:
		if (subscribe(l, err, sizeof(err)) < 0) {
			log_warn("%s", err);
			if (unusable)
				snprintf(unusable, len, "%s", err);
		} else {
			log_debug("usbmuxd is there: listening");
		}
		return true;
	case MUX_HOSTILE:
		mux_endpoint_warn_once(why);
		if (unusable)
			snprintf(unusable, len, "%s", why);
		return true;
	case MUX_ABSENT:
	default:
		log_debug("%s", why);
		if (unusable)
			snprintf(unusable, len, "%s", why);
		return false;
	}
}

static bool try_subscribe(struct event_loop *l)
{
	return subscribe_checked(l, NULL, 0);
}

/* React to what happened to our socket name; sets *retry_ms. */
static void on_socket_event(struct event_loop *l, uint32_t mask, int *retry_ms, int *tries)
{
	if (mask & (IN_DELETE | IN_MOVED_FROM)) {
		log_debug("usbmuxd's socket was removed: the daemon left");
		unsubscribe(l);
		*retry_ms = -1;
	}
	if ((mask & (IN_CREATE | IN_ATTRIB | IN_MOVED_TO)) && !l->mux) {
		*tries = 0;
		*retry_ms = try_subscribe(l) ? -1 : RETRY_FIRST_MS;
	}
}

static void read_inotify(struct event_loop *l, int *retry_ms, int *tries)
{
	char buf[INOTIFY_BUF] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(l->mux_inotify, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && !strcmp(ev->name, l->mux_name))
				on_socket_event(l, ev->mask, retry_ms, tries);
			p += sizeof(*ev) + ev->len;
		}
	}
}

static void *watch_thread(void *arg)
{
	struct event_loop *l = arg;
	int retry_ms = -1, tries = 0;

	for (;;) {
		struct pollfd p[2] = {{.fd = l->mux_inotify, .events = POLLIN},
		                      {.fd = l->mux_stop[0], .events = POLLIN}};
		int r = poll(p, 2, retry_ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || p[1].revents)
			break;
		if (r == 0) {
			/* created but not listening yet: the next try, a bit later */
			retry_ms =
			        try_subscribe(l) || ++tries >= RETRY_MAX_TRIES ? -1 : retry_ms * 2;
			continue;
		}
		read_inotify(l, &retry_ms, &tries);
	}
	return NULL;
}

/* Watch the socket's directory; false (and no watch) if that cannot be. */
static bool watch_start(struct event_loop *l, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || !slash[1] || (size_t)(slash - path) >= sizeof(dir))
		return false;
	snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	snprintf(l->mux_name, sizeof(l->mux_name), "%s", slash + 1);
	l->mux_inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (l->mux_inotify < 0)
		return false;
	if (inotify_add_watch(l->mux_inotify, dir, WATCH_MASK) < 0 ||
	    pipe2(l->mux_stop, O_CLOEXEC) < 0) {
		log_debug("cannot watch %s for usbmuxd: %s", dir, strerror(errno));
		close(l->mux_inotify);
		l->mux_inotify = -1;
		return false;
	}
	return true;
}

static bool start_thread(struct event_loop *l)
{
	sigset_t block, old;
	bool ok;

	/* SIGINT/SIGTERM belong to the main thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	ok = pthread_create(&l->mux_thread, NULL, watch_thread, l) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ok;
}

/* A TCP endpoint has no socket file to watch: libusbmuxd's own retries
 * wait for it, unless what answers there is not a usbmuxd. */
static int subscribe_tcp(struct event_loop *l, char *err, size_t errlen)
{
	char why[256];

	if (mux_endpoint_check(CHECK_TIMEOUT_MS, why, sizeof(why)) == MUX_HOSTILE) {
		mux_endpoint_warn_once(why);
		snprintf(l->mux_unusable, sizeof(l->mux_unusable), "%s", why);
		return 0;
	}
	return subscribe(l, err, errlen);
}

int ev_mux_start(struct event_loop *l, char *err, size_t errlen)
{
	char path[PATH_MAX], why[sizeof(l->mux_unusable)] = "";

	l->mux_inotify = -1;
	l->mux_stop[0] = l->mux_stop[1] = -1;
	if (!mux_endpoint_path(path, sizeof(path)))
		return subscribe_tcp(l, err, errlen);
	/* The watch first: a daemon that starts while we check is not missed. */
	if (!watch_start(l, path)) {
		/* Absent and unwatched: it could start, but we would never know. */
		if (!subscribe_checked(l, why, sizeof(why)))
			snprintf(l->mux_unusable, sizeof(l->mux_unusable),
			         "%.190s, and its directory cannot be watched for it to start",
			         why);
		else if (!l->mux)
			snprintf(l->mux_unusable, sizeof(l->mux_unusable), "%s", why);
		return 0;
	}
	/* Absent is fine here: usbmuxd starts on demand and the watch sees it. */
	if (subscribe_checked(l, why, sizeof(why)) && !l->mux)
		snprintf(l->mux_unusable, sizeof(l->mux_unusable), "%s", why);
	l->mux_thread_started = start_thread(l);
	if (!l->mux_thread_started) {
		log_debug("cannot start the usbmuxd watch thread");
		if (!l->mux && !l->mux_unusable[0])
			snprintf(l->mux_unusable, sizeof(l->mux_unusable),
			         "%.190s, and no thread could be started to watch for it", why);
	}
	return 0;
}

const char *events_mux_unusable(struct event_loop *l)
{
	if ((l->flags & EVENTS_NO_MUX) || !l->mux_unusable[0])
		return NULL;
	return l->mux_unusable;
}

bool events_mux_subscribed(struct event_loop *l)
{
	return __atomic_load_n(&l->mux_subscribed, __ATOMIC_ACQUIRE);
}

void ev_mux_stop(struct event_loop *l)
{
	if (l->mux_thread_started) {
		char b = 1;
		if (write(l->mux_stop[1], &b, 1) < 0)
			log_debug("cannot stop the usbmuxd watch: %s", strerror(errno));
		pthread_join(l->mux_thread, NULL);
		l->mux_thread_started = false;
	}
	if (l->mux_inotify >= 0)
		close(l->mux_inotify);
	for (int i = 0; i < 2; i++)
		if (l->mux_stop[i] >= 0)
			close(l->mux_stop[i]);
	l->mux_inotify = l->mux_stop[0] = l->mux_stop[1] = -1;
	unsubscribe(l);
}
