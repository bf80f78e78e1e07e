/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl watch [--json] [--initial] [-d ID] [--timeout S]
 *
 * One line per arrival or departure, in every mode, flushed as it happens.
 * A mode change is a departure followed by an arrival (the device leaves
 * one world and enters the other); the arrival names the mode it left
 * ("previous_mode"). Ends at --timeout or on SIGINT/SIGTERM, with exit 0
 * in both cases: ending it is the normal way to stop a stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "irecctl/cli.h"
#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"
#include "irecctl/wait.h"

enum { OPT_INITIAL };

static const struct cmd_option options[] = {
        {"initial", 0, NULL, "first print the devices already attached (event \"present\")"},
        {NULL, 0, NULL, NULL},
};

/* The mode each device was last seen in, to name the mode it came from. */
#define LAST_MAX 256

struct watch {
	struct ctx *ctx;
	struct presence now;
	struct {
		uint64_t ecid;
		enum dev_mode mode;
	} last[LAST_MAX];
	size_t nlast;
	uint64_t selected_ecid; /* -d by UDID: the ECID it turned out to have */
	/* The reader of stdout went away (`watch | head -1`): noticed at once by
	 * a thread polling stdout, not at the next event's write. */
	struct event_loop *loop;
	pthread_t reader_thread;
	int stop_pipe[2];
	bool reader_started;
	bool reader_gone; /* atomic */
};

static enum dev_mode last_mode(const struct watch *w, uint64_t ecid)
{
	for (size_t i = 0; ecid && i < w->nlast; i++)
		if (w->last[i].ecid == ecid)
			return w->last[i].mode;
	return MODE_UNKNOWN;
}

static void remember(struct watch *w, const struct device *d)
{
	size_t i = 0;

	if (!d->ecid)
		return;
	while (i < w->nlast && w->last[i].ecid != d->ecid)
		i++;
	if (i == LAST_MAX)
		i = 0; /* more devices than a host has: forget the oldest */
	else if (i == w->nlast)
		w->nlast++;
	w->last[i].ecid = d->ecid;
	w->last[i].mode = d->mode;
}

static bool selected(struct watch *w, const struct device *d)
{
	if (!w->ctx->have_device)
		return true;
	if (devid_matches(&w->ctx->device, d->ecid, d->udid)) {
		if (d->ecid)
			w->selected_ecid = d->ecid;
		return true;
	}
	/* A UDID selection follows the device into recovery by its ECID. */
	return d->ecid && d->ecid == w->selected_ecid;
}

/* --- output ------------------------------------------------------------------ */

static void format_time(const struct timespec *wall, bool utc_iso, char *buf, size_t len)
{
	struct tm tm;
	char base[32];

	if (utc_iso) {
		gmtime_r(&wall->tv_sec, &tm);
		strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%03ldZ", base, wall->tv_nsec / 1000000);
	} else {
		localtime_r(&wall->tv_sec, &tm);
		strftime(base, sizeof(base), "%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%03ld", base, wall->tv_nsec / 1000000);
	}
}

static bool print_json(const char *kind, const struct timespec *wall, int64_t mono_ms,
                       const struct device *d, enum dev_mode previous)
{
	json_t *o = json_object(), *dev = device_to_json(d);
	char when[48];
	bool ok;

	if (!o || !dev) {
		json_decref(o);
		json_decref(dev);
		return false;
	}
	format_time(wall, true, when, sizeof(when));
	json_object_set_new(o, "event", json_string(kind));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "monotonic_ms", json_integer(mono_ms));
	json_object_update(o, dev);
	json_object_set_new(o, "previous_mode",
	                    previous != MODE_UNKNOWN ? json_string(mode_name(previous))
	                                             : json_null());
	ok = json_dumpf(o, stdout, JSON_COMPACT | OUTPUT_JSON_FLAGS) == 0 &&
	     fputc('\n', stdout) != EOF;
	json_decref(o);
	json_decref(dev);
	return ok;
}

static bool print_human(char sign, const struct timespec *wall, const struct device *d,
                        enum dev_mode previous)
{
	char when[32], ecid[19] = "-", name[128], product[64], was[48] = "";

	format_time(wall, false, when, sizeof(when));
	if (d->ecid)
		devid_format_ecid(d->ecid, ecid);
	device_display_name(d, product, sizeof(product));
	sanitize_text(name, sizeof(name), product);
	sanitize_text(product, sizeof(product), d->product_type[0] ? d->product_type : "-");
	if (previous != MODE_UNKNOWN)
		snprintf(was, sizeof(was), " (was %s)", mode_name(previous));
	return printf("%s %c %-8s %s %s %s%s\n", when, sign, mode_name(d->mode), ecid, product,
	              name, was) > 0;
}

static bool emit(const struct watch *w, enum event_kind kind, bool initial,
                 const struct timespec *wall, int64_t mono_ms, const struct device *d,
                 enum dev_mode previous)
{
	bool ok;

	if (w->ctx->json)
		ok = print_json(initial             ? "present"
		                : kind == EVENT_ADD ? "add"
		                                    : "remove",
		                wall, mono_ms, d, previous);
	else
		ok = print_human(initial ? '=' : kind == EVENT_ADD ? '+' : '-', wall, d, previous);
	/* One line per event, now: a reader downstream must not wait for a buffer. */
	return ok && fflush(stdout) == 0;
}

/* --- the reader of stdout ------------------------------------------------------ */

/* POLLERR on a pipe whose reader closed it, POLLHUP on a hung-up terminal
 * or socket; a file or /dev/null never reports either. */
static void *reader_thread(void *arg)
{
	struct watch *w = arg;
	struct pollfd fds[2] = {{STDOUT_FILENO, 0, 0}, {w->stop_pipe[0], POLLIN, 0}};
	struct event wake;

	while (poll(fds, 2, -1) < 0 && errno == EINTR)
		;
	if (fds[1].revents || !(fds[0].revents & (POLLERR | POLLHUP)))
		return NULL;
	__atomic_store_n(&w->reader_gone, true, __ATOMIC_RELEASE);
	memset(&wake, 0, sizeof(wake));
	wake.kind = EVENT_ADD;
	wake.source = EVENT_SRC_TEST;
	events_inject(w->loop, &wake);
	return NULL;
}

static void start_reader_watch(struct watch *w)
{
	if (pipe2(w->stop_pipe, O_CLOEXEC) < 0)
		return;
	w->reader_started = pthread_create(&w->reader_thread, NULL, reader_thread, w) == 0;
	if (!w->reader_started) {
		close(w->stop_pipe[0]);
		close(w->stop_pipe[1]);
	}
}

static void stop_reader_watch(struct watch *w)
{
	if (!w->reader_started)
		return;
	if (write(w->stop_pipe[1], "x", 1) < 0) {
		/* a pipe of our own with room in it: cannot fail */
	}
	pthread_join(w->reader_thread, NULL);
	close(w->stop_pipe[0]);
	close(w->stop_pipe[1]);
}

/*
 * Nobody reads any more: the stream has ended, as with Ctrl-C. What stdio
 * still buffers goes nowhere, so main() does not report a write error.
 */
static int reader_gone(void)
{
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	clearerr(stdout);
	log_info("standard output was closed: stopping");
	return IREC_OK;
}

/* A failed write: the reader left (EPIPE, SIGPIPE ignored), or a real error. */
static int write_failed(void)
{
	return errno == EPIPE ? reader_gone() : IREC_EFAIL;
}

/* --- the loop ------------------------------------------------------------------ */

static bool print_initial(struct watch *w)
{
	struct timespec wall;

	clock_gettime(CLOCK_REALTIME, &wall);
	for (size_t i = 0; i < w->now.n; i++)
		if (selected(w, &w->now.v[i].dev) &&
		    !emit(w, EVENT_ADD, true, &wall, events_now_ms(), &w->now.v[i].dev,
		          MODE_UNKNOWN))
			return false;
	return true;
}

static bool reader_left(struct watch *w)
{
	return __atomic_load_n(&w->reader_gone, __ATOMIC_ACQUIRE);
}

static int stream(struct watch *w, struct event_loop *loop, uint64_t seq0, int64_t deadline)
{
	struct event ev;

	for (;;) {
		switch (events_next(loop, &ev, deadline)) {
		case EVENTS_TIMEOUT:
		case EVENTS_INTERRUPTED:
			return IREC_OK;
		case EVENTS_EVENT:
			break;
		}
		if (reader_left(w))
			return reader_gone();
		/* Before the snapshot, or announced again: nothing new happened. */
		if (ev.seq <= seq0 || !presence_apply(&w->now, &ev) || !selected(w, &ev.dev))
			continue;
		enum dev_mode previous = MODE_UNKNOWN;
		if (ev.kind == EVENT_ADD)
			previous = last_mode(w, ev.dev.ecid);
		if (!emit(w, ev.kind, false, &ev.wall, ev.time_ms, &ev.dev, previous))
			return write_failed();
		remember(w, &ev.dev);
	}
}

static int start(struct watch *w, struct event_loop **loop, uint64_t *seq0)
{
	struct device_list snap = {0};
	char err[256] = "";

	if (events_start(loop, 0, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return IREC_EFAIL;
	}
	*seq0 = events_seq(*loop);
	/* What is attached now, so the libraries' announcements of it are not
	 * taken for arrivals. */
	if (discover_all(&snap, PROBE_TIMEOUT_MS, err, sizeof(err)) < 0) {
		log_error("%s", err);
		device_list_free(&snap);
		return IREC_EFAIL;
	}
	bool ok = presence_init(&w->now, &snap);
	for (size_t i = 0; ok && i < snap.n; i++)
		if (selected(w, &snap.v[i]))
			remember(w, &snap.v[i]);
	device_list_free(&snap);
	return ok ? IREC_OK : IREC_EFAIL;
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct watch w;
	struct event_loop *loop = NULL;
	uint64_t seq0 = 0;
	int64_t deadline = ctx->have_timeout ? events_deadline_after(ctx->timeout_s) : -1;
	int r;

	memset(&w, 0, sizeof(w));
	w.ctx = ctx;
	r = start(&w, &loop, &seq0);
	if (r == IREC_OK && args->set[OPT_INITIAL] && !print_initial(&w))
		r = write_failed();
	else if (r == IREC_OK) {
		w.loop = loop;
		start_reader_watch(&w);
		log_info("watching for devices%s", ctx->have_timeout ? "" : " until interrupted");
		r = stream(&w, loop, seq0, deadline);
		stop_reader_watch(&w);
	}
	events_stop(loop);
	presence_free(&w.now);
	return r;
}

const struct command cmd_watch = {
        .name = "watch",
        .summary = "stream device arrivals, departures and mode changes",
        .synopsis = "[--json] [--initial] [-d ID] [--timeout SECONDS]",
        .description = "Prints one line per event, as it happens: time, + (arrived) or - (left), "
                       "mode, ECID, product type, model. A mode change shows as the device leaving "
                       "and arriving again, with the mode it came from. --json prints one JSON "
                       "object per line (NDJSON): event (add, remove, present), time (UTC), "
                       "monotonic_ms, previous_mode and the device record's keys. --initial first "
                       "lists the devices already attached (=, event \"present\"). Runs until "
                       "interrupted (Ctrl-C, SIGTERM) or --timeout, and exits 0 either way.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .lists_all = true,
        .run = run,
};
