/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The button guide's timing, driven with an injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/guide.h"

static struct guide make(FILE *out, bool tty)
{
	struct guide g;
	guide_from_sequence(&g, NULL, out, tty);
	g.title = "Title";
	guide_add(&g, "Get ready.", 3, 0);
	guide_add(&g, "Hold now.", 2, 7);
	guide_add(&g, "Keep holding.", 0, 0);
	return g;
}

static void test_steps_advance_on_time_and_run_actions(void **state)
{
	(void)state;
	FILE *out = fopen("/dev/null", "w");
	struct guide g = make(out, true);

	guide_start(&g, 1000);
	assert_int_equal(g.current, 0);
	/* A TTY countdown redraws every 250 ms, never later than the step's end. */
	assert_int_equal(guide_next_tick(&g), 1250);
	assert_int_equal(guide_tick(&g, 3999), 0);
	assert_int_equal(g.current, 0);
	assert_int_equal(guide_tick(&g, 4000), 0); /* step 1 ends: no action */
	assert_int_equal(g.current, 1);
	assert_int_equal(guide_tick(&g, 5999), 0);
	assert_int_equal(guide_tick(&g, 6000), 7); /* step 2 ends: its action */
	assert_int_equal(g.current, 2);
	/* A quick step is shown for 1.5 s, then the guide starts over. */
	assert_int_equal(guide_tick(&g, 7500), 0);
	assert_int_equal(g.current, 0);
	assert_int_equal(g.rounds, 1);
	guide_finish(&g, NULL);
	assert_int_equal(guide_next_tick(&g), -1);
	fclose(out);
}

static void test_no_repeat_finishes(void **state)
{
	(void)state;
	FILE *out = fopen("/dev/null", "w");
	struct guide g = make(out, false);

	g.repeat = false;
	guide_start(&g, 0);
	/* Without a terminal there is no countdown: wake only at step ends. */
	assert_int_equal(guide_next_tick(&g), 3000);
	guide_tick(&g, 3000);
	assert_int_equal(guide_tick(&g, 5000), 7);
	guide_tick(&g, 6500);
	assert_true(g.finished);
	assert_int_equal(guide_next_tick(&g), -1);
	assert_int_equal(guide_tick(&g, 9000), 0);
	fclose(out);
}

static void test_plain_output_one_line_per_step(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	struct guide g = make(out, false);

	g.repeat = false;
	guide_start(&g, 0);
	guide_tick(&g, 3000);
	guide_tick(&g, 5000);
	guide_finish(&g, "done");
	fclose(out);
	assert_string_equal(buf, "Title\n"
	                         "  1/3  Get ready. (3 s)\n"
	                         "  2/3  Hold now. (2 s)\n"
	                         "  3/3  Keep holding.\n"
	                         "done\n");
	assert_null(strchr(buf, '\r')); /* no terminal control in a log */
	free(buf);
}

static void test_empty_guide(void **state)
{
	(void)state;
	struct guide g;
	guide_from_sequence(&g, NULL, stderr, false);
	guide_start(&g, 0);
	assert_true(g.finished);
	assert_int_equal(guide_next_tick(&g), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_steps_advance_on_time_and_run_actions),
	        cmocka_unit_test(test_no_repeat_finishes),
	        cmocka_unit_test(test_plain_output_one_line_per_step),
	        cmocka_unit_test(test_empty_guide),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
