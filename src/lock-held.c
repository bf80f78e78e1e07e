/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exclusive locks this process holds. flock() conflicts between two
 * opens of one file even within one process, so without this a probe
 * inside an acting command (its wait for the device's arrival, on another
 * thread) would take the command's own lock for another irecctl's.
 */
#include <pthread.h>
#include <stddef.h>
#include <unistd.h>

#include "lock-held.h"

#define HELD_MAX 64

static struct {
	bool used;
	uint64_t ecid;
	int fd;
	pid_t pid; /* a forked child holds none of its parent's locks */
} held[HELD_MAX];
static pthread_mutex_t held_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Best effort: a lock not noted only means a probe calls it busy. */
void lock_held_add(uint64_t ecid, int fd)
{
	pthread_mutex_lock(&held_mutex);
	for (size_t i = 0; i < HELD_MAX; i++) {
		if (!held[i].used) {
			held[i].used = true;
			held[i].ecid = ecid;
			held[i].fd = fd;
			held[i].pid = getpid();
			break;
		}
	}
	pthread_mutex_unlock(&held_mutex);
}

void lock_held_remove(int fd)
{
	pthread_mutex_lock(&held_mutex);
	for (size_t i = 0; i < HELD_MAX; i++)
		if (held[i].used && held[i].fd == fd && held[i].pid == getpid())
			held[i].used = false;
	pthread_mutex_unlock(&held_mutex);
}

bool lock_held_here(uint64_t ecid)
{
	bool found = false;

	pthread_mutex_lock(&held_mutex);
	for (size_t i = 0; i < HELD_MAX && !found; i++)
		found = held[i].used && held[i].ecid == ecid && held[i].pid == getpid();
	pthread_mutex_unlock(&held_mutex);
	return found;
}
