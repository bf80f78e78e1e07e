/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The checks behind `irecctl doctor`. Each fills one struct doctor_result.
 * Nothing here asks a question or changes the host, except the lock check,
 * which takes and releases the lock of a reserved ECID (its file stays,
 * like every lock file).
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libusb.h>
#include <usbmuxd.h>

#include "irecctl/devid.h"
#include "irecctl/doctor.h"
#include "irecctl/exitcode.h"
#include "irecctl/lock.h"
#include "irecctl/model.h"
#include "irecctl/log.h"
#include "irecctl/version.h"

#define RULE_FILE "scripts/39-irecctl.rules"
#define INSTALL_FIX                                                                                \
	"sudo install -m 0644 " RULE_FILE " /etc/udev/rules.d/ && sudo udevadm control --reload "  \
	"&& sudo udevadm trigger (" RULE_FILE " is in irecctl's source tree)"
#define GROUP_FIX       "sudo usermod -aG plugdev \"$USER\", then log in again"
#define RECORDS_DIR     "/var/lib/lockdown"
#define MUX_DEFAULT     "/var/run/usbmuxd"
#define RULE_LINE_MAX   4096
#define RULE_FILE_MAX   (1024 * 1024)
#define FINDING_DEVICES 3 /* devices named in one finding; more are counted */

const char *doctor_status_name(enum doctor_status s)
{
	switch (s) {
	case DOCTOR_OK:
		return "ok";
	case DOCTOR_WARN:
		return "warn";
	case DOCTOR_FAIL:
		return "fail";
	}
	return "unknown";
}

static void appendf(char *buf, size_t len, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Truncating copy, for fixed fields filled from parsed text. */
static void copy_text(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void set_result(struct doctor_result *r, const char *check, enum doctor_status status,
                       const char *fix)
{
	r->check = check;
	r->status = status;
	r->finding[0] = '\0';
	snprintf(r->fix, sizeof(r->fix), "%s", fix ? fix : "");
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* What a finding calls a device: its UDID in normal mode (what pairing
 * tools take), else its ECID; then its model, or the raw ids irecctl's
 * table lacks. Device-supplied text enters findings only through here. */
static void append_device(char *buf, size_t len, const struct device *d)
{
	char id[80], what[160], clean_id[80], clean_what[160];

	if (d->model)
		snprintf(what, sizeof(what), "%s", d->model->name);
	else if (d->product_type[0])
		snprintf(what, sizeof(what), "%s", d->product_type);
	else if (d->have_cpid)
		snprintf(what, sizeof(what), "CPID 0x%04x, BDID 0x%02x", d->cpid, d->bdid);
	else
		snprintf(what, sizeof(what), "unidentified");
	if (d->mode == MODE_NORMAL && d->udid[0])
		snprintf(id, sizeof(id), "%s", d->udid);
	else if (d->ecid)
		devid_format_ecid(d->ecid, id);
	else if (d->usb_location[0])
		snprintf(id, sizeof(id), "USB %s", d->usb_location);
	else
		snprintf(id, sizeof(id), "a device");
	log_sanitize(clean_id, sizeof(clean_id), id);
	log_sanitize(clean_what, sizeof(clean_what), what);
	appendf(buf, len, "%s (%s)", clean_id, clean_what);
}

/* --- udev rules ------------------------------------------------------------------ */

const uint16_t doctor_udev_pid[DOCTOR_UDEV_PIDS] = {0x1222, 0x1227, 0x1280, 0x1281,
                                                    0x1282, 0x1283, 0x1881, 0xf014};

const char *const doctor_udev_dirs[] = {"/etc/udev/rules.d", "/run/udev/rules.d",
                                        "/usr/lib/udev/rules.d", "/lib/udev/rules.d", NULL};

enum cond_kind { COND_VENDOR, COND_PRODUCT, COND_ENV_PRODUCT, COND_ACTION, COND_SUBSYSTEM };

#define RULE_CONDS 8

struct rule {
	struct {
		enum cond_kind kind;
		bool negate;
		char pattern[256];
	} cond[RULE_CONDS];
	size_t nconds;
	bool grants, world, uaccess;
	char group[32];
	char go_to[64], label[64];
	bool starts_usbmuxd;
};

struct token {
	char key[64];
	char op[3];
	char value[256];
};

/* udev's match: fnmatch() globs joined by '|'. Hex ids in any case. */
static bool udev_glob(const char *pattern, const char *s)
{
	char alt[256];
	const char *p = pattern;

	for (;;) {
		size_t n = strcspn(p, "|");
		snprintf(alt, sizeof(alt), "%.*s", (int)n, p);
		if (fnmatch(alt, s, FNM_CASEFOLD) == 0)
			return true;
		if (!p[n])
			return false;
		p += n + 1;
	}
}

static void copy_key(const char **sp, struct token *t)
{
	const char *s = *sp;
	bool brace = false;
	size_t n = 0;

	while (*s && (brace || !strchr("=!+-:", *s)) && *s != ' ' && *s != '\t') {
		if (*s == '{')
			brace = true;
		else if (*s == '}')
			brace = false;
		if (n + 1 < sizeof(t->key))
			t->key[n++] = *s;
		s++;
	}
	t->key[n] = '\0';
	*sp = s;
}

static bool copy_op(const char **sp, struct token *t)
{
	const char *s = *sp;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s && strchr("=!+-:", *s) && s[1] == '=') {
		snprintf(t->op, sizeof(t->op), "%c=", *s);
		s += 2;
	} else if (*s == '=') {
		snprintf(t->op, sizeof(t->op), "=");
		s++;
	} else {
		return false;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	*sp = s;
	return true;
}

static bool copy_value(const char **sp, struct token *t)
{
	const char *s = *sp;
	size_t n = 0;

	if (*s == 'e' && s[1] == '"')
		s++; /* e"..." (escapes): the escapes do not matter here */
	if (*s != '"')
		return false;
	for (s++; *s && *s != '"'; s++) {
		if (*s == '\\' && s[1])
			s++;
		if (n + 1 < sizeof(t->value))
			t->value[n++] = *s;
	}
	t->value[n] = '\0';
	*sp = *s ? s + 1 : s;
	return true;
}

/* The next KEY OP "VALUE" of a rule line; false at its end or on garbage. */
static bool next_token(const char **sp, struct token *t)
{
	const char *s = *sp;

	while (*s == ' ' || *s == '\t' || *s == ',')
		s++;
	if (!*s || *s == '#')
		return false;
	copy_key(&s, t);
	if (!t->key[0] || !copy_op(&s, t) || !copy_value(&s, t))
		return false;
	*sp = s;
	return true;
}

static bool key_is(const char *key, const char *const *names)
{
	for (; *names; names++)
		if (!strcmp(key, *names))
			return true;
	return false;
}

static bool cond_kind_of(const char *key, enum cond_kind *kind)
{
	static const char *const vendor[] = {"ATTR{idVendor}", "ATTRS{idVendor}",
	                                     "ENV{ID_VENDOR_ID}", "SYSFS{idVendor}", NULL};
	static const char *const product[] = {"ATTR{idProduct}", "ATTRS{idProduct}",
	                                      "ENV{ID_MODEL_ID}", "SYSFS{idProduct}", NULL};

	if (key_is(key, vendor))
		*kind = COND_VENDOR;
	else if (key_is(key, product))
		*kind = COND_PRODUCT;
	else if (!strcmp(key, "ENV{PRODUCT}"))
		*kind = COND_ENV_PRODUCT;
	else if (!strcmp(key, "ACTION"))
		*kind = COND_ACTION;
	else if (!strcmp(key, "SUBSYSTEM"))
		*kind = COND_SUBSYSTEM;
	else
		return false;
	return true;
}

static void add_cond(struct rule *r, const struct token *t)
{
	enum cond_kind kind;

	if (!cond_kind_of(t->key, &kind) || r->nconds == RULE_CONDS)
		return; /* other matches (DEVTYPE, KERNEL...) are taken as matching */
	r->cond[r->nconds].kind = kind;
	r->cond[r->nconds].negate = t->op[0] == '!';
	copy_text(r->cond[r->nconds].pattern, sizeof(r->cond[0].pattern), t->value);
	r->nconds++;
}

static void add_assignment(struct rule *r, const struct token *t)
{
	if (!strcmp(t->key, "MODE")) {
		r->grants = true;
		r->world = (strtoul(t->value, NULL, 8) & 06) == 06;
	} else if (!strcmp(t->key, "GROUP")) {
		r->grants = true;
		copy_text(r->group, sizeof(r->group), t->value);
	} else if (!strcmp(t->key, "TAG") && !strcmp(t->value, "uaccess") && t->op[0] != '-') {
		r->grants = r->uaccess = true;
	} else if (!strcmp(t->key, "GOTO")) {
		copy_text(r->go_to, sizeof(r->go_to), t->value);
	} else if (!strcmp(t->key, "LABEL")) {
		copy_text(r->label, sizeof(r->label), t->value);
	} else if ((!strcmp(t->key, "ENV{SYSTEMD_WANTS}") || !strcmp(t->key, "RUN")) &&
	           strstr(t->value, "usbmuxd") && !strstr(t->value, " -x") &&
	           !strstr(t->value, " -X")) {
		/* usbmuxd's own rule: started when a normal-mode device arrives */
		r->starts_usbmuxd = true;
	}
}

static void parse_rule(const char *line, struct rule *r)
{
	struct token t;

	memset(r, 0, sizeof(*r));
	while (next_token(&line, &t)) {
		bool match = !strcmp(t.op, "==") || !strcmp(t.op, "!=");
		if (match)
			add_cond(r, &t);
		else
			add_assignment(r, &t);
	}
}

/* What a condition is tested against for one of our product ids. */
static void cond_subject(enum cond_kind kind, uint16_t pid, char *buf, size_t len)
{
	switch (kind) {
	case COND_VENDOR:
		snprintf(buf, len, "05ac");
		break;
	case COND_PRODUCT:
		snprintf(buf, len, "%04x", pid);
		break;
	case COND_ENV_PRODUCT: /* idVendor/idProduct/bcdDevice, no leading zeros */
		snprintf(buf, len, "5ac/%x/0", pid);
		break;
	case COND_ACTION:
		snprintf(buf, len, "add");
		break;
	case COND_SUBSYSTEM:
		snprintf(buf, len, "usb");
		break;
	}
}

/* Does the rule apply to 05ac:pid on "add"? Apple must be named (or the
 * file's vendor guard be in force): a rule for every USB device is not
 * what this check looks for. */
static bool rule_matches(const struct rule *r, uint16_t pid, bool guarded)
{
	bool apple = guarded;
	char subject[32];

	for (size_t i = 0; i < r->nconds; i++) {
		cond_subject(r->cond[i].kind, pid, subject, sizeof(subject));
		if (udev_glob(r->cond[i].pattern, subject) == r->cond[i].negate)
			return false;
		if (!r->cond[i].negate &&
		    (r->cond[i].kind == COND_VENDOR || r->cond[i].kind == COND_ENV_PRODUCT))
			apple = true;
	}
	return apple;
}

/* `ATTR{idVendor}!="05ac", GOTO="x"`: the lines up to LABEL="x" are Apple's. */
static bool is_vendor_guard(const struct rule *r)
{
	if (!r->go_to[0])
		return false;
	for (size_t i = 0; i < r->nconds; i++)
		if (r->cond[i].kind == COND_VENDOR && r->cond[i].negate &&
		    udev_glob(r->cond[i].pattern, "05ac"))
			return true;
	return false;
}

static void add_group(struct udev_coverage *cov, const char *group)
{
	for (size_t i = 0; i < cov->ngroups; i++)
		if (!strcmp(cov->groups[i], group))
			return;
	if (cov->ngroups < DOCTOR_UDEV_GROUPS)
		snprintf(cov->groups[cov->ngroups++], sizeof(cov->groups[0]), "%s", group);
}

static void apply_rule(const struct rule *r, bool guarded, struct udev_coverage *cov,
                       bool (*in_group)(const char *name))
{
	if (r->starts_usbmuxd)
		cov->usbmuxd_on_attach = true;
	if (!r->grants)
		return;
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++) {
		if (!rule_matches(r, doctor_udev_pid[i], guarded))
			continue;
		cov->granted[i] = true;
		cov->world[i] |= r->world;
		if (r->group[0]) {
			add_group(cov, r->group);
			if (in_group && in_group(r->group))
				cov->group_granted[i] = true;
		}
	}
}

/* Copy one logical line (continuations joined) from *sp into buf. */
static bool next_line(const char **sp, char *buf, size_t len)
{
	const char *s = *sp;
	size_t n = 0;

	if (!*s)
		return false;
	while (*s && *s != '\n') {
		if (*s == '\\' && s[1] == '\n') {
			s += 2;
			continue;
		}
		if (n + 1 < len)
			buf[n++] = *s;
		s++;
	}
	buf[n] = '\0';
	*sp = *s ? s + 1 : s;
	return true;
}

void udev_scan_text(const char *text, struct udev_coverage *cov, bool (*in_group)(const char *name))
{
	char *line = malloc(RULE_LINE_MAX);
	char guard[64] = "";
	struct rule r;

	if (!line)
		return;
	while (next_line(&text, line, RULE_LINE_MAX)) {
		parse_rule(line, &r);
		if (guard[0] && !strcmp(r.label, guard))
			guard[0] = '\0';
		if (is_vendor_guard(&r))
			snprintf(guard, sizeof(guard), "%s", r.go_to);
		else
			apply_rule(&r, guard[0] != '\0', cov, in_group);
	}
	free(line);
}

static void scan_file(const char *path, struct udev_coverage *cov,
                      bool (*in_group)(const char *name))
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t n;

	if (!f)
		return;
	text = malloc(RULE_FILE_MAX + 1);
	if (text) {
		n = fread(text, 1, RULE_FILE_MAX, f);
		text[n] = '\0';
		udev_scan_text(text, cov, in_group);
		cov->files++;
	}
	free(text);
	fclose(f);
}

struct name_set {
	char **v;
	size_t n;
};

/* True if name was new (and is now in the set). */
static bool name_set_add(struct name_set *s, const char *name)
{
	char **v;

	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return false;
	v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return false;
	s->v = v;
	s->v[s->n] = strdup(name);
	return s->v[s->n++] != NULL;
}

static bool is_rules_file(const char *name)
{
	size_t n = strlen(name);
	return n > 6 && !strcmp(name + n - 6, ".rules");
}

void udev_scan_dirs(const char *const *dirs, struct udev_coverage *cov,
                    bool (*in_group)(const char *name))
{
	struct name_set seen = {0};
	char path[4096];

	for (; *dirs; dirs++) {
		DIR *d = opendir(*dirs);
		struct dirent *e;

		if (!d)
			continue;
		while ((e = readdir(d))) {
			/* A name seen in a higher directory hides this file (/lib may
			 * also be /usr/lib itself). A /dev/null link masks it: empty. */
			if (!is_rules_file(e->d_name) || !name_set_add(&seen, e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", *dirs, e->d_name);
			scan_file(path, cov, in_group);
		}
		closedir(d);
	}
	for (size_t i = 0; i < seen.n; i++)
		free(seen.v[i]);
	free(seen.v);
}

bool doctor_in_group(const char *name)
{
	struct group *g = getgrnam(name);
	gid_t groups[256];
	int n;

	if (!g)
		return false;
	if (getgid() == g->gr_gid || getegid() == g->gr_gid)
		return true;
	n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == g->gr_gid)
			return true;
	return false;
}

/* --- usb-access and udev-rules ------------------------------------------------------- */

static bool permission_denied(const struct device *d)
{
	return !strncmp(d->error, "permission denied", 17);
}

static void first_error(const struct device_list *l, bool denied, char *buf, size_t len)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct device *d = &l->v[i];
		if (mode_is_usb(d->mode) && !d->accessible && permission_denied(d) == denied) {
			log_sanitize(buf, len, d->error);
			/* "... (see 'irecctl doctor')": this is irecctl doctor */
			char *see = strstr(buf, " (see 'irecctl doctor')");
			if (see)
				*see = '\0';
			return;
		}
	}
	buf[0] = '\0';
}

void doctor_judge_usb_access(const struct device_list *l, uid_t euid, struct doctor_result *r)
{
	size_t raw = 0, denied = 0, broken = 0;
	char why[160];

	for (size_t i = 0; i < l->n; i++) {
		if (!mode_is_usb(l->v[i].mode))
			continue;
		raw++;
		if (l->v[i].accessible)
			continue;
		if (permission_denied(&l->v[i]))
			denied++;
		else
			broken++;
	}
	set_result(r, "usb-access", DOCTOR_OK, NULL);
	if (denied) {
		first_error(l, true, why, sizeof(why));
		r->status = DOCTOR_FAIL;
		appendf(r->finding, sizeof(r->finding),
		        "this user cannot open %zu of %zu device%s in recovery/DFU modes: %s",
		        denied, raw, plural(raw), why);
		snprintf(r->fix, sizeof(r->fix), "%s; %s", INSTALL_FIX, GROUP_FIX);
	} else if (broken) {
		first_error(l, false, why, sizeof(why));
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding),
		        "%zu of %zu device%s in recovery/DFU modes could not be read: %s", broken,
		        raw, plural(raw), why);
		snprintf(r->fix, sizeof(r->fix),
		         "replug the device (another cable or port); `irecctl status -v` has "
		         "details");
	} else if (euid == 0) {
		appendf(r->finding, sizeof(r->finding),
		        "running as root: USB access is not an issue (%zu device%s in recovery/DFU "
		        "modes)",
		        raw, plural(raw));
	} else if (raw) {
		appendf(r->finding, sizeof(r->finding),
		        "this user can open the %zu device%s in recovery/DFU modes", raw,
		        plural(raw));
	} else {
		appendf(r->finding, sizeof(r->finding),
		        "no device in recovery/DFU modes attached (udev-rules says whether one "
		        "could be opened)");
	}
}

static void append_missing(const struct udev_coverage *cov, char *buf, size_t len)
{
	const char *sep = "";

	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++) {
		if (cov->granted[i])
			continue;
		appendf(buf, len, "%s05ac:%04x (%s)", sep, doctor_udev_pid[i],
		        mode_name(mode_from_usb_pid(doctor_udev_pid[i])));
		sep = ", ";
	}
}

/* Would this (non-root) user get access through a group or MODE? */
static bool user_covered(const struct udev_coverage *cov)
{
	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		if (!cov->world[i] && !cov->group_granted[i])
			return false;
	return true;
}

static void judge_udev_groups(const struct udev_coverage *cov, struct doctor_result *r)
{
	r->status = DOCTOR_WARN;
	if (cov->ngroups) {
		appendf(r->finding, sizeof(r->finding), "the rules grant access to group ");
		for (size_t i = 0; i < cov->ngroups; i++)
			appendf(r->finding, sizeof(r->finding), "%s%s", i ? "/" : "",
			        cov->groups[i]);
		appendf(r->finding, sizeof(r->finding),
		        ", which this user is not in (TAG uaccess only serves a local desktop "
		        "session)");
		snprintf(r->fix, sizeof(r->fix), "%s", GROUP_FIX);
	} else {
		appendf(r->finding, sizeof(r->finding),
		        "the rules grant access through TAG uaccess only: a local desktop session "
		        "gets it, ssh and CI users do not");
		snprintf(r->fix, sizeof(r->fix), "%s; %s", INSTALL_FIX, GROUP_FIX);
	}
}

void doctor_judge_udev(const struct udev_coverage *cov, uid_t euid,
                       bool (*in_group)(const char *name), struct doctor_result *r)
{
	bool missing = false;

	for (size_t i = 0; i < DOCTOR_UDEV_PIDS; i++)
		missing |= !cov->granted[i];
	set_result(r, "udev-rules", DOCTOR_OK, NULL);
	if (missing) {
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding), "no udev rule grants access to ");
		append_missing(cov, r->finding, sizeof(r->finding));
		if (euid == 0)
			appendf(r->finding, sizeof(r->finding),
			        " (root needs none; other users do)");
		snprintf(r->fix, sizeof(r->fix), "%s", INSTALL_FIX);
		if (euid != 0 && !(in_group && in_group("plugdev")))
			appendf(r->fix, sizeof(r->fix), "; %s", GROUP_FIX);
	} else if (euid != 0 && !user_covered(cov)) {
		judge_udev_groups(cov, r);
	} else {
		appendf(r->finding, sizeof(r->finding),
		        "udev rules cover 05ac:1222, 1227, 1280-1283, 1881 and f014 (%zu rule "
		        "files "
		        "read)",
		        cov->files);
	}
}

/* --- usbmuxd ---------------------------------------------------------------------------- */

static bool takes_argument(char opt)
{
	return opt == 'U' || opt == 'l' || opt == 'S' || opt == 'P';
}

/* One cluster of short options ("-fz", "-Uuser"); *skip_next if the last
 * one takes the next word as its argument. */
static const char *short_exit_option(const char *arg, bool *skip_next)
{
	static const char *const names[] = {"-z", "-u", "-s"};

	for (const char *c = arg + 1; *c; c++) {
		if (takes_argument(*c)) {
			*skip_next = c[1] == '\0';
			return NULL;
		}
		const char *hit = strchr("zus", *c);
		if (hit)
			return names[hit - "zus"];
	}
	return NULL;
}

const char *usbmuxd_exit_option(char *const *argv, int argc)
{
	static const char *const with_value[] = {"--user", "--logfile", "--socket", "--pidfile",
	                                         NULL};
	static const char *const exiting[] = {"--enable-exit", "--udev", "--systemd", NULL};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool skip = false;

		if (!strcmp(a, "--"))
			break;
		if (key_is(a, exiting))
			return a;
		if (key_is(a, with_value)) {
			i++;
		} else if (a[0] == '-' && a[1] && a[1] != '-') {
			const char *hit = short_exit_option(a, &skip);
			if (hit)
				return hit;
			i += skip;
		}
	}
	return NULL;
}

static bool read_small_file(const char *path, char *buf, size_t len, size_t *n)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	*n = fread(buf, 1, len - 1, f);
	buf[*n] = '\0';
	fclose(f);
	return true;
}

/* argv of a process from /proc/PID/cmdline (NUL-separated). */
static void inspect_cmdline(long pid, struct mux_facts *p)
{
	char path[64], buf[2048], *argv[64];
	size_t n = 0;
	int argc = 0;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	if (!read_small_file(path, buf, sizeof(buf), &n))
		return;
	for (size_t i = 0; i < n && argc < 64; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	const char *opt = usbmuxd_exit_option(argv, argc);
	if (opt)
		snprintf(p->exit_option, sizeof(p->exit_option), "%s", opt);
}

static void find_usbmuxd(struct mux_facts *p)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[64], comm[32];
	size_t n;

	if (!d)
		return;
	while (!p->pid && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (read_small_file(path, comm, sizeof(comm), &n) && !strcmp(comm, "usbmuxd\n")) {
			p->pid = pid;
			inspect_cmdline(pid, p);
		}
	}
	closedir(d);
}

static bool usbmuxd_installed(void)
{
	static const char *const paths[] = {"/usr/sbin/usbmuxd",       "/sbin/usbmuxd",
	                                    "/usr/local/sbin/usbmuxd", "/usr/bin/usbmuxd",
	                                    "/usr/local/bin/usbmuxd",  NULL};

	for (const char *const *p = paths; *p; p++)
		if (access(*p, X_OK) == 0)
			return true;
	return false;
}

static bool normal_pid(unsigned pid)
{
	return (pid >= 0x1290 && pid <= 0x12af) || (pid >= 0x1901 && pid <= 0x1905) ||
	       pid == 0x8600;
}

static unsigned read_hex_attr(const char *dev, const char *attr)
{
	char path[512], buf[16];
	size_t n;

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", dev, attr);
	if (!read_small_file(path, buf, sizeof(buf), &n))
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

/* An Apple device on the bus in a mode only usbmuxd serves (from sysfs). */
static bool normal_mode_attached(void)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = e->d_name[0] != '.' && read_hex_attr(e->d_name, "idVendor") == APPLE_VID &&
		        normal_pid(read_hex_attr(e->d_name, "idProduct"));
	closedir(d);
	return found;
}

static const char *mux_address(bool *overridden)
{
	const char *a = getenv("USBMUXD_SOCKET_ADDRESS");

	*overridden = a && *a;
	return *overridden ? a : MUX_DEFAULT;
}

static void judge_mux_up(const struct mux_facts *m, struct doctor_result *r)
{
	appendf(r->finding, sizeof(r->finding), "usbmuxd answers at %s (%d device%s)", m->address,
	        m->count, plural((size_t)m->count));
	if (!m->exit_option[0])
		return;
	/* The udev rule runs `usbmuxd -x` on every removal; with exit enabled the
	 * daemon then quits once it has no device left, e.g. when the only phone
	 * drops into recovery, until udev starts it on the next normal-mode attach. */
	r->status = DOCTOR_WARN;
	appendf(r->finding, sizeof(r->finding),
	        "; it (pid %ld) runs with %s, so it exits when its last device leaves (e.g. for "
	        "recovery) and comes back on the next attach via udev",
	        m->pid, m->exit_option);
	snprintf(r->fix, sizeof(r->fix),
	         "usually harmless; to keep it running, start it without -z/-u/--systemd "
	         "(systemctl edit usbmuxd: ExecStart=/usr/sbin/usbmuxd --user usbmux -f)");
}

static void judge_mux_down(const struct mux_facts *m, struct doctor_result *r)
{
	char *f = r->finding, *x = r->fix;
	size_t fl = sizeof(r->finding), xl = sizeof(r->fix);

	r->status = DOCTOR_FAIL;
	if (m->overridden) {
		appendf(f, fl, "USBMUXD_SOCKET_ADDRESS=%s does not answer", m->address);
		snprintf(x, xl, "start the usbmuxd it names, or unset USBMUXD_SOCKET_ADDRESS");
	} else if (m->pid) {
		appendf(f, fl, "usbmuxd (pid %ld) runs, but %s does not answer", m->pid,
		        m->address);
		snprintf(x, xl, "sudo systemctl restart usbmuxd");
	} else if (!m->installed) {
		appendf(f, fl, "usbmuxd is not installed: normal-mode devices cannot be seen");
		snprintf(x, xl, "sudo apt-get install usbmuxd (or your distribution's package)");
	} else if (m->normal_attached) {
		appendf(f, fl, "a device is attached in normal mode, but usbmuxd is not running");
		snprintf(x, xl, "sudo systemctl start usbmuxd, or replug the device");
	} else if (m->started_on_attach) {
		/* How Debian runs it: started by udev for a device, gone without one. */
		r->status = DOCTOR_OK;
		appendf(f, fl,
		        "usbmuxd is not running; udev starts it when a device attaches in normal "
		        "mode");
	} else {
		r->status = DOCTOR_WARN;
		appendf(f, fl, "usbmuxd is not running and no udev rule starts it on attach");
		snprintf(x, xl, "sudo systemctl start usbmuxd (or run `sudo usbmuxd`)");
	}
}

void doctor_judge_usbmuxd(const struct mux_facts *m, struct doctor_result *r)
{
	set_result(r, "usbmuxd", DOCTOR_OK, NULL);
	if (m->count >= 0)
		judge_mux_up(m, r);
	else
		judge_mux_down(m, r);
}

void doctor_check_usbmuxd(const struct udev_coverage *cov, struct doctor_result *r)
{
	usbmuxd_device_info_t *list = NULL;
	struct mux_facts m;

	memset(&m, 0, sizeof(m));
	m.address = mux_address(&m.overridden);
	m.count = usbmuxd_get_device_list(&list);
	if (m.count >= 0)
		usbmuxd_device_list_free(&list);
	/* This host's daemon matters only when irecctl talks to it. */
	if (!m.overridden)
		find_usbmuxd(&m);
	m.installed = usbmuxd_installed();
	m.normal_attached = normal_mode_attached();
	m.started_on_attach = cov->usbmuxd_on_attach;
	doctor_judge_usbmuxd(&m, r);
}

/* --- pair records ---------------------------------------------------------------------- */

static void records_where(char *buf, size_t len)
{
	bool overridden;
	const char *addr = mux_address(&overridden);
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	if (overridden) {
		snprintf(buf, len, "kept by the usbmuxd at %s", addr);
		return;
	}
	d = opendir(RECORDS_DIR);
	if (!d) {
		snprintf(buf, len, RECORDS_DIR " %s",
		         errno == ENOENT ? "(absent: nothing paired yet)"
		                         : "(not readable by this user; usbmuxd reads it)");
		return;
	}
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".plist") && strcmp(e->d_name, "SystemConfiguration.plist"))
			n++;
	closedir(d);
	snprintf(buf, len, RECORDS_DIR " (%zu records)", n);
}

static void list_devices(const struct device_list *l, int trusted, char *buf, size_t len)
{
	size_t shown = 0, more = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].mode != MODE_NORMAL || l->v[i].trusted != trusted)
			continue;
		if (shown == FINDING_DEVICES) {
			more++;
			continue;
		}
		appendf(buf, len, "%s", shown++ ? ", " : "");
		append_device(buf, len, &l->v[i]);
	}
	if (more)
		appendf(buf, len, " and %zu more", more);
}

/* Name the UDID when there is one device to pair; a placeholder otherwise. */
static void pair_fix(const struct device_list *l, size_t unpaired, char *buf, size_t len)
{
	char udid[80] = "UDID";

	for (size_t i = 0; unpaired == 1 && i < l->n; i++)
		if (l->v[i].mode == MODE_NORMAL && l->v[i].trusted == 0 && l->v[i].udid[0])
			log_sanitize(udid, sizeof(udid), l->v[i].udid);
	snprintf(buf, len,
	         "unlock the device, run `idevicepair -u %s pair` and tap Trust; unpaired, iOS "
	         "14.5+ enters recovery only by buttons",
	         udid);
}

void doctor_judge_pair_records(const struct device_list *l, const char *where,
                               struct doctor_result *r)
{
	size_t normal = 0, unpaired = 0, unknown = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].mode != MODE_NORMAL)
			continue;
		normal++;
		unpaired += l->v[i].trusted == 0;
		unknown += l->v[i].trusted < 0;
	}
	set_result(r, "pair-records", DOCTOR_OK, NULL);
	if (unpaired) {
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding),
		        "%zu of %zu normal-mode device%s not paired with this host: ", unpaired,
		        normal, plural(normal));
		list_devices(l, 0, r->finding, sizeof(r->finding));
		pair_fix(l, unpaired, r->fix, sizeof(r->fix));
	} else if (unknown) {
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding),
		        "could not check %zu of %zu normal-mode device%s: ", unknown, normal,
		        plural(normal));
		list_devices(l, -1, r->finding, sizeof(r->finding));
		snprintf(r->fix, sizeof(r->fix), "`irecctl status` says why they did not answer");
	} else if (normal) {
		appendf(r->finding, sizeof(r->finding), "%zu of %zu normal-mode device%s paired",
		        normal, normal, plural(normal));
	} else {
		appendf(r->finding, sizeof(r->finding), "no normal-mode device attached");
	}
	appendf(r->finding, sizeof(r->finding), "; records: %s", where);
}

void doctor_check_pair_records(const struct device_list *l, struct doctor_result *r)
{
	char where[256];

	records_where(where, sizeof(where));
	doctor_judge_pair_records(l, where, r);
}

/* --- model table -------------------------------------------------------------------------- */

void doctor_judge_models(const struct device_list *l, struct doctor_result *r)
{
	size_t known = 0, unknown = 0, blank = 0;
	char names[DOCTOR_TEXT] = "";

	for (size_t i = 0; i < l->n; i++) {
		const struct device *d = &l->v[i];
		if (d->model) {
			known++;
		} else if (d->have_cpid || d->product_type[0]) {
			if (unknown++ < FINDING_DEVICES) {
				appendf(names, sizeof(names), "%s", unknown > 1 ? ", " : "");
				append_device(names, sizeof(names), d);
			}
		} else {
			blank++; /* restore mode, or no identity: status says why */
		}
	}
	set_result(r, "model-table", DOCTOR_OK, NULL);
	if (unknown) {
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding),
		        "%zu device%s newer than irecctl's table: %s%s", unknown, plural(unknown),
		        names, unknown > FINDING_DEVICES ? ", ..." : "");
		snprintf(r->fix, sizeof(r->fix),
		         "update irecctl (until then: raw CPID/BDID, no button help)");
	} else if (known) {
		appendf(r->finding, sizeof(r->finding),
		        "irecctl's table knows the %zu identified device%s", known, plural(known));
	} else {
		appendf(r->finding, sizeof(r->finding), "no identified device attached");
	}
	if (blank)
		appendf(r->finding, sizeof(r->finding), " (%zu without identity)", blank);
}

/* --- lock directory -------------------------------------------------------------------- */

/* Not an ECID any device has: doctor's own, so it never blocks a real job. */
#define DOCTOR_LOCK_ECID UINT64_MAX

static void judge_lock_mode(const char *dir, bool created, struct doctor_result *r)
{
	struct stat st;
	bool shared = !strcmp(dir, LOCK_DEFAULT_DIR);

	if (stat(dir, &st) < 0)
		return;
	appendf(r->finding, sizeof(r->finding), "%s (%s, mode %04o): a lock was taken and released",
	        dir, created ? "created now" : "exists", (unsigned)(st.st_mode & 07777));
	/* The default directory is shared by every user of the host; a private
	 * one ($IRECCTL_LOCK_DIR) only has to serve its owner. */
	if (shared && (st.st_mode & 01777) != 01777) {
		r->status = DOCTOR_WARN;
		appendf(r->finding, sizeof(r->finding), "; other users' irecctl cannot lock there");
		snprintf(r->fix, sizeof(r->fix), "sudo chmod 1777 %s", dir);
	}
}

void doctor_check_lock_dir(struct doctor_result *r)
{
	const char *dir = lock_dir();
	struct dev_lock lk;
	struct stat st;
	char err[256], clean[256];
	bool existed = lstat(dir, &st) == 0;
	int rc;

	set_result(r, "lock-dir", DOCTOR_OK, NULL);
	if (existed && S_ISLNK(st.st_mode)) {
		r->status = DOCTOR_FAIL;
		appendf(r->finding, sizeof(r->finding),
		        "%s is a symbolic link: irecctl refuses it (another user could redirect "
		        "it)",
		        dir);
		snprintf(r->fix, sizeof(r->fix), "sudo rm %s (irecctl creates the directory)", dir);
		return;
	}
	rc = lock_acquire(DOCTOR_LOCK_ECID, 0, &lk, err, sizeof(err));
	if (rc == IREC_OK) {
		lock_release(&lk);
		judge_lock_mode(dir, !existed, r);
	} else if (rc == IREC_EBUSY) {
		appendf(r->finding, sizeof(r->finding),
		        "%s works (another doctor holds its lock now)", dir);
	} else {
		log_sanitize(clean, sizeof(clean), err);
		r->status = DOCTOR_FAIL;
		appendf(r->finding, sizeof(r->finding), "%s", clean);
		snprintf(r->fix, sizeof(r->fix),
		         "sudo install -d -m 1777 %s, or set IRECCTL_LOCK_DIR to a directory of "
		         "yours",
		         dir);
	}
}

/* --- libraries ------------------------------------------------------------------------------ */

void doctor_check_libraries(struct doctor_result *r)
{
	const struct libusb_version *usb = libusb_get_version();

	set_result(r, "libraries", DOCTOR_OK, NULL);
	appendf(r->finding, sizeof(r->finding),
	        "libusb %u.%u.%u (running); built against libirecovery %s, libimobiledevice %s, "
	        "libusbmuxd %s, libplist %s",
	        usb->major, usb->minor, usb->micro, IRECCTL_BUILT_LIBIRECOVERY,
	        IRECCTL_BUILT_LIBIMOBILEDEVICE, IRECCTL_BUILT_LIBUSBMUXD, IRECCTL_BUILT_LIBPLIST);
}
