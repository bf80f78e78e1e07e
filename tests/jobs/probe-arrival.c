/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe-arrival: the two steps the event loop takes for a raw-USB arrival
 * (src/events-src.c), with a pause between them that the test controls:
 *
 *   1. what is known at the arrival, in the hotplug callback
 *      (usb_identify_quick(): descriptor and sysfs, no device I/O);
 *      prints "ARRIVED udid=..." and waits for a line on stdin;
 *   2. the probe thread's look (usb_probe_arrival()); prints
 *      "PROBED ecid=... udid=... accessible=N error=...".
 *
 * The test unplugs the device in the pause: a device that leaves before
 * its probe reads it, made deterministic. Takes the only raw-USB Apple
 * device on the bus.
 */
#include <stdio.h>
#include <string.h>

#include "irecctl/discovery.h"

static libusb_device *only_device(libusb_context *ctx, libusb_device ***list)
{
	libusb_device *found = NULL;
	struct device d;
	ssize_t n = libusb_get_device_list(ctx, list);

	for (ssize_t i = 0; i < n; i++) {
		memset(&d, 0, sizeof(d));
		if (usb_describe((*list)[i], &d, NULL))
			found = (*list)[i];
	}
	return found;
}

int main(void)
{
	char err[256], line[16];
	libusb_context *ctx = usb_context(err, sizeof(err));
	libusb_device **list = NULL, *dev;
	struct device early, d;

	if (!ctx || !(dev = only_device(ctx, &list))) {
		fprintf(stderr, "probe-arrival: no raw-USB device: %s\n",
		        ctx ? "none listed" : err);
		return 2;
	}
	memset(&early, 0, sizeof(early));
	early.trusted = -1;
	early.accessible = true;
	usb_identify_quick(dev, &early);
	printf("ARRIVED udid=%s\n", early.udid);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 2;
	memset(&d, 0, sizeof(d));
	d.trusted = -1;
	d.accessible = true;
	usb_probe_arrival(dev, &early, &d);
	printf("PROBED ecid=0x%016llx udid=%s model=%s accessible=%d error=%s\n",
	       (unsigned long long)d.ecid, d.udid, d.product_type, d.accessible, d.error);
	libusb_free_device_list(list, 1);
	return 0;
}
