/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Diagnostics: always on stderr, prefixed "irecctl: ". stdout is for data.
 * Every message is passed through sanitize_text() as a whole, so a
 * hostile serial string or lock file cannot drive the terminal.
 */
#ifndef IRECCTL_LOG_H
#define IRECCTL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "irecctl/sanitize.h"

enum log_level {
	LOG_QUIET = -1, /* -q: errors only */
	LOG_NORMAL = 0,
	LOG_VERBOSE = 1, /* -v */
	LOG_DEBUG = 2,   /* -vv: also the libraries' own debug output */
};

void log_set_level(int level);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* not with -q */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* -v */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* -vv */

/* The older name of sanitize_text() (irecctl/sanitize.h), the one sanitiser. */
static inline void log_sanitize(char *dst, size_t dstlen, const char *src)
{
	sanitize_text(dst, dstlen, src);
}

#endif
