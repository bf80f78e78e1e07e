/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hotplug-watch COUNT TIMEOUT_MS: subscribe to libirecovery device events
 * and print one line per event until COUNT events were seen:
 *
 *   READY
 *   ADD 0x000a1b2c3d4e0001 0x1281
 *   REMOVE 0x000a1b2c3d4e0001
 *
 * Exits 0 after COUNT events, 1 on timeout. A test for the lab: a waiting
 * libirecovery subscriber must see devices come and go.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <libirecovery.h>

#define DUMMY_FDS 16

static volatile int seen;

static void on_event(const irecv_device_event_t *ev, void *user)
{
	unsigned long long ecid = ev->device_info ? ev->device_info->ecid : 0;

	(void)user;
	if (ev->type == IRECV_DEVICE_ADD)
		printf("ADD 0x%016llx 0x%04x\n", ecid, (unsigned)ev->mode);
	else
		printf("REMOVE 0x%016llx\n", ecid);
	fflush(stdout);
	__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST);
}

int main(int argc, char **argv)
{
	irecv_device_event_context_t ctx = NULL;
	struct timespec tick = {0, 10 * 1000 * 1000};
	long count, timeout_ms, waited = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: hotplug-watch COUNT TIMEOUT_MS\n");
		return 2;
	}
	count = strtol(argv[1], NULL, 10);
	timeout_ms = strtol(argv[2], NULL, 10);
	/* umockdev's netlink emulation names its event socket after the fd
	 * number of the udev monitor: another preloaded process with a monitor
	 * on the same number would steal our events. Push ours up out of the
	 * range short-lived tools use. The fds stay open on purpose. */
	for (int i = 0; i < DUMMY_FDS; i++)
		if (open("/dev/null", O_RDONLY) < 0)
			return 2;
	if (irecv_device_event_subscribe(&ctx, on_event, NULL) != IRECV_E_SUCCESS) {
		fprintf(stderr, "hotplug-watch: subscribe failed\n");
		return 2;
	}
	printf("READY\n");
	fflush(stdout);
	while (__atomic_load_n(&seen, __ATOMIC_SEQ_CST) < count && waited < timeout_ms) {
		nanosleep(&tick, NULL);
		waited += 10;
	}
	irecv_device_event_unsubscribe(ctx);
	if (__atomic_load_n(&seen, __ATOMIC_SEQ_CST) < count) {
		fprintf(stderr, "hotplug-watch: timeout after %d of %ld events\n", seen, count);
		return 1;
	}
	return 0;
}
