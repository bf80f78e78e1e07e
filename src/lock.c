/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-device locks: flock() on one file per ECID in a directory every user
 * of the host shares. The directory is world-writable, so everything is
 * opened relative to a verified directory fd, never following a symlink,
 * and only a plain regular file is ever locked or written.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "irecctl/devid.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "lock-held.h"
#include "irecctl/sanitize.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

/* After the deadline the timer repeats this often, until the waiter sees it. */
#define LATE_TICK_NS (10 * 1000000L)

const char *lock_dir(void)
{
	const char *dir = getenv("IRECCTL_LOCK_DIR");

	return dir && *dir ? dir : LOCK_DEFAULT_DIR;
}

static int fail(int status, char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int fail(int status, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return status;
}

/* Exit code 10 means the USB device: a lock directory problem is a plain failure. */
static int errno_status(int e)
{
	(void)e;
	return IREC_EFAIL;
}

/* --- the directory -------------------------------------------------------- */

/*
 * Whoever may remove or rename files in the directory could unlink a held
 * lock file and let a second process lock a new one. So: owned by root or
 * by us (the owner of a sticky directory may still delete anything in
 * it), and if others may write to it, sticky (like /tmp).
 */
static int check_dir(int fd, const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fail(IREC_EFAIL, err, errlen, "cannot inspect lock directory %s: %s", dir,
		            strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(IREC_EUSAGE, err, errlen, "IRECCTL_LOCK_DIR %s is not a directory",
		            dir);
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return fail(IREC_EFAIL, err, errlen,
		            "refusing lock directory %s: it belongs to another user (uid %u); "
		            "have root create it: sudo install -d -m 1777 %s",
		            dir, (unsigned)st.st_uid, dir);
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
		return fail(IREC_EFAIL, err, errlen,
		            "refusing lock directory %s: others may write to it and it is not "
		            "sticky",
		            dir);
	return IREC_OK;
}

static int open_dir(bool create, int *dir_fd, char *err, size_t errlen)
{
	const char *dir = lock_dir();
	bool created;
	int fd;

	/* Relative, it would name another directory in every working directory:
	 * two jobs would not see each other's locks. */
	if (dir[0] != '/')
		return fail(IREC_EUSAGE, err, errlen,
		            "IRECCTL_LOCK_DIR must be an absolute path, not '%s'", dir);
	created = create && mkdir(dir, 01777) == 0;

	if (create && !created && errno != EEXIST)
		return fail(errno == ENOTDIR ? IREC_EUSAGE : errno_status(errno), err, errlen,
		            "cannot create lock directory %s: %s (set IRECCTL_LOCK_DIR)", dir,
		            strerror(errno));
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;
		/* Something else by that name is the configuration's mistake. */
		if (errno == ENOTDIR && lstat(dir, &st) == 0 && !S_ISLNK(st.st_mode))
			return fail(IREC_EUSAGE, err, errlen,
			            "IRECCTL_LOCK_DIR %s is not a directory", dir);
		if (errno == ELOOP || errno == ENOTDIR)
			return fail(IREC_EFAIL, err, errlen,
			            "refusing lock directory %s: it is a symbolic link or not a "
			            "directory",
			            dir);
		return fail(errno_status(errno), err, errlen, "cannot open lock directory %s: %s",
		            dir, strerror(errno));
	}
	/* mkdir() applied our umask; a directory for every user must be 01777. */
	if (created && fchmod(fd, 01777) < 0) {
		close(fd);
		return fail(errno_status(errno), err, errlen, "cannot set the mode of %s: %s", dir,
		            strerror(errno));
	}
	int r = check_dir(fd, dir, err, errlen);
	if (r != IREC_OK) {
		close(fd);
		return r;
	}
	*dir_fd = fd;
	return IREC_OK;
}

/* --- the file ----------------------------------------------------------------- */

static void file_name(uint64_t ecid, char name[32])
{
	snprintf(name, 32, "%016" PRIx64 ".lock", ecid);
}

/*
 * Open without O_CREAT first: with fs.protected_regular, O_CREAT on another
 * user's file in a sticky directory is refused even when its mode allows
 * the open. A file we may not write (another user's, older mode) is still
 * good for flock() read-only.
 */
static int open_file_at(int dir_fd, const char *name, bool create)
{
	const int base = O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	if (!create)
		return openat(dir_fd, name, O_RDONLY | base);
	for (int attempt = 0; attempt < 3; attempt++) {
		int fd = openat(dir_fd, name, O_RDWR | base);
		if (fd < 0 && errno == EACCES)
			fd = openat(dir_fd, name, O_RDONLY | base);
		if (fd >= 0 || errno != ENOENT)
			return fd;
		fd = openat(dir_fd, name, O_RDWR | O_CREAT | O_EXCL | base, 0666);
		if (fd >= 0) {
			/* Other users must be able to lock it too, whatever our umask. */
			fchmod(fd, 0666);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
		/* created by someone else meanwhile: open theirs */
	}
	return -1;
}

bool lock_entry_blocks(const struct stat *st, bool readable, const char **why)
{
	if (S_ISLNK(st->st_mode))
		*why = "a symbolic link";
	else if (!S_ISREG(st->st_mode))
		*why = "not a regular file";
	else if (st->st_nlink != 1)
		*why = "not a plain regular file: a hard link";
	else if (!readable)
		*why = "another user's file this user may not open";
	else
		return false;
	return true;
}

/*
 * Nobody but its owner (or root) can remove a file in a sticky directory,
 * and irecctl never locks one it refuses: the device stays blocked until
 * then, so it is busy (exit 6, what a lab script retries or reports), and
 * the message says how to clear it.
 */
static int refuse(const char *path, const char *why, char *err, size_t errlen)
{
	return fail(IREC_EBUSY, err, errlen,
	            "refusing lock file %s (%s): the device stays blocked until it is removed: "
	            "sudo rm %s",
	            path, why, path);
}

static int open_file(uint64_t ecid, bool create, int *out, char *err, size_t errlen)
{
	char name[32], path[4096];
	struct stat st;
	int dir_fd = -1, fd, r;

	r = open_dir(create, &dir_fd, err, errlen);
	if (r != IREC_OK)
		return r;
	file_name(ecid, name);
	snprintf(path, sizeof(path), "%s/%s", lock_dir(), name);
	fd = open_file_at(dir_fd, name, create);
	close(dir_fd);
	if (fd < 0) {
		if (errno == ELOOP)
			return refuse(path, "a symbolic link", err, errlen);
		if (errno == EACCES)
			return refuse(path, "another user's file this user may not open", err,
			              errlen);
		return fail(errno_status(errno), err, errlen, "cannot open lock file %s: %s", path,
		            strerror(errno));
	}
	/* A FIFO, device or hard link to someone's file is never ours to lock. */
	const char *why = "not a plain regular file";
	if (fstat(fd, &st) < 0 || lock_entry_blocks(&st, true, &why)) {
		close(fd);
		return refuse(path, why, err, errlen);
	}
	*out = fd;
	return IREC_OK;
}

/* A pid as the file says it: decimal, 1 to INT_MAX, else unknown (0). */
static pid_t parse_pid(const char *s)
{
	char *end = NULL;
	long v;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0 || v > INT_MAX)
		return 0;
	return (pid_t)v;
}

/* --- who holds it ---------------------------------------------------------------- */

/* The kernel's own record of flock() holders: right even if the file's
 * contents are stale or could not be written. */
static pid_t proc_locks_holder(int fd)
{
	struct stat st;
	char line[256];
	pid_t holder = 0;
	FILE *f;

	if (fstat(fd, &st) < 0 || !(f = fopen("/proc/locks", "re")))
		return 0;
	while (!holder && fgets(line, sizeof(line), f)) {
		char type[16];
		int pid;
		unsigned maj, min;
		unsigned long long ino;

		/* "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; waiters have "->" */
		if (sscanf(line, "%*d: %15s %*s %*s %d %x:%x:%llu", type, &pid, &maj, &min, &ino) !=
		    5)
			continue;
		if (!strcmp(type, "FLOCK") && ino == (unsigned long long)st.st_ino &&
		    maj == major(st.st_dev) && min == minor(st.st_dev))
			holder = pid;
	}
	fclose(f);
	return holder;
}

void lock_parse_contents(const char *buf, size_t n, pid_t *pid, char *job, size_t joblen)
{
	char text[LOCK_READ_MAX + 1], *line, *save = NULL;

	if (n > LOCK_READ_MAX)
		n = LOCK_READ_MAX;
	memcpy(text, buf, n);
	text[n] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "pid=", 4) && pid && !*pid)
			*pid = parse_pid(line + 4);
		else if (!strncmp(line, "job=", 4) && job && joblen)
			sanitize_text(job, joblen, line + 4); /* any local user may write it */
	}
}

static void read_contents(int fd, pid_t *pid, char *job, size_t joblen)
{
	char buf[LOCK_READ_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	if (n > 0)
		lock_parse_contents(buf, (size_t)n, pid, job, joblen);
}

static void describe_holder(int fd, uint64_t ecid, char *err, size_t errlen)
{
	char job[LOCK_JOB_MAX] = "", id[19];
	pid_t pid = proc_locks_holder(fd);

	read_contents(fd, pid ? NULL : &pid, job, sizeof(job));
	devid_format_ecid(ecid, id);
	if (pid > 0)
		snprintf(err, errlen, "device %s is in use by another irecctl (pid %ld%s%s)", id,
		         (long)pid, job[0] ? ", job " : "", job);
	else
		snprintf(err, errlen, "device %s is in use by another irecctl (pid unknown)", id);
}

/* For diagnostics only; a job name is one printable line. */
static void write_contents(int fd, uint64_t ecid)
{
	const char *job = getenv("IRECCTL_JOB");
	char buf[256], clean[LOCK_JOB_MAX], id[19];
	int n;

	sanitize_text(clean, sizeof(clean), job);
	devid_format_ecid(ecid, id);
	n = snprintf(buf, sizeof(buf), "pid=%ld\necid=%s\n%s%s%s", (long)getpid(), id,
	             clean[0] ? "job=" : "", clean, clean[0] ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	/* Read-only (another user's file): /proc/locks still names us. */
	if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) != n) {
		/* diagnostics only */
	}
}

/* --- waiting ---------------------------------------------------------------------- */

static void on_timer(int signo)
{
	(void)signo;
}

static struct timespec ts_from_s(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	if (ts.tv_sec == 0 && ts.tv_nsec == 0)
		ts.tv_nsec = 1; /* zero would disarm the timer */
	return ts;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The timer signal's handler is the process's: several threads may wait
 * at once (--all), and one restoring the old disposition (SIG_DFL, which
 * kills) while another's timer still fires would end the process. The
 * first waiter installs it, the last one restores it.
 */
static pthread_mutex_t timer_handler_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned timer_handler_users;
static struct sigaction timer_handler_saved;

static void timer_handler_hold(int sig, const struct sigaction *sa)
{
	pthread_mutex_lock(&timer_handler_lock);
	if (timer_handler_users++ == 0)
		sigaction(sig, sa, &timer_handler_saved);
	pthread_mutex_unlock(&timer_handler_lock);
}

static void timer_handler_drop(int sig)
{
	pthread_mutex_lock(&timer_handler_lock);
	if (--timer_handler_users == 0)
		sigaction(sig, &timer_handler_saved, NULL);
	pthread_mutex_unlock(&timer_handler_lock);
}

/*
 * Blocking flock(), interrupted by a timer signal aimed at this thread: no
 * polling while we wait. The signal may land just before flock() blocks,
 * where nothing can catch it; so once the deadline has passed the timer
 * repeats every 10 ms until the loop notices. Returns 0, -ETIMEDOUT or
 * -errno.
 */
static int flock_wait(int fd, double timeout_s)
{
	const int sig = SIGRTMIN;
	struct sigaction sa;
	struct sigevent sev;
	struct itimerspec its;
	sigset_t unblock, old_mask;
	timer_t timer;
	double deadline = now_s() + timeout_s;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_timer; /* no SA_RESTART: flock() must return EINTR */
	sigemptyset(&sa.sa_mask);
	timer_handler_hold(sig, &sa);
	sigemptyset(&unblock);
	sigaddset(&unblock, sig);
	pthread_sigmask(SIG_UNBLOCK, &unblock, &old_mask);

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) < 0) {
		r = -errno;
		goto out;
	}
	its.it_value = ts_from_s(timeout_s);
	its.it_interval = (struct timespec){0, LATE_TICK_NS};
	timer_settime(timer, 0, &its, NULL);
	for (;;) {
		if (flock(fd, LOCK_EX) == 0) {
			r = 0;
			break;
		}
		if (errno != EINTR) {
			r = -errno;
			break;
		}
		if (now_s() >= deadline) {
			/* One last try: released in the same instant counts. */
			r = flock(fd, LOCK_EX | LOCK_NB) == 0 ? 0 : -ETIMEDOUT;
			break;
		}
	}
	timer_delete(timer);
	/* Nothing of ours may stay pending once the old disposition is back. */
	struct timespec zero = {0, 0};
	pthread_sigmask(SIG_BLOCK, &unblock, NULL);
	while (sigtimedwait(&unblock, NULL, &zero) > 0)
		;
out:
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	timer_handler_drop(sig);
	return r;
}

/* --- the API ------------------------------------------------------------------------- */

/*
 * A lock on a file that is no longer at its name protects nothing: the
 * next process would create and lock a new file there. After flock(),
 * the name must still lead to the very file we hold.
 */
static bool still_linked(uint64_t ecid, int fd)
{
	char name[32];
	struct stat held, named;
	int dir_fd = open(lock_dir(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	bool same;

	if (dir_fd < 0)
		return false;
	file_name(ecid, name);
	same = fstat(fd, &held) == 0 && fstatat(dir_fd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
	       held.st_dev == named.st_dev && held.st_ino == named.st_ino && named.st_nlink == 1;
	close(dir_fd);
	return same;
}

static int acquire_once(uint64_t ecid, double timeout_s, struct dev_lock *lock, char *err,
                        size_t errlen);

int lock_acquire(uint64_t ecid, double timeout_s, struct dev_lock *lock, char *err, size_t errlen)
{
	int r = IREC_EFAIL;

	for (int attempt = 0; attempt < 3; attempt++) {
		r = acquire_once(ecid, timeout_s, lock, err, errlen);
		if (r != IREC_OK)
			return r;
		if (still_linked(ecid, lock->fd)) {
			lock_held_add(ecid, lock->fd);
			return r;
		}
		/* Unlinked or replaced while we waited: lock what is there now. */
		close(lock->fd);
		lock->fd = -1;
	}
	snprintf(err, errlen, "the lock file %s/%016" PRIx64 ".lock keeps being replaced",
	         lock_dir(), ecid);
	return IREC_EFAIL;
}

/*
 * Held, but only shared: irecctl processes that are looking at the device
 * (lock_acquire_shared), each for one short question. Can we share it
 * too? Then nobody holds it exclusively.
 */
static bool only_shared_holders(uint64_t ecid)
{
	char err[256];
	int fd;
	bool shared;

	if (open_file(ecid, false, &fd, err, sizeof(err)) != IREC_OK)
		return false;
	shared = flock(fd, LOCK_SH | LOCK_NB) == 0;
	close(fd);
	return shared;
}

static int acquire_once(uint64_t ecid, double timeout_s, struct dev_lock *lock, char *err,
                        size_t errlen)
{
	int fd, r;

	lock->fd = -1;
	lock->ecid = ecid;
	r = open_file(ecid, true, &fd, err, errlen);
	if (r != IREC_OK)
		return r;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		r = 0;
	else if (errno != EWOULDBLOCK)
		r = -errno;
	else if (timeout_s > 0)
		r = flock_wait(fd, timeout_s);
	else if (only_shared_holders(ecid))
		r = flock_wait(fd, LOCK_PROBE_WAIT_S);
	else
		r = -ETIMEDOUT;
	if (r == -ETIMEDOUT || r == -EWOULDBLOCK) {
		describe_holder(fd, ecid, err, errlen);
		close(fd);
		return IREC_EBUSY;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot lock %s/%016" PRIx64 ".lock: %s", lock_dir(), ecid,
		         strerror(-r));
		close(fd);
		return IREC_EFAIL;
	}
	write_contents(fd, ecid);
	lock->fd = fd;
	return IREC_OK;
}

int lock_acquire_shared(uint64_t ecid, struct dev_lock *lock, char *err, size_t errlen)
{
	int fd, r;

	lock->fd = -1;
	lock->ecid = ecid;
	/* Our own command drives it: the probe is part of its work, under its
	 * lock (nothing to release). */
	if (lock_held_here(ecid))
		return IREC_OK;
	r = open_file(ecid, true, &fd, err, errlen);
	if (r == IREC_EBUSY) /* a planted file: no irecctl holds it */
		return IREC_EFAIL;
	if (r != IREC_OK)
		return r;
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		r = errno == EWOULDBLOCK ? IREC_EBUSY : IREC_EFAIL;
		if (r == IREC_EBUSY)
			describe_holder(fd, ecid, err, errlen);
		else
			snprintf(err, errlen, "cannot lock %s/%016" PRIx64 ".lock: %s", lock_dir(),
			         ecid, strerror(errno));
		close(fd);
		return r;
	}
	/* No contents written: a looker is not a holder worth naming. */
	lock->fd = fd;
	return IREC_OK;
}

void lock_release(struct dev_lock *lock)
{
	if (lock->fd >= 0) {
		/* The contents stay: "last held by" is still worth knowing. */
		lock_held_remove(lock->fd);
		close(lock->fd);
		lock->fd = -1;
	}
}

int lock_holder(uint64_t ecid, pid_t *pid, char *job, size_t joblen)
{
	char err[256];
	int fd;

	*pid = 0;
	if (job && joblen)
		job[0] = '\0';
	if (open_file(ecid, false, &fd, err, sizeof(err)) != IREC_OK)
		return -1;
	pid_t holder = proc_locks_holder(fd);
	read_contents(fd, pid, job, joblen);
	if (holder)
		*pid = holder;
	close(fd);
	return holder ? 1 : 0;
}
