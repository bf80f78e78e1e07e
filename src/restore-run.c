/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One engine run, watched from a poll loop: the engine's stdout and
 * stderr (read separately, line by line), a self-pipe for SIGINT/SIGTERM,
 * and timers for the deadline and the kill grace period.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "irecctl/contract.h"
#include "irecctl/events.h"
#include "irecctl/log.h"
#include "irecctl/output.h"
#include "irecctl/restore.h"

#define LINE_MAX_LEN  4096
#define KILL_GRACE_MS 5000
/* How long an engine that closed its output may take to exit by itself. */
#define EXIT_GRACE_MS 5000
/* After restored's final status (finished or failed) the engine only cleans
 * up: one that has not exited after this long (seen with Debian 13's engine
 * in the lab) is stopped, and the device itself decides the outcome. */
#define FINISHED_GRACE_MS 10000
#define BAR_WIDTH         30

struct stream {
	int fd;
	const char *name; /* "out", "err" */
	char buf[LINE_MAX_LEN];
	size_t len;
};

struct run {
	struct engine_proc proc;
	struct stream s[2];
	FILE *log;
	const char *want_variant;
	const struct run_ui *ui;
	struct run_result *r;
	int64_t kill_at;     /* SIGKILL after the grace period; -1: not stopping */
	int64_t finished_at; /* when the engine reported the restore finished; -1 */
	bool stopping;
	unsigned ctrl_c_after_ponr;
};

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sig_pipe[1], &c, 1) < 0) {
		/* the pipe is full: a signal is already pending */
	}
	errno = saved;
}

static void now_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
	         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void restore_emit(const struct run_ui *ui, const char *event, json_t *extra)
{
	char t[64];
	json_t *o;

	if (!ui->json) {
		json_decref(extra);
		return;
	}
	now_iso(t, sizeof(t));
	o = json_pack("{s:s, s:s, s:s}", "event", event, "ecid", ui->id, "time", t);
	if (extra)
		json_object_update(o, extra);
	json_decref(extra);
	json_t *doc = contract_stamp(o);
	char *line = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (line)
		printf("%s\n", line);
	fflush(stdout);
	free(line);
	json_decref(o);
}

static void draw_bar(const struct run *run)
{
	const struct rprogress *p = &run->r->prog;
	int fill = (int)(p->fraction * BAR_WIDTH + 0.5);

	fprintf(stderr, "\r%s [%.*s%*s] %3d%% %-8s", run->ui->id, fill,
	        "##############################", BAR_WIDTH - fill, "",
	        (int)(p->fraction * 100 + 0.5), rphase_name(p->phase));
	fflush(stderr);
}

static void report_change(struct run *run, unsigned changed)
{
	const struct rprogress *p = &run->r->prog;

	if (changed & RP_CHANGED_PHASE) {
		restore_emit(run->ui, "phase", json_pack("{s:s}", "phase", rphase_name(p->phase)));
		if (!run->ui->bar && !run->ui->json)
			log_note("%s: %s", run->ui->id, rphase_name(p->phase));
	}
	if (changed & RP_CHANGED_PONR)
		restore_emit(run->ui, "point-of-no-return", NULL);
	if (changed & RP_CHANGED_FRACTION)
		restore_emit(run->ui, "progress",
		             json_pack("{s:s, s:f}", "phase", rphase_name(p->phase), "fraction",
		                       p->fraction));
	if (changed & RP_CHANGED_FINISHED) {
		restore_emit(run->ui, "engine-finished", NULL);
		/* What is left (cleanup, the device's own boot) is verification's. */
		if (run->r->prog.fraction < 0.95) {
			run->r->prog.fraction = 0.95;
			restore_emit(run->ui, "progress",
			             json_pack("{s:s, s:f}", "phase", rphase_name(p->phase),
			                       "fraction", p->fraction));
			changed |= RP_CHANGED_FRACTION;
		}
	}
	if ((changed & (RP_CHANGED_FINISHED | RP_CHANGED_STATUS)) && run->finished_at < 0)
		run->finished_at = events_now_ms();
	if (run->ui->bar && (changed & (RP_CHANGED_PHASE | RP_CHANGED_FRACTION)))
		draw_bar(run);
}

/* The Variant line comes before anything is written: the last safe moment. */
static void check_variant(struct run *run)
{
	const char *got = run->r->prog.variant;

	snprintf(run->r->got_variant, sizeof(run->r->got_variant), "%s", got);
	if (!run->want_variant || !strcmp(got, run->want_variant))
		return;
	kill(-run->proc.pid, SIGKILL);
	run->r->variant_killed = true;
	run->stopping = true;
	if (run->log)
		fprintf(run->log, "irecctl: killed: Variant '%s', expected '%s'\n", got,
		        run->want_variant);
}

static void take_line(struct run *run, struct stream *s)
{
	char t[64], safe[LINE_MAX_LEN];

	s->buf[s->len] = '\0';
	/* A bar redrawn with \r: keep the last state only. */
	char *line = strrchr(s->buf, '\r') ? strrchr(s->buf, '\r') + 1 : s->buf;
	now_iso(t, sizeof(t));
	if (run->log) {
		log_sanitize(safe, sizeof(safe), line);
		fprintf(run->log, "%s %s %s\n", t, s->name, safe);
		fflush(run->log);
	}
	unsigned changed = rprogress_line(&run->r->prog, line);
	if ((changed & RP_CHANGED_VARIANT) && !run->r->variant_killed)
		check_variant(run);
	report_change(run, changed);
	s->len = 0;
}

/* Read what is there; false at EOF. */
static bool read_stream(struct run *run, struct stream *s)
{
	char chunk[4096];
	ssize_t n = read(s->fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		if (s->len)
			take_line(run, s);
		return false;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (chunk[i] == '\n' || s->len == sizeof(s->buf) - 1) {
			take_line(run, s);
			if (chunk[i] == '\n')
				continue;
		}
		s->buf[s->len++] = chunk[i];
	}
	return true;
}

static void stop_engine(struct run *run)
{
	if (run->stopping)
		return;
	run->stopping = true;
	kill(-run->proc.pid, SIGTERM);
	run->kill_at = events_now_ms() + KILL_GRACE_MS;
}

static void on_ctrl_c(struct run *run, int sig)
{
	if (run->r->prog.past_point_of_no_return && !run->ctrl_c_after_ponr++ && sig == SIGINT) {
		if (run->ui->bar)
			fputc('\n', stderr);
		log_warn("%s: the restore is past the point of no return: interrupting now can "
		         "leave the device unusable until it is restored again. Press Ctrl-C "
		         "again to stop anyway.",
		         run->ui->id);
		return;
	}
	run->r->interrupted = true;
	stop_engine(run);
}

static int next_timeout(const struct run *run, int64_t deadline_ms)
{
	int64_t next = run->stopping ? run->kill_at : deadline_ms;
	int64_t linger = run->finished_at >= 0 ? run->finished_at + FINISHED_GRACE_MS : -1;

	if (!run->stopping && linger >= 0 && (next < 0 || linger < next))
		next = linger;
	int64_t left;

	if (next < 0)
		return -1;
	left = next - events_now_ms();
	return left < 0 ? 0 : (int)(left > 60000 ? 60000 : left);
}

static void on_timer(struct run *run, int64_t deadline_ms)
{
	int64_t now = events_now_ms();

	if (run->stopping && run->kill_at >= 0 && now >= run->kill_at) {
		kill(-run->proc.pid, SIGKILL);
		run->kill_at = -1;
	} else if (!run->stopping && deadline_ms >= 0 && now >= deadline_ms) {
		run->r->timed_out = true;
		stop_engine(run);
	} else if (!run->stopping && run->finished_at >= 0 &&
	           now >= run->finished_at + FINISHED_GRACE_MS) {
		run->r->lingered = true;
		if (run->log)
			fprintf(run->log,
			        "irecctl: the engine did not exit %d s after the restore "
			        "ended (%s): stopping it\n",
			        FINISHED_GRACE_MS / 1000, run->r->prog.status);
		stop_engine(run);
	}
}

static void loop(struct run *run, int64_t deadline_ms)
{
	bool open[2] = {true, true};

	while (open[0] || open[1]) {
		struct pollfd pfd[3] = {
		        {.fd = open[0] ? run->s[0].fd : -1, .events = POLLIN},
		        {.fd = open[1] ? run->s[1].fd : -1, .events = POLLIN},
		        {.fd = sig_pipe[0], .events = POLLIN},
		};
		int n = poll(pfd, 3, next_timeout(run, deadline_ms));
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0) {
			on_timer(run, deadline_ms);
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (open[i] && (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				open[i] = read_stream(run, &run->s[i]);
		unsigned char c;
		if ((pfd[2].revents & POLLIN) && read(sig_pipe[0], &c, 1) == 1)
			on_ctrl_c(run, c);
		on_timer(run, deadline_ms);
	}
}

static void handlers(bool install, struct sigaction old[2])
{
	struct sigaction sa;

	if (!install) {
		sigaction(SIGINT, &old[0], NULL);
		sigaction(SIGTERM, &old[1], NULL);
		return;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	/* Ignored when irecctl started (a background job): stays ignored, as in events.c. */
	if (old[0].sa_handler == SIG_IGN)
		sigaction(SIGINT, &old[0], NULL);
	if (old[1].sa_handler == SIG_IGN)
		sigaction(SIGTERM, &old[1], NULL);
}

/* A descriptor that becomes readable when the child exits (Linux 5.3+);
 * -1 where the kernel has none: then reap() waits in short steps. */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

static bool reaped(struct run *run)
{
	pid_t w;

	while ((w = waitpid(run->proc.pid, &run->r->wait_status, WNOHANG)) < 0 && errno == EINTR)
		;
	return w != 0;
}

/*
 * Reap the engine. Closing its output is not exiting: an engine may close
 * both streams and still clean up for a moment, so it gets EXIT_GRACE_MS
 * to exit by itself before it is stopped (SIGTERM, then SIGKILL), and a
 * signal irecctl sent is recorded as irecctl's (r->stopped), not a crash.
 */
static void reap(struct run *run)
{
	int pfd_child = open_pidfd(run->proc.pid);
	int64_t stop_at = events_now_ms() + EXIT_GRACE_MS;

	while (!reaped(run)) {
		int64_t now = events_now_ms();
		if (!run->stopping && now >= stop_at) {
			run->r->stopped = true;
			if (run->log)
				fprintf(run->log,
				        "irecctl: the engine closed its output but did not exit "
				        "in %d s: stopping it\n",
				        EXIT_GRACE_MS / 1000);
			stop_engine(run);
		}
		int64_t next = run->stopping ? run->kill_at : stop_at;
		int left = next < 0 ? 100 : (int)(next - now < 0 ? 0 : next - now);
		if (pfd_child < 0 && left > 100)
			left = 100; /* no pidfd: look again shortly */
		struct pollfd pfd[2] = {{.fd = sig_pipe[0], .events = POLLIN},
		                        {.fd = pfd_child, .events = POLLIN}};
		if (poll(pfd, 2, left) > 0 && (pfd[0].revents & POLLIN)) {
			unsigned char c;
			if (read(sig_pipe[0], &c, 1) == 1)
				on_ctrl_c(run, c);
		}
		on_timer(run, -1);
	}
	if (pfd_child >= 0)
		close(pfd_child);
}

int restore_run_engine(const char *const *argv, const char *workdir, FILE *log,
                       const char *want_variant, int64_t deadline_ms, const struct run_ui *ui,
                       struct run_result *r)
{
	struct run run = {.log = log,
	                  .want_variant = want_variant,
	                  .ui = ui,
	                  .r = r,
	                  .kill_at = -1,
	                  .finished_at = -1};
	struct sigaction old[2];

	memset(r, 0, sizeof(*r));
	rprogress_init(&r->prog);
	if (sig_pipe[0] < 0 && pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -errno;
	handlers(true, old);
	if (engine_spawn(argv, workdir, &run.proc) < 0) {
		int e = errno;
		handlers(false, old);
		return -e;
	}
	run.s[0] = (struct stream){.fd = run.proc.out_fd, .name = "out"};
	run.s[1] = (struct stream){.fd = run.proc.err_fd, .name = "err"};
	loop(&run, deadline_ms);
	close(run.proc.out_fd);
	close(run.proc.err_fd);
	reap(&run);
	handlers(false, old);
	if (ui->bar)
		fputc('\n', stderr);
	if (log)
		fprintf(log, "irecctl: engine ended: %s %d\n",
		        WIFSIGNALED(r->wait_status) ? "signal" : "exit",
		        WIFSIGNALED(r->wait_status) ? WTERMSIG(r->wait_status)
		                                    : WEXITSTATUS(r->wait_status));
	return 0;
}
