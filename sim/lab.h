/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim: the simulated device lab.
 *
 * This header is the contract between the three parts of irecsim:
 *   lab-core  (irecsim.c, lab-device.c): device table, mode transitions,
 *             command line, control socket, scenario, log
 *   lab-usb   (lab-usb.c): recovery/DFU/WTF/KIS/Port-DFU devices on a
 *             umockdev testbed, answering usbfs ioctls like the hardware
 *   lab-mux   (lab-mux.c, lab-lockdown.c): a usbmuxd on a UNIX socket with
 *             lockdownd behind Connect, for normal and restore mode
 *
 * Everything runs on the GLib default main loop, except the umockdev ioctl
 * handler, which runs on umockdev's worker thread: it must take lab_lock()
 * around device state and hand sysfs changes (plug/unplug) to the main loop
 * with g_idle_add()/g_timeout_add().
 */
#ifndef IRECSIM_LAB_H
#define IRECSIM_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

enum sim_mode {
	SIM_GONE = 0,  /* not attached anywhere (between modes, or unplugged) */
	SIM_NORMAL,    /* usbmuxd, lockdownd QueryType com.apple.mobile.lockdown */
	SIM_RESTORE,   /* usbmuxd, QueryType com.apple.mobile.restored */
	SIM_RECOVERY,  /* USB 05ac:1281 (iBoot) */
	SIM_DFU,       /* USB 05ac:1227 */
	SIM_WTF,       /* USB 05ac:1222 */
	SIM_KIS,       /* USB 05ac:1881 */
	SIM_PORT_DFU,  /* USB 05ac:f014 */
};

enum sim_trust {
	SIM_TRUST_PAIRED = 0,     /* pair record served, sessions work */
	SIM_TRUST_UNPAIRED,       /* no record; Pair request answered with the state below */
	SIM_TRUST_INVALID_HOSTID, /* record exists on host, device forgot it */
	SIM_TRUST_DIALOG_PENDING, /* PairingDialogResponsePending */
	SIM_TRUST_PASSCODE,       /* PasswordProtected */
	SIM_TRUST_DENIED,         /* UserDeniedPairing */
};

/* Faults, a bitmask in sim_device.faults. */
enum sim_fault {
	SIM_FAULT_STALL = 1u << 0,          /* every control OUT transfer STALLs (EPIPE) */
	SIM_FAULT_UNPLUG_ON_CMD = 1u << 1,  /* the first iBoot command unplugs the device */
	SIM_FAULT_LOCKDOWN_CLOSE = 1u << 2, /* lockdownd closes without replying */
	SIM_FAULT_BAD_PLIST_LD = 1u << 3,   /* lockdownd answers with malformed plist */
	SIM_FAULT_BAD_PLIST_MUX = 1u << 4,  /* usbmuxd answers ListDevices with malformed plist */
	SIM_FAULT_BAD_SERIAL = 1u << 5,     /* serial string replaced by sim_device.serial_override */
	SIM_FAULT_NO_REPLY_LD = 1u << 6,    /* lockdownd never answers (client must time out) */
	SIM_FAULT_NO_REPLY_ENTER = 1u << 7, /* lockdownd answers all but EnterRecovery */
	SIM_FAULT_PLAIN_SESSION = 1u << 8,  /* StartSession answers EnableSessionSSL false */
	SIM_FAULT_REBOOT_STALL = 1u << 9,   /* "reboot" STALLs (never acknowledged) but reboots */
	SIM_FAULT_REBOOT_VANISH = 1u << 10, /* "reboot" left outstanding as the device leaves */
	SIM_FAULT_REBOOT_HANG = 1u << 11,   /* "reboot" outstanding until the host gives up */
	SIM_FAULT_REBOOT_IO = 1u << 12,     /* "reboot" fails with a transaction error (EPROTO) */
};

/* What lockdownd does with the tunnel when it has accepted EnterRecovery
 * (the device leaves usbmuxd leave_ms after the tunnel is gone). */
enum sim_enter_drop {
	SIM_DROP_WHEN_CLOSED = 0, /* reply, leave when the client closes it (or 1 s) */
	SIM_DROP_AFTER_REPLY,     /* reply, then close the tunnel at once */
	SIM_DROP_AFTER_STOP,      /* keep it until StopSession is answered */
	SIM_DROP_BEFORE_REPLY,    /* close it without a reply */
};

struct sim_device {
	unsigned id;              /* 1..N, stable for the life of the lab */
	char product_type[32];    /* "iPhone10,3" */
	char hw_model[16];        /* "d22ap" (board config) */
	uint32_t cpid, bdid;
	uint64_t ecid;
	char udid[48];            /* "%08X-%016llX" or 40 hex */
	char name[64];            /* DeviceName */
	char ios_version[16];     /* ProductVersion */
	char build[16];           /* BuildVersion */
	char iboot[64];           /* "iBoot-8422.141.2" (recovery) / SRTG (DFU) */
	char serial_override[256];/* used with SIM_FAULT_BAD_SERIAL */

	enum sim_mode mode;       /* where the device is now */
	enum sim_trust trust;
	bool auto_boot;           /* iBoot NVRAM auto-boot (saved) */
	bool auto_boot_pending;   /* setenv done, not saved yet */
	bool broken_os;           /* always comes back to recovery (a recovery loop) */
	bool inaccessible;        /* USB node not readable by non-root users */
	uint16_t recovery_pid;    /* 0x1280..0x1283: iBoot's USB product id (default 0x1281) */
	bool unconfigured;        /* enumerates with no configuration set (bConfigurationValue empty) */
	unsigned transition_ms;   /* time a mode change takes (device absent meanwhile) */
	unsigned faults;          /* enum sim_fault bits */
	enum sim_enter_drop enter_drop;
	unsigned leave_ms;        /* tunnel dropped after EnterRecovery -> leaves usbmuxd */
	/* Real-world timings (ms, 0 = off; all scaled by lab_ms()). */
	unsigned enter_ms;        /* normal -> recovery (else transition_ms) */
	unsigned boot_ms;         /* recovery -> normal boot (else transition_ms) */
	unsigned boot_refuse_ms;  /* a freshly booted lockdownd refuses connections */
	unsigned ld_latency_ms;   /* before each lockdownd reply */
	unsigned usb_latency_ms;  /* added to each USB control transfer */
	unsigned saveenv_ms;      /* the saveenv control transfer takes this long */
	gint64 mux_since_us;      /* when it last attached to usbmuxd (monotonic) */

	/* Restores (lab-restored.c): what a successful one installs, the
	 * scripted outcomes, and what the last ramdisk sent asked for. */
	char restore_ios[16];
	char restore_build[16];
	char restore_outcome[64]; /* "ok", "hang", "fail-AMR[-AFTER]", comma-separated */
	unsigned restore_attempts;
	bool restore_erase;

	/* Owned by lab-usb while mode is a USB mode. */
	void *usb_priv;
	/* Owned by lab-mux while mode is NORMAL or RESTORE. */
	unsigned mux_id;          /* usbmuxd DeviceID; new one on each attach */
};

/* --- lab-core ------------------------------------------------------------ */

/* All devices of the lab; stable pointers. */
unsigned lab_device_count(void);
struct sim_device *lab_device(unsigned index);
struct sim_device *lab_device_by_udid(const char *udid);
struct sim_device *lab_device_by_ecid(uint64_t ecid);

/* Serialises access to device state between the main loop and the
 * umockdev worker thread. */
void lab_lock(void);
void lab_unlock(void);

/* Append one line to the request log: "<ms> <ecid> <side> <text>".
 * side is "usb", "mux" or "lockdown". Thread-safe. */
void lab_log(const struct sim_device *d, const char *side, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Called by the sides when the device asks to change mode; the core
 * detaches it at once and re-attaches it in the new mode after
 * d->transition_ms. Main loop only (lab-usb uses g_idle_add first). */
void lab_request_mode(struct sim_device *d, enum sim_mode target);

/* iBoot got "reboot": core decides recovery (auto-boot false or broken
 * OS) or normal. Main loop only. */
void lab_on_iboot_reboot(struct sim_device *d);

/* A lab duration in real milliseconds: ms times the lab's --time-scale. */
unsigned lab_ms(unsigned ms);

/* Names for logs and the control socket: "normal", "recovery", "dfu", ... */
const char *sim_mode_name(enum sim_mode m);
bool sim_mode_is_usb(enum sim_mode m);
bool sim_mode_is_mux(enum sim_mode m);

/* The device disappears and stays away (cable pulled, or the
 * unplug-on-cmd fault): detach at once, cancel any pending transition.
 * `irecsim ctl replug` brings it back. Main loop only. */
void lab_device_unplug(struct sim_device *d);

/* --- lab-usb ------------------------------------------------------------- */

/* Create the umockdev testbed (sets UMOCKDEV_DIR). Needs the preload. */
bool usbsim_init(GError **error);
/* Plug d in its current USB mode: sysfs + node + "add" uevent. Main loop. */
bool usbsim_plug(struct sim_device *d, GError **error);
/* "remove" uevent, then the node and sysfs go; open fds get ENODEV. Main loop. */
void usbsim_unplug(struct sim_device *d);
void usbsim_shutdown(void);

/* --- lab-mux ------------------------------------------------------------- */

/* Listen on socket_path as usbmuxd; with lifecycle only while a device is
 * in a mux mode (the socket is removed when the last one leaves). */
bool muxsim_init(const char *socket_path, bool lifecycle, GError **error);
/* Attach d (mode NORMAL or RESTORE): new mux_id, Attached to listeners. */
void muxsim_attach(struct sim_device *d);
/* Detached to listeners, open tunnels to d are closed. */
void muxsim_detach(struct sim_device *d);
/* Stop answering (socket removed) or start again: "usbmuxd socket absent". */
void muxsim_set_available(bool available);
/* Time between the socket's bind() and listen() on each start: a client
 * woken by its creation finds nobody listening (ECONNREFUSED) meanwhile. */
void muxsim_set_listen_delay(unsigned ms);
/* Run usbmuxd's preflight on each attach: an unpaired device (iOS 7+) gets
 * a pairing request and shows the Trust dialog (trust dialog-pending). */
void muxsim_set_preflight(bool on);
void muxsim_shutdown(void);

/* Internal to lab-mux: lab-mux.c does the socket I/O of a Connect tunnel and
 * lab-lockdown.c only parses requests and queues replies (no I/O of its own). */
struct ldsim;
struct ldsim *ldsim_new(struct sim_device *d);
/* Consume complete frames from in, append replies to out. false: close the
 * tunnel once out is flushed. */
bool ldsim_feed(struct ldsim *s, GByteArray *in, GByteArray *out);
/* out has been fully written to the socket (EnterRecovery waits for this). */
void ldsim_flushed(struct ldsim *s);
void ldsim_free(struct ldsim *s);

/* lab-tls.c: the TLS server side of a session, on memory buffers. */
enum labtls_status { LABTLS_OK, LABTLS_CLOSED, LABTLS_ERROR };
struct labtls;
bool labtls_init(GError **error); /* once, before the first session */
void labtls_shutdown(void);
struct labtls *labtls_new(void);
void labtls_free(struct labtls *t);
/* Take whole TLS records from in (ciphertext); plaintext goes to plain,
 * handshake bytes to out. LABTLS_CLOSED: the client sent close_notify and
 * what is left in `in` is plain again. */
enum labtls_status labtls_input(struct labtls *t, GByteArray *in, GByteArray *plain,
                                GByteArray *out);
/* Encrypt len bytes of data into out. */
bool labtls_output(struct labtls *t, const guint8 *data, guint len, GByteArray *out);
const char *labtls_version(const struct labtls *t);
/* lab-restored.c: restored (port 62078) and FDR (port 1082) of a device in
 * restore mode, with the same no-I/O contract as ldsim; output produced
 * later (the restore's messages) is announced through kick(conn) and
 * collected with rdsim_take() (false: close once written). */
#define RD_FDR_PORT 1082u
struct rdsim;
struct rdsim *rdsim_new(struct sim_device *d, unsigned port, void (*kick)(void *conn), void *conn);
bool rdsim_feed(struct rdsim *s, GByteArray *in, GByteArray *out);
bool rdsim_take(struct rdsim *s, GByteArray *out);
void rdsim_free(struct rdsim *s);
/* The spec keys restore-ios=, restore-build=, restore-outcome=. */
bool lab_restored_set_key(struct sim_device *d, const char *key, const char *v, GError **error);
/* The hardware serial number, as iBoot's SRNM and restored report it. */
void lab_srnm(const struct sim_device *d, char *out, size_t n);

/* The host holds a pair record for udid saved through SavePairRecord. */
bool muxsim_has_saved_pair_record(const char *udid);

#endif
