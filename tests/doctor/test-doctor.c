/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `irecctl doctor`'s judgement, on made-up hosts: udev rule files as
 * distributions ship them, usbmuxd command lines, device lists, and the
 * lock directory (real files under /tmp).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "irecctl/doctor.h"

#define PID_1881 6
#define PID_F014 7

static bool in_plugdev(const char *name)
{
	return !strcmp(name, "plugdev");
}

static bool in_nothing(const char *name)
{
	(void)name;
	return false;
}

static void scan(const char *text, struct udev_coverage *cov)
{
	memset(cov, 0, sizeof(*cov));
	udev_scan_text(text, cov, in_plugdev);
}

static bool all_granted(const struct udev_coverage *cov)
{
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		if (!cov->granted[i])
			return false;
	return true;
}

/* Debian 12's /lib/udev/rules.d/39-libirecovery.rules. */
static const char libirecovery_rule[] =
        "# Handle iOS devices in DFU and Recovery mode - for use with libirecovery\n"
        "\n"
        "ACTION==\"add\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"05ac\", "
        "ATTR{idProduct}==\"122[27]|128[0-3]\", TAG+=\"uaccess\"\n"
        "ACTION==\"add\", SUBSYSTEM==\"usb\", ATTR{idVendor}==\"05ac\", "
        "ATTR{idProduct}==\"1338\", TAG+=\"uaccess\"\n";

static void test_libirecovery_rule_lacks_kis_and_port_dfu(void **state)
{
	struct udev_coverage cov;
	struct doctor_result r;

	(void)state;
	scan(libirecovery_rule, &cov);
	for (size_t i = 0; i < PID_1881; i++)
		assert_true(cov.granted[i]);
	assert_false(cov.granted[PID_1881]);
	assert_false(cov.granted[PID_F014]);
	assert_int_equal(cov.ngroups, 0);

	doctor_judge_udev(&cov, 0, in_plugdev, &r);
	assert_string_equal(r.check, "udev-rules");
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "05ac:1881 (kis), 05ac:f014 (port-dfu)"));
	assert_non_null(strstr(r.finding, "root needs none"));
	assert_non_null(strstr(r.fix, "scripts/39-irecctl.rules"));
	assert_null(strstr(r.fix, "usermod")); /* root */

	doctor_judge_udev(&cov, 1000, in_nothing, &r);
	assert_non_null(strstr(r.fix, "usermod -aG plugdev"));
}

static void test_irecctl_rule_covers_everything(void **state)
{
	char path[512], *text = calloc(1, 8192);
	struct udev_coverage cov;
	struct doctor_result r;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/scripts/39-irecctl.rules", IRECCTL_SOURCE_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_true(fread(text, 1, 8191, f) > 0);
	fclose(f);
	scan(text, &cov);
	free(text);
	assert_true(all_granted(&cov));
	assert_int_equal(cov.ngroups, 1);
	assert_string_equal(cov.groups[0], "plugdev");

	doctor_judge_udev(&cov, 0, in_plugdev, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.fix, "");
	doctor_judge_udev(&cov, 1000, in_plugdev, &r);
	assert_int_equal(r.status, DOCTOR_OK);

	/* A user outside the group: only a local desktop session gets uaccess. */
	memset(&cov, 0, sizeof(cov));
	udev_scan_text("SUBSYSTEM==\"usb\", ATTR{idVendor}==\"05ac\", "
	               "ATTR{idProduct}==\"122[27]|128[0-3]|1881|f014\", MODE=\"0660\", "
	               "GROUP=\"plugdev\", TAG+=\"uaccess\"\n",
	               &cov, in_nothing);
	doctor_judge_udev(&cov, 1000, in_nothing, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "group plugdev, which this user is not in"));
	assert_non_null(strstr(r.fix, "usermod -aG plugdev"));
}

static void test_uaccess_only_warns_non_root(void **state)
{
	struct udev_coverage cov;
	struct doctor_result r;

	(void)state;
	scan("ATTR{idVendor}==\"05ac\", TAG+=\"uaccess\"\n", &cov);
	assert_true(all_granted(&cov)); /* no product match: every Apple id */
	doctor_judge_udev(&cov, 0, in_plugdev, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	doctor_judge_udev(&cov, 1000, in_plugdev, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "TAG uaccess only"));
}

static void test_world_mode_needs_no_group(void **state)
{
	struct udev_coverage cov;
	struct doctor_result r;

	(void)state;
	memset(&cov, 0, sizeof(cov));
	udev_scan_text("SUBSYSTEM==\"usb\", ATTRS{idVendor}==\"05AC\", MODE=\"0666\"\n", &cov,
	               in_nothing);
	assert_true(all_granted(&cov)); /* vendor ids match in any case */
	doctor_judge_udev(&cov, 1000, in_nothing, &r);
	assert_int_equal(r.status, DOCTOR_OK);
}

static void test_rules_that_grant_nothing(void **state)
{
	struct udev_coverage cov;

	(void)state;
	/* on removal; for other vendors; not for USB; no permission given;
	 * no vendor named at all; commented out */
	scan("ACTION==\"remove\", ATTR{idVendor}==\"05ac\", MODE=\"0666\"\n"
	     "ATTR{idVendor}!=\"05ac\", MODE=\"0666\"\n"
	     "SUBSYSTEM==\"hidraw\", ATTRS{idVendor}==\"05ac\", MODE=\"0666\"\n"
	     "ATTR{idVendor}==\"05ac\", ATTR{idProduct}==\"1881\", OWNER=\"usbmux\"\n"
	     "ATTR{idProduct}==\"f014\", MODE=\"0666\"\n"
	     "ATTR{idVendor}==\"18d1\", ATTR{idProduct}==\"1881\", MODE=\"0666\"\n"
	     "# ATTR{idVendor}==\"05ac\", MODE=\"0666\"\n"
	     "ATTR{idVendor}==\"05ac\", ATTR{idProduct}==\"1227\", TAG-=\"uaccess\"\n",
	     &cov);
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		assert_false(cov.granted[i]);
	assert_false(cov.usbmuxd_on_attach);
}

static void test_other_rule_shapes(void **state)
{
	struct udev_coverage cov;

	(void)state;
	/* A vendor guard with GOTO, as older rule files do; a continuation line;
	 * ENV{PRODUCT}. */
	scan("SUBSYSTEM!=\"usb\", GOTO=\"apple_end\"\n"
	     "ATTR{idVendor}!=\"05ac\", GOTO=\"apple_end\"\n"
	     "ATTR{idProduct}==\"1881\", MODE=\"0666\"\n"
	     "LABEL=\"apple_end\"\n"
	     "ATTR{idProduct}==\"1222\", MODE=\"0666\"\n"
	     "ATTR{idVendor}==\"05ac\", \\\n"
	     "  ATTR{idProduct}==\"1227\", GROUP=\"plugdev\"\n"
	     "ENV{PRODUCT}==\"5ac/f014/*\", ACTION==\"add|change\", MODE=\"0660\", "
	     "GROUP=\"storage\"\n",
	     &cov);
	assert_true(cov.granted[PID_1881]);
	assert_true(cov.world[PID_1881]);
	assert_false(cov.granted[0]); /* 1222: after the label, no vendor named */
	assert_true(cov.granted[1]);
	assert_true(cov.group_granted[1]);
	assert_true(cov.granted[PID_F014]);
	assert_false(cov.group_granted[PID_F014]);
	assert_int_equal(cov.ngroups, 2);
	assert_string_equal(cov.groups[1], "storage");
}

static void test_usbmuxd_rule(void **state)
{
	struct udev_coverage cov;

	(void)state;
	scan("SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", "
	     "ENV{PRODUCT}==\"5ac/12[9a][0-9a-f]/*|5ac/8600/*\", ACTION==\"add\", "
	     "ENV{USBMUX_SUPPORTED}=\"1\", ATTR{bConfigurationValue}=\"0\", OWNER=\"usbmux\", "
	     "ENV{SYSTEMD_WANTS}=\"usbmuxd.service\"\n"
	     "SUBSYSTEM==\"usb\", ENV{DEVTYPE}==\"usb_device\", "
	     "ENV{PRODUCT}==\"5ac/12[9a][0-9a-f]/*|5ac/8600/*\", ACTION==\"remove\", "
	     "RUN+=\"/usr/sbin/usbmuxd -x\"\n",
	     &cov);
	assert_true(cov.usbmuxd_on_attach);
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		assert_false(cov.granted[i]);

	scan("ACTION==\"remove\", RUN+=\"/usr/sbin/usbmuxd -x\"\n", &cov);
	assert_false(cov.usbmuxd_on_attach);
}

static void test_garbage_does_not_crash(void **state)
{
	struct udev_coverage cov;
	char *long_line = malloc(20000);

	(void)state;
	scan("ATTR{idVendor}==\n\"\n==\"05ac\"\nATTR{idVendor}==\"05ac\", MODE\n"
	     "ATTR{idVendor}==\"05ac\", MODE=\"0666\n"
	     "ATTR{idVendor}==\"[\", GROUP=\"x\"\n\\",
	     &cov);
	memset(long_line, 'A', 19999);
	long_line[19999] = '\0';
	scan(long_line, &cov);
	free(long_line);
}

/* A file in a higher directory hides the one of the same name below. */
static void test_scan_dirs_override(void **state)
{
	char root[] = "/tmp/irecctl-doctor-XXXXXX", etc[64], lib[64], path[128], cmd[128];
	const char *dirs[] = {etc, "/nonexistent/rules.d", lib, NULL};
	struct udev_coverage cov;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(etc, sizeof(etc), "%s/etc", root);
	snprintf(lib, sizeof(lib), "%s/lib", root);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(lib, 0755), 0);
	snprintf(path, sizeof(path), "%s/39-x.rules", lib);
	f = fopen(path, "w");
	fputs("ATTR{idVendor}==\"05ac\", MODE=\"0666\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/40-y.rules", lib);
	f = fopen(path, "w");
	fputs("ATTR{idVendor}==\"05ac\", ATTR{idProduct}==\"f014\", MODE=\"0666\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/40-y.rules.bak", lib);
	f = fopen(path, "w");
	fputs("ATTR{idVendor}==\"05ac\", MODE=\"0666\"\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/39-x.rules", etc);
	assert_int_equal(symlink("/dev/null", path), 0); /* masked */

	memset(&cov, 0, sizeof(cov));
	udev_scan_dirs(dirs, &cov, in_nothing);
	assert_int_equal(cov.files, 2);
	assert_false(cov.granted[0]);
	assert_true(cov.granted[PID_F014]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

static void test_usbmuxd_exit_option(void **state)
{
	char *systemd[] = {"/usr/sbin/usbmuxd", "--user", "usbmux", "--systemd"};
	char *plain[] = {"usbmuxd", "-U", "usbmux", "-f", "-v"};
	char *cluster[] = {"usbmuxd", "-fz"};
	char *user_z[] = {"usbmuxd", "-U", "zus", "-f"};
	char *user_glued[] = {"usbmuxd", "-Uzus"};
	char *udev[] = {"usbmuxd", "-u", "-U", "usbmux"};
	char *client[] = {"usbmuxd", "-x"};
	char *logfile[] = {"usbmuxd", "--logfile", "--systemd"};
	char *after_dashes[] = {"usbmuxd", "--", "-z"};
	char *script[] = {"/bin/sh", "./usbmuxd", "--enable-exit"};

	(void)state;
	assert_string_equal(usbmuxd_exit_option(systemd, 4), "--systemd");
	assert_null(usbmuxd_exit_option(plain, 5));
	assert_string_equal(usbmuxd_exit_option(cluster, 2), "-z");
	assert_null(usbmuxd_exit_option(user_z, 4));
	assert_null(usbmuxd_exit_option(user_glued, 2));
	assert_string_equal(usbmuxd_exit_option(udev, 4), "-u");
	assert_null(usbmuxd_exit_option(client, 2));
	assert_null(usbmuxd_exit_option(logfile, 3));
	assert_null(usbmuxd_exit_option(after_dashes, 3));
	assert_string_equal(usbmuxd_exit_option(script, 3), "--enable-exit");
	assert_null(usbmuxd_exit_option(systemd, 1));
}

static void test_judge_usbmuxd(void **state)
{
	struct mux_facts m = {.address = "/var/run/usbmuxd", .count = 2};
	struct doctor_result r;

	(void)state;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.finding, "usbmuxd answers at /var/run/usbmuxd (2 devices)");

	/* Exits with its last device: a warning, only when it runs that way. */
	m.pid = 42;
	snprintf(m.exit_option, sizeof(m.exit_option), "--systemd");
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "(pid 42) runs with --systemd"));
	assert_non_null(strstr(r.finding, "comes back on the next attach via udev"));

	m.count = -1;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_non_null(strstr(r.finding, "pid 42"));

	memset(&m, 0, sizeof(m));
	m.address = "/var/run/usbmuxd";
	m.count = -1;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_non_null(strstr(r.finding, "not installed"));

	m.installed = true;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	m.started_on_attach = true;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.fix, "");
	m.normal_attached = true;
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_FAIL);

	m.overridden = true;
	m.address = "UNIX:/nowhere";
	doctor_judge_usbmuxd(&m, &r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_string_equal(r.finding, "USBMUXD_SOCKET_ADDRESS=UNIX:/nowhere does not answer");
}

static struct device *add(struct device_list *l, enum dev_mode mode, uint64_t ecid)
{
	struct device *d = device_list_add(l);

	d->mode = mode;
	d->ecid = ecid;
	return d;
}

static void test_judge_usb_access(void **state)
{
	struct device_list l = {0};
	struct doctor_result r;
	struct device *d;

	(void)state;
	doctor_judge_usb_access(&l, 1000, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	doctor_judge_usb_access(&l, 0, &r);
	assert_non_null(strstr(r.finding, "running as root"));

	add(&l, MODE_RECOVERY, 2);
	d = add(&l, MODE_NORMAL, 3); /* usbmuxd's: not this check's */
	d->accessible = false;
	snprintf(d->error, sizeof(d->error), "permission denied on something");
	doctor_judge_usb_access(&l, 1000, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.finding, "this user can open the 1 device in recovery/DFU modes");

	d = add(&l, MODE_KIS, 4);
	d->accessible = false;
	snprintf(d->error, sizeof(d->error),
	         "permission denied on /dev/bus/usb/001/004 (see 'irecctl doctor')");
	doctor_judge_usb_access(&l, 1000, &r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_string_equal(r.finding, "this user cannot open 1 of 2 devices in recovery/DFU "
	                               "modes: permission denied on /dev/bus/usb/001/004");
	assert_non_null(strstr(r.fix, "39-irecctl.rules"));

	d->accessible = true;
	d->error[0] = '\0';
	d = add(&l, MODE_DFU, 5);
	d->accessible = false;
	snprintf(d->error, sizeof(d->error), "cannot read the identity string: \x1b[31mboom");
	doctor_judge_usb_access(&l, 0, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_null(strchr(r.finding, '\x1b')); /* device text is sanitized */
	device_list_free(&l);
}

static void test_judge_pair_records(void **state)
{
	struct device_list l = {0};
	struct doctor_result r;
	struct device *d;

	(void)state;
	doctor_judge_pair_records(&l, "/var/lib/lockdown (0 records)", &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.finding, "no normal-mode device attached; records: "
	                               "/var/lib/lockdown (0 records)");

	d = add(&l, MODE_NORMAL, 0x11);
	d->trusted = 1;
	add(&l, MODE_RECOVERY, 0x12);
	doctor_judge_pair_records(&l, "X", &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.finding, "1 of 1 normal-mode device paired; records: X");

	d = add(&l, MODE_NORMAL, 0x13);
	d->trusted = 0;
	snprintf(d->udid, sizeof(d->udid), "00008030-0000000000000013");
	snprintf(d->product_type, sizeof(d->product_type), "iPhone12,1");
	doctor_judge_pair_records(&l, "X", &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "1 of 2 normal-mode devices not paired with this host: "
	                                  "00008030-0000000000000013 (iPhone12,1)"));
	assert_non_null(strstr(r.fix, "idevicepair -u 00008030-0000000000000013 pair"));
	device_list_free(&l);
}

static void test_judge_models(void **state)
{
	struct device_list l = {0};
	struct doctor_result r;
	struct device *d;

	(void)state;
	doctor_judge_models(&l, &r);
	assert_int_equal(r.status, DOCTOR_OK);

	d = add(&l, MODE_RECOVERY, 0x22);
	d->cpid = 0x8015;
	d->bdid = 0x02;
	d->have_cpid = d->have_bdid = true;
	device_identify(d);
	assert_non_null(d->model);
	add(&l, MODE_RESTORE, 0); /* no identity in restore mode */
	doctor_judge_models(&l, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.finding,
	                    "irecctl's table knows the 1 identified device (1 without identity)");

	d = add(&l, MODE_DFU, 0x44);
	d->cpid = 0x8150;
	d->bdid = 0x44;
	d->have_cpid = d->have_bdid = true;
	device_identify(d);
	assert_null(d->model);
	doctor_judge_models(&l, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding, "1 device newer than irecctl's table: "
	                                  "0x0000000000000044 (CPID 0x8150, BDID 0x44)"));
	assert_non_null(strstr(r.fix, "update irecctl"));
	device_list_free(&l);
}

static void test_lock_dir(void **state)
{
	char root[] = "/tmp/irecctl-doctor-XXXXXX", dir[64], link[64], cmd[128];
	struct doctor_result r;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(dir, sizeof(dir), "%s/locks", root);
	setenv("IRECCTL_LOCK_DIR", dir, 1);
	doctor_check_lock_dir(&r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_non_null(strstr(r.finding, "(created now, mode 1777)"));
	doctor_check_lock_dir(&r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_non_null(strstr(r.finding, "(exists, mode 1777)"));

	snprintf(link, sizeof(link), "%s/link", root);
	assert_int_equal(symlink(dir, link), 0);
	setenv("IRECCTL_LOCK_DIR", link, 1);
	doctor_check_lock_dir(&r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_non_null(strstr(r.finding, "is a symbolic link"));

	snprintf(link, sizeof(link), "%s/file", root);
	fclose(fopen(link, "w"));
	setenv("IRECCTL_LOCK_DIR", link, 1);
	doctor_check_lock_dir(&r);
	assert_int_equal(r.status, DOCTOR_FAIL);
	assert_non_null(strstr(r.fix, "IRECCTL_LOCK_DIR"));

	unsetenv("IRECCTL_LOCK_DIR");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_libirecovery_rule_lacks_kis_and_port_dfu),
	        cmocka_unit_test(test_irecctl_rule_covers_everything),
	        cmocka_unit_test(test_uaccess_only_warns_non_root),
	        cmocka_unit_test(test_world_mode_needs_no_group),
	        cmocka_unit_test(test_rules_that_grant_nothing),
	        cmocka_unit_test(test_other_rule_shapes),
	        cmocka_unit_test(test_usbmuxd_rule),
	        cmocka_unit_test(test_garbage_does_not_crash),
	        cmocka_unit_test(test_scan_dirs_override),
	        cmocka_unit_test(test_usbmuxd_exit_option),
	        cmocka_unit_test(test_judge_usbmuxd),
	        cmocka_unit_test(test_judge_usb_access),
	        cmocka_unit_test(test_judge_pair_records),
	        cmocka_unit_test(test_judge_models),
	        cmocka_unit_test(test_lock_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
