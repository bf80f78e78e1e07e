/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A lock file's contents, which any local user may write (src/lock.c). */
#include "irecctl/lock.h"
#include "irecctl/sanitize.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char job[LOCK_JOB_MAX] = "";
	pid_t pid = 0;

	lock_parse_contents((const char *)data, size, &pid, job, sizeof(job));
	FUZZ_ASSERT(pid >= 0);
	FUZZ_ASSERT(strlen(job) < LOCK_JOB_MAX);
	FUZZ_ASSERT(sanitize_is_clean(job)); /* printable, whatever the file held */
	return 0;
}
