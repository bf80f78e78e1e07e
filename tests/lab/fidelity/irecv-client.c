/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecv-client ECID: open one recovery/DFU device with libirecovery, keep it
 * open, and run requests read from stdin, one per line:
 *
 *   cmd TEXT     iBoot command as a raw control transfer -> "cmd: OK" or
 *                "cmd: LIBUSB_ERROR_PIPE" (libusb's name for the error)
 *   getenv VAR   -> "getenv: VALUE" or "getenv: LIBUSB_ERROR_..."
 *   reboot       "reboot" with bRequest 1, as irecovery -c reboot sends it
 *                -> "reboot: OK" or "reboot: LIBUSB_ERROR_..."
 *   info         -> "info: ECID 0x... CPID 0x.... MODE 0x...."
 *
 * Prints "OPEN 0x<ecid>" once the device is open. libirecovery 1.0.0's
 * irecv_send_command() swallows transfer errors, so the raw transfer is the
 * only way a client sees a STALL or ENODEV: the lab tests use this to make
 * those faults observable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libirecovery.h>
#include <libusb.h>

#define TIMEOUT_MS 2000

static void print_result(const char *what, int rc, const char *value)
{
	if (rc < 0)
		printf("%s: %s\n", what, libusb_error_name(rc));
	else
		printf("%s: %s\n", what, value);
	fflush(stdout);
}

static void do_cmd(irecv_client_t c, const char *text)
{
	int rc = irecv_usb_control_transfer(c, 0x40, 0, 0, 0, (unsigned char *)text,
	                                    (uint16_t)(strlen(text) + 1), TIMEOUT_MS);

	print_result("cmd", rc, "OK");
}

static void do_reboot(irecv_client_t c)
{
	static const char text[] = "reboot";
	int rc = irecv_usb_control_transfer(c, 0x40, 1, 0, 0, (unsigned char *)text, sizeof(text),
	                                    TIMEOUT_MS);

	print_result("reboot", rc, "OK");
}

static void do_getenv(irecv_client_t c, const char *var)
{
	char cmd[520], value[256] = "";
	int rc;

	snprintf(cmd, sizeof(cmd), "getenv %s", var);
	rc = irecv_usb_control_transfer(c, 0x40, 0, 0, 0, (unsigned char *)cmd,
	                                (uint16_t)(strlen(cmd) + 1), TIMEOUT_MS);
	if (rc >= 0)
		rc = irecv_usb_control_transfer(c, 0xC0, 0, 0, 0, (unsigned char *)value,
		                                sizeof(value) - 1, TIMEOUT_MS);
	print_result("getenv", rc, value);
}

static void do_info(irecv_client_t c)
{
	const struct irecv_device_info *info = irecv_get_device_info(c);
	int mode = 0;

	irecv_get_mode(c, &mode);
	printf("info: ECID 0x%016llx CPID 0x%04x MODE 0x%04x\n", info ? info->ecid : 0ULL,
	       info ? info->cpid : 0u, (unsigned)mode);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	unsigned long long ecid;
	irecv_client_t c = NULL;
	irecv_error_t err;
	char line[512];

	if (argc != 2) {
		fprintf(stderr, "usage: irecv-client ECID < requests\n");
		return 2;
	}
	ecid = strtoull(argv[1], NULL, 0);
	err = irecv_open_with_ecid_and_attempts(&c, ecid, 3);
	if (err != IRECV_E_SUCCESS) {
		printf("OPEN-ERROR %s\n", irecv_strerror(err));
		return 1;
	}
	printf("OPEN 0x%016llx\n", ecid);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "cmd ", 4))
			do_cmd(c, line + 4);
		else if (!strncmp(line, "getenv ", 7))
			do_getenv(c, line + 7);
		else if (!strcmp(line, "reboot"))
			do_reboot(c);
		else if (!strcmp(line, "info"))
			do_info(c);
		else
			printf("unknown: %s\n", line);
		fflush(stdout);
	}
	irecv_close(c);
	return 0;
}
