/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-mux-cmd: the requests the lab's usbmuxd answers (ListDevices,
 * Listen, Connect, ReadBUID, the pair-record requests) in the plist
 * protocol v1, and the pair records, which live in memory only:
 * /var/lib/lockdown is never touched. Device state is read through a
 * snapshot taken under lab_lock().
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <plist/plist.h>

#include "lab-mux-priv.h"
#include "plist-compat.h"

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

static struct {
	GHashTable *saved; /* udid -> GBytes; an empty GBytes marks a deleted record */
	GBytes *canned;    /* the pair record served for PAIRED/INVALID_HOSTID */
} records;

/* --- device helpers ------------------------------------------------------ */

void mux_snapshot(const struct sim_device *d, struct sim_device *out)
{
	lab_lock();
	*out = *d;
	lab_unlock();
}

/* Visible in usbmuxd: attached by muxsim_attach and still in a mux mode. */
bool mux_present(const struct sim_device *snap)
{
	return snap->mux_id != 0 && (snap->mode == SIM_NORMAL || snap->mode == SIM_RESTORE);
}

static struct sim_device *device_by_mux_id(uint64_t id)
{
	for (unsigned i = 0; i < lab_device_count(); i++) {
		struct sim_device *d = lab_device(i), snap;

		mux_snapshot(d, &snap);
		if (mux_present(&snap) && snap.mux_id == id)
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

plist_t mux_attached_message(const struct sim_device *snap)
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

void mux_send_plist(struct conn *c, uint32_t tag, plist_t msg)
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
	mux_send_plist(c, tag, m);
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

	if (records.canned)
		return records.canned;
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
	records.canned = g_bytes_new(xml, len);
	compat_plist_mem_free(xml);
	plist_free(r);
	return records.canned;
}

bool muxsim_has_saved_pair_record(const char *udid)
{
	GBytes *b = records.saved && udid ? g_hash_table_lookup(records.saved, udid) : NULL;

	return b && g_bytes_get_size(b) > 0;
}

/* Saved record, else the canned one if the device says it trusts this host. */
static GBytes *find_record(const char *udid)
{
	GBytes *b = g_hash_table_lookup(records.saved, udid);
	struct sim_device *d = lab_device_by_udid(udid), snap;

	if (b)
		return g_bytes_get_size(b) > 0 ? b : NULL;
	if (!d)
		return NULL;
	mux_snapshot(d, &snap);
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

		mux_snapshot(lab_device(i), &snap);
		if (!mux_present(&snap))
			continue;
		bad = bad || (snap.faults & SIM_FAULT_BAD_PLIST_MUX);
		plist_array_append_item(list, mux_attached_message(&snap));
		n++;
	}
	plist_dict_set_item(reply, "DeviceList", list);
	if (bad) {
		lab_log(NULL, "mux", "ListDevices prog=%s -> malformed plist (fault)", prog(req));
		send_raw_plist(c, tag, bad_list, sizeof(bad_list) - 1);
	} else {
		lab_log(NULL, "mux", "ListDevices prog=%s -> %u device(s)", prog(req), n);
		mux_send_plist(c, tag, reply);
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

		mux_snapshot(lab_device(i), &snap);
		if (!mux_present(&snap))
			continue;
		m = mux_attached_message(&snap);
		mux_send_plist(c, 0, m);
		plist_free(m);
	}
}

/* A freshly booted device: lockdownd is not listening for its first
 * boot-refuse milliseconds on usbmuxd. */
static bool still_booting(const struct sim_device *d)
{
	struct sim_device snap;

	mux_snapshot(d, &snap);
	return snap.boot_refuse_ms && g_get_monotonic_time() - snap.mux_since_us <
	                                      (gint64)lab_ms(snap.boot_refuse_ms) * 1000;
}

/* restored's messages produced on a timer: write them out now. */
static void restore_kick(void *data)
{
	struct conn *c = data;

	if (!rdsim_take(c->rd, c->out))
		c->close_when_flushed = true;
	mux_conn_flush(c);
}

/* A device in restore mode serves restored on 62078 and FDR on 1082. */
static bool connect_restore_mode(struct conn *c, struct sim_device *d, unsigned port)
{
	struct sim_device snap;

	mux_snapshot(d, &snap);
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
	mux_send_plist(c, tag, reply);
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
	mux_send_plist(c, tag, reply);
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
	g_hash_table_replace(records.saved, g_strdup(udid), g_bytes_new(data, len));
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
	g_hash_table_replace(records.saved, g_strdup(udid), g_bytes_new(NULL, 0));
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
bool mux_process_commands(struct conn *c)
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

void mux_records_init(void)
{
	if (!records.saved)
		records.saved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		                                      (GDestroyNotify)g_bytes_unref);
}

void mux_records_free(void)
{
	g_clear_pointer(&records.saved, g_hash_table_destroy);
	g_clear_pointer(&records.canned, g_bytes_unref);
}
