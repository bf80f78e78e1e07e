/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/exitcode.h"

/* Scripts depend on these numbers: a renumbering must fail here first. */
static void test_numbers_are_stable(void **state)
{
	(void)state;
	static const struct {
		int code;
		const char *name;
	} expected[] = {
	        {0, "ok"},
	        {1, "failed"},
	        {2, "usage"},
	        {3, "no-device"},
	        {4, "ambiguous"},
	        {5, "timeout"},
	        {6, "busy"},
	        {7, "wrong-mode"},
	        {8, "needs-person"},
	        {9, "not-trusted"},
	        {10, "permission"},
	        {11, "recovery-loop"},
	        {12, "other-mode"},
	        {13, "not-implemented"},
	        {14, "disconnected"},
	        {15, "passcode-locked"},
	        {16, "protocol"},
	        {17, "engine-unusable"},
	        {18, "ipsw-mismatch"},
	        {19, "not-signed"},
	        {20, "signing-unreachable"},
	        {21, "restore-failed"},
	        {22, "cannot-verify"},
	        {130, "interrupted"},
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_string_equal(irec_status_name(expected[i].code), expected[i].name);
	for (const struct irec_status_info *i = irec_status_table; i->name; i++)
		n++;
	assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
}

static void test_table_sorted_and_unique(void **state)
{
	(void)state;
	for (const struct irec_status_info *i = irec_status_table; i->name && i[1].name; i++) {
		assert_true(i->code < i[1].code);
		assert_true(strlen(i->summary) > 0);
		assert_null(strchr(i->summary, '\n'));
	}
}

static void test_unknown_code(void **state)
{
	(void)state;
	assert_string_equal(irec_status_name(99), "unknown");
	assert_string_equal(irec_status_name(-1), "unknown");
}

static void test_combine(void **state)
{
	(void)state;
	assert_int_equal(irec_status_combine(IREC_OK, IREC_OK), IREC_OK);
	assert_int_equal(irec_status_combine(IREC_OK, IREC_ETIMEOUT), IREC_ETIMEOUT);
	assert_int_equal(irec_status_combine(IREC_ELOOP, IREC_ETIMEOUT), IREC_ELOOP);
	assert_int_equal(irec_status_combine(IREC_ELOOP, IREC_EINTR), IREC_EINTR);
	assert_int_equal(irec_status_combine(IREC_EINTR, IREC_OK), IREC_EINTR);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The README and the man page list exactly the codes of the table. */
static void test_docs_list_every_code(void **state)
{
	(void)state;
	char want[256];
	char *readme = strdup(slurp(IRECCTL_SOURCE_DIR "/README.md"));
	char *man = strdup(slurp(IRECCTL_SOURCE_DIR "/man/irecctl.1.scd"));
	for (const struct irec_status_info *i = irec_status_table; i->name; i++) {
		snprintf(want, sizeof(want), "| %d | `%s` |", i->code, i->name);
		if (!strstr(readme, want))
			fail_msg("README.md lacks the row '%s'", want);
		snprintf(want, sizeof(want), "|  %d\n:  %s\n", i->code, i->name);
		if (!strstr(man, want))
			fail_msg("man/irecctl.1.scd lacks exit code %d (%s)", i->code, i->name);
	}
	free(readme);
	free(man);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_numbers_are_stable),
	        cmocka_unit_test(test_table_sorted_and_unique),
	        cmocka_unit_test(test_unknown_code),
	        cmocka_unit_test(test_combine),
	        cmocka_unit_test(test_docs_list_every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
