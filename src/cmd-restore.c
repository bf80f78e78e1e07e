/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl restore: update (keep data) first, erase only with consent, on the
 * real restore engine, verified on the device.
 *
 * Order of things, each before the next: engine probe; devices resolved;
 * pre-flight of the IPSW against every device; --plan stops here; consent
 * for an erase; per-ECID locks; normal -> recovery; the engine; the
 * device's own word (normal mode, the IPSW's build).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "irecctl/cli.h"
#include "irecctl/discovery.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/restore-cmd.h"

static const struct cmd_option options[] = {
        [ROPT_IPSW] = {"ipsw", 0, "FILE", "the firmware (.ipsw) to install"},
        [ROPT_UPDATE] = {"update", 0, NULL, "update the OS and keep user data (the default)"},
        [ROPT_ERASE] = {"erase", 0, NULL,
                        "erase the device and install a clean OS (consent needed)"},
        [ROPT_ERASE_IF] = {"erase-if-update-fails", 0, NULL,
                           "update; only if that fails, erase (consent needed up front)"},
        [ROPT_CONFIRM] = {"confirm-ecid", 0, "ECID", "with --yes: the ECID of the device to erase"},
        [ROPT_YES] = {"yes", 0, NULL, "consent without a terminal (see the consent rules)"},
        [ROPT_PLAN] = {"plan", 0, NULL, "print the checks and engine command lines; touch nothing"},
        [ROPT_ENGINE] = {"engine", 0, "PATH", "the restore engine (default: idevicerestore)"},
        [ROPT_CACHE] = {"cache", 0, "DIR", "the engine's cache (default: under the state dir)"},
        [ROPT_LOG_DIR] = {"log-dir", 0, "DIR", "where per-run logs go (default: the state dir)"},
        [ROPT_JOBS] = {"jobs", 0, "N", "with --all: at most N restores at once (default 4)"},
        [ROPT_LOCK_TIMEOUT] = {"lock-timeout", 0, "SECONDS",
                               "wait this long for another process to release the device"},
        /* Set by restore --all for its children: only names the consent in the
         * audit log; the child still needs --yes --confirm-ecid ECID. */
        [ROPT_CONSENT_ALL] = {"consent-all", 0, NULL,
                              "(for --all's children) audit the erase consent as --yes --all"},
        [ROPT_COUNT] = {NULL, 0, NULL, NULL},
};

static int parse_kind(const struct cmd_args *args, struct rjob_spec *s)
{
	int n = args->set[ROPT_UPDATE] + args->set[ROPT_ERASE] + args->set[ROPT_ERASE_IF];

	if (n > 1) {
		log_error("--update, --erase and --erase-if-update-fails exclude each other");
		return IREC_EUSAGE;
	}
	s->kind = args->set[ROPT_ERASE]      ? RKIND_ERASE
	          : args->set[ROPT_ERASE_IF] ? RKIND_UPDATE_THEN_ERASE
	                                     : RKIND_UPDATE;
	return IREC_OK;
}

static int parse_paths(const struct cmd_args *args, struct rjob_spec *s)
{
	const char *ipsw = args->set[ROPT_IPSW] ? args->value[ROPT_IPSW] : NULL;

	if (args->argc == 1 && ipsw) {
		log_error("give the IPSW once: --ipsw FILE or FILE");
		return IREC_EUSAGE;
	}
	if (args->argc == 1)
		ipsw = args->argv[0];
	if (!ipsw) {
		log_error("no IPSW given (--ipsw FILE)");
		return IREC_EUSAGE;
	}
	struct stat st;
	if (!*ipsw || stat(ipsw, &st) < 0 || !realpath(ipsw, s->ipsw)) {
		log_error("cannot read the IPSW '%s': %s", ipsw, *ipsw ? strerror(errno) : "empty");
		return IREC_EUSAGE;
	}
	if (!S_ISREG(st.st_mode)) {
		log_error("the IPSW %s is not a file (an .ipsw archive is)", ipsw);
		return IREC_EUSAGE;
	}
	return restore_default_dirs(args, s);
}

static int parse_numbers(const struct ctx *ctx, const struct cmd_args *args, struct rjob_spec *s)
{
	char *end = NULL;

	s->jobs = 4;
	if (args->set[ROPT_JOBS]) {
		long j = strtol(args->value[ROPT_JOBS], &end, 10);
		if (!*args->value[ROPT_JOBS] || *end || j < 1 || j > 64) {
			log_error("invalid --jobs '%s' (1 to 64)", args->value[ROPT_JOBS]);
			return IREC_EUSAGE;
		}
		s->jobs = (unsigned)j;
	}
	if (ctx->all && ctx->have_device) {
		log_error("-d and --all exclude each other");
		return IREC_EUSAGE;
	}
	if (args->set[ROPT_JOBS] && !ctx->all) {
		log_error("--jobs goes with --all");
		return IREC_EUSAGE;
	}
	if (args->set[ROPT_LOCK_TIMEOUT] &&
	    !parse_duration(args->value[ROPT_LOCK_TIMEOUT], &s->lock_timeout_s)) {
		log_error("invalid --lock-timeout '%s'", args->value[ROPT_LOCK_TIMEOUT]);
		return IREC_EUSAGE;
	}
	s->timeout_s = ctx_timeout(ctx, RESTORE_TIMEOUT_S);
	return IREC_OK;
}

static int parse(const struct ctx *ctx, const struct cmd_args *args, struct rjob_spec *s)
{
	int st = parse_kind(args, s);

	if (st == IREC_OK)
		st = parse_numbers(ctx, args, s);
	if (st == IREC_OK)
		st = parse_paths(args, s);
	s->plan = args->set[ROPT_PLAN];
	s->yes = args->set[ROPT_YES];
	s->confirm = args->set[ROPT_CONFIRM] ? args->value[ROPT_CONFIRM] : NULL;
	s->all = ctx->all;
	s->consent_all = args->set[ROPT_CONSENT_ALL];
	s->json = ctx->json;
	s->bar = ctx->stderr_tty && !ctx->json && ctx->verbosity >= 0;
	s->interactive = ctx->stdin_tty && ctx->stderr_tty;
	return st;
}

/* Exactly the devices selected, as for enter and exit. */
static int select_targets(const struct ctx *ctx, const struct device_list *l, struct rtarget **out,
                          size_t *n)
{
	*out = calloc(l->n ? l->n : 1, sizeof(**out));
	*n = 0;
	if (!*out)
		return IREC_EFAIL;
	for (size_t i = 0; i < l->n; i++) {
		if (ctx->have_device &&
		    !devid_matches(&ctx->device, l->v[i].ecid, l->v[i].udid, l->v[i].usb_location))
			continue;
		(*out)[*n].dev = l->v[i];
		(*out)[*n].lock.fd = -1;
		(*n)++;
	}
	if (*n == 0) {
		log_error(ctx->have_device ? "no attached device matches the given id"
		                           : "no Apple device attached");
		return IREC_ENODEV;
	}
	if (*n > 1 && !ctx->all) {
		log_error("%zu devices match: choose one with -d ID, or restore all with --all",
		          *n);
		return IREC_EAMBIGUOUS;
	}
	return IREC_OK;
}

/*
 * Debian 12's engine crashes when two recovery/DFU devices are attached:
 * refuse then. Devices still in normal mode are fine: --all restores them
 * one after the other with such an engine (restore-fleet.c).
 */
static int check_engine_can(const struct rjob_spec *s, const struct device_list *l)
{
	size_t usb = 0;

	for (size_t i = 0; i < l->n; i++)
		usb += mode_is_usb(l->v[i].mode);
	if (!s->engine.crashes_with_two_devices || usb < 2)
		return IREC_OK;
	log_error("%zu devices are in recovery/DFU mode, and the restore engine %s %s crashes "
	          "when two are attached (libirecovery before 1.0.1): attach one device at a "
	          "time, or use a newer engine (irecctl doctor)",
	          usb, s->engine.path, s->engine.version);
	return IREC_ENOENGINE;
}

static int resolve(const struct ctx *ctx, struct rjob_spec *s, struct rtarget **v, size_t *n)
{
	struct device_list l = {0};
	char err[200];
	int st;

	discover_all(&l, PROBE_TIMEOUT_MS, err, sizeof(err));
	st = select_targets(ctx, &l, v, n);
	if (st == IREC_OK)
		st = check_engine_can(s, &l);
	device_list_free(&l);
	return st;
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct rjob_spec spec = {0};
	struct rtarget *v = NULL;
	size_t n = 0;
	char err[300];
	int st = parse(ctx, args, &spec);

	if (st != IREC_OK)
		return st;
	if (args->set[ROPT_ENGINE] && !args->value[ROPT_ENGINE][0]) {
		log_error("--engine needs a path");
		return IREC_EUSAGE;
	}
	st = engine_probe(args->set[ROPT_ENGINE] ? args->value[ROPT_ENGINE] : NULL, &spec.engine,
	                  err, sizeof(err));
	if (st != IREC_OK) {
		log_error("%s", err);
		return st;
	}
	st = resolve(ctx, &spec, &v, &n);
	if (st == IREC_OK)
		st = restore_preflight_all(&spec, v, n);
	if (st == IREC_OK && spec.plan)
		st = restore_print_plan(&spec, v, n);
	else if (st == IREC_OK)
		st = restore_consent(&spec, v, n);
	if (st == IREC_OK && !spec.plan)
		st = n > 1 ? restore_fleet(ctx, &spec, v, n) : restore_one(&spec, &v[0]);
	free(v);
	return st;
}

const struct command cmd_restore = {
        .name = "restore",
        .summary = "restore a device: update (keeps data) first, erase only with consent",
        .synopsis = "[-d ID | --all] (--ipsw FILE | IPSW) [--update | --erase | "
                    "--erase-if-update-fails] "
                    "[--confirm-ecid ECID] [--yes] [--plan] [--engine PATH] [--cache DIR] "
                    "[--log-dir DIR] [--jobs N] [--json]",
        .description =
                "Installs the IPSW with the restore engine (idevicerestore), after checking that\n"
                "it fits the device. Update (the default) keeps user data; an IPSW without an\n"
                "Update identity for the board is refused, since the engine would erase.\n"
                "--erase erases; --erase-if-update-fails updates and erases only if that fails.\n"
                "Consent for an erase: on a terminal, type the device's ECID (at least its last\n"
                "4 hex digits); without one, --yes --confirm-ecid ECID (the resolved device's\n"
                "ECID); with --all, --yes --all after the list of ECIDs. Anything less is a\n"
                "usage error and nothing starts. A device in normal mode is first put into\n"
                "recovery. Success only when the engine reported the restore finished and the\n"
                "same ECID arrived in normal mode with the IPSW's build. A per-run log and an\n"
                "audit line go under $XDG_STATE_HOME/irecctl. Default timeout 60 min.",
        .options = options,
        .min_args = 0,
        .max_args = 1,
        .run = run,
};
