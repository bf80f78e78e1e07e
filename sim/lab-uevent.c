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
 *
 * And skipping a listener that is gone. umockdev's sender connects to each
 * event socket it globbed and aborts the lab unless connect() succeeds or
 * says ECONNREFUSED (then it unlinks the path). Short-lived clients (a
 * `status` loop) race it: one that exited leaves its socket file behind,
 * and the next client whose monitor gets the same fd number unlinks that
 * file and binds its own. In between the path is missing, ENOENT, and
 * umockdev aborts ("cannot connect to client's event socket"); and its
 * unlink after ECONNREFUSED can remove the newcomer's fresh socket, which
 * would then never hear a uevent again. A newcomer binds its monitor
 * before it scans sysfs, which already shows what this uevent announces:
 * skipping it for this one uevent loses nothing. So while the lab sends a
 * uevent, connect() to an event socket that is missing or dead
 * "succeeds", the one sendmsg() on that fd is dropped, and nothing is
 * unlinked; a listener that exits between connect() and sendmsg()
 * (ECONNREFUSED there) is skipped the same way. irecsim defines connect() and sendmsg() for that:
 * the executable comes first in symbol lookup, libumockdev's calls land here and everything else
 * passes to the next definition (the preload's, libc's).
 */
#include <ctype.h>
#include <stddef.h>
#include <dlfcn.h>
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

/* Set while umockdev sends a uevent from this thread (between begin and end). */
static __thread bool sending;
static __thread int skip_fd = -1;
static __thread int event_fd = -1; /* connected to an event socket */

static bool is_event_socket(const struct sockaddr *a, socklen_t len)
{
	const struct sockaddr_un *u = (const struct sockaddr_un *)(const void *)a;
	const char *base;

	if (!a || a->sa_family != AF_UNIX || len <= offsetof(struct sockaddr_un, sun_path))
		return false;
	base = strrchr(u->sun_path, '/');
	return base && !strncmp(base + 1, "event", 5) && isdigit((unsigned char)base[6]);
}

__attribute__((visibility("default"))) int connect(int fd, const struct sockaddr *addr,
                                                   socklen_t len)
{
	static int (*next)(int, const struct sockaddr *, socklen_t);
	int r;

	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "connect");
	r = next(fd, addr, len);
	if (r == 0 && sending && is_event_socket(addr, len))
		event_fd = fd;
	if (r < 0 && sending && (errno == ENOENT || errno == ECONNREFUSED) &&
	    is_event_socket(addr, len)) {
		/* Only a missing one is rare enough to log; dead ones are common. */
		if (errno == ENOENT)
			lab_log(NULL, "usb", "uevent listener %s vanished while sending: skipped",
			        ((const struct sockaddr_un *)(const void *)addr)->sun_path);
		skip_fd = fd;
		return 0;
	}
	return r;
}

__attribute__((visibility("default"))) ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static ssize_t (*next)(int, const struct msghdr *, int);
	size_t n = 0;
	ssize_t r;

	for (size_t i = 0; i < msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	if (sending && fd == skip_fd) {
		skip_fd = -1;
		return (ssize_t)n;
	}
	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "sendmsg");
	r = next(fd, msg, flags);
	/* The listener exited between connect() and now. */
	if (r < 0 && sending && fd == event_fd && errno == ECONNREFUSED)
		r = (ssize_t)n;
	if (sending && fd == event_fd)
		event_fd = -1;
	return r;
}

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
	skip_fd = event_fd = -1;
	sending = true;
}

void usbsim_uevent_end(void)
{
	sending = false;
	g_mutex_unlock(&uevent_mutex);
}
