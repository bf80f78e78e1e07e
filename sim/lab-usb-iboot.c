/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim lab-usb-iboot: what a recovery/DFU device answers on its USB
 * endpoints. Descriptors and strings for every USB mode; in recovery mode
 * also the iBoot command channel (setenv/getenv/saveenv/reboot over vendor
 * control requests) and the bulk upload pipe.
 *
 * Called from the umockdev worker thread; device state is touched only
 * under lab_lock(), and lab_log() is always called without it held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lab-usb-priv.h"

#define APPLE_VID           0x05ac
#define REBOOT_DELAY_MS     200    /* the device drops off the bus this long after "reboot" */
#define REBOOT_MIN_DELAY_MS 20     /* never before the client could reap the reply */
#define PORT_DFU_CPID       0x1612 /* made up: the port controller's real chip id is unknown */

/* Saved iBoot variables per device id (guint -> GHashTable name -> value),
 * survive re-enumeration like NVRAM. auto-boot is the core's: the value in
 * RAM is d->auto_boot_pending, the saved one d->auto_boot (lab-device.c
 * resets the former to the latter on reboot).
 * Guarded by lab_lock(). */
static GHashTable *nvram;

static uint16_t mode_pid(enum sim_mode m)
{
	switch (m) {
	case SIM_RECOVERY:
		return 0x1281;
	case SIM_DFU:
		return 0x1227;
	case SIM_WTF:
		return 0x1222;
	case SIM_KIS:
		return 0x1881;
	case SIM_PORT_DFU:
		return 0xf014;
	default:
		return 0;
	}
}

/* What lsusb shows: Apple's product string, marked simulated (no library
 * matches on it). */
static const char *product_name(enum sim_mode m)
{
	switch (m) {
	case SIM_RECOVERY:
		return "Apple Mobile Device (Recovery Mode), simulated";
	case SIM_WTF:
		return "Apple Mobile Device (WTF Mode), simulated";
	case SIM_KIS:
		return "Apple Mobile Device (KIS Mode), simulated";
	case SIM_PORT_DFU:
		return "Apple Mobile Device (Port DFU Mode), simulated";
	default:
		return "Apple Mobile Device (DFU Mode), simulated";
	}
}

/* A10 and later start the string with SDOM:01, as a real iPhone 8 does
 * (libirecovery#101). */
static const char *sdom(const struct sim_device *d)
{
	return d->cpid >= 0x8010 && d->cpid < 0x8900 ? "SDOM:01 " : "";
}

/* The port controller of a Port DFU device has an ECID of its own
 * (idevicerestore says so); the lab derives one, distinct per device. */
static unsigned long long port_controller_ecid(const struct sim_device *d)
{
	return ((unsigned long long)d->ecid ^ 0x0000F00D00000000ull) | 0x0010000000000000ull;
}

/* As iBoot prints it: recovery mode names the hardware serial (SRNM, here
 * derived from the ECID and starting with SIM, like lockdownd's
 * SerialNumber) and no IMEI; DFU names the ROM (SRTG). */
static void identity_string(const struct sim_device *d, enum sim_mode m, char *out, size_t n)
{
	unsigned long long ecid = (unsigned long long)d->ecid;
	const char *srtg = d->iboot[0] ? d->iboot : "iBoot-0.0.0.0.0";

	if (d->faults & SIM_FAULT_BAD_SERIAL) {
		g_strlcpy(out, d->serial_override, n);
	} else if (m == SIM_KIS) {
		/* KIS keeps the identity for its bulk protocol (lab-usb-kis.c;
		 * libirecovery 1.2.1 and later ask there and ignore this string),
		 * so a KIS device names only its ROM here. */
		snprintf(out, n, "SRTG:[%s]", srtg);
	} else if (m == SIM_RECOVERY) {
		char srnm[32];

		lab_srnm(d, srnm, sizeof(srnm));
		snprintf(out, n,
		         "%sCPID:%04X CPRV:11 CPFM:03 SCEP:01 BDID:%02X ECID:%016llX IBFL:3C "
		         "SRNM:[%s]",
		         sdom(d), d->cpid, d->bdid, ecid, srnm);
	} else if (m == SIM_PORT_DFU) {
		/* libirecovery takes the AP's CPID from BDID bits 8-23, its board from 24-31. */
		snprintf(out, n,
		         "CPID:%04X CPRV:00 CPFM:03 SCEP:00 BDID:%08X ECID:%016llX IBFL:00 "
		         "SRTG:[%s]",
		         PORT_DFU_CPID,
		         (unsigned)((d->bdid & 0xFF) << 24 | (d->cpid & 0xFFFF) << 8),
		         port_controller_ecid(d), srtg);
	} else {
		snprintf(out, n,
		         "%sCPID:%04X CPRV:11 CPFM:03 SCEP:01 BDID:%02X ECID:%016llX IBFL:3C "
		         "SRTG:[%s]",
		         sdom(d), d->cpid, d->bdid, ecid, srtg);
	}
}

/* New nonces on every boot, as a real device generates them. */
static void nonce_string(char *out, size_t n)
{
	GString *s = g_string_new("NONC:");

	for (int i = 0; i < 32; i++)
		g_string_append_printf(s, "%02x", g_random_int_range(0, 256));
	g_string_append(s, " SNON:");
	for (int i = 0; i < 20; i++)
		g_string_append_printf(s, "%02x", g_random_int_range(0, 256));
	g_strlcpy(out, s->str, n);
	g_string_free(s, TRUE);
}

/* Store string idx as UTF-16LE, cut to what a descriptor can carry. Bytes
 * that are not UTF-8 (a bad-serial fault) are taken as Latin-1; the sysfs
 * copy is what the kernel would cache after reading the descriptor back. */
static void set_string(struct usb_plug *p, unsigned idx, const char *s)
{
	glong n = 0;
	gunichar2 *u = NULL;

	if (g_utf8_validate(s, -1, NULL))
		u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);
	if (!u) {
		n = (glong)strlen(s);
		u = g_new(gunichar2, n + 1);
		for (glong i = 0; i < n; i++)
			u[i] = (guint8)s[i];
	}
	p->str_len[idx] = (unsigned)MIN(n, USBSIM_STR_UNITS);
	memcpy(p->str[idx], u, p->str_len[idx] * sizeof(gunichar2));
	g_free(p->str_utf8[idx]);
	p->str_utf8[idx] = g_utf16_to_utf8(p->str[idx], p->str_len[idx], NULL, NULL, NULL);
	if (!p->str_utf8[idx]) /* a cut surrogate pair */
		p->str_utf8[idx] = g_strdup("");
	g_free(u);
}

static void put16(guint8 *b, unsigned v)
{
	b[0] = v & 0xFF;
	b[1] = v >> 8;
}

/* Recovery: interface 0 (no endpoints) and interface 1 with alt 1 holding
 * bulk 0x04 OUT / 0x81 IN, as iBoot has. The ROM modes: one DFU interface
 * with its DFU functional descriptor. */
static void build_descriptors(struct usb_plug *p)
{
	/* clang-format off */
	static const guint8 recovery_cfg[] = {
		0x09, 0x02, 0x32, 0x00, 0x02, 0x01, 0x00, 0xC0, 0xFA,
		0x09, 0x04, 0x00, 0x00, 0x00, 0xFF, 0xFD, 0x00, 0x00,
		0x09, 0x04, 0x01, 0x00, 0x00, 0xFF, 0xFD, 0x00, 0x00,
		0x09, 0x04, 0x01, 0x01, 0x02, 0xFF, 0xFD, 0x00, 0x00,
		0x07, 0x05, 0x04, 0x02, 0x00, 0x02, 0x00,
		0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00,
	};
	static const guint8 dfu_cfg[] = {
		0x09, 0x02, 0x1B, 0x00, 0x01, 0x01, 0x00, 0x80, 0xFA,
		0x09, 0x04, 0x00, 0x00, 0x00, 0xFE, 0x01, 0x00, 0x00,
		0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x10, 0x01,
	};
	guint8 dev[18] = { 0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40,
			   0, 0, 0, 0, 0x00, 0x00, 0x02, 0x03, 0x04, 0x01 };
	/* clang-format on */
	bool rec = p->mode == SIM_RECOVERY;
	const guint8 *cfg = rec ? recovery_cfg : dfu_cfg;
	unsigned cfg_len = rec ? sizeof(recovery_cfg) : sizeof(dfu_cfg);

	put16(dev + 8, APPLE_VID);
	put16(dev + 10, rec && p->d->recovery_pid ? p->d->recovery_pid : mode_pid(p->mode));
	memcpy(p->desc, dev, sizeof(dev));
	memcpy(p->desc + sizeof(dev), cfg, cfg_len);
	p->desc_len = sizeof(dev) + cfg_len;
	p->n_ifaces = rec ? 2 : 1;
}

void usbsim_iboot_setup(struct usb_plug *p)
{
	char buf[512];
	GHashTable *saved;

	build_descriptors(p);
	/* A6 and older have no nonces: string #1, where libirecovery looks for
	 * them, just says "Apple Inc.". */
	if (p->d->cpid >= 0x8900 && p->d->cpid < 0x8960)
		g_strlcpy(buf, "Apple Inc.", sizeof(buf));
	else
		nonce_string(buf, sizeof(buf));
	set_string(p, 1, buf);
	set_string(p, 2, "Apple Inc.");
	set_string(p, 3, product_name(p->mode));
	identity_string(p->d, p->mode, buf, sizeof(buf));
	set_string(p, 4, buf);
	/* KIS gives its identity, in the DFU form, only over its protocol. */
	if (p->mode == SIM_KIS)
		identity_string(p->d, SIM_DFU, p->kis_identity, sizeof(p->kis_identity));

	/* A boot starts with the saved variables. */
	p->env = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	saved = nvram ? g_hash_table_lookup(nvram, GUINT_TO_POINTER(p->d->id)) : NULL;
	if (saved) {
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, saved);
		while (g_hash_table_iter_next(&it, &k, &v))
			g_hash_table_insert(p->env, g_strdup(k), g_strdup(v));
	}
}

void usbsim_iboot_shutdown(void)
{
	lab_lock();
	g_clear_pointer(&nvram, g_hash_table_destroy);
	lab_unlock();
}

/* ---- standard requests ------------------------------------------------- */

static int reply_bytes(const void *src, unsigned len, guint8 *data, unsigned wlen, int *actual)
{
	*actual = (int)MIN(len, wlen);
	memcpy(data, src, (size_t)*actual);
	return 0;
}

static int get_descriptor(struct usb_plug *p, unsigned wvalue, unsigned wlen, guint8 *data,
                          int *actual)
{
	static const guint8 langids[] = {0x04, 0x03, 0x09, 0x04};
	unsigned type = wvalue >> 8, idx = wvalue & 0xFF;
	guint8 s[2 + 2 * USBSIM_STR_UNITS];

	if (type == 1)
		return reply_bytes(p->desc, 18, data, wlen, actual);
	if (type == 2 && idx == 0)
		return reply_bytes(p->desc + 18, p->desc_len - 18, data, wlen, actual);
	if (type != 3 || idx >= USBSIM_N_STRINGS) {
		lab_log(p->d, "usb", "get-descriptor type=%u idx=%u: STALL", type, idx);
		return -EPIPE;
	}
	lab_log(p->d, "usb", "string-desc idx=%u", idx);
	if (idx == 0)
		return reply_bytes(langids, sizeof(langids), data, wlen, actual);
	s[0] = (guint8)(2 + 2 * p->str_len[idx]);
	s[1] = 0x03;
	for (unsigned i = 0; i < p->str_len[idx]; i++)
		put16(s + 2 + 2 * i, p->str[idx][i]);
	return reply_bytes(s, s[0], data, wlen, actual);
}

/* ---- iBoot ------------------------------------------------------------- */

/* What makes the device leave the bus: reboot (the core decides where it
 * comes back), go (the uploaded iBEC runs: back in recovery), bootx (the
 * uploaded kernel boots the restore ramdisk: restore mode). */
enum leave_kind { LEAVE_NONE, LEAVE_REBOOT, LEAVE_GO, LEAVE_BOOTX };

struct leave_job {
	struct usb_plug *p;
	enum leave_kind kind;
};

static gboolean reboot_cb(gpointer user)
{
	struct leave_job *j = user;
	struct usb_plug *p = j->p;
	bool gone = true;

	if (usbsim_running()) {
		lab_lock();
		gone = p->gone;
		lab_unlock();
	}
	/* Skip if the device was unplugged or re-plugged meanwhile. */
	if (!gone && p->d->usb_priv == p && j->kind == LEAVE_REBOOT) {
		lab_log(p->d, "usb", "reboot: leaving the bus");
		lab_on_iboot_reboot(p->d);
	} else if (!gone && p->d->usb_priv == p) {
		lab_log(p->d, "usb", "%s: leaving the bus",
		        j->kind == LEAVE_GO ? "go: iBEC runs" : "bootx: booting the restore ramdisk");
		lab_request_mode(p->d, j->kind == LEAVE_GO ? SIM_RECOVERY : SIM_RESTORE);
	}
	usb_plug_unref(p);
	g_free(j);
	return G_SOURCE_REMOVE;
}

static gboolean fault_unplug_cb(gpointer user)
{
	struct usb_plug *p = user;

	if (usbsim_running() && p->d->usb_priv == p)
		lab_request_mode(p->d, SIM_GONE);
	usb_plug_unref(p);
	return G_SOURCE_REMOVE;
}

/* The reply URB is already complete and queued; the client reaps it long
 * before the timeout (and could even after the unplug). */
static void schedule_reboot(struct usb_plug *p, enum leave_kind kind)
{
	struct leave_job *j = g_new0(struct leave_job, 1);
	unsigned delay;

	lab_lock();
	delay = CLAMP(p->d->transition_ms, REBOOT_MIN_DELAY_MS, REBOOT_DELAY_MS);
	lab_unlock();
	j->p = usb_plug_ref(p);
	j->kind = kind;
	g_timeout_add(delay, reboot_cb, j);
}

/* `ramdisk`: the uploaded ramdisk is the update one or the erase one (the
 * fixture IPSWs name it in the component's IM4P description). */
static void take_ramdisk(struct usb_plug *p)
{
	p->d->restore_erase = !memmem(p->upload_head, sizeof(p->upload_head), "update", 6);
}

static void getenv_value(struct usb_plug *p, const char *name, char *out, size_t n)
{
	const char *v = g_hash_table_lookup(p->env, name);

	if (!strcmp(name, "auto-boot"))
		g_strlcpy(out, p->d->auto_boot_pending ? "true" : "false", n);
	else if (v)
		g_strlcpy(out, v, n);
	else if (!strcmp(name, "build-version"))
		g_strlcpy(out, p->d->iboot, n);
	else if (!strcmp(name, "build-style"))
		g_strlcpy(out, "RELEASE", n);
	else
		out[0] = '\0';
}

/* saveenv: the boot's variables become NVRAM. */
static void saveenv(struct usb_plug *p)
{
	GHashTable *saved = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	GHashTableIter it;
	gpointer k, v;

	if (!nvram)
		nvram = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
		                              (GDestroyNotify)g_hash_table_destroy);
	g_hash_table_iter_init(&it, p->env);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(saved, g_strdup(k), g_strdup(v));
	g_hash_table_replace(nvram, GUINT_TO_POINTER(p->d->id), saved);
	p->d->auto_boot = p->d->auto_boot_pending;
}

/* Run one command under lab_lock(); returns how the device leaves the bus. */
static enum leave_kind run_command_locked(struct usb_plug *p, const char *cmd)
{
	char verb[16] = "", name[64] = "";
	int off = 0;

	sscanf(cmd, "%15s %63s %n", verb, name, &off);
	p->reply[0] = '\0';
	if (!strcmp(verb, "setenv") && !strcmp(name, "auto-boot")) {
		p->d->auto_boot_pending = !strcmp(cmd + off, "true");
	} else if (!strcmp(verb, "setenv") && name[0]) {
		g_hash_table_replace(p->env, g_strdup(name), g_strdup(cmd + off));
	} else if (!strcmp(verb, "getenv") && name[0]) {
		getenv_value(p, name, p->reply, sizeof(p->reply));
	} else if (!strcmp(verb, "saveenv")) {
		saveenv(p);
		p->slow_ms = p->d->saveenv_ms; /* writing NVRAM takes its time */
	} else if (!strcmp(verb, "ramdisk")) {
		take_ramdisk(p);
	}
	if (!strcmp(verb, "reboot"))
		return LEAVE_REBOOT;
	if (!strcmp(verb, "go"))
		return LEAVE_GO;
	return !strcmp(verb, "bootx") ? LEAVE_BOOTX : LEAVE_NONE;
}

/* SIM_FAULT_UNPLUG_ON_CMD: the cable comes out as the command arrives.
 * One-shot: the bit is cleared so a re-plugged device behaves. */
static bool fault_unplug(struct usb_plug *p)
{
	bool hit;

	lab_lock();
	hit = p->d->faults & SIM_FAULT_UNPLUG_ON_CMD;
	if (hit) {
		p->d->faults &= ~(unsigned)SIM_FAULT_UNPLUG_ON_CMD;
		p->gone = true;
	}
	lab_unlock();
	if (hit)
		g_idle_add(fault_unplug_cb, usb_plug_ref(p));
	return hit;
}

/* The ways a resetting device fails to acknowledge "reboot". */
#define REBOOT_UNACKED                                                                             \
	(SIM_FAULT_REBOOT_STALL | SIM_FAULT_REBOOT_VANISH | SIM_FAULT_REBOOT_HANG |                \
	 SIM_FAULT_REBOOT_IO)

/* The URB status the host gets for an unacknowledged reboot (the reboot
 * itself is scheduled already, except reboot-hang's). */
static int reboot_unacked(struct usb_plug *p, unsigned fault)
{
	if (fault == SIM_FAULT_REBOOT_STALL) {
		lab_log(p->d, "usb", "reboot: STALL (fault), rebooting anyway");
		return -EPIPE;
	}
	if (fault == SIM_FAULT_REBOOT_IO) {
		/* The reset breaks the transaction: what xHCI reports as EPROTO. */
		lab_log(p->d, "usb", "reboot: transaction error EPROTO (fault), rebooting anyway");
		return -EPROTO;
	}
	if (fault == SIM_FAULT_REBOOT_VANISH) {
		/* Completed only by the disconnect (ESHUTDOWN, lab-usb.c). */
		lab_log(p->d, "usb",
		        "reboot: never acknowledged (fault): leaving the bus with the transfer "
		        "outstanding");
		return USBSIM_URB_PENDING;
	}
	lab_log(p->d, "usb", "reboot: never acknowledged (fault): staying until the host gives up");
	return USBSIM_URB_PENDING;
}

/* Main loop: reboot-hang's device resets once the host stopped waiting. */
static gboolean cancelled_cb(gpointer user)
{
	struct usb_plug *p = user;
	bool hit = false;

	if (usbsim_running() && p->d->usb_priv == p) {
		lab_lock();
		hit = p->reboot_on_cancel && !p->gone;
		p->reboot_on_cancel = false;
		lab_unlock();
	}
	if (hit) {
		lab_log(p->d, "usb", "reboot: the host gave up on the transfer; resetting");
		schedule_reboot(p, LEAVE_REBOOT);
	}
	usb_plug_unref(p);
	return G_SOURCE_REMOVE;
}

void usbsim_iboot_cancelled(struct usb_plug *p)
{
	g_idle_add(cancelled_cb, usb_plug_ref(p));
}

static int iboot_command(struct usb_plug *p, unsigned breq, const guint8 *data, unsigned wlen,
                         int *actual)
{
	char cmd[256];
	unsigned n = MIN(wlen, sizeof(cmd) - 1);
	gchar *esc;
	enum leave_kind leave;
	unsigned unacked;
	bool erase;

	/* The data stage is wlen bytes, NUL-terminated only if the client says so. */
	memcpy(cmd, data, n);
	cmd[n] = '\0';
	esc = g_strescape(cmd, NULL);
	lab_log(p->d, "usb", "ctrl-out breq=%u \"%s\"", breq, esc);
	g_free(esc);
	if (p->mode != SIM_RECOVERY) {
		lab_log(p->d, "usb", "STALL: no iBoot in %s mode", sim_mode_name(p->mode));
		return -EPIPE;
	}
	if (fault_unplug(p)) {
		lab_log(p->d, "usb", "fault: unplugged on command");
		return -ESHUTDOWN;
	}
	lab_lock();
	leave = run_command_locked(p, cmd);
	erase = p->d->restore_erase;
	unacked = leave == LEAVE_REBOOT ? p->d->faults & REBOOT_UNACKED : 0;
	unacked &= -unacked; /* one of them: the lowest bit */
	if (unacked == SIM_FAULT_REBOOT_HANG)
		p->reboot_on_cancel = true;
	lab_unlock();
	if (!strcmp(cmd, "ramdisk"))
		lab_log(p->d, "usb", "ramdisk: the %s ramdisk", erase ? "erase" : "update");
	if (leave != LEAVE_NONE && unacked != SIM_FAULT_REBOOT_HANG)
		schedule_reboot(p, leave);
	if (unacked)
		return reboot_unacked(p, unacked);
	*actual = (int)wlen;
	return 0;
}

static int iboot_reply(struct usb_plug *p, guint8 *data, unsigned wlen, int *actual)
{
	char reply[256];
	gchar *esc;

	if (p->mode != SIM_RECOVERY) {
		lab_log(p->d, "usb", "ctrl-in reply: STALL (no iBoot in %s mode)",
		        sim_mode_name(p->mode));
		return -EPIPE;
	}
	lab_lock();
	g_strlcpy(reply, p->reply, sizeof(reply));
	lab_unlock();
	esc = g_strescape(reply, NULL);
	lab_log(p->d, "usb", "ctrl-in getenv-reply \"%s\"", esc);
	g_free(esc);
	return reply_bytes(reply, (unsigned)strlen(reply) + 1, data, wlen, actual);
}

int usbsim_iboot_control(struct usb_plug *p, const guint8 setup[8], guint8 *data, int *actual)
{
	unsigned rt = setup[0], req = setup[1];
	unsigned wvalue = setup[2] | setup[3] << 8, wlen = setup[6] | setup[7] << 8;
	bool stall_out;

	*actual = 0;
	lab_lock();
	stall_out = (p->d->faults & SIM_FAULT_STALL) && !(rt & 0x80);
	lab_unlock();
	if (stall_out) {
		lab_log(p->d, "usb", "ctrl-out bmreq=0x%02x breq=%u: STALL (fault)", rt, req);
		return -EPIPE;
	}
	if (rt == 0x80 && req == 0x06)
		return get_descriptor(p, wvalue, wlen, data, actual);
	if (rt == 0x40 && req <= 1)
		return iboot_command(p, req, data, wlen, actual);
	if (rt == 0xC0 && req == 0)
		return iboot_reply(p, data, wlen, actual);
	if (rt == 0x41 && req == 0 && p->mode == SIM_RECOVERY) {
		lab_lock();
		p->upload_bytes = 0;
		lab_unlock();
		lab_log(p->d, "usb", "upload-start");
		return 0;
	}
	lab_log(p->d, "usb", "ctrl bmreq=0x%02x breq=%u wValue=0x%04x wLength=%u: STALL", rt, req,
	        wvalue, wlen);
	return -EPIPE;
}

int usbsim_iboot_bulk(struct usb_plug *p, unsigned ep, const guint8 *data, int len, int *actual)
{
	guint64 total;

	/* uploads are counted, not kept: only their first bytes (take_ramdisk) */
	*actual = 0;
	if (p->mode != SIM_RECOVERY || ep != 0x04) {
		lab_log(p->d, "usb", "bulk ep=0x%02x len=%d: STALL", ep, len);
		return -EPIPE;
	}
	lab_lock();
	if (p->upload_bytes == 0) {
		memset(p->upload_head, 0, sizeof(p->upload_head));
		memcpy(p->upload_head, data, (size_t)MIN(len, (int)sizeof(p->upload_head)));
	}
	p->upload_bytes += (guint64)len;
	total = p->upload_bytes;
	lab_unlock();
	lab_log(p->d, "usb", "bulk-out ep=0x04 len=%d total=%" G_GUINT64_FORMAT, len, total);
	*actual = len;
	return 0;
}
