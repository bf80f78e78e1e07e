/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to src/buttons*.c: the sequences, indexed by class. */
#ifndef IRECCTL_BUTTONS_TABLE_H
#define IRECCTL_BUTTONS_TABLE_H

#include "irecctl/buttons.h"

extern const struct button_sequence button_rec_table[REC_CLASS_COUNT];
extern const struct button_sequence button_dfu_table[DFU_CLASS_COUNT];
extern const struct button_sequence button_fr_table[FR_CLASS_COUNT];
extern const struct button_assist button_assist_table[];
extern const size_t button_assist_count;

#endif
