/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore pre-flight: does this IPSW fit this device, and is there room? */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "irecctl/exitcode.h"
#include "irecctl/model.h"
#include "irecctl/restore.h"

/* The cache holds the extracted OS image, plus tickets and version data. */
#define CACHE_MARGIN (64ull << 20)

static int refuse(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return IREC_ENOFIT;
}

/* The device's board config: as reported, else from the model table. */
static void board_of(const struct device *d, char *out, size_t len)
{
	snprintf(out, len, "%s",
	         d->hw_model[0] ? d->hw_model
	         : d->model     ? d->model->board_config
	                        : "");
}

static int check_identity(const struct device *d, const struct preflight *pf,
                          const struct ipsw_identity *id, const char *what, char *err,
                          size_t errlen)
{
	if (!id)
		return IREC_OK;
	/* The engine does not compare these; a wrong one fails late on the device. */
	if (d->have_cpid && id->chip_id && id->chip_id != d->cpid)
		return refuse(err, errlen,
		              "the IPSW's %s identity is for chip 0x%04x, the device is 0x%04x",
		              what, id->chip_id, d->cpid);
	if (d->have_bdid && id->board_id && id->board_id != d->bdid)
		return refuse(
		        err, errlen,
		        "the IPSW's %s identity is for board id 0x%02x, the device has 0x%02x",
		        what, id->board_id, d->bdid);
	if (id->missing[0])
		return refuse(err, errlen, "the IPSW's %s identity for %s lacks a component: %s",
		              what, pf->device_board, id->missing);
	return IREC_OK;
}

static int check_space(const char *cache_dir, struct preflight *pf, char *err, size_t errlen)
{
	struct statvfs vfs;
	uint64_t os = 0;

	if (pf->update)
		os = pf->update->os_size;
	if (pf->erase && pf->erase->os_size > os)
		os = pf->erase->os_size;
	pf->cache_needed = os + CACHE_MARGIN;
	/* With --plan the cache may not exist yet: the space is where it would be. */
	char where[PATH_MAX];
	snprintf(where, sizeof(where), "%s", cache_dir);
	while (statvfs(where, &vfs) < 0 && errno == ENOENT && strrchr(where, '/') > where)
		*strrchr(where, '/') = '\0';
	if (statvfs(where, &vfs) < 0)
		return refuse(err, errlen, "cannot check free space in %s", cache_dir);
	pf->cache_free = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (pf->cache_free < pf->cache_needed)
		return refuse(err, errlen,
		              "not enough free space in %s: %llu MiB free, %llu MiB needed",
		              cache_dir, (unsigned long long)(pf->cache_free >> 20),
		              (unsigned long long)(pf->cache_needed >> 20));
	return IREC_OK;
}

int preflight_check(const struct device *d, const char *ipsw_path, bool need_update,
                    bool need_erase, const char *cache_dir, struct preflight *pf, char *err,
                    size_t errlen)
{
	int st;

	memset(pf, 0, sizeof(*pf));
	st = ipsw_read(ipsw_path, &pf->ipsw, err, errlen);
	if (st != IREC_OK)
		return st;
	if (!d->product_type[0] && !d->model)
		return refuse(err, errlen, "the device's model is unknown: cannot check the IPSW");
	const char *product = d->product_type[0] ? d->product_type : d->model->product_type;
	if (!ipsw_supports_product(&pf->ipsw, product))
		return refuse(err, errlen, "the IPSW (%s) does not support %s (it is for %s%s)",
		              pf->ipsw.product_version, product, pf->ipsw.product_types[0],
		              pf->ipsw.nproduct_types > 1 ? ", ..." : "");
	board_of(d, pf->device_board, sizeof(pf->device_board));
	pf->update = ipsw_find(&pf->ipsw, pf->device_board, IPSW_UPDATE);
	pf->erase = ipsw_find(&pf->ipsw, pf->device_board, IPSW_ERASE);
	if (!pf->update && !pf->erase)
		return refuse(err, errlen, "the IPSW has no build identity for board %s",
		              pf->device_board);
	if (need_update && !pf->update)
		return refuse(
		        err, errlen,
		        "the IPSW has no Update identity for %s: an update with it would erase "
		        "the device (use an IPSW that can update, or --erase)",
		        pf->device_board);
	if (need_erase && !pf->erase)
		return refuse(err, errlen, "the IPSW has no Erase identity for %s",
		              pf->device_board);
	if ((st = check_identity(d, pf, need_update ? pf->update : NULL, "Update", err, errlen)) ||
	    (st = check_identity(d, pf, need_erase ? pf->erase : NULL, "Erase", err, errlen)))
		return st;
	return check_space(cache_dir, pf, err, errlen);
}
