/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixture the tests of src/lock.c share: a private directory `root`
 * under /tmp and `dir` (root/locks) as IRECCTL_LOCK_DIR, either left for
 * lock.c to create or made first as a shared lock directory (01777) is.
 * `path` is ECID_A's lock file in it. No IRECCTL_JOB leaks in from the
 * environment that runs the tests.
 */
#ifndef IRECCTL_TESTS_LOCK_FIXTURE_H
#define IRECCTL_TESTS_LOCK_FIXTURE_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define ECID_A 0x000a1b2c3d4e0001ULL

struct fixture {
	char root[64];  /* mkdtemp */
	char dir[128];  /* root/locks: IRECCTL_LOCK_DIR */
	char path[192]; /* dir/<ECID_A>.lock */
};

/* For cmocka's setup: NAME names the directory, for people cleaning up. */
static inline int lock_fixture_setup(void **state, const char *name, bool make_dir)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	snprintf(f->root, sizeof(f->root), "/tmp/irecctl-%s-XXXXXX", name);
	if (!mkdtemp(f->root))
		return -1;
	chmod(f->root, 0755); /* root-only tests run children as nobody */
	snprintf(f->dir, sizeof(f->dir), "%s/locks", f->root);
	snprintf(f->path, sizeof(f->path), "%s/%016llx.lock", f->dir, ECID_A);
	if (make_dir && (mkdir(f->dir, 01777) < 0 || chmod(f->dir, 01777) < 0))
		return -1;
	setenv("IRECCTL_LOCK_DIR", f->dir, 1);
	unsetenv("IRECCTL_JOB");
	return 0;
}

static inline int lock_fixture_remove(const char *path, const struct stat *st, int type,
                                      struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* For cmocka's teardown: everything below root, links not followed. */
static inline int lock_fixture_teardown(void **state)
{
	struct fixture *f = *state;
	int rc = 0;

	if (f && f->root[0] && nftw(f->root, lock_fixture_remove, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = -1;
	free(f);
	return rc;
}

#endif
