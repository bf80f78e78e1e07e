/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Waiting for a device to reach a mode, leave, or change at all, driven
 * by the event loop (events.h), without polling.
 *
 * Race-free: the event loop runs before the snapshot (discover_all) is
 * taken, so nothing that happens after the snapshot is missed, and events
 * queued before it are dropped, since the snapshot already shows their
 * outcome. Duplicates (a device the snapshot shows and the libraries then
 * announce) change nothing.
 *
 * The device is followed by its ECID (a UDID selection learns the ECID
 * when the device is seen in normal mode; in restore mode the ECID comes
 * from restored's HardwareInfo, so old 40-hex-digit UDIDs are matched
 * too). A device whose record carries no ECID is only recognised by its
 * UDID.
 *
 * Words used below:
 *   attached  the device is present in some mode (in either world)
 *   arrival   after the wait began, the device appeared in a mode it was
 *             not attached in just before (after leaving, or first seen)
 *   departure it stopped being attached anywhere
 */
#ifndef IRECCTL_WAIT_H
#define IRECCTL_WAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irecctl/device.h"
#include "irecctl/devid.h"
#include "irecctl/events.h"

#define WAIT_MODE(m)   (1u << (m))
#define WAIT_MODES_ALL (((1u << MODE_COUNT) - 1) & ~WAIT_MODE(MODE_UNKNOWN))

struct wait_outcome;

/* The snapshot; discover_all() unless a test substitutes one. */
typedef int (*wait_snapshot_fn)(struct device_list *out, void *data, char *err, size_t errlen);

struct wait_request {
	/* The device: by ECID or UDID (devid_matches). NULL: the only device
	 * attached; if none is, the first one to arrive. */
	const struct devid *id;
	unsigned modes;       /* done when attached in one of these (WAIT_MODE bits) */
	bool gone;            /* done when not attached (at once if it is not) */
	bool any_change;      /* done at the first arrival or departure */
	unsigned through;     /* arrivals in these modes never end the wait */
	bool other_mode_ends; /* an arrival outside modes|through: WAIT_OTHER_MODE */
	bool departure_ends;  /* a departure (unless gone): WAIT_VANISHED */
	int64_t deadline_ms;  /* events_deadline_after(); negative: none */
	/* A started loop (a command that must not miss what its own action
	 * causes starts it before acting); NULL: wait_for runs its own. */
	struct event_loop *loop;
	wait_snapshot_fn snapshot;
	void *snapshot_data;
	/* Told once the snapshot is taken and the wait really begins (out:
	 * what is known so far), and every arrival and departure of the device
	 * after that. For progress messages; both may be NULL. */
	void (*on_waiting)(const struct wait_outcome *sofar, void *data);
	void (*on_change)(const struct event *ev, void *data);
	void *hook_data;
};

enum wait_result {
	WAIT_REACHED,     /* dev: the device as it is now (for gone: as it was last seen) */
	WAIT_TIMEOUT,     /* the deadline passed (found says whether it was ever seen) */
	WAIT_INTERRUPTED, /* SIGINT/SIGTERM: signo */
	WAIT_OTHER_MODE,  /* it arrived in dev.mode, outside modes and through */
	WAIT_VANISHED,    /* it departed (departure_ends) */
	WAIT_AMBIGUOUS,   /* no id and several devices attached (candidates) */
	WAIT_ERROR,       /* the event loop or the snapshot failed: error */
	WAIT_BLIND,       /* every mode asked for is usbmuxd's, which is unusable: mux_unusable */
};

#define WAIT_SEEN_MAX 16

struct wait_outcome {
	enum wait_result result;
	struct device dev; /* the device's last known record */
	bool found;        /* it was attached at the start or arrived since */
	bool attached;     /* it is attached now */
	bool attached_at_start;
	enum dev_mode start_mode;
	/* Every arrival during the wait, oldest first (a recovery loop shows
	 * up as ..., MODE_RECOVERY); nseen counts beyond WAIT_SEEN_MAX too. */
	enum dev_mode seen[WAIT_SEEN_MAX];
	size_t nseen;
	unsigned departures;
	size_t candidates;
	int signo;
	char error[160];
	/* usbmuxd cannot be used (events_mux_unusable()): normal and restore
	 * mode devices are not seen; "" when it can. */
	char mux_unusable[256];
};

enum wait_result wait_for(const struct wait_request *req, struct wait_outcome *out);

/* "normal", "recovery,dfu", "any": WAIT_MODE bits; false on an unknown name. */
bool wait_parse_modes(const char *s, unsigned *modes);
/* A comma-separated list without an empty item ("a,,b", ",a", "a,", ""). */
bool wait_list_items_nonempty(const char *s);

/*
 * What is attached, one record per key (event_key_for_device), kept up to
 * date from events. wait_for uses it; so does `watch`.
 */
struct presence_entry {
	char key[EVENT_KEY_MAX];
	struct device dev;
};

struct presence {
	struct presence_entry *v;
	size_t n, cap;
};

/* Start from a snapshot. false on OOM. */
bool presence_init(struct presence *p, const struct device_list *snapshot);
/* Apply ev. false if it changes nothing (a duplicate ADD, a REMOVE of
 * something not attached). */
bool presence_apply(struct presence *p, const struct event *ev);
void presence_free(struct presence *p);

#endif
