/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl buttons MODEL [--recovery|--dfu|--force-restart]: print how a
 * person moves a model into recovery or DFU, or force-restarts it. Needs
 * no device: MODEL is looked up in the model table (then in the installed
 * libirecovery's, then by family for a product type newer than both).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "irecctl/buttons.h"
#include "irecctl/cli.h"
#include "irecctl/log.h"
#include "irecctl/modechange.h"
#include "irecctl/model-runtime.h"
#include "irecctl/model.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"

/* Indexes into options[]; option_purpose[] maps each to what it prints. */
enum { OPT_RECOVERY, OPT_DFU, OPT_FORCE_RESTART, OPT_RESTART, OPT_COUNT };

static const struct cmd_option options[] = {
        [OPT_RECOVERY] = {"recovery", 0, NULL, "the recovery-mode sequence"},
        [OPT_DFU] = {"dfu", 0, NULL, "the DFU sequence"},
        [OPT_FORCE_RESTART] = {"force-restart", 0, NULL, "the force-restart sequence"},
        [OPT_RESTART] = {"restart", 0, NULL, "the same as --force-restart"},
        {NULL, 0, NULL, NULL},
};

static const enum button_purpose option_purpose[OPT_COUNT] = {
        [OPT_RECOVERY] = BUTTONS_RECOVERY,
        [OPT_DFU] = BUTTONS_DFU,
        [OPT_FORCE_RESTART] = BUTTONS_RESTART,
        [OPT_RESTART] = BUTTONS_RESTART,
};

/* Which purposes to print: those asked for, or all three. */
static void wanted_purposes(const struct cmd_args *args, bool want[BUTTON_PURPOSE_COUNT])
{
	bool any = false;

	for (size_t p = 0; p < BUTTON_PURPOSE_COUNT; p++)
		want[p] = false;
	for (size_t o = 0; o < OPT_COUNT; o++) {
		any |= args->set[o];
		want[option_purpose[o]] |= args->set[o];
	}
	for (size_t p = 0; !any && p < BUTTON_PURPOSE_COUNT; p++)
		want[p] = true;
}

static bool same_product(const struct model *a, const struct model *b)
{
	return strcasecmp(a->product_type, b->product_type) == 0;
}

/* A model irecctl's table lacks: where its name and buttons come from. */
static void print_runtime_model_line(FILE *f, const struct model *m)
{
	fprintf(f, "%s: %s, not in irecctl's table", m->name, m->product_type);
	if (m->origin == MODEL_ORIGIN_LIBIRECOVERY)
		fprintf(f, " (name and ids from libirecovery: board %s, CPID 0x%04x, BDID 0x%02x)",
		        m->board_config, m->cpid, m->bdid);
	fputc('\n', f);
}

/* "iPhone 6s: iPhone8,1, board n71ap (CPID 0x8000, BDID 0x04) or n71map (...)" */
static void print_model_line(FILE *f, const struct model *m)
{
	const char *sep = "board ";

	if (m->origin != MODEL_ORIGIN_TABLE) {
		print_runtime_model_line(f, m);
		return;
	}
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

/* Several product types answered: "Same buttons: iPhone 7 (Global) iPhone9,1, ..." */
static void print_variants(FILE *f, const struct model_find_result *r)
{
	if (r->ncandidates < 2)
		return;
	fputs("Same buttons:", f);
	for (size_t i = 0; i < r->ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++)
		fprintf(f, "%s %s %s", i ? "," : "", r->candidates[i]->name,
		        r->candidates[i]->product_type);
	if (r->ncandidates > MODEL_FIND_MAX_CANDIDATES)
		fprintf(f, " and %zu more", r->ncandidates - MODEL_FIND_MAX_CANDIDATES);
	fputc('\n', f);
}

static int print_text(const struct model_find_result *r, const bool want[BUTTON_PURPOSE_COUNT])
{
	const struct model *m = r->model;

	print_model_line(stdout, m);
	print_variants(stdout, r);
	for (int p = 0; p < BUTTON_PURPOSE_COUNT; p++) {
		const struct button_sequence *seq = buttons_for(m, (enum button_purpose)p);
		if (!want[p])
			continue;
		fputc('\n', stdout);
		if (seq)
			buttons_print(stdout, seq, m);
		else
			printf("%s: irecctl knows no %s sequence for this model.\n", m->name,
			       button_purpose_name((enum button_purpose)p));
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

static const char *origin_name(enum model_origin o)
{
	return o == MODEL_ORIGIN_TABLE          ? "table"
	       : o == MODEL_ORIGIN_LIBIRECOVERY ? "libirecovery"
	                                        : "inferred";
}

/* Two-chip product types have two boards; list every one. */
static bool add_boards(json_t *boards, const struct model *m)
{
	bool ok = true;

	if (m->origin != MODEL_ORIGIN_TABLE)
		return !m->board_config[0] || json_array_append_new(boards, board_json(m)) == 0;
	for (size_t i = 0; ok && i < model_count(); i++)
		if (same_product(model_at(i), m))
			ok = json_array_append_new(boards, board_json(model_at(i))) == 0;
	return ok;
}

/* Same keys as the device records of `irecctl status` where they overlap. */
static json_t *model_json(const struct model *m)
{
	json_t *o = json_object();
	bool ok = put(o, "product_type", json_string(m->product_type)) &&
	          put(o, "name", json_string(m->name)) &&
	          put(o, "device_class", json_string(device_class_name(m->device_class))) &&
	          put(o, "source", json_string(origin_name(m->origin))) &&
	          put(o, "boards", json_array()) && add_boards(json_object_get(o, "boards"), m);

	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

static json_t *variants_json(const struct model_find_result *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < r->ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++) {
		json_t *v = json_object();
		if (!put(v, "product_type", json_string(r->candidates[i]->product_type)) ||
		    !put(v, "name", json_string(r->candidates[i]->name)) ||
		    json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* A purpose without a sequence (buttons unknown) is null. */
static json_t *sequence_json(const struct model *m, enum button_purpose p)
{
	const struct button_sequence *seq = buttons_for(m, p);

	return seq ? buttons_to_json(seq, m) : json_null();
}

static int print_json(const struct model_find_result *r, const bool want[BUTTON_PURPOSE_COUNT])
{
	const struct model *m = r->model;
	json_t *root = json_object();
	bool ok = put(root, "model", model_json(m)) &&
	          (r->ncandidates < 2 || put(root, "variants", variants_json(r)));

	for (int p = 0; ok && p < BUTTON_PURPOSE_COUNT; p++)
		if (want[p])
			ok = put(root, button_purpose_name((enum button_purpose)p),
			         sequence_json(m, (enum button_purpose)p));
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
	log_error("'%s' could mean %zu models; name one (a longer name or the product type), "
	          "closest first:",
	          query, r->ncandidates);
	for (size_t i = 0; i < r->ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++)
		fprintf(stderr, "  %-14s %s\n", r->candidates[i]->product_type,
		        r->candidates[i]->name);
	if (r->ncandidates > MODEL_FIND_MAX_CANDIDATES)
		fprintf(stderr, "  ... and %zu more\n", r->ncandidates - MODEL_FIND_MAX_CANDIDATES);
}

/* Not in the table: a product type libirecovery knows, or one whose family decides. */
static const struct model *model_beyond_table(const char *query)
{
	const struct model *m = model_from_libirecovery(query, NULL, false, 0, 0);

	return m ? m : model_infer(query, false, 0, 0);
}

/* Resolve MODEL into r; on failure say why (the closest candidates too). */
static bool resolve_model(const char *arg, struct model_find_result *r)
{
	char query[128];

	log_sanitize(query, sizeof(query), arg);
	switch (model_find(arg, r)) {
	case MODEL_FOUND:
		return true;
	case MODEL_AMBIGUOUS:
		report_ambiguous(query, r);
		return false;
	case MODEL_NOT_FOUND:
	default:
		if ((r->model = model_beyond_table(arg))) {
			r->status = MODEL_FOUND;
			return true;
		}
		log_error("unknown model '%s': give a product type (iPhone16,1), a board config "
		          "(d83ap) or a marketing name (\"iPhone 15 Pro\")",
		          query);
		return false;
	}
}

const struct model *buttons_model_option(const char *arg)
{
	struct model_find_result r;

	return resolve_model(arg, &r) ? r.model : NULL;
}

/* Does what arg names include m's product type ("iPhone 7": iPhone9,1 and iPhone9,3)? */
static bool option_names(const char *arg, const struct model *m)
{
	struct model_find_result r;

	if (model_find(arg, &r) != MODEL_FOUND)
		return false; /* beyond the table: not a model the table has */
	if (!strcmp(r.model->product_type, m->product_type))
		return true;
	for (size_t i = 0; i < r.ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++)
		if (!strcmp(r.candidates[i]->product_type, m->product_type))
			return true;
	return false;
}

bool buttons_model_option_refusal(const char *arg, const struct device *d, struct mc_plan *p)
{
	if (!arg || !d->model || d->model->origin != MODEL_ORIGIN_TABLE ||
	    option_names(arg, d->model))
		return false;
	p->action = MC_REFUSE;
	p->status = IREC_EUSAGE;
	p->message = "--model names another model than the one this device identifies itself "
	             "as; --model only names a model irecctl cannot identify: nothing was sent";
	return true;
}

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	struct model_find_result r;
	bool want[BUTTON_PURPOSE_COUNT];

	if (!resolve_model(args->argv[0], &r))
		return IREC_EUSAGE;
	wanted_purposes(args, want);
	return ctx->json ? print_json(&r, want) : print_text(&r, want);
}

const struct command cmd_buttons = {
        .name = "buttons",
        .summary = "print a model's button sequence (recovery, DFU, force restart)",
        .synopsis = "MODEL [--recovery|--dfu|--force-restart]",
        .description =
                "MODEL is a product type (iPhone16,1), a board config (d83ap) or a marketing "
                "name as Apple writes it (\"iPad Pro 11-inch (M4)\", \"iPhone SE (3rd "
                "generation)\") or shortened (\"iPhone 7\", \"iPad mini 6\"). A name that fits "
                "several models with the same buttons lists them on one line; one that fits "
                "models with different buttons is an error listing the closest. Prints the "
                "steps a person takes, with timings, for the sequences asked for (all three by "
                "default; --restart is the same as --force-restart). Timings are targets: "
                "irecctl enter watches USB and stops prompting as soon as the device arrives.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .no_all = "it describes a model, not attached devices",
        .no_device = "it describes a model (name it as MODEL), not an attached device",
        .run = run,
        .no_usbmuxd = true,
};
