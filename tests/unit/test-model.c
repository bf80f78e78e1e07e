/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model table: size and spot checks against the reference CSV, the
 * invariants every row must satisfy, the lookups, model_find(), and a
 * row-by-row comparison with the device table of the libirecovery this
 * binary is linked against.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <libirecovery.h>

#include "irecctl/buttons.h"
#include "irecctl/model-runtime.h"
#include "irecctl/model.h"

/* Rows in the reference models.csv (libirecovery @ 04d04f7, 2026-04-30). */
#define REFERENCE_ROWS 318

static const struct model *pt(const char *product_type)
{
	const struct model *m = model_by_product_type(product_type);
	assert_non_null(m);
	return m;
}

static void test_count(void **state)
{
	(void)state;
	assert_int_equal(model_count(), REFERENCE_ROWS);
	assert_non_null(model_at(REFERENCE_ROWS - 1));
	assert_null(model_at(REFERENCE_ROWS));
	assert_null(model_at(SIZE_MAX));
	/* Table order is the CSV's (libirecovery's): first and last rows. */
	assert_string_equal(model_at(0)->product_type, "iPhone1,1");
	assert_string_equal(model_at(REFERENCE_ROWS - 1)->product_type, "iPhone99,11");
}

static void check_row(const char *product_type, const char *board, unsigned int cpid,
                      unsigned int bdid, const char *name, enum device_class dc)
{
	const struct model *m = model_by_board(board);

	assert_non_null(m);
	assert_string_equal(m->product_type, product_type);
	assert_string_equal(m->board_config, board);
	assert_int_equal(m->cpid, cpid);
	assert_int_equal(m->bdid, bdid);
	assert_string_equal(m->name, name);
	assert_int_equal(m->device_class, dc);
}

static void test_spot_checks(void **state)
{
	(void)state;
	check_row("iPhone10,3", "d22ap", 0x8015, 0x06, "iPhone X (Global)", CLASS_IPHONE);
	const struct model *x = pt("iPhone10,3");
	assert_int_equal(x->recovery, REC_VOLUP_VOLDN_SIDE);
	assert_int_equal(x->dfu, DFU_VOLUP_VOLDN_SIDE);
	assert_int_equal(x->restart, FR_VOLUP_VOLDN_SIDE);
	assert_int_equal(x->normal_pid, 0x12a8);
	assert_int_equal(x->normal_pid_confidence, PID_KNOWN);
	assert_int_equal(x->recovery_screen, SCREEN_MODERN_POSSIBLE);
	assert_true(x->in_libirecovery_100);

	/* The newest rows (2025/2026). */
	check_row("iPhone18,1", "v53ap", 0x8150, 0x0C, "iPhone 17 Pro", CLASS_IPHONE);
	check_row("iPhone18,4", "d23ap", 0x8150, 0x0A, "iPhone Air", CLASS_IPHONE);
	check_row("iPhone18,5", "v159ap", 0x8150, 0x16, "iPhone 17e", CLASS_IPHONE);
	check_row("iPad16,8", "j707ap", 0x8132, 0x10, "iPad Air 11-inch (M4, Wi-Fi)", CLASS_IPAD);
	check_row("iPad16,11", "j738ap", 0x8132, 0x16, "iPad Air 13-inch (M4, Cellular)",
	          CLASS_IPAD);
	assert_int_equal(pt("iPad16,11")->dfu, DFU_IPAD_NOHOME);
	assert_false(pt("iPad16,11")->in_libirecovery_100);
	check_row("Mac17,2", "j704ap", 0x8142, 0x22, "MacBook Pro (14-inch, M5, 2025)", CLASS_MAC);
	check_row("RealityDevice17,1", "n301aap", 0x8142, 0x42, "Apple Vision Pro (M5)",
	          CLASS_VISIONPRO);

	/* Oldest, odd and corrected rows. */
	check_row("iPhone1,1", "m68ap", 0x8900, 0x00, "iPhone 2G", CLASS_IPHONE);
	assert_int_equal(pt("iPhone1,1")->dfu, DFU_HOME_TOP_WTF);
	assert_int_equal(pt("iPhone1,1")->recovery_screen, SCREEN_ITUNES_LOGO_ONLY);
	check_row("iPod9,1", "n112ap", 0x8010, 0x16, "iPod Touch (7th gen)", CLASS_IPOD);
	assert_int_equal(pt("iPod9,1")->dfu, DFU_SIDE_VOLDN);
	check_row("iBridge2,14", "j152fap", 0x8012, 0x3A, "Apple T2 MacBookPro16,1 (j152f)",
	          CLASS_T2);
	check_row("iPhone99,11", "vresearch101ap", 0xFE01, 0x90, "iPhone 99,11", CLASS_VM);
	check_row("VirtualMac2,1", "vma2macosap", 0xFE00, 0x20, "Apple Virtual Machine 1",
	          CLASS_VM);
	assert_int_equal(pt("iPhone99,11")->normal_pid_confidence, PID_NONE);
	assert_int_equal(pt("iPad4,1")->normal_pid, 0x12ab);
	assert_int_equal(pt("iPad4,1")->normal_pid_confidence, PID_INFERRED);
}

/* Every row is complete: strings, classes with names, a lower-case board. */
static void test_rows_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);

		assert_true(m->product_type && m->product_type[0]);
		assert_true(m->board_config && m->board_config[0]);
		assert_true(m->name && m->name[0]);
		assert_true(m->cpid != 0);
		for (const char *c = m->board_config; *c; c++)
			assert_false(*c >= 'A' && *c <= 'Z');
		assert_true((unsigned)m->device_class < DEVICE_CLASS_COUNT);
		assert_true((unsigned)m->recovery < REC_CLASS_COUNT);
		assert_true((unsigned)m->dfu < DFU_CLASS_COUNT);
		assert_true((unsigned)m->restart < FR_CLASS_COUNT);
		assert_string_not_equal(device_class_name(m->device_class), "unknown");
		assert_string_not_equal(rec_class_name(m->recovery), "unknown");
		assert_string_not_equal(dfu_class_name(m->dfu), "unknown");
		assert_string_not_equal(fr_class_name(m->restart), "unknown");
		/* A pid is either there with a confidence, or absent as PID_NONE. */
		assert_int_equal(m->normal_pid == 0, m->normal_pid_confidence == PID_NONE);
	}
}

/*
 * (CPID, BDID) identifies a row: it is what recovery and DFU report.
 * The reference has no duplicate pair (the two VMs differ: 0xFE00/0x20 and
 * 0xFE01/0x90); any pair found twice must be listed here on purpose.
 */
static const struct {
	unsigned int cpid, bdid;
} allowed_duplicates[] = {
        {0, 0}, /* none; a placeholder so the array is not empty */
};

static bool duplicate_allowed(unsigned int cpid, unsigned int bdid)
{
	for (size_t k = 0; k < sizeof(allowed_duplicates) / sizeof(allowed_duplicates[0]); k++)
		if (allowed_duplicates[k].cpid == cpid && allowed_duplicates[k].bdid == bdid &&
		    cpid != 0)
			return true;
	return false;
}

static void test_cpid_bdid_unique(void **state)
{
	(void)state;
	size_t dups = 0;

	for (size_t i = 0; i < model_count(); i++) {
		const struct model *a = model_at(i);
		for (size_t j = i + 1; j < model_count(); j++) {
			const struct model *b = model_at(j);
			if (a->cpid != b->cpid || a->bdid != b->bdid)
				continue;
			print_message("duplicate CPID 0x%04x BDID 0x%02x: %s and %s\n", a->cpid,
			              a->bdid, a->product_type, b->product_type);
			if (!duplicate_allowed(a->cpid, a->bdid))
				dups++;
		}
		/* Board configs are unique as well, so both lookups round-trip. */
		assert_ptr_equal(model_by_cpid_bdid(a->cpid, a->bdid), a);
		assert_ptr_equal(model_by_board(a->board_config), a);
	}
	assert_int_equal(dups, 0);
}

/* Exactly the documented two-chip product types have two rows. */
static void test_two_chip_types(void **state)
{
	(void)state;
	static const char *const two_chip[] = {"iPhone8,1", "iPhone8,2", "iPhone8,4", "iPad6,11",
	                                       "iPad6,12"};
	size_t found = 0;

	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);
		size_t n = model_variants(m);
		bool listed = false;

		for (size_t k = 0; k < sizeof(two_chip) / sizeof(two_chip[0]); k++)
			listed |= strcmp(m->product_type, two_chip[k]) == 0;
		assert_int_equal(n, listed ? 2 : 1);
		if (listed) {
			assert_true(m->cpid == 0x8000 || m->cpid == 0x8003);
			found++;
		}
	}
	assert_int_equal(found, 10);
	assert_int_equal(model_variants(NULL), 0);
}

static void test_hwmodel_disambiguation(void **state)
{
	(void)state;
	assert_int_equal(model_by_product_and_hwmodel("iPhone8,1", "n71ap")->cpid, 0x8000);
	assert_int_equal(model_by_product_and_hwmodel("iPhone8,1", "n71map")->cpid, 0x8003);
	assert_int_equal(model_by_product_and_hwmodel("iPhone8,1", "N71MAP")->cpid, 0x8003);
	/* iPhone SE: the Samsung part is the second row, n69uap. */
	assert_int_equal(model_by_product_and_hwmodel("iPhone8,4", "n69uap")->cpid, 0x8000);
	assert_int_equal(model_by_product_and_hwmodel("iPhone8,4", "n69ap")->cpid, 0x8003);
	assert_int_equal(model_by_product_and_hwmodel("iPad6,12", "j72tap")->cpid, 0x8003);
	/* Without (or with an unknown) hardware model the product type decides. */
	assert_string_equal(model_by_product_and_hwmodel("iPhone8,1", NULL)->board_config, "n71ap");
	assert_string_equal(model_by_product_and_hwmodel("iPhone8,1", "n71xap")->board_config,
	                    "n71ap");
	assert_string_equal(model_by_product_and_hwmodel("iPhone10,3", "d22ap")->name,
	                    "iPhone X (Global)");
	/* A board of another product type does not override the product type. */
	assert_string_equal(model_by_product_and_hwmodel("iPhone10,3", "n71ap")->board_config,
	                    "d22ap");
	assert_null(model_by_product_and_hwmodel("iPhone0,0", "d22ap"));
	assert_null(model_by_product_and_hwmodel(NULL, "d22ap"));
}

static void test_exact_lookups(void **state)
{
	(void)state;
	assert_ptr_equal(model_by_product_type("IPHONE10,3"), pt("iPhone10,3"));
	assert_ptr_equal(model_by_board("D22AP"), pt("iPhone10,3"));
	assert_ptr_equal(model_by_cpid_bdid(0x8015, 0x06), pt("iPhone10,3"));
	assert_string_equal(model_by_cpid_bdid(0x8003, 0x04)->board_config, "n71map");
	assert_null(model_by_cpid_bdid(0x8015, 0x07));
	assert_null(model_by_cpid_bdid(0, 0));
	assert_null(model_by_product_type("iPhone10,30"));
	assert_null(model_by_product_type("iPhone10,"));
	assert_null(model_by_product_type(""));
	assert_null(model_by_product_type(NULL));
	assert_null(model_by_board("d22a"));
	assert_null(model_by_board(NULL));
}

static const struct model *found(const char *query)
{
	struct model_find_result r;

	assert_int_equal(model_find(query, &r), MODEL_FOUND);
	assert_int_equal(r.status, MODEL_FOUND);
	assert_int_equal(r.ncandidates, 1);
	assert_non_null(r.model);
	return r.model;
}

/* Several product types with the same buttons: an answer listing them. */
static void variants(const char *query, const char *first, size_t n)
{
	struct model_find_result r;

	assert_int_equal(model_find(query, &r), MODEL_FOUND);
	assert_string_equal(r.model->product_type, first);
	assert_ptr_equal(r.candidates[0], r.model);
	assert_int_equal(r.ncandidates, n);
	for (size_t i = 1; i < n && i < MODEL_FIND_MAX_CANDIDATES; i++) {
		assert_int_equal(r.candidates[i]->recovery, r.model->recovery);
		assert_int_equal(r.candidates[i]->dfu, r.model->dfu);
		assert_int_equal(r.candidates[i]->restart, r.model->restart);
	}
}

static void ambiguous(const char *query, size_t n, const char *const *expected)
{
	struct model_find_result r;

	assert_int_equal(model_find(query, &r), MODEL_AMBIGUOUS);
	assert_null(r.model);
	assert_int_equal(r.ncandidates, n);
	for (size_t i = 0; expected && expected[i]; i++)
		assert_string_equal(r.candidates[i]->product_type, expected[i]);
}

static void test_find(void **state)
{
	(void)state;
	/* Exact: the marketing name wins over longer names that contain it. */
	assert_string_equal(found("iPhone 15 Pro")->product_type, "iPhone16,1");
	assert_string_equal(found("iphone 15 pro max")->product_type, "iPhone16,2");
	assert_string_equal(found("iPhone 15")->product_type, "iPhone15,4");
	assert_string_equal(found("  iPhone 15 Pro\t")->product_type, "iPhone16,1");
	assert_string_equal(found("iPhone16,1")->name, "iPhone 15 Pro");
	assert_string_equal(found("D83AP")->product_type, "iPhone16,1");
	assert_string_equal(found("Apple Vision Pro")->product_type, "RealityDevice14,1");
	/* Two-chip product types count once; a board picks its own row. */
	assert_string_equal(found("iPhone 6s")->board_config, "n71ap");
	assert_string_equal(found("n71map")->board_config, "n71map");
	assert_string_equal(found("iPhone8,4")->board_config, "n69ap");
	/* Unique partial names. */
	assert_string_equal(found("iPhone 15 Pro M")->product_type, "iPhone16,2");
	assert_string_equal(found("17e")->product_type, "iPhone18,5");
	assert_string_equal(found("Vision Pro (M5)")->product_type, "RealityDevice17,1");
	assert_string_equal(found("Watch Ultra 3")->product_type, "Watch7,12");

	/* Same marketing name, different product types, same buttons: an answer. */
	variants("HomePod (1st gen)", "AudioAccessory1,1", 2);

	/* More candidates than are stored: the count is still exact. */
	struct model_find_result r;
	assert_int_equal(model_find("iPhone", &r), MODEL_AMBIGUOUS);
	assert_true(r.ncandidates > MODEL_FIND_MAX_CANDIDATES);
	/* 66 iPhone rows, 3 of them second chips; iPhone 99,11 is a VM, never a partial match. */
	assert_int_equal(r.ncandidates, 63);
	assert_string_equal(found("iPhone 11")->product_type, "iPhone12,1");
	assert_string_equal(found("iPhone 99,11")->product_type, "iPhone99,11");

	assert_int_equal(model_find("no such thing", &r), MODEL_NOT_FOUND);
	assert_int_equal(r.ncandidates, 0);
	assert_null(r.model);
	assert_int_equal(model_find("", &r), MODEL_NOT_FOUND);
	assert_int_equal(model_find("   ", &r), MODEL_NOT_FOUND);
	assert_int_equal(model_find(NULL, &r), MODEL_NOT_FOUND);
	assert_int_equal(model_find("iPhone 15 Pro", NULL), MODEL_FOUND);
}

/* Apple's own names, with their punctuation, all resolve (the list). */
static void test_find_apple_names(void **state)
{
	(void)state;
	variants("iPad (A16)", "iPad15,7", 2);
	variants("iPad Pro 11-inch (M4)", "iPad16,3", 2);
	variants("iPad Pro 13-inch (M5)", "iPad17,3", 2);
	variants("iPad mini (A17 Pro)", "iPad16,1", 2);
	variants("iPad Air 13-inch (M2)", "iPad14,10", 2);
	variants("iPad (10th gen)", "iPad13,18", 2);
	variants("iPad (10th generation)", "iPad13,18", 2);
	assert_string_equal(found("iPhone SE (3rd generation)")->product_type, "iPhone14,6");
	assert_string_equal(found("iPod touch (7th generation)")->product_type, "iPod9,1");
	/* "WiFi" and "Wi-Fi" are one word; "Wi-Fi + Cellular" is the cellular model. */
	assert_string_equal(found("iPad Air 11-inch (M4, WiFi)")->product_type, "iPad16,8");
	assert_string_equal(found("iPad Air 11-inch (M4, Wi-Fi)")->product_type, "iPad16,8");
	assert_string_equal(found("iPad Air 13-inch (M3, Wi-Fi)")->product_type, "iPad15,5");
	assert_string_equal(found("iPad Air 11-inch (M4) Wi-Fi + Cellular")->product_type,
	                    "iPad16,9");
	assert_string_equal(found("IPAD PRO 12.9-INCH (5TH GENERATION) (WI-FI)")->product_type,
	                    "iPad13,8");
	assert_string_equal(found("Apple iPhone 15 Pro")->product_type, "iPhone16,1");
	/* Ordinals are numbers: "6" is "6th" in any place. */
	variants("iPad mini 6 WiFi", "iPad14,1", 1);
	variants("iPad (9th generation)", "iPad12,1", 2);
}

/* Short names whose every reading has the same buttons answer, with the variants. */
static void test_find_same_buttons(void **state)
{
	(void)state;
	variants("iPhone 7", "iPhone9,1", 2); /* Global and GSM */
	variants("iPhone 8", "iPhone10,1", 2);
	variants("iPhone X", "iPhone10,3", 2);
	variants("iPad mini 6", "iPad14,1", 2);
	variants("iPad Air M4", "iPad16,8", 4);
	variants("Apple Watch Series 9", "Watch7,1", 4);
}

/* Real ambiguity stays an error, the closest candidates first. */
static void test_find_ambiguous(void **state)
{
	struct model_find_result r;

	(void)state;
	/* Pro or Pro Max? Without "iPhone" nothing says which family. */
	static const char *const pro[] = {"iPhone16,1", "iPhone16,2", NULL};
	ambiguous("15 Pro", 2, pro);
	/* 9th gen, 9.7-inch or 12.9-inch: Home button or not. */
	static const char *const ipad9[] = {"iPad12,1", "iPad12,2", NULL};
	ambiguous("iPad 9", 20, ipad9);
	/* A bare number reads an ordinal: "9 gen" is the 9th gen first, before 12.9-inch ones. */
	assert_int_equal(model_find("iPad 9 gen", &r), MODEL_AMBIGUOUS);
	assert_string_equal(r.candidates[0]->product_type, "iPad12,1");
	/* The iPhone before any Apple Watch. */
	assert_int_equal(model_find("SE 3", &r), MODEL_AMBIGUOUS);
	assert_string_equal(r.candidates[0]->product_type, "iPhone14,6");
	for (size_t i = 1; i < r.ncandidates && i < MODEL_FIND_MAX_CANDIDATES; i++)
		assert_int_equal(r.candidates[i]->device_class, CLASS_WATCH);
	/* "iPad mini" could be any of them, with and without a Home button. */
	assert_int_equal(model_find("iPad mini", &r), MODEL_AMBIGUOUS);
	assert_string_equal(r.candidates[0]->product_type, "iPad2,5");
	assert_int_equal(model_find("iPhone SE", &r), MODEL_AMBIGUOUS);
}

/* The cable advice depends on the connector: spot checks of that column. */
static void test_connectors(void **state)
{
	(void)state;
	assert_int_equal(pt("iPhone4,1")->connector, CONNECTOR_30_PIN);
	assert_int_equal(pt("iPhone10,3")->connector, CONNECTOR_LIGHTNING);
	assert_int_equal(pt("iPhone14,7")->connector, CONNECTOR_LIGHTNING);
	assert_int_equal(pt("iPhone15,4")->connector, CONNECTOR_USB_C);
	assert_int_equal(pt("iPhone18,5")->connector, CONNECTOR_USB_C);
	assert_int_equal(pt("iPad12,1")->connector, CONNECTOR_LIGHTNING);
	assert_int_equal(pt("iPad13,18")->connector, CONNECTOR_USB_C);
	assert_int_equal(pt("iPod9,1")->connector, CONNECTOR_LIGHTNING);
	assert_string_equal(connector_name(CONNECTOR_USB_C), "usb-c");
	for (size_t i = 0; i < model_count(); i++)
		assert_true((unsigned)model_at(i)->connector < CONNECTOR_UNKNOWN);
}

/*
 * The family rules hold for every row they cover: a rule the table
 * contradicts would infer wrong buttons for the next device.
 */
static void test_family_rules_match_table(void **state)
{
	(void)state;
	size_t covered = 0;

	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i), *g = model_infer(m->product_type, false, 0, 0);
		if (!g)
			continue;
		covered++;
		assert_int_equal(g->device_class, m->device_class);
		assert_int_equal(g->recovery, m->recovery);
		assert_int_equal(g->dfu, m->dfu);
		assert_int_equal(g->restart, m->restart);
	}
	/* 41 rows iPhone10,1 .. iPhone18,5 and 44 rows iPad13,1 .. iPad17,4. */
	assert_int_equal(covered, 85);
	assert_non_null(model_infer("iPhone10,1", false, 0, 0));
	assert_null(model_infer("iPhone9,1", false, 0, 0));   /* iPhone 7: its own class */
	assert_null(model_infer("iPad12,1", false, 0, 0));    /* iPad 9: Home button */
	assert_null(model_infer("iPhone99,11", false, 0, 0)); /* a VM, not a phone */
	/* Open-ended: no number after iPhone10 / iPad13 stops being the family. */
	assert_non_null(model_infer("iPhone98,1", false, 0, 0));
	assert_non_null(model_infer("iPhone99,1", false, 0, 0));
	assert_non_null(model_infer("iPhone100,1", false, 0, 0));
	assert_non_null(model_infer("iPhone4294967295,1", false, 0, 0));
	assert_null(model_infer("iPhone4294967296,1", false, 0, 0)); /* not a product type */
	assert_int_equal(model_infer("iPad99,1", false, 0, 0)->dfu, DFU_IPAD_NOHOME);
}

static void test_infer(void **state)
{
	(void)state;
	const struct model *m = model_infer("iPhone19,1", false, 0, 0);

	assert_non_null(m);
	assert_int_equal(m->origin, MODEL_ORIGIN_UNKNOWN);
	assert_true(m->buttons_inferred);
	assert_int_equal(m->device_class, CLASS_IPHONE);
	assert_int_equal(m->dfu, DFU_VOLUP_VOLDN_SIDE);
	assert_non_null(strstr(m->inferred_from, "iPhone10,x"));
	assert_int_equal(m->connector, CONNECTOR_UNKNOWN);
	assert_ptr_equal(model_infer("iPhone19,1", false, 0, 0), m); /* pooled */
	assert_int_equal(model_infer("iPad18,3", false, 0, 0)->dfu, DFU_IPAD_NOHOME);
	assert_null(model_infer("Watch9,1", false, 0, 0));
	assert_null(model_infer("", false, 0, 0));
	assert_null(model_infer(NULL, false, 0, 0));
	/* Recovery and DFU report no product type: a CPID whose rows are all iPhones. */
	m = model_infer(NULL, true, 0x8150, 0x44);
	assert_non_null(m);
	assert_int_equal(m->dfu, DFU_VOLUP_VOLDN_SIDE);
	assert_non_null(strstr(m->inferred_from, "CPID 0x8150"));
	/* A17 Pro: iPhone 15 Pro and iPad mini, different buttons: nothing certain. */
	assert_null(model_infer(NULL, true, 0x8130, 0x99));
	assert_null(model_infer(NULL, true, 0x8160, 0x10)); /* a CPID the table lacks */
	assert_null(model_infer(NULL, false, 0x8150, 0x44));
}

/* libirecovery newer than the table: its names and ids, and inferred buttons. */
static void test_from_libirecovery_table(void **state)
{
	(void)state;
	/* Entries as a newer libirecovery lists them (data, not a stand-in library). */
	static const struct irecv_device newer[] = {
	        {"iPhone16,1", "d83ap", 0x04, 0x8130, "iPhone 15 Pro"},
	        {"iPhone19,1", "V81AP", 0x30, 0x8160, "iPhone 18 Pro"},
	        {"Watch9,1", "n999ap", 0x10, 0x8330, "Apple Watch Series 12"},
	        {NULL, NULL, 0, 0, NULL},
	};
	const struct model *m = model_from_irecv_table(newer, "iPhone19,1", "v81ap", false, 0, 0);

	assert_non_null(m);
	assert_int_equal(m->origin, MODEL_ORIGIN_LIBIRECOVERY);
	assert_string_equal(m->name, "iPhone 18 Pro");
	assert_string_equal(m->board_config, "v81ap");
	assert_int_equal(m->cpid, 0x8160);
	assert_int_equal(m->bdid, 0x30);
	assert_true(m->buttons_inferred);
	assert_int_equal(m->dfu, DFU_VOLUP_VOLDN_SIDE);
	/* Recovery and DFU: by CPID and BDID, the same model. */
	assert_ptr_equal(model_from_irecv_table(newer, NULL, NULL, true, 0x8160, 0x30), m);
	assert_ptr_equal(model_from_irecv_table(newer, "", NULL, true, 0x8160, 0x30), m);
	/* irecctl's own row wins: nothing from libirecovery. */
	assert_null(model_from_irecv_table(newer, "iPhone16,1", NULL, false, 0, 0));
	/* Known to libirecovery, but no family decides the buttons. */
	const struct model *w = model_from_irecv_table(newer, "Watch9,1", NULL, false, 0, 0);
	assert_non_null(w);
	assert_true(w->buttons_unknown);
	assert_int_equal(w->device_class, CLASS_WATCH);
	assert_null(buttons_for(w, BUTTONS_DFU));
	assert_null(buttons_assist_for(w));
	assert_null(model_from_irecv_table(newer, "iPhone19,2", NULL, false, 0, 0));
	assert_null(model_from_irecv_table(newer, NULL, NULL, true, 0x8160, 0x31));
	assert_null(model_from_irecv_table(NULL, "iPhone19,1", NULL, false, 0, 0));
	/* The installed one knows nothing our table lacks (Debian's is older). */
	assert_null(model_from_libirecovery("iPhone10,3", NULL, false, 0, 0));
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(device_class_name(CLASS_IPHONE), "iPhone");
	assert_string_equal(device_class_name(CLASS_APPLETV), "AppleTV");
	assert_string_equal(device_class_name(CLASS_VISIONPRO), "VisionPro");
	assert_string_equal(device_class_name(CLASS_VM), "VM");
	assert_string_equal(device_class_name(DEVICE_CLASS_COUNT), "unknown");
	assert_string_equal(device_class_name((enum device_class) - 1), "unknown");
	assert_string_equal(rec_class_name(REC_VOLUP_VOLDN_SIDE), "REC_VOLUP_VOLDN_SIDE");
	assert_string_equal(dfu_class_name(DFU_HOME_TOP_WTF), "DFU_HOME_TOP_WTF");
	assert_string_equal(fr_class_name(FR_VIRTUAL), "FR_VIRTUAL");
	assert_string_equal(fr_class_name(FR_CLASS_COUNT), "unknown");
	assert_string_equal(pid_confidence_name(PID_INFERRED), "inferred");
	assert_string_equal(recovery_screen_name(SCREEN_ITUNES_LOGO_ONLY), "itunes-logo-only");
}

/*
 * Upstream fixes: rows where libirecovery 1.0.0 was wrong and HEAD (our
 * source) corrected the board config. Only these may differ, and only in
 * the board config; CPID and BDID must still agree.
 */
static const struct {
	const char *product_type, *old_board, *new_board;
} upstream_fixes[] = {
        {"iBridge2,14", "j152f", "j152fap"}, /* libirecovery 8be75a6 */
};

static const struct model *row_for_lib_entry(const struct irecv_device *d)
{
	const struct model *m = model_by_product_and_hwmodel(d->product_type, d->hardware_model);

	if (m && strcasecmp(m->board_config, d->hardware_model) == 0)
		return m;
	for (size_t k = 0; k < sizeof(upstream_fixes) / sizeof(upstream_fixes[0]); k++)
		if (strcmp(d->product_type, upstream_fixes[k].product_type) == 0 &&
		    strcmp(d->hardware_model, upstream_fixes[k].old_board) == 0)
			return model_by_board(upstream_fixes[k].new_board);
	return NULL;
}

/*
 * Compare with the linked libirecovery's own table, entry by entry:
 * for every product type both know, the same board config, chip id and
 * board id. Rows we mark as present in 1.0.0 must all be there (any later
 * libirecovery still has them), so a wrong or missing row fails.
 */
static void test_against_libirecovery(void **state)
{
	(void)state;
	bool matched[REFERENCE_ROWS] = {false};
	size_t compared = 0, unknown_to_us = 0;

	assert_int_equal(model_count(), REFERENCE_ROWS);
	for (irecv_device_t d = irecv_devices_get_all(); d && d->product_type; d++) {
		if (!model_by_product_type(d->product_type)) {
			/* A libirecovery newer than our table. */
			print_message("not in our table: %s %s\n", d->product_type,
			              d->hardware_model);
			unknown_to_us++;
			continue;
		}
		const struct model *m = row_for_lib_entry(d);
		if (!m)
			print_message("board config differs: %s %s\n", d->product_type,
			              d->hardware_model);
		assert_non_null(m);
		assert_string_equal(m->product_type, d->product_type);
		if (m->cpid != d->chip_id || m->bdid != d->board_id)
			print_message("%s: ours 0x%04x/0x%02x, libirecovery 0x%04x/0x%02x\n",
			              m->product_type, m->cpid, m->bdid, d->chip_id, d->board_id);
		assert_int_equal(m->cpid, d->chip_id);
		assert_int_equal(m->bdid, d->board_id);
		/* libirecovery's own (CPID, BDID) lookup lands on the same row. */
		assert_ptr_equal(model_by_cpid_bdid(d->chip_id, d->board_id), m);
		matched[m - model_at(0)] = true;
		compared++;
	}
	print_message("compared %zu libirecovery entries; %zu unknown to our table\n", compared,
	              unknown_to_us);
	assert_true(compared >= 121);
	for (size_t i = 0; i < model_count(); i++)
		if (model_at(i)->in_libirecovery_100 && !matched[i]) {
			print_message("missing from libirecovery: %s\n", model_at(i)->product_type);
			fail();
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_count),
	        cmocka_unit_test(test_spot_checks),
	        cmocka_unit_test(test_rows_complete),
	        cmocka_unit_test(test_cpid_bdid_unique),
	        cmocka_unit_test(test_two_chip_types),
	        cmocka_unit_test(test_hwmodel_disambiguation),
	        cmocka_unit_test(test_exact_lookups),
	        cmocka_unit_test(test_find),
	        cmocka_unit_test(test_find_apple_names),
	        cmocka_unit_test(test_find_same_buttons),
	        cmocka_unit_test(test_find_ambiguous),
	        cmocka_unit_test(test_connectors),
	        cmocka_unit_test(test_family_rules_match_table),
	        cmocka_unit_test(test_infer),
	        cmocka_unit_test(test_from_libirecovery_table),
	        cmocka_unit_test(test_names),
	        cmocka_unit_test(test_against_libirecovery),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
