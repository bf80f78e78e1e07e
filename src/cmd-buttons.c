/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl buttons MODEL [--recovery|--dfu|--restart]: print how a person
 * moves a model into recovery or DFU, or force-restarts it. Needs no
 * device: MODEL is looked up in the model table.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "irecctl/buttons.h"
#include "irecctl/cli.h"
#include "irecctl/log.h"
#include "irecctl/model.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"

/* Indexes into options[] and, in the same order, enum button_purpose. */
enum { OPT_RECOVERY, OPT_DFU, OPT_RESTART };

static const struct cmd_option options[] = {
        [OPT_RECOVERY] = {"recovery", 0, NULL, "the recovery-mode sequence"},
        [OPT_DFU] = {"dfu", 0, NULL, "the DFU sequence"},
        [OPT_RESTART] = {"restart", 0, NULL, "the force-restart sequence"},
        {NULL, 0, NULL, NULL},
};

static const enum button_purpose option_purpose[] = {
        [OPT_RECOVERY] = BUTTONS_RECOVERY,
        [OPT_DFU] = BUTTONS_DFU,
        [OPT_RESTART] = BUTTONS_RESTART,
};

/* Which purposes to print: those asked for, or all three. */
static void wanted_purposes(const struct cmd_args *args, bool want[BUTTON_PURPOSE_COUNT])
{
	bool any = false;

	for (size_t o = 0; o < BUTTON_PURPOSE_COUNT; o++)
		any |= args->set[o];
	for (size_t o = 0; o < BUTTON_PURPOSE_COUNT; o++)
		want[option_purpose[o]] = !any || args->set[o];
}

static bool same_product(const struct model *a, const struct model *b)
{
	return strcasecmp(a->product_type, b->product_type) == 0;
}

/* "iPhone 6s: iPhone8,1, board n71ap (CPID 0x8000, BDID 0x04) or n71map (...)" */
static void print_model_line(FILE *f, const struct model *m)
{
	const char *sep = "board ";

	fprintf(f, "%s: %s, ", m->name, m->product_type);
	for (size_t i = 0; i < model_count(); i++) {
		const struct model *v = model_at(i);
		if (!same_product(v, m))
			continue;
		fprintf(f, "%s%s (CPID 0x%04x, BDID 0x%02x)", sep, v->board_config, v->cpid,
		        v->bdid);
		sep = " or ";
	}
	fputc('\n', f);
}

static int print_text(const struct model *m, const bool want[BUTTON_PURPOSE_COUNT])
{
	print_model_line(stdout, m);
	for (int p = 0; p < BUTTON_PURPOSE_COUNT; p++) {
		if (!want[p])
			continue;
		fputc('\n', stdout);
		buttons_print(stdout, buttons_for(m, (enum button_purpose)p), m);
	}
	return fflush(stdout) == 0 ? IREC_OK : IREC_EFAIL;
}

/* Add key -> value to o; false (and value released) on any failure. */
static bool put(json_t *o, const char *key, json_t *value)
{
	return o && value && json_object_set_new(o, key, value) == 0;
}

static json_t *board_json(const struct model *v)
{
	json_t *b = json_object();

	if (put(b, "board", json_string(v->board_config)) &&
	    put(b, "cpid", json_integer(v->cpid)) && put(b, "bdid", json_integer(v->bdid)))
		return b;
	json_decref(b);
	return NULL;
}

/* Same keys as the device records of `irecctl status` where they overlap. */
static json_t *model_json(const struct model *m)
{
	json_t *o = json_object();
	bool ok = put(o, "product_type", json_string(m->product_type)) &&
	          put(o, "name", json_string(m->name)) &&
	          put(o, "device_class", json_string(device_class_name(m->device_class))) &&
	          put(o, "boards", json_array());
	json_t *boards = json_object_get(o, "boards");

	/* Two-chip product types have two boards; list every one. */
	for (size_t i = 0; ok && i < model_count(); i++)
		if (same_product(model_at(i), m))
			ok = json_array_append_new(boards, board_json(model_at(i))) == 0;
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

static int print_json(const struct model *m, const bool want[BUTTON_PURPOSE_COUNT])
{
	json_t *root = json_object();
	bool ok = put(root, "model", model_json(m));

	for (int p = 0; ok && p < BUTTON_PURPOSE_COUNT; p++)
		if (want[p])
			ok = put(root, button_purpose_name((enum button_purpose)p),
			         buttons_to_json(buttons_for(m, (enum button_purpose)p)));
	if (!ok) {
		json_decref(root);
		log_error("out of memory");
		return IREC_EFAIL;
	}
	ok = output_json(root) && fflush(stdout) == 0;
	json_decref(root);
	return ok ? IREC_OK : IREC_EFAIL;
}

static void report_ambiguous(const char *query, const struct model_find_result *r)
{
	log_error("'%s' matches %zu models; name one by product type:", query, r->ncandidates);
	for (size_t i = 0; i < r->ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++)
		fprintf(stderr, "  %-14s %s\n", r->candidates[i]->product_type,
		        r->candidates[i]->name);
	if (r->ncandidates > MODEL_FIND_MAX_CANDIDATES)
		fprintf(stderr, "  ... and %zu more\n", r->ncandidates - MODEL_FIND_MAX_CANDIDATES);
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct model_find_result r;
	bool want[BUTTON_PURPOSE_COUNT];
	char query[128];

	sanitize_text(query, sizeof(query), args->argv[0]);
	switch (model_find(args->argv[0], &r)) {
	case MODEL_FOUND:
		break;
	case MODEL_AMBIGUOUS:
		report_ambiguous(query, &r);
		return IREC_EUSAGE;
	case MODEL_NOT_FOUND:
	default:
		log_error("unknown model '%s': give a product type (iPhone16,1), a board config "
		          "(d83ap) or a marketing name (\"iPhone 15 Pro\")",
		          query);
		return IREC_EUSAGE;
	}
	wanted_purposes(args, want);
	return ctx->json ? print_json(r.model, want) : print_text(r.model, want);
}

const struct command cmd_buttons = {
        .name = "buttons",
        .summary = "print a model's button sequence (recovery, DFU, force restart)",
        .synopsis = "MODEL [--recovery|--dfu|--restart]",
        .description =
                "MODEL is a product type (iPhone16,1), a board config (d83ap) or a marketing "
                "name (\"iPhone 15 Pro\"; a unique part of one is enough). Prints the steps a "
                "person takes, with timings, for the sequences asked for (all three by default). "
                "Timings are targets: irecctl enter watches USB and stops prompting as soon as "
                "the device arrives.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .run = run,
};
