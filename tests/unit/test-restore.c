/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The restore pre-flight over generated IPSWs (tests/restore/mkipsw.py),
 * the engine output parser over transcripts recorded from the real engine
 * (tests/restore/transcripts), the engine's version and argument vector,
 * and the typed-ECID consent check.
 *
 * Nothing here runs the engine (it contacts Apple's servers): the cases
 * that do run it live in tests/restore, inside a loopback-only network
 * namespace (unshare -n, tests/restore/netns.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "irecctl/doctor.h"
#include "irecctl/exitcode.h"
#include "irecctl/ipsw.h"
#include "irecctl/model.h"
#include "irecctl/restore-cmd.h"
#include "irecctl/restore.h"

static char dir[] = "/tmp/test-restore.XXXXXX";

/* mkipsw.py NAME ARGS: the path of the generated file. */
static const char *gen(const char *name, const char *args)
{
	static char path[512];
	char cmd[1024];

	snprintf(path, sizeof(path), "%s/%s.ipsw", dir, name);
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/restore/mkipsw.py %s %s", IRECCTL_SOURCE_DIR,
	         path, args);
	assert_int_equal(system(cmd), 0);
	return path;
}

static struct device iphone_x(void)
{
	struct device d = {.mode = MODE_RECOVERY,
	                   .ecid = 0x1122,
	                   .cpid = 0x8015,
	                   .bdid = 0x06,
	                   .have_cpid = true,
	                   .have_bdid = true};
	d.model = model_by_product_type("iPhone10,3");
	return d;
}

static int check(const char *path, bool update, bool erase, char *err)
{
	struct device d = iphone_x();
	static struct preflight pf;

	return preflight_check(&d, path, update, erase, "/tmp", &pf, err, 300);
}

static void test_good(void **state)
{
	static struct ipsw_info info;
	char err[300] = "";
	(void)state;

	assert_int_equal(ipsw_read(gen("good", ""), &info, err, sizeof(err)), IREC_OK);
	assert_string_equal(info.product_version, "16.7.9");
	assert_string_equal(info.build, "20H999");
	assert_true(ipsw_supports_product(&info, "iPhone10,3"));
	const struct ipsw_identity *u = ipsw_find(&info, "D22AP", IPSW_UPDATE);
	assert_non_null(u);
	assert_string_equal(u->variant, "Customer Upgrade Install (IPSW)");
	assert_int_equal(u->chip_id, 0x8015);
	assert_string_equal(u->missing, "");
	assert_true(u->os_size > 0);
	assert_non_null(ipsw_find(&info, "d22ap", IPSW_ERASE));
	assert_int_equal(check(gen("good", ""), true, true, err), IREC_OK);
}

static void test_erase_only(void **state)
{
	char err[300];
	(void)state;

	const char *p = gen("eraseonly", "--identities erase");
	assert_int_equal(check(p, true, false, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "no Update identity for d22ap"));
	assert_int_equal(check(p, false, true, err), IREC_OK);
}

static void test_update_only(void **state)
{
	char err[300];
	(void)state;

	const char *p = gen("updateonly", "--identities update");
	assert_int_equal(check(p, true, false, err), IREC_OK);
	assert_int_equal(check(p, true, true, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "no Erase identity"));
}

static void test_wrong_product_and_board(void **state)
{
	char err[300];
	(void)state;

	assert_int_equal(check(gen("product", "--product iPhone12,1"), true, false, err),
	                 IREC_ENOFIT);
	assert_non_null(strstr(err, "does not support iPhone10,3"));
	assert_int_equal(check(gen("board", "--board d20ap"), true, false, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "no build identity for board d22ap"));
	assert_int_equal(check(gen("chip", "--chip 0x8010"), true, false, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "for chip 0x8010, the device is 0x8015"));
	assert_int_equal(check(gen("bdid", "--bdid 0x02"), true, false, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "board id 0x02"));
}

static void test_missing_component(void **state)
{
	char err[300];
	(void)state;

	assert_int_equal(check(gen("missing", "--missing iBEC"), true, false, err), IREC_ENOFIT);
	assert_non_null(strstr(err, "lacks a component: iBEC (Firmware/dfu/iBEC.d22ap"));
}

static void test_not_a_zip(void **state)
{
	static struct ipsw_info info;
	char err[300], path[512];
	(void)state;

	assert_int_equal(ipsw_read(gen("garbage", "--garbage"), &info, err, sizeof(err)),
	                 IREC_ENOFIT);
	assert_non_null(strstr(err, "not a readable zip archive"));
	snprintf(path, sizeof(path), "%s/none.ipsw", dir);
	assert_int_equal(ipsw_read(path, &info, err, sizeof(err)), IREC_EFAIL);
	assert_int_equal(ipsw_read_memory("", 0, &info, err, sizeof(err)), IREC_ENOFIT);
}

static void test_oversized_entry(void **state)
{
	static struct ipsw_info info;
	char err[300];
	(void)state;

	assert_int_equal(ipsw_read(gen("big", "--oversize-manifest"), &info, err, sizeof(err)),
	                 IREC_ENOFIT);
	assert_non_null(strstr(err, "BuildManifest.plist is"));
	assert_non_null(strstr(err, "not an IPSW"));
}

static void test_space(void **state)
{
	struct device d = iphone_x();
	static struct preflight pf;
	char err[300];
	(void)state;

	/* /dev/shm or /tmp always has more than the fixture's OS; a missing dir fails. */
	assert_int_equal(preflight_check(&d, gen("good", ""), true, false, "/nonexistent/cache",
	                                 &pf, err, sizeof(err)),
	                 IREC_ENOFIT);
	assert_non_null(strstr(err, "cannot check free space"));
}

/* --- the engine's output ------------------------------------------------------ */

/* Feed a per-run log (timestamp, stream, text) into the parser. */
static void replay(const char *name, struct rprogress *p, unsigned *changes)
{
	char path[512], line[8192];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/restore/transcripts/%s.log", IRECCTL_SOURCE_DIR,
	         name);
	f = fopen(path, "r");
	assert_non_null(f);
	rprogress_init(p);
	*changes = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *sp = strchr(line, ' ');
		if (strncmp(line, "20", 2) || !sp || !(sp = strchr(sp + 1, ' ')))
			continue; /* irecctl's own lines */
		*changes |= rprogress_line(p, sp + 1);
	}
	fclose(f);
}

static void test_transcript_ok(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("ok", &p, &ch);
	assert_true(p.finished);
	assert_true(p.past_point_of_no_return);
	assert_int_equal(p.sign, SIGN_OK);
	assert_string_equal(p.variant, "Customer Upgrade Install (IPSW)");
	assert_int_equal(p.phase, RP_RESTORE);
	assert_true(p.fraction > 0.9 && p.fraction <= 1.0);
	assert_true(ch & RP_CHANGED_FINISHED);
}

static void test_transcript_fail(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("fail", &p, &ch);
	assert_false(p.finished);
	assert_true(p.past_point_of_no_return);
	assert_true(p.status_failed);
	assert_string_equal(p.status, "Fail");
}

static void test_transcript_refused(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("refuse", &p, &ch);
	assert_int_equal(p.sign, SIGN_REFUSED);
	assert_false(p.past_point_of_no_return);
	assert_false(p.wrote_device);
}

static void test_transcript_unreachable(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("unreachable", &p, &ch);
	assert_int_equal(p.sign, SIGN_UNREACHABLE);
	assert_false(p.wrote_device);
}

/* A hang stopped by a signal: the final "progress: 6 1.0" proves nothing. */
static void test_transcript_stopped(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("sigterm", &p, &ch);
	assert_false(p.finished);
	assert_true(p.past_point_of_no_return);
}

static void test_transcript_variant(void **state)
{
	struct rprogress p;
	unsigned ch;
	(void)state;

	replay("variant", &p, &ch);
	assert_string_equal(p.variant, "Customer Erase Install (IPSW)");
	assert_false(p.wrote_device);
	assert_int_equal(p.sign, SIGN_UNKNOWN);
}

static void test_progress_lines(void **state)
{
	struct rprogress p;
	(void)state;

	rprogress_init(&p);
	assert_int_equal(rprogress_line(&p, "progress: 9 0.5"), 0);
	assert_int_equal(rprogress_line(&p, "progress: 1 nan"), 0);
	assert_int_equal(rprogress_line(&p, "progress: 1 2.0"), 0);
	assert_true(rprogress_line(&p, "progress: 1 0.300000") & RP_CHANGED_PHASE);
	assert_int_equal(p.phase, RP_UPLOAD);
	/* Never backwards. */
	assert_false(rprogress_line(&p, "progress: 0 0.1") & RP_CHANGED_FRACTION);
	assert_int_equal(p.phase, RP_UPLOAD);
	/* The later engine's log prefix. */
	assert_true(rprogress_line(&p, "10:00:01.123 <Info> Variant: X") & RP_CHANGED_VARIANT);
	assert_string_equal(p.variant, "X");
	assert_true(rprogress_line(&p, "progress: 1 1.000000") & RP_CHANGED_PONR);
	/* Both generations' words for "no identity for this device". */
	rprogress_line(&p, "ERROR: Unable to find a matching build identity");
	assert_true(p.no_identity);
}

/* --- the engine itself ------------------------------------------------------- */

static void test_engine_versions(void **state)
{
	struct engine e = {0};
	(void)state;

	assert_true(engine_parse_version("idevicerestore 1.0.0\n", &e));
	assert_int_equal(e.gen, ENGINE_1_0_0);
	assert_true(e.crashes_with_two_devices);
	memset(&e, 0, sizeof(e));
	assert_true(engine_parse_version("idevicerestore 1.0.0+git20240709\n", &e));
	assert_int_equal(e.gen, ENGINE_GIT);
	assert_string_equal(e.version, "1.0.0+git20240709");
	assert_true(engine_parse_version("idevicerestore 1.0.0-139-g405fcd1\n", &e));
	assert_int_equal(e.gen, ENGINE_GIT);
	assert_false(engine_parse_version("idevicerestore 0.9\n", &e));
	assert_false(engine_parse_version("usage: ...", &e));
	assert_false(engine_parse_version("", &e));
}

static void test_engine_argv(void **state)
{
	struct engine e = {.path = "/usr/bin/idevicerestore", .gen = ENGINE_1_0_0};
	struct engine_job job = {.ecid = 0x1122,
	                         .erase = true,
	                         .variant = "V W",
	                         .cache_dir = "/c",
	                         .ipsw = "/x.ipsw"};
	const char *argv[ENGINE_ARGV_MAX];
	char buf[32], line[512];
	(void)state;

	engine_argv(&e, &job, buf, sizeof(buf), argv);
	engine_format_argv(argv, line, sizeof(line));
	/* 1.0.0 parses -i with strtoull(.., 0): a bare hex ECID would fail. */
	assert_string_equal(line, "/usr/bin/idevicerestore -i 0x0000000000001122 -y -P -C /c -e "
	                          "/x.ipsw");
	e.gen = ENGINE_GIT;
	snprintf(e.stdbuf, sizeof(e.stdbuf), "/usr/bin/stdbuf");
	engine_argv(&e, &job, buf, sizeof(buf), argv);
	engine_format_argv(argv, line, sizeof(line));
	assert_string_equal(line, "/usr/bin/stdbuf -oL -eL /usr/bin/idevicerestore -i "
	                          "0x0000000000001122 -y -P -C /c -e --variant 'V W' -d /x.ipsw");
	for (size_t i = 0; argv[i]; i++)
		assert_string_not_equal(argv[i], "--latest");
}

/* --all's children: the timeout at full precision, consent passed on explicitly. */
static void test_child_argv(void **state)
{
	struct rjob_spec s = {.kind = RKIND_ERASE, .timeout_s = 0.4};
	const char *argv[RESTORE_CHILD_ARGV_MAX];
	char timeout[32];
	size_t i, n;

	(void)state;
	snprintf(s.ipsw, sizeof(s.ipsw), "/x.ipsw");
	snprintf(s.engine.path, sizeof(s.engine.path), "/usr/bin/idevicerestore");
	restore_child_argv(&s, "0x0000000000001122", "/c/0x0000000000001122", timeout, argv);
	for (n = 0; argv[n]; n++)
		;
	for (i = 0; i + 1 < n && strcmp(argv[i], "--timeout"); i++)
		;
	assert_true(i + 1 < n);
	assert_true(strtod(argv[i + 1], NULL) == 0.4);
	assert_string_equal(argv[n - 1], "--consent-all");
	assert_string_equal(argv[n - 2], "0x0000000000001122");
	assert_string_equal(argv[n - 3], "--confirm-ecid");
	assert_string_equal(argv[n - 4], "--yes");
	s.kind = RKIND_UPDATE;
	restore_child_argv(&s, "0x0000000000001122", "/c/0x0000000000001122", timeout, argv);
	for (n = 0; argv[n]; n++)
		assert_string_not_equal(argv[n], "--yes");
}

static void test_ecid_typed(void **state)
{
	(void)state;
	assert_true(restore_ecid_typed_matches("1122", 0x1122));
	assert_true(restore_ecid_typed_matches(" 0x0000000000001122\n", 0x1122));
	assert_true(restore_ecid_typed_matches("D18A2", 0xabcd18a2));
	assert_false(restore_ecid_typed_matches("122", 0x1122));  /* fewer than 4 */
	assert_false(restore_ecid_typed_matches("1121", 0x1122)); /* wrong */
	assert_false(restore_ecid_typed_matches("", 0x1122));
	assert_false(restore_ecid_typed_matches("yes", 0x1122));
	assert_false(restore_ecid_typed_matches("00001122x", 0x1122));
	assert_false(restore_ecid_typed_matches("0000", 0x1122));
}

/* doctor names the engine's defect from the libirecovery it links (never runs it). */
static void test_doctor_engine(void **state)
{
	struct doctor_result r;
	(void)state;

	doctor_judge_restore_engine(NULL, "1.2.1", 0, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_string_equal(r.fix, "apt install idevicerestore");
	doctor_judge_restore_engine("/usr/bin/idevicerestore", "1.0.0", 2, &r);
	assert_int_equal(r.status, DOCTOR_WARN);
	assert_non_null(strstr(r.finding,
	                       "crashes when two recovery/DFU devices are attached (2 are now)"));
	doctor_judge_restore_engine("/usr/bin/idevicerestore", "1.2.1", 2, &r);
	assert_int_equal(r.status, DOCTOR_OK);
	assert_string_equal(r.check, "restore");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),
	        cmocka_unit_test(test_erase_only),
	        cmocka_unit_test(test_update_only),
	        cmocka_unit_test(test_wrong_product_and_board),
	        cmocka_unit_test(test_missing_component),
	        cmocka_unit_test(test_not_a_zip),
	        cmocka_unit_test(test_oversized_entry),
	        cmocka_unit_test(test_space),
	        cmocka_unit_test(test_transcript_ok),
	        cmocka_unit_test(test_transcript_fail),
	        cmocka_unit_test(test_transcript_refused),
	        cmocka_unit_test(test_transcript_unreachable),
	        cmocka_unit_test(test_transcript_stopped),
	        cmocka_unit_test(test_transcript_variant),
	        cmocka_unit_test(test_progress_lines),
	        cmocka_unit_test(test_engine_versions),
	        cmocka_unit_test(test_engine_argv),
	        cmocka_unit_test(test_ecid_typed),
	        cmocka_unit_test(test_child_argv),
	        cmocka_unit_test(test_doctor_engine),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
