/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How irecctl's JSON prints numbers (src/output.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/output.h"

/* output_json() on stdout, captured. */
static void dump(json_t *v, char *buf, size_t len)
{
	FILE *saved = stdout, *f = tmpfile();
	size_t n;

	assert_non_null(f);
	stdout = f;
	assert_true(output_json(v));
	stdout = saved;
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_seconds_print_as_milliseconds(void **state)
{
	char buf[256];
	json_t *o = json_object();

	(void)state;
	json_object_set_new(o, "seconds", json_real(3003 / 1000.0));
	json_object_set_new(o, "long", json_real(604799999 / 1000.0));
	dump(o, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\"seconds\": 3.003,"));
	assert_non_null(strstr(buf, "\"long\": 604799.999\n"));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_seconds_print_as_milliseconds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
