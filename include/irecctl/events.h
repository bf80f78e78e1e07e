/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One stream of device arrivals and departures across both worlds: raw USB
 * (recovery, DFU, ...) through libusb hotplug, and usbmuxd (normal,
 * restore) through its Listen subscription. Each arrival is probed on its
 * own thread (mode, ECID, model); the main thread takes finished events
 * with events_next(), which blocks in poll() and so costs no CPU while
 * nothing happens.
 *
 * Devices already attached when the loop starts are reported as ADD
 * events too (both libraries do that); callers that took a snapshot
 * drop them with events_seq() (see wait.c).
 */
#ifndef IRECCTL_EVENTS_H
#define IRECCTL_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "irecctl/device.h"

enum event_kind {
	EVENT_ADD = 1, /* the device appeared (in dev.mode) */
	EVENT_REMOVE,  /* it left; dev is the identity last seen for this attachment */
};

enum event_source {
	EVENT_SRC_USB = 1, /* libusb hotplug */
	EVENT_SRC_MUX,     /* usbmuxd */
	EVENT_SRC_TEST,    /* events_inject() */
};

#define EVENT_KEY_MAX 48

struct event {
	enum event_kind kind;
	enum event_source source;
	/* One attachment: "usb:1-4.2" (USB location) or "mux:17" (usbmuxd DeviceID).
	 * An ADD and its REMOVE carry the same key. */
	char key[EVENT_KEY_MAX];
	uint64_t seq;         /* 1, 2, ... in the order events_next() returns them */
	int64_t time_ms;      /* CLOCK_MONOTONIC, when the library reported the change */
	struct timespec wall; /* CLOCK_REALTIME of the same moment, for display */
	struct device dev;
};

/* Flags for events_start(). */
#define EVENTS_NO_SIGNALS 0x1u /* leave SIGINT/SIGTERM alone (tests, nested loops) */
#define EVENTS_NO_USB     0x2u /* no libusb hotplug source */
#define EVENTS_NO_MUX     0x4u /* no usbmuxd source */

enum events_status {
	EVENTS_EVENT,       /* *ev filled */
	EVENTS_TIMEOUT,     /* the deadline passed */
	EVENTS_INTERRUPTED, /* SIGINT or SIGTERM arrived (sticky: every later call says so too) */
};

struct event_loop;

/*
 * Start listening. Unless EVENTS_NO_SIGNALS, SIGINT and SIGTERM are caught
 * (only one such loop at a time) until events_stop(); a signal that was
 * ignored when the loop started stays ignored. Returns 0, or a negative
 * errno with a one-line reason in err.
 */
int events_start(struct event_loop **out, unsigned flags, char *err, size_t errlen);

struct devid;

struct events_opts {
	unsigned flags; /* EVENTS_* */
	/* Probe only arrivals that may be this device (a usbmuxd UDID, new-form
	 * or equal, or a cached USB identity string names another device: no
	 * lockdownd connection, no open); the others are still reported, with
	 * what the library said. NULL: probe every arrival. */
	const struct devid *only;
	/* How long one arrival's probe may take (0: PROBE_TIMEOUT_MS); a
	 * freshly booted lockdownd that refuses at first is asked again
	 * until then. */
	int probe_timeout_ms;
	/* Records the caller already has (its snapshot): a usbmuxd arrival
	 * with the same DeviceID and UDID is that attachment, reported as
	 * recorded instead of asking lockdownd again. Copied. */
	const struct device *known;
	size_t nknown;
};

/* events_start() with options. */
int events_start_opts(struct event_loop **out, const struct events_opts *o, char *err,
                      size_t errlen);

/*
 * The next event, waiting until deadline_ms (CLOCK_MONOTONIC milliseconds,
 * see events_now_ms(); negative: no deadline).
 */
enum events_status events_next(struct event_loop *loop, struct event *ev, int64_t deadline_ms);

/* The seq of the last event queued so far (0 if none): events with a
 * larger seq happened after this call. */
uint64_t events_seq(struct event_loop *loop);

/* The signal behind EVENTS_INTERRUPTED (SIGINT or SIGTERM), else 0. */
int events_signal(struct event_loop *loop);

/* Has SIGINT/SIGTERM arrived (without waiting)? The signal, else 0. For
 * work done between events_start() and the first events_next(). */
int events_check_signal(struct event_loop *loop);

/* Queue an event as if a source had reported it (tests). seq is assigned. */
void events_inject(struct event_loop *loop, const struct event *ev);

/* Stop the sources, restore the signal handlers, free the loop (probes
 * still running finish on their own and are discarded). NULL is fine. */
void events_stop(struct event_loop *loop);

/*
 * Why this loop can never see usbmuxd's devices (normal and restore mode),
 * as found when it started: something that does not speak usbmuxd at the
 * endpoint, or no way to notice the daemon start. NULL when it listens, or
 * when usbmuxd is simply not running yet (it starts on demand, and the loop
 * picks it up then).
 */
const char *events_mux_unusable(struct event_loop *loop);

/* Has the loop listened to a usbmuxd at any time since it started? */
bool events_mux_subscribed(struct event_loop *loop);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t events_now_ms(void);

/* A deadline seconds from now for events_next(); negative seconds: none. */
int64_t events_deadline_after(double seconds);

/* The key a device record from discover_all() would have as an event. */
void event_key_for_device(const struct device *d, char key[static EVENT_KEY_MAX]);

#endif
