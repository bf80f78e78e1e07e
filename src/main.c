/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecctl: put Apple devices into and out of Recovery Mode, tell what
 * every attached device is, restore them.
 *
 * main() parses the command line (cli.c), runs the subcommand and turns
 * its status into the exit code. Nothing below main() exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libimobiledevice/libimobiledevice.h>
#include <libirecovery.h>

#include "irecctl/cli.h"
#include "irecctl/lock.h"
#include "irecctl/log.h"
#include "irecctl/mux-endpoint.h"

static void apply_verbosity(const struct ctx *ctx)
{
	log_set_level(ctx->verbosity);
	/* -vv: let the libraries explain themselves too (on stderr). */
	if (ctx->verbosity >= LOG_DEBUG) {
		irecv_set_debug_level(1);
		idevice_set_debug_level(1);
	}
}

/* Data that never reached stdout is a failure, not a success (git's rule). */
static int finish_stdout(int status)
{
	errno = 0;
	bool failed = fflush(stdout) != 0;
	int e = errno;

	if (failed || ferror(stdout)) {
		log_error("cannot write to standard output: %s",
		          e ? strerror(e) : "an earlier write failed");
		return status == IREC_OK ? IREC_EFAIL : status;
	}
	return status;
}

/*
 * A standard descriptor closed by the caller (status >&-) would be reused
 * by the next open() inside irecctl or a library (a socket, an eventfd),
 * and stdout's data would go there. Hold its number with /dev/null opened
 * the wrong way round: every use still fails with EBADF, as closed.
 */
static void hold_std_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int got = open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (got >= 0 && got != fd) {
			dup3(got, fd, O_CLOEXEC);
			close(got);
		}
	}
}

/*
 * A malformed USBMUXD_SOCKET_ADDRESS is refused before anything runs:
 * libusbmuxd would quietly use the host's own daemon and its devices
 * instead. --timeout also bounds the usbmuxd endpoint check (not below
 * MUX_CHECK_FLOOR_MS, or a busy but real usbmuxd could miss it).
 */
#define MUX_CHECK_FLOOR_MS 200
static bool check_usbmuxd_address(const struct ctx *ctx)
{
	char why[256];

	if (!mux_endpoint_valid(why, sizeof(why))) {
		log_error("%s", why);
		return false;
	}
	if (ctx->have_timeout) {
		double ms = ctx->timeout_s * 1000;
		mux_endpoint_limit(ms < MUX_CHECK_FLOOR_MS ? MUX_CHECK_FLOOR_MS
		                   : ms > 1e9              ? 0
		                                           : (int)ms);
	}
	return true;
}

int main(int argc, char **argv)
{
	struct ctx ctx;
	struct cmd_args args;
	const struct command *cmd = NULL;

	/* A device rebooting into Recovery drops its lockdownd tunnel while
	 * libimobiledevice 1.3.0 still sends StopSession and SSL_shutdown over
	 * it with plain write(): SIGPIPE would kill us silently (status 141)
	 * after the device left. A failed write is an error we handle. */
	signal(SIGPIPE, SIG_IGN);
	hold_std_fds();
	ctx_init(&ctx);
	switch (cli_parse(&ctx, argc, argv, &cmd, &args)) {
	case PARSE_OK:
		break;
	case PARSE_EXIT_OK:
		return finish_stdout(IREC_OK);
	case PARSE_ERROR:
		return IREC_EUSAGE;
	}
	apply_verbosity(&ctx);
	if (!cmd->no_usbmuxd && !check_usbmuxd_address(&ctx))
		return IREC_EUSAGE;
	/* One resolution of -d for every command: an old-form UDID also
	 * finds its device in recovery, by the ECID remembered for it. */
	if (ctx.have_device)
		lock_recall_devid(&ctx.device);
	return finish_stdout(cmd->run(&ctx, &args));
}
