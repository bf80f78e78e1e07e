/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the engine's output. Both engine generations print
 * "progress: STEP FRACTION" lines under -P (steps 0 DETECT, 1 PREPARE,
 * 2 UPLOAD_FS, 3 VERIFY_FS, 4 FLASH_FW, 5 FLASH_BB, 6 FUD), "Variant: ..."
 * before anything is written to the device, and "Status: ..." lines from
 * restored. PREPARE reaching 1.0 means StartRestore was sent: the point of
 * no return. The last "progress: 6 1.000000" is printed even after a
 * SIGTERM, so it proves nothing; "Status: Restore Finished" does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "irecctl/restore.h"

static const char *const phase_names[RP_COUNT] = {"detect", "sign", "upload", "restore", "verify"};

const char *rphase_name(enum rphase ph)
{
	return ph < RP_COUNT ? phase_names[ph] : "?";
}

void rprogress_init(struct rprogress *p)
{
	memset(p, 0, sizeof(*p));
	p->step = -1;
}

/* Where PREPARE's fractions fall: before 0.25 the image is extracted and
 * signed; then iBEC, ramdisk, kernel go to the device. */
static enum rphase phase_of(int step, double f)
{
	if (step <= 0)
		return RP_DETECT;
	if (step == 1 && f < 0.25)
		return RP_SIGN;
	if (step == 1 && f < 1.0)
		return RP_UPLOAD;
	return RP_RESTORE;
}

/* 0-5 % detect, 5-30 % prepare, 30-95 % the five restore steps; verify last. */
static double overall(int step, double f)
{
	if (step <= 0)
		return 0.05 * f;
	if (step == 1)
		return 0.05 + 0.25 * f;
	return 0.30 + 0.65 * ((double)(step - 2) + f) / 5.0;
}

static unsigned on_progress(struct rprogress *p, const char *args)
{
	int step;
	double f;
	unsigned changed = 0;

	if (sscanf(args, "%d %lf", &step, &f) != 2 || step < 0 || step > 6 || !(f >= 0.0) ||
	    f > 1.0)
		return 0;
	/* The final line comes whatever happened: only Status: says finished. */
	if (step == 6 && f >= 1.0 && !p->finished && p->step != 6)
		return 0;
	p->step = step;
	p->step_fraction = f;
	enum rphase ph = phase_of(step, f);
	if (ph > p->phase) {
		p->phase = ph;
		changed |= RP_CHANGED_PHASE;
	}
	if (step == 1 && f >= 1.0 && !p->past_point_of_no_return) {
		p->past_point_of_no_return = true;
		changed |= RP_CHANGED_PONR;
	}
	double o = overall(step, f);
	if (o > p->fraction) {
		p->fraction = o;
		changed |= RP_CHANGED_FRACTION;
	}
	return changed;
}

static bool has(const char *line, const char *needle)
{
	return strstr(line, needle) != NULL;
}

static void on_sign(struct rprogress *p, const char *line)
{
	if (has(line, "response successfully received") || has(line, "Received SHSH blobs"))
		p->sign = SIGN_OK;
	else if (has(line, "isn't eligible") || has(line, "status=94") || has(line, "status=69"))
		p->sign = SIGN_REFUSED;
	else if (p->sign != SIGN_REFUSED && has(line, "TSS request failed"))
		p->sign = SIGN_UNREACHABLE;
}

static unsigned on_status(struct rprogress *p, const char *text)
{
	snprintf(p->status, sizeof(p->status), "%s", text);
	if (!strncmp(text, "Restore Finished", 16)) {
		p->finished = true;
		return RP_CHANGED_FINISHED | RP_CHANGED_STATUS;
	}
	p->status_failed = true;
	return RP_CHANGED_STATUS;
}

unsigned rprogress_line(struct rprogress *p, const char *line)
{
	/* HEAD's logger prefixes "HH:MM:SS.mmm <Level> ": skip to the text. */
	const char *gt = strchr(line, '>');
	if (line[0] >= '0' && line[0] <= '9' && line[1] && line[2] == ':' && gt)
		line = gt + 1 + (gt[1] == ' ');
	if (!strncmp(line, "progress: ", 10))
		return on_progress(p, line + 10);
	if (!strncmp(line, "Variant: ", 9) && !p->variant[0]) {
		snprintf(p->variant, sizeof(p->variant), "%s", line + 9);
		return RP_CHANGED_VARIANT;
	}
	if (!strncmp(line, "Status: ", 8))
		return on_status(p, line + 8);
	if (!strncmp(line, "Unhandled status message", 24))
		return on_status(p, line);
	if (has(line, "Sending iBEC") || has(line, "Sending iBSS") || has(line, "setenv"))
		p->wrote_device = true;
	if (has(line, "Unable to find any build identities") ||
	    has(line, "Unable to find a matching build identity"))
		p->no_identity = true;
	on_sign(p, line);
	if (!strncmp(line, "ERROR: ", 7))
		snprintf(p->last_error, sizeof(p->last_error), "%s", line + 7);
	return 0;
}
