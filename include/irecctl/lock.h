/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-device exclusive locks, so two irecctl processes (two CI jobs, two
 * users) never drive the same device at once. Keyed by ECID, the one
 * identity that survives mode changes.
 *
 * A lock is flock(LOCK_EX) on <dir>/<ecid as 16 hex digits>.lock, where
 * dir is $IRECCTL_LOCK_DIR or /run/lock/irecctl, shared by every user of
 * the host (created 01777, like /tmp). The kernel drops the lock when the
 * holder exits, however it exits; the file's contents (pid=, job=) only
 * explain who holds it.
 */
#ifndef IRECCTL_LOCK_H
#define IRECCTL_LOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "irecctl/devid.h"

#define LOCK_DEFAULT_DIR "/run/lock/irecctl"
#define LOCK_JOB_MAX     128
#define LOCK_READ_MAX    512 /* bytes of a lock file ever read */

struct dev_lock {
	int fd; /* -1: not held */
	uint64_t ecid;
};

/*
 * Take the lock of the device with this ECID. timeout_s 0: fail at once if
 * another process holds it; otherwise wait up to timeout_s (event-driven:
 * a blocking flock() that a timer interrupts). Returns an irec_status:
 * IREC_OK; IREC_EBUSY (err names the holder's pid); IREC_EPERM or
 * IREC_EFAIL (unsafe or unusable lock directory or file; err says why).
 */
int lock_acquire(uint64_t ecid, double timeout_s, struct dev_lock *lock, char *err, size_t errlen);

/*
 * Looking, not acting: the same lock taken shared and without waiting,
 * for the one moment a probe asks a device something (usb-scan.c).
 * IREC_OK; IREC_EBUSY if an irecctl holds it exclusively (err names it);
 * IREC_EFAIL/IREC_EPERM for an unusable lock directory. Many lookers may
 * hold it at once; an exclusive lock_acquire() that finds only lookers
 * waits for them (at most LOCK_PROBE_WAIT_S) instead of failing, so
 * looking never makes acting fail.
 */
int lock_acquire_shared(uint64_t ecid, struct dev_lock *lock, char *err, size_t errlen);

/* How long an exclusive lock waits for shared holders: a probe holds it
 * for two control transfers of at most 1 s each. */
#define LOCK_PROBE_WAIT_S 5.0

/* Release (closing the file); a lock not held is fine. */
void lock_release(struct dev_lock *lock);

/*
 * A device older than the A12 has a 40-hex-digit UDID without its ECID
 * and shows no UDID at all in recovery: remember the ECID lockdownd gave
 * for that UDID (this user only, lock-memo.c), so that a later command
 * naming the UDID can follow the device into recovery. Best effort.
 */
void lock_remember_udid(const char *udid, uint64_t ecid);
/* The ECID remembered for an old-form UDID; false if none. */
bool lock_recall_udid(const char *udid, uint64_t *ecid);
/* -d with an old-form UDID: add the ECID remembered for it, so every
 * command finds the device in recovery the same way. */
void lock_recall_devid(struct devid *id);

/* The directory in use ($IRECCTL_LOCK_DIR or the default). */
const char *lock_dir(void);

/*
 * Who holds (or last held) the lock of this ECID, from the file: pid 0 if
 * unknown. Returns 1 if the lock is held right now, 0 if free, -1 if there
 * is no lock file or it cannot be read.
 */
int lock_holder(uint64_t ecid, pid_t *pid, char *job, size_t joblen);

/*
 * Parse a lock file's contents (n bytes, not NUL-terminated; anyone may
 * have written them): pid= into *pid if it is still 0 (0 unless a valid
 * pid), job= into job, sanitised (sanitize_text()). Either may be NULL.
 */
void lock_parse_contents(const char *buf, size_t n, pid_t *pid, char *job, size_t joblen);

/*
 * Is this entry of the lock directory one irecctl refuses, so that it
 * blocks its device until someone removes it? st from fstatat() without
 * following links; readable: whether this user could open it. why gets a
 * few words ("a symbolic link").
 */
bool lock_entry_blocks(const struct stat *st, bool readable, const char **why);

#endif
