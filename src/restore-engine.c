/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The restore engine as a child process: found, probed, spawned by argument vector. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "irecctl/exitcode.h"
#include "irecctl/restore.h"

#define PROBE_TIMEOUT_MS 10000
#define ENGINE_NAME      "idevicerestore"

extern char **environ;

/* libirecovery 1.0.0 frees the device list while it iterates (fixed in 1.0.1). */
static bool irecovery_has_list_bug(void)
{
	unsigned a = 0, b = 0, c = 0;

	sscanf(IRECCTL_LIBIRECOVERY_VERSION, "%u.%u.%u", &a, &b, &c);
	return a < 1 || (a == 1 && b == 0 && c < 1);
}

bool restore_abspath(const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return (size_t)snprintf(out, len, "%s", path) < len;
	if (!getcwd(cwd, sizeof(cwd)))
		return false;
	return (size_t)snprintf(out, len, "%s/%s", cwd, path) < len;
}

/* The engine runs in a private working directory: its path is absolute. */
static bool find_in_path(const char *name, char *out, size_t len)
{
	char rel[PATH_MAX];

	const char *path = getenv("PATH");
	char dir[3072];

	if (strchr(name, '/'))
		return restore_abspath(name, out, len) && access(out, X_OK) == 0;
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)n, p);
		snprintf(rel, sizeof(rel), "%s/%s", dir[0] ? dir : ".", name);
		if (access(rel, X_OK) == 0)
			return restore_abspath(rel, out, len);
		p += n + (p[n] == ':');
	}
	return false;
}

bool engine_parse_version(const char *text, struct engine *e)
{
	const char *v = strstr(text, ENGINE_NAME " ");
	unsigned a = 0, b = 0, c = 0;
	size_t n;

	if (!v)
		return false;
	v += strlen(ENGINE_NAME " ");
	n = strcspn(v, " \r\n");
	if (n == 0 || n >= sizeof(e->version) || sscanf(v, "%u.%u.%u", &a, &b, &c) < 2)
		return false;
	snprintf(e->version, sizeof(e->version), "%.*s", (int)n, v);
	if (a < 1)
		return false; /* before 1.0.0: no plain progress, no cache option */
	e->gen = !strcmp(e->version, "1.0.0") ? ENGINE_1_0_0 : ENGINE_GIT;
	/* 1.0.0 is what Debian 12 builds against its libirecovery 1.0.0. */
	e->crashes_with_two_devices = e->gen == ENGINE_1_0_0 || irecovery_has_list_bug();
	return true;
}

/* Read what fd gives until EOF or the deadline. */
static void read_bounded(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t got = 0;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	while (got + 1 < len && poll(&pfd, 1, timeout_ms) > 0) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
}

int engine_probe(const char *path, struct engine *e, char *err, size_t errlen)
{
	const char *argv[] = {NULL, "-v", NULL};
	struct engine_proc p;
	char out[512];
	int st = 0;

	memset(e, 0, sizeof(*e));
	if (!find_in_path(path ? path : ENGINE_NAME, e->path, sizeof(e->path))) {
		snprintf(err, errlen,
		         "the restore engine %s is not installed (Debian: apt install "
		         "idevicerestore)",
		         path ? path : ENGINE_NAME);
		return IREC_ENOENGINE;
	}
	if (!find_in_path("stdbuf", e->stdbuf, sizeof(e->stdbuf)))
		e->stdbuf[0] = '\0';
	argv[0] = e->path;
	if (engine_spawn(argv, NULL, &p) < 0) {
		snprintf(err, errlen, "cannot run %s: %s", e->path, strerror(errno));
		return IREC_ENOENGINE;
	}
	close(p.err_fd);
	read_bounded(p.out_fd, out, sizeof(out), PROBE_TIMEOUT_MS);
	close(p.out_fd);
	kill(-p.pid, SIGKILL); /* it has answered (or never will) */
	waitpid(p.pid, &st, 0);
	if (!engine_parse_version(out, e)) {
		snprintf(err, errlen, "%s -v did not report a usable version (1.0.0 or later)",
		         e->path);
		return IREC_ENOENGINE;
	}
	return IREC_OK;
}

void engine_argv(const struct engine *e, const struct engine_job *job, char *buf, size_t buflen,
                 const char *argv[ENGINE_ARGV_MAX])
{
	size_t n = 0;

	snprintf(buf, buflen, "0x%016llx", (unsigned long long)job->ecid);
	if (e->stdbuf[0]) {
		argv[n++] = e->stdbuf;
		argv[n++] = "-oL";
		argv[n++] = "-eL";
	}
	argv[n++] = e->path;
	argv[n++] = "-i";
	argv[n++] = buf;
	argv[n++] = "-y";
	argv[n++] = "-P";
	argv[n++] = "-C";
	argv[n++] = job->cache_dir;
	if (job->erase)
		argv[n++] = "-e";
	/* Later engines choose the identity exactly instead of falling back,
	 * and their signing library (libtatsu) says why a ticket was refused
	 * only with -d (the answer goes to the per-run log). */
	if (e->gen == ENGINE_GIT && job->variant && job->variant[0]) {
		argv[n++] = "--variant";
		argv[n++] = job->variant;
	}
	if (e->gen == ENGINE_GIT)
		argv[n++] = "-d";
	argv[n++] = job->ipsw;
	argv[n] = NULL;
}

void engine_format_argv(const char *const *argv, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; argv[i] && used < len; i++) {
		bool plain = argv[i][0] &&
		             strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
		                             "OPQRSTUVWXYZ0123456789-_./,:=+") == strlen(argv[i]);
		int w = snprintf(out + used, len - used, plain ? "%s%s" : "%s'%s'", i ? " " : "",
		                 argv[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Destroyed by the caller only once initialised (*inited). */
static int spawn_actions(posix_spawn_file_actions_t *fa, bool *inited, const int out[2],
                         const int errp[2], const char *workdir)
{
	int r = posix_spawn_file_actions_init(fa);

	*inited = !r;
	if (!r)
		r = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(fa, out[1], 1);
	if (!r)
		r = posix_spawn_file_actions_adddup2(fa, errp[1], 2);
	if (!r && workdir)
		r = posix_spawn_file_actions_addchdir_np(fa, workdir);
	return r;
}

static int spawn_attrs(posix_spawnattr_t *at, bool *inited)
{
	sigset_t none, deflt;
	int r = posix_spawnattr_init(at);

	*inited = !r;

	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGHUP);
	if (!r)
		r = posix_spawnattr_setflags(at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
		                                         POSIX_SPAWN_SETSIGDEF);
	if (!r)
		r = posix_spawnattr_setpgroup(at, 0);
	if (!r)
		r = posix_spawnattr_setsigmask(at, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(at, &deflt);
	return r;
}

int engine_spawn(const char *const *argv, const char *workdir, struct engine_proc *p)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, r;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	bool have_fa = false, have_at = false;

	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = errno;
		goto fail;
	}
	r = spawn_actions(&fa, &have_fa, out, errp, workdir);
	if (!r)
		r = spawn_attrs(&at, &have_at);
	if (!r)
		r = posix_spawn(&p->pid, argv[0], &fa, &at, (char *const *)argv, environ);
	if (have_fa)
		posix_spawn_file_actions_destroy(&fa);
	if (have_at)
		posix_spawnattr_destroy(&at);
	if (r)
		goto fail;
	close(out[1]);
	close(errp[1]);
	p->out_fd = out[0];
	p->err_fd = errp[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	errno = r;
	return -r;
}
