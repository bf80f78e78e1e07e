/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Devices irecctl's model table lacks (Apple ships them before the table is
 * updated). Two sources, both marked in the model they return:
 *
 *  - the installed libirecovery's own device table, when it is newer than
 *    irecctl's: the name and ids come from it (origin LIBIRECOVERY);
 *  - the family: button classes are inferred only where they are certain
 *    (every iPhone from iPhone10,x on shares one set, every iPad from
 *    iPad13,x on another; a known CPID whose rows all share one of those),
 *    marked buttons_inferred with the reason in inferred_from.
 *
 * The models live for the whole process (an interned pool), so a
 * struct device may point at them like at a table row.
 */
#ifndef IRECCTL_MODEL_RUNTIME_H
#define IRECCTL_MODEL_RUNTIME_H

#include <stdbool.h>

#include "irecctl/model.h"

struct irecv_device; /* libirecovery's table entry */

/*
 * The model the linked libirecovery knows and irecctl's table does not:
 * by product type (and hardware model, when given), else by CPID + BDID
 * (have_ids). NULL if libirecovery does not know it either, or if irecctl's
 * table does.
 */
const struct model *model_from_libirecovery(const char *product_type, const char *hw_model,
                                            bool have_ids, unsigned int cpid, unsigned int bdid);

/* The same over a given table (terminated by a NULL product_type). */
const struct model *model_from_irecv_table(const struct irecv_device *table,
                                           const char *product_type, const char *hw_model,
                                           bool have_ids, unsigned int cpid, unsigned int bdid);

/*
 * Button classes for a device no table names, from its product type
 * ("iPhone19,1") or, without one, its CPID. NULL when nothing is certain.
 */
const struct model *model_infer(const char *product_type, bool have_ids, unsigned int cpid,
                                unsigned int bdid);

#endif
