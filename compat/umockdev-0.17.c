/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* umockdev before 0.18.4 (Debian 12): see umockdev-compat.h. */
#include "umockdev-compat.h"

void compat_umockdev_remove_device(UMockdevTestbed *testbed, const char *syspath)
{
	/* The uevent sender reads the sysfs directory: "remove" goes first. */
	umockdev_testbed_uevent(testbed, syspath, "remove");
	umockdev_testbed_remove_device(testbed, syspath);
}
