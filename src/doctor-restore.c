/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * doctor's restore check: is idevicerestore installed, and can it
 * cope with this host? It is never run here (doctor is read-only, and the
 * engine talks to Apple's servers): what it links is the libirecovery this
 * build was made against, and libirecovery before 1.0.1 crashes when two
 * recovery/DFU devices are attached.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "irecctl/doctor.h"
#include "doctor-priv.h"

static bool find_engine(char *out, size_t len)
{
	const char *path = getenv("PATH");
	char dir[2048];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
		snprintf(out, len, "%s/idevicerestore", dir[0] ? dir : ".");
		if (access(out, X_OK) == 0)
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

static bool irecovery_list_bug(const char *version)
{
	unsigned a = 0, b = 0, c = 0;

	sscanf(version, "%u.%u.%u", &a, &b, &c);
	return a < 1 || (a == 1 && b == 0 && c < 1);
}

void doctor_judge_restore_engine(const char *engine, const char *irecovery_version,
                                 size_t usb_devices, struct doctor_result *r)
{
	if (!engine) {
		doctor_set_result(r, "restore", DOCTOR_WARN, "apt install idevicerestore");
		snprintf(r->finding, sizeof(r->finding),
		         "idevicerestore is not installed: irecctl restore needs it");
		return;
	}
	if (!irecovery_list_bug(irecovery_version)) {
		doctor_set_result(r, "restore", DOCTOR_OK, NULL);
		snprintf(r->finding, sizeof(r->finding), "%s (libirecovery %s)", engine,
		         irecovery_version);
		return;
	}
	doctor_set_result(r, "restore", DOCTOR_WARN, NULL);
	snprintf(r->finding, sizeof(r->finding),
	         "%s with libirecovery %s crashes when two recovery/DFU devices are attached "
	         "(%zu %s now): irecctl restore refuses then",
	         engine, irecovery_version, usb_devices, usb_devices == 1 ? "is" : "are");
	snprintf(r->fix, sizeof(r->fix), "%s",
	         "restore one device at a time, or use libirecovery 1.0.1 or later (Debian 13)");
}

void doctor_check_restore_engine(const struct device_list *l, struct doctor_result *r)
{
	char engine[2100];
	size_t usb = 0;

	for (size_t i = 0; i < l->n; i++)
		usb += mode_is_usb(l->v[i].mode);
	doctor_judge_restore_engine(find_engine(engine, sizeof(engine)) ? engine : NULL,
	                            IRECCTL_LIBIRECOVERY_VERSION, usb, r);
}
