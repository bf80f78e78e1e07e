/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lab-lockdown: lockdownd (normal mode) or restored (restore mode) behind a
 * usbmuxd Connect to port 62078.
 *
 * Frames are a 4-byte big-endian length followed by a plist; clients send
 * XML and we answer in XML. This file does no I/O: lab-mux.c feeds it the
 * bytes of a tunnel and writes out what it queues.
 *
 * As on real devices, StartSession answers EnableSessionSSL true and the
 * rest of the session is TLS (lab-tls.c) until StopSession and the
 * client's close_notify; the plain-session fault answers false instead.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <plist/plist.h>

#include "lab-lockdown-priv.h"
#include "plist-compat.h"

#define LD_MAX_FRAME (4u << 20)
#define LD_LEAVE_MS  1000 /* EnterRecovery answered, tunnel kept open -> leaves */

struct ldsim {
	struct sim_device *dev;
	bool session;       /* StartSession succeeded on this connection */
	bool start_tls;     /* StartSession reply queued: TLS follows it */
	bool leaving;       /* EnterRecovery accepted: the device will leave */
	guint leave_timer;  /* tunnel kept open: the device leaves anyway then */
	struct labtls *tls; /* the session's TLS, while it is on */
	GByteArray *plain;  /* decrypted bytes not yet a whole frame */
};

/* What a handler wants done with the tunnel: keep it, close it after the
 * reply, or close it without sending the reply. */
enum ld_next { LD_KEEP, LD_CLOSE, LD_DROP };

/* Malformed on purpose: the XML stops inside the first string. */
static const char bad_reply[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<plist version=\"1.0\">\n<dict>\n\t<key>Request</key>\n\t<strin";

/* iOS at least maj.min (numeric compare: "14.10" > "14.5"). */
static bool version_at_least(const char *v, unsigned maj, unsigned min)
{
	unsigned a = 0, b = 0;

	if (sscanf(v, "%u.%u", &a, &b) < 1)
		return false;
	return a > maj || (a == maj && b >= min);
}

/* --- helpers ------------------------------------------------------------- */

static const char *dict_str(plist_t dict, const char *key)
{
	plist_t n = plist_dict_get_item(dict, key);

	return n && plist_get_node_type(n) == PLIST_STRING ? plist_get_string_ptr(n, NULL) : NULL;
}

/* The error a device in this trust state gives for anything needing a
 * trusted host; NULL when it trusts us. */
static const char *trust_error(enum sim_trust t)
{
	switch (t) {
	case SIM_TRUST_PAIRED:
		return NULL;
	case SIM_TRUST_DIALOG_PENDING:
		return "PairingDialogResponsePending";
	case SIM_TRUST_PASSCODE:
		return "PasswordProtected";
	case SIM_TRUST_DENIED:
		return "UserDeniedPairing";
	case SIM_TRUST_UNPAIRED:
	case SIM_TRUST_INVALID_HOSTID:
	default:
		return "InvalidHostID";
	}
}

/* Does the device trust the host? An UNPAIRED device whose host saved a
 * pair record went through Pair earlier: it remembers that host. */
static const char *host_error(const struct sim_device *d)
{
	if (d->trust == SIM_TRUST_UNPAIRED && muxsim_has_saved_pair_record(d->udid))
		return NULL;
	return trust_error(d->trust);
}

static enum ld_next fail(struct ldsim *s, plist_t reply, const char *error)
{
	const char *request = dict_str(reply, "Request"), *key = dict_str(reply, "Key");

	plist_dict_set_item(reply, "Error", plist_new_string(error));
	lab_log(s->dev, "lockdown", "%s%s%s -> %s", request ? request : "(none)", key ? " " : "",
	        key ? key : "", error);
	return LD_KEEP;
}

static enum ld_next success(plist_t reply)
{
	plist_dict_set_item(reply, "Result", plist_new_string("Success"));
	return LD_KEEP;
}

static gboolean request_recovery_cb(gpointer data)
{
	struct sim_device *d = data;
	enum sim_mode mode;

	lab_lock();
	mode = d->mode;
	lab_unlock();
	/* Unplugged meanwhile: nothing to do. */
	if (mode == SIM_NORMAL)
		lab_request_mode(d, SIM_RECOVERY);
	return G_SOURCE_REMOVE;
}

/* --- requests ------------------------------------------------------------ */

typedef enum ld_next (*ld_handler)(struct ldsim *s, const struct sim_device *d, plist_t req,
                                   plist_t reply);

static enum ld_next rq_query_type(struct ldsim *s, const struct sim_device *d, plist_t req,
                                  plist_t reply)
{
	(void)s;
	(void)req;
	if (d->mode == SIM_RESTORE) {
		plist_dict_set_item(reply, "Type", plist_new_string("com.apple.mobile.restored"));
		plist_dict_set_item(reply, "RestoreProtocolVersion", plist_new_uint(14));
	} else {
		plist_dict_set_item(reply, "Type", plist_new_string("com.apple.mobile.lockdown"));
	}
	return LD_KEEP;
}

static enum ld_next rq_get_value(struct ldsim *s, const struct sim_device *d, plist_t req,
                                 plist_t reply)
{
	const char *key = dict_str(req, "Key"), *domain = dict_str(req, "Domain");
	plist_t value;

	if (domain)
		plist_dict_set_item(reply, "Domain", plist_new_string(domain));
	if (key)
		plist_dict_set_item(reply, "Key", plist_new_string(key));
	/* Only the global domain is simulated. */
	if (domain)
		return fail(s, reply, "MissingValue");
	value = key ? ldsim_device_value(d, key) : ldsim_device_values(d);
	if (!value)
		return fail(s, reply, "MissingValue");
	plist_dict_set_item(reply, "Value", value);
	return LD_KEEP;
}

static enum ld_next rq_start_session(struct ldsim *s, const struct sim_device *d, plist_t req,
                                     plist_t reply)
{
	const char *err = host_error(d);

	if (!dict_str(req, "HostID"))
		return fail(s, reply, "MissingHostID");
	if (err)
		return fail(s, reply, err);
	s->session = true;
	s->start_tls = !(d->faults & SIM_FAULT_PLAIN_SESSION);
	char *id = g_uuid_string_random();
	char *up = g_ascii_strup(id, -1);

	plist_dict_set_item(reply, "SessionID", plist_new_string(up));
	plist_dict_set_item(reply, "EnableSessionSSL", plist_new_bool(s->start_tls));
	g_free(up);
	g_free(id);
	return LD_KEEP;
}

static enum ld_next rq_stop_session(struct ldsim *s, const struct sim_device *d, plist_t req,
                                    plist_t reply)
{
	(void)d;
	(void)req;
	s->session = false;
	success(reply);
	/* enter-drop=stop, rebooting: the reply goes out, then the tunnel dies. */
	return s->leaving && d->enter_drop == SIM_DROP_AFTER_STOP ? LD_CLOSE : LD_KEEP;
}

static enum ld_next rq_pair(struct ldsim *s, const struct sim_device *d, plist_t req, plist_t reply)
{
	plist_t record = plist_dict_get_item(req, "PairRecord");

	switch (d->trust) {
	case SIM_TRUST_DIALOG_PENDING:
	case SIM_TRUST_PASSCODE:
	case SIM_TRUST_DENIED:
		return fail(s, reply, trust_error(d->trust));
	default:
		break;
	}
	if (!record || plist_get_node_type(record) != PLIST_DICT || !dict_str(record, "HostID"))
		return fail(s, reply, "InvalidPairRecord");
	/* Trust granted: from now on the device remembers this host. */
	lab_lock();
	s->dev->trust = SIM_TRUST_PAIRED;
	lab_unlock();
	plist_dict_set_item(reply, "EscrowBag", compat_plist_new_data("SIM-ESCROW-BAG", 14));
	return success(reply);
}

/* The host asks the device to forget it (idevicepair unpair). */
static enum ld_next rq_unpair(struct ldsim *s, const struct sim_device *d, plist_t req,
                              plist_t reply)
{
	const char *err = host_error(d);

	(void)req;
	if (err)
		return fail(s, reply, err);
	lab_lock();
	s->dev->trust = SIM_TRUST_UNPAIRED;
	lab_unlock();
	s->session = false;
	return success(reply);
}

static enum ld_next rq_validate_pair(struct ldsim *s, const struct sim_device *d, plist_t req,
                                     plist_t reply)
{
	const char *err = host_error(d);

	(void)req;
	return err ? fail(s, reply, err) : success(reply);
}

static enum ld_next rq_enter_recovery(struct ldsim *s, const struct sim_device *d, plist_t req,
                                      plist_t reply)
{
	(void)req;
	if (d->mode != SIM_NORMAL)
		return fail(s, reply, "InvalidRequest"); /* restored has no EnterRecovery */
	/* Since iOS 14.5 only a paired session may send the device to Recovery. */
	if (version_at_least(d->ios_version, 14, 5) && !s->session)
		return fail(s, reply, "SessionInactive");
	success(reply);
	s->leaving = true;
	switch (d->enter_drop) {
	case SIM_DROP_BEFORE_REPLY:
		lab_log(s->dev, "lockdown", "EnterRecovery: tunnel dropped before the reply");
		return LD_DROP;
	case SIM_DROP_AFTER_REPLY:
		return LD_CLOSE;
	case SIM_DROP_AFTER_STOP:
	case SIM_DROP_WHEN_CLOSED:
	default:
		return LD_KEEP;
	}
}

static enum ld_next rq_goodbye(struct ldsim *s, const struct sim_device *d, plist_t req,
                               plist_t reply)
{
	(void)s;
	(void)d;
	(void)req;
	success(reply);
	return LD_CLOSE;
}

static const struct {
	const char *name;
	ld_handler fn;
} requests[] = {
        {"QueryType", rq_query_type},
        {"GetValue", rq_get_value},
        {"StartSession", rq_start_session},
        {"StopSession", rq_stop_session},
        {"Pair", rq_pair},
        {"ValidatePair", rq_validate_pair},
        {"Unpair", rq_unpair},
        {"EnterRecovery", rq_enter_recovery},
        {"Goodbye", rq_goodbye},
};

/* --- framing ------------------------------------------------------------- */

static void put_frame(GByteArray *out, const char *data, uint32_t len)
{
	uint32_t be = GUINT32_TO_BE(len);

	g_byte_array_append(out, (const guint8 *)&be, sizeof(be));
	g_byte_array_append(out, (const guint8 *)data, len);
}

static void put_plist(GByteArray *out, plist_t msg)
{
	uint32_t len;
	char *xml = compat_plist_to_xml(msg, &len);

	put_frame(out, xml, len);
	compat_plist_mem_free(xml);
}

static void log_request(struct ldsim *s, plist_t req)
{
	const char *request = dict_str(req, "Request"), *key = dict_str(req, "Key");
	const char *domain = dict_str(req, "Domain"), *label = dict_str(req, "Label");

	lab_log(s->dev, "lockdown", "%s%s%s%s%s label=%s", request ? request : "(none)",
	        key ? " " : "", key ? key : "", domain ? " domain=" : "", domain ? domain : "",
	        label ? label : "");
}

/* Faults come first: they model a lockdownd that misbehaves whatever is asked.
 * Returns true when a fault decided the outcome (*keep tells what to do). */
static bool apply_fault(struct ldsim *s, const struct sim_device *d, GByteArray *out, bool *keep)
{
	*keep = true;
	if (d->faults & SIM_FAULT_LOCKDOWN_CLOSE) {
		lab_log(s->dev, "lockdown", "fault: closing without reply");
		*keep = false;
	} else if (d->faults & SIM_FAULT_NO_REPLY_LD) {
		lab_log(s->dev, "lockdown", "fault: no reply");
	} else if (d->faults & SIM_FAULT_BAD_PLIST_LD) {
		lab_log(s->dev, "lockdown", "fault: malformed reply");
		put_frame(out, bad_reply, sizeof(bad_reply) - 1);
	} else {
		return false;
	}
	return true;
}

/* The tunnel gets data as it is now: through TLS while a session has it. */
static bool emit(struct ldsim *s, GByteArray *data, GByteArray *out)
{
	bool ok = true;

	if (s->tls)
		ok = labtls_output(s->tls, data->data, data->len, out);
	else
		g_byte_array_append(out, data->data, data->len);
	g_byte_array_set_size(data, 0);
	return ok;
}

/* One request in, at most one reply out. false: close the tunnel. */
static bool handle(struct ldsim *s, plist_t req, GByteArray *out)
{
	const char *request = dict_str(req, "Request");
	struct sim_device d;
	enum ld_next next = LD_KEEP;
	plist_t reply;
	bool keep;

	lab_lock();
	d = *s->dev;
	lab_unlock();
	log_request(s, req);
	if (apply_fault(s, &d, out, &keep))
		return keep;
	/* A device that hangs on the one request that changes its mode. */
	if ((d.faults & SIM_FAULT_NO_REPLY_ENTER) && request && !strcmp(request, "EnterRecovery")) {
		lab_log(s->dev, "lockdown", "fault: no reply to EnterRecovery");
		return true;
	}
	reply = plist_new_dict();
	if (request)
		plist_dict_set_item(reply, "Request", plist_new_string(request));
	size_t i = 0;
	while (request && i < G_N_ELEMENTS(requests) && strcmp(request, requests[i].name))
		i++;
	if (request && i < G_N_ELEMENTS(requests))
		next = requests[i].fn(s, &d, req, reply);
	else
		fail(s, reply, "InvalidRequest");
	if (next != LD_DROP)
		put_plist(out, reply);
	plist_free(reply);
	return next == LD_KEEP;
}

/* --- public -------------------------------------------------------------- */

struct ldsim *ldsim_new(struct sim_device *d)
{
	struct ldsim *s = g_new0(struct ldsim, 1);

	s->dev = d;
	return s;
}

/* Whole frames of in, one reply each into out (through emit). Stops after
 * the frame that turned TLS on: the bytes after it are ciphertext. */
static bool feed_frames(struct ldsim *s, GByteArray *in, GByteArray *out)
{
	GByteArray *reply = g_byte_array_new();
	bool ok = true;

	while (ok && !s->start_tls && in->len >= 4) {
		uint32_t be, len;
		plist_t req = NULL;
		bool keep;

		memcpy(&be, in->data, sizeof(be));
		len = GUINT32_FROM_BE(be);
		if (len > LD_MAX_FRAME) {
			lab_log(s->dev, "lockdown", "frame of %u bytes: closing", len);
			ok = false;
			break;
		}
		if (in->len - 4 < len)
			break;
		req = compat_plist_from_memory(in->data + 4, len);
		g_byte_array_remove_range(in, 0, 4 + len);
		if (!req || plist_get_node_type(req) != PLIST_DICT) {
			lab_log(s->dev, "lockdown", "unparsable request: closing");
			plist_free(req);
			ok = false;
			break;
		}
		keep = handle(s, req, reply);
		plist_free(req);
		ok = emit(s, reply, out) && keep;
	}
	g_byte_array_unref(reply);
	return ok;
}

static void tls_begin(struct ldsim *s)
{
	s->start_tls = false;
	s->tls = labtls_new();
	lab_log(s->dev, "lockdown", "StartSession: TLS from here on");
	if (!s->plain)
		s->plain = g_byte_array_new();
}

static void tls_end(struct ldsim *s)
{
	lab_log(s->dev, "lockdown", "TLS closed by the client (%s)", labtls_version(s->tls));
	labtls_free(s->tls);
	s->tls = NULL;
	g_byte_array_set_size(s->plain, 0);
}

bool ldsim_feed(struct ldsim *s, GByteArray *in, GByteArray *out)
{
	for (;;) {
		enum labtls_status st;

		if (!s->tls) {
			if (!feed_frames(s, in, out))
				return false;
			if (!s->start_tls)
				return true;
			tls_begin(s);
			if (!s->tls)
				return false;
		}
		st = labtls_input(s->tls, in, s->plain, out);
		if (st == LABTLS_ERROR) {
			lab_log(s->dev, "lockdown", "TLS error: closing");
			return false;
		}
		if (!feed_frames(s, s->plain, out))
			return false;
		if (st != LABTLS_CLOSED)
			return true;
		tls_end(s); /* what follows close_notify is plain */
	}
}

static void leave(struct sim_device *d)
{
	unsigned leave_ms;

	lab_lock();
	leave_ms = d->leave_ms;
	lab_unlock();
	g_timeout_add(lab_ms(leave_ms), request_recovery_cb, d);
}

static gboolean leave_timeout(gpointer data)
{
	struct ldsim *s = data;

	s->leave_timer = 0;
	s->leaving = false;
	lab_log(s->dev, "lockdown", "EnterRecovery: the client kept the tunnel open; leaving");
	g_idle_add(request_recovery_cb, s->dev);
	return G_SOURCE_REMOVE;
}

/*
 * The EnterRecovery reply is in the socket. The device leaves usbmuxd when
 * the tunnel is gone (closed by the client, or by the device itself, as
 * enter-drop says), leave_ms later, never before: the client would see the
 * tunnel die before its answer. A client that keeps it open meets the
 * reboot LD_LEAVE_MS later. The mode change goes through the main loop
 * because it detaches the device, which closes the very connection we are
 * serving.
 */
void ldsim_flushed(struct ldsim *s)
{
	if (s->leaving && !s->leave_timer)
		s->leave_timer = g_timeout_add(lab_ms(LD_LEAVE_MS), leave_timeout, s);
}

void ldsim_free(struct ldsim *s)
{
	if (!s)
		return;
	/* The device got the request even if the client vanished before our
	 * reply was written, or closed the tunnel after reading it. */
	if (s->leave_timer)
		g_source_remove(s->leave_timer);
	if (s->leaving)
		leave(s->dev);
	labtls_free(s->tls);
	if (s->plain)
		g_byte_array_unref(s->plain);
	g_free(s);
}
