/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parser for the DFU/recovery USB serial string (see serial.h). It works on
 * (pointer, length) spans of the input, never writes to it and never uses
 * sscanf(), whose %x silently accepts "0x", signs and overflow.
 */
#include "irecctl/serial.h"

#include <stddef.h>
#include <string.h>

enum field_kind {
	F_HEX32,   /* uint32_t */
	F_HEX64,   /* uint64_t */
	F_BRACKET, /* char[SERIAL_STR_MAX + 1], value written as [text] */
	F_NONCE,   /* char[SERIAL_NONCE_MAX + 1], bare hex digits */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t value; /* offsetof the value in struct irec_serial */
	size_t have;  /* offsetof its have_* flag */
	size_t max;   /* most hex digits / characters accepted */
};

/* clang-format off */
#define FIELD(k, kind, member, max)                                                                \
	{#k, kind, offsetof(struct irec_serial, member), offsetof(struct irec_serial, have_##member), max}

/* The known keys. Order does not matter: the device may send any order. */
static const struct field fields[] = {
	FIELD(CPID, F_HEX32, cpid, 8),
	FIELD(CPRV, F_HEX32, cprv, 8),
	FIELD(CPFM, F_HEX32, cpfm, 8),
	FIELD(SCEP, F_HEX32, scep, 8),
	FIELD(BDID, F_HEX64, bdid, 16),
	FIELD(ECID, F_HEX64, ecid, 16),
	FIELD(IBFL, F_HEX32, ibfl, 8),
	FIELD(SRTG, F_BRACKET, srtg, SERIAL_STR_MAX),
	FIELD(SRNM, F_BRACKET, srnm, SERIAL_STR_MAX),
	FIELD(IMEI, F_BRACKET, imei, SERIAL_STR_MAX),
	FIELD(PWND, F_BRACKET, pwnd, SERIAL_STR_MAX),
	FIELD(NONC, F_NONCE, nonc, SERIAL_NONCE_MAX),
	FIELD(SNON, F_NONCE, snon, SERIAL_NONCE_MAX),
};
/* clang-format on */

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))
#define KEY_MAX 8

/* A piece of the input. */
struct span {
	const char *p;
	size_t len;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1..maxdigits hex digits, nothing else. maxdigits <= 16 rules out overflow. */
static bool parse_hex(struct span v, size_t maxdigits, uint64_t *out)
{
	uint64_t x = 0;

	if (v.len == 0 || v.len > maxdigits)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		int d = hexval(v.p[i]);
		if (d < 0)
			return false;
		x = (x << 4) | (uint64_t)d;
	}
	*out = x;
	return true;
}

/* Printable ASCII without space (spaces end a token before we get here). */
static bool printable(struct span v)
{
	for (size_t i = 0; i < v.len; i++)
		if (v.p[i] <= ' ' || v.p[i] > '~')
			return false;
	return true;
}

static bool key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Store v into the field f of out; false if the value is not acceptable. */
static bool store(struct irec_serial *out, const struct field *f, struct span v, bool bracketed)
{
	char *base = (char *)out;
	uint64_t x;

	switch (f->kind) {
	case F_HEX32:
		if (bracketed || !parse_hex(v, f->max, &x))
			return false;
		*(uint32_t *)(base + f->value) = (uint32_t)x;
		return true;
	case F_HEX64:
		if (bracketed || !parse_hex(v, f->max, &x))
			return false;
		*(uint64_t *)(base + f->value) = x;
		return true;
	case F_NONCE:
		/* Whole bytes only: an odd digit count means a cut-off nonce. */
		if (bracketed || v.len == 0 || v.len > f->max || v.len % 2)
			return false;
		for (size_t i = 0; i < v.len; i++)
			if (hexval(v.p[i]) < 0)
				return false;
		break;
	case F_BRACKET:
		if (!bracketed || v.len > f->max || !printable(v))
			return false;
		break;
	}
	/* The string kinds: the destination holds max + 1 bytes. */
	memcpy(base + f->value, v.p, v.len);
	(base + f->value)[v.len] = '\0';
	return true;
}

static const struct field *lookup(struct span key)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (strlen(fields[i].key) == key.len && memcmp(fields[i].key, key.p, key.len) == 0)
			return &fields[i];
	return NULL;
}

static size_t skip_to_space(const char *s, size_t len, size_t i)
{
	while (i < len && s[i] != ' ')
		i++;
	return i;
}

/*
 * Read the value starting at s[i] into *v. Bracketed values end at ']',
 * which must be followed by a space or the end; otherwise the token is
 * reported in *issue and *v is not valid. Returns the index after the token.
 */
static size_t read_value(const char *s, size_t len, size_t i, struct span *v, bool *bracketed,
                         unsigned int *issue)
{
	*issue = 0;
	*bracketed = i < len && s[i] == '[';
	if (!*bracketed) {
		size_t end = skip_to_space(s, len, i);
		*v = (struct span){s + i, end - i};
		return end;
	}
	size_t start = i + 1, j = start;
	while (j < len && s[j] != ']' && s[j] != ' ')
		j++;
	if (j >= len || s[j] != ']') {
		*issue = SERIAL_ISSUE_UNTERMINATED;
		return skip_to_space(s, len, j);
	}
	*v = (struct span){s + start, j - start};
	if (j + 1 < len && s[j + 1] != ' ') {
		*issue = SERIAL_ISSUE_BAD_VALUE; /* "[x]y": text glued after the bracket */
		return skip_to_space(s, len, j);
	}
	return j + 1;
}

static bool ecid_cut(const struct field *f, struct span v, bool bracketed)
{
	uint64_t x;

	return f->value == offsetof(struct irec_serial, ecid) && !bracketed && v.len < 16 &&
	       (v.len == 0 || parse_hex(v, 16, &x));
}

/* Parse one token starting at s[i] (not a space); returns the index after it. */
static size_t parse_token(const char *s, size_t len, size_t i, struct irec_serial *out,
                          unsigned int *seen)
{
	size_t k = i;

	while (k < len && k - i <= KEY_MAX && key_char(s[k]))
		k++;
	if (k == i || k - i > KEY_MAX || k >= len || s[k] != ':') {
		out->issues |= SERIAL_ISSUE_JUNK;
		return skip_to_space(s, len, i);
	}

	struct span key = {s + i, k - i}, v = {NULL, 0};
	bool bracketed;
	unsigned int issue;
	size_t next = read_value(s, len, k + 1, &v, &bracketed, &issue);
	const struct field *f = lookup(key);

	if (!f) {
		out->issues |= issue ? issue : SERIAL_ISSUE_UNKNOWN_KEY;
		return next;
	}
	unsigned int bit = 1u << (unsigned int)(f - fields);
	if (*seen & bit) {
		out->issues |= SERIAL_ISSUE_DUPLICATE;
		return next;
	}
	*seen |= bit;
	if (!issue && ecid_cut(f, v, bracketed)) {
		/* iBoot prints the ECID as %016llX: fewer digits are a cut string,
		 * and its value would name some other device. */
		out->ecid_partial = true;
		out->issues |= SERIAL_ISSUE_BAD_VALUE;
	} else if (issue) {
		out->issues |= issue;
	} else if (store(out, f, v, bracketed)) {
		*(bool *)((char *)out + f->have) = true;
	} else {
		out->issues |= SERIAL_ISSUE_BAD_VALUE;
	}
	return next;
}

static bool any_field(const struct irec_serial *out)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (*(const bool *)((const char *)out + fields[i].have))
			return true;
	return false;
}

static bool core_fields(const struct irec_serial *o)
{
	return o->have_cpid && o->have_cprv && o->have_cpfm && o->have_scep && o->have_bdid &&
	       o->have_ecid && o->have_ibfl;
}

enum serial_status serial_parse(const char *s, struct irec_serial *out)
{
	struct irec_serial scratch;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	if (!s)
		return SERIAL_GARBAGE;

	/* strnlen: a missing NUL must not make us read beyond the bound. */
	size_t len = strnlen(s, SERIAL_MAX_LEN + 1);
	if (len > SERIAL_MAX_LEN) {
		out->issues |= SERIAL_ISSUE_TOO_LONG;
		return SERIAL_GARBAGE;
	}

	unsigned int seen = 0;
	for (size_t i = 0; i < len;) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		i = parse_token(s, len, i, out, &seen);
	}

	if (!any_field(out))
		return SERIAL_GARBAGE;
	/* libirecovery assumes 0x8900 whenever CPID is missing. We do it only for
	 * the iOS 1 signature (no CPID and no ECID): a modern string whose CPID
	 * got damaged is not an S5L8900, and "unknown" is the honest answer. */
	if (!out->have_cpid && !out->have_ecid) {
		out->cpid = SERIAL_IOS1_ASSUMED_CPID;
		out->cpid_assumed = true;
	}
	unsigned int bad = out->issues & ~(unsigned int)SERIAL_ISSUE_UNKNOWN_KEY;
	return core_fields(out) && !bad ? SERIAL_OK : SERIAL_PARTIAL;
}

const char *serial_status_name(enum serial_status st)
{
	switch (st) {
	case SERIAL_OK:
		return "ok";
	case SERIAL_PARTIAL:
		return "partial";
	case SERIAL_GARBAGE:
		return "garbage";
	}
	return "unknown";
}

bool serial_ap_ids(const struct irec_serial *s, unsigned int usb_pid, unsigned int *cpid,
                   unsigned int *bdid)
{
	if (!s || !s->have_bdid)
		return false;
	if (usb_pid == SERIAL_PID_PORT_DFU) {
		/* CPID here is the port controller's, so only BDID matters. */
		/* libirecovery keeps only the low 32 bits of BDID, then unpacks them. */
		uint32_t packed = (uint32_t)s->bdid;
		*cpid = (packed >> 8) & 0xFFFF;
		*bdid = (packed >> 24) & 0xFF;
		return true;
	}
	if (!s->have_cpid && !s->cpid_assumed)
		return false;
	*cpid = s->cpid;
	*bdid = (unsigned int)s->bdid;
	return true;
}
