/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * discover_all(): list raw-USB and usbmuxd devices at the same time, probe
 * every device on its own thread, and give up on any that has not answered
 * by the deadline (it is still listed, with an error), so one stuck device
 * never stalls the inventory of the others.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "irecctl/devid.h"
#include "irecctl/discovery.h"
#include "irecctl/log.h"

/* Small stacks: dozens of probe threads must stay far below 8 MiB of memory. */
#define PROBE_STACK_SIZE (256 * 1024)

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

static void *job_thread(void *arg)
{
	struct job *j = arg;
	struct device d;
	bool valid;

	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.accessible = true;
	if (j->kind == JOB_USB)
		valid = usb_probe_device(j->usb, &d);
	else
		valid = mux_probe_device(&j->mux, &d, NULL);

	struct probe_batch *b = j->batch;
	pthread_mutex_lock(&b->lock);
	bool abandoned = j->abandoned;
	if (!abandoned) {
		j->result = d;
		j->valid = valid;
		j->done = true;
		b->pending--;
		pthread_cond_signal(&b->cond);
	}
	batch_release_locked(b);
	if (abandoned)
		job_free(j);
	return NULL;
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
	snprintf(d->error, sizeof(d->error), "no answer within %.1f s", j->timeout_ms / 1000.0);
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
	batch_release_locked(b);
}

/* One libusb context for the whole process: probe threads may outlive a call. */
libusb_context *discovery_libusb(char *err, size_t errlen)
{
	static libusb_context *ctx;
	static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;
	int r = 0;

	pthread_mutex_lock(&once);
	if (!ctx)
		r = libusb_init(&ctx);
	pthread_mutex_unlock(&once);
	if (r != 0) {
		snprintf(err, errlen, "cannot start libusb: %s",
		         libusb_strerror((enum libusb_error)r));
		return NULL;
	}
	return ctx;
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

static void add_usb_jobs(libusb_context *ctx, struct job ***jobs, size_t *n)
{
	libusb_device **list = NULL;
	ssize_t count = libusb_get_device_list(ctx, &list);

	for (ssize_t i = 0; i < count; i++) {
		if (!is_apple_usb_mode(list[i]))
			continue;
		struct job *j = calloc(1, sizeof(*j));
		if (!j)
			break;
		j->kind = JOB_USB;
		j->usb = libusb_ref_device(list[i]);
		if (!add_job(jobs, n, j))
			break;
	}
	if (count >= 0)
		libusb_free_device_list(list, 1);
}

static void add_mux_jobs(struct job ***jobs, size_t *n)
{
	usbmuxd_device_info_t *list = NULL;
	int count = usbmuxd_get_device_list(&list);

	if (count < 0) {
		log_debug("usbmuxd not reachable (%s): no normal-mode devices", strerror(-count));
		return;
	}
	for (int i = 0; i < count; i++) {
		if (list[i].conn_type != CONNECTION_TYPE_USB)
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

static void fill_missing(struct device *into, const struct device *from)
{
#define FILL_STR(f)                                                                                \
	if (!into->f[0])                                                                           \
	memcpy(into->f, from->f, sizeof(into->f))
	FILL_STR(udid);
	FILL_STR(product_type);
	FILL_STR(hw_model);
	FILL_STR(os_version);
	FILL_STR(build);
	FILL_STR(iboot);
	FILL_STR(usb_location);
#undef FILL_STR
	if (!into->model)
		into->model = from->model;
	if (into->trusted < 0)
		into->trusted = from->trusted;
}

/* One record per physical device: records with the same ECID are merged. */
static void merge_by_ecid(struct device_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		for (size_t k = i + 1; k < l->n;) {
			if (l->v[i].ecid && l->v[i].ecid == l->v[k].ecid) {
				fill_missing(&l->v[i], &l->v[k]);
				l->v[k] = l->v[--l->n];
			} else {
				k++;
			}
		}
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

int discover_all(struct device_list *out, int timeout_ms, char *err, size_t errlen)
{
	libusb_context *ctx = discovery_libusb(err, errlen);
	struct job **jobs = NULL;
	size_t n = 0;

	/* Without raw USB (a container, say) usbmuxd devices can still be listed. */
	if (ctx)
		add_usb_jobs(ctx, &jobs, &n);
	else
		log_warn("%s: recovery and DFU devices cannot be seen", err);
	add_mux_jobs(&jobs, &n);
	run_jobs(jobs, n, timeout_ms, out);
	free(jobs);
	merge_by_ecid(out);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), compare_devices);
	return 0;
}
