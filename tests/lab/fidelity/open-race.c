/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * open-race DIR STOPFILE: until STOPFILE exists, open every usbfs node in
 * DIR (e.g. /dev/bus/usb/001), ask it one ioctl and close it, as fast as
 * it can; then print "opens N". A device unplugged meanwhile may fail the
 * open (ENOENT) or the ioctl (ENODEV), never the process: under
 * libumockdev-preload a connection the lab drops kills it (SIGABRT).
 * The preload keeps an entry for every failed open (up to 50 in all, then
 * it aborts too): after FAILED_MAX of them this exits 3, to be restarted.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/usbdevice_fs.h>

#define FAILED_MAX 40

static unsigned long failed;

static unsigned long open_all(const char *dir)
{
	unsigned long n = 0;
	struct dirent *e;
	char path[512];
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		__u32 caps;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			failed++;
			continue;
		}
		n++;
		(void)ioctl(fd, USBDEVFS_GET_CAPABILITIES, &caps);
		close(fd);
	}
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	unsigned long opens = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: open-race DIR STOPFILE\n");
		return 2;
	}
	while (access(argv[2], F_OK) != 0 && failed < FAILED_MAX)
		opens += open_all(argv[1]);
	printf("opens %lu\n", opens);
	return failed < FAILED_MAX ? 0 : 3;
}
