/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb-fs: the usbfs ioctls of a plugged device's node, as the
 * kernel answers them for libusb: capabilities, URBs (completed at submit
 * and queued for reaping, except those a fault leaves outstanding: a
 * disconnect or DISCARDURB ends them, as the kernel does), configuration,
 * interface claims. What the device answers on its endpoints is in
 * lab-usb-iboot.c.
 *
 * Runs on umockdev's worker thread and takes lab_lock() around shared
 * state.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/usbdevice_fs.h>

#include "lab-usb-priv.h"

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

static void closure_unref(gpointer data, GClosure *closure)
{
	(void)closure;
	usb_plug_unref(data);
}


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
			umockdev_testbed_set_attribute(usbsim_testbed(), p->syspath, "bConfigurationValue",
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

UMockdevIoctlBase *usbsim_fs_handler_new(struct usb_plug *p)
{
	UMockdevIoctlBase *h = umockdev_ioctl_base_new();

	g_signal_connect_data(h, "handle-ioctl", G_CALLBACK(on_ioctl), usb_plug_ref(p),
	                      closure_unref, 0);
	g_signal_connect_data(h, "client-connected", G_CALLBACK(on_client), usb_plug_ref(p),
	                      closure_unref, 0);
	return h;
}
