/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl doctor: what irecctl needs from this host, checked, each with a
 * fix. Read-only and never interactive; the checks live in doctor-checks.c.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "irecctl/cli.h"
#include "irecctl/discovery.h"
#include "irecctl/doctor.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"

enum { CHECK_COUNT = 8 };

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static void run_checks(const struct device_list *l, struct doctor_result res[CHECK_COUNT])
{
	struct udev_coverage cov;
	uid_t euid = geteuid();

	memset(&cov, 0, sizeof(cov));
	udev_scan_dirs(doctor_udev_dirs, &cov, doctor_in_group);
	doctor_judge_usb_access(l, euid, &res[0]);
	doctor_judge_udev(&cov, euid, doctor_in_group, &res[1]);
	doctor_check_usbmuxd(&cov, &res[2]);
	doctor_check_pair_records(l, &res[3]);
	doctor_check_lock_dir(&res[4]);
	doctor_judge_models(l, &res[5]);
	doctor_check_libraries(&res[6]);
	doctor_check_restore_engine(l, &res[7]);
}

static bool print_json(const struct doctor_result res[CHECK_COUNT])
{
	json_t *arr = json_array();
	bool ok;

	for (int i = 0; i < CHECK_COUNT; i++) {
		json_t *o = json_object();
		json_object_set_new(o, "check", json_string(res[i].check));
		json_object_set_new(o, "status", json_string(doctor_status_name(res[i].status)));
		json_object_set_new(o, "finding", output_text(res[i].finding));
		json_object_set_new(o, "fix", output_text(res[i].fix));
		json_array_append_new(arr, o);
	}
	ok = output_json(arr);
	json_decref(arr);
	return ok;
}

static const char *status_color(enum doctor_status s)
{
	return s == DOCTOR_OK ? "\033[32m" : s == DOCTOR_WARN ? "\033[33m" : "\033[31m";
}

/* "ok   usb-access    finding", and the fix below it, under the finding. */
static void print_human(const struct doctor_result res[CHECK_COUNT], bool color)
{
	char text[DOCTOR_TEXT];
	int width = 0;

	for (int i = 0; i < CHECK_COUNT; i++)
		if ((int)strlen(res[i].check) > width)
			width = (int)strlen(res[i].check);
	for (int i = 0; i < CHECK_COUNT; i++) {
		const char *name = doctor_status_name(res[i].status);
		int pad = 5 - (int)strlen(name);

		sanitize_text(text, sizeof(text), res[i].finding);
		printf("%s%s%s%*s%-*s  %s\n", color ? status_color(res[i].status) : "", name,
		       color ? "\033[0m" : "", pad, "", width, res[i].check, text);
		if (res[i].fix[0]) {
			sanitize_text(text, sizeof(text), res[i].fix);
			printf("%*sfix: %s\n", 5 + width + 2, "", text);
		}
	}
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct device_list l = {0};
	struct doctor_result res[CHECK_COUNT];
	char err[256];
	int timeout_ms = (int)(ctx_timeout(ctx, PROBE_TIMEOUT_MS / 1000.0) * 1000);
	int status = IREC_OK;

	(void)args;
	if (discover_all(&l, timeout_ms, err, sizeof(err)) < 0)
		log_warn("%s: the device checks see no device", err);
	run_checks(&l, res);
	device_list_free(&l);
	for (int i = 0; i < CHECK_COUNT; i++)
		if (res[i].status == DOCTOR_FAIL)
			status = IREC_EFAIL;
	if (!ctx->json)
		print_human(res, ctx->color);
	else if (!print_json(res))
		status = IREC_EFAIL;
	return status;
}

const struct command cmd_doctor = {
        .name = "doctor",
        .summary = "check this host: USB permissions, usbmuxd, pair records",
        .synopsis = "[--json]",
        .description =
                "Checks what irecctl needs from this host and prints one line per check (ok,\n"
                "warn or fail) with a fix below each problem: usb-access (can this user open\n"
                "devices in recovery/DFU modes), udev-rules (do the rules cover 05ac:1222,\n"
                "1227, 1280-1283, 1881 and f014; scripts/39-irecctl.rules in the source tree\n"
                "does), usbmuxd (reachable; exits with its last device?), pair-records,\n"
                "lock-dir, model-table, libraries and restore (idevicerestore\n"
                "installed; with libirecovery before 1.0.1 it crashes when two recovery/DFU\n"
                "devices are attached, so irecctl restore refuses then). --json prints an\n"
                "array of {check, status, finding, fix}. Exit status 1 if any check failed,\n"
                "else 0.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .no_all = "it checks this host, not a selection of devices",
        .no_device = "it checks this host, not a device",
        .run = run,
};
