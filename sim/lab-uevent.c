/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Room for one more uevent in every client's monitor socket.
 *
 * umockdev delivers a uevent to each client (a libudev monitor, in libusb's
 * hotplug thread) through a unix datagram socket $TESTBED/eventN, and
 * aborts the whole lab when a send fails with EAGAIN. Such a socket queues
 * only net.unix.max_dgram_qlen (10) messages: 16 devices changing mode at
 * once send more than that, faster than a busy client reads, more so with
 * the testbed on a tmpfs (Debian 13's default /tmp). A datagram socket
 * connected to the listener polls writable only while the listener's queue
 * has room, so the lab waits for that event before each uevent. Only the
 * lab writes to these sockets, and devices plug and unplug from several
 * threads: one uevent at a time, so the room is still there for
 * umockdev's send.
 */
#include <errno.h>
#include <glob.h>
#include <poll.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "lab-usb-priv.h"

/* A client that stopped reading altogether must not freeze the lab. */
#define UEVENT_ROOM_TIMEOUT_MS 5000

static void wait_socket_room(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct pollfd p = {.events = POLLOUT};
	int r;

	if (strlen(path) >= sizeof(addr.sun_path))
		return;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	p.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (p.fd < 0)
		return;
	/* ECONNREFUSED: the client closed its monitor; umockdev skips it too. */
	if (connect(p.fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		do
			r = poll(&p, 1, UEVENT_ROOM_TIMEOUT_MS);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			lab_log(NULL, "usb", "uevent listener %s has read nothing for %d ms", path,
			        UEVENT_ROOM_TIMEOUT_MS);
	}
	close(p.fd);
}

static GMutex uevent_mutex;

void usbsim_uevent_begin(const char *testbed_root)
{
	char *pattern = g_build_filename(testbed_root, "event[0-9]*", NULL);
	glob_t gl;

	g_mutex_lock(&uevent_mutex);
	if (glob(pattern, GLOB_NOSORT, NULL, &gl) == 0) {
		for (size_t i = 0; i < gl.gl_pathc; i++)
			wait_socket_room(gl.gl_pathv[i]);
		globfree(&gl);
	}
	g_free(pattern);
}

void usbsim_uevent_end(void)
{
	g_mutex_unlock(&uevent_mutex);
}
