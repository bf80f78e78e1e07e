/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mode-change engine's results: JSON records on stdout, failures on stderr. */
#include <stdio.h>

#include "irecctl/buttons.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "irecctl/output.h"
#include "modechange-priv.h"

static json_t *target_json(const struct target *t)
{
	json_t *o = device_to_json(t->resolved && t->arrived.ecid ? &t->arrived : &t->dev);

	json_object_set_new(o, "from", json_string(mode_name(t->dev.mode)));
	json_object_set_new(o, "mode", json_string(mode_name(t->final_mode)));
	json_object_set_new(o, "result", json_string(irec_status_name(t->status)));
	json_object_set_new(o, "exit_code", json_integer(t->status));
	json_object_set_new(o, "message", output_text(t->message));
	json_object_set_new(o, "seconds",
	                    json_real(t->finished_ms > t->started_ms
	                                      ? (double)(t->finished_ms - t->started_ms) / 1000.0
	                                      : 0.0));
	if (t->plan.buttons[0]) {
		json_t *b = json_array();
		for (int i = 0; i < 2 && t->plan.buttons[i]; i++)
			json_array_append_new(
			        b, buttons_to_json(t->plan.buttons[i], mc_model_for_buttons(t)));
		json_object_set_new(o, "buttons", b);
	}
	return o;
}

void mc_report(const struct ctx *ctx, const struct target *v, size_t n)
{
	char label[80], name[128];

	if (ctx->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, target_json(&v[i]));
		output_json(arr);
		json_decref(arr);
	}
	/* Failures go to stderr in both forms: diagnostics never depend on --json. */
	for (size_t i = 0; i < n; i++) {
		const struct target *t = &v[i];
		device_label(&t->dev, label, sizeof(label));
		device_display_name(&t->dev, name, sizeof(name));
		if (t->status != IREC_OK)
			log_error("%s (%s): %s", label, name, t->message);
		else if (ctx->json)
			continue;
		else if (t->unverified)
			printf("%s  %s  %s -> %s: commands sent, not verified (--no-wait)\n", label,
			       name, mode_name(t->dev.mode), mode_name(t->spec->target));
		else
			printf("%s  %s  %s -> %s  (%.1f s)\n", label, name, mode_name(t->dev.mode),
			       mode_name(t->final_mode),
			       (double)(t->finished_ms - t->started_ms) / 1000.0);
	}
}
