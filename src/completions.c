/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the shell completions offer, derived from the command table so they
 * cannot drift from the parser: an option's argument placeholder ("MODE",
 * "ID", ...) or a command's operand placeholder in its synopsis says what
 * kind of value goes there. cmd-completions.c writes it out per shell.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "irecctl/completions.h"
#include "irecctl/device.h"
#include "irecctl/model.h"

static const struct {
	const char *placeholder;
	enum complete_kind kind;
	const char *extra; /* words besides the mode names */
} placeholders[] = {
        {"MODE", COMPLETE_MODES, "gone any"}, {"MODES", COMPLETE_MODES, "any"},
        {"ID", COMPLETE_DEVICES, NULL},       {"ECID", COMPLETE_DEVICES, NULL},
        {"MODEL", COMPLETE_MODELS, NULL},     {"IPSW", COMPLETE_FILES, NULL},
        {"FILE", COMPLETE_FILES, NULL},       {"CMD", COMPLETE_COMMANDS, NULL},
        {"SECONDS", COMPLETE_NOTHING, NULL},
};

enum complete_kind complete_kind_of(const char *placeholder, const char **extra)
{
	*extra = NULL;
	for (size_t i = 0; placeholder && i < sizeof(placeholders) / sizeof(placeholders[0]); i++)
		if (!strcmp(placeholders[i].placeholder, placeholder)) {
			*extra = placeholders[i].extra;
			return placeholders[i].kind;
		}
	return COMPLETE_NOTHING;
}

void complete_mode_words(FILE *f, const char *extra)
{
	const char *sep = "";

	for (int m = MODE_UNKNOWN + 1; m < MODE_COUNT; m++) {
		fprintf(f, "%s%s", sep, mode_name((enum dev_mode)m));
		sep = " ";
	}
	if (extra)
		fprintf(f, " %s", extra);
}

/* First row of each product type (two-chip products have two rows). */
static bool first_of_product(size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcasecmp(model_at(j)->product_type, model_at(i)->product_type))
			return false;
	return true;
}

void complete_models(void (*out)(const char *word, const char *description, void *data), void *data)
{
	for (size_t i = 0; i < model_count(); i++)
		if (first_of_product(i))
			out(model_at(i)->product_type, model_at(i)->name, data);
	for (size_t i = 0; i < model_count(); i++)
		out(model_at(i)->board_config, model_at(i)->name, data);
}

static bool is_placeholder(const char *w, size_t len)
{
	bool upper = false;

	for (size_t i = 0; i < len; i++) {
		if (isupper((unsigned char)w[i]))
			upper = true;
		else if (w[i] != '_')
			return false;
	}
	return upper;
}

/* Does the option named by the synopsis word w (with its dashes) take an argument? */
static bool option_takes_arg(const struct command *cmd, const char *w, size_t len)
{
	for (int pass = 0; pass < 2; pass++) {
		const struct cmd_option *o = pass ? global_options : cmd->options;
		for (; o && o->name; o++) {
			bool is_long =
			        len == strlen(o->name) + 2 && !strncmp(w + 2, o->name, len - 2);
			bool is_short = len == 2 && o->short_name && w[1] == o->short_name;
			if (w[0] == '-' && (is_long || is_short))
				return o->arg != NULL;
		}
	}
	return false;
}

enum complete_kind complete_operand_kind(const struct command *cmd, const char **extra)
{
	const char *p = cmd->synopsis;
	bool after_arg_option = false;
	char word[32];

	*extra = NULL;
	while (p && *p) {
		p += strspn(p, " []()|.");
		size_t len = strcspn(p, " []()|.");
		if (!len)
			break;
		if (is_placeholder(p, len) && !after_arg_option && len < sizeof(word)) {
			snprintf(word, sizeof(word), "%.*s", (int)len, p);
			return complete_kind_of(word, extra);
		}
		after_arg_option = p[0] == '-' && option_takes_arg(cmd, p, len);
		p += len;
	}
	return COMPLETE_NOTHING;
}
