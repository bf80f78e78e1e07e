/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>

#include "irecctl/exitcode.h"

const struct irec_status_info irec_status_table[] = {
        {IREC_OK, "ok", "success (also when the device already was in the requested mode)"},
        {IREC_EFAIL, "failed", "general failure"},
        {IREC_EUSAGE, "usage", "invalid command line or configuration (USBMUXD_SOCKET_ADDRESS)"},
        {IREC_ENODEV, "no-device", "no attached device matches"},
        {IREC_EAMBIGUOUS, "ambiguous", "more than one device matches; use -d ID or --all"},
        {IREC_ETIMEOUT, "timeout", "timed out waiting for the device"},
        {IREC_EBUSY, "busy", "the device is in use by another irecctl process or another program"},
        {IREC_EWRONGMODE, "wrong-mode", "the device's current mode does not allow the request"},
        {IREC_ENEEDPERSON, "needs-person", "a person must press the device's buttons"},
        {IREC_ENOTTRUSTED, "not-trusted",
         "the device does not trust (is not paired with) this host"},
        {IREC_EPERM, "permission", "permission denied on the USB device"},
        {IREC_ELOOP, "recovery-loop", "the device came back in recovery mode (recovery loop)"},
        {IREC_EOTHERMODE, "other-mode", "the device arrived in a different mode than requested"},
        {IREC_EUNIMPL, "not-implemented", "this subcommand is not implemented yet"},
        {IREC_EGONE, "disconnected", "the device disconnected during the command"},
        {IREC_ELOCKED, "passcode-locked", "the device is passcode-locked; unlock it first"},
        {IREC_EPROTO, "protocol", "the device sent a malformed or unexpected reply"},
        {IREC_ENOENGINE, "engine-unusable",
         "the restore engine (idevicerestore) is missing, too old, or cannot do this"},
        {IREC_ENOFIT, "ipsw-mismatch",
         "the IPSW does not fit the device (model, board, identity, components, space)"},
        {IREC_ENOTSIGNED, "not-signed",
         "Apple's signing server refuses this version for the device"},
        {IREC_ENOSIGNER, "signing-unreachable", "the signing server could not be reached"},
        {IREC_EBRICKED, "restore-failed",
         "the restore failed after the point of no return: restore the device again"},
        {IREC_ENOVERIFY, "cannot-verify",
         "irecctl could not watch for the result (usbmuxd unusable), so it sent nothing"},
        {IREC_EINTR, "interrupted", "interrupted by a signal (SIGINT/SIGTERM)"},
        {0, NULL, NULL},
};

static const struct irec_status_info *lookup(int code)
{
	for (const struct irec_status_info *i = irec_status_table; i->name; i++)
		if ((int)i->code == code)
			return i;
	return NULL;
}

const char *irec_status_name(int code)
{
	const struct irec_status_info *i = lookup(code);
	return i ? i->name : "unknown";
}

/*
 * Success only if every device succeeded; an interruption wins over
 * everything (the user asked to stop); otherwise the first failure is kept
 * so the exit code names a real per-device outcome.
 */
int irec_status_combine(int a, int b)
{
	if (a == IREC_EINTR || b == IREC_EINTR)
		return IREC_EINTR;
	if (a != IREC_OK)
		return a;
	return b;
}
