/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command table. Each subcommand lives in its own src/cmd-NAME.c and
 * exports one `const struct command cmd_NAME`; src/commands.c lists them.
 * main.c parses the global options and the command's own options from the
 * tables here, prints --help from them, and maps the returned
 * enum irec_status to the exit code.
 */
#ifndef IRECCTL_CLI_H
#define IRECCTL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "irecctl/devid.h"
#include "irecctl/exitcode.h"

#define CMD_MAX_OPTIONS 16

struct cmd_option {
	const char *name; /* long option, without "--" */
	char short_name;  /* 0 if none */
	const char *arg;  /* argument placeholder for help ("MODE"); NULL for a flag */
	const char *help; /* one line */
};

/* What the command receives: its options by index in its options[], and
 * the positional arguments. A repeated option keeps its last value. */
struct cmd_args {
	bool set[CMD_MAX_OPTIONS];
	const char *value[CMD_MAX_OPTIONS];
	int argc;
	char **argv;
};

/* Global options and facts about the terminal, shared by every command. */
struct ctx {
	struct devid device; /* -d/--device */
	bool have_device;
	bool all;         /* --all */
	bool json;        /* --json */
	bool color;       /* stdout is a TTY, TERM not dumb, neither --no-color nor NO_COLOR */
	int verbosity;    /* -1 quiet, 0 normal, 1.. -v count */
	double timeout_s; /* --timeout */
	bool have_timeout;
	bool stdin_tty, stdout_tty, stderr_tty;
	bool stderr_escapes; /* stderr is a terminal that understands escapes (TERM not dumb) */
	bool version;        /* --version: print the versions (as JSON with --json) and exit */
};

struct command {
	const char *name;
	const char *summary;              /* one line, for `irecctl --help` and the man page */
	const char *synopsis;             /* after "irecctl NAME " */
	const char *description;          /* a paragraph for `irecctl NAME --help` */
	const struct cmd_option *options; /* terminated by an entry with name NULL */
	int min_args, max_args;           /* positional arguments; max -1 = any */
	/* Why --all makes no sense for this command (it is refused), or NULL:
	 * --all is accepted (status and watch: every device, their default). */
	const char *no_all;
	/* Why -d makes no sense for this command (it is refused), or NULL. */
	const char *no_device;
	/* The first operand ends option parsing: a command line follows (watch --exec). */
	bool operands_end_options;
	bool hidden; /* not in --help (irecctl completions: for the build) */
	/* Never reaches usbmuxd: a malformed USBMUXD_SOCKET_ADDRESS is not refused. */
	bool no_usbmuxd;
	int (*run)(struct ctx *ctx, const struct cmd_args *args);
};

extern const struct command *const command_table[];
extern const struct cmd_option global_options[];

const struct command *command_find(const char *name);

/* Does cmd take global option o? Not a -d or --all it refuses (no_device,
 * no_all): its help and the shell completions leave those out. */
bool command_takes_global(const struct command *cmd, const struct cmd_option *o);

/* The timeout in effect: --timeout if given, else the command's default. */
double ctx_timeout(const struct ctx *ctx, double default_s);

/* Parse "90", "1.5", "2m", "1h", "500ms" into seconds; false on garbage. */
bool parse_duration(const char *s, double *seconds);

/* Defaults, and what stdin/stdout/stderr are connected to. */
void ctx_init(struct ctx *ctx);

enum parse_result {
	PARSE_OK,      /* run *cmd with *args */
	PARSE_EXIT_OK, /* --help or --version printed: exit 0 */
	PARSE_ERROR,   /* diagnosed on stderr: exit IREC_EUSAGE */
};

/* Parse argv (global options, the verb, the verb's options) into ctx,
 * *cmd and args. No verb means "status". */
enum parse_result cli_parse(struct ctx *ctx, int argc, char **argv, const struct command **cmd,
                            struct cmd_args *args);
void cli_print_usage(FILE *f);

/* Every subcommand not built yet answers through this, never with a fake success. */
int cmd_not_implemented(const char *name);

#endif
