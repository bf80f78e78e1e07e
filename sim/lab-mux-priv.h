/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-mux internals, shared by lab-mux.c (the daemon: its socket,
 * connections, lifecycle and Attached/Detached broadcasts) and
 * lab-mux-cmd.c (what it answers: the requests and the pair records).
 * Main loop only.
 */
#ifndef IRECSIM_LAB_MUX_PRIV_H
#define IRECSIM_LAB_MUX_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <plist/plist.h>

#include "lab.h"

#define MUX_HDR_LEN 16u
#define MUX_MAX_MSG (1u << 20) /* requests are small; anything bigger is garbage */

enum conn_state {
	CONN_COMMAND, /* request/reply */
	CONN_LISTEN,  /* receives Attached/Detached */
	CONN_TUNNEL,  /* raw bytes to lockdownd */
};

struct conn {
	int fd;
	guint in_watch, out_watch;
	enum conn_state state;
	GByteArray *in, *out;
	bool close_when_flushed;
	struct sim_device *dev; /* tunnel target */
	struct ldsim *ld;       /* tunnel lockdownd state */
	struct rdsim *rd;       /* or restored / FDR, in restore mode (lab-restored.c) */
	guint latency_timer;    /* replies held back by ld-latency */
};

/* lab-mux.c: write what we can; wait for POLLOUT for the rest. false: c
 * was closed. */
bool mux_conn_flush(struct conn *c);

/* lab-mux-cmd.c */
/* d's fields as of now, read under lab_lock(). */
void mux_snapshot(const struct sim_device *d, struct sim_device *out);
/* Visible in usbmuxd: attached by muxsim_attach and still in a mux mode. */
bool mux_present(const struct sim_device *snap);
plist_t mux_attached_message(const struct sim_device *snap);
void mux_send_plist(struct conn *c, uint32_t tag, plist_t msg);
/* Handle complete mux messages; false: protocol garbage, drop the client. */
bool mux_process_commands(struct conn *c);
/* The in-memory pair records: created at muxsim_init, freed at shutdown. */
void mux_records_init(void);
void mux_records_free(void);

#endif
