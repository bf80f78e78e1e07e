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
 * Pair records live in memory only: /var/lib/lockdown is never touched.
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

#include "lab.h"
#include "plist-compat.h"

#define MUX_HDR_LEN       16u
#define MUX_MAX_MSG       (1u << 20) /* requests are small; anything bigger is garbage */
#define MUX_PROTO_PLIST   1u
#define MUX_MSG_RESULT    1u
#define MUX_MSG_PLIST     8u
#define LOCKDOWN_PORT     62078u
#define MUX_SYSTEM_BUID   "5A8B2C1D-3E4F-4A5B-8C6D-7E8F9A0B1C2D"
#define MUX_CANNED_HOSTID "0F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0"

enum mux_result {
	MUX_OK = 0,
	MUX_BADCOMMAND = 1,
	MUX_BADDEV = 2,
	MUX_CONNREFUSED = 3,
	MUX_BADVERSION = 6,
};

enum conn_state {
	CONN_COMMAND, /* request/reply */
	CONN_LISTEN,  /* receives Attached/Detached */
	CONN_TUNNEL,  /* raw bytes to lockdownd */
};

struct conn {
	int fd;
	guint in_watch, out_watch;
	enum conn_state state;
	GByteArray *in, *out;
	bool close_when_flushed;
	struct sim_device *dev; /* tunnel target */
	struct ldsim *ld;       /* tunnel lockdownd state */
	struct rdsim *rd;       /* or restored / FDR, in restore mode (lab-restored.c) */
	guint latency_timer;    /* replies held back by ld-latency */
};

static struct {
	char *path;
	int fd;
	guint watch;
	GList *conns;        /* struct conn * */
	GHashTable *records; /* udid -> GBytes; an empty GBytes marks a deleted record */
	GBytes *canned;      /* the pair record served for PAIRED/INVALID_HOSTID */
	unsigned next_id;
	bool lifecycle;           /* run only while a device is in a mux mode */
	bool available;           /* not switched off with `ctl mux off` */
	unsigned listen_delay_ms; /* between bind() and listen() */
	bool preflight;           /* pair unpaired devices on attach, as usbmuxd 1.1.1 */
} mux = {.fd = -1, .available = true};

static bool conn_flush(struct conn *c);

/* --- device helpers ------------------------------------------------------ */

static void snapshot(const struct sim_device *d, struct sim_device *out)
{
	lab_lock();
	*out = *d;
	lab_unlock();
}

/* Visible in usbmuxd: attached by muxsim_attach and still in a mux mode. */
static bool present(const struct sim_device *snap)
{
	return snap->mux_id != 0 && (snap->mode == SIM_NORMAL || snap->mode == SIM_RESTORE);
}

static struct sim_device *device_by_mux_id(uint64_t id)
{
	for (unsigned i = 0; i < lab_device_count(); i++) {
		struct sim_device *d = lab_device(i), snap;

		snapshot(d, &snap);
		if (present(&snap) && snap.mux_id == id)
			return d;
	}
	return NULL;
}

static unsigned product_id(const char *product_type)
{
	if (g_str_has_prefix(product_type, "iPad"))
		return 0x12ab;
	if (g_str_has_prefix(product_type, "iPod"))
		return 0x12aa;
	return 0x12a8;
}

static plist_t device_properties(const struct sim_device *snap)
{
	plist_t p = plist_new_dict();

	plist_dict_set_item(p, "ConnectionSpeed", plist_new_uint(480000000));
	plist_dict_set_item(p, "ConnectionType", plist_new_string("USB"));
	plist_dict_set_item(p, "DeviceID", plist_new_uint(snap->mux_id));
	plist_dict_set_item(p, "LocationID", plist_new_uint(0x01100000u | snap->id));
	plist_dict_set_item(p, "ProductID", plist_new_uint(product_id(snap->product_type)));
	plist_dict_set_item(p, "SerialNumber", plist_new_string(snap->udid));
	return p;
}

static plist_t attached_message(const struct sim_device *snap)
{
	plist_t m = plist_new_dict();

	plist_dict_set_item(m, "DeviceID", plist_new_uint(snap->mux_id));
	plist_dict_set_item(m, "MessageType", plist_new_string("Attached"));
	plist_dict_set_item(m, "Properties", device_properties(snap));
	return m;
}

static const char *dict_str(plist_t dict, const char *key)
{
	plist_t n = plist_dict_get_item(dict, key);

	return n && plist_get_node_type(n) == PLIST_STRING ? plist_get_string_ptr(n, NULL) : NULL;
}

static bool dict_uint(plist_t dict, const char *key, uint64_t *val)
{
	plist_t n = plist_dict_get_item(dict, key);

	if (!n || plist_get_node_type(n) != PLIST_UINT)
		return false;
	plist_get_uint_val(n, val);
	return true;
}

/* --- framing ------------------------------------------------------------- */

static void put_header(GByteArray *out, uint32_t len, uint32_t version, uint32_t message,
                       uint32_t tag)
{
	uint32_t h[4] = {GUINT32_TO_LE(len), GUINT32_TO_LE(version), GUINT32_TO_LE(message),
	                 GUINT32_TO_LE(tag)};

	g_byte_array_append(out, (const guint8 *)h, sizeof(h));
}

static void send_raw_plist(struct conn *c, uint32_t tag, const char *xml, uint32_t len)
{
	put_header(c->out, MUX_HDR_LEN + len, MUX_PROTO_PLIST, MUX_MSG_PLIST, tag);
	g_byte_array_append(c->out, (const guint8 *)xml, len);
}

static void send_plist(struct conn *c, uint32_t tag, plist_t msg)
{
	uint32_t len;
	char *xml = compat_plist_to_xml(msg, &len);

	send_raw_plist(c, tag, xml, len);
	compat_plist_mem_free(xml);
}

static void send_result(struct conn *c, uint32_t tag, enum mux_result r)
{
	plist_t m = plist_new_dict();

	plist_dict_set_item(m, "MessageType", plist_new_string("Result"));
	plist_dict_set_item(m, "Number", plist_new_uint(r));
	send_plist(c, tag, m);
	plist_free(m);
}

/* A client speaking the binary protocol v0 gets a binary RESULT it can read. */
static void send_binary_result(struct conn *c, uint32_t version, uint32_t tag, enum mux_result r)
{
	uint32_t v = GUINT32_TO_LE(r);

	put_header(c->out, MUX_HDR_LEN + sizeof(v), version, MUX_MSG_RESULT, tag);
	g_byte_array_append(c->out, (const guint8 *)&v, sizeof(v));
}

/* --- pair records -------------------------------------------------------- */

/* A structurally valid record. The certificates are never parsed because
 * lockdownd answers StartSession with EnableSessionSSL false. */
static GBytes *canned_record(void)
{
	static const char cert[] = "-----BEGIN CERTIFICATE-----\nU0lNVUxBVEVE\n"
	                           "-----END CERTIFICATE-----\n";
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nU0lNVUxBVEVE\n"
	                          "-----END PRIVATE KEY-----\n";
	plist_t r;
	char *xml;
	uint32_t len;

	if (mux.canned)
		return mux.canned;
	r = plist_new_dict();
	plist_dict_set_item(r, "DeviceCertificate", compat_plist_new_data(cert, strlen(cert)));
	plist_dict_set_item(r, "HostCertificate", compat_plist_new_data(cert, strlen(cert)));
	plist_dict_set_item(r, "RootCertificate", compat_plist_new_data(cert, strlen(cert)));
	plist_dict_set_item(r, "HostPrivateKey", compat_plist_new_data(key, strlen(key)));
	plist_dict_set_item(r, "RootPrivateKey", compat_plist_new_data(key, strlen(key)));
	plist_dict_set_item(r, "HostID", plist_new_string(MUX_CANNED_HOSTID));
	plist_dict_set_item(r, "SystemBUID", plist_new_string(MUX_SYSTEM_BUID));
	plist_dict_set_item(r, "EscrowBag", compat_plist_new_data("SIM-ESCROW-BAG", 14));
	xml = compat_plist_to_xml(r, &len);
	mux.canned = g_bytes_new(xml, len);
	compat_plist_mem_free(xml);
	plist_free(r);
	return mux.canned;
}

bool muxsim_has_saved_pair_record(const char *udid)
{
	GBytes *b = mux.records && udid ? g_hash_table_lookup(mux.records, udid) : NULL;

	return b && g_bytes_get_size(b) > 0;
}

/* Saved record, else the canned one if the device says it trusts this host. */
static GBytes *find_record(const char *udid)
{
	GBytes *b = g_hash_table_lookup(mux.records, udid);
	struct sim_device *d = lab_device_by_udid(udid), snap;

	if (b)
		return g_bytes_get_size(b) > 0 ? b : NULL;
	if (!d)
		return NULL;
	snapshot(d, &snap);
	if (snap.trust == SIM_TRUST_PAIRED || snap.trust == SIM_TRUST_INVALID_HOSTID)
		return canned_record();
	return NULL;
}

/* --- commands ------------------------------------------------------------ */

static const char *prog(plist_t req)
{
	const char *p = dict_str(req, "ProgName");

	return p ? p : "?";
}

/* Malformed on purpose: cut inside the first device record. */
static const char bad_list[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                               "<plist version=\"1.0\">\n<dict>\n\t<key>DeviceList</key>\n"
                               "\t<array>\n\t\t<dict>\n\t\t\t<key>DeviceID</key>\n\t\t\t<integ";

static void cmd_list_devices(struct conn *c, uint32_t tag, plist_t req)
{
	plist_t reply = plist_new_dict(), list = plist_new_array();
	bool bad = false;
	unsigned n = 0;

	for (unsigned i = 0; i < lab_device_count(); i++) {
		struct sim_device snap;

		snapshot(lab_device(i), &snap);
		if (!present(&snap))
			continue;
		bad = bad || (snap.faults & SIM_FAULT_BAD_PLIST_MUX);
		plist_array_append_item(list, attached_message(&snap));
		n++;
	}
	plist_dict_set_item(reply, "DeviceList", list);
	if (bad) {
		lab_log(NULL, "mux", "ListDevices prog=%s -> malformed plist (fault)", prog(req));
		send_raw_plist(c, tag, bad_list, sizeof(bad_list) - 1);
	} else {
		lab_log(NULL, "mux", "ListDevices prog=%s -> %u device(s)", prog(req), n);
		send_plist(c, tag, reply);
	}
	plist_free(reply);
}

static void cmd_listen(struct conn *c, uint32_t tag, plist_t req)
{
	lab_log(NULL, "mux", "Listen prog=%s", prog(req));
	send_result(c, tag, MUX_OK);
	c->state = CONN_LISTEN;
	for (unsigned i = 0; i < lab_device_count(); i++) {
		struct sim_device snap;
		plist_t m;

		snapshot(lab_device(i), &snap);
		if (!present(&snap))
			continue;
		m = attached_message(&snap);
		send_plist(c, 0, m);
		plist_free(m);
	}
}

/* A freshly booted device: lockdownd is not listening for its first
 * boot-refuse milliseconds on usbmuxd. */
static bool still_booting(const struct sim_device *d)
{
	struct sim_device snap;

	snapshot(d, &snap);
	return snap.boot_refuse_ms && g_get_monotonic_time() - snap.mux_since_us <
	                                      (gint64)lab_ms(snap.boot_refuse_ms) * 1000;
}

/* restored's messages produced on a timer: write them out now. */
static void restore_kick(void *data)
{
	struct conn *c = data;

	if (!rdsim_take(c->rd, c->out))
		c->close_when_flushed = true;
	conn_flush(c);
}

/* A device in restore mode serves restored on 62078 and FDR on 1082. */
static bool connect_restore_mode(struct conn *c, struct sim_device *d, unsigned port)
{
	struct sim_device snap;

	snapshot(d, &snap);
	if (snap.mode != SIM_RESTORE || (port != LOCKDOWN_PORT && port != RD_FDR_PORT))
		return false;
	c->state = CONN_TUNNEL;
	c->dev = d;
	c->rd = rdsim_new(d, port, restore_kick, c);
	return true;
}

static void cmd_connect(struct conn *c, uint32_t tag, plist_t req)
{
	uint64_t id = 0, raw_port = 0;
	struct sim_device *d;
	unsigned port;

	dict_uint(req, "DeviceID", &id);
	dict_uint(req, "PortNumber", &raw_port);
	/* libusbmuxd stores htons(port) as a plain integer: 62078 -> 32498. */
	port = GUINT16_FROM_BE((uint16_t)raw_port);
	d = device_by_mux_id(id);
	if (!d) {
		lab_log(NULL, "mux",
		        "Connect device=%" G_GUINT64_FORMAT " port=%u prog=%s -> BADDEV", id, port,
		        prog(req));
		send_result(c, tag, MUX_BADDEV);
		return;
	}
	if (connect_restore_mode(c, d, port)) {
		lab_log(d, "mux", "Connect port=%u prog=%s -> 0", port, prog(req));
		send_result(c, tag, MUX_OK);
		return;
	}
	if (port != LOCKDOWN_PORT || still_booting(d)) {
		lab_log(d, "mux", "Connect port=%u prog=%s -> CONNREFUSED%s", port, prog(req),
		        port == LOCKDOWN_PORT ? " (lockdownd not up yet)" : "");
		send_result(c, tag, MUX_CONNREFUSED);
		return;
	}
	lab_log(d, "mux", "Connect port=%u prog=%s -> 0", port, prog(req));
	send_result(c, tag, MUX_OK);
	c->state = CONN_TUNNEL;
	c->dev = d;
	c->ld = ldsim_new(d);
}

static void cmd_read_buid(struct conn *c, uint32_t tag, plist_t req)
{
	plist_t reply = plist_new_dict();

	lab_log(NULL, "mux", "ReadBUID prog=%s", prog(req));
	plist_dict_set_item(reply, "BUID", plist_new_string(MUX_SYSTEM_BUID));
	send_plist(c, tag, reply);
	plist_free(reply);
}

static void cmd_read_pair_record(struct conn *c, uint32_t tag, plist_t req)
{
	const char *udid = dict_str(req, "PairRecordID");
	struct sim_device *d = udid ? lab_device_by_udid(udid) : NULL;
	GBytes *rec = udid ? find_record(udid) : NULL;
	plist_t reply;
	gsize len;
	const char *data;

	lab_log(d, "mux", "ReadPairRecord %s prog=%s -> %s", udid ? udid : "(none)", prog(req),
	        rec ? "0" : "2");
	if (!rec) {
		send_result(c, tag, MUX_BADDEV);
		return;
	}
	data = g_bytes_get_data(rec, &len);
	reply = plist_new_dict();
	plist_dict_set_item(reply, "PairRecordData", compat_plist_new_data(data, len));
	send_plist(c, tag, reply);
	plist_free(reply);
}

static void cmd_save_pair_record(struct conn *c, uint32_t tag, plist_t req)
{
	const char *udid = dict_str(req, "PairRecordID");
	plist_t n = plist_dict_get_item(req, "PairRecordData");
	const char *data;
	uint64_t len = 0;

	if (!udid || !n || plist_get_node_type(n) != PLIST_DATA) {
		lab_log(NULL, "mux", "SavePairRecord prog=%s -> BADCOMMAND", prog(req));
		send_result(c, tag, MUX_BADCOMMAND);
		return;
	}
	data = compat_plist_get_data_ptr(n, &len);
	g_hash_table_replace(mux.records, g_strdup(udid), g_bytes_new(data, len));
	lab_log(lab_device_by_udid(udid), "mux", "SavePairRecord %s prog=%s -> 0", udid, prog(req));
	send_result(c, tag, MUX_OK);
}

static void cmd_delete_pair_record(struct conn *c, uint32_t tag, plist_t req)
{
	const char *udid = dict_str(req, "PairRecordID");

	if (!udid) {
		send_result(c, tag, MUX_BADCOMMAND);
		return;
	}
	/* An empty entry hides the canned record too: the host forgot the device. */
	g_hash_table_replace(mux.records, g_strdup(udid), g_bytes_new(NULL, 0));
	lab_log(lab_device_by_udid(udid), "mux", "DeletePairRecord %s prog=%s -> 0", udid,
	        prog(req));
	send_result(c, tag, MUX_OK);
}

static const struct {
	const char *name;
	void (*fn)(struct conn *c, uint32_t tag, plist_t req);
} commands[] = {
        {"ListDevices", cmd_list_devices},
        {"Listen", cmd_listen},
        {"Connect", cmd_connect},
        {"ReadBUID", cmd_read_buid},
        {"ReadPairRecord", cmd_read_pair_record},
        {"SavePairRecord", cmd_save_pair_record},
        {"DeletePairRecord", cmd_delete_pair_record},
};

static void dispatch(struct conn *c, uint32_t tag, const guint8 *payload, uint32_t len)
{
	plist_t req = compat_plist_from_memory(payload, len);
	const char *type;

	type = req && plist_get_node_type(req) == PLIST_DICT ? dict_str(req, "MessageType") : NULL;
	for (size_t i = 0; type && i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(type, commands[i].name) == 0) {
			commands[i].fn(c, tag, req);
			plist_free(req);
			return;
		}
	}
	lab_log(NULL, "mux", "%s -> BADCOMMAND", type ? type : "(unparsable request)");
	send_result(c, tag, MUX_BADCOMMAND);
	plist_free(req);
}

/* Handle complete mux messages; false: protocol garbage, drop the client. */
static bool process_commands(struct conn *c)
{
	while (c->state != CONN_TUNNEL && c->in->len >= MUX_HDR_LEN) {
		uint32_t h[4];

		memcpy(h, c->in->data, sizeof(h));
		uint32_t len = GUINT32_FROM_LE(h[0]), version = GUINT32_FROM_LE(h[1]);
		uint32_t message = GUINT32_FROM_LE(h[2]), tag = GUINT32_FROM_LE(h[3]);

		if (len < MUX_HDR_LEN || len > MUX_MAX_MSG)
			return false;
		if (c->in->len < len)
			break;
		if (version != MUX_PROTO_PLIST) {
			lab_log(NULL, "mux", "protocol version %u -> BADVERSION", version);
			send_binary_result(c, version, tag, MUX_BADVERSION);
		} else if (message != MUX_MSG_PLIST) {
			send_result(c, tag, MUX_BADCOMMAND);
		} else {
			dispatch(c, tag, c->in->data + MUX_HDR_LEN, len - MUX_HDR_LEN);
		}
		g_byte_array_remove_range(c->in, 0, len);
	}
	return true;
}

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
	if (!conn_flush(c))
		return G_SOURCE_REMOVE;
	return c->out_watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* Write what we can; wait for POLLOUT for the rest. false: c was closed. */
static bool conn_flush(struct conn *c)
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
	conn_flush(c);
	return G_SOURCE_REMOVE;
}

/* ld-latency: lockdownd's replies go out that much later. true: held. */
static bool hold_replies(struct conn *c)
{
	struct sim_device snap;

	if (c->latency_timer)
		return true;
	snapshot(c->dev, &snap);
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
	if ((!ok && !eof) || !process_commands(c)) {
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
	return conn_flush(c) ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
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
	if (!mux.records)
		mux.records = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                    (GDestroyNotify)g_bytes_unref);
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

		snapshot(lab_device(i), &snap);
		if (present(&snap))
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
		send_plist(c, 0, msg);
		conn_flush(c);
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
	m = attached_message(&snap);
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
	g_clear_pointer(&mux.records, g_hash_table_destroy);
	g_clear_pointer(&mux.canned, g_bytes_unref);
	g_clear_pointer(&mux.path, g_free);
}
