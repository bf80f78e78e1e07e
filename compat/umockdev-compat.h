/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * umockdev behaviour that differs between the versions the lab supports:
 * Debian 12 has 0.17.16, Debian 13 0.19.1. Since 0.18.4
 * umockdev_testbed_remove_device() sends the "remove" uevent itself;
 * before, the caller had to. CMake compiles one umockdev-VERSION.c for the
 * umockdev it finds (irecctl_umockdev_compat() in compat/CMakeLists.txt).
 */
#ifndef IRECCTL_UMOCKDEV_COMPAT_H
#define IRECCTL_UMOCKDEV_COMPAT_H

#include <umockdev.h>

/* Remove the device at syspath with exactly one "remove" uevent, sent
 * while its sysfs directory still exists. */
void compat_umockdev_remove_device(UMockdevTestbed *testbed, const char *syspath);

#endif
