/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * uevent-watch COUNT TIMEOUT_MS: a raw kernel-uevent listener (the netlink
 * socket libudev's monitor uses; umockdev's preload turns it into the
 * testbed's event socket). Prints READY once listening, then one line per
 * uevent, "ACTION DEVPATH", and exits 0 after COUNT of them (1 on timeout).
 * Unlike libudev or libusb it drops nothing, so duplicates show.
 */
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The value of KEY= among the NUL-separated properties in buf. */
static const char *prop(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key);

	for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
		if (!strncmp(buf + i, key, klen) && buf[i + klen] == '=')
			return buf + i + klen + 1;
	return "?";
}

static int listen_uevents(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("uevent-watch: netlink socket");
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	char buf[8192];
	struct pollfd p = {.events = POLLIN};
	int want = argc > 1 ? atoi(argv[1]) : 1, timeout = argc > 2 ? atoi(argv[2]) : 10000;

	p.fd = listen_uevents();
	printf("READY\n");
	fflush(stdout);
	for (int seen = 0; seen < want; seen++) {
		ssize_t n;

		if (poll(&p, 1, timeout) <= 0) {
			fprintf(stderr, "uevent-watch: %d of %d uevents\n", seen, want);
			return 1;
		}
		n = recv(p.fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			return 1;
		buf[n] = '\0';
		printf("%s %s\n", prop(buf, (size_t)n, "ACTION"), prop(buf, (size_t)n, "DEVPATH"));
		fflush(stdout);
	}
	return 0;
}
