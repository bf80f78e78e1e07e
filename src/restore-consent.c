/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Before anything touches a device: directories, the pre-flight of every
 * target, --plan, and consent for an erase. The consent rules are never
 * weakened by other flags: on a terminal the ECID typed (at least its last
 * 4 hex digits) or --yes with --confirm-ecid equal to the resolved ECID;
 * without a terminal only the latter; with --all, --yes and the list of
 * ECIDs printed first.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "irecctl/devid.h"
#include "irecctl/log.h"
#include "irecctl/restore-cmd.h"

#define ECID_TYPED_MIN 4

static int dir_option(const struct cmd_args *args, int opt, const char *sub, char *out, size_t len,
                      bool *given)
{
	char state[PATH_MAX - 64];

	*given = args->set[opt];
	if (*given) {
		snprintf(out, len, "%s", args->value[opt]);
	} else if (restore_state_dir(state, sizeof(state))) {
		snprintf(out, len, "%s/%s", state, sub);
	} else {
		log_error("no state directory (set XDG_STATE_HOME or HOME), give --%s",
		          sub[0] == 'c' ? "cache" : "log-dir");
		return IREC_EUSAGE;
	}
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", out, strerror(errno));
		return IREC_EFAIL;
	}
	return IREC_OK;
}

int restore_default_dirs(const struct cmd_args *args, struct rjob_spec *s)
{
	int st = dir_option(args, ROPT_CACHE, "cache", s->cache, sizeof(s->cache), &s->cache_given);

	if (st == IREC_OK)
		st = dir_option(args, ROPT_LOG_DIR, "logs", s->log_dir, sizeof(s->log_dir),
		                &s->log_dir_given);
	return st;
}

static bool needs_erase(const struct rjob_spec *s)
{
	return s->kind != RKIND_UPDATE;
}

int restore_preflight_all(struct rjob_spec *s, struct rtarget *v, size_t n)
{
	char ecid[19];
	int worst = IREC_OK;

	for (size_t i = 0; i < n; i++) {
		struct rtarget *t = &v[i];
		devid_format_ecid(t->dev.ecid, ecid);
		if (t->dev.mode == MODE_RESTORE || t->dev.mode == MODE_UNKNOWN) {
			t->status = IREC_EWRONGMODE;
			snprintf(t->message, sizeof(t->message), "%s mode: let it finish first",
			         mode_name(t->dev.mode));
		} else {
			t->status = preflight_check(&t->dev, s->ipsw, s->kind != RKIND_ERASE,
			                            needs_erase(s), s->cache, &t->pf, t->message,
			                            sizeof(t->message));
		}
		if (t->status != IREC_OK) {
			log_error("%s: %s", ecid, t->message);
			worst = irec_status_combine(worst, t->status);
		}
	}
	return worst;
}

static void plan_one(const struct rjob_spec *s, const struct rtarget *t)
{
	char ecid[19], name[128], line[8192], buf[32];
	const char *argv[ENGINE_ARGV_MAX];
	const struct preflight *pf = &t->pf;

	devid_format_ecid(t->dev.ecid, ecid);
	device_display_name(&t->dev, name, sizeof(name));
	printf("device   %s  %s  %s  board %s\n", ecid, name, mode_name(t->dev.mode),
	       pf->device_board);
	printf("ipsw     %s\n         iOS %s (%s); identities for %s: update %s, erase %s\n",
	       s->ipsw, pf->ipsw.product_version, pf->ipsw.build, pf->device_board,
	       pf->update ? "yes" : "no", pf->erase ? "yes" : "no");
	printf("cache    %s (%llu MiB free, %llu MiB needed)\n", s->cache,
	       (unsigned long long)(pf->cache_free >> 20),
	       (unsigned long long)(pf->cache_needed >> 20));
	printf("engine   %s %s\n", s->engine.path, s->engine.version);
	if (t->dev.mode == MODE_NORMAL)
		printf("step     enter recovery (lockdownd EnterRecovery)\n");
	for (int pass = 0; pass < 2; pass++) {
		bool erase = s->kind == RKIND_ERASE || pass == 1;
		if (pass == 1 && s->kind != RKIND_UPDATE_THEN_ERASE)
			break;
		const struct ipsw_identity *id = erase ? pf->erase : pf->update;
		struct engine_job job = {.ecid = t->dev.ecid,
		                         .erase = erase,
		                         .variant = id->variant,
		                         .cache_dir = s->cache,
		                         .ipsw = s->ipsw};
		engine_argv(&s->engine, &job, buf, sizeof(buf), argv);
		engine_format_argv(argv, line, sizeof(line));
		printf("%s %s (%s)\n         %s\n", pass ? "if fails" : "run     ",
		       erase ? "erase" : "update", id->variant, line);
	}
	printf("verify   same ECID in normal mode with build %s\n", pf->ipsw.build);
	if (needs_erase(s))
		printf("consent  required: the device's ECID typed on a terminal, or --yes "
		       "--confirm-ecid %s%s\n",
		       ecid,
		       s->kind == RKIND_UPDATE_THEN_ERASE ? " (asked before the update)" : "");
}

int restore_print_plan(const struct rjob_spec *s, const struct rtarget *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			printf("\n");
		plan_one(s, &v[i]);
	}
	fflush(stdout);
	return IREC_OK;
}

bool restore_ecid_typed_matches(const char *typed, uint64_t ecid)
{
	char want[17], got[32];
	size_t n = 0;

	while (isspace((unsigned char)*typed))
		typed++;
	if (typed[0] == '0' && (typed[1] == 'x' || typed[1] == 'X'))
		typed += 2;
	for (; *typed && !isspace((unsigned char)*typed); typed++) {
		if (!isxdigit((unsigned char)*typed) || n + 1 >= sizeof(got))
			return false;
		got[n++] = (char)tolower((unsigned char)*typed);
	}
	got[n] = '\0';
	snprintf(want, sizeof(want), "%016llx", (unsigned long long)ecid);
	/* Leading zeros may be left out, but at least 4 significant digits count. */
	while (n > ECID_TYPED_MIN && got[0] == '0') {
		memmove(got, got + 1, n--);
	}
	return n >= ECID_TYPED_MIN && n <= 16 && !strcmp(want + 16 - n, got);
}

static int prompt(const struct rtarget *t, const char *ecid)
{
	char name[128], line[128];

	device_display_name(&t->dev, name, sizeof(name));
	fprintf(stderr,
	        "This ERASES everything on %s (%s): all data and settings.\n"
	        "Type its ECID (at least the last 4 hex digits) to confirm: ",
	        ecid, name);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || !restore_ecid_typed_matches(line, t->dev.ecid)) {
		log_error("%s: not confirmed: nothing was erased", ecid);
		return IREC_EUSAGE;
	}
	return IREC_OK;
}

static int confirm_flag(const struct rjob_spec *s, const struct rtarget *t, const char *ecid)
{
	struct devid id;
	char err[160];

	if (!devid_parse(s->confirm, &id, err, sizeof(err)) || id.kind != DEVID_ECID) {
		log_error("--confirm-ecid needs an ECID (0x... or decimal), not '%s'", s->confirm);
		return IREC_EUSAGE;
	}
	if (id.ecid != t->dev.ecid) {
		log_error("--confirm-ecid %s is not the ECID of the device to erase (%s): nothing "
		          "was erased",
		          s->confirm, ecid);
		return IREC_EUSAGE;
	}
	return IREC_OK;
}

static int consent_one(const struct rjob_spec *s, struct rtarget *t)
{
	char ecid[19];
	int st;

	devid_format_ecid(t->dev.ecid, ecid);
	if (s->confirm && !s->yes) {
		log_error("--confirm-ecid goes with --yes");
		return IREC_EUSAGE;
	}
	if (s->yes && s->confirm) {
		st = confirm_flag(s, t, ecid);
		t->consent = getenv("IRECCTL_RESTORE_CONSENT_ALL") ? "yes-all" : "confirm-ecid";
		return st;
	}
	if (s->interactive) {
		t->consent = "typed";
		return prompt(t, ecid);
	}
	log_error("erasing %s needs consent: without a terminal give --yes --confirm-ecid %s; "
	          "nothing was erased",
	          ecid, ecid);
	return IREC_EUSAGE;
}

static int consent_all(const struct rjob_spec *s, struct rtarget *v, size_t n)
{
	char ecid[19];

	fprintf(stderr, "These %zu devices will be erased:\n", n);
	for (size_t i = 0; i < n; i++) {
		devid_format_ecid(v[i].dev.ecid, ecid);
		fprintf(stderr, "  %s\n", ecid);
	}
	if (!s->yes || s->confirm) {
		log_error("erasing several devices needs --yes --all (and no --confirm-ecid); "
		          "nothing was erased");
		return IREC_EUSAGE;
	}
	for (size_t i = 0; i < n; i++)
		v[i].consent = "yes-all";
	return IREC_OK;
}

int restore_consent(const struct rjob_spec *s, struct rtarget *v, size_t n)
{
	if (!needs_erase(s)) {
		for (size_t i = 0; i < n; i++)
			v[i].consent = "not-needed";
		return IREC_OK;
	}
	if (n > 1)
		return consent_all(s, v, n);
	return consent_one(s, &v[0]);
}
