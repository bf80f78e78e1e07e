/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the doctor-*.c files: text helpers and the fix strings. */
#ifndef IRECCTL_DOCTOR_PRIV_H
#define IRECCTL_DOCTOR_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "irecctl/device.h"
#include "irecctl/doctor.h"

#define RULE_FILE "scripts/39-irecctl.rules"
#define INSTALL_FIX                                                                                \
	"sudo install -m 0644 " RULE_FILE " /etc/udev/rules.d/ && sudo udevadm control --reload "  \
	"&& sudo udevadm trigger (" RULE_FILE " is in irecctl's source tree)"
#define GROUP_FIX       "sudo usermod -aG plugdev \"$USER\", then log in again"
#define RECORDS_DIR     "/var/lib/lockdown"
#define MUX_DEFAULT     "/var/run/usbmuxd"
#define RULE_LINE_MAX   4096
#define RULE_FILE_MAX   (1024 * 1024)
#define FINDING_DEVICES 3 /* devices named in one finding; more are counted */

void doctor_appendf(char *buf, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* Truncating copy, for fixed fields filled from parsed text. */
void doctor_copy_text(char *dst, size_t len, const char *src);
void doctor_set_result(struct doctor_result *r, const char *check, enum doctor_status status,
                       const char *fix);
const char *doctor_plural(size_t n);
/* A device as a finding names it; the only way device text enters findings. */
void doctor_append_device(char *buf, size_t len, const struct device *d);

/* Is key one of names (NULL-terminated)? */
bool doctor_key_is(const char *key, const char *const *names);
/* The usbmuxd address in effect; *overridden if USBMUXD_SOCKET_ADDRESS set it. */
const char *doctor_mux_address(bool *overridden);

#endif
