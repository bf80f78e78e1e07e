/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of `irecctl restore` share: src/cmd-restore.c (options,
 * resolution), src/restore-job.c (one device: lock, recovery, engine,
 * verification), src/restore-consent.c (consent and --plan) and
 * src/restore-fleet.c (--all: one child process per device).
 */
#ifndef IRECCTL_RESTORE_CMD_H
#define IRECCTL_RESTORE_CMD_H

#include <limits.h>

#include "irecctl/cli.h"
#include "irecctl/lock.h"
#include "irecctl/restore.h"

#define RESTORE_TIMEOUT_S 3600.0

enum {
	ROPT_IPSW,
	ROPT_UPDATE,
	ROPT_ERASE,
	ROPT_ERASE_IF,
	ROPT_CONFIRM,
	ROPT_YES,
	ROPT_PLAN,
	ROPT_ENGINE,
	ROPT_CACHE,
	ROPT_LOG_DIR,
	ROPT_JOBS,
	ROPT_LOCK_TIMEOUT,
	ROPT_CONSENT_ALL,
	ROPT_COUNT,
};

enum rkind { RKIND_UPDATE, RKIND_ERASE, RKIND_UPDATE_THEN_ERASE };

struct rjob_spec {
	enum rkind kind;
	char ipsw[PATH_MAX];
	char cache[PATH_MAX];
	char log_dir[PATH_MAX];
	bool cache_given, log_dir_given;
	bool plan, yes, json, bar, interactive;
	bool all;            /* --all: consent by --yes after the list of ECIDs */
	bool consent_all;    /* a child of --all: its --yes --confirm-ecid came from --yes --all */
	const char *confirm; /* --confirm-ecid */
	unsigned jobs;
	double lock_timeout_s, timeout_s;
	struct engine engine;
};

struct rtarget {
	struct device dev;
	struct preflight pf;
	struct dev_lock lock;
	int status;
	char message[300];
	const char *consent; /* how consent was given (audit) */
	char log_path[PATH_MAX + 128];
	bool erased;
	int engine_signal; /* the engine died by this signal after it finished; 0: it did not */
};

/* --cache/--log-dir or their defaults under the state dir. */
int restore_default_dirs(const struct cmd_args *args, struct rjob_spec *s);

/* The pre-flight of every target; IREC_OK or the first refusal (printed). */
int restore_preflight_all(struct rjob_spec *s, struct rtarget *v, size_t n);
/* --plan: everything that would happen, on stdout. */
int restore_print_plan(const struct rjob_spec *s, const struct rtarget *v, size_t n);
/* What restore_consent would decide, without asking, printing or auditing
 * (--plan): IREC_OK with how it is given, or IREC_EUSAGE with why not. */
int restore_consent_verdict(const struct rjob_spec *s, const struct rtarget *v, size_t n, char *how,
                            size_t len);
/* Consent for an erase, by the rules; IREC_EUSAGE when not given. */
int restore_consent(const struct rjob_spec *s, struct rtarget *v, size_t n);
/* Does typed (hex digits, optional 0x) name ecid: at least its last 4 digits? */
bool restore_ecid_typed_matches(const char *typed, uint64_t ecid);

/* One device, start to verified end; its result on stdout. */
int restore_one(const struct rjob_spec *s, struct rtarget *t);
/* The argument vector of --all's child for one device (consent passed on
 * as --yes --confirm-ecid ECID --consent-all); timeout is its buffer. */
#define RESTORE_CHILD_ARGV_MAX 32
void restore_child_argv(const struct rjob_spec *s, const char *ecid, const char *cache,
                        char timeout[32], const char *argv[RESTORE_CHILD_ARGV_MAX]);
/* --all: one child irecctl per device, at most s->jobs at once. */
int restore_fleet(const struct ctx *ctx, const struct rjob_spec *s, struct rtarget *v, size_t n);

#endif
