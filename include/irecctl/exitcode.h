/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Exit codes: the one table scripts depend on. Never renumber an entry;
 * add new ones at the end. Documented in README.md and man/irecctl.1.
 */
#ifndef IRECCTL_EXITCODE_H
#define IRECCTL_EXITCODE_H

enum irec_status {
	IREC_OK = 0,          /* success (also: already in the requested mode) */
	IREC_EFAIL = 1,       /* general failure */
	IREC_EUSAGE = 2,      /* bad command line, or a malformed USBMUXD_SOCKET_ADDRESS */
	IREC_ENODEV = 3,      /* no device matches */
	IREC_EAMBIGUOUS = 4,  /* more than one device matches and --all not given */
	IREC_ETIMEOUT = 5,    /* timed out waiting */
	IREC_EBUSY = 6,       /* device locked by another process */
	IREC_EWRONGMODE = 7,  /* the device's mode does not allow the request */
	IREC_ENEEDPERSON = 8, /* a person must press buttons */
	IREC_ENOTTRUSTED = 9, /* this host is not trusted (paired) by the device */
	IREC_EPERM = 10,      /* permission denied on the USB device */
	IREC_ELOOP = 11,      /* the device came back in recovery: recovery loop */
	IREC_EOTHERMODE = 12, /* the device arrived in another mode than asked for */
	IREC_EUNIMPL = 13,    /* subcommand not implemented yet */
	IREC_EGONE = 14,      /* the device disconnected during the command */
	IREC_ELOCKED = 15,    /* passcode-locked: unlock the device first */
	IREC_EPROTO = 16,     /* the device sent a malformed or unexpected reply */
	IREC_ENOENGINE = 17,  /* restore engine missing, too old, or cannot do this */
	IREC_ENOFIT = 18,     /* the IPSW does not fit the device (or is unusable) */
	IREC_ENOTSIGNED = 19, /* the signing server refuses this version for the device */
	IREC_ENOSIGNER = 20,  /* the signing server could not be reached */
	IREC_EBRICKED = 21,   /* the restore failed after the point of no return */
	IREC_ENOVERIFY = 22,  /* the result cannot be watched (usbmuxd unusable): nothing sent */
	IREC_EINTR = 130,     /* interrupted by SIGINT or SIGTERM */
};

struct irec_status_info {
	enum irec_status code;
	const char *name;    /* stable symbolic name, used in --json output */
	const char *summary; /* one line for --help, README and man page */
};

/* Table of every code, in numeric order; terminated by a NULL name. */
extern const struct irec_status_info irec_status_table[];

/* "not-trusted" for IREC_ENOTTRUSTED; "unknown" for a value not in the table. */
const char *irec_status_name(int code);

/* For --all: the one exit code that stands for many per-device results. */
int irec_status_combine(int a, int b);

#endif
