/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include "irecctl/log.h"
#include "irecctl/sanitize.h"

static int current_level = LOG_NORMAL;
/* Per-device threads log too; one line must never interleave with another. */
static pthread_mutex_t log_mutex = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(int level)
{
	current_level = level;
}

/*
 * Messages carry text from devices, lock files and the command line: the
 * whole line is sanitised, so no caller can forget it for one argument.
 * The format attribute lets the compiler check fmt at each log_*() call and
 * tells clang's -Wformat-nonliteral that fmt is a checked format here.
 */
__attribute__((format(printf, 2, 0))) static void vlog(const char *prefix, const char *fmt,
                                                       va_list ap)
{
	char line[1024], clean[1024];

	vsnprintf(line, sizeof(line), fmt, ap);
	sanitize_text(clean, sizeof(clean), line);
	pthread_mutex_lock(&log_mutex);
	fputs("irecctl: ", stderr);
	fputs(prefix, stderr);
	fputs(clean, stderr);
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_mutex);
}

#define DEFINE_LOG(fn, prefix, min_level)                                                          \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		if (current_level < (min_level))                                                   \
			return;                                                                    \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		vlog(prefix, fmt, ap);                                                             \
		va_end(ap);                                                                        \
	}

DEFINE_LOG(log_error, "error: ", LOG_QUIET)
DEFINE_LOG(log_warn, "warning: ", LOG_NORMAL)
DEFINE_LOG(log_note, "", LOG_NORMAL)
DEFINE_LOG(log_info, "", LOG_VERBOSE)
DEFINE_LOG(log_debug, "debug: ", LOG_DEBUG)
