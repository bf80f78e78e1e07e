/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the mode-change engine (modechange.c: selection, locking, the run;
 * modechange-send.c: starting each target; modechange-wait.c: arrivals and
 * timeouts; modechange-report.c: results). Not a public interface.
 */
#ifndef IRECCTL_MODECHANGE_PRIV_H
#define IRECCTL_MODECHANGE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "irecctl/cli.h"
#include "irecctl/guide.h"
#include "irecctl/lock.h"
#include "irecctl/modechange.h"

struct event_loop;

struct target {
	struct device dev;     /* as found */
	struct device arrived; /* as last seen arriving */
	struct dev_lock lock;
	struct mc_plan plan;
	const struct mc_spec *spec;
	int status;
	char message[320];
	bool waiting;  /* the request went out (or a person acts): watch for arrival */
	bool departed; /* seen leaving since the request */
	bool resolved;
	enum dev_mode final_mode;
	int64_t started_ms, finished_ms;
	pthread_t thread;
	bool thread_started;
	/* Written by the send thread, read by the main thread once send_done. */
	int send_status;
	char send_error[200];
	bool send_done; /* atomic */
	struct event_loop *loop;
	struct guide guide; /* a person's steps, while guided */
	bool guided;
	bool unverified; /* --no-wait: sent, never seen arriving */
};

/* Settle a target: its result, final mode and message (printf-style). */
void mc_resolve(struct target *t, int status, enum dev_mode mode, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* modechange-send.c */
/* The model whose buttons a person is shown (the plan's, the device's, --model). */
const struct model *mc_model_for_buttons(const struct target *t);
/* Modes only usbmuxd shows: an arrival there is seen only through it. */
bool mc_seen_through_mux(enum dev_mode m);
/* Plan the target and act on the plan: resolve, send, or guide a person. */
void mc_start_target(struct target *t, bool interactive, bool escapes, bool *guide_taken);
/* Act on every finished send: a refusal resolves the target at once. */
void mc_collect_sends(struct target *v, size_t n);

/* modechange-wait.c */
/* Until every target is resolved: sends finishing, arrivals, guide steps. */
void mc_wait_all(struct event_loop *loop, struct target *v, size_t n, int64_t deadline);
/* A send thread was left running (Ctrl-C, timeout): the targets stay allocated. */
bool mc_sends_abandoned(void);

/* modechange-report.c */
void mc_report(const struct ctx *ctx, const struct target *v, size_t n);

#endif
