/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "irecctl/cli.h"
#include "irecctl/log.h"

const struct cmd_option global_options[] = {
        {"device", 'd', "ID",
         "act on the device with this UDID, ECID (0x-hex or decimal) or USB location (usb:1-2)"},
        {"all", 0, NULL, "act on every matching device, in parallel"},
        {"json", 0, NULL, "print JSON on stdout"},
        {"timeout", 0, "SECONDS", "give up waiting after this long (e.g. 90, 1.5, 2m)"},
        {"quiet", 'q', NULL, "print errors only"},
        {"verbose", 'v', NULL, "more detail on stderr; twice: also the libraries' debug output"},
        {"no-color", 0, NULL, "no colour (also when NO_COLOR is set)"},
        {"help", 'h', NULL, "show help"},
        {"version", 'V', NULL, "show versions of irecctl and its libraries"},
        {NULL, 0, NULL, NULL},
};

/*
 * Plain decimal only ("90", "1.5", ".5"): strtod() alone would also take
 * leading blanks, a sign ("-0"), hex floats ("0x1p3"), exponents and
 * "inf", and turn an underflow into 0 without a word.
 */
static bool plain_decimal(const char *s, size_t *len)
{
	size_t i = 0, digits = 0;
	bool dot = false;

	for (; s[i]; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.' && !dot)
			dot = true;
		else
			break;
	}
	*len = i;
	return digits > 0;
}

bool parse_duration(const char *s, double *seconds)
{
	char *end = NULL;
	double v, scale = 1.0;
	size_t len;

	if (!s || !plain_decimal(s, &len))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (end != s + len || errno || !isfinite(v))
		return false;
	if (!strcmp(end, "") || !strcmp(end, "s"))
		scale = 1.0;
	else if (!strcmp(end, "ms"))
		scale = 0.001;
	else if (!strcmp(end, "m"))
		scale = 60.0;
	else if (!strcmp(end, "h"))
		scale = 3600.0;
	else
		return false;
	v *= scale;
	/* A week is far beyond any mode change; larger values are typos. */
	if (v > 7 * 24 * 3600.0)
		return false;
	*seconds = v;
	return true;
}

double ctx_timeout(const struct ctx *ctx, double default_s)
{
	return ctx->have_timeout ? ctx->timeout_s : default_s;
}

int cmd_not_implemented(const char *name)
{
	log_error("'%s' is not implemented yet", name);
	return IREC_EUNIMPL;
}
