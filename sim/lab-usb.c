/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb: recovery/DFU/WTF/KIS/Port-DFU devices on a umockdev
 * testbed. Each plug is a fresh enumeration: sysfs device + /dev node +
 * "add" uevent, and an ioctl handler that answers usbfs like the kernel
 * does for libusb (URBs are completed at submit and queued for reaping,
 * except those a fault leaves outstanding: a disconnect or DISCARDURB ends
 * them, as the kernel does).
 * What the device itself answers is in lab-usb-iboot.c.
 *
 * Threads: plug/unplug run on the main loop; the ioctl handler runs on
 * umockdev's worker thread and takes lab_lock() around shared state.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/usbdevice_fs.h>

#include "lab-usb-priv.h"
#include "umockdev-compat.h"

#define MAX_BUS       16
#define PORTS_PER_BUS 15
#define MAX_DEVNUM    127 /* USB addresses are 7 bits; 1 is the root hub */
#define FD_KEY        "irecsim-usb-fd"
/* Without scatter-gather libusb splits bulk transfers into 16 KiB URBs
 * (BULK_CONTINUATION), which is what the lab notes recorded. */
#define USBFS_CAPS                                                                                 \
	(USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |                               \
	 USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT)

/* Per client (one open fd on the node): its URBs, and the plug for the
 * "close" line, logged when umockdev drops the client after the fd closed. */
struct usb_fd {
	GQueue urbs;    /* completed, waiting to be reaped */
	GQueue pending; /* submitted, never completed by the device (an unacked reboot) */
	struct usb_plug *p;
	bool late;  /* accepted after the unplug: "open" is logged at close */
	bool quiet; /* the lab's own connection (lab-usb-drain.c): not logged */
};

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

static void closure_unref(gpointer data, GClosure *closure)
{
	(void)closure;
	usb_plug_unref(data);
}

/* ---- usbfs ioctls (worker thread) ---------------------------------------- */

static gboolean done(UMockdevIoctlClient *c, long ret, int err)
{
	umockdev_ioctl_client_complete(c, ret, err);
	return TRUE;
}

/* Map client memory at parent+off into this process (a new ref, or NULL). */
static UMockdevIoctlData *resolve(UMockdevIoctlData *parent, gsize off, gsize len)
{
	GError *err = NULL;
	UMockdevIoctlData *r = umockdev_ioctl_data_resolve(parent, off, len, &err);

	if (err) {
		g_warning("irecsim: cannot read usbfs ioctl argument: %s", err->message);
		g_error_free(err);
	}
	return r;
}

static UMockdevIoctlData *resolve_arg(UMockdevIoctlClient *c, gsize len)
{
	return resolve(umockdev_ioctl_client_get_arg(c), 0, len);
}

static gboolean get_caps(UMockdevIoctlClient *c)
{
	UMockdevIoctlData *a = resolve_arg(c, sizeof(guint32));

	if (!a)
		return done(c, -1, EFAULT);
	*(guint32 *)a->data = USBFS_CAPS;
	g_object_unref(a);
	return done(c, 0, 0);
}

/* Completes the URB at once: poll() on the mocked node is always ready, so
 * a pending URB would make libusb spin. Returns an errno for SUBMITURB. */
static int run_urb(struct usb_plug *p, struct usbdevfs_urb *urb, guint8 *buf)
{
	int len = urb->buffer_length;

	urb->actual_length = 0;
	switch (urb->type) {
	case USBDEVFS_URB_TYPE_CONTROL:
		if (len < 8 || len < 8 + (buf[6] | buf[7] << 8))
			return EINVAL;
		urb->status = usbsim_iboot_control(p, buf, buf + 8, &urb->actual_length);
		return 0;
	case USBDEVFS_URB_TYPE_BULK:
	case USBDEVFS_URB_TYPE_INTERRUPT:
		if (p->mode == SIM_KIS && (urb->endpoint & 0x80))
			urb->status =
			        usbsim_kis_in(p, urb->endpoint, buf, len, &urb->actual_length);
		else if (p->mode == SIM_KIS)
			urb->status =
			        usbsim_kis_out(p, urb->endpoint, buf, len, &urb->actual_length);
		else
			urb->status =
			        usbsim_iboot_bulk(p, urb->endpoint, buf, len, &urb->actual_length);
		return 0;
	default:
		return EINVAL;
	}
}

struct delayed {
	UMockdevIoctlClient *c;
	unsigned ms;
	int err; /* 0: the ioctl succeeds; else it fails with this errno */
};

/* An ioctl answered later, from a thread of its own, so the worker thread
 * (every device's) never waits. */
static gpointer delayed_done(gpointer data)
{
	struct delayed *j = data;

	g_usleep((gulong)j->ms * 1000);
	umockdev_ioctl_client_complete(j->c, j->err ? -1 : 0, j->err);
	g_object_unref(j->c);
	g_free(j);
	return NULL;
}

static gboolean done_after(UMockdevIoctlClient *c, unsigned ms, int err)
{
	struct delayed *j = g_new(struct delayed, 1);

	j->c = g_object_ref(c);
	j->ms = ms;
	j->err = err;
	g_thread_unref(g_thread_new("urb-delay", delayed_done, j));
	return TRUE;
}

static gboolean complete_later(struct usb_plug *p, UMockdevIoctlClient *c, bool control)
{
	unsigned ms;

	lab_lock();
	ms = lab_ms((control ? p->d->usb_latency_ms : 0) + p->slow_ms);
	p->slow_ms = 0;
	lab_unlock();
	return ms == 0 ? done(c, 0, 0) : done_after(c, ms, 0);
}

/* The URB's UMockdevIoctlData stays referenced in the client's queue until
 * it is reaped: umockdev writes it back to the client from there. */
static gboolean submit_urb(struct usb_plug *p, UMockdevIoctlClient *c)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	UMockdevIoctlData *ud = resolve_arg(c, sizeof(struct usbdevfs_urb)), *bd = NULL;
	struct usbdevfs_urb *urb;
	int err;

	if (!ud)
		return done(c, -1, EFAULT);
	urb = (struct usbdevfs_urb *)ud->data;
	if (urb->buffer_length > 0)
		bd = resolve(ud, offsetof(struct usbdevfs_urb, buffer), (gsize)urb->buffer_length);
	if (urb->buffer_length < 0 || (urb->buffer_length > 0 && !bd))
		err = EFAULT;
	else
		err = run_urb(p, urb, bd ? bd->data : NULL);
	if (bd)
		g_object_unref(bd);
	if (err) {
		g_object_unref(ud);
		return done(c, -1, err);
	}
	if (urb->status == USBSIM_URB_PENDING) {
		urb->status = 0;
		g_queue_push_tail(&f->pending, ud);
	} else {
		g_queue_push_tail(&f->urbs, ud);
	}
	return complete_later(p, c, urb->type == USBDEVFS_URB_TYPE_CONTROL);
}

/* End an outstanding URB with this status: it becomes reapable. */
static void finish_pending(struct usb_fd *f, UMockdevIoctlData *ud, int status)
{
	struct usbdevfs_urb *urb = (struct usbdevfs_urb *)ud->data;

	urb->status = status;
	urb->actual_length = 0;
	g_queue_push_tail(&f->urbs, ud);
}

/* The disconnect ends every outstanding URB with ESHUTDOWN, as the HCD's
 * endpoint flush does (libusb: LIBUSB_ERROR_NO_DEVICE). */
static void flush_pending(struct usb_fd *f)
{
	UMockdevIoctlData *ud;

	if (g_queue_is_empty(&f->pending))
		return;
	lab_log(f->p->d, "usb", "disconnect: %u outstanding URB(s) end with ESHUTDOWN",
	        g_queue_get_length(&f->pending));
	while ((ud = g_queue_pop_head(&f->pending)))
		finish_pending(f, ud, -ESHUTDOWN);
}

/* Completed URBs stay reapable after a disconnect; then ENODEV (Linux).
 * An empty queue answers EAGAIN even to the blocking REAPURB, which
 * libusb never issues. poll() on the mocked node is always ready, so with
 * a URB outstanding libusb reaps in a loop until its timeout: that EAGAIN
 * comes REAP_IDLE_MS late, the time a real poll() would have slept. */
#define REAP_IDLE_MS 5
static gboolean reap_urb(UMockdevIoctlClient *c, bool gone)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	UMockdevIoctlData *ud, *slot;

	if (gone)
		flush_pending(f);
	ud = g_queue_pop_head(&f->urbs);
	if (!ud && !gone && !g_queue_is_empty(&f->pending))
		return done_after(c, REAP_IDLE_MS, EAGAIN);
	if (!ud)
		return done(c, -1, gone ? ENODEV : EAGAIN);
	slot = resolve_arg(c, sizeof(void *));
	if (!slot) {
		g_queue_push_head(&f->urbs, ud);
		return done(c, -1, EFAULT);
	}
	/* umockdev writes the URB back and stores its client address in *arg. */
	umockdev_ioctl_data_set_ptr(slot, 0, ud);
	g_object_unref(slot);
	g_object_unref(ud);
	return done(c, 0, 0);
}

/* sysfs follows the active configuration, as the kernel's attribute does
 * (libusb reads it for libusb_get_configuration). Main loop. */
static gboolean config_attr_cb(gpointer user)
{
	struct usb_plug *p = user;
	bool current;
	unsigned config = 0;

	if (usbsim_running()) {
		lab_lock();
		current = !p->gone && p->d->usb_priv == p;
		config = p->config;
		lab_unlock();
		if (current)
			umockdev_testbed_set_attribute(testbed, p->syspath, "bConfigurationValue",
			                               config ? "1\n" : "");
	}
	usb_plug_unref(p);
	return G_SOURCE_REMOVE;
}

/* Does another client hold an interface (for SETCONFIGURATION, the kernel
 * refuses while any interface is someone else's)? Under lab_lock(). */
static bool claimed_by_other(const struct usb_plug *p, const struct usb_fd *f, unsigned iface)
{
	for (unsigned i = 0; i < p->n_ifaces && i < USBSIM_MAX_IFACES; i++)
		if ((iface == (unsigned)-1 || i == iface) && p->claim[i] && p->claim[i] != f)
			return true;
	return false;
}

static gboolean set_configuration(struct usb_plug *p, UMockdevIoctlClient *c, unsigned n)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	int err = 0;

	lab_lock();
	if (n > 1 && n != (unsigned)-1)
		err = EINVAL;
	else if (claimed_by_other(p, f, (unsigned)-1))
		err = EBUSY;
	else
		p->config = n == 1 ? 1 : 0;
	lab_unlock();
	lab_log(p->d, "usb", "set-configuration %d%s", (int)n,
	        err == EBUSY ? ": EBUSY (an interface is claimed by another client)" : "");
	if (!err)
		g_idle_add(config_attr_cb, usb_plug_ref(p));
	return err ? done(c, -1, err) : done(c, 0, 0);
}

/* Claim or release for client f, as usbfs does: ENOENT without a
 * configuration or for a missing interface, EBUSY if another open file
 * holds it, EINVAL to release what f does not hold. Under lab_lock(). */
static int claim_locked(struct usb_plug *p, struct usb_fd *f, unsigned n, bool claim)
{
	if (!p->config || n >= p->n_ifaces || n >= USBSIM_MAX_IFACES)
		return ENOENT;
	if (!claim) {
		if (p->claim[n] != f)
			return EINVAL;
		p->claim[n] = NULL;
		return 0;
	}
	if (p->claim[n] && p->claim[n] != f)
		return EBUSY;
	p->claim[n] = f;
	return 0;
}

static const char *claim_note(int err)
{
	switch (err) {
	case 0:
		return "";
	case EBUSY:
		return ": EBUSY (claimed by another client)";
	case ENOENT:
		return ": ENOENT (no such interface in this configuration)";
	default:
		return ": EINVAL (not claimed by this client)";
	}
}

/* CLAIMINTERFACE, RELEASEINTERFACE, SETCONFIGURATION: one unsigned int. */
static gboolean iface_request(struct usb_plug *p, UMockdevIoctlClient *c, gulong req)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	UMockdevIoctlData *a = resolve_arg(c, sizeof(unsigned int));
	bool claim = req == USBDEVFS_CLAIMINTERFACE;
	unsigned n;
	int err;

	if (!a)
		return done(c, -1, EFAULT);
	n = *(unsigned int *)a->data;
	g_object_unref(a);
	if (req == USBDEVFS_SETCONFIGURATION)
		return set_configuration(p, c, n);
	lab_lock();
	err = claim_locked(p, f, n, claim);
	lab_unlock();
	lab_log(p->d, "usb", "%s if=%u%s", claim ? "claim" : "release", n, claim_note(err));
	return err ? done(c, -1, err) : done(c, 0, 0);
}

/* SETINTERFACE claims the interface implicitly if nobody holds it (as
 * usbfs's checkintf() does); another client's claim is EBUSY. */
static gboolean set_interface(struct usb_plug *p, UMockdevIoctlClient *c)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	UMockdevIoctlData *a = resolve_arg(c, sizeof(struct usbdevfs_setinterface));
	struct usbdevfs_setinterface si;
	int err;

	if (!a)
		return done(c, -1, EFAULT);
	memcpy(&si, a->data, sizeof(si));
	g_object_unref(a);
	lab_lock();
	err = claim_locked(p, f, si.interface, true);
	lab_unlock();
	/* Only recovery's interface 1 has an alternate setting. */
	if (!err && si.altsetting != 0 && !(si.interface == 1 && si.altsetting == 1))
		err = EINVAL;
	lab_log(p->d, "usb", "set-interface if=%u alt=%u%s", si.interface, si.altsetting,
	        err == EINVAL ? ": EINVAL" : claim_note(err));
	return err ? done(c, -1, err) : done(c, 0, 0);
}

static gint by_client_addr(gconstpointer data, gconstpointer addr)
{
	return ((const UMockdevIoctlData *)data)->client_addr != *(const gulong *)addr;
}

/* DISCARDURB names the URB by its address in the client: an outstanding
 * one ends with ENOENT (libusb: cancelled, or timed out); any other is
 * EINVAL, as the kernel answers for a URB it has already completed. */
static gboolean discard_urb(struct usb_plug *p, UMockdevIoctlClient *c)
{
	struct usb_fd *f = g_object_get_data(G_OBJECT(c), FD_KEY);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
	gulong addr;
	GList *l;

	if (!arg || arg->data_len < (gint)sizeof(void *))
		return done(c, -1, EFAULT);
	addr = (gulong)(guintptr) * (void **)arg->data;
	l = g_queue_find_custom(&f->pending, &addr, by_client_addr);
	if (!l)
		return done(c, -1, EINVAL);
	finish_pending(f, l->data, -ENOENT);
	g_queue_delete_link(&f->pending, l);
	lab_log(p->d, "usb", "discard: the host cancelled an outstanding URB");
	usbsim_iboot_cancelled(p);
	return done(c, 0, 0);
}

static gboolean on_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
	struct usb_plug *p = user;
	gulong req = umockdev_ioctl_client_get_request(c);
	bool gone;

	(void)h;
	if (req == USBSIM_DRAIN_REQUEST) {
		((struct usb_fd *)g_object_get_data(G_OBJECT(c), FD_KEY))->quiet = true;
		return done(c, 0, 0);
	}
	lab_lock();
	gone = p->gone;
	lab_unlock();
	if (req == USBDEVFS_REAPURB || req == USBDEVFS_REAPURBNDELAY)
		return reap_urb(c, gone);
	if (gone)
		return done(c, -1, ENODEV);
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES:
		return get_caps(c);
	case USBDEVFS_SUBMITURB:
		return submit_urb(p, c);
	case USBDEVFS_DISCARDURB:
		return discard_urb(p, c);
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
	case USBDEVFS_SETCONFIGURATION:
		return iface_request(p, c, req);
	case USBDEVFS_SETINTERFACE:
		return set_interface(p, c);
	case USBDEVFS_RESET:
		lab_log(p->d, "usb", "reset");
		return done(c, 0, 0);
	case USBDEVFS_DISCONNECT_CLAIM:
		return done(c, 0, 0);
	case USBDEVFS_GETDRIVER: /* no kernel driver is bound */
		return done(c, -1, ENODATA);
	default:
		return done(c, -1, ENOTTY);
	}
}

static void free_usb_fd(gpointer data)
{
	struct usb_fd *f = data;

	/* Closing the file releases its claims, as the kernel does. */
	lab_lock();
	for (unsigned i = 0; i < USBSIM_MAX_IFACES; i++)
		if (f->p->claim[i] == f)
			f->p->claim[i] = NULL;
	lab_unlock();
	/* Closing also discards what is outstanding (usbfs's destroy_all_async). */
	if (!g_queue_is_empty(&f->pending))
		usbsim_iboot_cancelled(f->p);
	g_queue_clear_full(&f->pending, g_object_unref);
	g_queue_clear_full(&f->urbs, g_object_unref);
	if (f->late && !f->quiet)
		lab_log(f->p->d, "usb", "open %s (after the unplug: ENODEV)", f->p->devnode);
	if (!f->quiet)
		lab_log(f->p->d, "usb", "close %s", f->p->devnode);
	usb_plug_unref(f->p);
	g_free(f);
}

static void on_client(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer user)
{
	struct usb_fd *f = g_new0(struct usb_fd, 1);

	(void)h;
	g_queue_init(&f->urbs);
	g_queue_init(&f->pending);
	f->p = usb_plug_ref(user);
	g_object_set_data_full(G_OBJECT(c), FD_KEY, f, free_usb_fd);
	lab_lock();
	f->late = f->p->gone;
	lab_unlock();
	/* One of those is the lab's own (lab-usb-drain.c): known only later. */
	if (f->late)
		return;
	/* The preload connects even when open() failed (EACCES on a 0600 node),
	 * so for those this line means "tried". */
	lab_log(f->p->d, "usb", "open %s%s", f->p->devnode,
	        f->p->node_private ? " (node 0600: fails with EACCES unless owner)" : "");
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
	p->handler = umockdev_ioctl_base_new();
	g_signal_connect_data(p->handler, "handle-ioctl", G_CALLBACK(on_ioctl), usb_plug_ref(p),
	                      closure_unref, 0);
	g_signal_connect_data(p->handler, "client-connected", G_CALLBACK(on_client),
	                      usb_plug_ref(p), closure_unref, 0);
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
