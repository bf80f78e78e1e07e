/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* umockdev 0.18.4 and later (Debian 13 has 0.19.1): see umockdev-compat.h. */
#include "umockdev-compat.h"

void compat_umockdev_remove_device(UMockdevTestbed *testbed, const char *syspath)
{
	/* Sends "remove" before it removes the sysfs directory; a second
	 * uevent of our own would reach every client twice. */
	umockdev_testbed_remove_device(testbed, syspath);
}
