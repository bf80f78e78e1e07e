/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading an IPSW (a zip with BuildManifest.plist and the components) for
 * the restore pre-flight: which product types and boards it supports, the
 * version and build it installs, its Update and Erase identities, and
 * whether each identity's components are in the zip. Every size read from
 * the file is bounded first: a corrupt or hostile zip is an error, never
 * a crash or an unbounded allocation.
 */
#ifndef IRECCTL_IPSW_H
#define IRECCTL_IPSW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPSW_MANIFEST_MAX   (16u << 20) /* BuildManifest.plist: real ones are < 2 MiB */
#define IPSW_MAX_IDENTITIES 128
#define IPSW_MAX_PRODUCTS   32

enum ipsw_behavior {
	IPSW_ERASE,
	IPSW_UPDATE,
	IPSW_OTHER, /* anything else (e.g. a recovery OS identity): never chosen */
};

struct ipsw_identity {
	char device_class[32]; /* board config, lower case: "d22ap" */
	enum ipsw_behavior behavior;
	char variant[96]; /* "Customer Upgrade Install (IPSW)" */
	uint32_t chip_id, board_id;
	char missing[160]; /* "" or the first Manifest path not in the zip */
	uint64_t os_size;  /* uncompressed size of the OS component, 0 if none */
};

struct ipsw_info {
	char product_version[32];
	char build[32];
	char product_types[IPSW_MAX_PRODUCTS][32];
	size_t nproduct_types;
	struct ipsw_identity ids[IPSW_MAX_IDENTITIES];
	size_t nids;
};

/*
 * Read the IPSW at path (or nbytes at data for ipsw_read_memory). Returns an
 * irec_status: IREC_OK, IREC_ENOFIT (not a usable IPSW: err says why), or
 * IREC_EFAIL (cannot open or read the file).
 */
int ipsw_read(const char *path, struct ipsw_info *out, char *err, size_t errlen);
int ipsw_read_memory(const void *data, size_t nbytes, struct ipsw_info *out, char *err,
                     size_t errlen);

/* Does the IPSW name this product type among SupportedProductTypes? */
bool ipsw_supports_product(const struct ipsw_info *ipsw, const char *product_type);

/*
 * The identity the engine would choose for this board and behaviour, the
 * way it matches (board config, case-insensitive), or NULL.
 */
const struct ipsw_identity *ipsw_find(const struct ipsw_info *ipsw, const char *board,
                                      enum ipsw_behavior behavior);

const char *ipsw_behavior_name(enum ipsw_behavior b);

#endif
