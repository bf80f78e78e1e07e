/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Durations in messages, as the user wrote them: "0.3 s", never "0 s". */
#ifndef IRECCTL_DURATION_H
#define IRECCTL_DURATION_H

#define SECONDS_TEXT_MAX 32

/*
 * s (seconds, >= 0) as the shortest plain decimal that is s to the
 * microsecond: "0.3", "2", "0.05", "180", "0.0001". Returns buf.
 */
char *seconds_text(double s, char buf[static SECONDS_TEXT_MAX]);

#endif
