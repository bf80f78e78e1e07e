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
#include "irecctl/model-runtime.h"
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

/* The iPod touch 7 note is for iPods only, and keeps to Top + Volume Down. */
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
	assert_non_null(strstr(text, "iPod touch (7th gen): the Top button and Volume Down"));
	/* No Home-button fallback: Home + Top is not this model's DFU. */
	assert_null(strstr(text, "Home + Top"));
	assert_null(strstr(text, "keep holding Home"));
	assert_non_null(strstr(text, "05ac:1227"));
	free(text);

	text = print_to_string(seq, iphone7);
	assert_null(strstr(text, "iPod touch (7th gen): the"));
	free(text);

	/* Without a model every note is shown, with its scope. */
	text = print_to_string(seq, NULL);
	assert_non_null(strstr(text, "Note: (iPod) iPod touch (7th gen): the"));
	assert_non_null(strstr(text, "Note: (lightning) Use a USB-A-to-Lightning cable"));
	free(text);

	/* No procedure: no "Success" line promising a USB id. */
	text = print_to_string(buttons_for_dfu(DFU_NONE_USER), NULL);
	assert_null(strstr(text, "Success"));
	free(text);
}

static bool text_has(const struct button_sequence *seq, const char *needle)
{
	for (size_t i = 0; i < seq->nsteps; i++)
		if (strstr(seq->steps[i].text, needle))
			return true;
	for (size_t i = 0; i < seq->nnotes; i++)
		if (strstr(seq->notes[i].text, needle))
			return true;
	return false;
}

/*
 * iPads without a Home button: what a volume button does follows the
 * orientation, so every text names them by position only.
 */
static void test_ipad_position_only(void **state)
{
	(void)state;
	const struct button_sequence *seqs[] = {buttons_for_rec(REC_IPAD_NOHOME),
	                                        buttons_for_dfu(DFU_IPAD_NOHOME),
	                                        buttons_for_fr(FR_IPAD_NOHOME)};

	for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
		assert_false(text_has(seqs[k], "Volume Up"));
		assert_false(text_has(seqs[k], "Volume Down"));
		assert_false(text_has(seqs[k], "Vol"));
		assert_true(text_has(seqs[k], "the volume button nearest to the top button"));
		assert_true(text_has(seqs[k], "the volume button farthest from the top button"));
	}
	/* DFU: the hold is on the far button, in every step that holds one. */
	const struct button_sequence *dfu = buttons_for_dfu(DFU_IPAD_NOHOME);
	assert_non_null(strstr(dfu->steps[4].text, "farthest from the top button"));
	assert_non_null(strstr(dfu->steps[5].text, "farthest from the top button"));

	/* The assisted method of `enter --dfu` too. */
	const struct button_assist *a = buttons_assist_for(model_by_product_type("iPad16,8"));
	assert_non_null(a);
	assert_null(strstr(a->pair, "Volume"));
	assert_null(strstr(a->keep, "Volume"));
	assert_non_null(strstr(a->pair, "farthest from the top button"));
	assert_string_equal(a->keep, "the volume button farthest from the top button");
	assert_string_equal(a->release, "the top button");
}

static void test_assisted_buttons(void **state)
{
	(void)state;
	/* The iPod touch (7th gen) has a Top button, not a Side button. */
	const struct button_assist *ipod = buttons_assist_for(model_by_product_type("iPod9,1"));
	assert_non_null(ipod);
	assert_string_equal(ipod->pair, "Top and Volume Down");
	assert_string_equal(ipod->release, "Top");
	const struct button_assist *i7 = buttons_assist_for(model_by_product_type("iPhone9,1"));
	assert_string_equal(i7->pair, "Side and Volume Down");
	assert_string_equal(buttons_assist_for(model_by_product_type("iPhone10,3"))->release,
	                    "Side");
	assert_string_equal(buttons_assist_for(model_by_product_type("iPhone8,1"))->keep, "Home");
	assert_null(buttons_assist_for(model_by_product_type("AppleTV6,2")));
	assert_null(buttons_assist_for(NULL));
	/* Every handheld row has an assisted method. */
	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);
		if (m->device_class == CLASS_IPHONE || m->device_class == CLASS_IPAD ||
		    m->device_class == CLASS_IPOD)
			assert_non_null(buttons_assist_for(m));
	}
}

/*
 * Every force restart of a device that has recovery mode: it leaves DFU and
 * recovery; back in recovery means `irecctl exit` first, then update before
 * restore (not "a damaged OS").
 */
static void test_force_restart_notes(void **state)
{
	(void)state;
	static const enum fr_class classes[] = {FR_VOLUP_VOLDN_SIDE, FR_SIDE_VOLDN, FR_HOME_TOP,
	                                        FR_IPAD_NOHOME};

	for (size_t k = 0; k < sizeof(classes) / sizeof(classes[0]); k++) {
		const struct button_sequence *seq = buttons_for_fr(classes[k]);
		assert_true(text_has(seq, "This also leaves DFU and recovery mode."));
		assert_true(text_has(seq, "Run irecctl exit first"));
		assert_true(text_has(seq, BUTTONS_LOOP_ADVICE));
		assert_true(text_has(seq, "auto-boot off"));
		assert_false(text_has(seq, "damaged"));
	}
	/* Update (keeps data) comes before restore (erases). */
	const char *adv = BUTTONS_LOOP_ADVICE;
	assert_true(strstr(adv, "--update") < strstr(adv, "--erase"));
	assert_non_null(strstr(adv, "keeps its data"));
}

static void test_other_corrections(void **state)
{
	(void)state;
	char *text;

	/* iPhone 8 and later: iOS 11/12 show the iTunes logo, later ones a computer. */
	const struct button_sequence *rec = buttons_for_rec(REC_VOLUP_VOLDN_SIDE);
	assert_true(text_has(rec, "the iTunes logo and a cable (iOS 11 and 12)"));
	assert_true(text_has(rec, "a computer and a cable (iOS 13 and later)"));

	/* The Lightning cable advice: not for a USB-C iPhone. */
	const struct button_sequence *dfu = buttons_for_dfu(DFU_VOLUP_VOLDN_SIDE);
	text = print_to_string(dfu, model_by_product_type("iPhone15,4"));
	assert_null(strstr(text, "Lightning"));
	free(text);
	text = print_to_string(dfu, model_by_product_type("iPhone10,3"));
	assert_non_null(strstr(text, "USB-A-to-Lightning"));
	free(text);

	/* Next to the assisted method, the DFU note must not say USB cannot help. */
	for (int c = 0; c < DFU_CLASS_COUNT; c++) {
		assert_false(text_has(buttons_for_dfu(c), "cannot be entered over USB"));
		assert_false(text_has(buttons_for_dfu(c), "Home + Top"));
	}
	assert_true(text_has(dfu, "irecctl enter --dfu can time them"));
}

/* A model newer than the table: the family's steps, marked inferred. */
static void test_inferred(void **state)
{
	(void)state;
	const struct model *m = model_infer("iPhone19,1", false, 0, 0);
	const struct button_sequence *seq = buttons_for(m, BUTTONS_DFU);
	char *text;

	assert_ptr_equal(seq, buttons_for_dfu(DFU_VOLUP_VOLDN_SIDE));
	text = print_to_string(seq, m);
	assert_non_null(strstr(text, "  Inferred: this model is newer than irecctl's table"));
	assert_non_null(strstr(text, "every iPhone from iPhone10,x on"));
	assert_non_null(strstr(text, "--model MODEL"));
	/* Its connector is unknown: the cable advice stays. */
	assert_non_null(strstr(text, "USB-A-to-Lightning"));
	free(text);
	text = print_to_string(seq, model_by_product_type("iPhone10,3"));
	assert_null(strstr(text, "Inferred"));
	free(text);

	json_t *j = buttons_to_json(seq, m);
	assert_true(json_is_true(json_object_get(j, "inferred")));
	assert_non_null(
	        strstr(json_string_value(json_object_get(j, "inferred_from")), "iPhone10,x"));
	json_decref(j);
	j = buttons_to_json(seq, model_by_product_type("iPhone10,3"));
	assert_true(json_is_false(json_object_get(j, "inferred")));
	assert_null(json_object_get(j, "inferred_from"));
	json_decref(j);
}

static void test_json(void **state)
{
	(void)state;
	json_t *j = buttons_to_json(buttons_for_dfu(DFU_SIDE_VOLDN), NULL);

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
	/* The iPod note carries its scope, the cable note its connector. */
	size_t scoped = 0, cabled = 0;
	json_t *note;
	size_t i;
	json_array_foreach(json_object_get(j, "notes"), i, note)
	{
		json_t *only = json_object_get(note, "only_for");
		json_t *conn = json_object_get(note, "only_connector");
		if (only) {
			assert_string_equal(json_string_value(json_array_get(only, 0)), "iPod");
			scoped++;
		}
		if (conn) {
			assert_string_equal(json_string_value(json_array_get(conn, 0)),
			                    "lightning");
			cabled++;
		}
	}
	assert_int_equal(scoped, 1);
	assert_int_equal(cabled, 1);
	json_decref(j);

	/* Every sequence converts. */
	for (int c = 0; c < REC_CLASS_COUNT; c++) {
		j = buttons_to_json(buttons_for_rec(c), NULL);
		assert_non_null(j);
		json_decref(j);
	}
	for (int c = 0; c < FR_CLASS_COUNT; c++) {
		j = buttons_to_json(buttons_for_fr(c), NULL);
		assert_non_null(j);
		json_decref(j);
	}
	assert_null(buttons_to_json(NULL, NULL));
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
	json_t *j;

	/* Option indexes: 0 --recovery, 1 --dfu, 2 --force-restart, 3 --restart. */
	assert_string_equal(cmd_buttons.options[1].name, "dfu");
	assert_string_equal(cmd_buttons.options[2].name, "force-restart");
	assert_string_equal(cmd_buttons.options[3].name, "restart");
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

	/* --force-restart and its alias --restart print the same. */
	char *alias;
	assert_int_equal(run_buttons("iPhone 15 Pro", 2, false, &out), IREC_OK);
	assert_int_equal(run_buttons("iPhone 15 Pro", 3, false, &alias), IREC_OK);
	assert_non_null(strstr(out, "FR_VOLUP_VOLDN_SIDE"));
	assert_null(strstr(out, "DFU_VOLUP_VOLDN_SIDE"));
	assert_string_equal(out, alias);
	free(out);
	free(alias);

	/* Variants with the same buttons: answered, listed on one line. */
	assert_int_equal(run_buttons("iPhone 7", 1, false, &out), IREC_OK);
	assert_non_null(strstr(out, "\nSame buttons: iPhone 7 (Global) iPhone9,1, iPhone 7 (GSM) "
	                            "iPhone9,3\n"));
	free(out);
	assert_int_equal(run_buttons("iPad Air M4", 1, true, &out), IREC_OK);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "variants")), 4);
	assert_string_equal(
	        json_string_value(json_object_get(json_object_get(j, "model"), "source")), "table");
	json_decref(j);
	free(out);

	/* A product type newer than the table: the family's steps, marked. */
	assert_int_equal(run_buttons("iPad18,3", 1, false, &out), IREC_OK);
	assert_non_null(strstr(out, "iPad18,3, not in irecctl's table"));
	assert_non_null(strstr(out, "DFU_IPAD_NOHOME"));
	assert_non_null(strstr(out, "Inferred:"));
	free(out);

	assert_int_equal(run_buttons("d22ap", 2, true, &out), IREC_OK);
	j = json_loads(out, 0, NULL);
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
	assert_int_equal(run_buttons("15 Pro", -1, true, &out), IREC_EUSAGE);
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
	        cmocka_unit_test(test_ipad_position_only),
	        cmocka_unit_test(test_assisted_buttons),
	        cmocka_unit_test(test_force_restart_notes),
	        cmocka_unit_test(test_other_corrections),
	        cmocka_unit_test(test_inferred),
	        cmocka_unit_test(test_json),
	        cmocka_unit_test(test_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
