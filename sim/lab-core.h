/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private interface between the lab-core files (irecsim.c, lab-device.c,
 * lab-control.c). The other parts of the lab only see lab.h.
 */
#ifndef IRECSIM_LAB_CORE_H
#define IRECSIM_LAB_CORE_H

#include <stdio.h>

#include "lab.h"

#define LAB_MAX_DEVICES           128
#define LAB_DEFAULT_TRANSITION_MS 300
#define LAB_DEFAULT_MUX           "/var/run/usbmuxd" /* libusbmuxd's default path */

/* Errors of the lab core: bad specs, commands, scenario lines. */
#define LAB_ERROR lab_error_quark()
GQuark lab_error_quark(void);

/* --- lab-device.c -------------------------------------------------------- */

/* Parse SPEC ("PRODUCT_OR_BOARD[:MODE][:key=value...]") and add a device to
 * the table. It is not attached anywhere yet (mode SIM_GONE); the mode from
 * the spec is its "home" mode, used by lab_device_plug(). */
struct sim_device *lab_device_add(const char *spec, GError **error);
/* Attach d in its home mode at once (a cable plugged in). */
void lab_device_plug(struct sim_device *d);
/* Pull the cable and put it back: detach (if attached), then plug. */
void lab_device_replug(struct sim_device *d);
/* Look a device up by id ("3"), ECID ("0x...") or UDID. */
struct sim_device *lab_device_find(const char *ref);
/* Apply one "key=value" (the keys of a spec that make sense on a live device). */
bool lab_device_set(struct sim_device *d, const char *key, const char *value, GError **error);
/* Mode that d is heading to (its pending transition), or its mode. */
enum sim_mode lab_device_target(const struct sim_device *d);
/* One line for `ctl list`: id ecid udid product mode trust. */
char *lab_device_describe(const struct sim_device *d);
/* All fields for `ctl show`, "key=value" lines (no trailing newline). */
char *lab_device_show(const struct sim_device *d);
void lab_devices_free(void);

/* lab-spec.c: fill d (d->id set, rest zero) from SPEC; *home gets its mode. */
bool lab_spec_parse(struct sim_device *d, enum sim_mode *home, const char *spec, GError **error);
/* --realistic: real-world timings for every timing key the spec left at 0
 * (sim/README.md lists them), drawn per device from the real ranges. */
void lab_spec_realistic(struct sim_device *d);
/* `irecsim --list-keys`: "KIND NAME" lines for every spec key, mode,
 * trust state, enter-drop value and fault the lab accepts. */
void lab_spec_list(FILE *out);

bool sim_mode_parse(const char *name, enum sim_mode *out);
const char *sim_trust_name(enum sim_trust t);
bool sim_trust_parse(const char *name, enum sim_trust *out);
bool sim_faults_parse(const char *list, unsigned *out, GError **error);
char *sim_faults_format(unsigned faults);

/* --time-scale: every lab duration (lab_ms) times scale. */
void lab_set_time_scale(double scale);
/* --realistic: every device added from now on, whether from the command
 * line, a scenario or `ctl plug`, gets lab_spec_realistic(). */
void lab_set_realistic(bool on);

/* Called after every mode change (the control socket's `wait` uses it). */
typedef void (*lab_mode_hook)(struct sim_device *d);
void lab_set_mode_hook(lab_mode_hook hook);

/* Log destination: NULL for none; echo also copies lines to stderr. */
bool lab_log_open(const char *path, bool echo, GError **error);
void lab_log_close(void);
/* Lines logged so far by one side ("mux", ...): lets the start-up check
 * prove that a request reached the lab's own usbmuxd socket. */
unsigned lab_log_count(const char *side);

/* --- lab-control.c ------------------------------------------------------- */

/* Run one control command; reply is the full text: reply lines, then "ok"
 * or "error: ..." (each ending in '\n'). May be called back later (wait). */
typedef void (*lab_reply_fn)(const char *reply, gpointer user);
void lab_command_run(const char *line, lab_reply_fn fn, gpointer user);

/* The client side (`irecsim ctl`): send LINE, print the reply lines,
 * return 0 for "ok", 1 for "error: ..." or no answer. */
int lab_ctl_request(const char *socket_path, const char *line);
/* `irecsim --list-keys`: a "ctl NAME" line for every control command. */
void lab_control_list(FILE *out);

bool lab_control_start(const char *socket_path, GError **error);
void lab_control_stop(void);

/* Scenario file: "device SPEC" lines are added at once, timed "AT_MS COMMAND"
 * lines are kept until lab_scenario_start(). */
bool lab_scenario_load(const char *path, GError **error);
void lab_scenario_start(void);

/* --- lab-ns.c ------------------------------------------------------------ */

/* Enter a private mount namespace with an empty tmpfs over /run (and so
 * /var/run): the lab's usbmuxd can serve the default path, the host's stays
 * out of sight. Before any thread exists. */
bool lab_ns_private_run(GError **error);

/* --- lab-dirs.c ---------------------------------------------------------- */

/* mkdtemp("/tmp/irecsim.XXXXXX") with our pid recorded in it. */
char *lab_dir_create(GError **error);
/* Record our pid in a directory we did not create (the umockdev testbed,
 * if it ended up outside our dir) so a later lab can clean it up. */
void lab_dir_adopt(const char *dir);
/* Remove /tmp/irecsim.* and /tmp/umockdev.* left by labs that are gone. */
void lab_dir_clean_stale(void);
/* Remove the directories created or adopted by this lab. */
void lab_dir_remove_all(void);

#endif
