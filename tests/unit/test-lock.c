/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-device locks (src/lock.c), with real processes: a forked child holds
 * the lock, the test process contends for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "irecctl/exitcode.h"
#include "irecctl/lock.h"

#include "lock-fixture.h"

#define ECID_B 0x000a1b2c3d4e0002ULL

/* The lock directory does not exist yet: lock.c creates it. */
static int setup(void **state)
{
	return lock_fixture_setup(state, "lock", false);
}

static int teardown(void **state)
{
	return lock_fixture_teardown(state);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A child that takes the lock of ecid, says so on a pipe, then holds it
 * until told to go (or for hold_ms if >= 0) and exits without unlocking.
 */
struct holder {
	pid_t pid;
	int go; /* write end: any byte makes it exit */
};

static struct holder spawn_holder(uint64_t ecid, int hold_ms)
{
	int ready[2], go[2];
	struct holder h;
	char b;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	h.pid = fork();
	assert_true(h.pid >= 0);
	if (h.pid == 0) {
		struct dev_lock l;
		char err[256];
		close(ready[0]);
		close(go[1]);
		if (lock_acquire(ecid, 0, &l, err, sizeof(err)) != IREC_OK)
			_exit(2);
		if (write(ready[1], "L", 1) != 1)
			_exit(3);
		if (hold_ms >= 0)
			usleep((useconds_t)hold_ms * 1000);
		else if (read(go[0], &b, 1) < 0)
			_exit(4);
		_exit(0); /* no lock_release: the kernel must drop it */
	}
	close(ready[1]);
	close(go[0]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	h.go = go[1];
	return h;
}

static void finish_holder(struct holder *h)
{
	int status;

	if (write(h->go, "x", 1) < 0) {
		/* it may have exited already (hold_ms) */
	}
	close(h->go);
	assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_busy_names_holder(void **state)
{
	struct holder h;
	struct dev_lock l;
	char err[256] = "", want[64];

	(void)state;
	signal(SIGPIPE, SIG_IGN);
	h = spawn_holder(ECID_A, -1);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_int_equal(l.fd, -1);
	snprintf(want, sizeof(want), "pid %ld", (long)h.pid);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "0x000a1b2c3d4e0001"));

	pid_t pid;
	assert_int_equal(lock_holder(ECID_A, &pid, NULL, 0), 1);
	assert_int_equal(pid, h.pid);
	finish_holder(&h);
}

static void test_released_when_holder_exits(void **state)
{
	struct holder h;
	struct dev_lock l;
	char err[256] = "";
	pid_t pid;

	(void)state;
	h = spawn_holder(ECID_A, -1);
	finish_holder(&h);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_OK);
	assert_true(l.fd >= 0);
	assert_int_equal(lock_holder(ECID_A, &pid, NULL, 0), 1);
	assert_int_equal(pid, getpid());
	lock_release(&l);
	assert_int_equal(l.fd, -1);
	assert_int_equal(lock_holder(ECID_A, &pid, NULL, 0), 0);
	lock_release(&l); /* twice is fine */
}

/* A probe inside the command that holds the lock is not "another irecctl":
 * it is covered by that lock; another process's probe still is refused. */
static void test_shared_under_own_lock(void **state)
{
	struct dev_lock l, look;
	char err[256] = "";
	int status;

	(void)state;
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_OK);
	assert_int_equal(lock_acquire_shared(ECID_A, &look, err, sizeof(err)), IREC_OK);
	assert_int_equal(look.fd, -1); /* nothing taken, nothing to release */
	lock_release(&look);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(lock_acquire_shared(ECID_A, &look, err, sizeof(err)) == IREC_EBUSY ? 0 : 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	lock_release(&l);
	/* Released: a probe takes the lock shared for real again. */
	assert_int_equal(lock_acquire_shared(ECID_A, &look, err, sizeof(err)), IREC_OK);
	assert_true(look.fd >= 0);
	lock_release(&look);
}

static void test_different_ecids_independent(void **state)
{
	struct holder h;
	struct dev_lock l;
	char err[256] = "";

	(void)state;
	h = spawn_holder(ECID_A, -1);
	assert_int_equal(lock_acquire(ECID_B, 0, &l, err, sizeof(err)), IREC_OK);
	lock_release(&l);
	finish_holder(&h);
}

static void test_timeout_succeeds_when_released(void **state)
{
	struct holder h;
	struct dev_lock l;
	char err[256] = "";
	double t0, waited;

	(void)state;
	h = spawn_holder(ECID_A, 300);
	t0 = now_s();
	assert_int_equal(lock_acquire(ECID_A, 10.0, &l, err, sizeof(err)), IREC_OK);
	waited = now_s() - t0;
	/* woken by the release itself, not by a poll interval or the timeout */
	assert_true(waited > 0.15);
	assert_true(waited < 2.0);
	lock_release(&l);
	finish_holder(&h);
}

static void test_timeout_expires(void **state)
{
	struct holder h;
	struct dev_lock l;
	char err[256] = "", want[64];
	double t0, waited;

	(void)state;
	h = spawn_holder(ECID_A, -1);
	t0 = now_s();
	assert_int_equal(lock_acquire(ECID_A, 0.3, &l, err, sizeof(err)), IREC_EBUSY);
	waited = now_s() - t0;
	assert_true(waited >= 0.29);
	assert_true(waited < 1.5);
	snprintf(want, sizeof(want), "pid %ld", (long)h.pid);
	assert_non_null(strstr(err, want));
	finish_holder(&h);
}

static void test_contents_name_pid_and_job(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", path[256], buf[256] = "", want[64], job[LOCK_JOB_MAX];
	int fd;
	pid_t pid;

	setenv("IRECCTL_JOB", "ci-42\nsneaky", 1);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_OK);
	snprintf(path, sizeof(path), "%s/000a1b2c3d4e0001.lock", f->dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	snprintf(want, sizeof(want), "pid=%ld\n", (long)getpid());
	assert_non_null(strstr(buf, want));
	assert_non_null(strstr(buf, "job=ci-42?sneaky\n"));
	assert_int_equal(lock_holder(ECID_A, &pid, job, sizeof(job)), 1);
	assert_string_equal(job, "ci-42?sneaky");
	lock_release(&l);
	unsetenv("IRECCTL_JOB");
}

static void test_dir_created_shared(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", path[256];
	struct stat st;
	mode_t old = umask(077);

	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_OK);
	umask(old);
	assert_int_equal(lstat(f->dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 01777);
	snprintf(path, sizeof(path), "%s/000a1b2c3d4e0001.lock", f->dir);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	lock_release(&l);
}

static void test_symlinked_file_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", link_path[256], target[256];

	assert_int_equal(mkdir(f->dir, 01777), 0);
	snprintf(target, sizeof(target), "%s/victim", f->root);
	snprintf(link_path, sizeof(link_path), "%s/000a1b2c3d4e0001.lock", f->dir);
	assert_int_equal(symlink(target, link_path), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_non_null(strstr(err, "symbolic link"));
	assert_int_equal(access(target, F_OK), -1); /* never created through the link */
	assert_int_equal(l.fd, -1);
	/* Busy at once, also for a command that would wait for the lock: no
	 * process will release it. */
	double t0 = now_s();
	assert_int_equal(lock_acquire(ECID_A, 5.0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_true(now_s() - t0 < 2.0);
	/* A probe is not told "another irecctl": none holds it. */
	assert_int_equal(lock_acquire_shared(ECID_A, &l, err, sizeof(err)), IREC_EFAIL);
}

static void test_hardlinked_file_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", link_path[256], target[256];
	int fd;

	assert_int_equal(mkdir(f->dir, 01777), 0);
	snprintf(target, sizeof(target), "%s/victim", f->root);
	fd = open(target, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(link_path, sizeof(link_path), "%s/000a1b2c3d4e0001.lock", f->dir);
	assert_int_equal(link(target, link_path), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_non_null(strstr(err, "regular file"));
}

static void test_symlinked_dir_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", real[256];

	snprintf(real, sizeof(real), "%s/real", f->root);
	assert_int_equal(mkdir(real, 01777), 0);
	assert_int_equal(symlink(real, f->dir), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EFAIL);
	assert_non_null(strstr(err, "symbolic link"));
}

/* Others may write and it is not sticky: anyone could unlink a held lock. */
static void test_unsticky_shared_dir_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "";

	assert_int_equal(mkdir(f->dir, 0700), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EFAIL);
	assert_non_null(strstr(err, "not sticky"));
}

/* The owner of a sticky directory may still delete any file in it. */
static void test_dir_of_another_user_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "";

	if (geteuid() != 0)
		skip();
	assert_int_equal(mkdir(f->dir, 01777), 0);
	assert_int_equal(chown(f->dir, 65534, 65534), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EFAIL);
	assert_non_null(strstr(err, "belongs to another user"));
}

static void test_not_a_dir_refused(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "";
	int fd = open(f->dir, O_CREAT | O_WRONLY, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EUSAGE);
	assert_non_null(strstr(err, "not a directory"));
}

/* Root only: another user locks a file root created and left read-only. */
static void test_other_users_file(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[256] = "", path[256];
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_OK);
	lock_release(&l);
	snprintf(path, sizeof(path), "%s/000a1b2c3d4e0001.lock", f->dir);
	assert_int_equal(chmod(path, 0644), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(5);
		_exit(lock_acquire(ECID_A, 0, &l, err, sizeof(err)));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), IREC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_busy_names_holder, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_released_when_holder_exits, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_shared_under_own_lock, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_different_ecids_independent, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_timeout_succeeds_when_released, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_timeout_expires, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_contents_name_pid_and_job, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dir_created_shared, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlinked_file_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_hardlinked_file_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlinked_dir_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_not_a_dir_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsticky_shared_dir_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dir_of_another_user_refused, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_other_users_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
