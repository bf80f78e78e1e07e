/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * restore --all: each device is restored by its own irecctl child process
 * (the single-device path, with the consent already given here), at most
 * --jobs at once. Children report as NDJSON on their stdout; the parent
 * passes those on (--json) or prints one line per device.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "irecctl/devid.h"
#include "irecctl/log.h"
#include "irecctl/restore-cmd.h"

extern char **environ;

struct child {
	pid_t pid;
	int fd;
	char buf[8192];
	size_t len;
	bool done;
};

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	got_term = sig;
}

static const char *kind_flag(enum rkind k)
{
	return k == RKIND_ERASE               ? "--erase"
	       : k == RKIND_UPDATE_THEN_ERASE ? "--erase-if-update-fails"
	                                      : "--update";
}

void restore_child_argv(const struct rjob_spec *s, const char *ecid, const char *cache,
                        char timeout[32], const char *argv[RESTORE_CHILD_ARGV_MAX])
{
	size_t n = 0;

	/* Full precision: --timeout 0.4 stays 0.4 s for the child. */
	snprintf(timeout, 32, "%.17g", s->timeout_s);
	const char *fixed[] = {
	        "/proc/self/exe",   "restore",  "-d",        ecid,           "--ipsw",  s->ipsw,
	        kind_flag(s->kind), "--json",   "--engine",  s->engine.path, "--cache", cache,
	        "--log-dir",        s->log_dir, "--timeout", timeout};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		argv[n++] = fixed[i];
	if (s->kind != RKIND_UPDATE) {
		argv[n++] = "--yes";
		argv[n++] = "--confirm-ecid";
		argv[n++] = ecid;
		argv[n++] = "--consent-all"; /* the parent's --yes --all, for the audit */
	}
	argv[n] = NULL;
}

static int spawn_child(const struct rjob_spec *s, const struct rtarget *t, struct child *c)
{
	char ecid[19], cache[PATH_MAX + 32], timeout[32];
	const char *argv[RESTORE_CHILD_ARGV_MAX];
	int p[2];
	posix_spawn_file_actions_t fa;

	devid_format_ecid(t->dev.ecid, ecid);
	snprintf(cache, sizeof(cache), "%s/%s", s->cache, ecid);
	/* Engines running at once must not share extracted files. */
	if (mkdir(cache, 0700) < 0 && errno != EEXIST) {
		log_error("%s: cannot create %s: %s", ecid, cache, strerror(errno));
		return -errno;
	}
	restore_child_argv(s, ecid, cache, timeout, argv);
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* Consent was given here: a child never reads the terminal. It stays
	 * in the foreground process group, so Ctrl-C reaches it directly. */
	int r = posix_spawn_file_actions_init(&fa);
	if (r) {
		close(p[0]);
		close(p[1]);
		return -r;
	}
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	if (!r)
		r = posix_spawn(&c->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r) {
		close(p[0]);
		return -r;
	}
	c->fd = p[0];
	return 0;
}

static void human(const char *line)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *ev = json_string_value(json_object_get(o, "event"));
	const char *ecid = json_string_value(json_object_get(o, "ecid"));

	if (ev && ecid && !strcmp(ev, "phase"))
		log_note("%s: %s", ecid, json_string_value(json_object_get(o, "phase")));
	else if (ev && ecid && !strcmp(ev, "result") &&
	         json_integer_value(json_object_get(o, "exit_code")) == 0)
		printf("%s  %s\n", ecid, json_string_value(json_object_get(o, "message")));
	json_decref(o);
}

/* Whole lines only, so children's events never interleave. */
static void pump(struct child *c, bool json)
{
	ssize_t n = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	char *nl;

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		c->done = true;
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	while ((nl = memchr(c->buf, '\n', c->len))) {
		*nl = '\0';
		if (json)
			printf("%s\n", c->buf);
		else
			human(c->buf);
		fflush(stdout);
		c->len -= (size_t)(nl + 1 - c->buf);
		memmove(c->buf, nl + 1, c->len);
	}
	if (c->len == sizeof(c->buf) - 1)
		c->len = 0; /* a line that long is no event */
}

static int reap(struct child *c)
{
	int ws = 0;

	close(c->fd);
	while (waitpid(c->pid, &ws, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static void forward_term(struct child *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].pid > 0 && !v[i].done)
			kill(v[i].pid, (int)got_term);
	got_term = 0;
}

int restore_fleet(const struct ctx *ctx, const struct rjob_spec *s, struct rtarget *v, size_t n)
{
	struct child *c = calloc(n, sizeof(*c));
	struct pollfd *pfd = calloc(n, sizeof(*pfd));
	size_t next = 0, running = 0;
	int status = IREC_OK;
	struct sigaction sa = {.sa_handler = on_term}, old_int, old_term;

	if (!c || !pfd) {
		free(c);
		free(pfd);
		return IREC_EFAIL;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int); /* the children act on Ctrl-C themselves */
	sigaction(SIGTERM, &sa, &old_term);
	unsigned jobs = s->engine.crashes_with_two_devices ? 1 : s->jobs;
	if (jobs != s->jobs)
		log_note(
		        "one device at a time: the engine %s cannot handle two in recovery at once",
		        s->engine.version);
	while (next < n || running) {
		while (next < n && running < jobs) {
			if (spawn_child(s, &v[next], &c[next]) < 0) {
				c[next].done = true;
				status = irec_status_combine(status, IREC_EFAIL);
			} else {
				running++;
			}
			next++;
		}
		size_t np = 0;
		for (size_t i = 0; i < next; i++)
			if (!c[i].done)
				pfd[np++] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
		if (poll(pfd, np, -1) < 0 && errno != EINTR)
			break;
		if (got_term == SIGTERM)
			forward_term(c, next);
		got_term = 0;
		for (size_t i = 0; i < next; i++) {
			for (size_t k = 0; k < np && !c[i].done; k++)
				if (pfd[k].fd == c[i].fd && pfd[k].revents)
					pump(&c[i], ctx->json);
			if (c[i].done && c[i].pid > 0) {
				status = irec_status_combine(status, reap(&c[i]));
				c[i].pid = 0;
				running--;
			}
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(c);
	free(pfd);
	return status;
}
