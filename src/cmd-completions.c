/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl completions bash|zsh|fish (hidden): the shell completion script,
 * written from the command table (completions.h says which values go
 * where). The build runs it, so the installed scripts always match the
 * parser they complete for.
 */
#include <stdio.h>
#include <string.h>

#include "irecctl/cli.h"
#include "irecctl/completions.h"
#include "irecctl/log.h"

/* Device ids from `irecctl status --json` (BIN: the shell's expression for
 * the irecctl being completed), bounded so a slow host never stalls the
 * shell; the same sed for every shell. */
#define DEVICES_PIPE(BIN)                                                                          \
	"timeout 2 " BIN " --timeout 1 status --json 2>/dev/null | "                               \
	"sed -n 's/^ *\"\\(ecid\\|udid\\)\": \"\\([^\"]*\\)\".*/\\2/p'"

static const char *const kind_names[] = {
        [COMPLETE_NOTHING] = "nothing", [COMPLETE_MODES] = "modes",
        [COMPLETE_DEVICES] = "devices", [COMPLETE_MODELS] = "models",
        [COMPLETE_FILES] = "files",     [COMPLETE_COMMANDS] = "commands",
};

static bool visible(const struct command *c)
{
	return !c->hidden;
}

/* Both spellings of an option, as the shell sees them: "-d --device". */
static void option_words(FILE *f, const struct cmd_option *o, const char *sep)
{
	if (o->short_name)
		fprintf(f, "-%c%s", o->short_name, sep);
	fprintf(f, "--%s", o->name);
}

/* --- bash ------------------------------------------------------------------------- */

static void bash_model_word(const char *word, const char *description, void *data)
{
	(void)description;
	fprintf(data, " %s", word);
}

static void bash_value(FILE *f, const char *placeholder)
{
	const char *extra;
	enum complete_kind k = complete_kind_of(placeholder, &extra);

	fprintf(f, "_irecctl_value %s", kind_names[k]);
	if (k == COMPLETE_MODES) {
		fputs(" \"", f);
		complete_mode_words(f, extra);
		fputc('"', f);
	}
}

/* "wait:--for" or, for a global option, "*:-d|*:--device". */
static void case_pattern(FILE *f, const char *cmd, const struct cmd_option *o)
{
	if (o->short_name)
		fprintf(f, "%s:-%c|", cmd, o->short_name);
	fprintf(f, "%s:--%s", cmd, o->name);
}

/* One case line per option taking an argument: its value completion, or
 * (values false) just "it takes one". */
static void bash_option_cases(FILE *f, const char *cmd, const struct cmd_option *o, bool values)
{
	for (; o && o->name; o++) {
		if (!o->arg)
			continue;
		fputc('\t', f);
		case_pattern(f, cmd, o);
		fputs(") ", f);
		if (values)
			bash_value(f, o->arg);
		else
			fputs("return 0", f);
		fputs(" ;;\n", f);
	}
}

static void bash_each_command(FILE *f, bool values)
{
	for (const struct command *const *c = command_table; *c; c++)
		if (visible(*c))
			bash_option_cases(f, (*c)->name, (*c)->options, values);
	bash_option_cases(f, "*", global_options, values);
}

static void bash_option_list(FILE *f, const struct cmd_option *o)
{
	for (; o && o->name; o++) {
		fputc(' ', f);
		option_words(f, o, " ");
	}
}

/* The global options cmd takes (not a -d or --all it refuses). */
static void bash_global_list(FILE *f, const struct command *cmd)
{
	for (const struct cmd_option *o = global_options; o->name; o++)
		if (command_takes_global(cmd, o)) {
			fputc(' ', f);
			option_words(f, o, " ");
		}
}

static void bash_tables(FILE *f)
{
	fputs("_irecctl_commands=\"", f);
	for (const struct command *const *c = command_table; *c; c++)
		if (visible(*c))
			fprintf(f, "%s%s", c == command_table ? "" : " ", (*c)->name);
	fputs("\"\n_irecctl_global=\"", f);
	bash_option_list(f, global_options);
	fputs("\"\n_irecctl_models=\"", f);
	complete_models(bash_model_word, f);
	fputs("\"\n\n# _irecctl_takes_arg CMD OPTION: does OPTION take a value?\n"
	      "_irecctl_takes_arg() {\n\tcase \"$1:$2\" in\n",
	      f);
	bash_each_command(f, false);
	fputs("\tesac\n\treturn 1\n}\n\n# _irecctl_option_value CMD OPTION: complete its value.\n"
	      "_irecctl_option_value() {\n\tcase \"$1:$2\" in\n",
	      f);
	bash_each_command(f, true);
	fputs("\tesac\n}\n\n_irecctl_options() {\n\tcase \"$1\" in\n", f);
	for (const struct command *const *c = command_table; *c; c++) {
		if (!visible(*c))
			continue;
		fprintf(f, "\t%s) echo \"", (*c)->name);
		bash_option_list(f, (*c)->options);
		bash_global_list(f, *c);
		fputs("\" ;;\n", f);
	}
	/* Before the command (or an unknown one): every global option. */
	fputs("\t*) echo \"$_irecctl_global\" ;;\n\tesac\n}\n", f);
}

/* Operand N (0-based) of each command; after the first operand of a
 * command whose operands end option parsing, everything is its (CMD ARGS). */
static void bash_operands(FILE *f)
{
	fputs("\n_irecctl_operand() {\n\tcase \"$1\" in\n", f);
	for (const struct command *const *c = command_table; *c; c++) {
		const char *extra;
		enum complete_kind k = complete_operand_kind(*c, &extra);

		if (!visible(*c) || k == COMPLETE_NOTHING)
			continue;
		fprintf(f, "\t%s) ", (*c)->name);
		if ((*c)->operands_end_options)
			fprintf(f,
			        "if [ \"$2\" = 0 ]; then _irecctl_value %s; else _irecctl_value "
			        "files; "
			        "fi ;;\n",
			        kind_names[k]);
		else
			fprintf(f, "_irecctl_value %s ;;\n", kind_names[k]);
	}
	fputs("\tesac\n}\n\n_irecctl_ends_options() {\n\tcase \"$1\" in\n", f);
	for (const struct command *const *c = command_table; *c; c++)
		if (visible(*c) && (*c)->operands_end_options)
			fprintf(f, "\t%s) return 0 ;;\n", (*c)->name);
	fputs("\tesac\n\treturn 1\n}\n", f);
}

static const char bash_head[] =
        "# bash completion for irecctl.\n"
        "# Generated by `irecctl completions bash` from irecctl's command table.\n\n"
        "# Attached devices' ECIDs and UDIDs, only when irecctl answers quickly.\n"
        "_irecctl_devices() {\n\t" DEVICES_PIPE(
                "\"$1\"") "\n}\n\n"
                          "# One item of a comma-separated list (--for recovery,dfu).\n"
                          "_irecctl_list() {\n"
                          "\tlocal prefix=\"\" item=$cur\n"
                          "\tcase $cur in *,*) prefix=${cur%,*},; item=${cur##*,} ;; esac\n"
                          "\tCOMPREPLY=($(compgen -P \"$prefix\" -W \"$1\" -- \"$item\"))\n}\n\n"
                          "_irecctl_value() {\n"
                          "\tcase $1 in\n"
                          "\tmodes) _irecctl_list \"$2\" ;;\n"
                          "\tdevices) COMPREPLY=($(compgen -W \"$(_irecctl_devices "
                          "\"${COMP_WORDS[0]}\")\" -- "
                          "\"$cur\")) ;;\n"
                          "\tmodels) COMPREPLY=($(compgen -W \"$_irecctl_models\" -- \"$cur\")) "
                          ";;\n"
                          "\tfiles) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
                          "\tcommands) COMPREPLY=($(compgen -c -- \"$cur\")) ;;\n"
                          "\tesac\n}\n\n";

static const char bash_main[] =
        "\n_irecctl() {\n"
        "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=\"\" cmd=\"\" operands=0 skip=\"\" i w\n"
        "\tCOMPREPLY=()\n"
        "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}\n"
        "\t# The words before the cursor: the command, and how many operands it has.\n"
        "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
        "\t\tw=${COMP_WORDS[i]}\n"
        "\t\tif [ -n \"$skip\" ]; then skip=\"\"; continue; fi\n"
        "\t\tif [ $operands -gt 0 ] && _irecctl_ends_options \"$cmd\"; then\n"
        "\t\t\toperands=$((operands + 1)); continue\n\t\tfi\n"
        "\t\tcase $w in\n"
        "\t\t-*) _irecctl_takes_arg \"$cmd\" \"$w\" && skip=1 ;;\n"
        "\t\t*) if [ -z \"$cmd\" ]; then cmd=$w; else operands=$((operands + 1)); fi ;;\n"
        "\t\tesac\n\tdone\n"
        "\tif [ -n \"$skip\" ]; then\n\t\t_irecctl_option_value \"$cmd\" \"$prev\"\n"
        "\telif [ $operands -gt 0 ] && _irecctl_ends_options \"$cmd\"; then\n"
        "\t\t_irecctl_operand \"$cmd\" $operands\n"
        "\telif [[ $cur == -* ]]; then\n"
        "\t\tCOMPREPLY=($(compgen -W \"$(_irecctl_options \"$cmd\")\" -- \"$cur\"))\n"
        "\telif [ -z \"$cmd\" ]; then\n"
        "\t\tCOMPREPLY=($(compgen -W \"$_irecctl_commands\" -- \"$cur\"))\n"
        "\telse\n\t\t_irecctl_operand \"$cmd\" $operands\n\tfi\n"
        "}\n"
        "complete -F _irecctl irecctl\n";

static void write_bash(FILE *f)
{
	fputs(bash_head, f);
	bash_tables(f);
	bash_operands(f);
	fputs(bash_main, f);
}

/* --- zsh -------------------------------------------------------------------------- */

/* Text inside '...' and [...] of an _arguments spec. */
static void zsh_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (*s == '[' || *s == ']')
			fputc(*s == '[' ? '(' : ')', f);
		else
			fputc(*s, f);
	}
}

static void zsh_action(FILE *f, const char *placeholder)
{
	const char *extra;

	switch (complete_kind_of(placeholder, &extra)) {
	case COMPLETE_MODES:
		fputs("_values -s , mode ", f);
		complete_mode_words(f, extra);
		break;
	case COMPLETE_DEVICES:
		fputs("_irecctl_devices", f);
		break;
	case COMPLETE_MODELS:
		fputs("_irecctl_models", f);
		break;
	case COMPLETE_FILES:
		fputs("_files", f);
		break;
	case COMPLETE_COMMANDS:
		fputs("_command_names -e", f);
		break;
	case COMPLETE_NOTHING:
		fputs(" ", f);
		break;
	}
}

static void zsh_specs(FILE *f, const struct cmd_option *o)
{
	for (; o && o->name; o++) {
		for (int spelling = 0; spelling < 2; spelling++) {
			if (spelling == 0 && !o->short_name)
				continue;
			fputs(" \\\n\t\t'", f);
			if (spelling == 0)
				fprintf(f, "-%c[", o->short_name);
			else
				fprintf(f, "--%s[", o->name);
			zsh_text(f, o->help);
			fputc(']', f);
			if (o->arg) {
				fprintf(f, ":%s:", o->arg);
				zsh_action(f, o->arg);
			}
			fputc('\'', f);
		}
	}
}

/* The global options cmd takes, as _arguments specs. */
static void zsh_global_specs(FILE *f, const struct command *cmd)
{
	for (const struct cmd_option *o = global_options; o->name; o++) {
		struct cmd_option one[2] = {*o, {NULL, 0, NULL, NULL}};
		if (command_takes_global(cmd, o))
			zsh_specs(f, one);
	}
}

static void zsh_model(const char *word, const char *description, void *data)
{
	fprintf(data, " \\\n\t\t'%s:", word);
	zsh_text(data, description);
	fputc('\'', data);
}

static void zsh_operands(FILE *f, const struct command *c)
{
	const char *extra;
	enum complete_kind k = complete_operand_kind(c, &extra);
	static const char *const actions[] = {
	        [COMPLETE_NOTHING] = " ",
	        [COMPLETE_MODES] = " ",
	        [COMPLETE_DEVICES] = "_irecctl_devices",
	        [COMPLETE_MODELS] = "_irecctl_models",
	        [COMPLETE_FILES] = "_files",
	        [COMPLETE_COMMANDS] = "_command_names -e",
	};

	if (k == COMPLETE_NOTHING)
		return;
	fprintf(f, " \\\n\t\t'1:operand:%s'", actions[k]);
	if (c->operands_end_options)
		fputs(" \\\n\t\t'*::argument:_files'", f);
}

static void write_zsh(FILE *f)
{
	fputs("#compdef irecctl\n"
	      "# zsh completion for irecctl.\n"
	      "# Generated by `irecctl completions zsh` from irecctl's command table.\n\n"
	      "_irecctl_devices() {\n\tlocal -a ids\n\tids=(${(f)\"$(" DEVICES_PIPE(
	              "\"$_irecctl_bin\"") ")\"})\n\tcompadd -a ids\n}\n\n"
	                                   "_irecctl_models() {\n\tlocal -a models\n\tmodels=(",
	      f);
	complete_models(zsh_model, f);
	fputs(")\n\t_describe model models\n}\n\n_irecctl_commands() {\n\tlocal -a cmds\n\tcmds=(",
	      f);
	for (const struct command *const *c = command_table; *c; c++) {
		if (!visible(*c))
			continue;
		fprintf(f, " \\\n\t\t'%s:", (*c)->name);
		zsh_text(f, (*c)->summary);
		fputc('\'', f);
	}
	fputs(")\n\t_describe command cmds\n}\n\n_irecctl() {\n\tlocal _irecctl_bin=$words[1] "
	      "curcontext=$curcontext state line\n\tlocal -a global\n\tglobal=(",
	      f);
	zsh_specs(f, global_options);
	fputs(")\n\t_arguments -C $global '1:command:_irecctl_commands' '*::arg:->args'\n"
	      "\t[ \"$state\" = args ] || return\n\tcase $words[1] in\n",
	      f);
	for (const struct command *const *c = command_table; *c; c++) {
		if (!visible(*c))
			continue;
		fprintf(f, "\t%s)\n\t\t_arguments", (*c)->name);
		zsh_global_specs(f, *c);
		zsh_specs(f, (*c)->options);
		zsh_operands(f, *c);
		fputs(" ;;\n", f);
	}
	fputs("\tesac\n}\n\n_irecctl \"$@\"\n", f);
}

/* --- fish ------------------------------------------------------------------------- */

static void fish_text(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++) {
		if (*s == '\'' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

static void fish_value(FILE *f, enum complete_kind k, const char *extra)
{
	switch (k) {
	case COMPLETE_MODES:
		fputs(" -x -a '", f);
		complete_mode_words(f, extra);
		fputc('\'', f);
		break;
	case COMPLETE_DEVICES:
		fputs(" -x -a '(__irecctl_devices)'", f);
		break;
	case COMPLETE_MODELS:
		fputs(" -x -a '(__irecctl_models)'", f);
		break;
	case COMPLETE_FILES:
		fputs(" -r -F", f);
		break;
	case COMPLETE_COMMANDS:
		fputs(" -x -a '(__fish_complete_command)'", f);
		break;
	case COMPLETE_NOTHING:
		fputs(" -x", f);
		break;
	}
}

static void fish_options(FILE *f, const char *condition, const struct cmd_option *o)
{
	const char *extra;

	for (; o && o->name; o++) {
		fputs("complete -c irecctl", f);
		if (condition)
			fprintf(f, " -n '%s'", condition);
		if (o->short_name)
			fprintf(f, " -s %c", o->short_name);
		fprintf(f, " -l %s", o->name);
		if (o->arg) {
			enum complete_kind k = complete_kind_of(o->arg, &extra);
			fish_value(f, k, extra);
		}
		fputs(" -d ", f);
		fish_text(f, o->help);
		fputc('\n', f);
	}
}

/* Each global option, offered only after commands that take it. */
static void fish_globals(FILE *f)
{
	for (const struct cmd_option *o = global_options; o->name; o++) {
		struct cmd_option one[2] = {*o, {NULL, 0, NULL, NULL}};
		char condition[256] = "not __fish_seen_subcommand_from";
		size_t len = strlen(condition), plain = len;
		for (const struct command *const *c = command_table; *c; c++)
			if (visible(*c) && !command_takes_global(*c, o))
				len += (size_t)snprintf(condition + len, sizeof(condition) - len,
				                        " %s", (*c)->name);
		fish_options(f, len > plain ? condition : NULL, one);
	}
}

static void fish_model(const char *word, const char *description, void *data)
{
	fprintf(data, " \\\n\t\t'%s' ", word);
	fish_text(data, description);
}

static void fish_command(FILE *f, const struct command *c)
{
	char condition[96];
	const char *extra;
	enum complete_kind k = complete_operand_kind(c, &extra);

	fprintf(f, "complete -c irecctl -n __fish_use_subcommand -a %s -d ", c->name);
	fish_text(f, c->summary);
	fputc('\n', f);
	snprintf(condition, sizeof(condition), "__fish_seen_subcommand_from %s", c->name);
	fish_options(f, condition, c->options);
	if (k == COMPLETE_NOTHING)
		return;
	fprintf(f, "complete -c irecctl -n '%s", condition);
	if (c->operands_end_options)
		fputs("; and __fish_contains_opt exec", f);
	fputc('\'', f);
	fish_value(f, k, extra);
	fputc('\n', f);
}

static void write_fish(FILE *f)
{
	fputs("# fish completion for irecctl.\n"
	      "# Generated by `irecctl completions fish` from irecctl's command table.\n\n"
	      "function __irecctl_devices\n\tset -l bin (commandline -opc)[1]\n\t" DEVICES_PIPE(
	              "$bin") "\nend\n\n"
	                      "function __irecctl_models\n\tprintf '%s\\t%s\\n'",
	      f);
	complete_models(fish_model, f);
	fputs("\nend\n\ncomplete -c irecctl -f\n", f);
	fish_globals(f);
	for (const struct command *const *c = command_table; *c; c++)
		if (visible(*c))
			fish_command(f, *c);
}

/* --- the command ------------------------------------------------------------------ */

static const struct {
	const char *shell;
	void (*write)(FILE *f);
} shells[] = {
        {"bash", write_bash},
        {"zsh", write_zsh},
        {"fish", write_fish},
};

static const struct cmd_option options[] = {
        {NULL, 0, NULL, NULL},
};

static int run(struct ctx *ctx, const struct cmd_args *args)
{
	(void)ctx;
	for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (!strcmp(args->argv[0], shells[i].shell)) {
			shells[i].write(stdout);
			return fflush(stdout) == 0 ? IREC_OK : IREC_EFAIL;
		}
	log_error("completions: unknown shell '%s': expected bash, zsh or fish", args->argv[0]);
	return IREC_EUSAGE;
}

const struct command cmd_completions = {
        .name = "completions",
        .summary = "print the shell completion script (bash, zsh, fish)",
        .synopsis = "bash|zsh|fish",
        .description = "Prints the completion script for the shell, made from the command "
                       "table. Installed builds already ship them; this is for other setups.",
        .options = options,
        .min_args = 1,
        .max_args = 1,
        .run = run,
        .no_usbmuxd = true,
        .hidden = true,
};
