/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-restored: what a device in restore mode answers behind usbmuxd.
 *
 * Port 62078 is restored (not lockdownd): QueryType carries SerialNumber
 * (the same as iBoot's SRNM) and HardwareModel; QueryValue HardwareInfo
 * gives UniqueChipID (the ECID), ChipID, BoardID. StartRestore plays the
 * device's scripted outcome: ProgressMsg messages, then a StatusMsg
 * (0 = Restore Finished, or a failure with an AMRError), or nothing (a
 * hang). After success the device reboots into normal mode with the
 * version and build the restore installed; after a failure into recovery.
 * Port 1082 is the FDR control channel: the handshake is answered, then it
 * stays quiet, as when there is nothing to recover.
 *
 * Frames on 62078 are a 4-byte big-endian length and an XML plist, as for
 * lockdownd; FDR uses a native (little-endian) length and binary plists.
 * Like lab-lockdown.c this file does no socket I/O: lab-mux.c feeds it and
 * writes what it queues; output produced later (the restore's messages) is
 * handed over through the kick callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <plist/plist.h>

#include "lab.h"

#define RD_MAX_FRAME       (4u << 20)
#define RD_MSG_INTERVAL_MS 15  /* between two of the restore's messages */
#define RD_REBOOT_MS       100 /* after the final status, the device reboots */
#define FDR_CONN_PORT      1083

/* What the device shows while it restores: operation, percent (0: no bar). */
static const struct {
	unsigned op, progress;
} script[] = {
        {11, 0}, {12, 0}, {13, 0},  {14, 25},  {14, 60}, {14, 100},
        {15, 0}, {16, 0}, {18, 50}, {18, 100}, {20, 0},  {36, 100},
};

enum rd_state { RD_IDLE, RD_RESTORING, RD_DONE };

struct rdsim {
	struct sim_device *dev;
	unsigned port;
	void (*kick)(void *conn);
	void *conn;
	GByteArray *pending; /* produced by a timer, not yet taken */
	bool close_after;    /* close the tunnel once pending is written */
	enum rd_state state;
	guint timer;
	unsigned step;
	/* the outcome of this attempt */
	char outcome[16]; /* "ok", "fail", "hang" */
	unsigned fail_amr, fail_after;
};

/* --- identity ------------------------------------------------------------ */

void lab_srnm(const struct sim_device *d, char *out, size_t n)
{
	snprintf(out, n, "SIM%09llX", (unsigned long long)(d->ecid & 0xFFFFFFFFFull));
}

/* --- spec keys ------------------------------------------------------------ */

/* restore-outcome=ok|hang|fail-AMR[-AFTER][,next attempt...] */
static bool outcome_valid(const char *v)
{
	gchar **parts = g_strsplit(v, ",", 0);
	bool ok = parts[0] != NULL;

	for (gchar **p = parts; *p && ok; p++) {
		unsigned amr, after;
		ok = !strcmp(*p, "ok") || !strcmp(*p, "hang") ||
		     sscanf(*p, "fail-%u-%u", &amr, &after) == 2 ||
		     sscanf(*p, "fail-%u", &amr) == 1;
	}
	g_strfreev(parts);
	return ok;
}

bool lab_restored_set_key(struct sim_device *d, const char *key, const char *v, GError **error)
{
	if (!strcmp(key, "restore-ios")) {
		g_strlcpy(d->restore_ios, v, sizeof(d->restore_ios));
	} else if (!strcmp(key, "restore-build")) {
		g_strlcpy(d->restore_build, v, sizeof(d->restore_build));
	} else if (!strcmp(key, "restore-outcome") && outcome_valid(v)) {
		g_strlcpy(d->restore_outcome, v, sizeof(d->restore_outcome));
		d->restore_attempts = 0;
	} else {
		g_set_error(error, g_quark_from_static_string("lab"), 0, "bad restore key %s=%s",
		            key, v);
		return false;
	}
	return true;
}

/* The outcome of attempt number n (0-based): the list's nth entry, else its last. */
static void pick_outcome(struct rdsim *s, const char *list, unsigned n)
{
	gchar **parts = g_strsplit(list[0] ? list : "ok", ",", 0);
	unsigned count = g_strv_length(parts);
	const char *p = parts[MIN(n, count - 1)];

	s->fail_amr = 14;
	s->fail_after = 4;
	if (g_str_has_prefix(p, "fail")) {
		g_strlcpy(s->outcome, "fail", sizeof(s->outcome));
		if (sscanf(p, "fail-%u-%u", &s->fail_amr, &s->fail_after) < 2)
			sscanf(p, "fail-%u", &s->fail_amr);
	} else {
		g_strlcpy(s->outcome, p, sizeof(s->outcome));
	}
	g_strfreev(parts);
}

/* --- framing ------------------------------------------------------------- */

static void put_plist(GByteArray *out, plist_t msg)
{
	char *xml = NULL;
	uint32_t len = 0, be;

	plist_to_xml(msg, &xml, &len);
	be = GUINT32_TO_BE(len);
	g_byte_array_append(out, (const guint8 *)&be, sizeof(be));
	g_byte_array_append(out, (const guint8 *)xml, len);
	free(xml);
}

static const char *dict_str(plist_t dict, const char *key)
{
	plist_t n = plist_dict_get_item(dict, key);
	uint64_t len = 0;

	return n && plist_get_node_type(n) == PLIST_STRING ? plist_get_string_ptr(n, &len) : NULL;
}

/* --- after the restore ---------------------------------------------------- */

struct reboot_job {
	struct sim_device *dev;
	bool success, erased;
};

static gboolean reboot_cb(gpointer data)
{
	struct reboot_job *j = data;
	struct sim_device *d = j->dev;
	enum sim_mode mode, to;

	lab_lock();
	mode = d->mode;
	if (mode == SIM_RESTORE && j->success) {
		if (d->restore_ios[0])
			g_strlcpy(d->ios_version, d->restore_ios, sizeof(d->ios_version));
		if (d->restore_build[0])
			g_strlcpy(d->build, d->restore_build, sizeof(d->build));
		if (j->erased)
			d->trust = SIM_TRUST_UNPAIRED;
		/* restored leaves the new OS set to boot */
		d->auto_boot = d->auto_boot_pending = true;
	}
	to = j->success && !d->broken_os ? SIM_NORMAL : SIM_RECOVERY;
	lab_unlock();
	if (mode == SIM_RESTORE) {
		lab_log(d, "core", "restore %s: rebooting into %s",
		        j->success ? "finished" : "failed", sim_mode_name(to));
		lab_request_mode(d, to);
	}
	g_free(j);
	return G_SOURCE_REMOVE;
}

static void schedule_reboot(struct rdsim *s, bool success)
{
	struct reboot_job *j = g_new0(struct reboot_job, 1);

	j->dev = s->dev;
	j->success = success;
	lab_lock();
	j->erased = s->dev->restore_erase;
	lab_unlock();
	g_timeout_add(RD_REBOOT_MS, reboot_cb, j);
}

/* --- the restore's messages ----------------------------------------------- */

static void send_progress(struct rdsim *s, unsigned op, unsigned progress)
{
	plist_t m = plist_new_dict();

	plist_dict_set_item(m, "MsgType", plist_new_string("ProgressMsg"));
	plist_dict_set_item(m, "Operation", plist_new_uint(op));
	plist_dict_set_item(m, "Progress", plist_new_uint(progress));
	put_plist(s->pending, m);
	plist_free(m);
	lab_log(s->dev, "restored", "ProgressMsg operation=%u progress=%u", op, progress);
}

static void send_status(struct rdsim *s, bool ok)
{
	plist_t m = plist_new_dict();

	plist_dict_set_item(m, "MsgType", plist_new_string("StatusMsg"));
	plist_dict_set_item(m, "Status", plist_new_uint(ok ? 0 : 14));
	if (!ok)
		plist_dict_set_item(m, "AMRError", plist_new_uint(s->fail_amr));
	put_plist(s->pending, m);
	plist_free(m);
	if (ok)
		lab_log(s->dev, "restored", "StatusMsg status=0 (restore finished)");
	else
		lab_log(s->dev, "restored", "StatusMsg status=14 AMRError=%u", s->fail_amr);
	s->state = RD_DONE;
	/* the connection ends when the device reboots (schedule_reboot) */
	s->close_after = false;
	schedule_reboot(s, ok);
}

static gboolean step_cb(gpointer data)
{
	struct rdsim *s = data;
	bool last = s->step >= G_N_ELEMENTS(script);

	if (!strcmp(s->outcome, "fail") && s->step >= s->fail_after) {
		send_status(s, false);
	} else if (last && !strcmp(s->outcome, "hang")) {
		lab_log(s->dev, "restored", "hang: no more messages");
		s->timer = 0;
		return G_SOURCE_REMOVE;
	} else if (last) {
		send_status(s, true);
	} else {
		send_progress(s, script[s->step].op, script[s->step].progress);
		s->step++;
	}
	s->kick(s->conn);
	if (s->state == RD_DONE) {
		s->timer = 0;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

/* --- requests on 62078 ----------------------------------------------------- */

static plist_t hardware_info(const struct sim_device *d)
{
	plist_t hw = plist_new_dict();

	plist_dict_set_item(hw, "UniqueChipID", plist_new_uint(d->ecid));
	plist_dict_set_item(hw, "ChipID", plist_new_uint(d->cpid));
	plist_dict_set_item(hw, "BoardID", plist_new_uint(d->bdid));
	plist_dict_set_item(hw, "ProductionMode", plist_new_bool(1));
	plist_dict_set_item(hw, "SupportsImage4", plist_new_bool(d->cpid >= 0x8000));
	return hw;
}

static void query_type(const struct sim_device *d, plist_t reply)
{
	char srnm[32];
	char *model = g_ascii_strup(d->hw_model, -1);

	lab_srnm(d, srnm, sizeof(srnm));
	plist_dict_set_item(reply, "Type", plist_new_string("com.apple.mobile.restored"));
	plist_dict_set_item(reply, "RestoreProtocolVersion", plist_new_uint(14));
	plist_dict_set_item(reply, "SerialNumber", plist_new_string(srnm));
	plist_dict_set_item(reply, "HardwareModel", plist_new_string(model));
	plist_dict_set_item(reply, "ProductType", plist_new_string(d->product_type));
	g_free(model);
}

static void start_restore(struct rdsim *s, const struct sim_device *d)
{
	lab_lock();
	pick_outcome(s, s->dev->restore_outcome, s->dev->restore_attempts++);
	lab_unlock();
	(void)d;
	lab_log(s->dev, "restored", "StartRestore: outcome %s", s->outcome);
	s->state = RD_RESTORING;
	s->step = 0;
	s->timer = g_timeout_add(RD_MSG_INTERVAL_MS, step_cb, s);
}

/* One request; false: close the tunnel. */
static bool handle(struct rdsim *s, plist_t req, GByteArray *out)
{
	const char *request = dict_str(req, "Request"), *msg = dict_str(req, "MsgType");
	const char *key = dict_str(req, "QueryKey");
	struct sim_device d;
	plist_t reply;
	bool keep = true;

	lab_lock();
	d = *s->dev;
	lab_unlock();
	lab_log(s->dev, "restored", "%s%s%s label=%s",
	        request ? request
	        : msg   ? msg
	                : "(none)",
	        key ? " " : "", key ? key : "",
	        dict_str(req, "Label") ? dict_str(req, "Label") : "");
	/* The lockdownd faults model whatever listens on 62078: restored too. */
	if (d.faults & SIM_FAULT_LOCKDOWN_CLOSE) {
		lab_log(s->dev, "restored", "fault: closing without reply");
		return false;
	}
	if (d.faults & (SIM_FAULT_NO_REPLY_LD | SIM_FAULT_BAD_PLIST_LD)) {
		lab_log(s->dev, "restored", "fault: no reply");
		return true;
	}
	if (!request) /* e.g. ReceivedFinalStatusMsg: nothing to answer */
		return true;
	if (!strcmp(request, "StartRestore")) {
		if (s->state == RD_IDLE)
			start_restore(s, &d);
		return true; /* no reply: the restore's messages follow */
	}
	reply = plist_new_dict();
	if (!strcmp(request, "QueryType")) {
		query_type(&d, reply);
	} else if (!strcmp(request, "QueryValue") && key && !strcmp(key, "HardwareInfo")) {
		plist_dict_set_item(reply, "HardwareInfo", hardware_info(&d));
	} else if (!strcmp(request, "QueryValue")) {
		plist_dict_set_item(reply, "Error", plist_new_string("MissingValue"));
	} else if (!strcmp(request, "Goodbye")) {
		plist_dict_set_item(reply, "Result", plist_new_string("Success"));
		keep = false;
	} else {
		plist_dict_set_item(reply, "Error", plist_new_string("InvalidRequest"));
	}
	put_plist(out, reply);
	plist_free(reply);
	return keep;
}

static bool feed_restored(struct rdsim *s, GByteArray *in, GByteArray *out)
{
	while (in->len >= 4) {
		uint32_t be, len;
		plist_t req = NULL;
		bool keep;

		memcpy(&be, in->data, sizeof(be));
		len = GUINT32_FROM_BE(be);
		if (len > RD_MAX_FRAME)
			return false;
		if (in->len - 4 < len)
			break;
		plist_from_xml((const char *)in->data + 4, len, &req);
		if (!req)
			plist_from_bin((const char *)in->data + 4, len, &req);
		g_byte_array_remove_range(in, 0, 4 + len);
		if (!req || plist_get_node_type(req) != PLIST_DICT) {
			lab_log(s->dev, "restored", "unparsable request: closing");
			plist_free(req);
			return false;
		}
		keep = handle(s, req, out);
		plist_free(req);
		if (!keep)
			return false;
	}
	return true;
}

/* --- FDR (port 1082) ------------------------------------------------------- */

static bool feed_fdr(struct rdsim *s, GByteArray *in, GByteArray *out)
{
	static const char begin[] = "BeginCtrl";
	uint32_t len;
	plist_t reply;
	char *bin = NULL;
	uint32_t blen = 0;

	if (s->state != RD_IDLE) { /* handshake done: whatever comes is dropped */
		g_byte_array_set_size(in, 0);
		return true;
	}
	if (in->len < sizeof(begin) + 4)
		return true;
	memcpy(&len, in->data + sizeof(begin), sizeof(len));
	len = GUINT32_FROM_LE(len);
	if (len > RD_MAX_FRAME || memcmp(in->data, begin, sizeof(begin)))
		return false;
	if (in->len < sizeof(begin) + 4 + len)
		return true;
	g_byte_array_set_size(in, 0);
	lab_log(s->dev, "restored", "FDR BeginCtrl: ConnPort %u", FDR_CONN_PORT);
	reply = plist_new_dict();
	plist_dict_set_item(reply, "ConnPort", plist_new_uint(FDR_CONN_PORT));
	plist_to_bin(reply, &bin, &blen);
	plist_free(reply);
	len = GUINT32_TO_LE(blen);
	g_byte_array_append(out, (const guint8 *)&len, sizeof(len));
	g_byte_array_append(out, (const guint8 *)bin, blen);
	free(bin);
	s->state = RD_DONE;
	return true;
}

/* --- public ---------------------------------------------------------------- */

struct rdsim *rdsim_new(struct sim_device *d, unsigned port, void (*kick)(void *conn), void *conn)
{
	struct rdsim *s = g_new0(struct rdsim, 1);

	s->dev = d;
	s->port = port;
	s->kick = kick;
	s->conn = conn;
	s->pending = g_byte_array_new();
	return s;
}

bool rdsim_feed(struct rdsim *s, GByteArray *in, GByteArray *out)
{
	return s->port == RD_FDR_PORT ? feed_fdr(s, in, out) : feed_restored(s, in, out);
}

bool rdsim_take(struct rdsim *s, GByteArray *out)
{
	g_byte_array_append(out, s->pending->data, s->pending->len);
	g_byte_array_set_size(s->pending, 0);
	return !s->close_after;
}

void rdsim_free(struct rdsim *s)
{
	if (!s)
		return;
	if (s->timer)
		g_source_remove(s->timer);
	g_byte_array_unref(s->pending);
	g_free(s);
}
