/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model table and its lookups. The rows are data (model-table.inc,
 * generated from the CSVs in data/); this file only searches them. With
 * ~320 rows a linear scan is faster than anything worth maintaining.
 */
#include "irecctl/model.h"

#include <string.h>
#include <strings.h>

/* clang-format off */
static const struct model models[] = {
#define MODEL(pt, hw, cpid, bdid, name, dc, rec, dfu, fr, pid, pidc, scr, lib, conn)               \
	{pt, hw, cpid, bdid, name, dc, rec, dfu, fr, pid, pidc, scr, lib, conn, MODEL_ORIGIN_TABLE,   \
	 false, false, NULL},
#include "model-table.inc"
#undef MODEL
};
/* clang-format on */

#define NMODELS (sizeof(models) / sizeof(models[0]))

size_t model_count(void)
{
	return NMODELS;
}

const struct model *model_at(size_t i)
{
	return i < NMODELS ? &models[i] : NULL;
}

const struct model *model_by_product_type(const char *product_type)
{
	if (!product_type)
		return NULL;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].product_type, product_type) == 0)
			return &models[i];
	return NULL;
}

const struct model *model_by_board(const char *board_config)
{
	if (!board_config)
		return NULL;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].board_config, board_config) == 0)
			return &models[i];
	return NULL;
}

const struct model *model_by_cpid_bdid(unsigned int cpid, unsigned int bdid)
{
	for (size_t i = 0; i < NMODELS; i++)
		if (models[i].cpid == cpid && models[i].bdid == bdid)
			return &models[i];
	return NULL;
}

const struct model *model_by_product_and_hwmodel(const char *product_type, const char *hw_model)
{
	if (!product_type)
		return NULL;
	if (hw_model) {
		for (size_t i = 0; i < NMODELS; i++)
			if (strcasecmp(models[i].product_type, product_type) == 0 &&
			    strcasecmp(models[i].board_config, hw_model) == 0)
				return &models[i];
	}
	return model_by_product_type(product_type);
}

size_t model_variants(const struct model *m)
{
	size_t n = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].product_type, m->product_type) == 0)
			n++;
	return n;
}

/* ---- names --------------------------------------------------------------- */

#define NAME2_(e, name) [e] = name,
#define NAME1_(e)       [e] = #e,
static const char *const device_class_names[] = {DEVICE_CLASSES(NAME2_)};
static const char *const rec_names[] = {REC_CLASSES(NAME1_)};
static const char *const dfu_names[] = {DFU_CLASSES(NAME1_)};
static const char *const fr_names[] = {FR_CLASSES(NAME1_)};
#undef NAME1_
#undef NAME2_

static const char *const pid_confidence_names[] = {
        [PID_NONE] = "none",
        [PID_KNOWN] = "known",
        [PID_INFERRED] = "inferred",
};

static const char *const screen_names[] = {
        [SCREEN_NA] = "n/a",
        [SCREEN_ITUNES_LOGO_ONLY] = "itunes-logo-only",
        [SCREEN_MODERN_POSSIBLE] = "modern-possible",
};

static const char *const connector_names[] = {
        [CONNECTOR_NONE] = "none",           [CONNECTOR_30_PIN] = "30-pin",
        [CONNECTOR_LIGHTNING] = "lightning", [CONNECTOR_USB_C] = "usb-c",
        [CONNECTOR_MICRO_USB] = "micro-usb", [CONNECTOR_UNKNOWN] = "unknown",
};

/* Casting to unsigned rejects negative values from a corrupted enum too. */
#define NAME_OR_UNKNOWN(table, v)                                                                  \
	((unsigned)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : "unknown")

const char *device_class_name(enum device_class c)
{
	return NAME_OR_UNKNOWN(device_class_names, c);
}

const char *rec_class_name(enum rec_class c)
{
	return NAME_OR_UNKNOWN(rec_names, c);
}

const char *dfu_class_name(enum dfu_class c)
{
	return NAME_OR_UNKNOWN(dfu_names, c);
}

const char *fr_class_name(enum fr_class c)
{
	return NAME_OR_UNKNOWN(fr_names, c);
}

const char *pid_confidence_name(enum pid_confidence c)
{
	return NAME_OR_UNKNOWN(pid_confidence_names, c);
}

const char *recovery_screen_name(enum recovery_screen s)
{
	return NAME_OR_UNKNOWN(screen_names, s);
}

const char *connector_name(enum connector c)
{
	return NAME_OR_UNKNOWN(connector_names, c);
}
