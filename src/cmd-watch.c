/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl watch [--json] [--initial] [--for MODES] [-d ID] [--timeout S]
 *               [--exec-timeout S] [--exec CMD [ARGS...]]
 *
 * One line per arrival or departure, in every mode, flushed as it happens.
 * A mode change is a departure followed by an arrival (the device leaves
 * one world and enters the other); the arrival names the mode it left
 * ("previous_mode"). Ends at --timeout or on SIGINT/SIGTERM, with exit 0
 * in both cases: ending it is the normal way to stop a stream.
 *
 * --exec runs CMD for every event shown (hooks.h): CMD is the first
 * operand, and everything after it is CMD's, so option parsing stops there.
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
#include "irecctl/hooks.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"
#include "irecctl/wait.h"

enum { OPT_INITIAL, OPT_FOR, OPT_EXEC, OPT_EXEC_TIMEOUT };

#define EXEC_DEFAULT_TIMEOUT_S 60.0

static const struct cmd_option options[] = {
        [OPT_INITIAL] = {"initial", 0, NULL,
                         "first print the devices already attached (event \"present\")"},
        [OPT_FOR] = {"for", 0, "MODES",
                     "only events of devices in (arriving in, leaving) these modes"},
        [OPT_EXEC] = {"exec", 0, NULL, "run CMD [ARGS...] (the operands) for each event, no shell"},
        [OPT_EXEC_TIMEOUT] = {"exec-timeout", 0, "SECONDS",
                              "end a hook that runs longer (default 60)"},
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
	unsigned modes;         /* --for: WAIT_MODE bits; 0 = every mode */
	struct hooks *hooks;    /* --exec, else NULL */
	bool interrupted;       /* ended by SIGINT/SIGTERM, not --timeout */
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
	if (devid_matches(&w->ctx->device, d->ecid, d->udid, d->usb_location)) {
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

/* The event's JSON record (watch.schema.json), without schema_version. */
static json_t *event_record(const char *kind, const struct timespec *wall, int64_t mono_ms,
                            const struct device *d, enum dev_mode previous)
{
	json_t *o = json_object(), *dev = device_to_json(d);
	char when[48];
	bool ok;

	format_time(wall, true, when, sizeof(when));
	ok = o && dev && json_object_set_new(o, "event", json_string(kind)) == 0 &&
	     json_object_set_new(o, "time", json_string(when)) == 0 &&
	     json_object_set_new(o, "monotonic_ms", json_integer(mono_ms)) == 0 &&
	     json_object_update(o, dev) == 0 &&
	     json_object_set_new(o, "previous_mode",
	                         previous != MODE_UNKNOWN ? json_string(mode_name(previous))
	                                                  : json_null()) == 0;
	json_decref(dev);
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

/* Hooks of one device run in order: the lane is the device (its ECID, also
 * from a new-form UDID), else its UDID, else the attachment. */
static bool run_hook(struct watch *w, json_t *record, const struct event *ev,
                     const struct device *d)
{
	char lane[sizeof(d->udid) > EVENT_KEY_MAX ? sizeof(d->udid) : EVENT_KEY_MAX];
	uint64_t ecid = d->ecid;

	if (ecid || devid_ecid_from_udid(d->udid, &ecid))
		devid_format_ecid(ecid, lane);
	else if (d->udid[0])
		snprintf(lane, sizeof(lane), "%s", d->udid);
	else if (ev)
		snprintf(lane, sizeof(lane), "%s", ev->key);
	else
		event_key_for_device(d, lane);
	return hooks_submit(w->hooks, lane, record);
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

static const char *event_name(enum event_kind kind, bool initial)
{
	return initial ? "present" : kind == EVENT_ADD ? "add" : "remove";
}

/* Print the event and run the hook; ev is NULL for a "present" one. */
static bool emit(struct watch *w, const struct event *ev, bool initial, const struct timespec *wall,
                 int64_t mono_ms, const struct device *d, enum dev_mode previous)
{
	enum event_kind kind = ev ? ev->kind : EVENT_ADD;
	json_t *record = NULL;
	bool ok = true;

	/* --for filters what is shown, not what is remembered (previous_mode). */
	if (w->modes && !(w->modes & WAIT_MODE(d->mode)))
		return true;
	if (w->ctx->json || w->hooks) {
		record = event_record(event_name(kind, initial), wall, mono_ms, d, previous);
		if (!record)
			return false;
	}
	if (w->ctx->json)
		ok = output_json_line(record);
	else
		ok = print_human(initial ? '=' : kind == EVENT_ADD ? '+' : '-', wall, d, previous);
	/* One line per event, now: a reader downstream must not wait for a buffer. */
	ok = ok && fflush(stdout) == 0;
	/* A hook that cannot be queued is reported; watching goes on. */
	if (ok && w->hooks)
		run_hook(w, record, ev, d);
	json_decref(record);
	return ok;
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
		    !emit(w, NULL, true, &wall, events_now_ms(), &w->now.v[i].dev, MODE_UNKNOWN))
			return false;
	return true;
}

static bool reader_left(struct watch *w)
{
	return __atomic_load_n(&w->reader_gone, __ATOMIC_ACQUIRE);
}

/*
 * A departure carries the identity probed when the device arrived; if that
 * probe gave up (a lockdownd too slow to answer), it is only what usbmuxd
 * said. The identity watch showed for the attachment is better: without it
 * the event would lack its ECID (and its hooks would leave the device's lane).
 */
static void fill_identity(const struct watch *w, struct event *ev)
{
	if (ev->kind != EVENT_REMOVE || ev->dev.ecid)
		return;
	for (size_t i = 0; i < w->now.n; i++)
		if (!strcmp(w->now.v[i].key, ev->key) && w->now.v[i].dev.ecid &&
		    w->now.v[i].dev.mode == ev->dev.mode) {
			ev->dev = w->now.v[i].dev;
			return;
		}
}

static int stream(struct watch *w, struct event_loop *loop, uint64_t seq0, int64_t deadline)
{
	struct event ev;

	for (;;) {
		switch (events_next(loop, &ev, deadline)) {
		case EVENTS_TIMEOUT:
			return IREC_OK;
		case EVENTS_INTERRUPTED:
			w->interrupted = true;
			return IREC_OK;
		case EVENTS_EVENT:
			break;
		}
		if (reader_left(w))
			return reader_gone();
		fill_identity(w, &ev);
		/* Before the snapshot, or announced again: nothing new happened. */
		if (ev.seq <= seq0 || !presence_apply(&w->now, &ev) || !selected(w, &ev.dev))
			continue;
		enum dev_mode previous = MODE_UNKNOWN;
		if (ev.kind == EVENT_ADD)
			previous = last_mode(w, ev.dev.ecid);
		if (!emit(w, &ev, false, &ev.wall, ev.time_ms, &ev.dev, previous))
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
	/* With -d only that device is probed; --timeout bounds the snapshot. */
	struct discover_opts o = {.timeout_ms = PROBE_TIMEOUT_MS,
	                          .only = w->ctx->have_device ? &w->ctx->device : NULL,
	                          .usb_flags = USB_PROBE_IBOOT};
	if (w->ctx->have_timeout && w->ctx->timeout_s * 1000 < o.timeout_ms)
		o.timeout_ms = w->ctx->timeout_s * 1000 < 1 ? 1 : (int)(w->ctx->timeout_s * 1000);
	if (discover(&snap, &o, err, sizeof(err)) < 0) {
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

static int parse(struct watch *w, const struct cmd_args *args)
{
	double exec_timeout = EXEC_DEFAULT_TIMEOUT_S;

	if (args->set[OPT_FOR] && !wait_parse_modes(args->value[OPT_FOR], &w->modes)) {
		log_error("watch: unknown mode in --for '%s': expected normal, restore, recovery, "
		          "dfu, wtf, kis, port-dfu or any (comma-separated)",
		          args->value[OPT_FOR]);
		return IREC_EUSAGE;
	}
	if (args->set[OPT_EXEC_TIMEOUT] &&
	    (!parse_duration(args->value[OPT_EXEC_TIMEOUT], &exec_timeout) || exec_timeout <= 0)) {
		log_error("invalid --exec-timeout '%s': expected seconds, e.g. 30, 1.5, 2m",
		          args->value[OPT_EXEC_TIMEOUT]);
		return IREC_EUSAGE;
	}
	if (!args->set[OPT_EXEC] && args->argc > 0) {
		log_error("'watch': unexpected argument '%s' (a command to run goes after --exec)",
		          args->argv[0]);
		return IREC_EUSAGE;
	}
	if (args->set[OPT_EXEC] && args->argc == 0) {
		log_error("watch: --exec needs a command: --exec CMD [ARGS...]");
		return IREC_EUSAGE;
	}
	if (args->set[OPT_EXEC] && !(w->hooks = hooks_new(args->argv, exec_timeout))) {
		log_error("out of memory");
		return IREC_EFAIL;
	}
	return IREC_OK;
}

/* Hooks still queued run to their end at --timeout; a signal ends them. */
static int finish_hooks(struct watch *w, int r)
{
	unsigned failed;

	if (!w->hooks)
		return r;
	if (w->interrupted)
		log_info("ending the hooks still running");
	failed = hooks_finish(w->hooks, w->interrupted);
	if (failed)
		log_warn("%u hook%s failed", failed, failed == 1 ? "" : "s");
	return r;
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
	r = parse(&w, args);
	if (r != IREC_OK)
		return r;
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
	return finish_hooks(&w, r);
}

const struct command cmd_watch = {
        .name = "watch",
        .summary = "stream device arrivals, departures and mode changes",
        .synopsis = "[--json] [--initial] [--for MODES] [-d ID] [--timeout SECONDS] "
                    "[--exec-timeout SECONDS] [--exec CMD [ARGS...]]",
        .description = "Prints one line per event, as it happens: time, + (arrived) or - (left), "
                       "mode, ECID, product type, model. A mode change shows as the device leaving "
                       "and arriving again, with the mode it came from. --json prints one JSON "
                       "object per line (NDJSON): event (add, remove, present), time (UTC), "
                       "monotonic_ms, previous_mode and the device record's keys. --initial first "
                       "lists the devices already attached (=, event \"present\"). Runs until "
                       "interrupted (Ctrl-C, SIGTERM) or --timeout, and exits 0 either way. "
                       "--for MODES shows only events of devices in those modes (arriving in or "
                       "leaving them). --exec CMD [ARGS...] (last: everything after CMD is its) "
                       "runs CMD for each event shown, without a shell: the event in "
                       "IRECCTL_EVENT, IRECCTL_ECID, IRECCTL_UDID, IRECCTL_MODE, "
                       "IRECCTL_PREVIOUS_MODE, IRECCTL_MODEL, IRECCTL_MODEL_NAME, "
                       "IRECCTL_LOCATION and as its JSON record on stdin; CMD's stdout goes to "
                       "stderr. One device's hooks run in order, different devices' in "
                       "parallel; a hook running longer than --exec-timeout is terminated; a "
                       "failing hook is reported on stderr and watching goes on.",
        .options = options,
        .min_args = 0,
        .max_args = -1,
        .operands_end_options = true,
        .run = run,
};
