/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl restore: the pieces behind src/cmd-restore.c.
 *
 *   restore-engine.c    find and probe the engine (idevicerestore), build
 *                       its argument vector, spawn it, stop it
 *   restore-progress.c  what the engine's output lines mean: phases,
 *                       fractions, Variant, point of no return, outcome
 *   restore-run.c       drive one engine run: both streams in one poll
 *                       loop, the per-run log, Ctrl-C, the Variant check
 *   restore-plan.c      the pre-flight: IPSW against device, engine, space
 *   restore-audit.c     the audit log, one JSON line per attempt
 *
 * The engine is a separate program: irecctl never speaks the restore
 * protocol itself, it chooses, checks, watches and verifies.
 */
#ifndef IRECCTL_RESTORE_H
#define IRECCTL_RESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "irecctl/device.h"
#include "irecctl/ipsw.h"

/* --- the engine ------------------------------------------------------------ */

enum engine_gen {
	ENGINE_1_0_0 = 1, /* Debian 12: idevicerestore 1.0.0 (2020) */
	ENGINE_GIT,       /* later snapshots (Debian 13: 1.0.0+git20240709): --variant */
};

struct engine {
	char path[4096];
	char version[64]; /* "1.0.0", "1.0.0+git20240709" */
	enum engine_gen gen;
	/* Two recovery/DFU devices attached crash it (libirecovery < 1.0.1). */
	bool crashes_with_two_devices;
	char stdbuf[4096]; /* stdbuf(1) for line-buffered output; "" if none */
};

/*
 * Find the engine (path, or "idevicerestore" in PATH) and run `-v`
 * (stdin /dev/null, 10 s at most). Returns IREC_OK, or IREC_ENOENGINE with
 * a reason (missing, not runnable, unparsable or too old version).
 */
/* path made absolute against the working directory (symbolic links kept). */
bool restore_abspath(const char *path, char *out, size_t len);

int engine_probe(const char *path, struct engine *e, char *err, size_t errlen);

/* Classify a `-v` answer ("idevicerestore 1.0.0\n"); false if it is none. */
bool engine_parse_version(const char *text, struct engine *e);

struct engine_job {
	uint64_t ecid;
	bool erase;
	const char *variant; /* the identity's Variant, for engines that take --variant */
	const char *cache_dir;
	const char *ipsw;
};

#define ENGINE_ARGV_MAX 24

/* The argument vector (NULL-terminated; pointers into e, job and buf). */
void engine_argv(const struct engine *e, const struct engine_job *job, char *buf, size_t buflen,
                 const char *argv[ENGINE_ARGV_MAX]);

/* One line of argv for display, shell-quoted. */
void engine_format_argv(const char *const *argv, char *out, size_t len);

struct engine_proc {
	pid_t pid; /* also its process group */
	int out_fd, err_fd;
};

/* Spawn argv in workdir: stdin /dev/null, its own process group, stdout
 * and stderr to pipes, irecctl's environment. 0 or -errno. */
int engine_spawn(const char *const *argv, const char *workdir, struct engine_proc *p);

/* --- the engine's output ------------------------------------------------------ */

enum rphase { RP_DETECT, RP_SIGN, RP_UPLOAD, RP_RESTORE, RP_VERIFY, RP_COUNT };

enum rsign { SIGN_UNKNOWN, SIGN_OK, SIGN_REFUSED, SIGN_UNREACHABLE };

struct rprogress {
	enum rphase phase;
	int step; /* the engine's progress step, -1 before the first */
	double step_fraction;
	double fraction; /* overall, 0..1, never going back */
	char variant[96];
	bool past_point_of_no_return; /* StartRestore sent (PREPARE 1.0) */
	bool finished;                /* "Status: Restore Finished" */
	bool status_failed;           /* another Status: line */
	char status[96];              /* the last Status: text */
	enum rsign sign;
	bool no_identity;  /* 1.0.0 "...any build identities", later "...a matching build identity"
	                    */
	bool wrote_device; /* it sent something to the device (iBEC, ...) */
	char last_error[200];
};

enum {
	RP_CHANGED_PHASE = 1,
	RP_CHANGED_FRACTION = 2,
	RP_CHANGED_VARIANT = 4,
	RP_CHANGED_PONR = 8,
	RP_CHANGED_FINISHED = 16,
	RP_CHANGED_STATUS = 32, /* restored's final status, whatever it is */
};

void rprogress_init(struct rprogress *p);
/* One line of the engine's output (either stream, without its newline):
 * the RP_CHANGED_* bits it changed. */
unsigned rprogress_line(struct rprogress *p, const char *line);
const char *rphase_name(enum rphase ph);

/* --- one run ------------------------------------------------------------------------ */

struct run_ui {
	bool json;        /* NDJSON events on stdout */
	bool bar;         /* a progress bar on stderr (a terminal) */
	const char *id;   /* "0x..." ECID, for events and messages */
	const char *kind; /* "update", "erase" */
};

struct run_result {
	struct rprogress prog;
	int wait_status;     /* waitpid() status */
	bool variant_killed; /* it chose another identity than asked: killed before any write */
	bool interrupted;    /* Ctrl-C (or SIGTERM) stopped it */
	bool timed_out;      /* the deadline passed: stopped */
	bool lingered;       /* it reported the restore finished but did not exit: stopped */
	bool stopped;        /* it closed its output but did not exit: stopped by irecctl */
	char got_variant[96];
};

/*
 * Run the engine (argv from engine_argv) in workdir and watch it until it
 * exits: its two streams line by line into log (timestamped) and the
 * progress parser. Before the point of no return a Ctrl-C stops it
 * (SIGTERM, SIGKILL after a grace period); after it, the first Ctrl-C only
 * warns. deadline_ms (CLOCK_MONOTONIC, events_now_ms()) stops a hang.
 * Returns 0, or -errno if it could not be started.
 */
int restore_run_engine(const char *const *argv, const char *workdir, FILE *log,
                       const char *want_variant, int64_t deadline_ms, const struct run_ui *ui,
                       struct run_result *r);

/* An NDJSON event on stdout: {"event":EVENT,"ecid":...,"time":...} plus extra keys. */
struct json_t;
void restore_emit(const struct run_ui *ui, const char *event, struct json_t *extra);

/* --- pre-flight ------------------------------------------------------------------ */

struct preflight {
	struct ipsw_info ipsw;
	const struct ipsw_identity *update, *erase; /* for the device's board */
	char device_board[32];
	uint64_t cache_free, cache_needed;
};

/*
 * Check the IPSW against the device: product type, board, the identity
 * the request needs (update: refused without an Update identity, since
 * the engine would fall back to erasing), components, free space in the
 * cache directory. IREC_OK or IREC_ENOFIT with a reason.
 */
int preflight_check(const struct device *d, const char *ipsw_path, bool need_update,
                    bool need_erase, const char *cache_dir, struct preflight *pf, char *err,
                    size_t errlen);

/* --- audit log ------------------------------------------------------------------- */

struct audit_record {
	const struct device *dev;
	const char *ipsw;
	const char *ipsw_sha256;
	const char *kind;    /* "update", "erase" */
	const char *consent; /* "not-needed", "typed", "confirm-ecid", "yes-all", "refused" */
	const struct engine *engine;
	int status;
	const char *result; /* NULL: the name of status */
	const char *message;
	const char *log_path;
};

/* Append one JSON line to $XDG_STATE_HOME/irecctl/restore-audit.jsonl. */
void audit_append(const struct audit_record *r);

/* $XDG_STATE_HOME/irecctl (or ~/.local/state/irecctl), created; false if impossible. */
bool restore_state_dir(char *out, size_t len);
/* The same path, nothing created (--plan). */
bool restore_state_path(char *out, size_t len);

/* SHA-256 of a file as 64 hex digits; false on a read error. */
bool restore_sha256_file(const char *path, char out[65]);

#endif
