/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Control commands, shared by the control socket and scenario files.
 * A command is one line; its reply is zero or more lines, then "ok" or
 * "error: ...". `wait` replies later, when the device reaches the mode:
 * tests synchronise on it instead of sleeping.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "lab-core.h"

#define WAIT_DEFAULT_MS 10000

struct call {
	GString *out;
	lab_reply_fn fn;
	gpointer user;
};

struct waiter {
	struct call *call;
	struct sim_device *dev;
	enum sim_mode mode;
	guint timer;
};

static GList *waiters;

static void call_finish(struct call *c, const char *error)
{
	if (error)
		g_string_append_printf(c->out, "error: %s\n", error);
	else
		g_string_append(c->out, "ok\n");
	c->fn(c->out->str, c->user);
	g_string_free(c->out, TRUE);
	g_free(c);
}

static void reply_line(struct call *c, const char *line)
{
	g_string_append_printf(c->out, "%s\n", line);
}

static void reply_device(struct call *c, const struct sim_device *d)
{
	char *line = lab_device_describe(d);

	reply_line(c, line);
	g_free(line);
}

/* --- wait ---------------------------------------------------------------- */

static void waiter_done(struct waiter *w, const char *error)
{
	waiters = g_list_remove(waiters, w);
	if (w->timer)
		g_source_remove(w->timer);
	if (!error)
		reply_device(w->call, w->dev);
	call_finish(w->call, error);
	g_free(w);
}

static gboolean waiter_timeout(gpointer data)
{
	struct waiter *w = data;
	char *msg = g_strdup_printf("timeout: device %u is %s, not %s", w->dev->id,
	                            sim_mode_name(w->dev->mode), sim_mode_name(w->mode));

	w->timer = 0;
	waiter_done(w, msg);
	g_free(msg);
	return G_SOURCE_REMOVE;
}

static void on_mode_change(struct sim_device *d)
{
	GList *l = waiters;

	while (l) {
		struct waiter *w = l->data;

		l = l->next;
		if (w->dev == d && d->mode == w->mode)
			waiter_done(w, NULL);
	}
}

/* --- commands ------------------------------------------------------------ */

typedef const char *(*cmd_fn)(struct call *c, struct sim_device *d, char **args);

static const char *cmd_list(struct call *c, struct sim_device *d, char **args)
{
	(void)d;
	(void)args;
	for (unsigned i = 0; i < lab_device_count(); i++)
		reply_device(c, lab_device(i));
	return NULL;
}

static const char *cmd_show(struct call *c, struct sim_device *d, char **args)
{
	char *text = lab_device_show(d);

	(void)args;
	reply_line(c, text);
	g_free(text);
	return NULL;
}

static const char *cmd_unplug(struct call *c, struct sim_device *d, char **args)
{
	(void)args;
	lab_device_unplug(d);
	reply_device(c, d);
	return NULL;
}

static const char *cmd_replug(struct call *c, struct sim_device *d, char **args)
{
	(void)args;
	lab_device_replug(d);
	reply_device(c, d);
	return NULL;
}

static const char *cmd_mode(struct call *c, struct sim_device *d, char **args)
{
	enum sim_mode m;

	(void)c;
	if (!sim_mode_parse(args[0], &m))
		return "unknown mode";
	lab_request_mode(d, m);
	return NULL;
}

static const char *cmd_set_key(struct call *c, struct sim_device *d, const char *key,
                               const char *value)
{
	static char msg[256];
	GError *error = NULL;

	(void)c;
	if (lab_device_set(d, key, value, &error)) {
		lab_log(d, "ctl", "set %s=%s", key, value);
		return NULL;
	}
	g_strlcpy(msg, error->message, sizeof(msg));
	g_error_free(error);
	return msg;
}

static const char *cmd_fault(struct call *c, struct sim_device *d, char **args)
{
	return cmd_set_key(c, d, "fault", args[0]);
}

static const char *cmd_trust(struct call *c, struct sim_device *d, char **args)
{
	return cmd_set_key(c, d, "trust", args[0]);
}

static const char *cmd_set(struct call *c, struct sim_device *d, char **args)
{
	g_auto(GStrv) kv = g_strsplit(args[0], "=", 2);

	if (!kv[0] || !kv[1])
		return "expected KEY=VALUE";
	return cmd_set_key(c, d, kv[0], kv[1]);
}

static const char *cmd_mux(struct call *c, struct sim_device *d, char **args)
{
	(void)c;
	(void)d;
	if (strcmp(args[0], "on") && strcmp(args[0], "off"))
		return "expected on or off";
	muxsim_set_available(!strcmp(args[0], "on"));
	lab_log(NULL, "ctl", "usbmuxd socket %s", args[0]);
	return NULL;
}

static const char *cmd_wait(struct call *c, struct sim_device *d, char **args)
{
	struct waiter *w;
	guint64 ms = WAIT_DEFAULT_MS;
	enum sim_mode m;

	if (!sim_mode_parse(args[0], &m))
		return "unknown mode";
	if (args[1] && !g_ascii_string_to_unsigned(args[1], 10, 0, 3600000, &ms, NULL))
		return "bad timeout";
	if (d->mode == m) {
		reply_device(c, d);
		return NULL;
	}
	w = g_new0(struct waiter, 1);
	w->call = c;
	w->dev = d;
	w->mode = m;
	w->timer = g_timeout_add(ms, waiter_timeout, w);
	waiters = g_list_append(waiters, w);
	return ""; /* pending: waiter_done() answers */
}

static const struct {
	const char *name;
	const char *usage;
	int nargs; /* after ID; -1: no ID */
	int optargs;
	cmd_fn fn;
} commands[] = {
	{"list", "list", -1, 0, cmd_list},
	{"show", "show ID", 0, 0, cmd_show},
	{"unplug", "unplug ID", 0, 0, cmd_unplug},
	{"replug", "replug ID", 0, 0, cmd_replug},
	{"mode", "mode ID MODE", 1, 0, cmd_mode},
	{"fault", "fault ID NAME[,NAME]|none", 1, 0, cmd_fault},
	{"trust", "trust ID STATE", 1, 0, cmd_trust},
	{"set", "set ID KEY=VALUE", 1, 0, cmd_set},
	{"mux", "mux on|off", -1, 1, cmd_mux},
	{"wait", "wait ID MODE [TIMEOUT_MS]", 1, 1, cmd_wait},
};

/* Commands whose argument is the rest of the line, spaces and quotes kept. */
static const char *const raw_commands[] = {"plug", "log-mark"};

static bool is_raw(const char *text, size_t name_len)
{
	for (size_t i = 0; i < G_N_ELEMENTS(raw_commands); i++)
		if (strlen(raw_commands[i]) == name_len &&
		    !strncmp(text, raw_commands[i], name_len))
			return true;
	return false;
}

void lab_control_list(FILE *out)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(out, "ctl %s\n", commands[i].name);
	for (size_t i = 0; i < G_N_ELEMENTS(raw_commands); i++)
		fprintf(out, "ctl %s\n", raw_commands[i]);
}

static const char *run_raw(struct call *c, const char *name, const char *rest)
{
	static char msg[512];
	GError *error = NULL;
	struct sim_device *d;

	if (!strcmp(name, "log-mark")) {
		lab_log(NULL, "mark", "%s", rest);
		return NULL;
	}
	/* plug SPEC */
	d = lab_device_add(rest, &error);
	if (!d) {
		g_strlcpy(msg, error->message, sizeof(msg));
		g_error_free(error);
		return msg;
	}
	lab_device_plug(d);
	reply_device(c, d);
	return NULL;
}

static const char *dispatch(struct call *c, char **argv)
{
	static char msg[128];
	unsigned argc = g_strv_length(argv);
	struct sim_device *d = NULL;

	for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++) {
		int first = commands[i].nargs < 0 ? 1 : 2;
		int want = commands[i].nargs < 0 ? 0 : commands[i].nargs;
		int extra = (int)argc - first - want;

		if (strcmp(argv[0], commands[i].name))
			continue;
		if (extra < 0 || extra > commands[i].optargs) {
			g_snprintf(msg, sizeof(msg), "usage: %s", commands[i].usage);
			return msg;
		}
		if (commands[i].nargs >= 0 && !(d = lab_device_find(argv[1]))) {
			g_snprintf(msg, sizeof(msg), "no device '%s'", argv[1]);
			return msg;
		}
		return commands[i].fn(c, d, argv + first);
	}
	g_snprintf(msg, sizeof(msg), "unknown command '%s'", argv[0]);
	return msg;
}

void lab_command_run(const char *line, lab_reply_fn fn, gpointer user)
{
	struct call *c = g_new0(struct call, 1);
	g_autofree char *text = g_strstrip(g_strdup(line));
	g_auto(GStrv) argv = NULL;
	const char *rest, *error;
	size_t name_len;

	c->out = g_string_new(NULL);
	c->fn = fn;
	c->user = user;
	if (!*text) {
		call_finish(c, "empty command");
		return;
	}
	lab_log(NULL, "ctl", "%s", text);
	name_len = strcspn(text, " \t");
	rest = text + name_len + strspn(text + name_len, " \t");
	if (is_raw(text, name_len)) {
		text[name_len] = '\0';
		error = run_raw(c, text, rest);
	} else {
		argv = g_strsplit_set(text, " \t", -1);
		/* drop empty fields from repeated blanks */
		unsigned j = 0;
		for (unsigned i = 0; argv[i]; i++) {
			if (*argv[i])
				argv[j++] = argv[i];
			else
				g_free(argv[i]);
		}
		argv[j] = NULL;
		error = dispatch(c, argv);
	}
	if (!error || *error)
		call_finish(c, error);
}

/* --- the control socket -------------------------------------------------- */

struct conn {
	GSocketConnection *sock;
	GDataInputStream *in;
};

static GSocketService *service;

static void conn_read_next(struct conn *cc);

static void conn_free(struct conn *cc)
{
	g_io_stream_close(G_IO_STREAM(cc->sock), NULL, NULL);
	g_object_unref(cc->in);
	g_object_unref(cc->sock);
	g_free(cc);
}

static void conn_reply(const char *reply, gpointer user)
{
	struct conn *cc = user;
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(cc->sock));

	/* replies are short; a client that went away just loses its answer */
	if (!g_output_stream_write_all(out, reply, strlen(reply), NULL, NULL, NULL)) {
		conn_free(cc);
		return;
	}
	conn_read_next(cc);
}

static void conn_on_line(GObject *src, GAsyncResult *res, gpointer user)
{
	struct conn *cc = user;
	char *line =
	        g_data_input_stream_read_line_finish(G_DATA_INPUT_STREAM(src), res, NULL, NULL);

	if (!line) {
		conn_free(cc);
		return;
	}
	lab_command_run(line, conn_reply, cc);
	g_free(line);
}

static void conn_read_next(struct conn *cc)
{
	g_data_input_stream_read_line_async(cc->in, G_PRIORITY_DEFAULT, NULL, conn_on_line, cc);
}

static gboolean on_incoming(GSocketService *svc, GSocketConnection *sock, GObject *src,
                            gpointer user)
{
	struct conn *cc = g_new0(struct conn, 1);

	(void)svc;
	(void)src;
	(void)user;
	cc->sock = g_object_ref(sock);
	cc->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(sock)));
	conn_read_next(cc);
	return TRUE;
}

bool lab_control_start(const char *socket_path, GError **error)
{
	GSocketAddress *addr = g_unix_socket_address_new(socket_path);
	bool ok;

	service = g_socket_service_new();
	ok = g_socket_listener_add_address(G_SOCKET_LISTENER(service), addr, G_SOCKET_TYPE_STREAM,
	                                   G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, error);
	g_object_unref(addr);
	if (!ok) {
		g_clear_object(&service);
		return false;
	}
	g_signal_connect(service, "incoming", G_CALLBACK(on_incoming), NULL);
	g_socket_service_start(service);
	lab_set_mode_hook(on_mode_change);
	return true;
}

void lab_control_stop(void)
{
	while (waiters)
		waiter_done(waiters->data, "lab shutting down");
	if (service) {
		g_socket_service_stop(service);
		g_socket_listener_close(G_SOCKET_LISTENER(service));
		g_clear_object(&service);
	}
}

/* --- the client (`irecsim ctl`) ------------------------------------------ */

/* Print reply lines until the status line; plain POSIX, no main loop. */
static int print_reply(FILE *in)
{
	char buf[4096];

	while (fgets(buf, sizeof(buf), in)) {
		if (!strcmp(buf, "ok\n"))
			return 0;
		if (g_str_has_prefix(buf, "error:")) {
			fprintf(stderr, "irecsim ctl: %s", buf);
			return 1;
		}
		fputs(buf, stdout);
	}
	fprintf(stderr, "irecsim ctl: the lab closed the connection without an answer\n");
	return 1;
}

int lab_ctl_request(const char *socket_path, const char *line)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	FILE *in;
	int fd, rc;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "irecsim ctl: socket path too long: %s\n", socket_path);
		return 1;
	}
	g_strlcpy(sa.sun_path, socket_path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "irecsim ctl: cannot connect to %s: %s\n", socket_path,
		        g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		fprintf(stderr, "irecsim ctl: write: %s\n", g_strerror(errno));
		close(fd);
		return 1;
	}
	/* one request per connection: the lab closes after answering */
	shutdown(fd, SHUT_WR);
	in = fdopen(fd, "r");
	rc = print_reply(in);
	fclose(in);
	return rc;
}
