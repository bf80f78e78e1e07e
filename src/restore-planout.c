/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * restore --plan: what a run would do, checked, with nothing touched: as
 * text, or with --json one "plan" record per device (restore.schema.json).
 * Exit 2 when a real run would refuse the consent it was given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "irecctl/devid.h"
#include "irecctl/restore-cmd.h"

/* The engine command line of pass 0 (the request) or 1 (the erase after a failed update). */
static const char *pass_line(const struct rjob_spec *s, const struct rtarget *t, int pass,
                             bool *erase, char *line, size_t len)
{
	const char *argv[ENGINE_ARGV_MAX];
	char buf[32];

	*erase = s->kind == RKIND_ERASE || pass == 1;
	const struct ipsw_identity *id = *erase ? t->pf.erase : t->pf.update;
	struct engine_job job = {.ecid = t->dev.ecid,
	                         .erase = *erase,
	                         .variant = id->variant,
	                         .cache_dir = s->cache,
	                         .ipsw = s->ipsw};
	engine_argv(&s->engine, &job, buf, sizeof(buf), argv);
	engine_format_argv(argv, line, len);
	return id->variant;
}

static int passes(const struct rjob_spec *s)
{
	return s->kind == RKIND_UPDATE_THEN_ERASE ? 2 : 1;
}

static void text_one(const struct rjob_spec *s, const struct rtarget *t, const char *consent,
                     int verdict)
{
	char ecid[19], name[128], line[8192];
	const struct preflight *pf = &t->pf;
	bool erase;

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
	for (int pass = 0; pass < passes(s); pass++) {
		const char *variant = pass_line(s, t, pass, &erase, line, sizeof(line));
		printf("%s %s (%s)\n         %s\n", pass ? "if fails" : "run     ",
		       erase ? "erase" : "update", variant, line);
	}
	printf("verify   same ECID in normal mode with build %s\n", pf->ipsw.build);
	printf("consent  %s%s%s\n", verdict == IREC_OK ? "" : "would be refused: ", consent,
	       verdict == IREC_OK && s->kind == RKIND_UPDATE_THEN_ERASE
	               ? " (asked before the update)"
	               : "");
}

static json_t *json_one(const struct rjob_spec *s, const struct rtarget *t, const char *consent,
                        int verdict)
{
	char name[128], line[8192];
	const struct preflight *pf = &t->pf;
	json_t *runs = json_array();
	bool erase;

	device_display_name(&t->dev, name, sizeof(name));
	for (int pass = 0; pass < passes(s); pass++) {
		const char *variant = pass_line(s, t, pass, &erase, line, sizeof(line));
		json_array_append_new(runs, json_pack("{s:s, s:s, s:s, s:s}", "when",
		                                      pass ? "if-update-fails" : "first", "kind",
		                                      erase ? "erase" : "update", "variant",
		                                      variant, "command", line));
	}
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:I, s:I, s:s, s:s, "
	                 "s:b, s:o, s:s, s:s, s:s, s:i}",
	                 "name", name, "mode", mode_name(t->dev.mode), "board", pf->device_board,
	                 "ipsw", s->ipsw, "ios", pf->ipsw.product_version, "build", pf->ipsw.build,
	                 "has_update", pf->update != NULL, "has_erase", pf->erase != NULL, "cache",
	                 s->cache, "cache_free", (json_int_t)pf->cache_free, "cache_needed",
	                 (json_int_t)pf->cache_needed, "engine", s->engine.path, "engine_version",
	                 s->engine.version, "enter_recovery", t->dev.mode == MODE_NORMAL, "runs",
	                 runs, "kind",
	                 s->kind == RKIND_ERASE               ? "erase"
	                 : s->kind == RKIND_UPDATE_THEN_ERASE ? "update-then-erase"
	                                                      : "update",
	                 "consent", verdict == IREC_OK ? "ok" : "refused", "consent_detail",
	                 consent, "exit_code", verdict);
}

/* A line of the same NDJSON as a run's events (event, ecid, time). */
static void json_print(const struct rtarget *t, json_t *o)
{
	char ecid[19];

	devid_format_ecid(t->dev.ecid, ecid);
	restore_emit(&(struct run_ui){.json = true, .id = ecid}, "plan", o);
}

int restore_print_plan(const struct rjob_spec *s, const struct rtarget *v, size_t n)
{
	char consent[300];
	int verdict = restore_consent_verdict(s, v, n, consent, sizeof(consent));

	for (size_t i = 0; i < n; i++) {
		if (s->json) {
			json_print(&v[i], json_one(s, &v[i], consent, verdict));
			continue;
		}
		if (i)
			printf("\n");
		text_one(s, &v[i], consent, verdict);
	}
	fflush(stdout);
	return verdict;
}
