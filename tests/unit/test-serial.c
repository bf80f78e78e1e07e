/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The USB serial-string parser: good strings, old forms, Port DFU, and a
 * table of malformed inputs, each with the exact status, issue bits and
 * set of fields expected. Run under ASan, the loops at the end also check
 * that no input makes the parser read or write out of bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/model.h"
#include "irecctl/serial.h"

/* One bit per have_* flag, so a whole expectation fits in a table row. */
enum {
	H_CPID = 1 << 0,
	H_CPRV = 1 << 1,
	H_CPFM = 1 << 2,
	H_SCEP = 1 << 3,
	H_BDID = 1 << 4,
	H_ECID = 1 << 5,
	H_IBFL = 1 << 6,
	H_SRTG = 1 << 7,
	H_SRNM = 1 << 8,
	H_IMEI = 1 << 9,
	H_PWND = 1 << 10,
	H_NONC = 1 << 11,
	H_SNON = 1 << 12,
	H_CORE = H_CPID | H_CPRV | H_CPFM | H_SCEP | H_BDID | H_ECID | H_IBFL,
};

static unsigned int have_bits(const struct irec_serial *s)
{
	return (s->have_cpid ? H_CPID : 0) | (s->have_cprv ? H_CPRV : 0) |
	       (s->have_cpfm ? H_CPFM : 0) | (s->have_scep ? H_SCEP : 0) |
	       (s->have_bdid ? H_BDID : 0) | (s->have_ecid ? H_ECID : 0) |
	       (s->have_ibfl ? H_IBFL : 0) | (s->have_srtg ? H_SRTG : 0) |
	       (s->have_srnm ? H_SRNM : 0) | (s->have_imei ? H_IMEI : 0) |
	       (s->have_pwnd ? H_PWND : 0) | (s->have_nonc ? H_NONC : 0) |
	       (s->have_snon ? H_SNON : 0);
}

#define CORE "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C"

static void test_dfu_string(void **state)
{
	(void)state;
	struct irec_serial s;

	assert_int_equal(serial_parse(CORE " SRTG:[iBoot-3332.0.0.1.23]", &s), SERIAL_OK);
	assert_int_equal(have_bits(&s), H_CORE | H_SRTG);
	assert_int_equal(s.issues, 0);
	assert_int_equal(s.cpid, 0x8015);
	assert_int_equal(s.cprv, 0x11);
	assert_int_equal(s.cpfm, 0x03);
	assert_int_equal(s.scep, 0x01);
	assert_true(s.bdid == 0x06);
	assert_true(s.ecid == 0x001A2B3C4D5E6F70ULL);
	assert_int_equal(s.ibfl, 0x3C);
	assert_string_equal(s.srtg, "iBoot-3332.0.0.1.23");
	assert_false(s.cpid_assumed);
	assert_string_equal(serial_status_name(SERIAL_OK), "ok");
}

/* Strings real devices give: an iPhone 8 in recovery (libirecovery#101,
 * with SDOM, SRNM and no IMEI) and in DFU, and an A12 in DFU. */
static void test_real_strings(void **state)
{
	(void)state;
	struct irec_serial s;

	assert_int_equal(serial_parse("SDOM:01 CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:0C "
	                              "ECID:00113DD918D2402E IBFL:3C SRNM:[FD3VW25VJCM4]",
	                              &s),
	                 SERIAL_OK);
	assert_int_equal(have_bits(&s), H_CORE | H_SRNM);
	assert_int_equal(s.cpid, 0x8015);
	assert_true(s.bdid == 0x0C);
	assert_true(s.ecid == 0x00113DD918D2402EULL);
	assert_string_equal(s.srnm, "FD3VW25VJCM4");
	assert_int_equal(serial_parse("SDOM:01 CPID:8020 CPRV:11 CPFM:03 SCEP:01 BDID:0E "
	                              "ECID:001A2B3C4D5E6F70 IBFL:3C SRTG:[iBoot-4479.0.0.100.4]",
	                              &s),
	                 SERIAL_OK);
	assert_int_equal(have_bits(&s), H_CORE | H_SRTG);
	assert_true(s.ecid == 0x001A2B3C4D5E6F70ULL);
	assert_string_equal(s.srtg, "iBoot-4479.0.0.100.4");
}

static void test_every_field(void **state)
{
	(void)state;
	struct irec_serial s;
	/* 248 characters: near the limit, as a serial with string #1 appended. */
	const char *str = "CPID:8010 CPRV:11 CPFM:03 SCEP:01 BDID:0C ECID:000C1C446061002E "
	                  "IBFL:3C SRTG:[iBoot-2696.0.0.1.33] SRNM:[F2LT1234HG7F] "
	                  "IMEI:[356789012345678] PWND:[checkm8] "
	                  "NONC:00112233445566778899aabbccddeeFF00112233 "
	                  "SNON:0123456789abcdef0123456789abcdef01234567";

	assert_int_equal(serial_parse(str, &s), SERIAL_OK);
	assert_int_equal(have_bits(&s),
	                 H_CORE | H_SRTG | H_SRNM | H_IMEI | H_PWND | H_NONC | H_SNON);
	assert_int_equal(s.cpid, 0x8010);
	assert_true(s.ecid == 0x000C1C446061002EULL);
	assert_string_equal(s.srnm, "F2LT1234HG7F");
	assert_string_equal(s.imei, "356789012345678");
	assert_string_equal(s.pwnd, "checkm8");
	assert_string_equal(s.nonc, "00112233445566778899aabbccddeeFF00112233");
	assert_string_equal(s.snon, "0123456789abcdef0123456789abcdef01234567");
}

static void test_order_case_spacing(void **state)
{
	(void)state;
	struct irec_serial s;

	/* Any order, lower-case hex, runs of spaces, empty brackets, an unknown key. */
	assert_int_equal(serial_parse("  IBFL:3c ecidless:1 ECID:1a2b  BDID:0e CPID:8020 CPRV:11 "
	                              "CPFM:03 SCEP:01 SRNM:[] XTRA:[what ever]  ",
	                              &s),
	                 SERIAL_PARTIAL);
	/* "ecidless:1" is junk (lower-case key); "XTRA:[what" is unterminated. */
	assert_int_equal(s.issues,
	                 SERIAL_ISSUE_JUNK | SERIAL_ISSUE_UNTERMINATED | SERIAL_ISSUE_BAD_VALUE);
	/* "ECID:1a2b" has 4 of iBoot's 16 digits: a cut string, never an ECID. */
	assert_int_equal(have_bits(&s), (H_CORE & ~H_ECID) | H_SRNM);
	assert_true(s.ecid_partial);
	assert_true(s.ecid == 0);
	assert_int_equal(s.ibfl, 0x3c);
	assert_string_equal(s.srnm, "");

	assert_int_equal(serial_parse(CORE " XTRA:12 ABCD:[x]", &s), SERIAL_OK);
	assert_int_equal(s.issues, SERIAL_ISSUE_UNKNOWN_KEY);
}

static void test_old_forms(void **state)
{
	(void)state;
	struct irec_serial s;

	/* iOS 2 recovery: no IBFL. Partial, but every field it has is trusted. */
	assert_int_equal(serial_parse("CPID:8900 CPRV:01 CPFM:03 SCEP:01 BDID:00 "
	                              "ECID:00000000000ABCDE SRTG:[iBoot-385.22]",
	                              &s),
	                 SERIAL_PARTIAL);
	assert_int_equal(s.issues, 0);
	assert_int_equal(have_bits(&s), (H_CORE & ~H_IBFL) | H_SRTG);
	assert_int_equal(s.cpid, 0x8900);
	assert_false(s.cpid_assumed);

	/* iOS 1 iBoot: no CPID (and no ECID). libirecovery assumes an S5L8900. */
	assert_int_equal(serial_parse("SRTG:[iBoot-159] SRNM:[8K7051A1WH8]", &s), SERIAL_PARTIAL);
	assert_int_equal(s.issues, 0);
	assert_int_equal(have_bits(&s), H_SRTG | H_SRNM);
	assert_false(s.have_cpid);
	assert_true(s.cpid_assumed);
	assert_int_equal(s.cpid, SERIAL_IOS1_ASSUMED_CPID);

	/* No CPID but an ECID: a damaged modern string, nothing is assumed. */
	assert_int_equal(serial_parse("CPRV:11 BDID:06 ECID:001A2B3C4D5E6F70", &s), SERIAL_PARTIAL);
	assert_false(s.cpid_assumed);
	assert_int_equal(s.cpid, 0);
	unsigned int cpid = 1, bdid = 1;
	assert_false(serial_ap_ids(&s, 0x1227, &cpid, &bdid));
}

static void test_port_dfu(void **state)
{
	(void)state;
	struct irec_serial s;
	unsigned int cpid = 0, bdid = 0;

	/* The port controller's CPID; the AP (iPhone X: 0x8015, board 0x06) sits in BDID. */
	assert_int_equal(serial_parse("CPID:1234 CPRV:11 CPFM:03 SCEP:01 BDID:068015AB "
	                              "ECID:001A2B3C4D5E6F70 IBFL:3C",
	                              &s),
	                 SERIAL_OK);
	assert_true(serial_ap_ids(&s, SERIAL_PID_PORT_DFU, &cpid, &bdid));
	assert_int_equal(cpid, 0x8015);
	assert_int_equal(bdid, 0x06);
	const struct model *m = model_by_cpid_bdid(cpid, bdid);
	assert_non_null(m);
	assert_string_equal(m->product_type, "iPhone10,3");

	/* The same string in plain DFU is taken at face value. */
	assert_true(serial_ap_ids(&s, 0x1227, &cpid, &bdid));
	assert_int_equal(cpid, 0x1234);
	assert_int_equal(bdid, 0x068015AB);

	/* BDID wider than 32 bits: like libirecovery, only the low 32 count. */
	assert_int_equal(serial_parse("CPID:1234 BDID:FF068015AB", &s), SERIAL_PARTIAL);
	assert_true(s.bdid == 0xFF068015ABULL);
	assert_true(serial_ap_ids(&s, SERIAL_PID_PORT_DFU, &cpid, &bdid));
	assert_int_equal(cpid, 0x8015);
	assert_int_equal(bdid, 0x06);

	/* No BDID, no ids. */
	assert_int_equal(serial_parse("CPID:8015", &s), SERIAL_PARTIAL);
	assert_false(serial_ap_ids(&s, SERIAL_PID_PORT_DFU, &cpid, &bdid));
	assert_false(serial_ap_ids(NULL, 0x1227, &cpid, &bdid));
}

struct bad_case {
	const char *name;
	const char *input;
	enum serial_status status;
	unsigned int issues;
	unsigned int have;
};

#define I_LONG    SERIAL_ISSUE_TOO_LONG
#define I_BAD     SERIAL_ISSUE_BAD_VALUE
#define I_DUP     SERIAL_ISSUE_DUPLICATE
#define I_UNTERM  SERIAL_ISSUE_UNTERMINATED
#define I_JUNK    SERIAL_ISSUE_JUNK
#define I_UNKNOWN SERIAL_ISSUE_UNKNOWN_KEY

static const struct bad_case bad_cases[] = {
        {"cut inside a key", "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 EC", SERIAL_PARTIAL, I_JUNK,
         H_CPID | H_CPRV | H_CPFM | H_SCEP | H_BDID},
        {"cut after a colon", "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:", SERIAL_PARTIAL,
         I_BAD, H_CPID | H_CPRV | H_CPFM | H_SCEP | H_BDID},
        {"cut inside a bracket", CORE " SRTG:[iBoot-33", SERIAL_PARTIAL, I_UNTERM, H_CORE},
        {"bracket opened at the end", CORE " SRTG:[", SERIAL_PARTIAL, I_UNTERM, H_CORE},
        {"unterminated bracket mid-string",
         "CPID:8015 SRTG:[iBoot-1 CPRV:11 CPFM:03 SCEP:01 "
         "BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C",
         SERIAL_PARTIAL, I_UNTERM, H_CORE},
        {"missing colon", "CPID8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C",
         SERIAL_PARTIAL, I_JUNK, H_CORE & ~H_CPID},
        {"non-hex CPID", "CPID:80G5 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C",
         SERIAL_PARTIAL, I_BAD, H_CORE & ~H_CPID},
        {"0x prefix", "CPID:0x8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C",
         SERIAL_PARTIAL, I_BAD, H_CORE & ~H_CPID},
        {"negative number",
         "CPID:-8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C", SERIAL_PARTIAL,
         I_BAD, H_CORE & ~H_CPID},
        {"17-digit ECID",
         "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:0001A2B3C4D5E6F70 IBFL:3C", SERIAL_PARTIAL,
         I_BAD, H_CORE & ~H_ECID},
        {"9-digit CPID",
         "CPID:123456789 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 "
         "IBFL:3C",
         SERIAL_PARTIAL, I_BAD, H_CORE & ~H_CPID},
        {"17-digit BDID",
         "CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:00000000000000006 "
         "ECID:001A2B3C4D5E6F70 IBFL:3C",
         SERIAL_PARTIAL, I_BAD, H_CORE & ~H_BDID},
        {"text glued after ']'", CORE " SRTG:[iBoot]x", SERIAL_PARTIAL, I_BAD, H_CORE},
        {"bracketed number",
         "CPID:[8015] CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 "
         "IBFL:3C",
         SERIAL_PARTIAL, I_BAD, H_CORE & ~H_CPID},
        {"unbracketed string", CORE " SRTG:iBoot-1", SERIAL_PARTIAL, I_BAD, H_CORE},
        {"control byte in bracket", CORE " SRTG:[iBo\x01ot]", SERIAL_PARTIAL, I_BAD, H_CORE},
        /* 64 characters are kept, 65 are refused. */
        {"64-char bracket",
         CORE " SRNM:[0123456789012345678901234567890123456789012345678901234567"
              "89ABCD]",
         SERIAL_OK, 0, H_CORE | H_SRNM},
        {"65-char bracket",
         CORE " SRNM:[0123456789012345678901234567890123456789012345678901234567"
              "89ABCDE]",
         SERIAL_PARTIAL, I_BAD, H_CORE},
        {"odd-length nonce", CORE " NONC:abc", SERIAL_PARTIAL, I_BAD, H_CORE},
        {"non-hex nonce", CORE " NONC:zz", SERIAL_PARTIAL, I_BAD, H_CORE},
        {"duplicate key", CORE " CPID:8000", SERIAL_PARTIAL, I_DUP, H_CORE},
        {"duplicate after a bad first",
         "CPID:zz CPRV:11 CPFM:03 SCEP:01 BDID:06 "
         "ECID:001A2B3C4D5E6F70 IBFL:3C CPID:8015",
         SERIAL_PARTIAL, I_BAD | I_DUP, H_CORE & ~H_CPID},
        {"tab separator",
         "CPID:8015\tCPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C", SERIAL_PARTIAL,
         I_BAD, H_CORE & ~(H_CPID | H_CPRV)},
        {"lower-case key", "cpid:8015", SERIAL_GARBAGE, I_JUNK, 0},
        {"over-long key", "CPIDCPIDX:8015", SERIAL_GARBAGE, I_JUNK, 0},
        {"only an unknown key", "ABCD:1", SERIAL_GARBAGE, I_UNKNOWN, 0},
        {"colons only", ":::: : :", SERIAL_GARBAGE, I_JUNK, 0},
        {"empty", "", SERIAL_GARBAGE, 0, 0},
        {"spaces", "     ", SERIAL_GARBAGE, 0, 0},
        {"binary garbage", "\x01\xff\xfe\x80garbage\x7f\x1b[31m\x90\x90", SERIAL_GARBAGE, I_JUNK,
         0},
        {"garbage around a field", "\x01\x02 CPID:8015 \xff\xfe", SERIAL_PARTIAL, I_JUNK, H_CPID},
        {"UTF-8 in a value", CORE " SRNM:[F2L\xc3\xa9]", SERIAL_PARTIAL, I_BAD, H_CORE},
};

static void test_malformed(void **state)
{
	(void)state;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct irec_serial s;

		print_message("  %s\n", c->name);
		assert_int_equal(serial_parse(c->input, &s), c->status);
		assert_int_equal(s.issues, c->issues);
		assert_int_equal(have_bits(&s), c->have);
	}
}

/* A correct value survives a bad neighbour, and the first duplicate wins. */
static void test_values_after_errors(void **state)
{
	(void)state;
	struct irec_serial s;

	assert_int_equal(serial_parse(CORE " CPID:8000 ECID:1", &s), SERIAL_PARTIAL);
	assert_int_equal(s.cpid, 0x8015);
	assert_true(s.ecid == 0x001A2B3C4D5E6F70ULL);

	assert_int_equal(serial_parse("CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 "
	                              "ECID:FFFFFFFFFFFFFFFF IBFL:FFFFFFFF",
	                              &s),
	                 SERIAL_OK);
	assert_true(s.ecid == UINT64_MAX);
	assert_true(s.ibfl == UINT32_MAX);
}

static void test_length_limits(void **state)
{
	(void)state;
	struct irec_serial s;
	char buf[SERIAL_MAX_LEN + 2];

	/* Exactly SERIAL_MAX_LEN characters: parsed (the padding is an unknown key). */
	memset(buf, 'A', sizeof(buf));
	memcpy(buf, CORE " XPAD:", strlen(CORE " XPAD:"));
	buf[SERIAL_MAX_LEN] = '\0';
	assert_int_equal(serial_parse(buf, &s), SERIAL_OK);
	assert_int_equal(s.issues, SERIAL_ISSUE_UNKNOWN_KEY);

	/* One more: refused without parsing anything. */
	buf[SERIAL_MAX_LEN] = 'A';
	buf[SERIAL_MAX_LEN + 1] = '\0';
	assert_int_equal(serial_parse(buf, &s), SERIAL_GARBAGE);
	assert_int_equal(s.issues, SERIAL_ISSUE_TOO_LONG);
	assert_int_equal(have_bits(&s), 0);

	/* 300 characters. */
	char big[301];
	memset(big, 'B', 300);
	big[300] = '\0';
	memcpy(big, CORE, strlen(CORE));
	assert_int_equal(serial_parse(big, &s), SERIAL_GARBAGE);
	assert_int_equal(s.issues, SERIAL_ISSUE_TOO_LONG);

	/* No terminating NUL at all: the parser must stop at its bound
	 * (ASan flags any read past the heap block). */
	char *raw = malloc(SERIAL_MAX_LEN + 1);
	assert_non_null(raw);
	memset(raw, 'C', SERIAL_MAX_LEN + 1);
	assert_int_equal(serial_parse(raw, &s), SERIAL_GARBAGE);
	assert_int_equal(s.issues, SERIAL_ISSUE_TOO_LONG);
	free(raw);
}

static void test_null(void **state)
{
	(void)state;
	struct irec_serial s;

	memset(&s, 0xAA, sizeof(s));
	assert_int_equal(serial_parse(NULL, &s), SERIAL_GARBAGE);
	assert_int_equal(have_bits(&s), 0);
	assert_int_equal(s.issues, 0);
	/* A NULL output is allowed when only the status matters. */
	assert_int_equal(serial_parse(CORE, NULL), SERIAL_OK);
	assert_string_equal(serial_status_name(SERIAL_GARBAGE), "garbage");
	assert_string_equal(serial_status_name(SERIAL_PARTIAL), "partial");
	assert_string_equal(serial_status_name((enum serial_status)42), "unknown");
}

/*
 * Every prefix of a full string parses without trouble and is not OK
 * before the core is complete. The one blind spot: a cut inside the last
 * hex value ("IBFL:3" for "IBFL:3C") still looks like a valid number.
 */
static void test_every_prefix(void **state)
{
	(void)state;
	const char *full = CORE " SRTG:[iBoot-3332.0.0.1.23] SRNM:[F2LT1234HG7F]";
	size_t n = strlen(full), core = strlen(CORE);

	for (size_t len = 0; len <= n; len++) {
		char *p = malloc(len + 1);
		struct irec_serial s;
		assert_non_null(p);
		memcpy(p, full, len);
		p[len] = '\0';
		enum serial_status st = serial_parse(p, &s);
		if (len + 1 < core)
			assert_int_not_equal(st, SERIAL_OK);
		else if (len == core + 2 || len == core + 6 || len == core + 7)
			/* Cut at " S", " SRTG:" and " SRTG:[". */
			assert_int_equal(st, SERIAL_PARTIAL);
		free(p);
	}
}

/* Pseudo-random bytes (fixed seed, reproducible): no crash, no overread,
 * and the result is always one of the three statuses. */
static void test_random_bytes(void **state)
{
	(void)state;
	uint32_t x = 2463534242u;
	static const char alphabet[] = "CPIDBEFLSRTGNMOW0123456789abcdefABCDEF:[] \x01\xff";

	for (int round = 0; round < 20000; round++) {
		char buf[64];
		size_t len = round % (sizeof(buf) - 1);
		for (size_t i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		buf[len] = '\0';
		struct irec_serial s;
		enum serial_status st = serial_parse(buf, &s);
		assert_true(st == SERIAL_OK || st == SERIAL_PARTIAL || st == SERIAL_GARBAGE);
		assert_true(strlen(s.srtg) <= SERIAL_STR_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dfu_string),
	        cmocka_unit_test(test_real_strings),
	        cmocka_unit_test(test_every_field),
	        cmocka_unit_test(test_order_case_spacing),
	        cmocka_unit_test(test_old_forms),
	        cmocka_unit_test(test_port_dfu),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_values_after_errors),
	        cmocka_unit_test(test_length_limits),
	        cmocka_unit_test(test_null),
	        cmocka_unit_test(test_every_prefix),
	        cmocka_unit_test(test_random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
