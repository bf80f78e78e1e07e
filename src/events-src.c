/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two sources of the event loop.
 *
 * Raw USB: libusb hotplug (vendor 0x05ac), delivered by a thread of ours
 * that blocks in libusb_handle_events_timeout_completed(). libusb's udev
 * monitor wakes it the moment a uevent arrives, so an arrival is noticed
 * in milliseconds, and nothing wakes it otherwise. (libirecovery's own
 * event API is not used: it sleeps 100 ms per round.)
 *
 * usbmuxd: libusbmuxd's Listen subscription, which runs its own thread
 * (held while a usbmuxd is there: events-mux.c).
 *
 * Neither library allows blocking in its callback (libusb forbids I/O in a
 * hotplug callback; libusbmuxd holds its listener lock), so every arrival
 * is probed on a thread of its own: usb_probe_device()/mux_probe_device().
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irecctl/devid.h"
#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "irecctl/serial.h"
#include "events-priv.h"

#define PROBE_STACK_SIZE (256 * 1024)

/* How long the libusb thread sleeps when nothing happens. Events and
 * stopping (libusb_interrupt_event_handler) wake it at once, so any value
 * works; a long one means no wake-ups at all while idle. */
#define USB_IDLE_S 3600

/* --- probe threads ---------------------------------------------------------- */

/*
 * Right after usbmuxd announces a device its lockdownd may still refuse
 * or drop connections (a freshly booted one for several seconds); giving
 * up then would leave the device's mode unknown for good. Try again,
 * pausing on the loop's clock (a departure or events_stop() ends the
 * pause), until the probe deadline (the command's --timeout). Only an
 * arrival gets that: a device attached all along whose lockdownd closes
 * on us has answered (discovery.c). If it never settles, the reason says
 * how long it was asked.
 */
#define MUX_PROBE_PAUSE_MS 250

static bool probe_mux(struct ev_entry *e, struct device *d)
{
	enum mux_retry retry = MUX_RETRY_NO;
	bool valid = false;
	int64_t deadline = e->probe_deadline_ms;
	int i;

	for (i = 0;; i++) {
		if (i > 0 && (events_now_ms() + MUX_PROBE_PAUSE_MS >= deadline ||
		              !ev_wait_until(e, events_now_ms() + MUX_PROBE_PAUSE_MS)))
			break;
		memset(d, 0, sizeof(*d));
		d->trusted = -1;
		d->accessible = true;
		valid = mux_probe_device(&e->mux, d, &retry);
		if (retry == MUX_RETRY_NO)
			break;
	}
	if (retry == MUX_RETRY_CLOSED && i > 0)
		snprintf(d->error + strlen(d->error), sizeof(d->error) - strlen(d->error),
		         " (asked again for %.1f s after it arrived)",
		         (events_now_ms() - e->arrived_ms) / 1000.0);
	return valid;
}

static void *probe_thread(void *arg)
{
	struct ev_entry *e = arg;
	struct event_loop *l = e->loop;
	struct device d;
	bool valid;

	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.accessible = true;
	if (e->source == EVENT_SRC_USB) {
		valid = usb_probe_arrival(e->usb, &e->prefill, &d);
	} else {
		valid = probe_mux(e, &d);
	}
	ev_probe_done(e, &d, valid);
	ev_entry_unref(e);
	ev_loop_unref(l);
	return NULL;
}

static void start_probe(struct ev_entry *e)
{
	struct event_loop *l = e->loop;
	pthread_attr_t attr;
	pthread_t t;
	sigset_t block, old;
	int r;

	ev_entry_ref(e);
	ev_loop_ref(l);
	/* Probes inherit our mask: SIGINT/SIGTERM belong to the main thread. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PROBE_STACK_SIZE);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, probe_thread, e);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		log_debug("cannot start a probe thread: %s", strerror(r));
		ev_probe_done(e, &e->prefill, true);
		ev_entry_unref(e);
		ev_loop_unref(l);
	}
}

/* --- libusb ------------------------------------------------------------------ */

static bool match_usb(const struct ev_entry *e, const void *dev)
{
	return e->source == EVENT_SRC_USB && e->usb == dev;
}

/* With an `only` filter: is d (what is known without asking) surely
 * another device? An old-form UDID says nothing about the ECID, and
 * usbmuxd says nothing about the port a USB location names (the device
 * at that port may be coming back in normal mode). */
static bool not_followed(const struct event_loop *l, const struct device *d)
{
	if (!l->have_only || (l->only.kind == DEVID_USB && !mode_is_usb(d->mode)))
		return false;
	if (devid_matches(&l->only, d->ecid, d->udid, d->usb_location))
		return false;
	return d->ecid || (d->udid[0] && l->only.kind == DEVID_UDID);
}

static void usb_arrived(struct event_loop *l, libusb_device *dev)
{
	struct ev_entry *e;

	/* libusb may report a device both while enumerating and as an arrival. */
	if (ev_is_attached(l, match_usb, dev))
		return;
	e = ev_entry_new(l, EVENT_SRC_USB);
	if (!e)
		return;
	/* The kernel keeps the identity string in sysfs from enumeration on.
	 * Reading it is a file read, not device I/O, so it may happen in the
	 * hotplug callback: a device that bounces away before its probe opens
	 * it is still reported with its identity (usb_probe_arrival()).
	 * Normal and restore mode are usbmuxd's; we report them from there. */
	if (!usb_identify_quick(dev, &e->prefill)) {
		ev_entry_unref(e);
		return;
	}
	e->usb = libusb_ref_device(dev);
	snprintf(e->key, sizeof(e->key), "usb:%s", e->prefill.usb_location);
	ev_entry_attach(e);
	/* Already attached when we started listening: the kernel's cached
	 * identity is enough, and callers took their own snapshot. Opening
	 * every device again would cost one probe per device per command.
	 * Nor is a device the caller does not follow worth opening. */
	if ((l->usb_enumerating || not_followed(l, &e->prefill)) && e->prefill.ecid)
		ev_probe_done(e, &e->prefill, true);
	else
		start_probe(e);
}

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev,
                                  libusb_hotplug_event event, void *data)
{
	struct event_loop *l = data;

	(void)ctx;
	if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
		usb_arrived(l, dev);
	else if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT)
		ev_mark_left(l, match_usb, dev);
	return 0; /* stay registered */
}

static void *usb_thread_main(void *arg)
{
	struct event_loop *l = arg;
	struct timeval tv = {USB_IDLE_S, 0};
	int failures = 0;

	while (!__atomic_load_n(&l->usb_done, __ATOMIC_ACQUIRE)) {
		int r = libusb_handle_events_timeout_completed(l->usb, &tv, &l->usb_done);
		if (r == 0 || r == LIBUSB_ERROR_INTERRUPTED) {
			failures = 0;
			continue;
		}
		/* An error that repeats at once would spin: give up instead. */
		log_debug("libusb event handling: %s", libusb_strerror((enum libusb_error)r));
		if (++failures == 10) {
			log_warn("no more USB events: %s", libusb_strerror((enum libusb_error)r));
			break;
		}
	}
	return NULL;
}

int ev_usb_start(struct event_loop *l, char *err, size_t errlen)
{
	struct fd_pad pad;
	int r;

	/* For when no library created libusb's monitor before us. */
	fd_pad_begin(&pad, getenv("UMOCKDEV_DIR"));
	r = libusb_init(&l->usb);
	fd_pad_end(&pad);
	if (r != 0) {
		l->usb = NULL;
		snprintf(err, errlen, "cannot start libusb: %s",
		         libusb_strerror((enum libusb_error)r));
		return -EIO;
	}
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		snprintf(err, errlen, "this libusb cannot report USB hotplug events");
		return -ENOTSUP;
	}
	/* ENUMERATE: know the identity of devices already attached, so their
	 * departure can be reported with it. */
	l->usb_enumerating = true;
	r = libusb_hotplug_register_callback(
	        l->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
	        LIBUSB_HOTPLUG_ENUMERATE, APPLE_VID, LIBUSB_HOTPLUG_MATCH_ANY,
	        LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, l, &l->hotplug);
	l->usb_enumerating = false;
	if (r != LIBUSB_SUCCESS) {
		snprintf(err, errlen, "cannot listen for USB devices: %s",
		         libusb_strerror((enum libusb_error)r));
		return -EIO;
	}
	l->have_hotplug = true;
	r = pthread_create(&l->usb_thread, NULL, usb_thread_main, l);
	if (r != 0) {
		snprintf(err, errlen, "cannot start the USB event thread: %s", strerror(r));
		return -r;
	}
	l->usb_thread_started = true;
	return 0;
}

void ev_usb_stop(struct event_loop *l)
{
	if (l->usb_thread_started) {
		__atomic_store_n(&l->usb_done, 1, __ATOMIC_RELEASE);
		libusb_interrupt_event_handler(l->usb);
		pthread_join(l->usb_thread, NULL);
		l->usb_thread_started = false;
	}
	/* Callbacks only run inside libusb_handle_events*(): none from now on. */
	if (l->have_hotplug) {
		libusb_hotplug_deregister_callback(l->usb, l->hotplug);
		l->have_hotplug = false;
	}
}

/* After every entry (and so every libusb_device reference) is gone. */
void ev_usb_free(struct event_loop *l)
{
	if (l->usb)
		libusb_exit(l->usb);
	l->usb = NULL;
}

/* --- usbmuxd ----------------------------------------------------------------- */

static bool match_mux(const struct ev_entry *e, const void *handle)
{
	return e->source == EVENT_SRC_MUX && e->mux.handle == *(const uint32_t *)handle;
}

/* The caller's record of this very attachment (same DeviceID and UDID). */
static const struct device *known_mux(const struct event_loop *l, const usbmuxd_device_info_t *info)
{
	for (size_t i = 0; i < l->nknown; i++) {
		const struct device *d = &l->known[i];
		if (!mode_is_usb(d->mode) && d->mode != MODE_UNKNOWN && d->mux_id == info->handle &&
		    !strcmp(d->udid, info->udid))
			return d;
	}
	return NULL;
}

void ev_mux_added(struct event_loop *l, const usbmuxd_device_info_t *info)
{
	struct ev_entry *e;
	uint64_t ecid;

	if (ev_is_attached(l, match_mux, &info->handle))
		return;
	e = ev_entry_new(l, EVENT_SRC_MUX);
	if (!e)
		return;
	e->mux = *info;
	/* Until lockdownd answers the mode is unknown: normal and restore
	 * look the same to usbmuxd. */
	e->prefill.mode = MODE_UNKNOWN;
	e->prefill.mux_id = info->handle;
	e->prefill.usb_pid = (uint16_t)info->product_id;
	snprintf(e->prefill.udid, sizeof(e->prefill.udid), "%s", info->udid);
	if (devid_ecid_from_udid(e->prefill.udid, &ecid))
		e->prefill.ecid = ecid;
	snprintf(e->key, sizeof(e->key), "mux:%" PRIu32, info->handle);
	ev_entry_attach(e);
	/* Known already, or another device than the one followed: no
	 * lockdownd connection. */
	const struct device *known = known_mux(l, info);
	if (known)
		ev_probe_done(e, known, true);
	else if (not_followed(l, &e->prefill))
		ev_probe_done(e, &e->prefill, true);
	else
		start_probe(e);
}

void ev_mux_removed(struct event_loop *l, const usbmuxd_device_info_t *info)
{
	ev_mark_left(l, match_mux, &info->handle);
}
