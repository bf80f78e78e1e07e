/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the event loop: events.c (queue, ordering, signals, events_next)
 * and events-src.c (the libusb and usbmuxd sources and their probe
 * threads) share these. Not a public interface.
 */
#ifndef IRECCTL_EVENTS_PRIV_H
#define IRECCTL_EVENTS_PRIV_H

#include <pthread.h>
#include <stdbool.h>

#include <libusb.h>
#include <usbmuxd.h>

#include "irecctl/devid.h"
#include "irecctl/events.h"

/*
 * One attachment reported by a library, from its arrival until its REMOVE
 * has been queued. The ADD is queued when the probe finishes (or gives up);
 * a departure seen before that is held back so ADD always precedes REMOVE,
 * and a later attachment with the same key waits for an earlier one.
 */
struct ev_entry {
	struct ev_entry *next; /* arrival order */
	struct event_loop *loop;
	enum event_source source;
	char key[EVENT_KEY_MAX];
	libusb_device *usb;        /* USB: referenced until the entry is freed */
	usbmuxd_device_info_t mux; /* MUX: as usbmuxd reported it */
	struct device prefill;     /* what is known without asking the device */
	struct device dev;         /* the probe's answer, once probed */
	int64_t arrived_ms, left_ms;
	struct timespec arrived_wall, left_wall;
	int64_t probe_deadline_ms; /* give up on the probe then, report prefill */
	bool probed;               /* dev is final */
	bool valid;                /* the probe recognised the device */
	bool add_sent;
	bool left; /* the library reported the departure */
	int refs;  /* the loop's list, and the probe thread */
};

struct event_loop {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* broadcast on a departure and on events_stop() */
	unsigned flags;
	bool have_only; /* probe only arrivals that may be `only` */
	struct devid only;
	int probe_timeout_ms;
	struct device *known; /* events_opts.known, copied */
	size_t nknown;
	int refs;      /* the owner and every probe thread still running */
	bool stopping; /* events_stop() called: sources report into the void */

	int wake[2]; /* self-pipe: a byte per queued event */
	struct event *q;
	size_t q_head, q_len, q_cap;
	uint64_t seq;
	bool overflow_warned;

	struct ev_entry *entries;
	struct ev_entry *dead; /* unreferenced, to free outside the lock */
	int signo;

	/* libusb source */
	libusb_context *usb;
	libusb_hotplug_callback_handle hotplug;
	bool have_hotplug;
	bool usb_enumerating; /* inside register_callback: devices already attached */
	pthread_t usb_thread;
	bool usb_thread_started;
	int usb_done;

	/* usbmuxd source (events-mux.c) */
	usbmuxd_subscription_context_t mux; /* while a usbmuxd is there */
	int mux_inotify;                    /* watches the socket's directory */
	int mux_stop[2];                    /* wakes the watch thread to end */
	char mux_name[256];                 /* the socket's file name */
	pthread_t mux_thread;
	bool mux_thread_started;
	/* Set at start when usbmuxd's devices can never be seen (events_mux_unusable). */
	char mux_unusable[256];
	int mux_subscribed; /* atomic: a subscription was ever made */
};

/* events.c and events-queue.c, for the sources. Take the loop lock themselves. */
struct ev_entry *ev_entry_new(struct event_loop *l, enum event_source src);
/* Append e to the loop's list (the list owns one reference). */
void ev_entry_attach(struct ev_entry *e);
/* The probe's result; queues what became ready. */
void ev_probe_done(struct ev_entry *e, const struct device *d, bool valid);
/* Mark the attached entry that matches as gone; false if none matched. */
/*
 * Until when_ms (CLOCK_MONOTONIC), or sooner if e leaves or the loop
 * stops: a probe's pause before trying again. True if e is still there and
 * the loop still listening.
 */
bool ev_wait_until(struct ev_entry *e, int64_t when_ms);
bool ev_mark_left(struct event_loop *l, bool (*match)(const struct ev_entry *, const void *),
                  const void *data);
/* Is an entry that matches attached (not left)? Duplicate arrivals. */
bool ev_is_attached(struct event_loop *l, bool (*match)(const struct ev_entry *, const void *),
                    const void *data);
void ev_entry_ref(struct ev_entry *e);
void ev_entry_unref(struct ev_entry *e);
void ev_loop_ref(struct event_loop *l);
void ev_loop_unref(struct event_loop *l);
void ev_stamp(int64_t *mono_ms, struct timespec *wall);

/* events-queue.c, for events.c. ev_*_locked: with the loop lock held. */
/* Free the entries that lost their last reference (outside the lock). */
void ev_reap(struct event_loop *l);
void ev_push_locked(struct event_loop *l, const struct event *ev);
bool ev_pop_locked(struct event_loop *l, struct event *ev);
/* Give up on probes past their deadline; the earliest still pending, or -1. */
int64_t ev_expire_probes_locked(struct event_loop *l, int64_t now);

/* events-src.c, for events_start()/events_stop() and the loop's last unref. */
int ev_usb_start(struct event_loop *l, char *err, size_t errlen);
void ev_usb_stop(struct event_loop *l);
void ev_usb_free(struct event_loop *l);
/* events-mux.c: the usbmuxd source, its subscription and socket watch. */
int ev_mux_start(struct event_loop *l, char *err, size_t errlen);
void ev_mux_stop(struct event_loop *l);
/* events-src.c, for libusbmuxd's callback: an arrival, a departure. */
void ev_mux_added(struct event_loop *l, const usbmuxd_device_info_t *info);
void ev_mux_removed(struct event_loop *l, const usbmuxd_device_info_t *info);

/*
 * events-fdpad.c: keep libusb's udev monitor off the fd numbers other
 * processes under umockdev use (see there). Raw syscalls only.
 */
#define FD_PAD_MAX 64

struct fd_pad {
	int fds[FD_PAD_MAX];
	size_t n;
	int lock; /* flock()ed while a monitor is being created, or -1 */
};

void fd_pad_begin(struct fd_pad *p, const char *umockdev_dir);
void fd_pad_end(struct fd_pad *p);

#endif
