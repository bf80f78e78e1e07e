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
#include <unistd.h>

#include "irecctl/devid.h"
#include "irecctl/log.h"
#include "irecctl/restore-cmd.h"

#define ECID_TYPED_MIN 4

/* The nearest existing directory at or above dir, in place; false if none. */
static bool existing_ancestor(char *dir)
{
	struct stat st;

	while (stat(dir, &st) < 0) {
		char *slash = strrchr(dir, '/');
		if (errno != ENOENT || !slash)
			return false;
		slash[slash == dir] = '\0'; /* keep "/" itself */
	}
	return S_ISDIR(st.st_mode);
}

/* --plan creates nothing: say whether dir could be used (exists as a
 * directory, or could be created under a writable one). */
static int dir_would_do(const char *dir)
{
	char up[PATH_MAX];
	struct stat st;

	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
		log_error("%s is not a directory", dir);
		return IREC_EUSAGE;
	}
	snprintf(up, sizeof(up), "%s", dir);
	if (!existing_ancestor(up) || access(up, W_OK | X_OK) < 0) {
		log_error("cannot create %s (%s is not a writable directory)", dir, up);
		return IREC_EFAIL;
	}
	return IREC_OK;
}

static int dir_option(const struct cmd_args *args, int opt, const char *sub, char *out, size_t len,
                      bool *given)
{
	bool plan = args->set[ROPT_PLAN];

	char state[PATH_MAX - 64];

	*given = args->set[opt];
	if (*given && !args->value[opt][0]) {
		log_error("--%s needs a directory", sub[0] == 'c' ? "cache" : "log-dir");
		return IREC_EUSAGE;
	}
	if (*given) {
		/* The engine runs in a private working directory. */
		if (!restore_abspath(args->value[opt], out, len)) {
			log_error("cannot make %s absolute", args->value[opt]);
			return IREC_EUSAGE;
		}
	} else if (plan ? restore_state_path(state, sizeof(state))
	                : restore_state_dir(state, sizeof(state))) {
		snprintf(out, len, "%s/%s", state, sub);
	} else {
		log_error("no state directory (set XDG_STATE_HOME or HOME), give --%s",
		          sub[0] == 'c' ? "cache" : "log-dir");
		return IREC_EUSAGE;
	}
	if (plan)
		return dir_would_do(out);
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

	/* The flags' combinations were checked with the options (cmd-restore.c). */
	devid_format_ecid(t->dev.ecid, ecid);
	if (s->confirm) {
		st = confirm_flag(s, t, ecid);
		t->consent = s->consent_all ? "yes-all" : "confirm-ecid";
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
	if (!s->yes) {
		log_error("erasing with --all needs --yes --all; nothing was erased");
		return IREC_EUSAGE;
	}
	for (size_t i = 0; i < n; i++)
		v[i].consent = "yes-all";
	return IREC_OK;
}

int restore_consent_verdict(const struct rjob_spec *s, const struct rtarget *v, size_t n, char *how,
                            size_t len)
{
	struct devid id;
	char err[160], ecid[19];

	devid_format_ecid(v[0].dev.ecid, ecid);
	if (!needs_erase(s))
		return snprintf(how, len, "not needed (an update keeps data)"), IREC_OK;
	/* The flags' combinations were checked with the options (cmd-restore.c). */
	if (s->all && s->yes)
		return snprintf(how, len, "given (--yes --all, %zu device%s listed)", n,
		                n == 1 ? "" : "s"),
		       IREC_OK;
	if (s->all)
		return snprintf(how, len, "erasing with --all needs --yes --all"), IREC_EUSAGE;
	if (s->confirm) {
		if (!devid_parse(s->confirm, &id, err, sizeof(err)) || id.kind != DEVID_ECID ||
		    id.ecid != v[0].dev.ecid)
			return snprintf(how, len, "--confirm-ecid %s is not %s", s->confirm, ecid),
			       IREC_EUSAGE;
		return snprintf(how, len, "given (--yes --confirm-ecid %s)", ecid), IREC_OK;
	}
	if (s->interactive)
		return snprintf(how, len,
		                "asked: the ECID typed on the terminal before anything starts"),
		       IREC_OK;
	return snprintf(how, len, "without a terminal give --yes --confirm-ecid %s", ecid),
	       IREC_EUSAGE;
}

/* A refused erase is an attempt too: it leaves an audit line. */
static void audit_refused(const struct rjob_spec *s, const struct rtarget *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct audit_record rec = {
		        .dev = &v[i].dev,
		        .ipsw = s->ipsw,
		        .kind = "erase",
		        .consent = "refused",
		        .engine = &s->engine,
		        .status = IREC_EUSAGE,
		        .result = "refused",
		        .message = "consent for the erase was not given: nothing was erased",
		};
		audit_append(&rec);
	}
}

int restore_consent(const struct rjob_spec *s, struct rtarget *v, size_t n)
{
	int st;

	if (!needs_erase(s)) {
		for (size_t i = 0; i < n; i++)
			v[i].consent = "not-needed";
		return IREC_OK;
	}
	/* --all: the same consent for one device as for many. */
	st = s->all ? consent_all(s, v, n) : consent_one(s, &v[0]);
	if (st != IREC_OK)
		audit_refused(s, v, n);
	return st;
}
