/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "irecctl/duration.h"

/* parse_duration() takes any number of decimals, so "%.0f" or "%.1f"
 * would print a user's 0.3 s as "0 s" or 0.05 s as "0.1 s", and "%g"
 * turns large values into exponents: whole microseconds, printed with
 * the fewest decimals that say them. */
char *seconds_text(double s, char buf[static SECONDS_TEXT_MAX])
{
	unsigned long long us;
	size_t n;

	if (!isfinite(s) || s < 0)
		s = 0;
	if (s > 1e12)
		s = 1e12;
	us = (unsigned long long)(s * 1e6 + 0.5);
	snprintf(buf, SECONDS_TEXT_MAX, "%llu.%06llu", us / 1000000, us % 1000000);
	n = strlen(buf);
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}
