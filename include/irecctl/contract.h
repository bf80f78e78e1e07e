/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON contract: every record irecctl prints with --json (the top-level
 * object, each element of a top-level array, each line of `watch --json`)
 * starts with "schema_version". Its value changes only when a key is
 * removed, renamed or changes type or meaning; keys may be added within a
 * version (irecctl(1), CONTRACT; schemas/ has the shapes).
 */
#ifndef IRECCTL_CONTRACT_H
#define IRECCTL_CONTRACT_H

#include <jansson.h>

#define IRECCTL_JSON_SCHEMA_VERSION 1

/*
 * The record with "schema_version" as its first key: a new reference for
 * an object (or NULL on allocation failure); for an array, the same array
 * with each object element stamped. Anything else: a new reference to it.
 */
json_t *contract_stamp(json_t *value);

#endif
