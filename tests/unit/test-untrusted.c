/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Untrusted text: the one sanitiser (src/sanitize.c), what a lock file's
 * contents may do to a message, and lock files that block a device.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "irecctl/device.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/sanitize.h"
#include "lock-fixture.h"

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return true;
	return false;
}

static void test_text_keeps_printable_ascii(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(sanitize_text(out, sizeof(out), "iPhone10,3 d22ap"),
	                    "iPhone10,3 d22ap");
	assert_string_equal(sanitize_text(out, sizeof(out), "a\033[2Jb\r\nc\td\x7f"),
	                    "a?[2Jb??c?d?");
	/* Non-ASCII is not guessed at on a terminal: one '?' per byte. */
	assert_string_equal(sanitize_text(out, sizeof(out), "Zo\xc3\xab"), "Zo??");
	assert_string_equal(sanitize_text(out, sizeof(out), NULL), "");
	assert_string_equal(sanitize_text(out, 4, "abcdef"), "abc");
	assert_true(sanitize_is_clean("ok text"));
	assert_false(sanitize_is_clean("bell\a"));
}

static void test_utf8_keeps_text_drops_controls(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(sanitize_utf8(out, sizeof(out), "Zo\xc3\xab's iPad"),
	                    "Zo\xc3\xab's iPad");
	assert_string_equal(sanitize_utf8(out, sizeof(out), "a\033]0;x\007b"), "a?]0;x?b");
	/* C1 CSI (U+009B) as UTF-8, a bidi override (U+202E), bad and overlong bytes. */
	assert_string_equal(sanitize_utf8(out, sizeof(out),
	                                  "\xc2\x9b"
	                                  "1m"),
	                    "?1m");
	assert_string_equal(sanitize_utf8(out, sizeof(out), "x\xe2\x80\xaey"), "x?y");
	assert_string_equal(sanitize_utf8(out, sizeof(out), "\xff\xc0\xaf"), "???");
	assert_string_equal(sanitize_utf8(out, sizeof(out), "\xed\xa0\x80"), "???"); /* surrogate */
	/* Never cut inside a sequence. */
	assert_string_equal(sanitize_utf8(out, 4, "ab\xc3\xab"), "ab");
}

static void test_json_device_strings(void **state)
{
	struct device d;
	json_t *o;
	char *s;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	snprintf(d.udid, sizeof(d.udid), "\033[31mUDID");
	snprintf(d.device_name, sizeof(d.device_name), "Zo\xc3\xab\xff");
	snprintf(d.error, sizeof(d.error), "bad\nline");
	o = device_to_json(&d);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "udid")), "?[31mUDID");
	assert_string_equal(json_string_value(json_object_get(o, "device_name")), "Zo\xc3\xab?");
	assert_string_equal(json_string_value(json_object_get(o, "error")), "bad?line");
	s = json_dumps(o, JSON_COMPACT);
	assert_non_null(s);
	assert_null(strstr(s, "\\u001b"));
	free(s);
	json_decref(o);
}

static void test_table_device_strings(void **state)
{
	struct device d;
	struct device_list l = {.v = &d, .n = 1};
	char buf[2048] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.mode = MODE_NORMAL;
	snprintf(d.udid, sizeof(d.udid), "\033]52;c;evil\007");
	snprintf(d.product_type, sizeof(d.product_type), "iPhone\r99,9");
	snprintf(d.os_version, sizeof(d.os_version), "17\0335");
	snprintf(d.usb_location, sizeof(d.usb_location), "1-\0332");
	output_device_table(f, &l, false);
	fclose(f);
	assert_null(strchr(buf, '\033'));
	assert_null(strchr(buf, '\r'));
	assert_null(strchr(buf, '\a'));
	assert_non_null(strstr(buf, "iPhone?99,9"));
}

/* Every message is sanitised whole: a UDID logged at -v included. */
static void test_log_lines_sanitised(void **state)
{
	char buf[512] = "";
	FILE *f = tmpfile();
	int saved = dup(2);

	(void)state;
	assert_non_null(f);
	assert_true(dup2(fileno(f), 2) >= 0);
	log_set_level(LOG_VERBOSE);
	log_info("%s: EnterRecovery needs a session", "\033]0;x\007UDID\r\n");
	log_set_level(LOG_NORMAL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	assert_true(fread(buf, 1, sizeof(buf) - 1, f) > 0);
	fclose(f);
	assert_string_equal(buf, "irecctl: ?]0;x?UDID??: EnterRecovery needs a session\n");
}

static void test_parse_contents(void **state)
{
	const char text[] = "pid=1234\necid=0x1\njob=\033[2J\033]0;pwned\007ci\n";
	char job[LOCK_JOB_MAX];
	pid_t pid = 0;

	(void)state;
	lock_parse_contents(text, sizeof(text) - 1, &pid, job, sizeof(job));
	assert_int_equal(pid, 1234);
	assert_string_equal(job, "?[2J?]0;pwned?ci");
	pid = 0;
	lock_parse_contents("pid=-5\n", 7, &pid, NULL, 0);
	assert_int_equal(pid, 0);
	lock_parse_contents("pid=99999999999999999999\n", 25, &pid, NULL, 0);
	assert_int_equal(pid, 0);
	lock_parse_contents("pid=12abc\n", 10, &pid, NULL, 0);
	assert_int_equal(pid, 0);
	/* Not NUL-terminated, and longer than is ever read. */
	char big[2 * LOCK_READ_MAX];
	memset(big, 'x', sizeof(big));
	memcpy(big, "job=", 4);
	lock_parse_contents(big, sizeof(big), NULL, job, sizeof(job));
	assert_int_equal(strlen(job), LOCK_JOB_MAX - 1);
}

/* A shared lock directory that already exists, as on a machine in use. */
static int setup(void **state)
{
	return lock_fixture_setup(state, "untrusted", true);
}

static int teardown(void **state)
{
	return lock_fixture_teardown(state);
}

/* Another local user holds the lock and wrote escape sequences into job=. */
static void test_busy_message_sanitised(void **state)
{
	struct fixture *f = *state;
	const char evil[] = "pid=1\njob=\033[2J\033]0;owned\007\n";
	struct dev_lock l;
	char err[256] = "";
	int fd = open(f->path, O_RDWR | O_CREAT | O_EXCL, 0666);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, evil, sizeof(evil) - 1), (ssize_t)(sizeof(evil) - 1));
	assert_int_equal(flock(fd, LOCK_EX), 0); /* held by this open file */
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_non_null(strstr(err, "in use"));
	assert_false(has_control(err));
	close(fd);
}

static void test_fifo_says_how_to_clear(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[512] = "", want[256];

	assert_int_equal(mkfifo(f->path, 0666), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	snprintf(want, sizeof(want), "blocked until it is removed: sudo rm %s", f->path);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "not a regular file"));
}

static void test_symlink_says_how_to_clear(void **state)
{
	struct fixture *f = *state;
	struct dev_lock l;
	char err[512] = "";

	assert_int_equal(symlink("/etc/passwd", f->path), 0);
	assert_int_equal(lock_acquire(ECID_A, 0, &l, err, sizeof(err)), IREC_EBUSY);
	assert_non_null(strstr(err, "symbolic link"));
	assert_non_null(strstr(err, "sudo rm"));
}

/* Root only: a 0600 file of root's blocks the device for everyone else. */
static void test_foreign_private_file(void **state)
{
	struct fixture *f = *state;
	int status, fd;
	pid_t pid;

	if (geteuid() != 0) {
		skip();
		return;
	}
	fd = open(f->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct dev_lock l;
		char err[512] = "";
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(5);
		int st = lock_acquire(ECID_A, 0, &l, err, sizeof(err));
		_exit(st == IREC_EBUSY && strstr(err, "another user's file") &&
		                      strstr(err, "sudo rm")
		              ? 0
		              : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_entry_blocks(void **state)
{
	struct stat st;
	const char *why = NULL;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0666;
	st.st_nlink = 1;
	assert_false(lock_entry_blocks(&st, true, &why));
	assert_true(lock_entry_blocks(&st, false, &why));
	st.st_nlink = 2;
	assert_true(lock_entry_blocks(&st, true, &why));
	assert_string_equal(why, "not a plain regular file: a hard link");
	st.st_mode = S_IFIFO | 0666;
	assert_true(lock_entry_blocks(&st, true, &why));
	st.st_mode = S_IFLNK | 0777;
	assert_true(lock_entry_blocks(&st, true, &why));
	assert_string_equal(why, "a symbolic link");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_text_keeps_printable_ascii),
	        cmocka_unit_test(test_utf8_keeps_text_drops_controls),
	        cmocka_unit_test(test_json_device_strings),
	        cmocka_unit_test(test_table_device_strings),
	        cmocka_unit_test(test_parse_contents),
	        cmocka_unit_test(test_log_lines_sanitised),
	        cmocka_unit_test(test_entry_blocks),
	        cmocka_unit_test_setup_teardown(test_busy_message_sanitised, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_fifo_says_how_to_clear, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_symlink_says_how_to_clear, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_foreign_private_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
