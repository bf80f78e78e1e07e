/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The device model table: every product libirecovery knows (generated from
 * data/models.csv and data/models-extra.csv into src/model-table.inc, see
 * data/README.md), with its identity (CPID and
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

/* The device's USB connector: it decides which cable advice applies. */
enum connector {
	CONNECTOR_NONE, /* no user-reachable USB data port, or a virtual device */
	CONNECTOR_30_PIN,
	CONNECTOR_LIGHTNING,
	CONNECTOR_USB_C,
	CONNECTOR_MICRO_USB,
	CONNECTOR_UNKNOWN, /* a model newer than the table: every cable note applies */
	CONNECTOR_COUNT,
};

/* Where a model's identity and button classes come from. */
enum model_origin {
	MODEL_ORIGIN_TABLE,        /* irecctl's table */
	MODEL_ORIGIN_LIBIRECOVERY, /* the installed libirecovery's table: newer than ours */
	MODEL_ORIGIN_UNKNOWN,      /* only the ids the device reported */
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
	enum connector connector;
	/* Models irecctl's table lacks (model-runtime.c); zero for table rows. */
	enum model_origin origin;
	bool buttons_inferred;     /* the classes come from the family, not a row */
	bool buttons_unknown;      /* no class could be inferred: no sequences */
	const char *inferred_from; /* why the inferred classes fit, one clause */
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
	/* MODEL_FOUND: the closest match (the first row of its product type). */
	const struct model *model;
	/* One row per product type, closest first (iPhones, iPads and iPods
	 * before other devices at equal closeness); ncandidates is the full
	 * count, at most MODEL_FIND_MAX_CANDIDATES are stored. MODEL_FOUND with
	 * more than one: variants with the same buttons ("iPhone 7" is
	 * iPhone9,1 and iPhone9,3), to list. MODEL_AMBIGUOUS: the choices. */
	size_t ncandidates;
	const struct model *candidates[MODEL_FIND_MAX_CANDIDATES];
};

/*
 * Find a model from what a person types: a product type, a board config or
 * a marketing name as Apple writes it or as people abbreviate it. Names
 * are compared word by word after folding case, punctuation and
 * parentheses, "generation"/"gen", "Wi-Fi"/"WiFi" ("Wi-Fi + Cellular" =
 * "Cellular"), "-inch" and "Apple"; a number reads the ordinal ("3" the
 * "3rd" of a name, not "9th" the 9 of "12.9"). Readings, most
 * specific first; the first that matches anything decides:
 *   1. product type or board config (case-insensitive);
 *   2. the whole name ("iPhone 15 Pro", "iPod touch (7th generation)");
 *   3. the name without variant words (Wi-Fi, Cellular, Global, GSM, CDMA,
 *      China, 1TB, 2TB, watch sizes): "iPhone 7", "iPad (A16)";
 *   4. the start of the name, the last word possibly cut short
 *      ("iPhone 15 Pro M", "iPad mini 6");
 *   5. a run of words anywhere in the name ("17e", "SE 3");
 *   6. every word a different word of the name, in any order, the last one
 *      possibly cut short ("iPad Air M4");
 *   7. every word inside some word of the name.
 * Rows of one product type count once. The candidates answer (MODEL_FOUND)
 * when they and every model reading 6 matches share the same button
 * classes (a looser reading must not be able to mean other buttons), and,
 * for several, the query's first word starts all their names (it names the
 * family: "iPhone 7", not "15 Pro"). Otherwise MODEL_AMBIGUOUS, with the
 * candidates of the deciding reading first, then those reading 6 adds:
 * "iPad 9" lists iPad (9th gen) before the 9.7- and 12.9-inch models.
 */
enum model_find_status model_find(const char *query, struct model_find_result *res);

/* Stable names; "unknown" for a value outside the enum. */
const char *device_class_name(enum device_class c);
const char *rec_class_name(enum rec_class c);
const char *dfu_class_name(enum dfu_class c);
const char *fr_class_name(enum fr_class c);
const char *pid_confidence_name(enum pid_confidence c);   /* "none", "known", "inferred" */
const char *recovery_screen_name(enum recovery_screen s); /* "n/a", "itunes-logo-only", ... */
const char *connector_name(enum connector c);             /* "lightning", "usb-c", ... */

#endif
