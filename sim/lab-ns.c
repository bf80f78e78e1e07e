/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * --default-socket: the lab's usbmuxd at the real default path
 * /var/run/usbmuxd, where libusbmuxd's inotify watch for a restarted
 * daemon looks. Done in a private mount namespace with an empty tmpfs over
 * /run (what /var/run points to on Debian), so the host's usbmuxd socket,
 * if any, is neither visible nor touched: the lab and COMMAND see only
 * ours. Root gets the namespace directly; anyone else through a user
 * namespace that maps their own uid.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab-core.h"

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

static bool enter_namespace(GError **error)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWNS) == 0)
		return true;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
		g_set_error(error, LAB_ERROR, 0,
		            "cannot make a private mount namespace (unshare: %s): "
		            "--default-socket needs root or unprivileged user namespaces",
		            g_strerror(errno));
		return false;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (!write_file("/proc/self/uid_map", map) || !write_file("/proc/self/setgroups", "deny")) {
		g_set_error(error, LAB_ERROR, 0, "cannot make a private mount namespace (uid map)");
		return false;
	}
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	write_file("/proc/self/gid_map", map);
	return true;
}

bool lab_ns_private_run(GError **error)
{
	char run[PATH_MAX];

	/* /var/run is usually a symlink to /run: cover what it points to. */
	if (!realpath("/var/run", run))
		g_strlcpy(run, "/var/run", sizeof(run));
	if (!enter_namespace(error))
		return false;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("irecsim-run", run, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
		g_set_error(error, LAB_ERROR, 0,
		            "cannot make a private mount namespace (mount tmpfs on %s: %s)", run,
		            g_strerror(errno));
		return false;
	}
	return true;
}
