/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One device, from its lock to a verified end: into recovery if needed, the
 * engine (update, then erase if asked and the update failed), and the
 * device's own word that it runs the IPSW's build.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "irecctl/device-ops.h"
#include "irecctl/devid.h"
#include "irecctl/discovery.h"
#include "irecctl/duration.h"
#include "irecctl/events.h"
#include "irecctl/log.h"
#include "irecctl/restore-cmd.h"
#include "irecctl/wait.h"

#define ENTER_TIMEOUT_S  180.0
#define VERIFY_TIMEOUT_S 600.0 /* a first boot after a restore takes minutes */

struct attempt {
	const struct rjob_spec *s;
	struct rtarget *t;
	struct run_ui ui;
	char ecid[19];
	int64_t deadline;
	int64_t started;
};

static int set(struct rtarget *t, int status, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int set(struct rtarget *t, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	t->status = status;
	return status;
}

/* Wait for the device (by ECID) to arrive in one of modes; loop may be NULL. */
static enum wait_result wait_mode(struct attempt *a, struct event_loop *loop, unsigned modes,
                                  unsigned through, double max_s, struct wait_outcome *out)
{
	struct devid id = {.kind = DEVID_ECID, .ecid = a->t->dev.ecid, .has_ecid = true};
	double left = (double)(a->deadline - events_now_ms()) / 1000.0;
	struct wait_request req = {
	        .id = &id,
	        .modes = modes,
	        .through = through,
	        .other_mode_ends = true,
	        .deadline_ms = events_deadline_after(left < max_s ? left : max_s),
	        .loop = loop,
	};

	return wait_for(&req, out);
}

/* Normal mode: irecctl's own enter (EnterRecovery, verified by arrival). */
static int enter_recovery(struct attempt *a)
{
	struct event_loop *loop = NULL;
	struct wait_outcome out;
	char err[200];
	int st;

	if (events_start(&loop, 0, err, sizeof(err)) < 0)
		return set(a->t, IREC_EFAIL, "%s", err);
	restore_emit(&a->ui, "phase", json_pack("{s:s}", "phase", "enter-recovery"));
	st = ops_enter_recovery(a->t->dev.udid, false, err, sizeof(err));
	if (st != IREC_OK) {
		events_stop(loop);
		return set(a->t, st, "entering recovery: %s", err);
	}
	/* usbmuxd may still announce it in normal mode before it leaves. */
	enum wait_result w = wait_mode(a, loop, WAIT_MODE(MODE_RECOVERY), WAIT_MODE(MODE_NORMAL),
	                               ENTER_TIMEOUT_S, &out);
	events_stop(loop);
	if (w == WAIT_REACHED) {
		a->t->dev = out.dev;
		return IREC_OK;
	}
	if (w == WAIT_INTERRUPTED)
		return set(a->t, IREC_EINTR, "interrupted while entering recovery");
	if (w == WAIT_OTHER_MODE)
		return set(a->t, IREC_EOTHERMODE, "arrived in %s mode instead of recovery",
		           mode_name(out.dev.mode));
	return set(a->t, IREC_ETIMEOUT, "did not arrive in recovery mode in time");
}

static FILE *open_log(struct attempt *a, bool erase)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(a->t->log_path, sizeof(a->t->log_path), "%s/restore-%s-%s-%s.log", a->s->log_dir,
	         a->ecid, stamp, erase ? "erase" : "update");
	f = fopen(a->t->log_path, "a");
	if (!f) {
		log_warn("cannot write the log %s", a->t->log_path);
		a->t->log_path[0] = '\0';
		return NULL;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	log_note("%s: %s log: %s", a->ecid, erase ? "erase" : "update", a->t->log_path);
	return f;
}

/* The engine may leave files in its working directory: drop them with it. */
static void remove_workdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 256];

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int verify(struct attempt *a)
{
	struct wait_outcome out;
	const char *want = a->t->pf.ipsw.build;

	restore_emit(&a->ui, "phase", json_pack("{s:s}", "phase", "verify"));
	if (!a->ui.json && !a->ui.bar)
		log_note("%s: verify", a->ecid);
	enum wait_result w = wait_mode(a, NULL, WAIT_MODE(MODE_NORMAL) | WAIT_MODE(MODE_RECOVERY),
	                               WAIT_MODE(MODE_RESTORE), VERIFY_TIMEOUT_S, &out);
	if (w == WAIT_INTERRUPTED)
		return set(a->t, IREC_EINTR, "interrupted while waiting for the device to boot");
	if (w == WAIT_REACHED && out.dev.mode == MODE_RECOVERY)
		return set(a->t, IREC_ELOOP,
		           "the engine finished, but the device came back in recovery mode: the "
		           "new OS does not boot (recovery loop); try irecctl restore --erase");
	if (w != WAIT_REACHED)
		return set(a->t, IREC_ETIMEOUT,
		           "the engine finished, but the device did not come back in normal mode "
		           "in time");
	if (strcmp(out.dev.build, want))
		return set(a->t, IREC_EFAIL, "the device booted build %s, not the IPSW's %s",
		           out.dev.build[0] ? out.dev.build : "(unknown)", want);
	a->t->dev = out.dev;
	restore_emit(&a->ui, "progress",
	             json_pack("{s:s, s:f}", "phase", "verify", "fraction", 1.0));
	return set(a->t, IREC_OK, "%s to iOS %s (%s), verified on the device",
	           a->t->erased ? "erased and restored" : "updated", a->t->pf.ipsw.product_version,
	           want);
}

/* Success is the device's word, but an engine killed by a signal it was
 * not sent by irecctl is worth a word of its own (a crash in its cleanup). */
static void note_engine_signal(struct attempt *a, const struct run_result *r)
{
	if (!WIFSIGNALED(r->wait_status) || r->stopped || r->lingered)
		return;
	a->t->engine_signal = WTERMSIG(r->wait_status);
	log_warn("%s: the engine died by signal %d after it reported the restore finished; "
	         "the device decides the outcome",
	         a->ecid, a->t->engine_signal);
}

static int classify(struct attempt *a, const struct run_result *r)
{
	const struct rprogress *p = &r->prog;
	int ws = r->wait_status;

	if (r->variant_killed)
		return set(a->t, IREC_ENOFIT,
		           "the engine chose '%s' instead of '%s': stopped before it wrote to the "
		           "device",
		           r->got_variant, a->ui.kind);
	if (r->interrupted)
		return set(
		        a->t, IREC_EINTR, "interrupted%s",
		        p->past_point_of_no_return
		                ? " after the point of no return: the device needs another restore"
		                : "; nothing irreversible had happened");
	if (r->timed_out)
		return set(a->t, IREC_ETIMEOUT,
		           "the engine did not finish in time (stopped, during %s)",
		           rphase_name(p->phase));
	if (p->finished) {
		note_engine_signal(a, r);
		return verify(a);
	}
	if (p->sign == SIGN_REFUSED)
		return set(a->t, IREC_ENOTSIGNED,
		           "Apple's signing server does not sign iOS %s for this device any more",
		           a->t->pf.ipsw.product_version);
	if (p->sign == SIGN_UNREACHABLE)
		return set(a->t, IREC_ENOSIGNER,
		           "the signing server could not be reached (network, proxy?)");
	if (p->past_point_of_no_return && p->status_failed)
		return set(a->t, IREC_EBRICKED,
		           "the restore failed after the point of no return (%s%s): restore the "
		           "device again",
		           p->status, r->lingered ? "; the engine then hung and was stopped" : "");
	if (WIFSIGNALED(ws) && r->stopped)
		return set(a->t, p->past_point_of_no_return ? IREC_EBRICKED : IREC_EFAIL,
		           "the engine closed its output but did not exit (stopped)%s: %s",
		           p->past_point_of_no_return ? " after the point of no return" : "",
		           p->last_error[0] ? p->last_error : "no reason given");
	if (WIFSIGNALED(ws))
		return set(a->t, p->past_point_of_no_return ? IREC_EBRICKED : IREC_EFAIL,
		           "the engine crashed (signal %d)%s", WTERMSIG(ws),
		           p->past_point_of_no_return ? " after the point of no return" : "");
	if (p->past_point_of_no_return)
		return set(a->t, IREC_EBRICKED,
		           "the restore failed after the point of no return (%s; engine exit %d): "
		           "restore the device again",
		           p->status[0] ? p->status : p->last_error, WEXITSTATUS(ws));
	if (p->no_identity)
		return set(a->t, IREC_ENOFIT, "the engine found no build identity for the device");
	return set(a->t, IREC_EFAIL, "the engine failed (exit %d): %s", WEXITSTATUS(ws),
	           p->last_error[0] ? p->last_error : "no reason given");
}

static void audit(const struct attempt *a, bool erase)
{
	static char sha[65];
	static bool have_sha;
	struct audit_record rec = {
	        .dev = &a->t->dev,
	        .ipsw = a->s->ipsw,
	        .kind = erase ? "erase" : "update",
	        .consent = erase ? a->t->consent : "not-needed",
	        .engine = &a->s->engine,
	        .status = a->t->status,
	        .message = a->t->message,
	        .log_path = a->t->log_path[0] ? a->t->log_path : NULL,
	};

	if (!have_sha)
		have_sha = restore_sha256_file(a->s->ipsw, sha);
	rec.ipsw_sha256 = have_sha ? sha : NULL;
	audit_append(&rec);
}

/* Right before the engine starts: another device may have arrived in
 * recovery since the check in cmd-restore.c (a parallel job, a person). */
static int engine_still_can(struct attempt *a)
{
	struct device_list l = {0};
	char err[200];
	size_t usb = 0;

	if (!a->s->engine.crashes_with_two_devices)
		return IREC_OK;
	discover_all(&l, PROBE_TIMEOUT_MS, err, sizeof(err));
	for (size_t i = 0; i < l.n; i++)
		usb += mode_is_usb(l.v[i].mode);
	device_list_free(&l);
	if (usb < 2)
		return IREC_OK;
	return set(a->t, IREC_ENOENGINE,
	           "%zu devices are in recovery/DFU mode now, and the engine %s crashes when two "
	           "are attached: not started",
	           usb, a->s->engine.version);
}

static int run_engine(struct attempt *a, bool erase)
{
	const struct ipsw_identity *id = erase ? a->t->pf.erase : a->t->pf.update;
	struct engine_job job = {.ecid = a->t->dev.ecid,
	                         .erase = erase,
	                         .variant = id->variant,
	                         .cache_dir = a->s->cache,
	                         .ipsw = a->s->ipsw};
	const char *argv[ENGINE_ARGV_MAX];
	char buf[32], work[] = "/tmp/irecctl-restore.XXXXXX", line[8192];
	struct run_result r;

	if (engine_still_can(a) != IREC_OK)
		return a->t->status;
	FILE *log = open_log(a, erase);

	a->ui.kind = id->variant;
	a->t->erased = erase;
	a->t->engine_signal = 0;
	engine_argv(&a->s->engine, &job, buf, sizeof(buf), argv);
	engine_format_argv(argv, line, sizeof(line));
	if (log)
		fprintf(log, "irecctl: running %s\n", line);
	restore_emit(&a->ui, "engine-start",
	             json_pack("{s:s, s:s, s:s?}", "kind", erase ? "erase" : "update", "command",
	                       line, "log", a->t->log_path[0] ? a->t->log_path : NULL));
	if (!mkdtemp(work)) {
		set(a->t, IREC_EFAIL, "cannot create a working directory");
	} else if (restore_run_engine(argv, work, log, id->variant, a->deadline, &a->ui, &r) < 0) {
		set(a->t, IREC_ENOENGINE, "cannot start the engine %s", a->s->engine.path);
	} else {
		classify(a, &r);
	}
	remove_workdir(work);
	if (log) {
		fprintf(log, "irecctl: result %s: %s\n", irec_status_name(a->t->status),
		        a->t->message);
		fclose(log);
	}
	audit(a, erase);
	return a->t->status;
}

/* A failed update the erase may fix: not a refusal that would fail the same way. */
static bool erase_may_help(int st)
{
	return st == IREC_EBRICKED || st == IREC_EFAIL || st == IREC_ELOOP;
}

static int back_to_recovery(struct attempt *a)
{
	struct wait_outcome out;

	log_note("%s: the update failed (%s); erasing, as --erase-if-update-fails asks", a->ecid,
	         a->t->message);
	enum wait_result w = wait_mode(a, NULL, WAIT_MODE(MODE_RECOVERY) | WAIT_MODE(MODE_NORMAL),
	                               WAIT_MODE(MODE_RESTORE), ENTER_TIMEOUT_S, &out);
	if (w != WAIT_REACHED)
		return set(a->t, IREC_ETIMEOUT,
		           "after the failed update the device did not come "
		           "back in recovery mode");
	a->t->dev = out.dev;
	return out.dev.mode == MODE_NORMAL ? enter_recovery(a) : IREC_OK;
}

static void report(const struct attempt *a)
{
	char name[128];
	double secs = (double)(events_now_ms() - a->started) / 1000.0;

	json_t *o =
	        json_pack("{s:s, s:i, s:s, s:f, s:s?}", "result", irec_status_name(a->t->status),
	                  "exit_code", a->t->status, "message", a->t->message, "seconds", secs,
	                  "log", a->t->log_path[0] ? a->t->log_path : NULL);
	if (o && a->t->engine_signal)
		json_object_set_new(o, "engine_signal", json_integer(a->t->engine_signal));
	restore_emit(&a->ui, "result", o);
	device_display_name(&a->t->dev, name, sizeof(name));
	if (a->t->status != IREC_OK)
		log_error("%s (%s): %s", a->ecid, name, a->t->message);
	else if (!a->ui.json)
		printf("%s  %s  %s  (%.1f s)\n", a->ecid, name, a->t->message, secs);
	fflush(stdout);
}

static int lock_target(struct attempt *a)
{
	char err[200], secs[SECONDS_TEXT_MAX];
	int st = lock_acquire(a->t->dev.ecid, 0, &a->t->lock, err, sizeof(err));

	if (st == IREC_EBUSY && a->s->lock_timeout_s > 0) {
		log_note("%s; waiting up to %s s", err, seconds_text(a->s->lock_timeout_s, secs));
		st = lock_acquire(a->t->dev.ecid, a->s->lock_timeout_s, &a->t->lock, err,
		                  sizeof(err));
	}
	return st == IREC_OK ? IREC_OK : set(a->t, st, "%s", err);
}

static int restore_steps(struct attempt *a)
{
	const struct rjob_spec *s = a->s;
	int st;

	if (!a->t->dev.ecid)
		return set(a->t, IREC_EFAIL, "the device did not report its ECID: cannot lock it");
	if ((st = lock_target(a)) != IREC_OK)
		return st;
	if (a->t->dev.mode == MODE_NORMAL && (st = enter_recovery(a)) != IREC_OK)
		return st;
	st = run_engine(a, s->kind == RKIND_ERASE);
	if (s->kind == RKIND_UPDATE_THEN_ERASE && erase_may_help(st) &&
	    back_to_recovery(a) == IREC_OK)
		st = run_engine(a, true);
	return st;
}

int restore_one(const struct rjob_spec *s, struct rtarget *t)
{
	struct attempt a = {.s = s, .t = t};

	devid_format_ecid(t->dev.ecid, a.ecid);
	a.ui = (struct run_ui){.json = s->json, .bar = s->bar, .id = a.ecid};
	a.started = events_now_ms();
	a.deadline = events_deadline_after(s->timeout_s);
	t->lock.fd = -1;
	restore_steps(&a);
	lock_release(&t->lock);
	report(&a);
	return t->status;
}
