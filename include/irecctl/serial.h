/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The identity string a device in DFU or recovery puts in its USB
 * iSerialNumber descriptor:
 *
 *   CPID:8015 CPRV:11 CPFM:03 SCEP:01 BDID:06 ECID:001A2B3C4D5E6F70 IBFL:3C
 *   SRTG:[iBoot-3332.0.0.1.23] SRNM:[...] IMEI:[...] NONC:... SNON:... PWND:[...]
 *
 * It comes from a device, so it is untrusted: the parser bounds every
 * length, never reads past the terminating NUL or SERIAL_MAX_LEN bytes,
 * and says how much of the string it could trust.
 */
#ifndef IRECCTL_SERIAL_H
#define IRECCTL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Longest input accepted. A USB string descriptor holds at most 126 UTF-16
 * units, so a genuine serial is shorter; 255 leaves room for a caller that
 * appends string #1 (the "NONC:... SNON:..." string) after a space.
 */
#define SERIAL_MAX_LEN   255
#define SERIAL_STR_MAX   64  /* longest bracketed value kept (SRTG, SRNM, IMEI, PWND) */
#define SERIAL_NONCE_MAX 128 /* longest NONC/SNON in hex digits (64 bytes) */

/* The chip libirecovery assumes when CPID is missing (iOS 1 iBoot omits it). */
#define SERIAL_IOS1_ASSUMED_CPID 0x8900

/* USB product ids whose serial describes something other than the AP directly. */
#define SERIAL_PID_PORT_DFU 0xf014

enum serial_status {
	SERIAL_OK,      /* CPID CPRV CPFM SCEP BDID ECID IBFL all valid, nothing odd */
	SERIAL_PARTIAL, /* some known field valid, but one is missing or something was odd */
	SERIAL_GARBAGE, /* NULL, empty, too long, or not one known field valid */
};

/* What was odd, as bits in struct irec_serial.issues. */
enum serial_issue {
	SERIAL_ISSUE_TOO_LONG = 1u << 0,  /* over SERIAL_MAX_LEN: nothing parsed */
	SERIAL_ISSUE_BAD_VALUE = 1u << 1, /* known key, value empty/non-hex/too long/unprintable */
	SERIAL_ISSUE_DUPLICATE = 1u << 2, /* a known key seen again: the first one counts */
	SERIAL_ISSUE_UNTERMINATED = 1u << 3, /* '[' without ']' before a space or the end */
	SERIAL_ISSUE_JUNK = 1u << 4,         /* a token that is not KEY:VALUE */
	SERIAL_ISSUE_UNKNOWN_KEY = 1u << 5,  /* well-formed KEY:VALUE, key unknown (harmless) */
};

struct irec_serial {
	bool have_cpid, have_cprv, have_cpfm, have_scep, have_bdid, have_ecid, have_ibfl;
	bool have_srtg, have_srnm, have_imei, have_pwnd, have_nonc, have_snon;
	/* CPID and ECID were both missing (the iOS 1 form): cpid holds
	 * SERIAL_IOS1_ASSUMED_CPID, as libirecovery assumes. have_cpid stays
	 * false so callers can tell. */
	bool cpid_assumed;
	/* ECID: present with fewer than the 16 hex digits iBoot always prints
	 * (a cut or damaged string): have_ecid stays false, as its value would
	 * name another device. */
	bool ecid_partial;
	uint32_t cpid, cprv, cpfm, scep, ibfl;
	uint64_t bdid; /* up to 64 bits: Port DFU packs the AP's ids into it */
	uint64_t ecid;
	char srtg[SERIAL_STR_MAX + 1]; /* bracket contents, without the brackets */
	char srnm[SERIAL_STR_MAX + 1];
	char imei[SERIAL_STR_MAX + 1];
	char pwnd[SERIAL_STR_MAX + 1];
	char nonc[SERIAL_NONCE_MAX + 1]; /* hex digits as sent */
	char snon[SERIAL_NONCE_MAX + 1];
	unsigned int issues; /* enum serial_issue bits */
};

/*
 * Parse s into *out (always fully written, zeroed first).
 *
 * Rules: tokens are separated by spaces; a token is KEY:VALUE with KEY of
 * 1-8 characters [A-Z0-9]; a VALUE starting with '[' runs to the next ']'
 * and must be followed by a space or the end. Numbers are bare hex (no
 * "0x"): at most 8 digits for CPID/CPRV/CPFM/SCEP/IBFL, 16 for BDID, and
 * exactly 16 for ECID (fewer: ecid_partial).
 * A bad value leaves its field unset and parsing continues with the next
 * token. For a duplicated known key the FIRST occurrence counts (even if
 * its value was bad) and later ones only set SERIAL_ISSUE_DUPLICATE,
 * because a device has no reason to repeat a key and the first is what
 * libirecovery's strstr() lookups see as well.
 */
enum serial_status serial_parse(const char *s, struct irec_serial *out);

const char *serial_status_name(enum serial_status st); /* "ok", "partial", "garbage" */

/*
 * The AP's chip id and board id, as libirecovery matches them against its
 * table: in Port DFU (usb_pid == SERIAL_PID_PORT_DFU) the string describes
 * the USB port controller and the AP's ids are packed into BDID, CPID =
 * (BDID >> 8) & 0xFFFF and board id = (BDID >> 24) & 0xFF; otherwise CPID
 * (or the assumed 0x8900) and BDID. False if the ids are not there.
 */
bool serial_ap_ids(const struct irec_serial *s, unsigned int usb_pid, unsigned int *cpid,
                   unsigned int *bdid);

#endif
