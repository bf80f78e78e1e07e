/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `irecctl doctor`: checks of this host, each with a status, a one-line
 * finding and a one-line fix. The checks that only judge facts (a device
 * list, parsed udev rules, a usbmuxd command line) are separate from the
 * ones that gather them, so unit tests can feed them made-up hosts.
 */
#ifndef IRECCTL_DOCTOR_H
#define IRECCTL_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "irecctl/device.h"

enum doctor_status {
	DOCTOR_OK,
	DOCTOR_WARN, /* works, but something may bite; exit code stays 0 */
	DOCTOR_FAIL, /* irecctl cannot do its job here; exit code 1 */
};

#define DOCTOR_TEXT 400

struct doctor_result {
	const char *check; /* stable name: "usb-access", "udev-rules", ... */
	enum doctor_status status;
	char finding[DOCTOR_TEXT];
	char fix[DOCTOR_TEXT]; /* "" when there is nothing to do */
};

/* "ok", "warn", "fail". */
const char *doctor_status_name(enum doctor_status s);

/* --- udev rules -------------------------------------------------------------------- */

/* The raw-USB product ids irecctl must be able to open: WTF, DFU, the four
 * recovery ids, KIS and Port DFU. */
#define DOCTOR_UDEV_PIDS   8
#define DOCTOR_UDEV_GROUPS 8

extern const uint16_t doctor_udev_pid[DOCTOR_UDEV_PIDS];

struct udev_coverage {
	bool granted[DOCTOR_UDEV_PIDS]; /* some rule sets MODE, GROUP or TAG uaccess */
	bool world[DOCTOR_UDEV_PIDS];   /* ... with a MODE that lets every user read and write */
	bool group_granted[DOCTOR_UDEV_PIDS]; /* ... with a GROUP this process is in */
	char groups[DOCTOR_UDEV_GROUPS][32];  /* groups those rules name */
	size_t ngroups;
	bool usbmuxd_on_attach; /* a rule starts usbmuxd when a normal-mode device arrives */
	size_t files;           /* rule files read */
};

/* The directories udev reads, highest priority first (a file in /etc hides
 * one of the same name further down). NULL-terminated. */
extern const char *const doctor_udev_dirs[];

/*
 * Add what the rules in text (one file's contents) grant to cov. in_group
 * says whether this process is in a group (NULL: never). Understands
 * udev's "a|b" globs, line continuations, ACTION filters, vendor matches
 * through ATTR/ATTRS/ENV{PRODUCT}, and the `idVendor!="05ac", GOTO=` guard
 * older rule files use.
 */
void udev_scan_text(const char *text, struct udev_coverage *cov,
                    bool (*in_group)(const char *name));

/* Scan every *.rules file of dirs (NULL-terminated, highest priority
 * first); as in udev, a file hides those of the same name in later dirs. */
void udev_scan_dirs(const char *const *dirs, struct udev_coverage *cov,
                    bool (*in_group)(const char *name));

/* True if this process (real or supplementary groups) is in group name. */
bool doctor_in_group(const char *name);

/* --- judging facts ------------------------------------------------------------------- */

void doctor_judge_usb_access(const struct device_list *l, uid_t euid, struct doctor_result *r);
void doctor_judge_udev(const struct udev_coverage *cov, uid_t euid,
                       bool (*in_group)(const char *name), struct doctor_result *r);
/* where: one line on where the pair records live ("/var/lib/lockdown (3 records)"). */
void doctor_judge_pair_records(const struct device_list *l, const char *where,
                               struct doctor_result *r);
void doctor_judge_models(const struct device_list *l, struct doctor_result *r);

/*
 * The option in a usbmuxd command line that makes it exit when its last
 * device leaves (-z/--enable-exit, -u/--udev, -s/--systemd), or NULL.
 * argv[0] is the program name.
 */
const char *usbmuxd_exit_option(char *const *argv, int argc);

/* What doctor_check_usbmuxd() found out. */
struct mux_facts {
	const char *address;    /* $USBMUXD_SOCKET_ADDRESS or the default socket */
	bool overridden;        /* ... from USBMUXD_SOCKET_ADDRESS */
	int count;              /* devices listed; < 0: nothing answers at address */
	long pid;               /* a usbmuxd process (only looked for if !overridden); 0: none */
	char exit_option[16];   /* its usbmuxd_exit_option(), or "" */
	bool installed;         /* a usbmuxd binary is in the usual places */
	bool normal_attached;   /* sysfs has an Apple device in a usbmuxd mode */
	bool started_on_attach; /* a udev rule starts usbmuxd (udev_coverage) */
	/* Something at address that is not a usbmuxd, or does not answer
	 * (mux_endpoint_check()), so it was not asked further; "" otherwise. */
	char unusable[256];
};

void doctor_judge_usbmuxd(const struct mux_facts *m, struct doctor_result *r);

/* --- gathering and judging ------------------------------------------------------------- */

/* cov: whether udev starts usbmuxd on attach (then "not running" is fine). */
void doctor_check_usbmuxd(const struct udev_coverage *cov, struct doctor_result *r);
void doctor_check_pair_records(const struct device_list *l, struct doctor_result *r);
/* Takes and releases the lock of ECID 0xffffffffffffffff, which no device has. */
void doctor_check_lock_dir(struct doctor_result *r);
void doctor_check_libraries(struct doctor_result *r);
/* doctor-restore.c: the restore engine (found in PATH, never run), judged
 * with the libirecovery it links and the recovery/DFU devices attached. */
void doctor_judge_restore_engine(const char *engine, const char *irecovery_version,
                                 size_t usb_devices, struct doctor_result *r);
void doctor_check_restore_engine(const struct device_list *l, struct doctor_result *r);

#endif
