/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <string.h>

#include "irecctl/sanitize.h"

static bool printable_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x7f;
}

char *sanitize_text(char *dst, size_t dstlen, const char *src)
{
	size_t i = 0;

	if (!dstlen)
		return dst;
	for (; src && *src && i + 1 < dstlen; src++)
		dst[i++] = printable_ascii((unsigned char)*src) ? *src : '?';
	dst[i] = '\0';
	return dst;
}

bool sanitize_is_clean(const char *s)
{
	for (; s && *s; s++)
		if (!printable_ascii((unsigned char)*s))
			return false;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) and its code point; 0 if
 * the bytes there are not one.
 */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, min = 0x80, *cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, min = 0x800, *cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, min = 0x10000, *cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the terminating NUL */
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return n;
}

/* Characters that change how a terminal shows what follows them. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x200e && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 ||
	       cp == 0x2029;
}

char *sanitize_utf8(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;

	if (!dstlen)
		return dst;
	while (s && *s) {
		uint32_t cp;
		size_t n = utf8_decode(s, &cp);
		if (n == 0 || is_control(cp)) {
			if (i + 1 >= dstlen)
				break;
			dst[i++] = '?';
			s += n ? n : 1;
			continue;
		}
		if (i + n >= dstlen)
			break;
		memcpy(dst + i, s, n);
		i += n;
		s += n;
	}
	dst[i] = '\0';
	return dst;
}
