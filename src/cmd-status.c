/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* irecctl status: every attached device, every mode, one record each. */
#include <stdio.h>

#include "irecctl/cli.h"
#include "irecctl/discovery.h"
#include "irecctl/log.h"
#include "irecctl/mux-endpoint.h"
#include "irecctl/output.h"

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static void keep_selected(struct device_list *l, const struct devid *id)
{
	size_t kept = 0;

	for (size_t i = 0; i < l->n; i++)
		if (devid_matches(id, l->v[i].ecid, l->v[i].udid, l->v[i].usb_location))
			l->v[kept++] = l->v[i];
	l->n = kept;
}

static int print_json(const struct device_list *l)
{
	json_t *arr = json_array();
	bool ok;

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(arr, device_to_json(&l->v[i]));
	/* Normal-mode discovery failed: one record says so (no ids, mode
	 * "unknown", the reason in "error"), so a script never mistakes
	 * "usbmuxd unreachable" for "no device in normal mode". */
	if (l->mux_error[0]) {
		struct device none = {.mode = MODE_UNKNOWN, .trusted = -1};
		snprintf(none.error, sizeof(none.error), "usbmuxd unreachable: %s", l->mux_error);
		json_array_append_new(arr, device_to_json(&none));
	}
	ok = output_json(arr);
	json_decref(arr);
	return ok ? IREC_OK : IREC_EFAIL;
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct device_list l = {0};
	char err[256];
	int timeout_ms = (int)(ctx_timeout(ctx, PROBE_TIMEOUT_MS / 1000.0) * 1000);
	int status = IREC_OK;

	/* With -d only what may be that device is probed (no lockdownd
	 * connection to the others). */
	struct discover_opts o = {.timeout_ms = timeout_ms,
	                          .only = ctx->have_device ? &ctx->device : NULL,
	                          .usb_flags = USB_PROBE_IBOOT};

	(void)args;
	if (discover(&l, &o, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return IREC_EFAIL;
	}
	if (l.mux_error[0])
		mux_endpoint_warn_once(l.mux_error);
	if (ctx->have_device) {
		keep_selected(&l, &ctx->device);
		if (l.n == 0) {
			log_error("no attached device matches the given id%s",
			          l.mux_error[0] ? " (usbmuxd is unreachable: see above)" : "");
			device_list_free(&l);
			return IREC_ENODEV;
		}
	}
	if (ctx->json)
		status = print_json(&l);
	else if (l.n > 0)
		output_device_table(stdout, &l, ctx->color);
	if (l.n == 0 && ctx->stderr_tty)
		log_note("no Apple device attached");
	device_list_free(&l);
	return status;
}

const struct command cmd_status = {
        .name = "status",
        .summary = "show every attached device: mode, model, ids, versions",
        .synopsis = "[-d ID] [--json] [--timeout SECONDS]",
        .description =
                "Lists every attached Apple device in every mode (normal, restore, recovery, DFU,\n"
                "WTF, KIS, Port DFU), one record per attachment; two that report one ECID are\n"
                "both listed as a conflict. Devices are queried in parallel; one that does not\n"
                "answer within --timeout (default 5 s) is listed with an error. Never asks a\n"
                "device to trust this host; sends a recovery device nothing but 'getenv\n"
                "build-version', and only when no other program is driving it.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .run = run,
};
