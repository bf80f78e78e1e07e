/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device model table: every product libirecovery knows (generated from
 * the reference CSV into src/model-table.inc), with its identity (CPID and
 * BDID as seen in recovery/DFU, product type and board config as seen in
 * normal mode) and the button classes a person uses to move it between
 * modes.
 *
 * A lookup that finds nothing returns NULL; callers then show the raw
 * CPID/BDID instead of a name. Nothing here does I/O.
 */
#ifndef IRECCTL_MODEL_H
#define IRECCTL_MODEL_H

#include <stdbool.h>
#include <stddef.h>

/* X(enumerator, display name). The names are stable: they appear in --json. */
#define DEVICE_CLASSES(X)                                                                          \
	X(CLASS_IPHONE, "iPhone")                                                                  \
	X(CLASS_IPAD, "iPad")                                                                      \
	X(CLASS_IPOD, "iPod")                                                                      \
	X(CLASS_APPLETV, "AppleTV")                                                                \
	X(CLASS_WATCH, "Watch")                                                                    \
	X(CLASS_HOMEPOD, "HomePod")                                                                \
	X(CLASS_MAC, "Mac")                                                                        \
	X(CLASS_T2, "T2")                                                                          \
	X(CLASS_VISIONPRO, "VisionPro")                                                            \
	X(CLASS_DISPLAY, "Display")                                                                \
	X(CLASS_VM, "VM")

/*
 * Button classes, named as in the reference button-classes.md. Each class
 * is one procedure; src/buttons.c holds its steps. The enumerator spelling
 * doubles as the stable name (rec_class_name(REC_HOME_TOP) == "REC_HOME_TOP").
 */
#define REC_CLASSES(X)                                                                             \
	X(REC_VOLUP_VOLDN_SIDE)                                                                    \
	X(REC_SIDE_VOLDN)                                                                          \
	X(REC_HOME_TOP)                                                                            \
	X(REC_IPAD_NOHOME)                                                                         \
	X(REC_ATV_SERVICE_USB)                                                                     \
	X(REC_NO_USER_USB)                                                                         \
	X(REC_MAC_NA)                                                                              \
	X(REC_NA)                                                                                  \
	X(REC_VIRTUAL)

#define DFU_CLASSES(X)                                                                             \
	X(DFU_VOLUP_VOLDN_SIDE)                                                                    \
	X(DFU_IPAD_NOHOME)                                                                         \
	X(DFU_SIDE_VOLDN)                                                                          \
	X(DFU_HOME_TOP)                                                                            \
	X(DFU_HOME_TOP_WTF)                                                                        \
	X(DFU_ATV_REMOTE_MENU_PLAY)                                                                \
	X(DFU_SERVICE_CABLE)                                                                       \
	X(DFU_WATCH_DIAG_PORT)                                                                     \
	X(DFU_NONE_USER)                                                                           \
	X(DFU_MAC_LAPTOP_KEYS)                                                                     \
	X(DFU_MAC_DESKTOP_POWER)                                                                   \
	X(DFU_T2_LAPTOP_KEYS)                                                                      \
	X(DFU_VIRTUAL)

#define FR_CLASSES(X)                                                                              \
	X(FR_VOLUP_VOLDN_SIDE)                                                                     \
	X(FR_SIDE_VOLDN)                                                                           \
	X(FR_HOME_TOP)                                                                             \
	X(FR_IPAD_NOHOME)                                                                          \
	X(FR_ATV_REMOTE)                                                                           \
	X(FR_WATCH_SIDE_CROWN)                                                                     \
	X(FR_UNPLUG_POWER)                                                                         \
	X(FR_VISION_TOP_CROWN)                                                                     \
	X(FR_MAC_POWER_HOLD)                                                                       \
	X(FR_VIRTUAL)

#define MODEL_ENUM2_(e, name) e,
#define MODEL_ENUM1_(e)       e,
enum device_class { DEVICE_CLASSES(MODEL_ENUM2_) DEVICE_CLASS_COUNT };
enum rec_class { REC_CLASSES(MODEL_ENUM1_) REC_CLASS_COUNT };
enum dfu_class { DFU_CLASSES(MODEL_ENUM1_) DFU_CLASS_COUNT };
enum fr_class { FR_CLASSES(MODEL_ENUM1_) FR_CLASS_COUNT };
#undef MODEL_ENUM1_
#undef MODEL_ENUM2_

/* How sure the reference is about the normal-mode USB product id. */
enum pid_confidence {
	PID_NONE,     /* none, or not known (Macs, VMs, Studio Display, Vision Pro) */
	PID_KNOWN,    /* from usb.ids */
	PID_INFERRED, /* inferred from the product family ("0x12ab?" in the CSV) */
};

/* Which recovery screen the device can show (the screen is not readable over USB). */
enum recovery_screen {
	SCREEN_NA,               /* no recovery screen a user would see */
	SCREEN_ITUNES_LOGO_ONLY, /* cannot run iOS 13+: only the iTunes logo and cable */
	SCREEN_MODERN_POSSIBLE,  /* computer + cable / support.apple.com/.../restore on new OSes */
};

struct model {
	const char *product_type; /* "iPhone10,3" */
	const char *board_config; /* "d22ap" (HardwareModel in normal mode, lower case) */
	unsigned int cpid;        /* chip id, e.g. 0x8015 */
	unsigned int bdid;        /* board id, e.g. 0x06 */
	const char *name;         /* marketing name, "iPhone X (Global)" */
	enum device_class device_class;
	enum rec_class recovery;
	enum dfu_class dfu;
	enum fr_class restart;
	unsigned int normal_pid; /* USB product id in normal mode; 0 if none */
	enum pid_confidence normal_pid_confidence;
	enum recovery_screen recovery_screen;
	bool in_libirecovery_100; /* Debian 12's libirecovery 1.0.0 knows this row */
};

size_t model_count(void);
/* Row i in table order (libirecovery's order); NULL when i >= model_count(). */
const struct model *model_at(size_t i);

/*
 * Exact lookups, all case-insensitive for strings. Two-chip product types
 * (iPhone8,1/8,2/8,4, iPad6,11/6,12: one Samsung 0x8000 row, one TSMC
 * 0x8003 row) have two rows; model_by_product_type() returns the first, which
 * is right for names and buttons but not for the chip: use
 * model_by_product_and_hwmodel() or model_by_cpid_bdid() when that matters.
 */
const struct model *model_by_product_type(const char *product_type);
const struct model *model_by_board(const char *board_config);
const struct model *model_by_cpid_bdid(unsigned int cpid, unsigned int bdid);

/*
 * Normal mode: lockdownd reports ProductType and HardwareModel. The pair
 * picks the right row of a two-chip product type. If hw_model is NULL or
 * matches no row of that product type, the product type alone decides
 * (callers that need the chip can compare ->board_config).
 */
const struct model *model_by_product_and_hwmodel(const char *product_type, const char *hw_model);

/* Rows sharing this row's product type (2 for the two-chip types, else 1). */
size_t model_variants(const struct model *m);

#define MODEL_FIND_MAX_CANDIDATES 16

enum model_find_status {
	MODEL_FOUND,
	MODEL_NOT_FOUND,
	MODEL_AMBIGUOUS,
};

struct model_find_result {
	enum model_find_status status;
	const struct model *model; /* MODEL_FOUND: the (first row of the) product type */
	/* MODEL_AMBIGUOUS: one row per product type, in table order; ncandidates
	 * is the full count, at most MODEL_FIND_MAX_CANDIDATES are stored. */
	size_t ncandidates;
	const struct model *candidates[MODEL_FIND_MAX_CANDIDATES];
};

/*
 * Find a model from what a person types: a product type, a board config or
 * a marketing name. Tries, in order, and stops at the first tier that
 * matches anything:
 *   1. exact (case-insensitive) product type, board config or marketing name;
 *   2. marketing name starting with the query at a word end ("iPhone X" ->
 *      "iPhone X (Global)", not "iPhone XR");
 *   3. marketing name starting with the query;
 *   4. the query as a whole word sequence inside the marketing name;
 *   5. the query anywhere inside the marketing name;
 *   6. every word of the query inside the marketing name ("iPad Air M4").
 * Rows of one product type count once. One product type -> MODEL_FOUND;
 * several -> MODEL_AMBIGUOUS with the candidates. So "iPhone 15 Pro" is
 * iPhone16,1 (tier 1) and never "iPhone 15 Pro Max".
 */
enum model_find_status model_find(const char *query, struct model_find_result *res);

/* Stable names; "unknown" for a value outside the enum. */
const char *device_class_name(enum device_class c);
const char *rec_class_name(enum rec_class c);
const char *dfu_class_name(enum dfu_class c);
const char *fr_class_name(enum fr_class c);
const char *pid_confidence_name(enum pid_confidence c);   /* "none", "known", "inferred" */
const char *recovery_screen_name(enum recovery_screen s); /* "n/a", "itunes-logo-only", ... */

#endif
