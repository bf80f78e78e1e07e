/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lab's private directories, and cleaning up after labs that crashed.
 *
 * A lab keeps its sockets in a short mkdtemp() dir under /tmp (sun_path is
 * 108 bytes) and records its pid there. A lab killed with SIGKILL (a test
 * timeout) cannot clean up; the next lab removes dirs whose owner is gone.
 * Dirs without a pid file are not ours (umockdev.*) or are being set up
 * right now (irecsim.* younger than a minute), and are left alone.
 */
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "lab-core.h"

#define PID_FILE      "irecsim.pid"
#define STALE_TMP     "/tmp"
#define YOUNG_SECONDS 60

static GPtrArray *owned; /* dirs to remove at exit */

static bool write_pid(const char *dir)
{
	g_autofree char *path = g_build_filename(dir, PID_FILE, NULL);
	g_autofree char *pid = g_strdup_printf("%ld\n", (long)getpid());

	return g_file_set_contents(path, pid, -1, NULL);
}

static void own(const char *dir)
{
	if (!owned)
		owned = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(owned, g_strdup(dir));
}

char *lab_dir_create(GError **error)
{
	char tmpl[] = STALE_TMP "/irecsim.XXXXXX";

	if (!mkdtemp(tmpl)) {
		int err = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "mkdtemp %s: %s",
		            tmpl, g_strerror(err));
		return NULL;
	}
	own(tmpl);
	if (!write_pid(tmpl)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED, "cannot write %s/%s", tmpl,
		            PID_FILE);
		return NULL;
	}
	return g_strdup(tmpl);
}

void lab_dir_adopt(const char *dir)
{
	if (!dir)
		return;
	for (unsigned i = 0; owned && i < owned->len; i++) {
		const char *o = g_ptr_array_index(owned, i);

		if (g_str_has_prefix(dir, o) && dir[strlen(o)] == '/')
			return; /* inside one of ours already */
	}
	write_pid(dir);
	own(dir);
}

/* Alive means: the pid exists and is an irecsim (not a recycled pid). */
static bool owner_alive(const char *dir, bool *has_pid)
{
	g_autofree char *path = g_build_filename(dir, PID_FILE, NULL);
	g_autofree char *text = NULL;
	g_autofree char *comm_path = NULL;
	g_autofree char *comm = NULL;
	long pid;

	*has_pid = g_file_get_contents(path, &text, NULL, NULL);
	if (!*has_pid)
		return false;
	pid = strtol(text, NULL, 10);
	if (pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno == ESRCH))
		return false;
	comm_path = g_strdup_printf("/proc/%ld/comm", pid);
	if (!g_file_get_contents(comm_path, &comm, NULL, NULL))
		return true; /* no /proc: trust kill() */
	return g_str_has_prefix(comm, "irecsim");
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void clean_one(const char *name)
{
	g_autofree char *path = g_build_filename(STALE_TMP, name, NULL);
	bool ours = g_str_has_prefix(name, "irecsim.");
	bool has_pid;
	struct stat st;

	if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return;
	if (owner_alive(path, &has_pid))
		return;
	if (!has_pid && (!ours || time(NULL) - st.st_mtime < YOUNG_SECONDS))
		return;
	remove_tree(path);
}

void lab_dir_clean_stale(void)
{
	GDir *d = g_dir_open(STALE_TMP, 0, NULL);
	const char *name;

	if (!d)
		return;
	while ((name = g_dir_read_name(d))) {
		if (g_str_has_prefix(name, "irecsim.") || g_str_has_prefix(name, "umockdev."))
			clean_one(name);
	}
	g_dir_close(d);
}

void lab_dir_remove_all(void)
{
	for (unsigned i = owned ? owned->len : 0; i > 0; i--)
		remove_tree(g_ptr_array_index(owned, i - 1));
	g_clear_pointer(&owned, g_ptr_array_unref);
}
