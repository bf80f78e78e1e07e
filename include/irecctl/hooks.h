/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event hooks (`irecctl watch --exec CMD [ARGS...]`): CMD runs once per
 * event, as an argument vector (no shell), with the event in IRECCTL_*
 * environment variables and as its JSON record on stdin; its stdout goes
 * to our stderr so that watch's own stdout stays data. Hooks of one device
 * run one after the other, in event order; hooks of different devices run
 * in parallel, each on its own thread. A hook that outlives the timeout is
 * terminated (its whole process group). Failures are reported on stderr
 * and never stop the caller.
 */
#ifndef IRECCTL_HOOKS_H
#define IRECCTL_HOOKS_H

#include <stdbool.h>

#include <jansson.h>

struct hooks;

/* argv: CMD and its arguments (NULL-terminated, kept by reference);
 * timeout_s: per hook. NULL on allocation failure. */
struct hooks *hooks_new(char *const *argv, double timeout_s);

/*
 * Queue CMD for one event. lane names the device (its ECID, else its
 * attachment); record is the event's JSON record (stdin gets it stamped
 * with schema_version, as watch --json prints it); its keys fill the
 * environment. false when the hook could not
 * be queued (reported).
 */
bool hooks_submit(struct hooks *h, const char *lane, json_t *record);

/*
 * Finish: with terminate false, run every queued hook first (each still
 * bounded by the timeout); with terminate true, end running hooks now and
 * drop queued ones. Frees h (NULL is fine). Returns the number of hooks
 * that failed, timed out or could not start, over h's lifetime.
 */
unsigned hooks_finish(struct hooks *h, bool terminate);

/* The variable -> record key table (for irecctl(1) and tests). */
struct hook_env_var {
	const char *name; /* "IRECCTL_MODE" */
	const char *key;  /* "mode" */
};
extern const struct hook_env_var hook_env_vars[];

#endif
