/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * discover(): list raw-USB and usbmuxd devices at the same time, probe
 * every device on its own thread, and give up on any that has not answered
 * by the deadline (it is still listed, with an error), so one stuck device
 * never stalls the inventory of the others.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "irecctl/devid.h"
#include "irecctl/discovery.h"
#include "irecctl/duration.h"
#include "irecctl/log.h"
#include "irecctl/mux-endpoint.h"

/* Small stacks: dozens of probe threads must stay far below 8 MiB of memory. */
#define PROBE_STACK_SIZE (256 * 1024)
/* How long a usbmuxd may take to answer before it is trusted anyway. */
#define MUX_CHECK_MS 2000

enum job_kind { JOB_USB, JOB_MUX };

struct job {
	enum job_kind kind;
	libusb_device *usb;        /* JOB_USB, referenced */
	usbmuxd_device_info_t mux; /* JOB_MUX */
	struct device result;
	bool valid; /* the probe recognised the device */
	bool done;
	bool abandoned; /* the caller stopped waiting: the thread frees the job */
	int timeout_ms;
	int64_t deadline_ms; /* CLOCK_MONOTONIC: retries stop before it */
	unsigned usb_flags;
	struct probe_batch *batch;
};

/* Shared by the caller and the probe threads; the last one out frees it,
 * since an abandoned thread may finish after the caller has returned. */
struct probe_batch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t pending;
	size_t refs;
};

static void batch_release_locked(struct probe_batch *b)
{
	bool last = --b->refs == 0;
	pthread_mutex_unlock(&b->lock);
	if (last) {
		pthread_cond_destroy(&b->cond);
		pthread_mutex_destroy(&b->lock);
		free(b);
	}
}

static void job_free(struct job *j)
{
	if (j->usb)
		libusb_unref_device(j->usb);
	free(j);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec deadline_after(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/*
 * No event says when another process's usbmuxd backlog has room again, so
 * a refused connection is asked again after a pause; the pause ends at once
 * when the caller stops waiting (collect() wakes the batch). False then.
 */
static bool backoff(struct job *j, int ms)
{
	struct probe_batch *b = j->batch;
	struct timespec until = deadline_after(ms);

	pthread_mutex_lock(&b->lock);
	while (!j->abandoned && pthread_cond_timedwait(&b->cond, &b->lock, &until) != ETIMEDOUT)
		;
	bool go_on = !j->abandoned;
	pthread_mutex_unlock(&b->lock);
	return go_on;
}

/*
 * A connection refused (usbmuxd's listen backlog full while many
 * processes probe at once, a lockdownd not listening yet) passes: try
 * again after a short pause that grows, with jitter so that many probes
 * do not come back in step, until the snapshot's deadline.
 */
static bool probe_mux(struct job *j, struct device *d)
{
	unsigned seed = (unsigned)j->mux.handle * 2654435761u ^ (unsigned)now_ms();
	enum mux_retry retry = MUX_RETRY_NO;
	bool valid = false;

	for (int attempt = 0;; attempt++) {
		memset(d, 0, sizeof(*d));
		d->trusted = -1;
		d->accessible = true;
		valid = mux_probe_device(&j->mux, d, &retry);
		int pause = (10 << (attempt < 4 ? attempt : 4)) + (int)(rand_r(&seed) % 20);
		/* A device already attached whose lockdownd closes on us: that is
		 * its answer (only a fresh arrival gets a while, in the event loop). */
		if (retry != MUX_RETRY_REFUSED || now_ms() + pause >= j->deadline_ms ||
		    !backoff(j, pause))
			return valid;
	}
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	struct device d;
	bool valid;

	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.accessible = true;
	if (j->kind == JOB_USB)
		valid = usb_probe(j->usb, &d, j->usb_flags);
	else
		valid = probe_mux(j, &d);

	struct probe_batch *b = j->batch;
	pthread_mutex_lock(&b->lock);
	bool abandoned = j->abandoned;
	if (!abandoned) {
		j->result = d;
		j->valid = valid;
		j->done = true;
		b->pending--;
		/* The caller and any job pausing in backoff() share the cond. */
		pthread_cond_broadcast(&b->cond);
	}
	batch_release_locked(b);
	if (abandoned)
		job_free(j);
	return NULL;
}

static bool start_job(struct job *j)
{
	pthread_attr_t attr;
	pthread_t t;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PROBE_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, job_thread, j);
	pthread_attr_destroy(&attr);
	return r == 0;
}

/* A device whose probe did not finish in time: listed, with the reason. */
static void describe_stuck(const struct job *j, struct device *d)
{
	memset(d, 0, sizeof(*d));
	d->trusted = -1;
	if (j->kind == JOB_USB)
		usb_identify_quick(j->usb, d);
	d->accessible = false;
	if (j->kind == JOB_MUX) {
		uint64_t ecid;
		d->mode = MODE_UNKNOWN; /* lockdownd never said which */
		d->mux_id = j->mux.handle;
		snprintf(d->udid, sizeof(d->udid), "%s", j->mux.udid);
		if (devid_ecid_from_udid(d->udid, &ecid))
			d->ecid = ecid;
	}
	d->timed_out = true;
	char secs[SECONDS_TEXT_MAX];
	snprintf(d->error, sizeof(d->error), "no answer within %s s",
	         seconds_text(j->timeout_ms / 1000.0, secs));
}

static void collect(struct job **jobs, size_t n, struct device_list *out)
{
	for (size_t i = 0; i < n; i++) {
		struct job *j = jobs[i];
		if (!j->done) {
			/* Listed with what is known without it, and the reason. */
			struct device *d = device_list_add(out);
			if (d)
				describe_stuck(j, d);
			j->abandoned = true; /* the thread frees it */
			continue;
		}
		if (j->valid) {
			struct device *d = device_list_add(out);
			if (d)
				*d = j->result;
		}
		job_free(j);
	}
}

/* Run every job on its own thread; wait until all finish or timeout_ms pass. */
static void run_jobs(struct job **jobs, size_t n, int timeout_ms, struct device_list *out)
{
	struct probe_batch *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;
	struct timespec deadline = deadline_after(timeout_ms);

	if (!b)
		return;
	pthread_mutex_init(&b->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cond, &ca);
	pthread_condattr_destroy(&ca);
	b->refs = 1;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < n; i++) {
		jobs[i]->batch = b;
		jobs[i]->timeout_ms = timeout_ms;
		jobs[i]->deadline_ms = now_ms() + timeout_ms;
		b->refs++;
		if (start_job(jobs[i])) {
			b->pending++;
		} else {
			b->refs--;
			jobs[i]->done = true; /* never started: valid stays false */
		}
	}
	while (b->pending > 0)
		if (pthread_cond_timedwait(&b->cond, &b->lock, &deadline) == ETIMEDOUT)
			break;
	collect(jobs, n, out);
	pthread_cond_broadcast(&b->cond); /* abandoned jobs leave backoff() */
	batch_release_locked(b);
}

static bool is_apple_usb_mode(libusb_device *dev)
{
	struct libusb_device_descriptor desc;
	return libusb_get_device_descriptor(dev, &desc) == 0 && desc.idVendor == APPLE_VID &&
	       mode_is_usb(mode_from_usb_pid(desc.idProduct));
}

static bool add_job(struct job ***jobs, size_t *n, struct job *j)
{
	struct job **v = realloc(*jobs, (*n + 1) * sizeof(*v));
	if (!v) {
		job_free(j);
		return false;
	}
	*jobs = v;
	v[(*n)++] = j;
	return true;
}

/* -d: a raw-USB device whose cached identity names another device is
 * not probed; one without a readable identity might be it. */
static bool usb_may_be(libusb_device *dev, const struct devid *only)
{
	struct device d;

	if (!only)
		return true;
	memset(&d, 0, sizeof(d));
	if (!usb_identify_quick(dev, &d) || !d.ecid)
		return true;
	return devid_matches(only, d.ecid, d.udid, d.usb_location);
}

/* -d: usbmuxd's list already has every UDID; a new-form one holds the
 * ECID. Only an old-form UDID needs lockdownd to say its ECID. */
static bool mux_may_be(const usbmuxd_device_info_t *info, const struct devid *only)
{
	uint64_t ecid = 0;

	if (!only)
		return true;
	bool new_form = devid_ecid_from_udid(info->udid, &ecid);
	if (devid_matches(only, ecid, info->udid, NULL))
		return true;
	return only->has_ecid && !new_form;
}

static void add_usb_jobs(libusb_context *ctx, const struct discover_opts *o, struct job ***jobs,
                         size_t *n)
{
	libusb_device **list = NULL;
	ssize_t count = libusb_get_device_list(ctx, &list);

	for (ssize_t i = 0; i < count; i++) {
		if (!is_apple_usb_mode(list[i]) || !usb_may_be(list[i], o->only))
			continue;
		struct job *j = calloc(1, sizeof(*j));
		if (!j)
			break;
		j->kind = JOB_USB;
		j->usb_flags = o->usb_flags;
		j->usb = libusb_ref_device(list[i]);
		if (!add_job(jobs, n, j))
			break;
	}
	if (count >= 0)
		libusb_free_device_list(list, 1);
}

/*
 * usbmuxd's list. libusbmuxd connects without blocking, so while many
 * processes ask at once (usbmuxd's listen backlog full) the connection is
 * refused with EAGAIN: that passes, so ask again until the deadline. A
 * missing socket (ENOENT) or a dead one (ECONNREFUSED) is an answer.
 */
static int list_mux_devices(usbmuxd_device_info_t **list, int64_t deadline_ms)
{
	unsigned seed = (unsigned)now_ms() ^ (unsigned)(uintptr_t)list;

	for (int attempt = 0;; attempt++) {
		errno = 0;
		int count = usbmuxd_get_device_list(list);
		int e = errno;
		int pause = (5 << (attempt < 4 ? attempt : 4)) + (int)(rand_r(&seed) % 10);
		if (count >= 0 || (e != EAGAIN && e != EINTR) || now_ms() + pause >= deadline_ms)
			return count;
		struct timespec ts = {0, (long)pause * 1000000L};
		nanosleep(&ts, NULL);
	}
}

static void add_mux_jobs(const struct discover_opts *o, struct job ***jobs, size_t *n,
                         struct device_list *out)
{
	usbmuxd_device_info_t *list = NULL;
	int count;

	/* libusbmuxd is only handed a usbmuxd that answers as one. */
	int check_ms =
	        o->timeout_ms > 0 && o->timeout_ms < MUX_CHECK_MS ? o->timeout_ms : MUX_CHECK_MS;

	if (mux_endpoint_check(check_ms, out->mux_error, sizeof(out->mux_error)) != MUX_UP)
		return;
	out->mux_error[0] = '\0';
	count = list_mux_devices(&list, now_ms() + o->timeout_ms);
	if (count < 0) {
		log_debug("usbmuxd not reachable (%s): no normal-mode devices", strerror(-count));
		return;
	}
	for (int i = 0; i < count; i++) {
		if (list[i].conn_type != CONNECTION_TYPE_USB || !mux_may_be(&list[i], o->only))
			continue;
		struct job *j = calloc(1, sizeof(*j));
		if (!j)
			break;
		j->kind = JOB_MUX;
		j->mux = list[i];
		if (!add_job(jobs, n, j))
			break;
	}
	usbmuxd_device_list_free(&list);
}

/*
 * One ECID, two attachments: two physical devices (or one lying about its
 * identity). Merging them would make one chimera record and let a command
 * act on the wrong device, so both are kept, marked, and named to each
 * other; commands refuse an ECID in conflict as ambiguous.
 */
static void mark_conflict(struct device *d, const struct device *other)
{
	char where[64];

	d->conflict = true;
	if (other->usb_location[0])
		snprintf(where, sizeof(where), "at USB %s", other->usb_location);
	else
		snprintf(where, sizeof(where), "in usbmuxd as %.40s", other->udid);
	snprintf(d->error, sizeof(d->error),
	         "conflict: another device (%s, %s mode) reports the same ECID", where,
	         mode_name(other->mode));
}

static void mark_conflicts(struct device_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		for (size_t k = i + 1; k < l->n; k++)
			if (l->v[i].ecid && l->v[i].ecid == l->v[k].ecid) {
				mark_conflict(&l->v[i], &l->v[k]);
				mark_conflict(&l->v[k], &l->v[i]);
			}
}

static int compare_devices(const void *a, const void *b)
{
	const struct device *x = a, *y = b;
	int c = device_location_cmp(x->usb_location, y->usb_location);

	if (c)
		return c;
	if (x->ecid != y->ecid)
		return x->ecid < y->ecid ? -1 : 1;
	return strcmp(x->udid, y->udid);
}

int discover(struct device_list *out, const struct discover_opts *o, char *err, size_t errlen)
{
	libusb_context *ctx = usb_context(err, errlen);
	struct job **jobs = NULL;
	size_t n = 0;

	/* Without raw USB (a container, say) usbmuxd devices can still be listed. */
	if (ctx)
		add_usb_jobs(ctx, o, &jobs, &n);
	else
		log_warn("%s: recovery and DFU devices cannot be seen", err);
	add_mux_jobs(o, &jobs, &n, out);
	run_jobs(jobs, n, o->timeout_ms, out);
	free(jobs);
	mark_conflicts(out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), compare_devices);
	return 0;
}

int discover_all(struct device_list *out, int timeout_ms, char *err, size_t errlen)
{
	struct discover_opts o = {.timeout_ms = timeout_ms, .usb_flags = USB_PROBE_IBOOT};

	return discover(out, &o, err, errlen);
}
