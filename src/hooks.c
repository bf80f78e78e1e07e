/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Event hooks: one lane (queue + thread) per device; see hooks.h.
 *
 * A lane's thread exists only while the lane has work: submit starts it,
 * it exits when the queue is empty. Threads start with every signal
 * blocked, so SIGINT/SIGTERM reach the main thread's event loop and a
 * write to a hook that closed its stdin fails with EPIPE instead of
 * killing irecctl with SIGPIPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "irecctl/contract.h"
#include "irecctl/duration.h"
#include "irecctl/hooks.h"
#include "irecctl/log.h"

extern char **environ;

/* After the timeout SIGTERM; SIGKILL if the hook is still there this much later. */
#define KILL_GRACE_MS 2000

const struct hook_env_var hook_env_vars[] = {
        {"IRECCTL_EVENT", "event"},
        {"IRECCTL_ECID", "ecid"},
        {"IRECCTL_UDID", "udid"},
        {"IRECCTL_MODE", "mode"},
        {"IRECCTL_PREVIOUS_MODE", "previous_mode"},
        {"IRECCTL_MODEL", "product_type"},
        {"IRECCTL_MODEL_NAME", "name"},
        {"IRECCTL_LOCATION", "usb_location"},
        {NULL, NULL},
};

struct job {
	struct job *next;
	char *json;     /* stdin, one line */
	char **envp;    /* environ without IRECCTL_*, then ours */
	char what[128]; /* "0x000000000000002a add recovery", for messages */
};

struct lane {
	char name[72]; /* an ECID, a UDID or an attachment key */
	struct job *head, *tail;
	pthread_t thread;
	bool busy;       /* a thread runs this lane's queue */
	bool has_thread; /* thread was started and not joined yet */
	pid_t running;   /* the hook's pid (its process group), 0 if none */
	struct hooks *h;
};

struct hooks {
	char *const *argv;
	int timeout_ms;
	pthread_mutex_t mu;
	struct lane **lanes;
	size_t nlanes;
	bool terminating;
	unsigned failures;
};

/* --- jobs -------------------------------------------------------------------- */

static void job_free(struct job *j)
{
	if (!j)
		return;
	for (char **e = j->envp; e && *e; e++)
		free(*e);
	free(j->envp);
	free(j->json);
	free(j);
}

static char *env_entry(const char *name, json_t *value)
{
	const char *s = json_is_string(value) ? json_string_value(value) : "";
	char *out = NULL;

	return asprintf(&out, "%s=%s", name, s) < 0 ? NULL : out;
}

/* Is env entry "NAME=..." one of the variables the hook gets from us? */
static bool ours(const char *entry)
{
	for (const struct hook_env_var *v = hook_env_vars; v->name; v++) {
		size_t n = strlen(v->name);
		if (!strncmp(entry, v->name, n) && entry[n] == '=')
			return true;
	}
	return false;
}

/* environ minus the variables we set (a watch run from a hook), plus the event's values. */
static char **build_env(json_t *record)
{
	size_t n = 0, k = 0, nvars = 0;
	char **envp;

	while (environ[n])
		n++;
	while (hook_env_vars[nvars].name)
		nvars++;
	envp = calloc(n + nvars + 1, sizeof(*envp));
	if (!envp)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!ours(environ[i]))
			if (!(envp[k++] = strdup(environ[i])))
				goto oom;
	for (size_t i = 0; i < nvars; i++)
		if (!(envp[k++] = env_entry(hook_env_vars[i].name,
		                            json_object_get(record, hook_env_vars[i].key))))
			goto oom;
	return envp;
oom:
	for (size_t i = 0; i < k; i++)
		free(envp[i]);
	free(envp);
	return NULL;
}

static void describe(json_t *record, char *buf, size_t len)
{
	json_t *ecid = json_object_get(record, "ecid");
	char raw[128];

	snprintf(raw, sizeof(raw), "%s %s %s", json_is_string(ecid) ? json_string_value(ecid) : "-",
	         json_string_value(json_object_get(record, "event")),
	         json_string_value(json_object_get(record, "mode")));
	log_sanitize(buf, len, raw);
}

static struct job *job_new(json_t *record)
{
	struct job *j = calloc(1, sizeof(*j));
	json_t *stamped = contract_stamp(record);

	if (!j || !stamped) {
		free(j);
		json_decref(stamped);
		return NULL;
	}
	/* Exactly the line watch --json prints. */
	j->json = json_dumps(stamped, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(stamped);
	j->envp = build_env(record);
	describe(record, j->what, sizeof(j->what));
	if (!j->json || !j->envp) {
		job_free(j);
		return NULL;
	}
	return j;
}

/* --- running one hook ------------------------------------------------------------ */

static int spawn(struct hooks *h, struct job *j, int stdin_fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int r;

	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, stdin_fd, STDIN_FILENO);
	/* The hook's output is diagnostics as far as watch's reader is concerned. */
	posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	posix_spawnattr_init(&attr);
	/* Its own process group: a timeout ends the hook and whatever it started,
	 * and a Ctrl-C at the terminal reaches watch, which then ends the hooks. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                        POSIX_SPAWN_SETSIGDEF);
	r = posix_spawnp(pid, h->argv[0], &fa, &attr, h->argv, j->envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* The event on the hook's stdin; a hook that does not read it is fine. */
static void feed(int fd, const char *json)
{
	size_t len = strlen(json), off = 0;

	while (off < len) {
		ssize_t w = write(fd, json + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		off += (size_t)w;
	}
	(void)!write(fd, "\n", 1);
}

/* Wait until pid exits or timeout_ms (< 0: forever) passes; true if it exited. */
static bool wait_exit(int pidfd, pid_t pid, int timeout_ms, int *status)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	if (pidfd >= 0) {
		int r;
		do
			r = poll(&p, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			return false;
	}
	/* No pidfd (old kernel): no timeout either, just wait. */
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return true;
	return true;
}

static void count_failure(struct hooks *h)
{
	pthread_mutex_lock(&h->mu);
	h->failures++;
	pthread_mutex_unlock(&h->mu);
}

static void report(struct hooks *h, const struct job *j, int status, bool timed_out)
{
	bool failed = timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	char secs[SECONDS_TEXT_MAX];

	if (timed_out)
		log_warn("hook for %s: still running after %s s: terminated", j->what,
		         seconds_text(h->timeout_ms / 1000.0, secs));
	else if (WIFSIGNALED(status))
		log_warn("hook for %s: killed by signal %d", j->what, WTERMSIG(status));
	else if (WEXITSTATUS(status) != 0)
		log_warn("hook for %s: exited with status %d", j->what, WEXITSTATUS(status));
	else
		log_info("hook for %s: done", j->what);
	if (failed)
		count_failure(h);
}

static void run_job(struct lane *l, struct job *j)
{
	struct hooks *h = l->h;
	int fds[2], status = 0, pidfd;
	pid_t pid;
	bool timed_out = false;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		log_warn("hook for %s: cannot create a pipe: %s", j->what, strerror(errno));
		count_failure(h);
		return;
	}
	int r = spawn(h, j, fds[0], &pid);
	close(fds[0]);
	if (r != 0) {
		close(fds[1]);
		log_warn("hook for %s: cannot run '%s': %s", j->what, h->argv[0], strerror(r));
		count_failure(h);
		return;
	}
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	pthread_mutex_lock(&h->mu);
	l->running = pid;
	if (h->terminating)
		kill(-pid, SIGTERM);
	pthread_mutex_unlock(&h->mu);
	feed(fds[1], j->json);
	close(fds[1]);
	if (!wait_exit(pidfd, pid, h->timeout_ms, &status)) {
		timed_out = true;
		kill(-pid, SIGTERM);
		if (!wait_exit(pidfd, pid, KILL_GRACE_MS, &status)) {
			kill(-pid, SIGKILL);
			wait_exit(pidfd, pid, -1, &status);
		}
	}
	pthread_mutex_lock(&h->mu);
	l->running = 0;
	pthread_mutex_unlock(&h->mu);
	if (pidfd >= 0)
		close(pidfd);
	report(h, j, status, timed_out);
}

/* --- lanes ------------------------------------------------------------------------ */

static void *lane_main(void *arg)
{
	struct lane *l = arg;
	struct hooks *h = l->h;

	pthread_mutex_lock(&h->mu);
	while (l->head && !h->terminating) {
		struct job *j = l->head;
		l->head = j->next;
		if (!l->head)
			l->tail = NULL;
		pthread_mutex_unlock(&h->mu);
		run_job(l, j);
		job_free(j);
		pthread_mutex_lock(&h->mu);
	}
	l->busy = false;
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static struct lane *lane_get(struct hooks *h, const char *name)
{
	struct lane **v, *l;

	for (size_t i = 0; i < h->nlanes; i++)
		if (!strcmp(h->lanes[i]->name, name))
			return h->lanes[i];
	v = realloc(h->lanes, (h->nlanes + 1) * sizeof(*v));
	if (!v)
		return NULL;
	h->lanes = v;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->h = h;
	h->lanes[h->nlanes++] = l;
	return l;
}

/* With h->mu held and l not busy: (re)start l's thread. */
static bool lane_start(struct lane *l)
{
	sigset_t all, old;
	int r;

	if (l->has_thread) {
		/* It said it was done (busy false) before returning: this is quick. */
		pthread_join(l->thread, NULL);
		l->has_thread = false;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&l->thread, NULL, lane_main, l);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0)
		return false;
	l->busy = l->has_thread = true;
	return true;
}

struct hooks *hooks_new(char *const *argv, double timeout_s)
{
	struct hooks *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->argv = argv;
	h->timeout_ms = (int)(timeout_s * 1000.0);
	pthread_mutex_init(&h->mu, NULL);
	return h;
}

static void enqueue(struct lane *l, struct job *j)
{
	if (l->tail)
		l->tail->next = j;
	else
		l->head = j;
	l->tail = j;
}

bool hooks_submit(struct hooks *h, const char *lane, json_t *record)
{
	struct job *j = job_new(record);
	struct lane *l;
	bool ok = false;

	pthread_mutex_lock(&h->mu);
	l = j ? lane_get(h, lane) : NULL;
	if (l) {
		enqueue(l, j);
		ok = l->busy || lane_start(l);
		if (!ok) {
			/* Not started: take the job back out (it is the only one queued). */
			l->head = l->tail = NULL;
			job_free(j);
		}
	} else {
		job_free(j);
	}
	if (!ok)
		h->failures++;
	pthread_mutex_unlock(&h->mu);
	if (!ok)
		log_warn("cannot queue the hook for device %s: out of memory or threads", lane);
	return ok;
}

unsigned hooks_finish(struct hooks *h, bool terminate)
{
	unsigned failures;

	if (!h)
		return 0;
	pthread_mutex_lock(&h->mu);
	if (terminate) {
		h->terminating = true;
		for (size_t i = 0; i < h->nlanes; i++)
			if (h->lanes[i]->running)
				kill(-h->lanes[i]->running, SIGTERM);
	}
	pthread_mutex_unlock(&h->mu);
	/* No new threads start now (the caller submits no more): join them all. */
	for (size_t i = 0; i < h->nlanes; i++) {
		struct lane *l = h->lanes[i];
		if (l->has_thread)
			pthread_join(l->thread, NULL);
		for (struct job *j = l->head, *next; j; j = next) {
			next = j->next;
			job_free(j);
		}
		free(l);
	}
	failures = h->failures;
	free(h->lanes);
	pthread_mutex_destroy(&h->mu);
	free(h);
	return failures;
}
