/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb: empty a device's ioctl socket before umockdev closes it.
 *
 * A client's open() of the node connect()s to the node's ioctl socket;
 * umockdev's worker thread accept()s it later. Detaching the handler closes
 * the listening socket, and the kernel resets every connection still
 * waiting in its backlog: that client's first ioctl or read then fails
 * with ECONNRESET and libumockdev-preload aborts it. A real usbfs fd opened
 * just before a disconnect lives on and answers ENODEV, so before the
 * detach every pending connection must be accepted (then the handler
 * answers it like any fd of a gone device).
 *
 * The socket is renamed away, so nobody new can connect; then the lab
 * queues a connection of its own behind the pending ones and waits for the
 * answer to a request only the handler knows (USBSIM_DRAIN_REQUEST). The
 * listener accepts in order, so once that is answered the backlog is empty.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lab-usb-priv.h"

/* Only if the worker thread is stuck: the unplug goes on regardless. */
#define DRAIN_TIMEOUT_S 10

/* umockdev's request: command 1 (ioctl), request number, argument. */
struct drain_msg {
	unsigned long cmd, arg1, arg2;
};

static bool drain_via(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {DRAIN_TIMEOUT_S, 0};
	struct drain_msg m = {1, USBSIM_DRAIN_REQUEST, 0};
	bool ok;
	int s;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	/* Our own socket, not one the preload should emulate: raw syscalls. */
	s = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ok = syscall(SYS_connect, s, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	     syscall(SYS_sendto, s, &m, sizeof(m), MSG_NOSIGNAL, NULL, 0) == (long)sizeof(m) &&
	     syscall(SYS_recvfrom, s, &m, sizeof(m), MSG_WAITALL, NULL, NULL) == (long)sizeof(m);
	syscall(SYS_close, s);
	return ok;
}

void usbsim_drain_socket(const char *testbed_root, const char *devnode)
{
	gchar *sock = g_build_filename(testbed_root, "ioctl", devnode, NULL);
	gchar *away = g_strconcat(sock, USBSIM_UNPLUGGED_SUFFIX, NULL);

	if (rename(sock, away) < 0)
		g_warning("irecsim: rename %s: %s", sock, g_strerror(errno));
	else if (!drain_via(away))
		g_warning("irecsim: cannot drain %s: %s", away, g_strerror(errno));
	/* umockdev's detach unlinks the old name, which is gone now. */
	unlink(away);
	g_free(away);
	g_free(sock);
}
