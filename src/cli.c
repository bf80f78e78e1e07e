/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Command-line parsing and help, from the tables in cli.h. Kept out of
 * main.c so the unit tests drive exactly the parser the binary uses.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libusb.h>

#include "irecctl/cli.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/version.h"

/* getopt values: global options are 1000+index, command options 2000+index. */
#define GLOBAL_BASE  1000
#define COMMAND_BASE 2000
#define MAX_LONGOPTS 40

enum global_index {
	G_DEVICE,
	G_ALL,
	G_JSON,
	G_TIMEOUT,
	G_QUIET,
	G_VERBOSE,
	G_NOCOLOR,
	G_HELP,
	G_VERSION
};

static void print_option(FILE *f, const struct cmd_option *o)
{
	char left[64];

	if (o->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
		         o->arg ? " " : "", o->arg ? o->arg : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
		         o->arg ? o->arg : "");
	fprintf(f, "  %-26s %s\n", left, o->help);
}

void cli_print_usage(FILE *f)
{
	fprintf(f, "Usage: irecctl [OPTIONS] COMMAND [ARGS]\n\n"
	           "Put Apple devices into and out of Recovery Mode, tell what mode and model\n"
	           "every attached device is in, and restore them.\n\nCommands:\n");
	for (const struct command *const *c = command_table; *c; c++)
		if (!(*c)->hidden)
			fprintf(f, "  %-10s %s\n", (*c)->name, (*c)->summary);
	fprintf(f, "\nOptions (accepted before or after COMMAND):\n");
	for (const struct cmd_option *o = global_options; o->name; o++)
		print_option(f, o);
	fprintf(f, "\nWithout COMMAND, irecctl runs 'status'. 'irecctl COMMAND --help' describes a "
	           "command.\nExit codes are listed in irecctl(1).\n");
}

bool command_takes_global(const struct command *cmd, const struct cmd_option *o)
{
	if (!strcmp(o->name, "all"))
		return !cmd->no_all;
	if (!strcmp(o->name, "device"))
		return !cmd->no_device;
	return true;
}

static void print_command_help(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: irecctl %s %s\n\n%s\n\n%s\n", cmd->name, cmd->synopsis, cmd->summary,
	        cmd->description);
	if (cmd->options && cmd->options[0].name) {
		fprintf(f, "\nOptions:\n");
		for (const struct cmd_option *o = cmd->options; o->name; o++)
			print_option(f, o);
	}
	fprintf(f, "\nGlobal options:\n");
	for (const struct cmd_option *o = global_options; o->name; o++)
		if (command_takes_global(cmd, o))
			print_option(f, o);
}

static void version_text(const struct libusb_version *usb)
{
	printf("irecctl %s\n", IRECCTL_VERSION);
	printf("libirecovery %s, libimobiledevice %s, libusbmuxd %s, libplist %s, jansson %s "
	       "(built against)\n",
	       IRECCTL_BUILT_LIBIRECOVERY, IRECCTL_BUILT_LIBIMOBILEDEVICE, IRECCTL_BUILT_LIBUSBMUXD,
	       IRECCTL_BUILT_LIBPLIST, IRECCTL_BUILT_JANSSON);
	printf("libusb %u.%u.%u (running)\n", usb->major, usb->minor, usb->micro);
}

static void add_library(json_t *libs, const char *name, const char *version, const char *from)
{
	json_t *o = json_object();

	json_object_set_new(o, "version", json_string(version));
	json_object_set_new(o, "from", json_string(from));
	json_object_set_new(libs, name, o);
}

/* The same facts as the text, as one record (schemas/version.schema.json). */
static void version_json(const struct libusb_version *usb)
{
	json_t *o = json_object(), *libs = json_object();
	char running[48];

	snprintf(running, sizeof(running), "%u.%u.%u", usb->major, usb->minor, usb->micro);
	add_library(libs, "libirecovery", IRECCTL_BUILT_LIBIRECOVERY, "build");
	add_library(libs, "libimobiledevice", IRECCTL_BUILT_LIBIMOBILEDEVICE, "build");
	add_library(libs, "libusbmuxd", IRECCTL_BUILT_LIBUSBMUXD, "build");
	add_library(libs, "libplist", IRECCTL_BUILT_LIBPLIST, "build");
	add_library(libs, "jansson", IRECCTL_BUILT_JANSSON, "build");
	add_library(libs, "libusb", running, "run-time");
	json_object_set_new(o, "version", json_string(IRECCTL_VERSION));
	json_object_set_new(o, "libraries", libs);
	output_json(o);
	json_decref(o);
}

static enum parse_result print_version(const struct ctx *ctx)
{
	const struct libusb_version *usb = libusb_get_version();

	if (ctx->json)
		version_json(usb);
	else
		version_text(usb);
	return PARSE_EXIT_OK;
}

/* TERM unset or "dumb" (Emacs shells, some CI consoles): no escape sequences. */
static bool term_is_dumb(void)
{
	const char *term = getenv("TERM");

	return !term || !*term || !strcmp(term, "dumb");
}

void ctx_init(struct ctx *ctx)
{
	const char *no_color = getenv("NO_COLOR");
	bool dumb = term_is_dumb();

	memset(ctx, 0, sizeof(*ctx));
	ctx->stdin_tty = isatty(STDIN_FILENO);
	ctx->stdout_tty = isatty(STDOUT_FILENO);
	ctx->stderr_tty = isatty(STDERR_FILENO);
	ctx->color = ctx->stdout_tty && !dumb && !(no_color && *no_color);
	ctx->stderr_escapes = ctx->stderr_tty && !dumb;
}

/* Append a cmd_option table to a getopt_long table and its short-option string. */
static int add_options(struct option *longopts, int n, char *shortopts,
                       const struct cmd_option *opts, int base)
{
	for (int i = 0; opts && opts[i].name; i++) {
		if (n >= MAX_LONGOPTS - 1)
			break;
		longopts[n++] =
		        (struct option){opts[i].name, opts[i].arg ? required_argument : no_argument,
		                        NULL, base + i};
		if (opts[i].short_name) {
			size_t len = strlen(shortopts);
			shortopts[len++] = opts[i].short_name;
			if (opts[i].arg)
				shortopts[len++] = ':';
			shortopts[len] = '\0';
		}
	}
	longopts[n] = (struct option){NULL, 0, NULL, 0};
	return n;
}

static int short_to_value(char c, const struct cmd_option *opts, int base)
{
	for (int i = 0; opts && opts[i].name; i++)
		if (opts[i].short_name == c)
			return base + i;
	return -1;
}

static enum parse_result apply_global(struct ctx *ctx, int index, const char *arg,
                                      const struct command *cmd)
{
	char err[256];

	switch (index) {
	case G_DEVICE:
		/* Keeping only the last of two would act on one device while the
		 * command line names two: -d selects exactly one (--all: every one). */
		if (ctx->have_device) {
			log_error("-d may be given once: it selects one device (--all acts on "
			          "every one)");
			return PARSE_ERROR;
		}
		if (!devid_parse(arg, &ctx->device, err, sizeof(err))) {
			log_error("%s", err);
			return PARSE_ERROR;
		}
		ctx->have_device = true;
		break;
	case G_ALL:
		ctx->all = true;
		break;
	case G_JSON:
		ctx->json = true;
		break;
	case G_TIMEOUT:
		if (!parse_duration(arg, &ctx->timeout_s)) {
			log_error("invalid --timeout '%s': expected seconds, e.g. 90, 1.5, 2m",
			          arg);
			return PARSE_ERROR;
		}
		ctx->have_timeout = true;
		break;
	case G_QUIET:
		ctx->verbosity = -1;
		break;
	case G_VERBOSE:
		ctx->verbosity = ctx->verbosity < 0 ? 1 : ctx->verbosity + 1;
		break;
	case G_NOCOLOR:
		ctx->color = false;
		break;
	case G_HELP:
		if (cmd)
			print_command_help(stdout, cmd);
		else
			cli_print_usage(stdout);
		return PARSE_EXIT_OK;
	case G_VERSION:
		/* Printed once every option is read: --json may come after it. */
		ctx->version = true;
		break;
	}
	return PARSE_OK;
}

static void report_bad_option(char **argv, int failed_index, int c, const struct command *cmd)
{
	const char *word = argv[failed_index - 1];

	if (c == ':')
		log_error("option '%s' needs an argument", word);
	else
		log_error("unknown option '%s'%s%s", word, cmd ? " for " : "",
		          cmd ? cmd->name : "");
	if (cmd)
		fprintf(stderr, "Usage: irecctl %s %s\nTry 'irecctl %s --help'.\n", cmd->name,
		        cmd->synopsis, cmd->name);
	else
		fprintf(stderr, "Usage: irecctl [OPTIONS] COMMAND [ARGS]\nTry 'irecctl --help'.\n");
}

/*
 * Parse options with getopt_long over the global table plus, when cmd is
 * set, the command's table. Without cmd, stop at the first non-option
 * (the verb).
 */
static enum parse_result parse_with(struct ctx *ctx, const struct command *cmd, int argc,
                                    char **argv, struct cmd_args *args)
{
	struct option longopts[MAX_LONGOPTS];
	char shortopts[64] = ":";
	int n = 0, c;

	if (!cmd || cmd->operands_end_options)
		strcpy(shortopts, "+:");
	n = add_options(longopts, n, shortopts, global_options, GLOBAL_BASE);
	if (cmd)
		add_options(longopts, n, shortopts, cmd->options, COMMAND_BASE);
	opterr = 0;
	/* 0, not 1: glibc then re-initialises fully (argv and "+" mode change between calls). */
	optind = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			report_bad_option(argv, optind, c, cmd);
			return PARSE_ERROR;
		}
		if (c < GLOBAL_BASE) {
			int v = short_to_value((char)c, global_options, GLOBAL_BASE);
			if (v < 0 && cmd)
				v = short_to_value((char)c, cmd->options, COMMAND_BASE);
			c = v;
		}
		if (c >= COMMAND_BASE) {
			args->set[c - COMMAND_BASE] = true;
			args->value[c - COMMAND_BASE] = optarg;
			continue;
		}
		enum parse_result r = apply_global(ctx, c - GLOBAL_BASE, optarg, cmd);
		if (r != PARSE_OK)
			return r;
	}
	args->argc = argc - optind;
	args->argv = argv + optind;
	return PARSE_OK;
}

static bool check_arg_count(const struct command *cmd, const struct cmd_args *args)
{
	if (args->argc < cmd->min_args) {
		log_error("'%s' needs %s", cmd->name, cmd->synopsis);
	} else if (cmd->max_args >= 0 && args->argc > cmd->max_args) {
		log_error("'%s': unexpected argument '%s'", cmd->name, args->argv[cmd->max_args]);
	} else {
		return true;
	}
	fprintf(stderr, "Try 'irecctl %s --help'.\n", cmd->name);
	return false;
}

/* -d picks one device, --all every one; commands where they mean nothing refuse them. */
static bool check_selection(const struct ctx *ctx, const struct command *cmd)
{
	if (ctx->all && ctx->have_device)
		log_error("-d and --all exclude each other: -d ID acts on one device, --all on "
		          "every one");
	else if (ctx->all && cmd->no_all)
		log_error("'%s' does not take --all: %s", cmd->name, cmd->no_all);
	else if (ctx->have_device && cmd->no_device)
		log_error("'%s' does not take -d: %s", cmd->name, cmd->no_device);
	else
		return true;
	fprintf(stderr, "Try 'irecctl %s --help'.\n", cmd->name);
	return false;
}

enum parse_result cli_parse(struct ctx *ctx, int argc, char **argv, const struct command **cmdp,
                            struct cmd_args *args)
{
	enum parse_result r;
	const struct command *cmd;

	memset(args, 0, sizeof(*args));
	r = parse_with(ctx, NULL, argc, argv, args);
	if (r != PARSE_OK)
		return r;
	const char *verb = args->argc > 0 ? args->argv[0] : "status";
	cmd = command_find(verb);
	if (!cmd && ctx->version)
		return print_version(ctx);
	if (!cmd) {
		/* One line and where to look: not the whole usage for a typo. */
		log_error("unknown command '%s'", verb);
		fprintf(stderr, "Try 'irecctl --help' for the list of commands.\n");
		return PARSE_ERROR;
	}
	if (args->argc > 0) {
		/* Parse again from the verb on, so global options also work after it. */
		int sub_argc = args->argc;
		char **sub_argv = args->argv;
		memset(args, 0, sizeof(*args));
		r = parse_with(ctx, cmd, sub_argc, sub_argv, args);
		if (r != PARSE_OK)
			return r;
	}
	if (ctx->version)
		return print_version(ctx);
	*cmdp = cmd;
	return check_arg_count(cmd, args) && check_selection(ctx, cmd) ? PARSE_OK : PARSE_ERROR;
}
