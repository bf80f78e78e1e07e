/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-lockdown internals: lab-lockdown.c (the requests, framing,
 * sessions) asks lab-lockdown-values.c for GetValue's answers.
 */
#ifndef IRECSIM_LAB_LOCKDOWN_PRIV_H
#define IRECSIM_LAB_LOCKDOWN_PRIV_H

#include <plist/plist.h>

#include "lab.h"

/* The value lockdownd gives for key, or NULL (MissingValue, like WiFiAddress). */
plist_t ldsim_device_value(const struct sim_device *d, const char *key);
/* Every value, as GetValue without a key answers. */
plist_t ldsim_device_values(const struct sim_device *d);

#endif
