/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lookups over the button sequences (buttons-table.c) and their two
 * renderings: plain text for a person and JSON for scripts.
 */
#include "irecctl/buttons.h"

#include "buttons-table.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const struct button_sequence *buttons_for_rec(enum rec_class c)
{
	return (unsigned)c < COUNT(button_rec_table) ? &button_rec_table[c] : NULL;
}

const struct button_sequence *buttons_for_dfu(enum dfu_class c)
{
	return (unsigned)c < COUNT(button_dfu_table) ? &button_dfu_table[c] : NULL;
}

const struct button_sequence *buttons_for_fr(enum fr_class c)
{
	return (unsigned)c < COUNT(button_fr_table) ? &button_fr_table[c] : NULL;
}

const struct button_sequence *buttons_for(const struct model *m, enum button_purpose p)
{
	if (!m || m->buttons_unknown)
		return NULL;
	switch (p) {
	case BUTTONS_RECOVERY:
		return buttons_for_rec(m->recovery);
	case BUTTONS_DFU:
		return buttons_for_dfu(m->dfu);
	case BUTTONS_RESTART:
		return buttons_for_fr(m->restart);
	case BUTTON_PURPOSE_COUNT:
		break;
	}
	return NULL;
}

const char *button_purpose_name(enum button_purpose p)
{
	static const char *const names[] = {
	        [BUTTONS_RECOVERY] = "recovery",
	        [BUTTONS_DFU] = "dfu",
	        [BUTTONS_RESTART] = "restart",
	};
	return (unsigned)p < COUNT(names) ? names[p] : "unknown";
}

const char *button_availability_name(enum button_availability a)
{
	static const char *const names[] = {
	        [BUTTONS_PERSON] = "person",
	        [BUTTONS_SERVICE_HW] = "service-hardware",
	        [BUTTONS_NONE] = "none",
	};
	return (unsigned)a < COUNT(names) ? names[a] : "unknown";
}

const struct button_assist *buttons_assist_for(const struct model *m)
{
	if (!m || m->buttons_unknown)
		return NULL;
	for (size_t i = 0; i < button_assist_count; i++) {
		const struct button_assist *a = &button_assist_table[i];
		if (a->dfu == m->dfu && (!a->only || ((a->only >> m->device_class) & 1u)))
			return a;
	}
	return NULL;
}

bool button_note_applies(const struct button_note *n, const struct model *m)
{
	if (!m)
		return true;
	if (n->only && !((n->only >> m->device_class) & 1u))
		return false;
	return !n->only_connector || m->connector == CONNECTOR_UNKNOWN ||
	       ((n->only_connector >> m->connector) & 1u);
}

/* ---- plain text ---------------------------------------------------------- */

/* "hold, about 10 s" / "about 5 s" / "hold" / "" for quick or untimed steps. */
static void print_timing(FILE *f, const struct button_step *st)
{
	if (st->hold && st->seconds)
		fprintf(f, " [hold, about %u s]", st->seconds);
	else if (st->hold)
		fputs(" [hold]", f);
	else if (st->seconds)
		fprintf(f, " [about %u s]", st->seconds);
}

/* Names of the device classes and connectors a note is limited to: "(iPod) ". */
static void print_note_scope(FILE *f, const struct button_note *n)
{
	const char *sep = "(";

	if (!n->only && !n->only_connector)
		return;
	for (unsigned int c = 0; c < DEVICE_CLASS_COUNT; c++) {
		if (!((n->only >> c) & 1u))
			continue;
		fprintf(f, "%s%s", sep, device_class_name((enum device_class)c));
		sep = ", ";
	}
	for (unsigned int c = 0; c < CONNECTOR_COUNT; c++) {
		if (!((n->only_connector >> c) & 1u))
			continue;
		fprintf(f, "%s%s", sep, connector_name((enum connector)c));
		sep = ", ";
	}
	fputs(") ", f);
}

void buttons_print_inferred(FILE *f, const struct model *m)
{
	if (!m || !m->buttons_inferred)
		return;
	fprintf(f,
	        "  Inferred: this model is newer than irecctl's table; these are the steps of "
	        "its family (%s). If they do not fit, name the model with --model MODEL.\n",
	        m->inferred_from ? m->inferred_from : "by its ids");
}

static void print_expect(FILE *f, const struct button_sequence *seq)
{
	if (seq->availability == BUTTONS_NONE || !seq->expect_pids[0])
		return;
	fputs("  Success: this computer sees USB", f);
	for (size_t i = 0; i < BUTTONS_MAX_PIDS && seq->expect_pids[i]; i++)
		fprintf(f, "%s05ac:%04x", i ? " or " : " ", seq->expect_pids[i]);
	fputs(".\n", f);
}

void buttons_print(FILE *f, const struct button_sequence *seq, const struct model *m)
{
	if (!f || !seq)
		return;
	fprintf(f, "%s (%s)\n", seq->title, seq->class_name);
	for (size_t i = 0; i < seq->nsteps; i++) {
		fprintf(f, "  %zu. %s", i + 1, seq->steps[i].text);
		print_timing(f, &seq->steps[i]);
		fputc('\n', f);
	}
	for (size_t i = 0; i < seq->nnotes; i++) {
		const struct button_note *n = &seq->notes[i];

		if (!button_note_applies(n, m))
			continue;
		fputs("  Note: ", f);
		/* With a model the scope is implied; without one, say who it is for. */
		if (!m)
			print_note_scope(f, n);
		fprintf(f, "%s\n", n->text);
	}
	print_expect(f, seq);
	buttons_print_inferred(f, m);
}

/* ---- JSON ---------------------------------------------------------------- */

/* json_object_set_new() steals the value even on failure, so a NULL value
 * from a failed allocation needs no cleanup here; the result is checked once. */
static bool set(json_t *obj, const char *key, json_t *value)
{
	return value && json_object_set_new(obj, key, value) == 0;
}

static bool append(json_t *arr, json_t *value)
{
	return value && json_array_append_new(arr, value) == 0;
}

static json_t *step_json(const struct button_step *st)
{
	json_t *o = json_object();

	if (o && set(o, "text", json_string(st->text)) &&
	    set(o, "seconds", json_integer(st->seconds)) && set(o, "hold", json_boolean(st->hold)))
		return o;
	json_decref(o);
	return NULL;
}

typedef const char *(*bit_name_fn)(unsigned int bit);

static const char *class_bit_name(unsigned int bit)
{
	return device_class_name((enum device_class)bit);
}

static const char *connector_bit_name(unsigned int bit)
{
	return connector_name((enum connector)bit);
}

/* key: [names of the bits set in mask]; nothing when mask is 0. */
static bool set_scope(json_t *o, const char *key, unsigned int mask, unsigned int nbits,
                      bit_name_fn name)
{
	json_t *arr;
	bool ok;

	if (!mask)
		return true;
	ok = set(o, key, json_array());
	arr = json_object_get(o, key);
	for (unsigned int c = 0; ok && c < nbits; c++)
		if ((mask >> c) & 1u)
			ok = append(arr, json_string(name(c)));
	return ok;
}

static json_t *note_json(const struct button_note *n)
{
	json_t *o = json_object();
	bool ok = o && set(o, "text", json_string(n->text)) &&
	          set_scope(o, "only_for", n->only, DEVICE_CLASS_COUNT, class_bit_name) &&
	          set_scope(o, "only_connector", n->only_connector, CONNECTOR_COUNT,
	                    connector_bit_name);

	if (ok)
		return o;
	json_decref(o);
	return NULL;
}

static json_t *pids_json(const struct button_sequence *seq)
{
	json_t *arr = json_array();
	char buf[8];

	for (size_t i = 0; arr && i < BUTTONS_MAX_PIDS && seq->expect_pids[i]; i++) {
		snprintf(buf, sizeof(buf), "0x%04x", seq->expect_pids[i] & 0xffffu);
		if (!append(arr, json_string(buf))) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static bool set_inferred(json_t *o, const struct model *m)
{
	bool inferred = m && m->buttons_inferred;

	if (!set(o, "inferred", json_boolean(inferred)))
		return false;
	return !inferred || !m->inferred_from ||
	       set(o, "inferred_from", json_string(m->inferred_from));
}

json_t *buttons_to_json(const struct button_sequence *seq, const struct model *m)
{
	json_t *o;
	bool ok;

	if (!seq || !(o = json_object()))
		return NULL;
	/* Containers are attached first and filled through borrowed pointers,
	 * so one json_decref(o) releases everything on any failure. */
	ok = set(o, "class", json_string(seq->class_name)) &&
	     set(o, "purpose", json_string(button_purpose_name(seq->purpose))) &&
	     set(o, "availability", json_string(button_availability_name(seq->availability))) &&
	     set(o, "title", json_string(seq->title)) && set_inferred(o, m) &&
	     set(o, "steps", json_array()) && set(o, "notes", json_array()) &&
	     set(o, "expect_usb_pids", pids_json(seq));

	json_t *steps = json_object_get(o, "steps"), *notes = json_object_get(o, "notes");
	for (size_t i = 0; ok && i < seq->nsteps; i++)
		ok = append(steps, step_json(&seq->steps[i]));
	for (size_t i = 0; ok && i < seq->nnotes; i++)
		ok = append(notes, note_json(&seq->notes[i]));
	if (ok)
		return o;
	json_decref(o);
	return NULL;
}
