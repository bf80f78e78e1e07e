/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exclusive device locks this process holds (lock-held.c), for
 * lock.c only.
 */
#ifndef IRECCTL_LOCK_HELD_H
#define IRECCTL_LOCK_HELD_H

#include <stdbool.h>
#include <stdint.h>

/* Note a lock taken (fd: its file), or forget it on release. */
void lock_held_add(uint64_t ecid, int fd);
void lock_held_remove(int fd);
/* Does this process hold the exclusive lock of this ECID? */
bool lock_held_here(uint64_t ecid);

#endif
