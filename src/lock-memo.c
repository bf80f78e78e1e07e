/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What irecctl learned about a device that the device will not say again:
 * before the A12 a UDID is 40 hex digits with no ECID in it, and in
 * recovery and DFU the device shows no UDID at all. So when a command
 * acts on such a device in normal mode, lockdownd's ECID for that UDID is
 * written down, and a later command given the same UDID can follow the
 * device into recovery (enter -d UDID, then exit -d UDID).
 *
 * Kept per user, in <lock dir>/udid-<uid>/<udid>: the lock directory is
 * shared by every user, so the subdirectory must be ours, mode 0700, and
 * nothing in it is followed through a symbolic link; another user cannot
 * plant a mapping that would send our command to a different device.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "irecctl/lock.h"

/* A 40-hex-digit UDID, lower-cased into name (the file's name). */
static bool old_udid(const char *udid, char name[41])
{
	if (strlen(udid) != 40)
		return false;
	for (size_t i = 0; i < 40; i++) {
		char c = udid[i] >= 'A' && udid[i] <= 'F' ? (char)(udid[i] - 'A' + 'a') : udid[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
		name[i] = c;
	}
	name[40] = '\0';
	return true;
}

/* Our own subdirectory of the lock directory, or -1. */
static int memo_dir(bool create)
{
	char name[32];
	struct stat st;
	int dir = open(lock_dir(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd;

	if (dir < 0)
		return -1;
	snprintf(name, sizeof(name), "udid-%u", (unsigned)geteuid());
	if (create && mkdirat(dir, name, 0700) < 0 && errno != EEXIST) {
		close(dir);
		return -1;
	}
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	close(dir);
	if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void lock_remember_udid(const char *udid, uint64_t ecid)
{
	char buf[32], name[41];
	int dir, fd, n;

	if (!ecid || !old_udid(udid, name) || (dir = memo_dir(true)) < 0)
		return;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dir);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "0x%016" PRIx64 "\n", ecid);
	if (write(fd, buf, (size_t)n) != n) {
		/* a memory only: a later command can still be given the ECID */
	}
	close(fd);
}

bool lock_recall_udid(const char *udid, uint64_t *ecid)
{
	char buf[32], name[41];
	struct stat st;
	int dir, fd;
	ssize_t n;

	if (!old_udid(udid, name) || (dir = memo_dir(false)) < 0)
		return false;
	fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	close(dir);
	if (fd < 0)
		return false;
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 16);
	if (errno || !v || !end || (*end && *end != '\n'))
		return false;
	*ecid = v;
	return true;
}

void lock_recall_devid(struct devid *id)
{
	if (id->kind == DEVID_UDID && !id->has_ecid)
		id->has_ecid = lock_recall_udid(id->udid, &id->ecid);
}
