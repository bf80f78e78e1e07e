/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks behind `irecctl doctor`. Each fills one struct doctor_result.
 * Nothing here asks a question or changes the host, except the lock check,
 * which takes and releases the lock of a reserved ECID (its file stays,
 * like every lock file).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libusb.h>
#include <usbmuxd.h>

#include "irecctl/devid.h"
#include "irecctl/doctor.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "irecctl/model.h"
#include "irecctl/log.h"
#include "irecctl/sanitize.h"
#include "irecctl/version.h"
#include "doctor-priv.h"

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK:
		return "ok";
	case DOCTOR_WARN:
		return "warn";
	case DOCTOR_FAIL:
		return "fail";
	}
	return "unknown";
}

void doctor_appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Truncating copy, for fixed fields filled from parsed text. */
void doctor_copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void doctor_set_result(struct doctor_result *r, const char *check, enum doctor_status status,
                       const char *fix)
{
	r->check = check;
	r->status = status;
	r->finding[0] = '\0';
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
}

const char *doctor_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* What a finding calls a device: its UDID in normal mode (what pairing
 * tools take), else its ECID; then its model, or the raw ids irecctl's
 * table lacks. Device-supplied text enters findings only through here. */
void doctor_append_device(char *buf, size_t len, const struct device *d)
{
	char id[80], what[160], clean_id[80], clean_what[160];

	if (d->model)
		snprintf(what, sizeof(what), "%s", d->model->name);
	else if (d->product_type[0])
		snprintf(what, sizeof(what), "%s", d->product_type);
	else if (d->have_cpid)
		snprintf(what, sizeof(what), "CPID 0x%04x, BDID 0x%02x", d->cpid, d->bdid);
	else
		snprintf(what, sizeof(what), "unidentified");
	if (d->mode == MODE_NORMAL && d->udid[0])
		snprintf(id, sizeof(id), "%s", d->udid);
	else if (d->ecid)
		devid_format_ecid(d->ecid, id);
	else if (d->usb_location[0])
		snprintf(id, sizeof(id), "USB %s", d->usb_location);
	else
		snprintf(id, sizeof(id), "a device");
	sanitize_text(clean_id, sizeof(clean_id), id);
	sanitize_text(clean_what, sizeof(clean_what), what);
	doctor_appendf(buf, len, "%s (%s)", clean_id, clean_what);
}

/* --- usb-access and udev-rules ------------------------------------------------------- */

static bool permission_denied(const struct device *d)
{
	return !strncmp(d->error, "permission denied", 17);
}

static void first_error(const struct device_list *l, bool denied, char *buf, size_t len)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct device *d = &l->v[i];
		if (mode_is_usb(d->mode) && !d->accessible && permission_denied(d) == denied) {
			sanitize_text(buf, len, d->error);
			/* "... (see 'irecctl doctor')": this is irecctl doctor */
			char *see = strstr(buf, " (see 'irecctl doctor')");
			if (see)
				*see = '\0';
			return;
		}
	}
	buf[0] = '\0';
}

void doctor_judge_usb_access(const struct device_list *l, uid_t euid, struct doctor_result *r)
{
	size_t raw = 0, denied = 0, broken = 0;
	char why[160];

	for (size_t i = 0; i < l->n; i++) {
		if (!mode_is_usb(l->v[i].mode))
			continue;
		raw++;
		if (l->v[i].accessible)
			continue;
		if (permission_denied(&l->v[i]))
			denied++;
		else
			broken++;
	}
	doctor_set_result(r, "usb-access", DOCTOR_OK, NULL);
	if (denied) {
		first_error(l, true, why, sizeof(why));
		r->status = DOCTOR_FAIL;
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "this user cannot open %zu of %zu device%s in recovery/DFU modes: %s",
		        denied, raw, doctor_plural(raw), why);
		snprintf(r->fix, sizeof(r->fix), "%s; %s", INSTALL_FIX, GROUP_FIX);
	} else if (broken) {
		first_error(l, false, why, sizeof(why));
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding),
		               "%zu of %zu device%s in recovery/DFU modes could not be read: %s",
		               broken, raw, doctor_plural(raw), why);
		snprintf(r->fix, sizeof(r->fix),
		         "replug the device (another cable or port); `irecctl status -v` has "
		         "details");
	} else if (euid == 0) {
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "running as root: USB access is not an issue (%zu device%s in recovery/DFU "
		        "modes)",
		        raw, doctor_plural(raw));
	} else if (raw) {
		doctor_appendf(r->finding, sizeof(r->finding),
		               "this user can open the %zu device%s in recovery/DFU modes", raw,
		               doctor_plural(raw));
	} else {
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "no device in recovery/DFU modes attached (udev-rules says whether one "
		        "could be opened)");
	}
}

static void append_missing(const struct udev_coverage *cov, char *buf, size_t len)
{
	const char *sep = "";

	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++) {
		if (cov->granted[i])
			continue;
		doctor_appendf(buf, len, "%s05ac:%04x (%s)", sep, doctor_udev_pid[i],
		               mode_name(mode_from_usb_pid(doctor_udev_pid[i])));
		sep = ", ";
	}
}

/* Would this (non-root) user get access through a group or MODE? */
static bool user_covered(const struct udev_coverage *cov)
{
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		if (!cov->world[i] && !cov->group_granted[i])
			return false;
	return true;
}

static void judge_udev_groups(const struct udev_coverage *cov, struct doctor_result *r)
{
	r->status = DOCTOR_WARN;
	if (cov->ngroups) {
		doctor_appendf(r->finding, sizeof(r->finding), "the rules grant access to group ");
		for (size_t i = 0; i < cov->ngroups; i++)
			doctor_appendf(r->finding, sizeof(r->finding), "%s%s", i ? "/" : "",
			               cov->groups[i]);
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        ", which this user is not in (TAG uaccess only serves a local desktop "
		        "session)");
		snprintf(r->fix, sizeof(r->fix), "%s", GROUP_FIX);
	} else {
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "the rules grant access through TAG uaccess only: a local desktop session "
		        "gets it, ssh and CI users do not");
		snprintf(r->fix, sizeof(r->fix), "%s; %s", INSTALL_FIX, GROUP_FIX);
	}
}

void doctor_judge_udev(const struct udev_coverage *cov, uid_t euid,
                       bool (*in_group)(const char *name), struct doctor_result *r)
{
	bool missing = false;

	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		missing |= !cov->granted[i];
	doctor_set_result(r, "udev-rules", DOCTOR_OK, NULL);
	if (missing) {
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding), "no udev rule grants access to ");
		append_missing(cov, r->finding, sizeof(r->finding));
		if (euid == 0)
			doctor_appendf(r->finding, sizeof(r->finding),
			               " (root needs none; other users do)");
		snprintf(r->fix, sizeof(r->fix), "%s", INSTALL_FIX);
		if (euid != 0 && !(in_group && in_group("plugdev")))
			doctor_appendf(r->fix, sizeof(r->fix), "; %s", GROUP_FIX);
	} else if (euid != 0 && !user_covered(cov)) {
		judge_udev_groups(cov, r);
	} else {
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "udev rules cover 05ac:1222, 1227, 1280-1283, 1881 and f014 (%zu rule "
		        "files "
		        "read)",
		        cov->files);
	}
}

/* --- pair records ---------------------------------------------------------------------- */

static void records_where(char *buf, size_t len)
{
	bool overridden;
	const char *addr = doctor_mux_address(&overridden);
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	if (overridden) {
		snprintf(buf, len, "kept by the usbmuxd at %s", addr);
		return;
	}
	d = opendir(RECORDS_DIR);
	if (!d) {
		snprintf(buf, len, RECORDS_DIR " %s",
		         errno == ENOENT ? "(absent: nothing paired yet)"
		                         : "(not readable by this user; usbmuxd reads it)");
		return;
	}
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".plist") && strcmp(e->d_name, "SystemConfiguration.plist"))
			n++;
	closedir(d);
	snprintf(buf, len, RECORDS_DIR " (%zu records)", n);
}

static void list_devices(const struct device_list *l, int trusted, char *buf, size_t len)
{
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].mode != MODE_NORMAL || l->v[i].trusted != trusted)
			continue;
		if (shown == FINDING_DEVICES) {
			more++;
			continue;
		}
		doctor_appendf(buf, len, "%s", shown++ ? ", " : "");
		doctor_append_device(buf, len, &l->v[i]);
	}
	if (more)
		doctor_appendf(buf, len, " and %zu more", more);
}

/* Name the UDID when there is one device to pair; a placeholder otherwise. */
static void pair_fix(const struct device_list *l, size_t unpaired, char *buf, size_t len)
{
	char udid[80] = "UDID";

	for (size_t i = 0; unpaired == 1 && i < l->n; i++)
		if (l->v[i].mode == MODE_NORMAL && l->v[i].trusted == 0 && l->v[i].udid[0])
			sanitize_text(udid, sizeof(udid), l->v[i].udid);
	/* usbmuxd's preflight pairs unpaired devices on every attach: a Trust
	 * dialog after each reboot that irecctl neither causes nor can stop. */
	snprintf(buf, len,
	         "unlock the device, run `idevicepair -u %s pair` and tap Trust; unpaired, iOS "
	         "14.5+ enters recovery only by buttons. Until then usbmuxd itself asks it to "
	         "pair (\"Trust This Computer?\") each time it attaches, after every reboot too; "
	         "irecctl does not",
	         udid);
}

void doctor_judge_pair_records(const struct device_list *l, const char *where,
                               struct doctor_result *r)
{
	size_t normal = 0, unpaired = 0, unknown = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].mode != MODE_NORMAL)
			continue;
		normal++;
		unpaired += l->v[i].trusted == 0;
		unknown += l->v[i].trusted < 0;
	}
	doctor_set_result(r, "pair-records", DOCTOR_OK, NULL);
	if (unpaired) {
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding),
		               "%zu of %zu normal-mode device%s not paired with this host: ",
		               unpaired, normal, doctor_plural(normal));
		list_devices(l, 0, r->finding, sizeof(r->finding));
		pair_fix(l, unpaired, r->fix, sizeof(r->fix));
	} else if (unknown) {
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding),
		               "could not check %zu of %zu normal-mode device%s: ", unknown, normal,
		               doctor_plural(normal));
		list_devices(l, -1, r->finding, sizeof(r->finding));
		snprintf(r->fix, sizeof(r->fix), "`irecctl status` says why they did not answer");
	} else if (normal) {
		doctor_appendf(r->finding, sizeof(r->finding),
		               "%zu of %zu normal-mode device%s paired", normal, normal,
		               doctor_plural(normal));
	} else {
		doctor_appendf(r->finding, sizeof(r->finding), "no normal-mode device attached");
	}
	doctor_appendf(r->finding, sizeof(r->finding), "; records: %s", where);
}

void doctor_check_pair_records(const struct device_list *l, struct doctor_result *r)
{
	char where[256];

	records_where(where, sizeof(where));
	doctor_judge_pair_records(l, where, r);
}

/* --- model table -------------------------------------------------------------------------- */

void doctor_judge_models(const struct device_list *l, struct doctor_result *r)
{
	size_t known = 0, unknown = 0, blank = 0;
	char names[DOCTOR_TEXT] = "";

	for (size_t i = 0; i < l->n; i++) {
		const struct device *d = &l->v[i];
		if (d->model && d->model->origin == MODEL_ORIGIN_TABLE) {
			known++;
		} else if (d->have_cpid || d->product_type[0]) {
			if (unknown++ < FINDING_DEVICES) {
				doctor_appendf(names, sizeof(names), "%s", unknown > 1 ? ", " : "");
				doctor_append_device(names, sizeof(names), d);
			}
		} else {
			blank++; /* restore mode, or no identity: status says why */
		}
	}
	doctor_set_result(r, "model-table", DOCTOR_OK, NULL);
	if (unknown) {
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding),
		               "%zu device%s newer than irecctl's table: %s%s", unknown,
		               doctor_plural(unknown), names,
		               unknown > FINDING_DEVICES ? ", ..." : "");
		snprintf(r->fix, sizeof(r->fix),
		         "update irecctl (its model table: data/README.md); until then buttons are "
		         "inferred where the family decides them, else give --model MODEL");
	} else if (known) {
		doctor_appendf(r->finding, sizeof(r->finding),
		               "irecctl's table knows the %zu identified device%s", known,
		               doctor_plural(known));
	} else {
		doctor_appendf(r->finding, sizeof(r->finding), "no identified device attached");
	}
	if (blank)
		doctor_appendf(r->finding, sizeof(r->finding), " (%zu without identity)", blank);
}

/* --- lock directory -------------------------------------------------------------------- */

/* Not an ECID any device has: doctor's own, so it never blocks a real job. */
#define DOCTOR_LOCK_ECID UINT64_MAX

static void judge_lock_mode(const char *dir, bool created, struct doctor_result *r)
{
	struct stat st;
	bool shared = !strcmp(dir, LOCK_DEFAULT_DIR);

	if (stat(dir, &st) < 0)
		return;
	doctor_appendf(r->finding, sizeof(r->finding),
	               "%s (%s, mode %04o): a lock was taken and released", dir,
	               created ? "created now" : "exists", (unsigned)(st.st_mode & 07777));
	/* The default directory is shared by every user of the host; a private
	 * one ($IRECCTL_LOCK_DIR) only has to serve its owner. */
	if (shared && (st.st_mode & 01777) != 01777) {
		r->status = DOCTOR_WARN;
		doctor_appendf(r->finding, sizeof(r->finding),
		               "; other users' irecctl cannot lock there");
		snprintf(r->fix, sizeof(r->fix), "sudo chmod 1777 %s", dir);
	}
}

static bool entry_readable(int dir_fd, const char *name, const struct stat *st)
{
	if (!S_ISREG(st->st_mode))
		return true; /* judged by its type */
	int fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno != EACCES;
	close(fd);
	return true;
}

/*
 * Entries irecctl refuses to lock (a FIFO, a symbolic link, another user's
 * unreadable file) block their device for good: name them and the fix.
 */
static void find_blocking_files(const char *dir, struct doctor_result *r)
{
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dir_fd >= 0 ? fdopendir(dir_fd) : NULL;
	struct dirent *e;
	size_t found = 0;
	char names[DOCTOR_TEXT] = "", clean[NAME_MAX + 1], first[NAME_MAX + 1] = "";

	if (!d) {
		if (dir_fd >= 0)
			close(dir_fd);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		const char *why;
		if (fnmatch("*.lock", e->d_name, FNM_PERIOD) ||
		    fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !lock_entry_blocks(&st, entry_readable(dir_fd, e->d_name, &st), &why))
			continue;
		sanitize_text(clean, sizeof(clean), e->d_name);
		if (!found)
			snprintf(first, sizeof(first), "%s", clean);
		if (found++ < FINDING_DEVICES)
			doctor_appendf(names, sizeof(names), "%s%s (%s)", found > 1 ? ", " : "",
			               clean, why);
	}
	closedir(d);
	if (!found)
		return;
	r->status = DOCTOR_FAIL;
	doctor_appendf(r->finding, sizeof(r->finding),
	               "; %zu lock file%s irecctl refuses, blocking %s device%s: %s%s", found,
	               doctor_plural(found), found == 1 ? "its" : "their", doctor_plural(found),
	               names, found > FINDING_DEVICES ? ", ..." : "");
	if (found == 1)
		snprintf(r->fix, sizeof(r->fix), "sudo rm %s/%s", dir, first);
	else
		snprintf(r->fix, sizeof(r->fix), "sudo rm each of them from %s", dir);
}

void doctor_check_lock_dir(struct doctor_result *r)
{
	const char *dir = lock_dir();
	struct dev_lock lk;
	struct stat st;
	char err[256], clean[256];
	bool existed = lstat(dir, &st) == 0;
	int rc;

	doctor_set_result(r, "lock-dir", DOCTOR_OK, NULL);
	if (existed && S_ISLNK(st.st_mode)) {
		r->status = DOCTOR_FAIL;
		doctor_appendf(
		        r->finding, sizeof(r->finding),
		        "%s is a symbolic link: irecctl refuses it (another user could redirect "
		        "it)",
		        dir);
		snprintf(r->fix, sizeof(r->fix), "sudo rm %s (irecctl creates the directory)", dir);
		return;
	}
	rc = lock_acquire(DOCTOR_LOCK_ECID, 0, &lk, err, sizeof(err));
	if (rc == IREC_OK) {
		lock_release(&lk);
		judge_lock_mode(dir, !existed, r);
		find_blocking_files(dir, r);
	} else if (rc == IREC_EBUSY) {
		doctor_appendf(r->finding, sizeof(r->finding),
		               "%s works (another doctor holds its lock now)", dir);
		find_blocking_files(dir, r);
	} else {
		sanitize_text(clean, sizeof(clean), err);
		r->status = DOCTOR_FAIL;
		doctor_appendf(r->finding, sizeof(r->finding), "%s", clean);
		snprintf(r->fix, sizeof(r->fix),
		         "sudo install -d -m 1777 %s, or set IRECCTL_LOCK_DIR to a directory of "
		         "yours",
		         dir);
	}
}

/* --- libraries ------------------------------------------------------------------------------ */

void doctor_check_libraries(struct doctor_result *r)
{
	const struct libusb_version *usb = libusb_get_version();

	doctor_set_result(r, "libraries", DOCTOR_OK, NULL);
	doctor_appendf(
	        r->finding, sizeof(r->finding),
	        "libusb %u.%u.%u (running); built against libirecovery %s, libimobiledevice %s, "
	        "libusbmuxd %s, libplist %s",
	        usb->major, usb->minor, usb->micro, IRECCTL_BUILT_LIBIRECOVERY,
	        IRECCTL_BUILT_LIBIMOBILEDEVICE, IRECCTL_BUILT_LIBUSBMUXD, IRECCTL_BUILT_LIBPLIST);
}
