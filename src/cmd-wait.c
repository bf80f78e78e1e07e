/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl wait --for MODE[,MODE...]|gone|any [--through MODES] [-d ID]
 *
 * The rules (also in the help text and irecctl(1)):
 *  - Already there: exit 0 at once.
 *  - Attached in another mode when the wait starts: keep waiting; that
 *    mode is where a change starts from.
 *  - "Arrived in another mode": after the wait began the device appeared
 *    (came back, or showed up for the first time) in a mode that is
 *    neither asked for nor allowed by --through: exit 12 at once, e.g. a
 *    device that reboots back into recovery while you wait for normal.
 *  - -d names a device that is not attached: wait for it to arrive.
 *  - --for gone of a device not attached when the wait starts: exit 3
 *    (nothing matches; "gone" is only said of a device this wait saw).
 *  - The deadline passes: exit 5, or exit 3 if the device was never seen
 *    at all (nothing attached matched -d, or no device without -d).
 *  - Only normal/restore asked for and usbmuxd unusable: exit 22 at once.
 *  - No -d: the only attached device; none attached: the first to arrive;
 *    several attached: exit 4.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "irecctl/cli.h"
#include "irecctl/duration.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"
#include "irecctl/wait.h"

#define WAIT_DEFAULT_TIMEOUT_S 600.0

enum { OPT_FOR, OPT_THROUGH };

static const struct cmd_option options[] = {
        {"for", 0, "MODE", "normal, recovery, dfu, restore, ... (comma-separated), gone or any"},
        {"through", 0, "MODES", "modes it may pass through on the way (comma-separated, or any)"},
        {NULL, 0, NULL, NULL},
};

struct wait_cli {
	struct ctx *ctx;
	struct wait_request req;
	char what[128]; /* "recovery mode", "gone", ... for messages */
	char who[96];   /* "device 0x..." or "a device" */
};

static bool parse_for(const char *arg, struct wait_request *r)
{
	char buf[128], *save = NULL;
	unsigned m;

	if (!wait_list_items_nonempty(arg) || strlen(arg) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcasecmp(tok, "gone"))
			r->gone = true;
		else if (!strcasecmp(tok, "any"))
			r->any_change = true;
		else if (wait_parse_modes(tok, &m))
			r->modes |= m;
		else
			return false;
	}
	return r->gone || r->any_change || r->modes;
}

static void describe_target(struct wait_cli *w, const char *arg)
{
	const struct ctx *ctx = w->ctx;
	char ecid[19];

	if (w->req.any_change)
		snprintf(w->what, sizeof(w->what), "a change");
	else if (w->req.gone && !w->req.modes)
		snprintf(w->what, sizeof(w->what), "gone");
	else
		snprintf(w->what, sizeof(w->what), "in %s mode", arg);
	if (!ctx->have_device)
		snprintf(w->who, sizeof(w->who), "a device");
	else if (ctx->device.kind == DEVID_UDID)
		snprintf(w->who, sizeof(w->who), "device %s", ctx->device.udid);
	else if (ctx->device.kind == DEVID_USB)
		snprintf(w->who, sizeof(w->who), "the device at USB %s", ctx->device.usb);
	else {
		devid_format_ecid(ctx->device.ecid, ecid);
		snprintf(w->who, sizeof(w->who), "device %s", ecid);
	}
}

static int parse(struct wait_cli *w, const struct cmd_args *args)
{
	struct wait_request *r = &w->req;

	if (!args->set[OPT_FOR]) {
		log_error("wait: --for is required (normal, recovery, dfu, restore, gone or any)");
		return IREC_EUSAGE;
	}
	if (!wait_list_items_nonempty(args->value[OPT_FOR])) {
		log_error("wait: empty mode in --for '%s': expected MODE[,MODE...]",
		          args->value[OPT_FOR]);
		return IREC_EUSAGE;
	}
	if (!parse_for(args->value[OPT_FOR], r)) {
		log_error("wait: unknown mode '%s' for --for: expected normal, restore, recovery, "
		          "dfu, wtf, kis, port-dfu, gone or any",
		          args->value[OPT_FOR]);
		return IREC_EUSAGE;
	}
	if (args->set[OPT_THROUGH] && !wait_parse_modes(args->value[OPT_THROUGH], &r->through)) {
		log_error("wait: unknown mode in --through '%s'", args->value[OPT_THROUGH]);
		return IREC_EUSAGE;
	}
	describe_target(w, args->value[OPT_FOR]);
	return IREC_OK;
}

/* --- output ------------------------------------------------------------------ */

static int print_device(const struct ctx *ctx, const struct wait_outcome *o)
{
	char ecid[19] = "-", name[128], clean[128];

	if (ctx->json) {
		json_t *j = device_to_json(&o->dev);
		if (!j)
			return IREC_EFAIL;
		json_object_set_new(j, "attached", json_boolean(o->attached));
		bool ok = output_json(j);
		json_decref(j);
		return ok ? IREC_OK : IREC_EFAIL;
	}
	if (o->dev.ecid)
		devid_format_ecid(o->dev.ecid, ecid);
	/* Never seen (gone from the start): nothing to name it by. */
	if (o->found || o->dev.model || o->dev.product_type[0])
		device_display_name(&o->dev, name, sizeof(name));
	else
		snprintf(name, sizeof(name), "-");
	sanitize_text(clean, sizeof(clean), name);
	printf("%s %s %s\n", o->attached ? mode_name(o->dev.mode) : "gone", ecid, clean);
	return IREC_OK;
}

static void on_waiting(const struct wait_outcome *sofar, void *data)
{
	struct wait_cli *w = data;
	char ecid[80], msg[320];

	if (sofar->attached) {
		device_label(&sofar->dev, ecid, sizeof(ecid));
		snprintf(msg, sizeof(msg), "waiting for device %s (now in %s mode) to be %s", ecid,
		         mode_name(sofar->dev.mode), w->what);
	} else {
		snprintf(msg, sizeof(msg), "waiting for %s to be %s (%s attached now)", w->who,
		         w->what, w->ctx->have_device ? "not" : "none");
	}
	/* On a terminal say why nothing happens; in scripts only with -v. */
	if (w->ctx->stderr_tty)
		log_note("%s", msg);
	else
		log_info("%s", msg);
}

static void on_change(const struct event *ev, void *data)
{
	char ecid[80];

	(void)data;
	device_label(&ev->dev, ecid, sizeof(ecid));
	if (ev->kind == EVENT_ADD)
		log_info("device %s arrived in %s mode", ecid, mode_name(ev->dev.mode));
	else
		log_info("device %s left (was in %s mode)", ecid, mode_name(ev->dev.mode));
}

static int report_timeout(const struct wait_cli *w, const struct wait_outcome *o, const char *ecid,
                          const char *secs)
{
	char blind[sizeof(o->mux_unusable) + 96] = "";

	/* What irecctl could not see may be what was waited for. */
	if (o->mux_unusable[0])
		snprintf(blind, sizeof(blind),
		         "; usbmuxd is unusable (%s), so devices in normal and restore mode "
		         "could not be seen",
		         o->mux_unusable);
	if (!o->found) {
		if (w->ctx->have_device)
			log_error("%s did not appear within %s s%s", w->who, secs, blind);
		else
			log_error("no device appeared within %s s%s", secs, blind);
		return IREC_ENODEV;
	}
	if (o->attached)
		log_error("timed out after %s s: device %s is still in %s mode, not %s%s", secs,
		          ecid, mode_name(o->dev.mode), w->what, blind);
	else
		log_error("timed out after %s s: device %s is not attached, not %s%s", secs, ecid,
		          w->what, blind);
	return IREC_ETIMEOUT;
}

static int report(struct wait_cli *w, const struct wait_outcome *o, double timeout_s)
{
	char ecid[80], secs[SECONDS_TEXT_MAX];

	device_label(&o->dev, ecid, sizeof(ecid));
	seconds_text(timeout_s, secs);
	switch (o->result) {
	case WAIT_REACHED:
		/* "Gone" of a device this wait never saw says nothing about it:
		 * no such device, as for any other -d that matches nothing. */
		if (!o->found) {
			log_error(w->ctx->have_device ? "no attached device matches the given id"
			                              : "no Apple device attached");
			return IREC_ENODEV;
		}
		return print_device(w->ctx, o);
	case WAIT_OTHER_MODE:
		log_error("device %s arrived in %s mode, not %s", ecid, mode_name(o->dev.mode),
		          w->what);
		print_device(w->ctx, o);
		return IREC_EOTHERMODE;
	case WAIT_TIMEOUT:
		return report_timeout(w, o, ecid, secs);
	case WAIT_BLIND:
		log_error("cannot wait for %s to be %s: usbmuxd is unusable (%s), so devices in "
		          "normal and restore mode cannot be seen",
		          w->who, w->what, o->mux_unusable);
		return IREC_ENOVERIFY;
	case WAIT_INTERRUPTED:
		log_note("interrupted");
		return IREC_EINTR;
	case WAIT_AMBIGUOUS:
		log_error("%zu devices are attached: choose one with -d ECID or -d UDID",
		          o->candidates);
		return IREC_EAMBIGUOUS;
	case WAIT_VANISHED:
		log_error("device %s disconnected", ecid);
		return IREC_EGONE;
	case WAIT_ERROR:
		break;
	}
	log_error("%s", o->error[0] ? o->error : "cannot watch for devices");
	return IREC_EFAIL;
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct wait_cli w = {.ctx = ctx};
	struct wait_outcome out;
	double timeout_s = ctx_timeout(ctx, WAIT_DEFAULT_TIMEOUT_S);
	int r = parse(&w, args);

	if (r != IREC_OK)
		return r;
	w.req.id = ctx->have_device ? &ctx->device : NULL;
	w.req.other_mode_ends = true;
	w.req.on_waiting = on_waiting;
	w.req.on_change = on_change;
	w.req.hook_data = &w;
	w.req.deadline_ms = events_deadline_after(timeout_s);
	wait_for(&w.req, &out);
	return report(&w, &out, timeout_s);
}

const struct command cmd_wait = {
        .name = "wait",
        .summary = "wait until a device is in a mode",
        .synopsis = "--for normal|recovery|dfu|restore|wtf|kis|port-dfu|gone|any "
                    "[--through MODES] [-d ID]",
        .description =
                "Returns as soon as the device is in the requested mode (at once if it "
                "already is), is gone (--for gone), or changes at all (--for any). "
                "Event-driven: no polling. A device attached in another mode is waited "
                "for; one that arrives (reappears) in a mode that is neither asked for nor "
                "allowed by --through ends the wait with exit 12 (other-mode), e.g. a device "
                "that comes back in recovery while you wait for normal. Without -d: the only "
                "attached device, or the first to arrive; several attached: exit 4. A -d "
                "device that is not attached is waited for; if it never appears, exit 3. "
                "--for gone of a device not attached when the wait starts: exit 3 (no "
                "such device), not success. Timeout exit 5 (default --timeout 10m). "
                "Waiting only for normal or restore mode while usbmuxd is unusable (it "
                "does not speak the protocol or does not answer): exit 22 at once. "
                "Prints the device (--json: its record) on success.",
        .options = options,
        .min_args = 0,
        .max_args = 0,
        .no_all = "it waits for one device (name it with -d)",
        .run = run,
};
