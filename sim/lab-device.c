/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device table and its state machine: which side (USB or usbmuxd) a
 * device is on, and how it moves between them. A mode change detaches the
 * device at once and re-attaches it after transition_ms, as a real device
 * disappears from the bus while it reboots. Also the request log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>

#include "lab-core.h"

struct lab_entry {
	struct sim_device dev; /* first: lab_device() hands out &entry->dev */
	enum sim_mode home;    /* mode to (re)appear in when plugged */
	enum sim_mode target;  /* where the pending transition leads */
	guint timer;           /* pending transition, 0 if none */
};

/* A fixed table, published by an atomic count: the umockdev worker thread
 * may walk it while the main loop adds a device. */
static struct lab_entry *table[LAB_MAX_DEVICES];
static gint n_devices;
static GRecMutex state_lock;
static lab_mode_hook mode_hook;
static double time_scale = 1.0;
static bool realistic;

void lab_set_time_scale(double scale)
{
	time_scale = scale;
}

void lab_set_realistic(bool on)
{
	realistic = on;
}

unsigned lab_ms(unsigned ms)
{
	double v = ms * time_scale;

	return v >= 4e9 ? 4000000000u : (unsigned)(v + 0.5);
}

/* clang-format off */
G_DEFINE_QUARK(irecsim-lab-error-quark, lab_error)
/* clang-format on */

static struct lab_entry *entry_of(const struct sim_device *d)
{
	return (struct lab_entry *)d;
}

void lab_lock(void)
{
	g_rec_mutex_lock(&state_lock);
}

void lab_unlock(void)
{
	g_rec_mutex_unlock(&state_lock);
}

unsigned lab_device_count(void)
{
	return (unsigned)g_atomic_int_get(&n_devices);
}

struct sim_device *lab_device(unsigned index)
{
	if (index >= lab_device_count())
		return NULL;
	return &table[index]->dev;
}

struct sim_device *lab_device_by_udid(const char *udid)
{
	for (unsigned i = 0; i < lab_device_count(); i++)
		if (g_ascii_strcasecmp(table[i]->dev.udid, udid) == 0)
			return &table[i]->dev;
	return NULL;
}

struct sim_device *lab_device_by_ecid(uint64_t ecid)
{
	for (unsigned i = 0; i < lab_device_count(); i++)
		if (table[i]->dev.ecid == ecid)
			return &table[i]->dev;
	return NULL;
}

struct sim_device *lab_device_find(const char *ref)
{
	char *end = NULL;
	guint64 n;

	if (!ref || !*ref)
		return NULL;
	if (g_str_has_prefix(ref, "0x") || g_str_has_prefix(ref, "0X")) {
		n = g_ascii_strtoull(ref, &end, 16);
		return *end ? NULL : lab_device_by_ecid(n);
	}
	n = g_ascii_strtoull(ref, &end, 10);
	if (!*end && n >= 1 && n <= lab_device_count())
		return &table[n - 1]->dev;
	return lab_device_by_udid(ref);
}

struct sim_device *lab_device_add(const char *spec, GError **error)
{
	unsigned n = lab_device_count();
	struct lab_entry *e;

	if (n >= LAB_MAX_DEVICES) {
		g_set_error(error, LAB_ERROR, 0, "the lab holds at most %d devices",
		            LAB_MAX_DEVICES);
		return NULL;
	}
	e = g_new0(struct lab_entry, 1);
	e->dev.id = n + 1;
	if (!lab_spec_parse(&e->dev, &e->home, spec, error)) {
		g_free(e);
		return NULL;
	}
	if (lab_device_by_ecid(e->dev.ecid) || lab_device_by_udid(e->dev.udid)) {
		g_set_error(error, LAB_ERROR, 0, "device %u: ECID or UDID already in use",
		            e->dev.id);
		g_free(e);
		return NULL;
	}
	if (realistic)
		lab_spec_realistic(&e->dev);
	table[n] = e;
	g_atomic_int_set(&n_devices, n + 1);
	lab_log(&e->dev, "core", "added %s (%s) %s cpid 0x%04x bdid 0x%02x udid %s ios %s",
	        e->dev.product_type, e->dev.hw_model, sim_mode_name(e->home), e->dev.cpid,
	        e->dev.bdid, e->dev.udid, e->dev.ios_version);
	return &e->dev;
}

void lab_set_mode_hook(lab_mode_hook hook)
{
	mode_hook = hook;
}

static void set_mode(struct sim_device *d, enum sim_mode m)
{
	lab_lock();
	d->mode = m;
	lab_unlock();
}

/* The sides are called without lab_lock held: usbsim_plug talks to the
 * umockdev worker thread, which may itself be waiting for the lock. */
static void attach_now(struct lab_entry *e, enum sim_mode m)
{
	struct sim_device *d = &e->dev;
	GError *error = NULL;

	e->home = m;
	set_mode(d, m);
	if (sim_mode_is_usb(m) && !usbsim_plug(d, &error)) {
		lab_log(d, "core", "plug in %s failed: %s", sim_mode_name(m), error->message);
		g_printerr("irecsim: device %u: %s\n", d->id, error->message);
		g_clear_error(&error);
		set_mode(d, SIM_GONE);
	} else if (sim_mode_is_mux(m)) {
		muxsim_attach(d);
	}
	if (d->mode != SIM_GONE)
		lab_log(d, "core", "attached in %s", sim_mode_name(m));
	if (mode_hook)
		mode_hook(d);
}

static void detach_now(struct lab_entry *e)
{
	struct sim_device *d = &e->dev;
	enum sim_mode m = d->mode;

	if (sim_mode_is_usb(m))
		usbsim_unplug(d);
	else if (sim_mode_is_mux(m))
		muxsim_detach(d);
	set_mode(d, SIM_GONE);
	if (m == SIM_GONE)
		return;
	lab_log(d, "core", "detached from %s", sim_mode_name(m));
	if (mode_hook)
		mode_hook(d);
}

static void cancel_pending(struct lab_entry *e)
{
	if (e->timer)
		g_source_remove(e->timer);
	e->timer = 0;
}

static gboolean transition_done(gpointer data)
{
	struct lab_entry *e = data;

	e->timer = 0;
	attach_now(e, e->target);
	return G_SOURCE_REMOVE;
}

enum sim_mode lab_device_target(const struct sim_device *d)
{
	const struct lab_entry *e = entry_of(d);

	return e->timer ? e->target : d->mode;
}

/* Booting the OS and going down into Recovery take their own times. */
static unsigned transition_time(const struct sim_device *d, enum sim_mode from,
                                enum sim_mode target)
{
	if (target == SIM_NORMAL && from != SIM_NORMAL && d->boot_ms)
		return d->boot_ms;
	if (target == SIM_RECOVERY && sim_mode_is_mux(from) && d->enter_ms)
		return d->enter_ms;
	return d->transition_ms;
}

void lab_request_mode(struct sim_device *d, enum sim_mode target)
{
	struct lab_entry *e = entry_of(d);
	enum sim_mode from = d->mode;
	unsigned ms;

	if (target == SIM_GONE) {
		lab_device_unplug(d);
		return;
	}
	cancel_pending(e);
	/* EnterRecovery clears auto-boot in NVRAM: that is what keeps a
	 * device in recovery across reboots until someone sets it again. */
	if (sim_mode_is_mux(from) && target == SIM_RECOVERY) {
		lab_lock();
		d->auto_boot = d->auto_boot_pending = false;
		lab_unlock();
	}
	detach_now(e);
	e->home = e->target = target;
	ms = lab_ms(transition_time(d, from, target));
	e->timer = g_timeout_add(ms, transition_done, e);
	lab_log(d, "core", "mode %s -> %s in %u ms", sim_mode_name(from), sim_mode_name(target),
	        ms);
}

void lab_on_iboot_reboot(struct sim_device *d)
{
	bool boot;

	lab_lock();
	/* setenv without saveenv does not survive a reboot */
	d->auto_boot_pending = d->auto_boot;
	boot = d->auto_boot && !d->broken_os;
	lab_unlock();
	lab_log(d, "core", "reboot: auto-boot %s%s", d->auto_boot ? "true" : "false",
	        d->broken_os ? ", broken OS" : "");
	lab_request_mode(d, boot ? SIM_NORMAL : SIM_RECOVERY);
}

void lab_device_unplug(struct sim_device *d)
{
	struct lab_entry *e = entry_of(d);

	if (e->timer)
		e->home = e->target;
	cancel_pending(e);
	detach_now(e);
	lab_log(d, "core", "unplugged (comes back in %s)", sim_mode_name(e->home));
}

void lab_device_plug(struct sim_device *d)
{
	struct lab_entry *e = entry_of(d);

	if (d->mode != SIM_GONE || e->timer)
		return;
	attach_now(e, e->home);
}

void lab_device_replug(struct sim_device *d)
{
	lab_device_unplug(d);
	lab_device_plug(d);
}

void lab_devices_free(void)
{
	unsigned n = lab_device_count();

	g_atomic_int_set(&n_devices, 0);
	for (unsigned i = 0; i < n; i++) {
		cancel_pending(table[i]);
		g_clear_pointer(&table[i], g_free);
	}
}

/* --- the request log ----------------------------------------------------- */

static GMutex log_lock;
static FILE *log_fp;
static bool log_echo;
static gint64 log_t0;
static GHashTable *log_counts; /* side -> lines */

bool lab_log_open(const char *path, bool echo, GError **error)
{
	g_mutex_lock(&log_lock);
	log_echo = echo;
	if (path && *path) {
		log_fp = fopen(path, "a");
		if (!log_fp) {
			int err = errno;

			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
			            "cannot open log %s: %s", path, g_strerror(err));
		}
	}
	g_mutex_unlock(&log_lock);
	return !path || !*path || log_fp;
}

void lab_log_close(void)
{
	g_mutex_lock(&log_lock);
	if (log_fp)
		fclose(log_fp);
	log_fp = NULL;
	g_clear_pointer(&log_counts, g_hash_table_unref);
	g_mutex_unlock(&log_lock);
}

unsigned lab_log_count(const char *side)
{
	unsigned n;

	g_mutex_lock(&log_lock);
	n = log_counts ? GPOINTER_TO_UINT(g_hash_table_lookup(log_counts, side)) : 0;
	g_mutex_unlock(&log_lock);
	return n;
}

static void count_side(const char *side)
{
	unsigned n;

	if (!log_counts)
		log_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(log_counts, side));
	g_hash_table_insert(log_counts, g_strdup(side), GUINT_TO_POINTER(n + 1));
}

void lab_log(const struct sim_device *d, const char *side, const char *fmt, ...)
{
	char ecid[24] = "-";
	va_list ap;
	char *text;
	gint64 now = g_get_monotonic_time();

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	/* one request, one line: greppable even if a side logs a plist */
	g_strdelimit(text, "\r\n", ' ');
	if (d)
		g_snprintf(ecid, sizeof(ecid), "0x%016llx", (unsigned long long)d->ecid);
	g_mutex_lock(&log_lock);
	if (!log_t0)
		log_t0 = now;
	count_side(side);
	if (log_fp) {
		fprintf(log_fp, "%8lld %s %s %s\n", (long long)(now - log_t0) / 1000, ecid, side,
		        text);
		fflush(log_fp);
	}
	if (log_echo)
		fprintf(stderr, "irecsim: %8lld %s %s %s\n", (long long)(now - log_t0) / 1000, ecid,
		        side, text);
	g_mutex_unlock(&log_lock);
	g_free(text);
}
