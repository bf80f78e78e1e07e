/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The usbmuxd endpoint check (see mux-endpoint.h). One request in the
 * usbmuxd plist protocol v1, as libusbmuxd sends it: a 16-byte
 * little-endian header {length, version 1, message 8 (plist), tag} and an
 * XML plist; the answer must be a header of the same kind and a plist
 * dictionary, in time. Anything else is not a usbmuxd. The endpoint is the one
 * libusbmuxd would use: a UNIX socket, or a TCP "host:port" (a proxy such
 * as usbfluxd or netmuxd), resolved and tried as libusbmuxd does.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <plist/plist.h>

#include "irecctl/log.h"
#include "irecctl/mux-endpoint.h"
#include "irecctl/sanitize.h"

#define MUX_DEFAULT_PATH "/var/run/usbmuxd"
#define MUX_HDR_LEN      16u
#define MUX_MAX_REPLY    (64u * 1024u)
#define MUX_VERSION      1u
#define MUX_MSG_PLIST    8u
#define MUX_TAG          1u

/* --timeout: no one check may take longer (0: no limit). */
static int limit_ms;

static const char read_buid[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                                "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                                "<plist version=\"1.0\">\n<dict>\n"
                                "\t<key>ClientVersionString</key>\n\t<string>irecctl</string>\n"
                                "\t<key>MessageType</key>\n\t<string>ReadBUID</string>\n"
                                "\t<key>ProgName</key>\n\t<string>irecctl</string>\n"
                                "</dict>\n</plist>\n";

/* Where libusbmuxd connects: a UNIX path, or a TCP host and port. */
struct endpoint {
	bool tcp;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char host[256];
	char port[8];
	char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 16]; /* for messages */
};

/* libusbmuxd's rule (2.0.2 and 2.1.0 alike): strtol() of the text after
 * the last ':' must end there and give 1..65535; the port is that number. */
static long tcp_port(const char *a)
{
	const char *p = strrchr(a, ':');
	char *end = NULL;
	long port;

	if (!p)
		return 0;
	errno = 0;
	port = strtol(p + 1, &end, 10);
	return !errno && end && *end == '\0' && port > 0 && port < 65536 ? port : 0;
}

/* "host:port" or "[v6]:port", split as libusbmuxd splits it (the host is
 * what precedes the last ':', without the brackets); false if no host is
 * left, where libusbmuxd falls back to the default socket. */
static bool tcp_endpoint(const char *a, long port, struct endpoint *e)
{
	const char *colon = strrchr(a, ':');
	size_t n = (size_t)(colon - a);
	const char *host = a;

	if (a[0] == '[') {
		const char *rb = memrchr(a, ']', n);
		host = a + 1;
		n = rb ? (size_t)(rb - host) : n - 1;
	}
	if (n == 0 || n >= sizeof(e->host))
		return false;
	e->tcp = true;
	memcpy(e->host, host, n);
	e->host[n] = '\0';
	snprintf(e->port, sizeof(e->port), "%ld", port);
	snprintf(e->name, sizeof(e->name), "%s", a);
	return true;
}

/*
 * The endpoint libusbmuxd would use, or false for a value it would not
 * understand: it falls back to /var/run/usbmuxd for those without a word,
 * i.e. to the host's daemon and its devices. Unset or empty is that
 * default on purpose.
 */
static bool endpoint_from_env(struct endpoint *e)
{
	const char *a = getenv("USBMUXD_SOCKET_ADDRESS");
	long port;

	memset(e, 0, sizeof(*e));
	if (a && !strncmp(a, "UNIX:", 5)) {
		if (!a[5] || strlen(a + 5) >= sizeof(e->path))
			return false;
		snprintf(e->path, sizeof(e->path), "%s", a + 5);
	} else if (a && a[0]) {
		port = tcp_port(a);
		return port > 0 && tcp_endpoint(a, port, e);
	} else {
		snprintf(e->path, sizeof(e->path), "%s", MUX_DEFAULT_PATH);
	}
	snprintf(e->name, sizeof(e->name), "%s", e->path);
	return true;
}

bool mux_endpoint_valid(char *why, size_t whylen)
{
	struct endpoint e;
	char shown[96];

	if (endpoint_from_env(&e))
		return true;
	sanitize_text(shown, sizeof(shown), getenv("USBMUXD_SOCKET_ADDRESS"));
	if (!strncmp(shown, "UNIX:", 5) && shown[5]) {
		/* libusbmuxd would cut it and connect to another path */
		snprintf(why, whylen,
		         "USBMUXD_SOCKET_ADDRESS: the socket path is longer than %zu bytes",
		         sizeof(e.path) - 1);
		return false;
	}
	snprintf(why, whylen,
	         "USBMUXD_SOCKET_ADDRESS '%s' is malformed: expected UNIX:/path or host:port "
	         "(port 1-65535); libusbmuxd would silently use %s instead",
	         shown, MUX_DEFAULT_PATH);
	return false;
}

void mux_endpoint_limit(int ms)
{
	__atomic_store_n(&limit_ms, ms, __ATOMIC_RELAXED);
}

bool mux_endpoint_path(char *buf, size_t len)
{
	struct endpoint e;

	if (!endpoint_from_env(&e) || e.tcp)
		return false;
	snprintf(buf, len, "%s", e.path);
	return true;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

enum reply { REPLY_OK, REPLY_SLOW, REPLY_EOF, REPLY_BAD };

/* Exactly len bytes: REPLY_OK, REPLY_SLOW at the deadline, REPLY_EOF if
 * the peer closed before sending any, REPLY_BAD on an error or a cut. */
static enum reply read_full(int fd, void *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		ssize_t n;

		if (left <= 0)
			return REPLY_SLOW;
		n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			return REPLY_SLOW;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return got == 0 && n == 0 ? REPLY_EOF : REPLY_BAD;
		got += (size_t)n;
	}
	return REPLY_OK;
}

static bool send_request(int fd)
{
	uint32_t len = (uint32_t)(MUX_HDR_LEN + sizeof(read_buid) - 1);
	uint32_t hdr[4] = {htole32(len), htole32(MUX_VERSION), htole32(MUX_MSG_PLIST),
	                   htole32(MUX_TAG)};
	char msg[MUX_HDR_LEN + sizeof(read_buid)];

	memcpy(msg, hdr, MUX_HDR_LEN);
	memcpy(msg + MUX_HDR_LEN, read_buid, sizeof(read_buid) - 1);
	return send(fd, msg, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* The reply must look like usbmuxd's: our header, then a plist dict. */
static enum reply check_reply(int fd, int64_t deadline, char *why, size_t whylen)
{
	uint32_t hdr[4];
	uint32_t len;
	char *payload;
	plist_t p = NULL;
	enum reply r = read_full(fd, hdr, sizeof(hdr), deadline);

	if (r != REPLY_OK) {
		snprintf(why, whylen, r == REPLY_SLOW ? "no reply" : "it closed without a reply");
		return r;
	}
	len = le32toh(hdr[0]);
	if (le32toh(hdr[1]) != MUX_VERSION || le32toh(hdr[2]) != MUX_MSG_PLIST ||
	    le32toh(hdr[3]) != MUX_TAG || len <= MUX_HDR_LEN || len > MUX_MAX_REPLY) {
		snprintf(why, whylen, "the reply is not in usbmuxd's format");
		return REPLY_BAD;
	}
	payload = malloc(len - MUX_HDR_LEN);
	r = payload ? read_full(fd, payload, len - MUX_HDR_LEN, deadline) : REPLY_BAD;
	if (r == REPLY_EOF)
		r = REPLY_BAD; /* a header and then nothing */
	if (r == REPLY_OK)
		plist_from_xml(payload, len - MUX_HDR_LEN, &p);
	free(payload);
	if (r == REPLY_OK && !(p && plist_get_node_type(p) == PLIST_DICT)) {
		snprintf(why, whylen, "the reply is not a usbmuxd plist");
		r = REPLY_BAD;
	} else if (r != REPLY_OK) {
		snprintf(why, whylen, "the reply was cut short");
	}
	plist_free(p);
	return r;
}

static int connect_unix(const struct endpoint *e)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", e->path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* Connect within the deadline: a host that drops the SYN must not hold
 * the check for the kernel's two minutes. 0, or an errno (ETIMEDOUT). */
static int connect_bounded(int fd, const struct addrinfo *ai, int64_t deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	int err = 0, n;
	socklen_t len = sizeof(err);

	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		return errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	do {
		int64_t left = deadline - now_ms();
		n = left > 0 ? poll(&p, 1, (int)left) : 0;
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return ETIMEDOUT;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* Each address the host resolves to, in order, as libusbmuxd tries them;
 * -1 with errno (or *gai_err for a name that does not resolve). */
static int connect_tcp(const struct endpoint *e, int64_t deadline, int *gai_err)
{
	struct addrinfo hints = {
	        .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int fd = -1, err = ECONNREFUSED;

	*gai_err = getaddrinfo(e->host, e->port, &hints, &res);
	if (*gai_err != 0)
		return -1;
	for (const struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		err = connect_bounded(fd, ai, deadline);
		if (err != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	errno = err;
	return fd;
}

/* One connection, one request; *absent when nothing accepts it. A TCP
 * connect that does not finish in time is silence, not absence. */
static enum reply ask_once(const struct endpoint *e, int timeout_ms, bool *absent, char *why,
                           size_t whylen)
{
	int64_t deadline = now_ms() + timeout_ms;
	int gai_err = 0;
	enum reply r;
	int fd = e->tcp ? connect_tcp(e, deadline, &gai_err) : connect_unix(e);

	*absent = fd < 0 && !(e->tcp && errno == ETIMEDOUT && !gai_err);
	if (fd < 0) {
		if (!*absent)
			snprintf(why, whylen, "the connection was not accepted");
		else if (gai_err)
			snprintf(why, whylen, "usbmuxd's address %s does not resolve (%s)", e->name,
			         gai_strerror(gai_err));
		else
			snprintf(why, whylen, "usbmuxd is not running (%s: %s)", e->name,
			         strerror(errno));
		return *absent ? REPLY_BAD : REPLY_SLOW;
	}
	if (send_request(fd)) {
		r = check_reply(fd, deadline, why, whylen);
	} else {
		/* A peer that accepts and closes at once, seen before our request
		 * went out (a loaded host): the reason must be said here too. */
		snprintf(why, whylen, "it closed before the request was sent (%s)",
		         strerror(errno));
		r = REPLY_EOF;
	}
	close(fd);
	return r;
}

/* The check's own deadline: the caller's, within --timeout. */
static int check_budget(int timeout_ms)
{
	int limit = __atomic_load_n(&limit_ms, __ATOMIC_RELAXED);

	return limit > 0 && limit < timeout_ms ? limit : timeout_ms;
}

enum mux_state mux_endpoint_check(int timeout_ms, char *why, size_t whylen)
{
	struct endpoint e;
	char reason[128];
	bool absent;
	enum reply r;
	int budget = check_budget(timeout_ms);

	if (!mux_endpoint_valid(why, whylen))
		return MUX_HOSTILE;
	endpoint_from_env(&e);
	r = ask_once(&e, budget, &absent, why, whylen);
	/* A daemon on its way out closes the connections it has: if the
	 * socket is gone on a second try, it was that, not a stranger. */
	if (r == REPLY_EOF)
		r = ask_once(&e, budget, &absent, why, whylen);
	if (absent)
		return MUX_ABSENT;
	if (r == REPLY_OK)
		return MUX_UP;
	/* usbmuxd answers ReadBUID at once. Something that accepts and stays
	 * silent would hold every libusbmuxd call for its own 5 s timeouts and
	 * then hide the devices without a word: unusable too. */
	snprintf(reason, sizeof(reason), "%s", why);
	if (r == REPLY_SLOW)
		snprintf(why, whylen, "%s does not answer usbmuxd requests (%s within %.1f s)",
		         e.name, reason, budget / 1000.0);
	else
		snprintf(why, whylen, "%s does not speak the usbmuxd protocol (%s)", e.name,
		         reason);
	return MUX_HOSTILE;
}

void mux_endpoint_warn_once(const char *why)
{
	static int warned;

	if (__atomic_exchange_n(&warned, 1, __ATOMIC_ACQ_REL))
		return;
	log_warn("%s: normal and restore mode devices cannot be seen", why);
}
