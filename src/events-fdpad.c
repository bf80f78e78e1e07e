/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * umockdev (the simulated lab, sim/) replaces the udev monitor's
 * netlink socket with a UNIX socket named after its fd number,
 * $UMOCKDEV_DIR/event<fd>, and binding it first unlinks any socket of that
 * name: two preloaded processes whose monitors get the same fd number steal
 * each other's uevents (lab notes, pitfall A5) -- `irecctl wait` next to
 * `irecovery -n`, both with their monitor on fd 6, and the waiter never
 * hears the device leave or come back.
 *
 * So hold a few low fds while the monitor is created, pushing ours above
 * the numbers a plain tool gets. Under umockdev, also skip every number
 * whose event socket a live process is bound to, and do that under a lock
 * in $UMOCKDEV_DIR, so two irecctl processes starting at the same instant
 * cannot both pick one free number. Outside umockdev this costs three
 * dup()s and nothing else.
 *
 * libusb's monitor is one per process, created by the first libusb_init(),
 * and libirecovery calls libusb_init() from its library constructor, before
 * main(). Hence the padding starts from .preinit_array, which the dynamic
 * linker runs before any library's constructor, and ends in our own
 * constructor, which runs after them.
 *
 * Raw syscalls only: the umockdev preload wraps open(), socket(), close()
 * and more, and caches "no testbed" for good if its wrappers run before
 * libc has set environ, as they would from .preinit_array.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include "events-priv.h"

#define PAD_MIN       3
#define PAD_LOOKAHEAD 4 /* libusb_init() takes a few fds before the monitor's */

static bool event_socket_live(const char *dir, int fd)
{
	struct sockaddr_un sa;
	int s, n;
	bool live;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/event%d", dir, fd);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return false;
	s = (int)syscall(SYS_socket, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return false;
	/* A leftover file of an exited process refuses the connection. */
	live = syscall(SYS_connect, s, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	syscall(SYS_close, s);
	return live;
}

static bool fd_taken(const char *dir, int fd)
{
	for (int i = 0; i < PAD_LOOKAHEAD; i++)
		if (event_socket_live(dir, fd + i))
			return true;
	return false;
}

static int take_lock(const char *dir)
{
	char path[4096];
	int fd, n = snprintf(path, sizeof(path), "%s/irecctl-fds.lock", dir);

	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && syscall(SYS_flock, fd, LOCK_EX) != 0) {
		syscall(SYS_close, fd);
		fd = -1;
	}
	return fd;
}

void fd_pad_begin(struct fd_pad *p, const char *umockdev_dir)
{
	int fd;

	p->n = 0;
	p->lock = umockdev_dir ? take_lock(umockdev_dir) : -1;
	fd = (int)syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	p->fds[p->n++] = fd;
	while (p->n < FD_PAD_MAX) {
		fd = (int)syscall(SYS_fcntl, p->fds[0], F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			break;
		/* fd is the lowest free number: where libusb_init() starts */
		if (p->n >= PAD_MIN && !(umockdev_dir && fd_taken(umockdev_dir, fd))) {
			syscall(SYS_close, fd);
			break;
		}
		p->fds[p->n++] = fd;
	}
}

/* Once the monitor's socket is bound: others now see its number taken. */
void fd_pad_end(struct fd_pad *p)
{
	for (size_t i = 0; i < p->n; i++)
		syscall(SYS_close, p->fds[i]);
	p->n = 0;
	if (p->lock >= 0)
		syscall(SYS_close, p->lock); /* drops the flock */
	p->lock = -1;
}

static struct fd_pad early;

/* envp, not getenv(): libc has not set environ yet. */
static void pad_before_constructors(int argc, char **argv, char **envp)
{
	const char *dir = NULL;

	(void)argc;
	(void)argv;
	for (char **e = envp; e && *e && !dir; e++)
		if (!strncmp(*e, "UMOCKDEV_DIR=", 13))
			dir = *e + 13;
	fd_pad_begin(&early, dir);
}

typedef void (*preinit_fn)(int, char **, char **);
__attribute__((section(".preinit_array"), used)) static const preinit_fn preinit_pad =
        pad_before_constructors;

__attribute__((constructor)) static void pad_after_constructors(void)
{
	fd_pad_end(&early);
}
