/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command-line parser the binary uses (cli_parse), driven directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "irecctl/cli.h"
#include "irecctl/duration.h"
#include "irecctl/completions.h"

#define ARGV(...) ((char *[]){"irecctl", __VA_ARGS__, NULL})
#define ARGC(v)   ((int)(sizeof(v) / sizeof((v)[0])) - 1)

struct parsed {
	struct ctx ctx;
	struct cmd_args args;
	const struct command *cmd;
	enum parse_result r;
};

static struct parsed parse_argv(int argc, char **argv)
{
	struct parsed p = {0};
	ctx_init(&p.ctx);
	p.r = cli_parse(&p.ctx, argc, argv, &p.cmd, &p.args);
	return p;
}

#define PARSE(...) parse_argv(ARGC(ARGV(__VA_ARGS__)), ARGV(__VA_ARGS__))

static int option_index(const struct command *cmd, const char *name)
{
	for (int i = 0; cmd->options[i].name; i++)
		if (!strcmp(cmd->options[i].name, name))
			return i;
	fail_msg("no option %s", name);
	return -1;
}

static void test_no_verb_means_status(void **state)
{
	(void)state;
	char *argv[] = {"irecctl", NULL};
	struct parsed p = parse_argv(1, argv);
	assert_int_equal(p.r, PARSE_OK);
	assert_string_equal(p.cmd->name, "status");
}

static void test_global_options_before_and_after_verb(void **state)
{
	(void)state;
	struct parsed p = PARSE("--json", "status", "-d", "0x1a2b", "--timeout", "2m", "-vv");
	assert_int_equal(p.r, PARSE_OK);
	assert_string_equal(p.cmd->name, "status");
	assert_true(p.ctx.json);
	assert_true(p.ctx.have_device);
	assert_true(p.ctx.device.ecid == 0x1a2b);
	assert_true(p.ctx.have_timeout);
	assert_true(p.ctx.timeout_s == 120.0);
	assert_int_equal(p.ctx.verbosity, 2);
}

static void test_command_options_and_positionals(void **state)
{
	(void)state;
	struct parsed p = PARSE("wait", "--for", "recovery", "--json");
	assert_int_equal(p.r, PARSE_OK);
	int i = option_index(p.cmd, "for");
	assert_true(p.args.set[i]);
	assert_string_equal(p.args.value[i], "recovery");
	assert_true(p.ctx.json);
	assert_int_equal(p.args.argc, 0);

	p = PARSE("buttons", "iPhone 15 Pro", "--dfu");
	assert_int_equal(p.r, PARSE_OK);
	assert_int_equal(p.args.argc, 1);
	assert_string_equal(p.args.argv[0], "iPhone 15 Pro");
	assert_true(p.args.set[option_index(p.cmd, "dfu")]);
	assert_false(p.args.set[option_index(p.cmd, "restart")]);
}

/* watch --exec: CMD ends option parsing, so CMD's options stay CMD's. */
static void test_exec_command_keeps_its_options(void **state)
{
	(void)state;
	struct parsed p =
	        PARSE("watch", "--for", "recovery", "--exec", "logger", "-t", "lab", "--json");
	assert_int_equal(p.r, PARSE_OK);
	assert_true(p.args.set[option_index(p.cmd, "exec")]);
	assert_false(p.ctx.json);
	assert_int_equal(p.args.argc, 4);
	assert_string_equal(p.args.argv[0], "logger");
	assert_string_equal(p.args.argv[1], "-t");
	assert_string_equal(p.args.argv[3], "--json");
	/* Other commands still take options after operands. */
	p = PARSE("buttons", "iPhone10,1", "--dfu");
	assert_true(p.args.set[option_index(p.cmd, "dfu")]);
}

/* Completions read value kinds from the placeholders of the tables. */
static void test_completion_kinds(void **state)
{
	(void)state;
	const char *extra;
	assert_int_equal(complete_operand_kind(command_find("buttons"), &extra), COMPLETE_MODELS);
	assert_int_equal(complete_operand_kind(command_find("restore"), &extra), COMPLETE_FILES);
	assert_int_equal(complete_operand_kind(command_find("watch"), &extra), COMPLETE_COMMANDS);
	assert_int_equal(complete_operand_kind(command_find("status"), &extra), COMPLETE_NOTHING);
	assert_int_equal(complete_operand_kind(command_find("wait"), &extra), COMPLETE_NOTHING);
	assert_int_equal(complete_kind_of("MODE", &extra), COMPLETE_MODES);
	assert_string_equal(extra, "gone any");
	assert_int_equal(complete_kind_of("ID", &extra), COMPLETE_DEVICES);
	assert_int_equal(complete_kind_of("SECONDS", &extra), COMPLETE_NOTHING);
}

static void test_usage_errors(void **state)
{
	(void)state;
	assert_int_equal(PARSE("frobnicate").r, PARSE_ERROR);
	assert_int_equal(PARSE("status", "--bogus").r, PARSE_ERROR);
	assert_int_equal(PARSE("--bogus").r, PARSE_ERROR);
	assert_int_equal(PARSE("status", "extra").r, PARSE_ERROR);
	assert_int_equal(PARSE("buttons").r, PARSE_ERROR); /* MODEL missing */
	assert_int_equal(PARSE("wait", "--for").r, PARSE_ERROR);
	assert_int_equal(PARSE("-d", "not-an-id", "status").r, PARSE_ERROR);
	assert_int_equal(PARSE("status", "--timeout", "soon").r, PARSE_ERROR);
	assert_int_equal(PARSE("status", "--timeout", "-1").r, PARSE_ERROR);
	/* A command's own option is not valid for another command. */
	assert_int_equal(PARSE("status", "--dfu").r, PARSE_ERROR);
}

static void test_help_and_version_exit_ok(void **state)
{
	(void)state;
	/* Output is captured away from the test report. */
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w");
	enum parse_result a = PARSE("--help").r;
	enum parse_result b = PARSE("enter", "--help").r;
	enum parse_result c = PARSE("-V").r;
	enum parse_result d = PARSE("frob", "--help").r; /* unknown verb still wins */
	fclose(stdout);
	stdout = saved;
	assert_int_equal(a, PARSE_EXIT_OK);
	assert_int_equal(b, PARSE_EXIT_OK);
	assert_int_equal(c, PARSE_EXIT_OK);
	assert_int_equal(d, PARSE_ERROR);
}

static void test_quiet_and_color(void **state)
{
	(void)state;
	struct parsed p = PARSE("-q", "status", "--no-color");
	assert_int_equal(p.r, PARSE_OK);
	assert_int_equal(p.ctx.verbosity, -1);
	assert_false(p.ctx.color);
}

/* Messages print durations as given: --lock-timeout 0.3 said "0 s". */
static void test_seconds_text(void **state)
{
	char b[SECONDS_TEXT_MAX];
	double s;

	(void)state;
	assert_string_equal(seconds_text(0.3, b), "0.3");
	assert_string_equal(seconds_text(0.05, b), "0.05");
	assert_string_equal(seconds_text(2, b), "2");
	assert_string_equal(seconds_text(0, b), "0");
	assert_string_equal(seconds_text(180, b), "180");
	assert_string_equal(seconds_text(1.5, b), "1.5");
	assert_string_equal(seconds_text(0.0001, b), "0.0001");
	assert_string_equal(seconds_text(604800, b), "604800");
	assert_string_equal(seconds_text(100000.5, b), "100000.5");
	assert_string_equal(seconds_text(1.0 / 3, b), "0.333333");
	assert_string_equal(seconds_text(-1, b), "0");
	assert_true(parse_duration("250ms", &s));
	assert_string_equal(seconds_text(s, b), "0.25");
}

static void test_parse_duration(void **state)
{
	(void)state;
	double s;
	assert_true(parse_duration("90", &s) && s == 90.0);
	assert_true(parse_duration("1.5", &s) && s == 1.5);
	assert_true(parse_duration("2m", &s) && s == 120.0);
	assert_true(parse_duration("1h", &s) && s == 3600.0);
	assert_true(parse_duration("250ms", &s) && s == 0.25);
	assert_true(parse_duration("0", &s) && s == 0.0);
	assert_false(parse_duration("", &s));
	assert_false(parse_duration("abc", &s));
	assert_false(parse_duration("5 m", &s));
	assert_false(parse_duration("nan", &s));
	assert_false(parse_duration("inf", &s));
	assert_false(parse_duration("1e9", &s));
	assert_true(parse_duration(".5", &s) && s == 0.5);
	/* strtod() would take all of these. */
	assert_false(parse_duration("0x1p3", &s));
	assert_false(parse_duration(" 5", &s));
	assert_false(parse_duration("\t5", &s));
	assert_false(parse_duration("-0", &s));
	assert_false(parse_duration("+5", &s));
	assert_false(parse_duration("1e-400", &s));
	assert_false(parse_duration("1e3", &s));
	assert_false(parse_duration(".", &s));
	assert_false(parse_duration("1.2.3", &s));
	char tiny[400] = "0.";
	memset(tiny + 2, '0', 360);
	strcpy(tiny + 362, "1");
	assert_false(parse_duration(tiny, &s)); /* underflows to 0 */
}

static void test_all_and_device(void **state)
{
	(void)state;
	assert_int_equal(PARSE("exit", "--all").r, PARSE_OK);
	assert_int_equal(PARSE("enter", "--all").r, PARSE_OK);
	assert_int_equal(PARSE("--all", "-d", "0x22", "exit").r, PARSE_ERROR);
	assert_int_equal(PARSE("exit", "-d", "0x22", "--all").r, PARSE_ERROR);
	/* Defined: every device, what status and watch show anyway. */
	assert_int_equal(PARSE("status", "--all").r, PARSE_OK);
	assert_int_equal(PARSE("--all").r, PARSE_OK); /* status */
	assert_int_equal(PARSE("watch", "--all").r, PARSE_OK);
	assert_int_equal(PARSE("status", "--all", "-d", "0x22").r, PARSE_ERROR);
	/* Meaningless there: refused. */
	assert_int_equal(PARSE("wait", "--all", "--for", "normal").r, PARSE_ERROR);
	assert_int_equal(PARSE("doctor", "--all").r, PARSE_ERROR);
	assert_int_equal(PARSE("buttons", "--all", "iPhone10,3").r, PARSE_ERROR);
}

static void test_dumb_terminal(void **state)
{
	const char *old = getenv("TERM");
	char saved[64] = "";

	(void)state;
	if (old)
		snprintf(saved, sizeof(saved), "%s", old);
	setenv("TERM", "dumb", 1);
	struct parsed p = PARSE("status");
	assert_false(p.ctx.color);
	assert_false(p.ctx.stderr_escapes);
	unsetenv("TERM");
	p = PARSE("status");
	assert_false(p.ctx.color);
	assert_false(p.ctx.stderr_escapes);
	if (saved[0])
		setenv("TERM", saved, 1);
}

static void test_every_command_has_help(void **state)
{
	(void)state;
	int n = 0;
	for (const struct command *const *c = command_table; *c; c++) {
		n += !(*c)->hidden;
		assert_non_null((*c)->summary);
		assert_non_null((*c)->synopsis);
		assert_non_null((*c)->description);
		assert_non_null((*c)->run);
		assert_ptr_equal(command_find((*c)->name), *c);
	}
	assert_int_equal(n, 8);
	assert_null(command_find("stat"));
	assert_true(command_find("completions")->hidden);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_no_verb_means_status),
	        cmocka_unit_test(test_exec_command_keeps_its_options),
	        cmocka_unit_test(test_completion_kinds),
	        cmocka_unit_test(test_global_options_before_and_after_verb),
	        cmocka_unit_test(test_command_options_and_positionals),
	        cmocka_unit_test(test_usage_errors),
	        cmocka_unit_test(test_help_and_version_exit_ok),
	        cmocka_unit_test(test_quiet_and_color),
	        cmocka_unit_test(test_parse_duration),
	        cmocka_unit_test(test_seconds_text),
	        cmocka_unit_test(test_every_command_has_help),
	        cmocka_unit_test(test_all_and_device),
	        cmocka_unit_test(test_dumb_terminal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
