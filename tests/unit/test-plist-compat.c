/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * compat/plist-compat.h on whichever libplist this build found (Debian 12:
 * 2.2, Debian 13: 2.6): the lab's wire format depends on these calls
 * behaving the same on both, so each is checked against the library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plist-compat.h"

/* Binary data with a NUL and a high byte: both pointer types carry it. */
static const unsigned char blob[] = {'S', 0, 'I', 0xff, 'M'};

static plist_t sample(void)
{
	plist_t d = plist_new_dict();

	plist_dict_set_item(d, "MessageType", plist_new_string("Result"));
	plist_dict_set_item(d, "Number", plist_new_uint(480000000));
	plist_dict_set_item(d, "Blob", compat_plist_new_data(blob, sizeof(blob)));
	return d;
}

static void check_sample(plist_t p)
{
	uint64_t n = 0, len = 0;
	const unsigned char *data;

	assert_non_null(p);
	assert_int_equal(plist_get_node_type(p), PLIST_DICT);
	assert_string_equal(plist_get_string_ptr(plist_dict_get_item(p, "MessageType"), NULL),
	                    "Result");
	plist_get_uint_val(plist_dict_get_item(p, "Number"), &n);
	assert_int_equal(n, 480000000);
	data = compat_plist_get_data_ptr(plist_dict_get_item(p, "Blob"), &len);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(data, blob, sizeof(blob));
}

static void xml_round_trip(void **state)
{
	plist_t p = sample(), q;
	uint32_t len = 0;
	char *xml = compat_plist_to_xml(p, &len);

	(void)state;
	assert_non_null(xml);
	assert_true(len > 0);
	assert_non_null(strstr(xml, "<key>MessageType</key>"));
	q = compat_plist_from_memory(xml, len);
	check_sample(q);
	compat_plist_mem_free(xml);
	plist_free(q);
	plist_free(p);
}

/* from_memory tells the format by itself: libusbmuxd sends XML, but a
 * binary plist must parse too. */
static void binary_is_detected(void **state)
{
	plist_t p = sample(), q;
	char *bin = NULL;
	uint32_t len = 0;

	(void)state;
	plist_to_bin(p, &bin, &len);
	assert_non_null(bin);
	assert_memory_equal(bin, "bplist00", 8);
	q = compat_plist_from_memory(bin, len);
	check_sample(q);
	compat_plist_mem_free(bin);
	plist_free(q);
	plist_free(p);
}

/*
 * Garbage and truncated input give NULL, never a half-built plist. From
 * libplist 2.3 on a bare word is an OpenStep string and {"a":1} is JSON:
 * those must be rejected too, as 2.2 does, or the lab would take any text
 * for a request.
 */
static void garbage_is_null(void **state)
{
	static const char junk[] = "this is not a property list at all";
	static const char json[] = "{\"MessageType\": \"Listen\"}";
	static const char ostep[] = "{ MessageType = Listen; }";
	uint32_t len = 0;
	plist_t p = sample();
	char *xml = compat_plist_to_xml(p, &len);

	(void)state;
	assert_null(compat_plist_from_memory(junk, sizeof(junk) - 1));
	assert_null(compat_plist_from_memory("word", 4));
	assert_null(compat_plist_from_memory(json, sizeof(json) - 1));
	assert_null(compat_plist_from_memory(ostep, sizeof(ostep) - 1));
	assert_null(compat_plist_from_memory(junk, 0));
	assert_null(compat_plist_from_memory(xml, len / 2));
	compat_plist_mem_free(xml);
	plist_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(xml_round_trip),
	        cmocka_unit_test(binary_is_detected),
	        cmocka_unit_test(garbage_is_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
