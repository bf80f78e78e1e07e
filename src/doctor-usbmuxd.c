/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks behind `irecctl doctor`. Each fills one struct doctor_result.
 * Nothing here asks a question or changes the host, except the lock check,
 * which takes and releases the lock of a reserved ECID (its file stays,
 * like every lock file).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
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
#include "irecctl/mux-endpoint.h"
#include "irecctl/version.h"
#include "doctor-priv.h"

#define MUX_ASK_MS 2000

/* --- usbmuxd ---------------------------------------------------------------------------- */

static bool takes_argument(char opt)
{
	return opt == 'U' || opt == 'l' || opt == 'S' || opt == 'P';
}

/* One cluster of short options ("-fz", "-Uuser"); *skip_next if the last
 * one takes the next word as its argument. */
static const char *short_exit_option(const char *arg, bool *skip_next)
{
	static const char *const names[] = {"-z", "-u", "-s"};

	for (const char *c = arg + 1; *c; c++) {
		if (takes_argument(*c)) {
			*skip_next = c[1] == '\0';
			return NULL;
		}
		const char *hit = strchr("zus", *c);
		if (hit)
			return names[hit - "zus"];
	}
	return NULL;
}

const char *usbmuxd_exit_option(char *const *argv, int argc)
{
	static const char *const with_value[] = {"--user", "--logfile", "--socket", "--pidfile",
	                                         NULL};
	static const char *const exiting[] = {"--enable-exit", "--udev", "--systemd", NULL};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool skip = false;

		if (!strcmp(a, "--"))
			break;
		if (doctor_key_is(a, exiting))
			return a;
		if (doctor_key_is(a, with_value)) {
			i++;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			const char *hit = short_exit_option(a, &skip);
			if (hit)
				return hit;
			i += skip;
		}
	}
	return NULL;
}

static bool read_small_file(const char *path, char *buf, size_t len, size_t *n)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	*n = fread(buf, 1, len - 1, f);
	buf[*n] = '\0';
	fclose(f);
	return true;
}

/* argv of a process from /proc/PID/cmdline (NUL-separated). */
static void inspect_cmdline(long pid, struct mux_facts *p)
{
	char path[64], buf[2048], *argv[64];
	size_t n = 0;
	int argc = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (!read_small_file(path, buf, sizeof(buf), &n))
		return;
	for (size_t i = 0; i < n && argc < 64; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	const char *opt = usbmuxd_exit_option(argv, argc);
	if (opt)
		snprintf(p->exit_option, sizeof(p->exit_option), "%s", opt);
}

static void find_usbmuxd(struct mux_facts *p)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[64], comm[32];
	size_t n;

	if (!d)
		return;
	while (!p->pid && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (read_small_file(path, comm, sizeof(comm), &n) && !strcmp(comm, "usbmuxd\n")) {
			p->pid = pid;
			inspect_cmdline(pid, p);
		}
	}
	closedir(d);
}

static bool usbmuxd_installed(void)
{
	static const char *const paths[] = {"/usr/sbin/usbmuxd",       "/sbin/usbmuxd",
	                                    "/usr/local/sbin/usbmuxd", "/usr/bin/usbmuxd",
	                                    "/usr/local/bin/usbmuxd",  NULL};

	for (const char *const *p = paths; *p; p++)
		if (access(*p, X_OK) == 0)
			return true;
	return false;
}

static bool normal_pid(unsigned pid)
{
	return (pid >= 0x1290 && pid <= 0x12af) || (pid >= 0x1901 && pid <= 0x1905) ||
	       pid == 0x8600;
}

static unsigned read_hex_attr(const char *dev, const char *attr)
{
	char path[512], buf[16];
	size_t n;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", dev, attr);
	if (!read_small_file(path, buf, sizeof(buf), &n))
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

/* An Apple device on the bus in a mode only usbmuxd serves (from sysfs). */
static bool normal_mode_attached(void)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' && read_hex_attr(e->d_name, "idVendor") == APPLE_VID &&
		        normal_pid(read_hex_attr(e->d_name, "idProduct"));
	closedir(d);
	return found;
}

const char *doctor_mux_address(bool *overridden)
{
	const char *a = getenv("USBMUXD_SOCKET_ADDRESS");

	*overridden = a && *a;
	return *overridden ? a : MUX_DEFAULT;
}

static void judge_mux_up(const struct mux_facts *m, struct doctor_result *r)
{
	doctor_appendf(r->finding, sizeof(r->finding), "usbmuxd answers at %s (%d device%s)",
	               m->address, m->count, doctor_plural((size_t)m->count));
	if (!m->exit_option[0])
		return;
	/* The udev rule runs `usbmuxd -x` on every removal; with exit enabled the
	 * daemon then quits once it has no device left, e.g. when the only phone
	 * drops into recovery, until udev starts it on the next normal-mode attach. */
	r->status = DOCTOR_WARN;
	doctor_appendf(
	        r->finding, sizeof(r->finding),
	        "; it (pid %ld) runs with %s, so it exits when its last device leaves (e.g. for "
	        "recovery) and comes back on the next attach via udev",
	        m->pid, m->exit_option);
	snprintf(r->fix, sizeof(r->fix),
	         "usually harmless; to keep it running, start it without -z/-u/--systemd "
	         "(systemctl edit usbmuxd: ExecStart=/usr/sbin/usbmuxd --user usbmux -f)");
}

static void judge_mux_down(const struct mux_facts *m, struct doctor_result *r)
{
	char *f = r->finding, *x = r->fix;
	size_t fl = sizeof(r->finding), xl = sizeof(r->fix);

	r->status = DOCTOR_FAIL;
	if (m->unusable[0]) {
		doctor_appendf(f, fl, "%s", m->unusable);
		snprintf(x, xl, "point USBMUXD_SOCKET_ADDRESS at a usbmuxd, or unset it");
	} else if (m->overridden) {
		doctor_appendf(f, fl, "USBMUXD_SOCKET_ADDRESS=%s does not answer", m->address);
		snprintf(x, xl, "start the usbmuxd it names, or unset USBMUXD_SOCKET_ADDRESS");
	} else if (m->pid) {
		doctor_appendf(f, fl, "usbmuxd (pid %ld) runs, but %s does not answer", m->pid,
		               m->address);
		snprintf(x, xl, "sudo systemctl restart usbmuxd");
	} else if (!m->installed) {
		doctor_appendf(f, fl,
		               "usbmuxd is not installed: normal-mode devices cannot be seen");
		snprintf(x, xl, "sudo apt-get install usbmuxd (or your distribution's package)");
	} else if (m->normal_attached) {
		doctor_appendf(f, fl,
		               "a device is attached in normal mode, but usbmuxd is not running");
		snprintf(x, xl, "sudo systemctl start usbmuxd, or replug the device");
	} else if (m->started_on_attach) {
		/* How Debian runs it: started by udev for a device, gone without one. */
		r->status = DOCTOR_OK;
		doctor_appendf(
		        f, fl,
		        "usbmuxd is not running; udev starts it when a device attaches in normal "
		        "mode");
	} else {
		r->status = DOCTOR_WARN;
		doctor_appendf(f, fl,
		               "usbmuxd is not running and no udev rule starts it on attach");
		snprintf(x, xl, "sudo systemctl start usbmuxd (or run `sudo usbmuxd`)");
	}
}

void doctor_judge_usbmuxd(const struct mux_facts *m, struct doctor_result *r)
{
	doctor_set_result(r, "usbmuxd", DOCTOR_OK, NULL);
	if (m->count >= 0)
		judge_mux_up(m, r);
	else
		judge_mux_down(m, r);
}

void doctor_check_usbmuxd(const struct udev_coverage *cov, struct doctor_result *r)
{
	usbmuxd_device_info_t *list = NULL;
	struct mux_facts m;

	memset(&m, 0, sizeof(m));
	m.address = doctor_mux_address(&m.overridden);
	/* A stranger or a silent endpoint would hold libusbmuxd in its own
	 * timeouts (or worse): asked once first, with a short deadline. */
	m.count = -1;
	if (mux_endpoint_check(MUX_ASK_MS, m.unusable, sizeof(m.unusable)) != MUX_HOSTILE) {
		m.unusable[0] = '\0';
		m.count = usbmuxd_get_device_list(&list);
	}
	if (m.count >= 0)
		usbmuxd_device_list_free(&list);
	/* This host's daemon matters only when irecctl talks to it. */
	if (!m.overridden)
		find_usbmuxd(&m);
	m.installed = usbmuxd_installed();
	m.normal_attached = normal_mode_attached();
	m.started_on_attach = cov->usbmuxd_on_attach;
	doctor_judge_usbmuxd(&m, r);
}
