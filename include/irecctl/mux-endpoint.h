/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is the usbmuxd that libusbmuxd would talk to there, and does it speak
 * usbmuxd? Asked before handing the endpoint to libusbmuxd: its Listen
 * thread reconnects in a loop without closing the sockets it gave up on,
 * so an endpoint that accepts connections and answers anything else makes
 * it run out of fd_set bits and abort the whole process.
 */
#ifndef IRECCTL_MUX_ENDPOINT_H
#define IRECCTL_MUX_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

enum mux_state {
	MUX_UP,      /* answered a usbmuxd request */
	MUX_ABSENT,  /* nothing listens there (not running: it starts on demand) */
	MUX_HOSTILE, /* something listens but does not speak usbmuxd */
};

/*
 * The UNIX socket path libusbmuxd connects to: USBMUXD_SOCKET_ADDRESS's
 * "UNIX:/path", else the default /var/run/usbmuxd (libusbmuxd falls back to
 * it for any value it does not understand). false for a TCP address
 * ("host:port"): there is no socket file to watch.
 */
bool mux_endpoint_path(char *buf, size_t len);

/* One usbmuxd request (ReadBUID) to the UNIX or TCP endpoint libusbmuxd
 * would use, bounded by timeout_ms; why gets a short reason for MUX_ABSENT
 * and MUX_HOSTILE. */
enum mux_state mux_endpoint_check(int timeout_ms, char *why, size_t whylen);

/* "usbmuxd ...: normal and restore mode devices cannot be seen", as a
 * warning once per process, however many times discovery finds it. */
void mux_endpoint_warn_once(const char *why);

#endif
