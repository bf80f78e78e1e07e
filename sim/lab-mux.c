/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-mux: a usbmuxd on a UNIX socket, for devices in normal and restore mode.
 *
 * Wire format (libusbmuxd 2.0.2, plist protocol v1): a 16-byte little-endian
 * header {length, version, message, tag} followed by an XML plist. Replies are
 * XML too, because libusbmuxd parses them with plist_from_xml. After a
 * successful Connect to port 62078 the connection becomes a raw tunnel whose
 * bytes are handed to lab-lockdown.c (ldsim_*).
 *
 * Everything runs on the GLib main loop with non-blocking sockets and
 * per-connection buffers. Device state is shared with the umockdev worker
 * thread, so it is read through a snapshot taken under lab_lock() and core
 * functions (lab_log...) are never called with the lock held.
 *
 * This file is the daemon: its socket, connections, lifecycle and the
 * Attached/Detached broadcasts; lab-mux-cmd.c answers the requests.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>
#include <plist/plist.h>

#include "lab-mux-priv.h"

static struct {
	char *path;
	int fd;
	guint watch;
	GList *conns; /* struct conn * */
	unsigned next_id;
	bool lifecycle;           /* run only while a device is in a mux mode */
	bool available;           /* not switched off with `ctl mux off` */
	unsigned listen_delay_ms; /* between bind() and listen() */
	bool preflight;           /* pair unpaired devices on attach, as usbmuxd 1.1.1 */
} mux = {.fd = -1, .available = true};

/* --- connections --------------------------------------------------------- */

static void conn_close(struct conn *c)
{
	if (c->in_watch)
		g_source_remove(c->in_watch);
	if (c->out_watch)
		g_source_remove(c->out_watch);
	if (c->latency_timer)
		g_source_remove(c->latency_timer);
	close(c->fd);
	ldsim_free(c->ld);
	rdsim_free(c->rd);
	g_byte_array_unref(c->in);
	g_byte_array_unref(c->out);
	mux.conns = g_list_remove(mux.conns, c);
	g_free(c);
}

static gboolean conn_out_cb(gint fd, GIOCondition cond, gpointer data)
{
	struct conn *c = data;

	(void)fd;
	(void)cond;
	if (!mux_conn_flush(c))
		return G_SOURCE_REMOVE;
	return c->out_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Write what we can; wait for POLLOUT for the rest. false: c was closed. */
bool mux_conn_flush(struct conn *c)
{
	while (c->out->len > 0) {
		ssize_t n = send(c->fd, c->out->data, c->out->len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->out_watch)
				c->out_watch = g_unix_fd_add(c->fd, G_IO_OUT, conn_out_cb, c);
			return true;
		}
		if (n < 0) {
			conn_close(c);
			return false;
		}
		g_byte_array_remove_range(c->out, 0, (guint)n);
	}
	if (c->out_watch) {
		g_source_remove(c->out_watch);
		c->out_watch = 0;
	}
	if (c->ld)
		ldsim_flushed(c->ld);
	if (c->close_when_flushed) {
		conn_close(c);
		return false;
	}
	return true;
}

/* Drain the socket into c->in. false on EOF, error or an oversized backlog
 * (*eof: the peer closed; what it sent before is still in c->in). */
static bool conn_read(struct conn *c, bool *eof)
{
	guint8 buf[16384];

	*eof = false;
	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n > 0) {
			g_byte_array_append(c->in, buf, (guint)n);
			if (c->in->len > 4 * MUX_MAX_MSG)
				return false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		*eof = n == 0;
		return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
	}
}

static gboolean latency_done(gpointer data)
{
	struct conn *c = data;

	c->latency_timer = 0;
	mux_conn_flush(c);
	return G_SOURCE_REMOVE;
}

/* ld-latency: lockdownd's replies go out that much later. true: held. */
static bool hold_replies(struct conn *c)
{
	struct sim_device snap;

	if (c->latency_timer)
		return true;
	mux_snapshot(c->dev, &snap);
	if (!snap.ld_latency_ms || c->out->len == 0)
		return false;
	c->latency_timer = g_timeout_add(lab_ms(snap.ld_latency_ms), latency_done, c);
	return true;
}

static gboolean conn_in_cb(gint fd, GIOCondition cond, gpointer data)
{
	struct conn *c = data;
	bool eof, ok;

	(void)fd;
	(void)cond;
	ok = conn_read(c, &eof);
	/* A request sent just before the close (a TLS close_notify, say)
	 * was still sent: handle it, then close. */
	if ((!ok && !eof) || !mux_process_commands(c)) {
		conn_close(c);
		return G_SOURCE_REMOVE;
	}
	/* Bytes after Connect's header already belong to the tunnel. */
	if (c->state == CONN_TUNNEL && !c->close_when_flushed &&
	    !(c->rd ? rdsim_feed(c->rd, c->in, c->out) : ldsim_feed(c->ld, c->in, c->out)))
		c->close_when_flushed = true;
	if (eof) {
		conn_close(c);
		return G_SOURCE_REMOVE;
	}
	if (c->state == CONN_TUNNEL && hold_replies(c))
		return G_SOURCE_CONTINUE;
	return mux_conn_flush(c) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean accept_cb(gint fd, GIOCondition cond, gpointer data)
{
	(void)cond;
	(void)data;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				lab_log(NULL, "mux", "accept: %s", g_strerror(errno));
			return G_SOURCE_CONTINUE;
		}
		c = g_new0(struct conn, 1);
		c->fd = cfd;
		c->in = g_byte_array_new();
		c->out = g_byte_array_new();
		c->in_watch = g_unix_fd_add(cfd, G_IO_IN, conn_in_cb, c);
		mux.conns = g_list_prepend(mux.conns, c);
	}
}

/* --- listening socket ---------------------------------------------------- */

static bool listen_start(GError **error)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, err;
	bool ok;

	if (strlen(mux.path) >= sizeof(sa.sun_path)) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
		            "usbmuxd socket path too long: %s", mux.path);
		return false;
	}
	strcpy(sa.sun_path, mux.path);
	/* A socket left by a crashed lab would make bind fail; never remove
	 * anything that is not a socket. */
	if (lstat(mux.path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(mux.path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (ok && mux.listen_delay_ms)
		g_usleep(mux.listen_delay_ms * 1000ul); /* a daemon busy between the two */
	ok = ok && listen(fd, 64) == 0;
	if (!ok) {
		err = errno;
		if (fd >= 0)
			close(fd);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
		            "usbmuxd socket %s: %s", mux.path, g_strerror(err));
		return false;
	}
	/* After listen(), as usbmuxd does: a client woken by the socket's
	 * creation may still find nobody listening. */
	chmod(mux.path, 0666);
	mux.fd = fd;
	mux.watch = g_unix_fd_add(fd, G_IO_IN, accept_cb, NULL);
	return true;
}

static void listen_stop(void)
{
	if (mux.fd < 0)
		return;
	g_source_remove(mux.watch);
	mux.watch = 0;
	close(mux.fd);
	mux.fd = -1;
	unlink(mux.path);
}

/* --- public -------------------------------------------------------------- */

bool muxsim_init(const char *socket_path, bool lifecycle, GError **error)
{
	g_free(mux.path);
	mux.path = g_strdup(socket_path);
	mux.lifecycle = lifecycle;
	mux_records_init();
	/* Like Debian's usbmuxd: started when the first device attaches. */
	if (lifecycle) {
		lab_log(NULL, "mux", "usbmuxd at %s starts with the first normal-mode device",
		        mux.path);
		return true;
	}
	if (!listen_start(error))
		return false;
	lab_log(NULL, "mux", "listening on %s", mux.path);
	return true;
}

static bool any_present(void)
{
	for (unsigned i = 0; i < lab_device_count(); i++) {
		struct sim_device snap;

		mux_snapshot(lab_device(i), &snap);
		if (mux_present(&snap))
			return true;
	}
	return false;
}

/* The daemon's start and exit: the socket appears, or it and every client
 * connection go. */
static void daemon_start(void)
{
	GError *error = NULL;

	if (mux.fd >= 0 || !mux.available)
		return;
	if (listen_start(&error))
		lab_log(NULL, "mux", "usbmuxd started: listening on %s", mux.path);
	else
		lab_log(NULL, "mux", "usbmuxd cannot start: %s", error->message);
	g_clear_error(&error);
}

static void daemon_exit(void)
{
	if (mux.fd < 0)
		return;
	listen_stop();
	while (mux.conns)
		conn_close(mux.conns->data);
	lab_log(NULL, "mux", "usbmuxd exited: the last device left, %s removed", mux.path);
}

static void broadcast(plist_t msg)
{
	GList *l = mux.conns;

	while (l) {
		struct conn *c = l->data;

		l = l->next; /* c may be closed by the flush */
		if (c->state != CONN_LISTEN)
			continue;
		mux_send_plist(c, 0, msg);
		mux_conn_flush(c);
	}
}

/* usbmuxd 1.1.1's preflight: for a device on iOS 7+ without a pair record
 * it calls lockdownd_pair itself, and the device shows "Trust This
 * Computer?" -- whatever the client that made it reboot wanted. */
static void preflight(struct sim_device *d)
{
	bool ask;
	unsigned major = 0;

	lab_lock();
	sscanf(d->ios_version, "%u", &major);
	ask = d->mode == SIM_NORMAL && d->trust == SIM_TRUST_UNPAIRED && major >= 7 &&
	      !muxsim_has_saved_pair_record(d->udid);
	if (ask)
		d->trust = SIM_TRUST_DIALOG_PENDING;
	lab_unlock();
	if (ask)
		lab_log(d, "mux", "preflight: Pair -> the device shows \"Trust This Computer?\"");
}

void muxsim_set_preflight(bool on)
{
	mux.preflight = on;
}

void muxsim_attach(struct sim_device *d)
{
	struct sim_device snap;
	plist_t m;

	lab_lock();
	if (d->mux_id == 0) {
		d->mux_id = ++mux.next_id; /* a new DeviceID on each attach, like usbmuxd */
		d->mux_since_us = g_get_monotonic_time();
	}
	snap = *d;
	lab_unlock();
	if (mux.lifecycle)
		daemon_start();
	if (mux.preflight)
		preflight(d);
	lab_log(d, "mux", "Attached DeviceID=%u (%s)", snap.mux_id, sim_mode_name(snap.mode));
	m = mux_attached_message(&snap);
	broadcast(m);
	plist_free(m);
}

void muxsim_detach(struct sim_device *d)
{
	unsigned id;
	plist_t m;
	GList *l;

	lab_lock();
	id = d->mux_id;
	d->mux_id = 0;
	lab_unlock();
	if (id == 0)
		return;
	lab_log(d, "mux", "Detached DeviceID=%u", id);
	m = plist_new_dict();
	plist_dict_set_item(m, "DeviceID", plist_new_uint(id));
	plist_dict_set_item(m, "MessageType", plist_new_string("Detached"));
	broadcast(m);
	plist_free(m);
	/* A real unplug kills every connection to the device. */
	for (l = mux.conns; l;) {
		struct conn *c = l->data;

		l = l->next;
		if (c->state == CONN_TUNNEL && c->dev == d)
			conn_close(c);
	}
	if (mux.lifecycle && !any_present())
		daemon_exit();
}

void muxsim_set_available(bool available)
{
	GError *error = NULL;

	if (!mux.path)
		return;
	mux.available = available;
	if (mux.lifecycle && available && !any_present())
		return; /* nothing to serve: it starts with the next device */
	if (available == (mux.fd >= 0))
		return;
	if (!available) {
		listen_stop();
		lab_log(NULL, "mux", "socket %s removed", mux.path);
	} else if (listen_start(&error)) {
		lab_log(NULL, "mux", "socket %s listening again", mux.path);
	} else {
		lab_log(NULL, "mux", "cannot listen again: %s", error->message);
		g_error_free(error);
	}
}

void muxsim_set_listen_delay(unsigned ms)
{
	mux.listen_delay_ms = ms;
}

void muxsim_shutdown(void)
{
	listen_stop();
	while (mux.conns)
		conn_close(mux.conns->data);
	mux_records_free();
	g_clear_pointer(&mux.path, g_free);
}
