/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Button sequences: every class has one, every row reaches one, the DFU
 * timings of the reference are there, classes without a user procedure
 * say so, and the text, JSON and `irecctl buttons` outputs carry them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "irecctl/buttons.h"
#include "irecctl/cli.h"
#include "irecctl/exitcode.h"
#include "irecctl/model.h"

extern const struct command cmd_buttons;

static void check_sequence(const struct button_sequence *seq, const char *class_name,
                           enum button_purpose purpose)
{
	assert_non_null(seq);
	assert_string_equal(seq->class_name, class_name);
	assert_int_equal(seq->purpose, purpose);
	assert_true(seq->title && seq->title[0]);
	assert_true(seq->nsteps >= 1);
	for (size_t i = 0; i < seq->nsteps; i++)
		assert_true(seq->steps[i].text && seq->steps[i].text[0]);
	for (size_t i = 0; i < seq->nnotes; i++)
		assert_true(seq->notes[i].text && seq->notes[i].text[0]);
	/* Without a procedure there is exactly one step, and it says so plainly. */
	if (seq->availability == BUTTONS_NONE) {
		const char *t = seq->steps[0].text;
		assert_int_equal(seq->nsteps, 1);
		assert_true(strncmp(t, "No ", 3) == 0 || strncmp(t, "Not applicable", 14) == 0 ||
		            strncmp(t, "There is no", 11) == 0);
	}
}

static void test_every_class_has_a_sequence(void **state)
{
	(void)state;
	for (int c = 0; c < REC_CLASS_COUNT; c++)
		check_sequence(buttons_for_rec(c), rec_class_name(c), BUTTONS_RECOVERY);
	for (int c = 0; c < DFU_CLASS_COUNT; c++)
		check_sequence(buttons_for_dfu(c), dfu_class_name(c), BUTTONS_DFU);
	for (int c = 0; c < FR_CLASS_COUNT; c++)
		check_sequence(buttons_for_fr(c), fr_class_name(c), BUTTONS_RESTART);
	assert_null(buttons_for_rec(REC_CLASS_COUNT));
	assert_null(buttons_for_dfu((enum dfu_class) - 1));
	assert_null(buttons_for_fr(FR_CLASS_COUNT));
}

/* Every row reaches a sequence for each purpose, and every class is used. */
static void test_every_row_and_class_used(void **state)
{
	(void)state;
	bool rec[REC_CLASS_COUNT] = {false}, dfu[DFU_CLASS_COUNT] = {false},
	     fr[FR_CLASS_COUNT] = {false};

	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);
		for (int p = 0; p < BUTTON_PURPOSE_COUNT; p++) {
			const struct button_sequence *seq = buttons_for(m, p);
			assert_non_null(seq);
			assert_true(seq->nsteps >= 1);
		}
		assert_string_equal(buttons_for(m, BUTTONS_DFU)->class_name,
		                    dfu_class_name(m->dfu));
		rec[m->recovery] = dfu[m->dfu] = fr[m->restart] = true;
	}
	for (int c = 0; c < REC_CLASS_COUNT; c++)
		assert_true(rec[c]);
	for (int c = 0; c < DFU_CLASS_COUNT; c++)
		assert_true(dfu[c]);
	for (int c = 0; c < FR_CLASS_COUNT; c++)
		assert_true(fr[c]);
	assert_null(buttons_for(NULL, BUTTONS_DFU));
	assert_null(buttons_for(model_at(0), BUTTON_PURPOSE_COUNT));
}

/* Phones, iPads and iPods: a person can do all three, and DFU is timed. */
static void test_handheld_dfu_timings(void **state)
{
	(void)state;
	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);
		if (m->device_class != CLASS_IPHONE && m->device_class != CLASS_IPAD &&
		    m->device_class != CLASS_IPOD)
			continue;
		unsigned int timed_holds = 0;
		const struct button_sequence *seq = buttons_for(m, BUTTONS_DFU);
		for (size_t s = 0; s < seq->nsteps; s++)
			timed_holds += seq->steps[s].hold && seq->steps[s].seconds > 0;
		assert_true(timed_holds >= 2);
		for (int p = 0; p < BUTTON_PURPOSE_COUNT; p++)
			assert_int_equal(buttons_for(m, p)->availability, BUTTONS_PERSON);
	}
}

/* The reference's iPhone 8+ DFU: Side ~10 s, Side + Vol Down 5 s, Vol Down ~10 s. */
static void test_iphone_x_dfu_steps(void **state)
{
	(void)state;
	const struct button_sequence *seq = buttons_for_dfu(DFU_VOLUP_VOLDN_SIDE);
	static const struct {
		unsigned int seconds;
		bool hold;
		const char *word;
	} want[] = {
	        {0, false, "Connect"},        {0, false, "Volume Up"},
	        {0, false, "Volume Down"},    {10, true, "Side"},
	        {5, true, "Volume Down"},     {10, true, "Release the Side"},
	        {0, false, "Release Volume"},
	};

	assert_int_equal(seq->nsteps, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < seq->nsteps; i++) {
		assert_int_equal(seq->steps[i].seconds, want[i].seconds);
		assert_int_equal(seq->steps[i].hold, want[i].hold);
		assert_non_null(strstr(seq->steps[i].text, want[i].word));
	}
	assert_int_equal(seq->expect_pids[0], 0x1227);
	/* The caveats: cable, and the KIS / Port DFU ids. */
	bool cable = false, ids = false;
	for (size_t i = 0; i < seq->nnotes; i++) {
		cable |= strstr(seq->notes[i].text, "USB-C-to-Lightning") != NULL;
		ids |= strstr(seq->notes[i].text, "1881") && strstr(seq->notes[i].text, "f014");
	}
	assert_true(cable && ids);

	/* iPhone 7 class: 8 s both, then Vol Down; Home class: 8 s, then Home. */
	assert_int_equal(buttons_for_dfu(DFU_SIDE_VOLDN)->steps[1].seconds, 8);
	assert_int_equal(buttons_for_dfu(DFU_HOME_TOP)->steps[1].seconds, 8);
	/* WTF: the device first shows up as 05ac:1222. */
	assert_int_equal(buttons_for_dfu(DFU_HOME_TOP_WTF)->expect_pids[0], 0x1222);
	assert_int_equal(buttons_for_fr(FR_VOLUP_VOLDN_SIDE)->expect_pids[0], 0);
}

static char *print_to_string(const struct button_sequence *seq, const struct model *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	buttons_print(f, seq, m);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* The iPod touch 7 fallback is a note for iPods only. */
static void test_print_notes_by_class(void **state)
{
	(void)state;
	const struct model *ipod = model_by_product_type("iPod9,1");
	const struct model *iphone7 = model_by_product_type("iPhone9,1");
	const struct button_sequence *seq = buttons_for(ipod, BUTTONS_DFU);
	char *text;

	assert_ptr_equal(seq, buttons_for(iphone7, BUTTONS_DFU));

	text = print_to_string(seq, ipod);
	assert_non_null(strstr(text, "DFU mode: iPhone 7 / 7 Plus, iPod touch (7th gen) "
	                             "(DFU_SIDE_VOLDN)\n"));
	assert_non_null(strstr(text, "  1. Connect"));
	assert_non_null(strstr(text, "[hold, about 8 s]"));
	assert_non_null(strstr(text, "iPod touch (7th gen): if Top + Volume Down"));
	assert_non_null(strstr(text, "05ac:1227"));
	free(text);

	text = print_to_string(seq, iphone7);
	assert_null(strstr(text, "iPod touch (7th gen): if"));
	free(text);

	/* Without a model every note is shown, with its scope. */
	text = print_to_string(seq, NULL);
	assert_non_null(strstr(text, "Note: (iPod) iPod touch (7th gen): if"));
	free(text);

	/* No procedure: no "Success" line promising a USB id. */
	text = print_to_string(buttons_for_dfu(DFU_NONE_USER), NULL);
	assert_null(strstr(text, "Success"));
	free(text);
}

static void test_json(void **state)
{
	(void)state;
	json_t *j = buttons_to_json(buttons_for_dfu(DFU_SIDE_VOLDN));

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "class")), "DFU_SIDE_VOLDN");
	assert_string_equal(json_string_value(json_object_get(j, "purpose")), "dfu");
	assert_string_equal(json_string_value(json_object_get(j, "availability")), "person");
	json_t *steps = json_object_get(j, "steps");
	assert_int_equal(json_array_size(steps), buttons_for_dfu(DFU_SIDE_VOLDN)->nsteps);
	json_t *s1 = json_array_get(steps, 1);
	assert_int_equal(json_integer_value(json_object_get(s1, "seconds")), 8);
	assert_true(json_is_true(json_object_get(s1, "hold")));
	json_t *pids = json_object_get(j, "expect_usb_pids");
	assert_string_equal(json_string_value(json_array_get(pids, 0)), "0x1227");
	assert_string_equal(json_string_value(json_array_get(pids, 2)), "0xf014");
	/* The iPod note carries its scope; the others have none. */
	size_t scoped = 0;
	json_t *note;
	size_t i;
	json_array_foreach(json_object_get(j, "notes"), i, note)
	{
		json_t *only = json_object_get(note, "only_for");
		if (only) {
			assert_string_equal(json_string_value(json_array_get(only, 0)), "iPod");
			scoped++;
		}
	}
	assert_int_equal(scoped, 1);
	json_decref(j);

	/* Every sequence converts. */
	for (int c = 0; c < REC_CLASS_COUNT; c++) {
		j = buttons_to_json(buttons_for_rec(c));
		assert_non_null(j);
		json_decref(j);
	}
	for (int c = 0; c < FR_CLASS_COUNT; c++) {
		j = buttons_to_json(buttons_for_fr(c));
		assert_non_null(j);
		json_decref(j);
	}
	assert_null(buttons_to_json(NULL));
	assert_string_equal(button_purpose_name(BUTTONS_RESTART), "restart");
	assert_string_equal(button_availability_name(BUTTONS_SERVICE_HW), "service-hardware");
	assert_string_equal(button_purpose_name(BUTTON_PURPOSE_COUNT), "unknown");
}

/* ---- the subcommand ------------------------------------------------------ */

/* Run `irecctl [--json] buttons ARG [--recovery|--dfu|--restart]` with stdout
 * captured into a malloc'd string. */
static int run_buttons(const char *arg, int option, bool json, char **out)
{
	struct ctx ctx = {.json = json};
	struct cmd_args args = {.argc = 1, .argv = (char *[]){(char *)arg, NULL}};
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);

	if (option >= 0)
		args.set[option] = true;
	assert_non_null(tmp);
	fflush(stdout);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	int rc = cmd_buttons.run(&ctx, &args);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);

	off_t len = lseek(fileno(tmp), 0, SEEK_END);

	assert_true(len >= 0);
	*out = calloc(1, (size_t)len + 1);
	assert_non_null(*out);
	assert_int_equal(pread(fileno(tmp), *out, (size_t)len, 0), len);
	fclose(tmp);
	return rc;
}

static void test_command(void **state)
{
	(void)state;
	char *out;

	/* Option indexes: 0 --recovery, 1 --dfu, 2 --restart. */
	assert_string_equal(cmd_buttons.options[1].name, "dfu");
	assert_int_equal(run_buttons("iPhone 15 Pro", 1, false, &out), IREC_OK);
	assert_non_null(strstr(out, "iPhone 15 Pro: iPhone16,1, board d83ap"));
	assert_non_null(strstr(out, "DFU_VOLUP_VOLDN_SIDE"));
	assert_null(strstr(out, "REC_VOLUP_VOLDN_SIDE"));
	free(out);

	/* Default: all three, for both chips of a two-chip product type. */
	assert_int_equal(run_buttons("iphone8,1", -1, false, &out), IREC_OK);
	assert_non_null(strstr(out, "n71ap (CPID 0x8000, BDID 0x04) or n71map (CPID 0x8003"));
	assert_non_null(strstr(out, "REC_HOME_TOP"));
	assert_non_null(strstr(out, "DFU_HOME_TOP"));
	assert_non_null(strstr(out, "FR_HOME_TOP"));
	free(out);

	assert_int_equal(run_buttons("d22ap", 2, true, &out), IREC_OK);
	json_t *j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(j, "model"), "product_type")),
	        "iPhone10,3");
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(j, "restart"), "class")),
	        "FR_VOLUP_VOLDN_SIDE");
	assert_null(json_object_get(j, "dfu"));
	json_decref(j);
	free(out);

	/* Unknown and ambiguous names are usage errors with nothing on stdout. */
	assert_int_equal(run_buttons("iPhone 99 Ultra", -1, false, &out), IREC_EUSAGE);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(run_buttons("iPhone X", -1, true, &out), IREC_EUSAGE);
	assert_string_equal(out, "");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_every_class_has_a_sequence),
	        cmocka_unit_test(test_every_row_and_class_used),
	        cmocka_unit_test(test_handheld_dfu_timings),
	        cmocka_unit_test(test_iphone_x_dfu_steps),
	        cmocka_unit_test(test_print_notes_by_class),
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
