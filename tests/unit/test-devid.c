/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/device.h"
#include "irecctl/devid.h"

static struct devid parse_ok(const char *s)
{
	struct devid id;
	char err[256] = "";
	assert_true(devid_parse(s, &id, err, sizeof(err)));
	assert_string_equal(err, "");
	return id;
}

static void parse_fails(const char *s, const char *expected_fragment)
{
	struct devid id;
	char err[256] = "";
	assert_false(devid_parse(s, &id, err, sizeof(err)));
	assert_non_null(strstr(err, expected_fragment));
	assert_null(strchr(err, '\n'));
}

static void test_ecid_hex(void **state)
{
	(void)state;
	struct devid id = parse_ok("0x000C1C446061002E");
	assert_int_equal(id.kind, DEVID_ECID);
	assert_true(id.has_ecid);
	assert_true(id.ecid == 0x000C1C446061002EULL);
	assert_true(parse_ok("0X1a2b").ecid == 0x1a2bULL);
	assert_true(parse_ok("ecid:0xffffffffffffffff").ecid == UINT64_MAX);
}

static void test_ecid_decimal(void **state)
{
	(void)state;
	struct devid id = parse_ok("3408349218066478");
	assert_int_equal(id.kind, DEVID_ECID);
	assert_true(id.ecid == 3408349218066478ULL);
	assert_true(parse_ok("18446744073709551615").ecid == UINT64_MAX);
}

static void test_udid_new_form(void **state)
{
	(void)state;
	struct devid id = parse_ok("00008020-000c1c446061002e");
	assert_int_equal(id.kind, DEVID_UDID);
	assert_string_equal(id.udid, "00008020-000C1C446061002E");
	assert_true(id.has_ecid);
	assert_true(id.ecid == 0x000C1C446061002EULL);
}

static void test_udid_old_form(void **state)
{
	(void)state;
	struct devid id = parse_ok("A1B2C3D4E5F60718293A4B5C6D7E8F9012345678");
	assert_int_equal(id.kind, DEVID_UDID);
	assert_string_equal(id.udid, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
	assert_false(id.has_ecid);
	/* 40 decimal digits are a UDID, not an (overflowing) ECID. */
	id = parse_ok("1234567890123456789012345678901234567890");
	assert_int_equal(id.kind, DEVID_UDID);
}

static void test_rejects_garbage(void **state)
{
	(void)state;
	parse_fails("", "empty");
	parse_fails("garbage", "invalid device id 'garbage'");
	parse_fails("0x", "invalid ECID");
	parse_fails("0xZZ", "invalid ECID");
	parse_fails("0x11112222333344445", "invalid ECID"); /* 17 hex digits */
	parse_fails("18446744073709551616", "larger than 64 bits");
	parse_fails("0", "never zero");
	parse_fails("-5", "invalid device id");
	parse_fails("12 34", "invalid device id");
	parse_fails("00008020_000C1C446061002E", "invalid device id");
	parse_fails("a1b2c3d4e5f60718293a4b5c6d7e8f901234567", "invalid device id"); /* 39 */
	parse_fails("ecid:-1", "invalid ECID");
	parse_fails("ecid:12abc", "invalid ECID");
	parse_fails("ecid: 7", "invalid ECID");
	parse_fails("ecid:zz", "invalid ECID");
	parse_fails("g1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "invalid device id");
}

/* However long the id, the message keeps its reason. */
static void test_long_ids_keep_the_reason(void **state)
{
	char id[400];

	(void)state;
	memset(id, 'x', 300);
	id[300] = '\0';
	parse_fails(id, "an ECID (0x-prefixed hex or decimal) or a USB location (usb:1-2)");
	parse_fails(id, "(300 characters)");
	memcpy(id, "0x", 2);
	memset(id + 2, 'f', 298);
	parse_fails(id, "expected 1 to 16 hex digits after 0x");
	memset(id, '9', 300);
	parse_fails(id, "larger than 64 bits");
	memset(id, 'x', 300);
	memcpy(id, "ecid:", 5);
	parse_fails(id, "expected 0x-prefixed hex or decimal");
	/* Found by fuzz/fuzz-devid: the id is quoted as one printable line. */
	parse_fails("bad\nid\033[2J", "invalid device id 'bad?id?[2J'");
	parse_fails("0x12\n", "invalid ECID '0x12?'");
}

/* Found by fuzz/fuzz-devid: a new-form UDID with ECID 0 carries no ECID. */
static void test_udid_with_zero_ecid(void **state)
{
	struct devid id;
	char err[256] = "";
	uint64_t ecid = 1;

	(void)state;
	assert_true(devid_parse("00008030-0000000000000000", &id, err, sizeof(err)));
	assert_int_equal(id.kind, DEVID_UDID);
	assert_false(id.has_ecid);
	assert_false(devid_ecid_from_udid("00008030-0000000000000000", &ecid));
}

static void test_usb_locations_sort_naturally(void **state)
{
	(void)state;
	assert_true(device_location_cmp("1-2", "1-10") < 0);
	assert_true(device_location_cmp("1-10", "1-2") > 0);
	assert_true(device_location_cmp("1-4.2", "1-4.10") < 0);
	assert_true(device_location_cmp("2-1", "10-1") < 0);
	assert_true(device_location_cmp("1-9", "1-9.1") < 0);
	assert_true(device_location_cmp("1-02", "1-2") == 0);
	assert_true(device_location_cmp("", "1-1") < 0);
	assert_true(device_location_cmp("1-1", "1-1") == 0);
	assert_true(device_location_cmp("99999999999999999999999", "100000000000000000000000") < 0);
}

static void test_matching(void **state)
{
	(void)state;
	struct devid by_ecid = parse_ok("0x1a2b");
	assert_true(devid_matches(&by_ecid, 0x1a2b, NULL, NULL));
	assert_false(devid_matches(&by_ecid, 0x1a2c, "00008020-0000000000001A2B", "1-1"));
	/* A new-form UDID selector matches a recovery device known only by ECID. */
	struct devid by_udid = parse_ok("00008020-0000000000001A2B");
	assert_true(devid_matches(&by_udid, 0x1a2b, NULL, NULL));
	assert_true(devid_matches(&by_udid, 0, "00008020-0000000000001a2b", NULL));
	assert_false(devid_matches(&by_udid, 0x1a2c, NULL, NULL));
	/* The CPID is part of it: same ECID on another chip is another device. */
	assert_false(devid_matches(&by_udid, 0x1a2b, "00008030-0000000000001A2B", NULL));
	assert_false(devid_matches(&by_udid, 0x1a2b, "00008030-0000000000001A2B", "1-1"));
	assert_false(
	        devid_matches(&by_udid, 0x1a2b, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", NULL));
	assert_true(devid_matches(&by_udid, 0x1a2b, "", "1-1")); /* no UDID shown: the ECID */
	/* A chip before the A12 shows an old-form UDID; its new-form one matches by ECID. */
	struct devid a11 = parse_ok("00008015-0000000000001A2B");
	assert_true(devid_matches(&a11, 0x1a2b, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", NULL));
	assert_false(devid_matches(&a11, 0x1a2c, "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", NULL));
	struct devid old = parse_ok("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678");
	assert_true(devid_matches(&old, 0x99, "A1B2C3D4E5F60718293A4B5C6D7E8F9012345678", NULL));
	assert_false(devid_matches(&old, 0x99, NULL, "1-1"));
}

/* Messages name a device without an ECID by its USB location: -d takes it. */
static void test_usb_location(void **state)
{
	(void)state;
	struct devid id = parse_ok("usb:1-2");
	assert_int_equal(id.kind, DEVID_USB);
	assert_string_equal(id.usb, "1-2");
	assert_false(id.has_ecid);
	assert_string_equal(parse_ok("1-2").usb, "1-2");
	assert_string_equal(parse_ok("USB:3-1.4").usb, "3-1.4");
	assert_string_equal(parse_ok("usb:01-002.3").usb, "1-2.3");
	assert_string_equal(parse_ok("255-255.255.255.255.255.255.255").usb,
	                    "255-255.255.255.255.255.255.255");
	/* Any device at that port, whatever its identity; nothing elsewhere. */
	assert_true(devid_matches(&id, 0, NULL, "1-2"));
	assert_true(devid_matches(&id, 0x22, "00008030-0000000000000022", "1-2"));
	assert_false(devid_matches(&id, 0x22, NULL, "1-20"));
	assert_false(devid_matches(&id, 0x22, NULL, "1-2.1"));
	assert_false(devid_matches(&id, 0x22, "00008030-0000000000000022", NULL));
	assert_false(devid_matches(&id, 0x22, NULL, ""));
	parse_fails("usb:", "invalid USB location ''");
	parse_fails("usb:1", "expected BUS-PORT[.PORT...]");
	parse_fails("usb:1-", "invalid USB location");
	parse_fails("usb:1-2.", "invalid USB location");
	parse_fails("usb:1.2", "invalid USB location");
	parse_fails("usb:1-2-3", "invalid USB location");
	parse_fails("usb:0-1", "invalid USB location");
	parse_fails("usb:256-1", "invalid USB location");
	parse_fails("usb:1-0001", "invalid USB location");
	parse_fails("1-2.3.4.5.6.7.8.9", "invalid USB location"); /* 8 ports */
	parse_fails("usb:1-+2", "invalid USB location");
	parse_fails("usb: 1-2", "invalid USB location");
	parse_fails("1-2x", "invalid USB location");
	parse_fails("-1-2", "invalid device id");
}

static void test_format_ecid(void **state)
{
	(void)state;
	char buf[19];
	devid_format_ecid(0x000C1C446061002EULL, buf);
	assert_string_equal(buf, "0x000c1c446061002e");
	devid_format_ecid(1, buf);
	assert_string_equal(buf, "0x0000000000000001");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_long_ids_keep_the_reason),
	        cmocka_unit_test(test_usb_locations_sort_naturally),
	        cmocka_unit_test(test_udid_with_zero_ecid),
	        cmocka_unit_test(test_ecid_hex),
	        cmocka_unit_test(test_ecid_decimal),
	        cmocka_unit_test(test_udid_new_form),
	        cmocka_unit_test(test_udid_old_form),
	        cmocka_unit_test(test_rejects_garbage),
	        cmocka_unit_test(test_matching),
	        cmocka_unit_test(test_usb_location),
	        cmocka_unit_test(test_format_ecid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
