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
	MUX_HOSTILE, /* something listens but does not speak usbmuxd, or does not
	              * answer in time; or USBMUXD_SOCKET_ADDRESS is malformed */
};

/*
 * The UNIX socket path libusbmuxd connects to: USBMUXD_SOCKET_ADDRESS's
 * "UNIX:/path", else (unset or empty) the default /var/run/usbmuxd. false
 * for a TCP address ("host:port"), where there is no socket file to watch,
 * and for a malformed one.
 */
bool mux_endpoint_path(char *buf, size_t len);

/* Is USBMUXD_SOCKET_ADDRESS unset, empty, or a value libusbmuxd parses
 * as an endpoint? libusbmuxd silently falls back to /var/run/usbmuxd (the
 * host's daemon) for anything else; false then, with a one-line why. */
bool mux_endpoint_valid(char *why, size_t whylen);

/* The longest any one check may take from now on (--timeout; 0: only
 * each caller's own bound). */
void mux_endpoint_limit(int ms);

/* One usbmuxd request (ReadBUID) to the UNIX or TCP endpoint libusbmuxd
 * would use, bounded by timeout_ms and the limit; why gets a short reason
 * for MUX_ABSENT and MUX_HOSTILE. */
enum mux_state mux_endpoint_check(int timeout_ms, char *why, size_t whylen);

/* "usbmuxd ...: normal and restore mode devices cannot be seen", as a
 * warning once per process, however many times discovery finds it. */
void mux_endpoint_warn_once(const char *why);

#endif
