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
 * usbmuxd: libusbmuxd's Listen subscription, which runs its own thread.
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
#include <sys/socket.h>
#include <sys/un.h>

#include "irecctl/devid.h"
#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "events-priv.h"

#define PROBE_STACK_SIZE (256 * 1024)

/* How long the libusb thread sleeps when nothing happens; stopping wakes it
 * at once (libusb_interrupt_event_handler), so this only bounds nothing. */
#define USB_IDLE_S 3600

/* --- probe threads ---------------------------------------------------------- */

static void *probe_thread(void *arg)
{
	struct ev_entry *e = arg;
	struct event_loop *l = e->loop;
	struct device d;
	bool valid;

	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.accessible = true;
	if (e->source == EVENT_SRC_USB)
		valid = usb_probe_device(e->usb, &d);
	else
		valid = mux_probe_device(&e->mux, &d, PROBE_TIMEOUT_MS);
	ev_probe_done(e, &d, valid);
	ev_entry_unref(e);
	ev_loop_unref(l);
	return NULL;
}

static void start_probe(struct ev_entry *e)
{
	pthread_attr_t attr;
	pthread_t t;
	sigset_t block, old;
	int r;

	ev_entry_ref(e);
	ev_loop_ref(e->loop);
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
		ev_loop_unref(e->loop);
	}
}

/* --- libusb ------------------------------------------------------------------ */

static bool match_usb(const struct ev_entry *e, const void *dev)
{
	return e->source == EVENT_SRC_USB && e->usb == dev;
}

/* The same "bus-port.port" form usb-scan.c reports. */
static void usb_location(libusb_device *dev, char *buf, size_t len)
{
	uint8_t ports[8];
	int n = libusb_get_port_numbers(dev, ports, sizeof(ports));
	size_t off = (size_t)snprintf(buf, len, "%u", libusb_get_bus_number(dev));

	for (int i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%c%u", i == 0 ? '-' : '.', ports[i]);
}

static void usb_arrived(struct event_loop *l, libusb_device *dev)
{
	struct libusb_device_descriptor desc;
	struct ev_entry *e;

	if (libusb_get_device_descriptor(dev, &desc) != 0)
		return;
	/* Normal and restore mode are usbmuxd's; we report them from there. */
	if (!mode_is_usb(mode_from_usb_pid(desc.idProduct)))
		return;
	/* libusb may report a device both while enumerating and as an arrival. */
	if (ev_is_attached(l, match_usb, dev))
		return;
	e = ev_entry_new(l, EVENT_SRC_USB);
	if (!e)
		return;
	e->usb = libusb_ref_device(dev);
	e->prefill.mode = mode_from_usb_pid(desc.idProduct);
	e->prefill.usb_pid = desc.idProduct;
	usb_location(dev, e->prefill.usb_location, sizeof(e->prefill.usb_location));
	snprintf(e->key, sizeof(e->key), "usb:%s", e->prefill.usb_location);
	ev_entry_attach(e);
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

	while (!__atomic_load_n(&l->usb_done, __ATOMIC_ACQUIRE))
		libusb_handle_events_timeout_completed(l->usb, &tv, &l->usb_done);
	return NULL;
}

/*
 * umockdev (the simulated lab, tests/lab) replaces the udev monitor's
 * netlink socket with a UNIX socket named after its fd number,
 * $UMOCKDEV_DIR/event<fd>, and binding it first unlinks any socket of that
 * name: two preloaded processes whose monitors get the same fd number steal
 * each other's uevents (lab notes, pitfall A5) -- `irecctl wait` next to
 * `irecovery -n`, both with their monitor on fd 3 or 4, and the waiter
 * never hears the device leave or come back. So before libusb_init()
 * creates the monitor, hold a few low fds; under umockdev, also skip every
 * number whose event socket a live process is bound to (the next fds
 * libusb_init() takes). Outside umockdev this costs three dup()s.
 */
#define PAD_MIN 3
#define PAD_MAX 64
#define PAD_LOOKAHEAD 4

static bool umockdev_event_live(const char *dir, int fd)
{
	struct sockaddr_un sa;
	int s, n;
	bool live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/event%d", dir, fd);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return false;
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	/* A leftover file of an exited process refuses the connection. */
	live = connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(s);
	return live;
}

static bool umockdev_fd_taken(const char *dir, int fd)
{
	for (int i = 0; i < PAD_LOOKAHEAD; i++)
		if (umockdev_event_live(dir, fd + i))
			return true;
	return false;
}

static size_t pad_fds(int pads[PAD_MAX])
{
	const char *dir = getenv("UMOCKDEV_DIR");
	size_t n = 0;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	pads[n++] = fd;
	while (n < PAD_MAX) {
		fd = fcntl(pads[0], F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			break;
		/* fd is the lowest free number: what libusb's monitor would get */
		if (n >= PAD_MIN && !(dir && umockdev_fd_taken(dir, fd))) {
			close(fd);
			break;
		}
		pads[n++] = fd;
	}
	return n;
}

int ev_usb_start(struct event_loop *l, char *err, size_t errlen)
{
	int pads[PAD_MAX];
	size_t npads = pad_fds(pads);
	int r = libusb_init(&l->usb);

	for (size_t i = 0; i < npads; i++)
		close(pads[i]);
	if (r != 0) {
		l->usb = NULL;
		snprintf(err, errlen, "cannot start libusb: %s", libusb_strerror((enum libusb_error)r));
		return -EIO;
	}
	if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) {
		snprintf(err, errlen, "this libusb cannot report USB hotplug events");
		return -ENOTSUP;
	}
	/* ENUMERATE: know the identity of devices already attached, so their
	 * departure can be reported with it. */
	r = libusb_hotplug_register_callback(
	        l->usb, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
	        LIBUSB_HOTPLUG_ENUMERATE, APPLE_VID, LIBUSB_HOTPLUG_MATCH_ANY,
	        LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, l, &l->hotplug);
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

static void mux_added(struct event_loop *l, const usbmuxd_device_info_t *info)
{
	struct ev_entry *e;
	uint64_t ecid;

	if (ev_is_attached(l, match_mux, &info->handle))
		return;
	e = ev_entry_new(l, EVENT_SRC_MUX);
	if (!e)
		return;
	e->mux = *info;
	/* Until lockdownd answers: normal mode (restore mode says otherwise). */
	e->prefill.mode = MODE_NORMAL;
	e->prefill.mux_id = info->handle;
	e->prefill.usb_pid = (uint16_t)info->product_id;
	snprintf(e->prefill.udid, sizeof(e->prefill.udid), "%s", info->udid);
	if (devid_ecid_from_udid(e->prefill.udid, &ecid))
		e->prefill.ecid = ecid;
	snprintf(e->key, sizeof(e->key), "mux:%" PRIu32, info->handle);
	ev_entry_attach(e);
	start_probe(e);
}

static void on_mux_event(const usbmuxd_event_t *event, void *data)
{
	struct event_loop *l = data;
	int old;

	/* libusbmuxd stops its thread with pthread_cancel(): a cancel inside
	 * write() to our self-pipe would leave the loop lock held forever. */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	if (event->device.conn_type == CONNECTION_TYPE_USB) {
		if (event->event == UE_DEVICE_ADD)
			mux_added(l, &event->device);
		else if (event->event == UE_DEVICE_REMOVE)
			ev_mark_left(l, match_mux, &event->device.handle);
	}
	pthread_setcancelstate(old, NULL);
}

int ev_mux_start(struct event_loop *l, char *err, size_t errlen)
{
	/* libusbmuxd keeps retrying while usbmuxd is not running (it starts on
	 * demand): not an error, normal-mode devices appear when it does. */
	int r = usbmuxd_events_subscribe(&l->mux, on_mux_event, l);

	if (r < 0) {
		l->mux = NULL;
		snprintf(err, errlen, "cannot listen to usbmuxd: %s", strerror(-r));
		return r;
	}
	return 0;
}

void ev_mux_stop(struct event_loop *l)
{
	if (l->mux)
		usbmuxd_events_unsubscribe(l->mux);
	l->mux = NULL;
}
