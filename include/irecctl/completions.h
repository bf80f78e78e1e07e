/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shell completions from the command table (`irecctl completions SHELL`,
 * run at build time): what kind of value each option argument and operand
 * takes, read from the placeholders the help already shows.
 */
#ifndef IRECCTL_COMPLETIONS_H
#define IRECCTL_COMPLETIONS_H

#include <stdio.h>

#include "irecctl/cli.h"

enum complete_kind {
	COMPLETE_NOTHING,  /* free text (SECONDS) */
	COMPLETE_MODES,    /* mode names (comma-separated lists), plus extra words */
	COMPLETE_DEVICES,  /* ECIDs and UDIDs of attached devices (irecctl status --json) */
	COMPLETE_MODELS,   /* product types and board configs */
	COMPLETE_FILES,    /* a path */
	COMPLETE_COMMANDS, /* a program, then its arguments (watch --exec) */
};

/* The kind for an option's placeholder ("MODE"); *extra: words besides modes. */
enum complete_kind complete_kind_of(const char *placeholder, const char **extra);

/* The kind of cmd's first operand, from its synopsis: the first placeholder
 * that does not follow an option taking an argument ("MODEL" in buttons). */
enum complete_kind complete_operand_kind(const struct command *cmd, const char **extra);

/* "normal restore recovery ..." then extra, space-separated. */
void complete_mode_words(FILE *f, const char *extra);

/* Each product type (with its marketing name), then each board config. */
void complete_models(void (*out)(const char *word, const char *description, void *data),
                     void *data);

#endif
