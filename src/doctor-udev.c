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
#include "doctor-priv.h"

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

bool doctor_key_is(const char *key, const char *const *names)
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

	if (doctor_key_is(key, vendor))
		*kind = COND_VENDOR;
	else if (doctor_key_is(key, product))
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
	doctor_copy_text(r->cond[r->nconds].pattern, sizeof(r->cond[0].pattern), t->value);
	r->nconds++;
}

static void add_assignment(struct rule *r, const struct token *t)
{
	if (!strcmp(t->key, "MODE")) {
		r->grants = true;
		r->world = (strtoul(t->value, NULL, 8) & 06) == 06;
	} else if (!strcmp(t->key, "GROUP")) {
		r->grants = true;
		doctor_copy_text(r->group, sizeof(r->group), t->value);
	} else if (!strcmp(t->key, "TAG") && !strcmp(t->value, "uaccess") && t->op[0] != '-') {
		r->grants = r->uaccess = true;
	} else if (!strcmp(t->key, "GOTO")) {
		doctor_copy_text(r->go_to, sizeof(r->go_to), t->value);
	} else if (!strcmp(t->key, "LABEL")) {
		doctor_copy_text(r->label, sizeof(r->label), t->value);
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
