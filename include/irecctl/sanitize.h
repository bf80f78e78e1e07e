/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Untrusted text on its way out. Devices choose their own strings (serial
 * string, UDID, product type, names, iBoot replies) and any local user can
 * write a lock file's job= line, so none of it reaches a terminal, a log or
 * a JSON consumer as it came: every printer passes it through here.
 *
 * Two forms, for two kinds of reader:
 *  - sanitize_text(): a terminal or a log line. Printable ASCII only; every
 *    other byte (controls, DEL, anything >= 0x80) becomes '?'. No escape
 *    sequence, no line break, no bidirectional trick survives.
 *  - sanitize_utf8(): a JSON string. Valid UTF-8 text is kept (a device name
 *    may be "Zoë's iPad"), but control characters (C0, DEL, C1), the
 *    bidirectional controls and every invalid byte become '?', so even
 *    `jq -r` output is safe to show on a terminal.
 * Both always NUL-terminate and cut at dstlen - 1 bytes (never inside a
 * UTF-8 sequence), and return dst.
 */
#ifndef IRECCTL_SANITIZE_H
#define IRECCTL_SANITIZE_H

#include <stdbool.h>
#include <stddef.h>

char *sanitize_text(char *dst, size_t dstlen, const char *src);
char *sanitize_utf8(char *dst, size_t dstlen, const char *src);

/* Would sanitize_text() change s? (Tests and callers that refuse, not fix.) */
bool sanitize_is_clean(const char *s);

#endif
