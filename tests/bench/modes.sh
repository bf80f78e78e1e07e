#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Benchmark: irecctl's mode changes and waits against what a script does
# with the Debian tools, in the same simulated lab and the same run.
# A benchmark, not a test: it prints numbers and ratios and fails only
# when it cannot measure.
#
#   tests/bench/modes.sh [BUILD_DIR]      (default: build)
#
# 1. Arrival latency: device 0x22 goes normal -> recovery (transition 0);
#    how long after the lab plugs it in recovery does
#    `irecctl wait --for recovery -d 0x22` return? Anchor: a shell loop
#    `until irecovery -i 0x22 -q; do :; done` (irecovery itself retries
#    once a second, six times). The trigger comes 0.3-1.3 s after the
#    waiter started, at random, so the anchor's poll phase is sampled
#    fairly. "Plugged" is the lab log's `usb plug recovery` line, written
#    just after umockdev sent the "add" uevent; the log's clock
#    (CLOCK_MONOTONIC, ms since its first line) is mapped onto ours with
#    `ctl log-mark` round trips.
# 2. Idle CPU: `irecctl wait --for dfu -d 0x22` while nothing happens,
#    30 s from when its start-up probes are done; anchor: `while :; do
#    irecovery -i 0x22 -q; sleep 1; done` for the same 30 s. irecctl's
#    CPU: its threads' run time from /proc/PID/task/*/schedstat (ns;
#    /proc/PID/stat counts 10 ms ticks); the anchor's: its whole process
#    tree through rusage (the driver is its subreaper, so even the
#    irecovery killed mid-run is counted).
# 3. Fleet: `irecctl exit --all` (verified: returns when every device is
#    back in normal mode) on 1 and on 16 recovery devices (transition 300).
#    Anchor: `irecovery -i ECID -n` for each device in turn, then polling
#    `idevice_id -l` every 100 ms until all of them are listed (favours
#    the anchor: it does not wait for each device before the next).
# 4. Peak memory (maximum RSS): `irecctl exit --all` on 16 devices and
#    `irecctl status --json` on 32 (half normal, half recovery), via GNU
#    time -f %M, or the child's rusage when /usr/bin/time is absent.
#
# Environment: BENCH_RUNS (latency repetitions, default 21),
# BENCH_IDLE_S (idle window, default 30), BENCH_FLEET_REPS (default 3).
set -eu
build=${1:-build}
IRECSIM=$(cd "$build" && pwd)/sim/irecsim
IRECCTL=$(cd "$build" && pwd)/irecctl
# The lab's sockets live under $TMPDIR: sun_path holds 108 bytes.
export TMPDIR=/tmp IRECCTL IRECSIM
for tool in irecovery idevice_id python3 timeout; do
	command -v "$tool" >/dev/null || { echo "modes.sh: $tool is missing" >&2; exit 1; }
done
if ! [ -x "$IRECSIM" ] || ! [ -x "$IRECCTL" ]; then
	echo "modes.sh: build first (scripts/build): no $IRECCTL or $IRECSIM" >&2
	exit 1
fi

work=$(mktemp -d /tmp/irecbench.XXXXXX)
keep=0
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
results=$work/results
: >"$results"

# The driver runs inside each lab: Python for CLOCK_MONOTONIC stamps, the
# control socket without a fork per command, and CPU and memory from /proc
# and rusage. Every wait in it has a deadline.
cat >"$work/drv.py" <<'EOF'
import ctypes, json, math, os, random, resource, selectors, signal, socket, subprocess, sys, time

IRECCTL = os.environ["IRECCTL"]
MONO = time.monotonic  # CLOCK_MONOTONIC: the lab log's and irecctl's clock
libc = ctypes.CDLL(None, use_errno=True)
children = []


def die(msg):
    print("modes.sh: " + msg, file=sys.stderr)
    sys.exit(1)


def on_term(signo, frame):
    sys.exit(128 + signo)


signal.signal(signal.SIGTERM, on_term)


def child_setup():
    # Die with the driver, whatever kills it: no waiter left behind.
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(argv, **kw):
    # Own session: its process group is what we sum CPU over and kill.
    p = subprocess.Popen(argv, start_new_session=True, preexec_fn=child_setup, **kw)
    children.append(p)
    return p


def kill(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()


def kill_all():
    for p in children:
        kill(p)


def record(key, value):
    with open(sys.argv[2], "a") as f:
        f.write("%s %s\n" % (key, value))


def ctl(line, timeout=15.0):
    """One control command, one connection; returns the reply lines."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.environ["IRECSIM_CONTROL"])
        s.sendall((line + "\n").encode())
        s.shutdown(socket.SHUT_WR)
        buf = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    lines = buf.decode().splitlines()
    if not lines or lines[-1] != "ok":
        die("lab: %s: %s" % (line, lines[-1] if lines else "no answer"))
    return lines[:-1]


class Log:
    """The lab's log, read as it grows: '%8d ECID SIDE TEXT'."""

    def __init__(self, path):
        self.f = open(path)
        self.rest = ""
        self.lines = []

    def poll(self):
        self.rest += self.f.read()
        *done, self.rest = self.rest.split("\n")
        for l in done:
            parts = l.split(None, 3)
            if len(parts) == 4:
                self.lines.append((int(parts[0]), parts[1], parts[2], parts[3]))

    def find(self, pred, start=0, timeout=10.0):
        """(index, ms) of the first line from index start that pred accepts."""
        end = MONO() + timeout
        i = start
        while True:
            self.poll()
            while i < len(self.lines):
                if pred(self.lines[i]):
                    return i, self.lines[i][0]
                i += 1
            if MONO() > end:
                die("lab log: no expected line after %d" % start)
            time.sleep(0.002)

    def mark(self, text):
        ctl("log-mark " + text)
        return self.find(lambda l: l[2] == "mark" and l[3] == text)


def calibrate(log):
    """Offset (s) with host = lab_ms/1000 + offset, and its uncertainty."""
    best = None
    for k in range(9):
        t0 = MONO()
        _, ms = log.mark("calibrate-%d" % k)
        t1 = MONO()
        rtt = t1 - t0  # the mark was logged somewhere inside; ms is floored
        off = (t0 + t1) / 2 - (ms + 0.5) / 1000
        if best is None or rtt < best[0]:
            best = (rtt, off)
    return best[1], best[0] / 2 + 0.0005


def run_to_exit(p, timeout, ready=None):
    """Drain p's pipes until it exits. With ready (a stderr substring),
    return as soon as it appears instead. Returns (first_stdout, exit)."""
    sel = selectors.DefaultSelector()
    for f in (p.stdout, p.stderr):
        if f is not None:
            os.set_blocking(f.fileno(), False)
            sel.register(f, selectors.EVENT_READ)
    first_out = None
    err = b""
    end = MONO() + timeout
    while sel.get_map():
        left = end - MONO()
        if left <= 0:
            kill(p)
            die("%s: no %s within %g s; stderr: %s" % (
                os.path.basename(p.args[0]), "readiness" if ready else "exit", timeout,
                err.decode(errors="replace").strip()))
        for key, _ in sel.select(left):
            data = key.fileobj.read()
            if data is None:  # woken, but nothing to read after all
                continue
            if data:
                if key.fileobj is p.stdout and first_out is None:
                    first_out = MONO()
                if key.fileobj is p.stderr:
                    err += data
            else:
                sel.unregister(key.fileobj)
        if ready and ready.encode() in err:
            sel.close()
            return None, None
    sel.close()
    p.wait()  # every pipe closed: it has exited, or is exiting now
    return first_out, MONO()


def pct(v, q):
    s = sorted(v)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def median(v):
    s = sorted(v)
    n = len(s)
    return (s[n // 2] + s[(n - 1) // 2]) / 2


# --- 1. arrival latency ------------------------------------------------------

def latency():
    runs = int(os.environ.get("BENCH_RUNS", "21"))
    log = Log(sys.argv[3])
    off, unc = calibrate(log)
    print("  clock mapping: lab log -> host within +-%.1f ms" % (unc * 1000))
    rnd = random.Random(1)  # the same trigger delays every run
    res = {"irecctl": [], "irecctl_printed": [], "anchor": []}
    for i in range(runs):
        for kind in ("irecctl", "anchor"):
            if kind == "irecctl":
                p = spawn([IRECCTL, "-v", "wait", "--for", "recovery", "-d", "0x22",
                           "--timeout", "30", "--json"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                # Listening (and past its snapshot) once it says so.
                run_to_exit(p, 15, ready="waiting for")
            else:
                # Output to the pipe's only writer is /dev/null: EOF = the loop ended.
                p = spawn(["sh", "-c",
                           "until irecovery -i 0x22 -q >/dev/null 2>&1; do :; done"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            time.sleep(rnd.uniform(0.3, 1.3))
            start, _ = log.mark("latency-%s-%d" % (kind, i))
            ctl("mode 1 recovery")
            printed, done = run_to_exit(p, 20)
            if p.returncode != 0:
                die("%s exited %d" % (kind, p.returncode))
            _, plug_ms = log.find(lambda l: l[2] == "usb" and l[3].startswith("plug recovery"),
                                  start)
            plug = (plug_ms + 0.5) / 1000 + off
            res[kind].append((done - plug) * 1000)
            if printed is not None:
                res["irecctl_printed"].append((printed - plug) * 1000)
            ctl("mode 1 normal")
            ctl("wait 1 normal 10000")
    for kind in ("irecctl", "irecctl_printed", "anchor"):
        v = res[kind]
        record("lat_%s_median" % kind, "%.1f" % median(v))
        record("lat_%s_p90" % kind, "%.1f" % pct(v, 0.9))
        record("lat_%s_max" % kind, "%.1f" % max(v))
    record("lat_runs", runs)
    print("  irecctl wait returned (ms): " + " ".join("%.0f" % x for x in res["irecctl"]))
    print("  irecctl wait printed  (ms): " + " ".join("%.0f" % x for x in res["irecctl_printed"]))
    print("  irecovery loop ended  (ms): " + " ".join("%.0f" % x for x in res["anchor"]))


# --- 2. idle CPU -----------------------------------------------------------------

def task_cpu(pid):
    """CPU seconds of every live thread of pid, to the nanosecond
    (/proc/PID/stat counts clock ticks: too coarse for an idle process)."""
    ns = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
            ns += int(f.read().split()[0])
    return ns / 1e9


def wakeups(pid):
    """Context switches of every thread of pid: each one is a wake-up."""
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
            for l in f:
                if l.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    n += int(l.split()[1])
    return n


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def idle():
    window = float(os.environ.get("BENCH_IDLE_S", "30"))
    p = spawn([IRECCTL, "-v", "wait", "--for", "dfu", "-d", "0x22", "--timeout",
               "%g" % (window + 30)],
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    run_to_exit(p, 15, ready="waiting for")
    # The probes of the devices attached at the start may still be running
    # when it says it waits: the window starts once its threads are steady
    # (the same count for 1 s), so it holds nothing but waiting.
    end, last, since = MONO() + 10, -1, MONO()
    while MONO() < end and MONO() - since < 1:
        n = len(os.listdir("/proc/%d/task" % p.pid))
        if n != last:
            last, since = n, MONO()
        time.sleep(0.05)
    threads0 = len(os.listdir("/proc/%d/task" % p.pid))
    c0, w0 = task_cpu(p.pid), wakeups(p.pid)
    time.sleep(window)
    if p.poll() is not None:
        die("irecctl wait ended early (exit %d)" % p.returncode)
    c1, w1 = task_cpu(p.pid), wakeups(p.pid)
    threads1 = len(os.listdir("/proc/%d/task" % p.pid))
    # SIGTERM, as a CI job's timeout would: it should end cleanly and soon.
    t = MONO()
    os.killpg(p.pid, signal.SIGTERM)
    try:
        rc = p.wait(5)
    except subprocess.TimeoutExpired:
        rc = None
        kill(p)
    record("idle_irecctl_cpu", "%.6f" % (c1 - c0))
    record("idle_irecctl_wakeups", w1 - w0)
    record("idle_irecctl_threads", "%d/%d" % (threads0, threads1))
    record("idle_irecctl_sigterm", "%s/%.0fms" % (rc, (MONO() - t) * 1000))

    # The anchor is a process tree that comes and goes: count it through
    # rusage. As subreaper we inherit the irecovery the killed shell never
    # reaped, and reaping it adds its CPU too.
    libc.prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
    a0 = children_cpu()
    a = spawn(["sh", "-c", "while :; do irecovery -i 0x22 -q >/dev/null 2>&1; sleep 1; done"],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(window)
    os.killpg(a.pid, signal.SIGKILL)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    a.returncode = -signal.SIGKILL
    a1 = children_cpu()
    record("idle_anchor_cpu", "%.6f" % (a1 - a0))
    record("idle_window", "%g" % window)
    print("  irecctl wait: %.6f CPU-s, %d wake-ups; irecovery loop: %.6f CPU-s"
          % (c1 - c0, w1 - w0, a1 - a0))


# --- 3 and 4. fleet ------------------------------------------------------------------

def maxrss(argv, **kw):
    """(exit status, maximum RSS in KiB, stderr) of argv."""
    if os.path.exists("/usr/bin/time"):
        r = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=120, **kw)
        *err, kib = r.stderr.decode(errors="replace").strip().splitlines()
        return r.returncode, int(kib), "\n".join(err)
    p = spawn(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_maxrss, err


def anchor_rss(ecids, flag):
    """Peak RSS of `irecovery -i ECID FLAG` on the first ECID it does not
    crash on (see fleet()): a crashed run's peak says nothing."""
    for e in ecids:
        rc, kib, _ = maxrss(["irecovery", "-i", e, flag])
        if rc == 0:
            return kib
    die("irecovery %s failed on every device" % flag)


def devices():
    # ctl list: id ecid udid product mode trust
    return [l.split() for l in ctl("list")]


def back_to(mode):
    for d in devices():
        if d[4] != mode:
            ctl("mode %s %s" % (d[0], mode))
    for d in devices():
        ctl("wait %s %s 20000" % (d[0], mode))


def fleet():
    reps = int(os.environ.get("BENCH_FLEET_REPS", "3"))
    devs = devices()
    n = len(devs)
    ours, theirs, sent = [], [], []
    crashes = [0]
    for rep in range(reps):
        back_to("recovery")
        t0 = MONO()
        r = subprocess.run([IRECCTL, "exit", "--all", "--json"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
        ours.append((MONO() - t0) * 1000)
        out = json.loads(r.stdout or "[]")
        if r.returncode != 0 or len(out) != n or any(o["result"] != "ok" for o in out):
            die("irecctl exit --all: exit %d, %s" % (r.returncode, r.stderr.decode().strip()))

        back_to("recovery")
        t0 = MONO()
        # Debian 12's irecovery (libirecovery 1.0.0) crashes in
        # irecv_open_with_ecid() for some ECIDs once three or more devices
        # are attached (use after free, fixed upstream after 1.0.0:
        # libirecovery PR #66). It crashes before sending anything, so a
        # script must retry; once other devices left the bus it works.
        todo = [d[1] for d in devs]
        for _ in range(50):
            failed = []
            for e in todo:
                r = subprocess.run(["irecovery", "-i", e, "-n"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=30)
                if r.returncode != 0:
                    failed.append(e)
                    crashes[0] += r.returncode == -signal.SIGSEGV
            todo = failed
            if not todo:
                break
            time.sleep(0.1)
        if todo:
            die("anchor: irecovery -n kept failing for %s" % " ".join(todo))
        sent.append((MONO() - t0) * 1000)
        end = t0 + 120
        while True:
            listed = subprocess.run(["idevice_id", "-l"], stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, timeout=30).stdout.split()
            if len(listed) >= n:
                break
            if MONO() > end:
                die("anchor: only %d of %d devices came back" % (len(listed), n))
            time.sleep(0.1)
        theirs.append((MONO() - t0) * 1000)
    record("fleet%d_irecctl" % n, "%.0f" % median(ours))
    record("fleet%d_anchor" % n, "%.0f" % median(theirs))
    record("fleet%d_anchor_sent" % n, "%.0f" % median(sent))
    record("fleet%d_anchor_crashes" % n, "%d/%d" % (crashes[0], reps))
    print("  %2d device(s): irecctl exit --all %s ms; anchor %s ms (irecovery -n alone %s ms; "
          "%d crashes of irecovery in %d rounds)"
          % (n, " ".join("%.0f" % x for x in ours), " ".join("%.0f" % x for x in theirs),
             " ".join("%.0f" % x for x in sent), crashes[0], reps))
    if n >= 16:
        back_to("recovery")
        rc, kib, err = maxrss([IRECCTL, "exit", "--all", "--json"])
        if rc != 0:
            die("irecctl exit --all under time: exit %d: %s" % (rc, err))
        record("rss_exit%d_irecctl" % n, kib)
        back_to("recovery")
        record("rss_exit%d_anchor" % n, anchor_rss([d[1] for d in devs], "-n"))


def status():
    n = len(devices())
    rc, kib, err = maxrss([IRECCTL, "status", "--json"])
    if rc != 0:
        die("irecctl status: exit %d: %s" % (rc, err))
    record("rss_status%d_irecctl" % n, kib)
    # The anchor is several tools (inventory.sh): its peak is the largest.
    peak = 0
    udid = subprocess.run(["idevice_id", "-l"], stdout=subprocess.PIPE).stdout.split()[0]
    for argv in (["idevice_id", "-l"], ["ideviceinfo", "-s", "-u", udid.decode()]):
        rc, kib, err = maxrss(argv)
        if rc != 0:
            die("%s: exit %d: %s" % (" ".join(argv), rc, err))
        peak = max(peak, kib)
    peak = max(peak, anchor_rss([d[1] for d in devices() if d[4] == "recovery"], "-q"))
    record("rss_status%d_anchor" % n, peak)


try:
    {"latency": latency, "idle": idle, "fleet": fleet, "status": status}[sys.argv[1]]()
finally:
    kill_all()
EOF

# lab NAME TIMEOUT_S SPEC...: run the driver's NAME part in a fresh lab.
# `timeout` bounds the whole lab; the lab takes its command down with it.
lab() {
	name=$1 limit=$2
	shift 2
	devs=""
	for s in "$@"; do devs="$devs --device $s"; done
	# shellcheck disable=SC2086
	timeout -k 10 "$limit" "$IRECSIM" run --log "$work/$name.log" $devs -- \
		python3 "$work/drv.py" "$name" "$results" "$work/$name.log" || {
		keep=1
		echo "modes.sh: the $name part failed; lab log: $work/$name.log" >&2
		tail -n 20 "$work/$name.log" >&2 || true
		exit 1
	}
}

# specs N MODE [FIRST_ECID] [EXTRA]: N devices with consecutive ECIDs.
specs() {
	i=0
	while [ "$i" -lt "$1" ]; do
		printf 'iPhone10,1:%s:ecid=0x%x%s\n' "$2" $((${3:-0x2000} + i)) "${4:-}"
		i=$((i + 1))
	done
}

echo "1. arrival latency, normal -> recovery (${BENCH_RUNS:-21} runs each)"
lab latency 600 iPhone10,1:normal:ecid=0x22:transition=0

echo "2. idle CPU of a wait where nothing happens (${BENCH_IDLE_S:-30} s each)"
# Target in normal mode (usbmuxd), a bystander in recovery (raw USB):
# both event sources are live.
lab idle 300 iPhone10,1:normal:ecid=0x22 iPhone10,1:recovery:ecid=0x23

echo "3. irecctl exit --all, recovery -> normal (transition 300 ms)"
# shellcheck disable=SC2046
lab fleet 300 $(specs 1 recovery 0x2000 :transition=300)
# shellcheck disable=SC2046
lab fleet 600 $(specs 16 recovery 0x2100 :transition=300)

echo "4. peak memory of irecctl status, 32 devices (half normal, half recovery)"
# shellcheck disable=SC2046
lab status 300 $(specs 16 normal 0x2200) $(specs 16 recovery 0x2300)

# The table: one metric a line, irecctl, anchor, irecctl/anchor, target.
echo
python3 - "$results" <<'EOF'
import sys

r = dict(l.split(None, 1) for l in open(sys.argv[1]).read().splitlines())
g = lambda k: float(r[k].split("/")[0])


def row(name, ours, theirs, target="", fmt="%.1f", ratio=True):
    ratio = "%.3f" % (ours / theirs) if theirs and ratio else "-"
    print("%-40s %10s %10s %8s  %s" % (name, fmt % ours, fmt % theirs, ratio, target))


print("%-40s %10s %10s %8s  %s" % ("metric", "irecctl", "anchor", "ratio", "target"))
row("arrival latency median (ms)", g("lat_irecctl_median"), g("lat_anchor_median"), "< 20 ms")
row("arrival latency p90 (ms)", g("lat_irecctl_p90"), g("lat_anchor_p90"))
row("arrival latency max (ms)", g("lat_irecctl_max"), g("lat_anchor_max"))
w = g("idle_window")
row("idle CPU over %g s (CPU-s)" % w, g("idle_irecctl_cpu"), g("idle_anchor_cpu"), "~0", "%.4f")
row("idle CPU (% of one core)", 100 * g("idle_irecctl_cpu") / w, 100 * g("idle_anchor_cpu") / w,
    "", "%.3f")
one, many = g("fleet1_irecctl"), g("fleet16_irecctl")
aone, amany = g("fleet1_anchor"), g("fleet16_anchor")
row("exit --all, 1 device (ms)", one, aone, "", "%.0f")
row("exit --all, 16 devices (ms)", many, amany, "", "%.0f")
row("exit --all, 16 devices / 1 device", many / one, amany / aone, "~1", "%.2f", ratio=False)
row("peak RSS exit --all, 16 (KiB)", g("rss_exit16_irecctl"), g("rss_exit16_anchor"),
    "< 8192", "%.0f")
row("peak RSS status, 32 (KiB)", g("rss_status32_irecctl"), g("rss_status32_anchor"),
    "< 8192", "%.0f")
print()
print("arrival latency: irecctl = until `irecctl wait` exited (its JSON printed: median "
      "%s ms); anchor = a loop of `irecovery -i ECID -q`." % r["lat_irecctl_printed_median"])
print("idle irecctl wait: threads at start/end %s, %s wake-ups in %g s; ended by SIGTERM: "
      "exit %s."
      % (r["idle_irecctl_threads"], r["idle_irecctl_wakeups"], w,
         r["idle_irecctl_sigterm"].replace("/", " after ")))
print("fleet anchor: `irecovery -i ECID -n` per device in turn (16: %s ms, 1: %s ms), "
      "then `idevice_id -l` every 100 ms until all are listed; irecovery crashed %s "
      "times in %s rounds of 16 and was retried (libirecovery 1.0.0, PR #66)."
      % ((r["fleet16_anchor_sent"], r["fleet1_anchor_sent"])
         + tuple(r["fleet16_anchor_crashes"].split("/"))))
print("peak RSS anchor: exit = one `irecovery -n`; status = the largest of idevice_id -l, "
      "ideviceinfo -s, irecovery -q.")
EOF
