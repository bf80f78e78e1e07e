/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The requests that change a device's mode, over the real libraries:
 * lockdownd EnterRecovery (libimobiledevice) and the iBoot commands
 * (libirecovery). They only send; callers verify by watching the device
 * arrive (wait.h), because the libraries report success for commands the
 * device never acted on.
 */
#ifndef IRECCTL_DEVICE_OPS_H
#define IRECCTL_DEVICE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "irecctl/device.h"

/*
 * Normal -> recovery. First without a session (enough before iOS 14.5);
 * on SessionInactive again inside a paired session. A pairing (the Trust
 * dialog) is only ever started when allow_pair is true. Returns an
 * enum irec_status; err gets a one-line reason.
 */
int ops_enter_recovery(const char *udid, bool allow_pair, char *err, size_t errlen);

/* Recovery -> normal: setenv auto-boot true, saveenv, reboot. d: the
 * device as discovered (its ECID; its USB location finds it at once).
 * Interface 0 is claimed before any command: IREC_EBUSY if another
 * program (irecovery, idevicerestore) holds it, and nothing is sent. */
int ops_exit_recovery(const struct device *d, char *err, size_t errlen);

/* iBoot getenv of a recovery-mode device; "" when unset. Claims the
 * device's interface like exit does (for a device this process locked). */
int ops_iboot_getenv(const struct device *d, const char *name, char *value, size_t len);

#endif
