/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb: recovery/DFU/WTF/KIS/Port-DFU devices on a umockdev
 * testbed. Each plug is a fresh enumeration: sysfs device + /dev node +
 * "add" uevent, and an ioctl handler that answers usbfs like the kernel
 * does for libusb (lab-usb-fs.c). What the device itself answers is in
 * lab-usb-iboot.c.
 *
 * Threads: plug/unplug run on the main loop; the ioctl handler runs on
 * umockdev's worker thread and takes lab_lock() around shared state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "lab-usb-priv.h"
#include "umockdev-compat.h"

#define MAX_BUS       16
#define PORTS_PER_BUS 15
#define MAX_DEVNUM    127 /* USB addresses are 7 bits; 1 is the root hub */

static UMockdevTestbed *testbed;
static char *testbed_root;
static bool devnum_used[MAX_BUS + 1][MAX_DEVNUM + 1];
static unsigned devnum_last[MAX_BUS + 1];

struct usb_plug *usb_plug_ref(struct usb_plug *p)
{
	g_atomic_int_inc(&p->refs);
	return p;
}

void usb_plug_unref(struct usb_plug *p)
{
	if (!g_atomic_int_dec_and_test(&p->refs))
		return;
	if (p->env)
		g_hash_table_destroy(p->env);
	if (p->kis_reply)
		g_byte_array_unref(p->kis_reply);
	for (unsigned i = 0; i < USBSIM_N_STRINGS; i++)
		g_free(p->str_utf8[i]);
	g_free(p);
}

bool usbsim_running(void)
{
	return testbed != NULL;
}

UMockdevTestbed *usbsim_testbed(void)
{
	return testbed;
}

/* ---- testbed (main loop) --------------------------------------------------- */

/* Bus and port follow the device id, so the USB location is the same in
 * every mode; the address is new on each enumeration, as on real hubs. */
static bool pick_address(struct usb_plug *p, GError **error)
{
	unsigned slot = p->d->id - 1, n;

	if (p->d->id == 0 || slot >= MAX_BUS * PORTS_PER_BUS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
		            "device id %u: the USB side has room for ids 1..%u", p->d->id,
		            MAX_BUS * PORTS_PER_BUS);
		return false;
	}
	p->bus = slot / PORTS_PER_BUS + 1;
	p->port = slot % PORTS_PER_BUS + 1;
	n = devnum_last[p->bus];
	do /* at most PORTS_PER_BUS of 126 addresses are taken: this ends */
		n = (n < 2 || n >= MAX_DEVNUM) ? 2 : n + 1;
	while (devnum_used[p->bus][n]);
	devnum_used[p->bus][n] = true;
	devnum_last[p->bus] = p->devnum = n;
	snprintf(p->syspath, sizeof(p->syspath), "/sys/devices/pci0000:00/0000:00:14.0/usb%u/%u-%u",
	         p->bus, p->bus, p->port);
	snprintf(p->devnode, sizeof(p->devnode), "/dev/bus/usb/%03u/%03u", p->bus, p->devnum);
	return true;
}

static void hex_attr(GString *s, const char *name, const void *val, size_t len)
{
	const guint8 *b = val;

	g_string_append_printf(s, "H: %s=", name);
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, "%02X", b[i]);
	g_string_append_c(s, '\n');
}

/* Text attributes end in a newline like the kernel's (libusb warns
 * otherwise); hex keeps any bytes of a bad-serial fault intact. */
static void text_attr(GString *s, const char *name, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
static void text_attr(GString *s, const char *name, const char *fmt, ...)
{
	va_list ap;
	gchar *v, *line;

	va_start(ap, fmt);
	v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	line = g_strconcat(v, "\n", NULL);
	hex_attr(s, name, line, strlen(line));
	g_free(line);
	g_free(v);
}

/* umockdev's P:/N:/E:/A:/H: description of the usb_device. */
static gchar *describe(const struct usb_plug *p)
{
	unsigned minor = (p->bus - 1) * 128 + (p->devnum - 1);
	unsigned pid = p->desc[10] | p->desc[11] << 8;
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "P: %s\nN: %s\n", p->syspath + strlen("/sys"),
	                       p->devnode + strlen("/dev/"));
	g_string_append_printf(s, "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DEVNAME=%s\n",
	                       p->devnode);
	g_string_append_printf(s, "E: PRODUCT=5ac/%x/0\nE: BUSNUM=%03u\nE: DEVNUM=%03u\n", pid,
	                       p->bus, p->devnum);
	g_string_append_printf(s, "E: MAJOR=189\nE: MINOR=%u\nA: dev=189:%u\n", minor, minor);
	text_attr(s, "busnum", "%u", p->bus);
	text_attr(s, "devnum", "%u", p->devnum);
	text_attr(s, "devpath", "%u", p->port);
	text_attr(s, "speed", "480");
	if (p->config)
		text_attr(s, "bConfigurationValue", "1");
	else /* the kernel's attribute is empty while unconfigured */
		g_string_append(s, "H: bConfigurationValue=\n");
	text_attr(s, "bNumConfigurations", "1");
	text_attr(s, "idVendor", "05ac");
	text_attr(s, "idProduct", "%04x", pid);
	text_attr(s, "manufacturer", "%s", p->str_utf8[2]);
	text_attr(s, "product", "%s", p->str_utf8[3]);
	text_attr(s, "serial", "%s", p->str_utf8[4]);
	hex_attr(s, "descriptors", p->desc, p->desc_len);
	return g_string_free(s, FALSE);
}

static void chmod_in_testbed(const char *dir, const char *path, mode_t mode)
{
	gchar *f = g_build_filename(testbed_root, dir, path, NULL);

	if (chmod(f, mode) < 0)
		g_warning("irecsim: chmod %s: %s", f, g_strerror(errno));
	g_free(f);
}

static bool attach_handler(struct usb_plug *p, GError **error)
{
	p->handler = usbsim_fs_handler_new(p);
	if (!umockdev_testbed_attach_ioctl(testbed, p->devnode, p->handler, error))
		return false;
	/* connect() needs write permission: let clients of any user in. */
	chmod_in_testbed("ioctl", p->devnode, 0666);
	return true;
}

static void release_plug(struct usb_plug *p)
{
	devnum_used[p->bus][p->devnum] = false;
	/* Breaks the plug <-> handler cycle; open clients keep both alive. */
	g_clear_object(&p->handler);
	usb_plug_unref(p);
}

bool usbsim_plug(struct sim_device *d, GError **error)
{
	struct usb_plug *p;
	gchar *desc;
	bool ok;

	if (!testbed || d->usb_priv || !sim_mode_is_usb(d->mode)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
		            "usbsim: cannot plug device %u in %s", d->id, sim_mode_name(d->mode));
		return false;
	}
	p = g_new0(struct usb_plug, 1);
	p->refs = 1;
	p->d = d;
	p->mode = d->mode;
	p->node_private = d->inaccessible;
	p->config = d->unconfigured ? 0 : 1;
	if (!pick_address(p, error)) {
		usb_plug_unref(p);
		return false;
	}
	lab_lock();
	usbsim_iboot_setup(p);
	lab_unlock();
	/* The socket must exist before the "add" uevent: without it the
	 * client's open would land on umockdev's default handler. */
	if (!attach_handler(p, error)) {
		release_plug(p);
		return false;
	}
	desc = describe(p);
	usbsim_uevent_begin(testbed_root);
	ok = umockdev_testbed_add_from_string(testbed, desc, error); /* sends "add" */
	usbsim_uevent_end();
	g_free(desc);
	if (!ok) {
		umockdev_testbed_detach_ioctl(testbed, p->devnode, NULL);
		release_plug(p);
		return false;
	}
	/* usbfs opens O_RDWR: 0666 for everyone, 0600 (owner only) if inaccessible. */
	chmod_in_testbed("dev", p->devnode + strlen("/dev/"), p->node_private ? 0600 : 0666);
	d->usb_priv = p;
	lab_log(d, "usb", "plug %s 05ac:%04x %s port %u-%u%s", sim_mode_name(p->mode),
	        p->desc[10] | p->desc[11] << 8, p->devnode, p->bus, p->port,
	        p->node_private ? " (node 0600)" : "");
	return true;
}

void usbsim_unplug(struct sim_device *d)
{
	struct usb_plug *p = d->usb_priv;
	GError *err = NULL;

	if (!p || !testbed)
		return;
	lab_lock();
	p->gone = true;
	lab_unlock();
	/* "remove", then the sysfs dir; the socket goes last so a late open
	 * hits ENOENT or our ENODEV, and only once no connection waits on it. */
	usbsim_uevent_begin(testbed_root);
	compat_umockdev_remove_device(testbed, p->syspath);
	usbsim_uevent_end();
	usbsim_drain_socket(testbed_root, p->devnode);
	if (!umockdev_testbed_detach_ioctl(testbed, p->devnode, &err)) {
		g_warning("irecsim: detach %s: %s", p->devnode, err->message);
		g_error_free(err);
	}
	d->usb_priv = NULL;
	lab_log(d, "usb", "unplug %s", p->devnode);
	release_plug(p);
}

/* Clients may run as another user (setpriv ... nobody): they read sysfs,
 * connect() to the ioctl sockets and bind their emulated netlink socket
 * ($UMOCKDEV_DIR/event<fd>) in the root dir, so that is made like /tmp. */
static void open_testbed_to_all(void)
{
	if (chmod(testbed_root, 01777) < 0)
		g_warning("irecsim: chmod %s: %s", testbed_root, g_strerror(errno));
	chmod_in_testbed("ioctl", "_default", 0666);
}

bool usbsim_init(GError **error)
{
	const char *preload = g_getenv("LD_PRELOAD");
	size_t limit = sizeof(((struct sockaddr_un *)NULL)->sun_path);

	/* Uevents are sent through the mocked /sys: only works preloaded. */
	if (!preload || !strstr(preload, "libumockdev-preload")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
		            "usbsim: irecsim must run under umockdev-wrapper");
		return false;
	}
	testbed = umockdev_testbed_new(); /* sets $UMOCKDEV_DIR */
	testbed_root = umockdev_testbed_get_root_dir(testbed);
	/* Clients connect to "<root>/ioctl//dev/bus/usb/BBB/DDD". */
	if (strlen(testbed_root) + sizeof("/ioctl//dev/bus/usb/001/002" USBSIM_UNPLUGGED_SUFFIX) >
	    limit) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG,
		            "usbsim: testbed path %s too long for a UNIX socket; set TMPDIR=/tmp",
		            testbed_root);
		usbsim_shutdown();
		return false;
	}
	open_testbed_to_all();
	return true;
}

void usbsim_shutdown(void)
{
	if (testbed) {
		for (unsigned i = 0; i < lab_device_count(); i++) {
			struct sim_device *d = lab_device(i);

			if (d && d->usb_priv)
				usbsim_unplug(d);
		}
	}
	usbsim_iboot_shutdown();
	g_clear_object(&testbed); /* removes the testbed dir */
	g_clear_pointer(&testbed_root, g_free);
}
