/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * irecsim: a lab of simulated Apple devices for tests.
 *
 *   irecsim run [--device SPEC]... [--demo] [--scenario FILE] [--log FILE]
 *               [--verbose] [-- COMMAND [ARGS]]
 *   irecsim ctl COMMAND [ARGS]
 *
 * `run` hosts recovery/DFU devices on a umockdev testbed and normal-mode
 * devices behind a private usbmuxd socket, runs COMMAND with the
 * environment pointing there, and exits with COMMAND's status.
 * See sim/README.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <glib-unix.h>
#include <usbmuxd.h>

#include "lab-core.h"

#define EXIT_LAB 2 /* the lab could not start or refused to */

static const char *const demo_specs[] = {
	"iPhone16,1:normal:trust=paired:ios=17.5", /* iPhone 15 Pro */
	"iPhone10,1:recovery",                     /* iPhone 8 */
	"iPad8,1:dfu",                             /* iPad Pro 11-inch, no Home button */
	"iPhone12,1:normal:trust=unpaired",        /* iPhone 11 */
	"iPhone9,1:normal:ios=12.5.7",             /* iPhone 7 */
};

struct run_opts {
	GPtrArray *specs;
	GPtrArray *scenarios;
	const char *log_path;
	const char *mux_address; /* test hook: a deliberately wrong address */
	bool demo;
	bool verbose;
	bool default_socket; /* usbmuxd at /var/run/usbmuxd, private mount namespace */
	bool lifecycle;      /* usbmuxd runs only while a normal-mode device is there */
	char **command; /* NULL: interactive, run until a signal */
};

static GMainLoop *loop;
static GPid child_pid;
static bool child_running;
static int exit_status;

static void usage(FILE *to)
{
	fprintf(to, "usage: irecsim run [--device SPEC]... [--demo] [--scenario FILE] "
	            "[--log FILE] [--verbose] [--default-socket] [--mux-lifecycle] [--mux-listen-delay MS] "
	            "[--mux-preflight] [--realistic] [--time-scale F] "
	            "[-- COMMAND [ARGS]]\n"
	            "       irecsim ctl COMMAND [ARGS]   (inside a lab: $IRECSIM_CONTROL)\n"
	            "SPEC: PRODUCT_OR_BOARD[:MODE][:key=value...], e.g. "
	            "iPhone10,3:normal:ecid=0x1a2b:trust=paired:ios=17.5\n"
	            "See sim/README.md.\n");
}

static bool parse_run_args(int argc, char **argv, struct run_opts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;

		if (!strcmp(a, "--")) {
			o->command = i + 1 < argc ? argv + i + 1 : NULL;
			return true;
		} else if ((!strcmp(a, "--device") || !strcmp(a, "-d")) && has_value) {
			g_ptr_array_add(o->specs, argv[++i]);
		} else if (!strcmp(a, "--scenario") && has_value) {
			g_ptr_array_add(o->scenarios, argv[++i]);
		} else if (!strcmp(a, "--log") && has_value) {
			o->log_path = argv[++i];
		} else if (!strcmp(a, "--unsafe-mux-address") && has_value) {
			o->mux_address = argv[++i];
		} else if (!strcmp(a, "--demo")) {
			o->demo = true;
		} else if (!strcmp(a, "--default-socket")) {
			o->default_socket = true;
		} else if (!strcmp(a, "--mux-lifecycle")) {
			o->lifecycle = true;
		} else if (!strcmp(a, "--mux-preflight")) {
			muxsim_set_preflight(true);
		} else if (!strcmp(a, "--realistic")) {
			lab_set_realistic(true);
		} else if (!strcmp(a, "--time-scale") && has_value) {
			lab_set_time_scale(g_ascii_strtod(argv[++i], NULL));
		} else if (!strcmp(a, "--mux-listen-delay") && has_value) {
			muxsim_set_listen_delay((unsigned)strtoul(argv[++i], NULL, 10));
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			o->verbose = true;
		} else if (a[0] != '-') {
			/* COMMAND without "--" */
			o->command = argv + i;
			return true;
		} else {
			fprintf(stderr, "irecsim: unknown or incomplete option '%s'\n", a);
			return false;
		}
	}
	return true;
}

/* The testbed only works from a process under the umockdev preload (the
 * uevent sender needs the mocked /sys): re-exec through umockdev-wrapper. */
static void ensure_preload(int argc, char **argv)
{
	const char *preload = g_getenv("LD_PRELOAD");
	g_autofree char *self = NULL;
	char **args;

	if (preload && strstr(preload, "libumockdev-preload")) {
		g_unsetenv("IRECSIM_REEXEC");
		return;
	}
	if (g_getenv("IRECSIM_REEXEC")) {
		fprintf(stderr, "irecsim: umockdev-wrapper did not set LD_PRELOAD\n");
		exit(EXIT_LAB);
	}
	g_setenv("IRECSIM_REEXEC", "1", TRUE);
	self = g_file_read_link("/proc/self/exe", NULL);
	args = g_new0(char *, argc + 2);
	args[0] = "umockdev-wrapper";
	args[1] = self ? self : argv[0];
	for (int i = 1; i < argc; i++)
		args[i + 1] = argv[i];
	execvp(args[0], args);
	fprintf(stderr, "irecsim: cannot run umockdev-wrapper: %s\n", g_strerror(errno));
	exit(EXIT_LAB);
}

static bool add_devices(struct run_opts *o, GError **error)
{
	if (o->demo)
		for (unsigned i = 0; i < G_N_ELEMENTS(demo_specs); i++)
			if (!lab_device_add(demo_specs[i], error))
				return false;
	for (unsigned i = 0; i < o->specs->len; i++)
		if (!lab_device_add(g_ptr_array_index(o->specs, i), error))
			return false;
	for (unsigned i = 0; i < o->scenarios->len; i++)
		if (!lab_scenario_load(g_ptr_array_index(o->scenarios, i), error))
			return false;
	return true;
}

/* --- proving that USBMUXD_SOCKET_ADDRESS reaches the lab ------------------ */

static gint probe_done;

static gpointer probe_thread(gpointer data)
{
	usbmuxd_device_info_t *list = NULL;

	(void)data;
	/* libusbmuxd reads USBMUXD_SOCKET_ADDRESS exactly as the child will */
	if (usbmuxd_get_device_list(&list) >= 0)
		usbmuxd_device_list_free(&list);
	g_atomic_int_set(&probe_done, 1);
	g_main_context_wakeup(NULL);
	return NULL;
}

static gboolean probe_timeout(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

/* A ListDevices round-trip through the real libusbmuxd must show up in the
 * lab's own usbmuxd log. A malformed address makes libusbmuxd fall back to
 * /var/run/usbmuxd silently: then nothing shows up and we refuse to run,
 * rather than let tests talk to real phones. */
static bool mux_address_in_effect(void)
{
	unsigned before = lab_log_count("mux");
	bool timed_out = false;
	guint timer = g_timeout_add(5000, probe_timeout, &timed_out);
	GThread *t = g_thread_new("mux-probe", probe_thread, NULL);

	while (!g_atomic_int_get(&probe_done) && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (timed_out)
		return false; /* the thread stays blocked; we exit anyway */
	g_source_remove(timer);
	g_thread_join(t);
	/* let the lab's side of the connection finish logging */
	while (g_main_context_iteration(NULL, FALSE))
		;
	return lab_log_count("mux") > before;
}

/* --- the child ----------------------------------------------------------- */

static void child_setup(gpointer data)
{
	(void)data;
	/* If the lab dies (even SIGKILL from a test timeout), so does COMMAND:
	 * no orphan left polling a vanished testbed. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	signal(SIGPIPE, SIG_DFL);
}

static void on_child_exit(GPid pid, gint status, gpointer data)
{
	(void)data;
	g_spawn_close_pid(pid);
	child_running = false;
	if (WIFEXITED(status))
		exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		exit_status = 128 + WTERMSIG(status);
	else
		exit_status = 1;
	lab_log(NULL, "core", "command exited with status %d", exit_status);
	g_main_loop_quit(loop);
}

static bool spawn_command(char **command, char **envp, GError **error)
{
	GSpawnFlags flags = G_SPAWN_SEARCH_PATH_FROM_ENVP | G_SPAWN_DO_NOT_REAP_CHILD |
	                    G_SPAWN_CHILD_INHERITS_STDIN;

	if (!g_spawn_async(NULL, command, envp, flags, child_setup, NULL, &child_pid, error))
		return false;
	child_running = true;
	g_child_watch_add(child_pid, on_child_exit, NULL);
	return true;
}

/* First SIGINT/SIGTERM goes to COMMAND (its exit status then ends the lab);
 * a second one, or one without COMMAND, ends the lab at once. */
static gboolean on_signal(gpointer data)
{
	static int count;
	int sig = GPOINTER_TO_INT(data);

	if (child_running && count++ == 0) {
		kill(child_pid, sig);
		return G_SOURCE_CONTINUE;
	}
	if (child_running)
		kill(child_pid, SIGKILL);
	exit_status = child_running ? 128 + sig : 0;
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

static char **child_environment(const char *orig_tmpdir)
{
	char **envp = g_get_environ();

	/* the testbed needed a short TMPDIR; COMMAND gets the caller's back */
	if (orig_tmpdir)
		envp = g_environ_setenv(envp, "TMPDIR", orig_tmpdir, TRUE);
	else
		envp = g_environ_unsetenv(envp, "TMPDIR");
	return envp;
}

static void print_environment(void)
{
	printf("export UMOCKDEV_DIR='%s'\n", g_getenv("UMOCKDEV_DIR"));
	printf("export LD_PRELOAD='%s'\n", g_getenv("LD_PRELOAD"));
	printf("export USBMUXD_SOCKET_ADDRESS='%s'\n", g_getenv("USBMUXD_SOCKET_ADDRESS"));
	printf("export IRECSIM_CONTROL='%s'\n", g_getenv("IRECSIM_CONTROL"));
	/* Scripts wait for the line to start with "# lab running". */
	printf("# lab running: %u simulated devices, no real hardware; ^C to stop\n",
	       lab_device_count());
	fflush(stdout);
}

/* --- run ----------------------------------------------------------------- */

/* --default-socket: nothing but our own usbmuxd can be at the default
 * path of our private /run; with a device attached, prove it answers. */
static bool default_socket_safe(GError **error)
{
	g_unsetenv("USBMUXD_SOCKET_ADDRESS");
	if (access(LAB_DEFAULT_MUX, F_OK) != 0 || mux_address_in_effect())
		return true;
	g_set_error(error, LAB_ERROR, 0, "%s does not reach the lab's usbmuxd; refusing to run",
	            LAB_DEFAULT_MUX);
	return false;
}

static bool start_lab(struct run_opts *o, const char *dir, GError **error)
{
	g_autofree char *own = g_build_filename(dir, "mux", NULL);
	const char *mux = o->default_socket ? LAB_DEFAULT_MUX : own;
	g_autofree char *ctl = g_build_filename(dir, "ctl", NULL);
	g_autofree char *addr = g_strconcat("UNIX:", mux, NULL);

	if (!lab_log_open(o->log_path, o->verbose, error) || !add_devices(o, error))
		return false;
	if (!usbsim_init(error))
		return false;
	lab_dir_adopt(g_getenv("UMOCKDEV_DIR"));
	if (!labtls_init(error) || !muxsim_init(mux, o->lifecycle, error) ||
	    !lab_control_start(ctl, error))
		return false;
	for (unsigned i = 0; i < lab_device_count(); i++)
		lab_device_plug(lab_device(i));
	g_setenv("IRECSIM_CONTROL", ctl, TRUE);
	if (o->default_socket)
		return default_socket_safe(error);
	g_setenv("USBMUXD_SOCKET_ADDRESS", o->mux_address ? o->mux_address : addr, TRUE);
	if (!mux_address_in_effect()) {
		g_set_error(error, LAB_ERROR, 0,
		            "USBMUXD_SOCKET_ADDRESS=%s does not reach the lab's usbmuxd; "
		            "refusing to run (a real usbmuxd could answer instead)",
		            g_getenv("USBMUXD_SOCKET_ADDRESS"));
		return false;
	}
	return true;
}

static void stop_lab(void)
{
	lab_control_stop();
	muxsim_shutdown();
	labtls_shutdown();
	usbsim_shutdown();
	lab_devices_free();
	lab_log_close();
}

static bool wants_default_socket(int argc, char **argv)
{
	for (int i = 2; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--default-socket"))
			return true;
	return false;
}

static int run_main(int argc, char **argv)
{
	struct run_opts o = {.specs = g_ptr_array_new(), .scenarios = g_ptr_array_new()};
	g_autofree char *orig_tmpdir = g_strdup(g_getenv("TMPDIR"));
	g_autofree char *dir = NULL;
	g_auto(GStrv) envp = NULL;
	GError *error = NULL;

	/* Before the re-exec under the preload, while no thread exists; the
	 * namespace is inherited from then on. */
	if (wants_default_socket(argc, argv) && !g_getenv("IRECSIM_NS")) {
		if (!lab_ns_private_run(&error)) {
			fprintf(stderr, "irecsim: %s\n", error->message);
			return EXIT_LAB;
		}
		g_setenv("IRECSIM_NS", "1", TRUE);
	}
	ensure_preload(argc, argv);
	o.log_path = g_getenv("IRECSIM_LOG");
	if (!parse_run_args(argc, argv, &o)) {
		usage(stderr);
		return EXIT_LAB;
	}
	signal(SIGPIPE, SIG_IGN);
	lab_dir_clean_stale();
	dir = lab_dir_create(&error);
	/* umockdev puts its testbed under $TMPDIR; ours is short enough for
	 * the 108-byte sun_path of $UMOCKDEV_DIR/ioctl//dev/bus/usb/BBB/DDD,
	 * and removing it removes the testbed too. */
	if (dir)
		g_setenv("TMPDIR", dir, TRUE);
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, on_signal, GINT_TO_POINTER(SIGINT));
	g_unix_signal_add(SIGTERM, on_signal, GINT_TO_POINTER(SIGTERM));
	g_unix_signal_add(SIGHUP, on_signal, GINT_TO_POINTER(SIGHUP));
	if (dir && start_lab(&o, dir, &error)) {
		envp = child_environment(orig_tmpdir);
		lab_scenario_start();
		if (!o.command)
			print_environment();
		if (!o.command || spawn_command(o.command, envp, &error))
			g_main_loop_run(loop);
		else
			exit_status = 127;
	} else {
		exit_status = EXIT_LAB;
	}
	if (error)
		fprintf(stderr, "irecsim: %s\n", error->message);
	g_clear_error(&error);
	stop_lab();
	lab_dir_remove_all();
	return exit_status;
}

/* --- ctl: a client for the control socket -------------------------------- */

static int ctl_main(int argc, char **argv)
{
	const char *path = g_getenv("IRECSIM_CONTROL");
	g_autofree char *args = NULL;
	g_autofree char *line = NULL;

	if (argc < 3) {
		usage(stderr);
		return 1;
	}
	if (!path || !*path) {
		fprintf(stderr,
		        "irecsim ctl: IRECSIM_CONTROL is not set (run inside irecsim run)\n");
		return 1;
	}
	args = g_strjoinv(" ", argv + 2);
	line = g_strconcat(args, "\n", NULL);
	return lab_ctl_request(path, line);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return run_main(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return ctl_main(argc, argv);
	/* Not in the usage: a listing for the doc-names test (and scripts). */
	if (argc == 2 && !strcmp(argv[1], "--list-keys")) {
		lab_spec_list(stdout);
		lab_control_list(stdout);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return EXIT_LAB;
}
