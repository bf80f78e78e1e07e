/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device specs: "PRODUCT_OR_BOARD[:MODE][:key=value...]" -> struct sim_device.
 * Identities come from the built-in model table (generated from models.csv),
 * so every known model can be simulated; cpid=/bdid= describe newer ones.
 */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "lab-core.h"

struct lab_model {
	const char *product;
	const char *board;
	uint32_t cpid;
	uint32_t bdid;
	const char *display;
};

static const struct lab_model models[] = {
#include "lab-models.inc"
};

/* A plausible iOS per chip generation, so a default device is consistent
 * (an iPhone 7 does not claim iOS 17). Builds are the real ones. */
static const struct {
	uint32_t min_cpid;
	const char *ios;
} default_ios[] = {
	{0x8020, "17.5"}, {0x8015, "16.7.8"}, {0x8000, "15.8"}, {0x7000, "12.5.7"}, {0, "10.3.4"},
};

static const struct {
	const char *ios;
	const char *build;
} builds[] = {
	{"17.5", "21F79"}, {"16.7.8", "20H343"}, {"15.8", "19H370"},  {"14.5", "18E199"},
	{"14.4", "18D52"}, {"13.7", "17H35"},    {"12.5.7", "16H81"}, {"10.3.4", "14G61"},
};

static const char *const mode_names[] = {
	[SIM_GONE] = "gone",         [SIM_NORMAL] = "normal",     [SIM_RESTORE] = "restore",
	[SIM_RECOVERY] = "recovery", [SIM_DFU] = "dfu",           [SIM_WTF] = "wtf",
	[SIM_KIS] = "kis",           [SIM_PORT_DFU] = "port-dfu",
};

static const char *const trust_names[] = {
	[SIM_TRUST_PAIRED] = "paired",
	[SIM_TRUST_UNPAIRED] = "unpaired",
	[SIM_TRUST_INVALID_HOSTID] = "invalid-hostid",
	[SIM_TRUST_DIALOG_PENDING] = "dialog-pending",
	[SIM_TRUST_PASSCODE] = "passcode",
	[SIM_TRUST_DENIED] = "denied",
};

static const struct {
	const char *name;
	unsigned bit;
} fault_names[] = {
	{"stall", SIM_FAULT_STALL},
	{"unplug-on-cmd", SIM_FAULT_UNPLUG_ON_CMD},
	{"lockdown-close", SIM_FAULT_LOCKDOWN_CLOSE},
	{"bad-plist-lockdown", SIM_FAULT_BAD_PLIST_LD},
	{"bad-plist-mux", SIM_FAULT_BAD_PLIST_MUX},
	{"bad-serial", SIM_FAULT_BAD_SERIAL},
	{"no-reply", SIM_FAULT_NO_REPLY_LD},
	{"no-reply-enter", SIM_FAULT_NO_REPLY_ENTER},
	{"plain-session", SIM_FAULT_PLAIN_SESSION},
	{"reboot-stall", SIM_FAULT_REBOOT_STALL},
	{"reboot-vanish", SIM_FAULT_REBOOT_VANISH},
	{"reboot-hang", SIM_FAULT_REBOOT_HANG},
	{"reboot-io", SIM_FAULT_REBOOT_IO},
};

static const char *const drop_names[] = {
	[SIM_DROP_WHEN_CLOSED] = "client",
	[SIM_DROP_AFTER_REPLY] = "reply",
	[SIM_DROP_AFTER_STOP] = "stop",
	[SIM_DROP_BEFORE_REPLY] = "before",
};

/* Every key a spec (or `ctl set`) accepts: keys outside it are refused
 * before any parsing, so this list is the whole set (`irecsim --list-keys`
 * prints it; the doc-names test holds irecsim(1) and sim/README.md to it). */
static const char *const spec_keys[] = {
	"ecid",         "udid",         "cpid",        "bdid",         "trust",
	"ios",          "build",        "name",        "iboot",        "loop",
	"broken",       "autoboot",     "auto-boot",   "inaccessible", "recovery-pid",
	"unconfigured", "transition",   "enter-drop",  "leave",        "enter-time",
	"boot-time",    "boot-refuse",  "ld-latency",  "usb-latency",  "saveenv-time",
	"fault",        "faults",       "serial",      "restore-ios",  "restore-build",
	"restore-outcome",
};

static bool key_known(const char *key, GError **error)
{
	for (size_t i = 0; i < G_N_ELEMENTS(spec_keys); i++)
		if (!strcmp(key, spec_keys[i]))
			return true;
	g_set_error(error, LAB_ERROR, 0, "unknown key '%s'", key);
	return false;
}

static void list_names(FILE *out, const char *kind, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i])
			fprintf(out, "%s %s\n", kind, names[i]);
}

void lab_spec_list(FILE *out)
{
	list_names(out, "key", spec_keys, G_N_ELEMENTS(spec_keys));
	list_names(out, "mode", mode_names, G_N_ELEMENTS(mode_names));
	list_names(out, "trust", trust_names, G_N_ELEMENTS(trust_names));
	list_names(out, "enter-drop", drop_names, G_N_ELEMENTS(drop_names));
	for (size_t i = 0; i < G_N_ELEMENTS(fault_names); i++)
		fprintf(out, "fault %s\n", fault_names[i].name);
}

static bool drop_parse(const char *v, enum sim_enter_drop *out)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(drop_names); i++) {
		if (!strcmp(v, drop_names[i])) {
			*out = (enum sim_enter_drop)i;
			return true;
		}
	}
	return false;
}

const char *sim_mode_name(enum sim_mode m)
{
	if ((unsigned)m < G_N_ELEMENTS(mode_names))
		return mode_names[m];
	return "?";
}

bool sim_mode_parse(const char *name, enum sim_mode *out)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(mode_names); i++) {
		if (g_ascii_strcasecmp(name, mode_names[i]) == 0) {
			*out = i;
			return true;
		}
	}
	return false;
}

bool sim_mode_is_usb(enum sim_mode m)
{
	return m >= SIM_RECOVERY && m <= SIM_PORT_DFU;
}

bool sim_mode_is_mux(enum sim_mode m)
{
	return m == SIM_NORMAL || m == SIM_RESTORE;
}

const char *sim_trust_name(enum sim_trust t)
{
	if ((unsigned)t < G_N_ELEMENTS(trust_names))
		return trust_names[t];
	return "?";
}

bool sim_trust_parse(const char *name, enum sim_trust *out)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(trust_names); i++) {
		if (g_ascii_strcasecmp(name, trust_names[i]) == 0) {
			*out = i;
			return true;
		}
	}
	return false;
}

bool sim_faults_parse(const char *list, unsigned *out, GError **error)
{
	g_auto(GStrv) names = g_strsplit(list, ",", -1);
	unsigned bits = 0;

	for (char **n = names; *n; n++) {
		unsigned i;

		if (g_ascii_strcasecmp(*n, "none") == 0)
			continue;
		for (i = 0; i < G_N_ELEMENTS(fault_names); i++)
			if (g_ascii_strcasecmp(*n, fault_names[i].name) == 0)
				break;
		if (i == G_N_ELEMENTS(fault_names)) {
			g_set_error(error, LAB_ERROR, 0, "unknown fault '%s'", *n);
			return false;
		}
		bits |= fault_names[i].bit;
	}
	*out = bits;
	return true;
}

char *sim_faults_format(unsigned faults)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < G_N_ELEMENTS(fault_names); i++) {
		if (faults & fault_names[i].bit)
			g_string_append_printf(s, "%s%s", s->len ? "," : "", fault_names[i].name);
	}
	if (!s->len)
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

/* By product type ("iPhone10,3", first row wins for two-chip models) or by
 * board config, with or without the "ap" suffix ("d22ap", "D22"). */
static const struct lab_model *model_find(const char *name)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(models); i++)
		if (g_ascii_strcasecmp(name, models[i].product) == 0)
			return &models[i];
	for (unsigned i = 0; i < G_N_ELEMENTS(models); i++) {
		const char *b = models[i].board;
		size_t n = strlen(name);

		if (g_ascii_strcasecmp(name, b) == 0)
			return &models[i];
		if (strlen(b) == n + 2 && g_ascii_strncasecmp(name, b, n) == 0 &&
		    g_ascii_strcasecmp(b + n, "ap") == 0)
			return &models[i];
	}
	return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
	if (!g_ascii_strcasecmp(v, "1") || !g_ascii_strcasecmp(v, "true") ||
	    !g_ascii_strcasecmp(v, "yes") || !g_ascii_strcasecmp(v, "on"))
		*out = true;
	else if (!g_ascii_strcasecmp(v, "0") || !g_ascii_strcasecmp(v, "false") ||
	         !g_ascii_strcasecmp(v, "no") || !g_ascii_strcasecmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

static bool parse_u64(const char *v, guint64 max, guint64 *out)
{
	char *end = NULL;
	guint64 n;

	if (!*v || *v == '-')
		return false;
	n = g_ascii_strtoull(v, &end, 0);
	if (*end || n > max)
		return false;
	*out = n;
	return true;
}

static bool bad_value(GError **error, const char *key, const char *value)
{
	g_set_error(error, LAB_ERROR, 0, "bad value for %s: '%s'", key, value);
	return false;
}

/* Keys that may change on a live device (`ctl set`), as well as in a spec.
 * The caller holds lab_lock(): the umockdev worker reads these fields. */
/* The timing keys, all milliseconds. */
static unsigned *timing_field(struct sim_device *d, const char *key)
{
	const struct {
		const char *key;
		unsigned *field;
	} keys[] = {
	        {"leave", &d->leave_ms},           {"enter-time", &d->enter_ms},
	        {"boot-time", &d->boot_ms},        {"boot-refuse", &d->boot_refuse_ms},
	        {"ld-latency", &d->ld_latency_ms}, {"usb-latency", &d->usb_latency_ms},
	        {"saveenv-time", &d->saveenv_ms},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		if (!strcmp(key, keys[i].key))
			return keys[i].field;
	return NULL;
}

static bool set_live_key(struct sim_device *d, const char *key, const char *v, GError **error)
{
	bool b;
	guint64 n;
	unsigned *field;

	if (!strcmp(key, "trust")) {
		if (!sim_trust_parse(v, &d->trust))
			return bad_value(error, key, v);
	} else if (!strcmp(key, "ios")) {
		g_strlcpy(d->ios_version, v, sizeof(d->ios_version));
	} else if (!strcmp(key, "build")) {
		g_strlcpy(d->build, v, sizeof(d->build));
	} else if (!strcmp(key, "name")) {
		g_strlcpy(d->name, v, sizeof(d->name));
	} else if (!strcmp(key, "iboot")) {
		g_strlcpy(d->iboot, v, sizeof(d->iboot));
	} else if (!strcmp(key, "loop") || !strcmp(key, "broken")) {
		if (!parse_bool(v, &d->broken_os))
			return bad_value(error, key, v);
	} else if (!strcmp(key, "autoboot") || !strcmp(key, "auto-boot")) {
		if (!parse_bool(v, &b))
			return bad_value(error, key, v);
		d->auto_boot = d->auto_boot_pending = b;
	} else if (!strcmp(key, "inaccessible")) {
		if (!parse_bool(v, &d->inaccessible))
			return bad_value(error, key, v);
	} else if (!strcmp(key, "recovery-pid")) {
		if (!parse_u64(v, 0x1283, &n) || n < 0x1280)
			return bad_value(error, key, v);
		d->recovery_pid = (uint16_t)n;
	} else if (!strcmp(key, "unconfigured")) {
		if (!parse_bool(v, &d->unconfigured))
			return bad_value(error, key, v);
	} else if (!strcmp(key, "transition")) {
		if (!parse_u64(v, 600000, &n))
			return bad_value(error, key, v);
		d->transition_ms = n;
	} else if (!strcmp(key, "enter-drop")) {
		if (!drop_parse(v, &d->enter_drop))
			return bad_value(error, key, v);
	} else if ((field = timing_field(d, key))) {
		if (!parse_u64(v, 600000, &n))
			return bad_value(error, key, v);
		*field = (unsigned)n;
	} else if (!strcmp(key, "fault") || !strcmp(key, "faults")) {
		return sim_faults_parse(v, &d->faults, error);
	} else if (g_str_has_prefix(key, "restore-")) {
		return lab_restored_set_key(d, key, v, error);
	} else if (!strcmp(key, "serial")) {
		g_strlcpy(d->serial_override, v, sizeof(d->serial_override));
		d->faults |= SIM_FAULT_BAD_SERIAL;
	} else {
		g_set_error(error, LAB_ERROR, 0, "unknown key '%s'", key);
		return false;
	}
	return true;
}

bool lab_device_set(struct sim_device *d, const char *key, const char *value, GError **error)
{
	bool ok;

	if (!key_known(key, error))
		return false;
	if (!strcmp(key, "ecid") || !strcmp(key, "udid") || !strcmp(key, "cpid") ||
	    !strcmp(key, "bdid")) {
		g_set_error(error, LAB_ERROR, 0,
		            "%s is an identity: give it when the device is plugged", key);
		return false;
	}
	lab_lock();
	ok = set_live_key(d, key, value, error);
	lab_unlock();
	return ok;
}

/* Identity keys, only valid in a spec. Returns false with no error set
 * when the key is not an identity key. */
static bool set_identity_key(struct sim_device *d, const char *key, const char *v, bool *udid_old,
                             GError **error)
{
	guint64 n;

	if (!strcmp(key, "ecid")) {
		if (!parse_u64(v, G_MAXUINT64, &n))
			return bad_value(error, key, v);
		d->ecid = n;
	} else if (!strcmp(key, "cpid")) {
		if (!parse_u64(v, 0xffff, &n))
			return bad_value(error, key, v);
		d->cpid = n;
	} else if (!strcmp(key, "bdid")) {
		if (!parse_u64(v, 0xff, &n))
			return bad_value(error, key, v);
		d->bdid = n;
	} else if (!strcmp(key, "udid")) {
		*udid_old = !strcmp(v, "old");
		if (!*udid_old && (!*v || strlen(v) >= sizeof(d->udid)))
			return bad_value(error, key, v);
		if (!*udid_old)
			g_strlcpy(d->udid, v, sizeof(d->udid));
	} else {
		return false;
	}
	return true;
}

/* Split on ':' except inside double quotes (serial="CPID:8010 ..."). */
static GStrv spec_split(const char *spec, GError **error)
{
	GPtrArray *tok = g_ptr_array_new();
	GString *cur = g_string_new(NULL);
	bool quoted = false;

	for (const char *p = spec;; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\0' || (*p == ':' && !quoted)) {
			g_ptr_array_add(tok, g_string_free(cur, FALSE));
			if (!*p)
				break;
			cur = g_string_new(NULL);
		} else {
			g_string_append_c(cur, *p);
		}
	}
	g_ptr_array_add(tok, NULL);
	if (quoted) {
		g_strfreev((GStrv)g_ptr_array_free(tok, FALSE));
		g_set_error(error, LAB_ERROR, 0, "unterminated quote in '%s'", spec);
		return NULL;
	}
	return (GStrv)g_ptr_array_free(tok, FALSE);
}

static void set_defaults_from_chip(struct sim_device *d, bool udid_old)
{
	if (!d->ios_version[0]) {
		unsigned i = 0;

		while (d->cpid < default_ios[i].min_cpid)
			i++;
		g_strlcpy(d->ios_version, default_ios[i].ios, sizeof(d->ios_version));
	}
	for (unsigned i = 0; !d->build[0] && i < G_N_ELEMENTS(builds); i++)
		if (!strcmp(d->ios_version, builds[i].ios))
			g_strlcpy(d->build, builds[i].build, sizeof(d->build));
	if (!d->build[0])
		g_strlcpy(d->build, "99Z999", sizeof(d->build));
	if (d->udid[0])
		return;
	/* A12 and later use the "CPID-ECID" UDID; older ones 40 hex digits
	 * (a SHA-1 on real devices; any stable value will do here). */
	if (d->cpid >= 0x8020 && !udid_old) {
		g_snprintf(d->udid, sizeof(d->udid), "%08X-%016llX", (unsigned)d->cpid,
		           (unsigned long long)d->ecid);
	} else {
		char *seed = g_strdup_printf("irecsim-%016llx", (unsigned long long)d->ecid);
		char *sha = g_compute_checksum_for_string(G_CHECKSUM_SHA1, seed, -1);

		g_strlcpy(d->udid, sha, sizeof(d->udid));
		g_free(sha);
		g_free(seed);
	}
}

/* With bad-serial and no serial= given: a serial cut off inside the ECID,
 * as a flaky cable or a truncated descriptor read would deliver it. */
static void set_default_bad_serial(struct sim_device *d)
{
	if (!(d->faults & SIM_FAULT_BAD_SERIAL) || d->serial_override[0])
		return;
	g_snprintf(d->serial_override, sizeof(d->serial_override),
	           "CPID:%04X CPRV:11 CPFM:03 SCEP:01 BDID:%02X ECID:%08X", (unsigned)d->cpid,
	           (unsigned)d->bdid, (unsigned)(d->ecid >> 32));
}

static bool apply_model(struct sim_device *d, const char *name, GError **error)
{
	const struct lab_model *m = model_find(name);

	if (!m) {
		/* A model newer than the table: cpid= (and bdid=) must say what it is. */
		if (!d->cpid) {
			g_set_error(error, LAB_ERROR, 0,
			            "unknown model '%s' (add cpid= and bdid= for a new one)", name);
			return false;
		}
		g_strlcpy(d->product_type, name, sizeof(d->product_type));
		g_strlcpy(d->hw_model, "", sizeof(d->hw_model));
		if (!d->name[0])
			g_snprintf(d->name, sizeof(d->name), "%s (simulated)", name);
		return true;
	}
	g_strlcpy(d->product_type, m->product, sizeof(d->product_type));
	g_strlcpy(d->hw_model, m->board, sizeof(d->hw_model));
	if (!d->cpid)
		d->cpid = m->cpid;
	if (!d->bdid)
		d->bdid = m->bdid;
	/* The name a person sees (ideviceinfo, Finder, irecctl --json): never
	 * mistaken for a real phone. name= sets it exactly. */
	if (!d->name[0])
		g_snprintf(d->name, sizeof(d->name), "%s (simulated)", m->display);
	return true;
}

/* What the keys of a spec said beyond the device fields themselves. */
struct spec_flags {
	bool udid_old;       /* udid=old */
	bool autoboot_given; /* autoboot= present: keep it, whatever the mode */
};

static bool apply_keys(struct sim_device *d, char **kv, struct spec_flags *f, GError **error)
{
	for (; *kv; kv++) {
		g_auto(GStrv) pair = g_strsplit(*kv, "=", 2);

		if (!pair[0] || !pair[1]) {
			g_set_error(error, LAB_ERROR, 0, "expected key=value, got '%s'", *kv);
			return false;
		}
		if (!key_known(pair[0], error))
			return false;
		if (!strcmp(pair[0], "autoboot") || !strcmp(pair[0], "auto-boot"))
			f->autoboot_given = true;
		if (set_identity_key(d, pair[0], pair[1], &f->udid_old, error))
			continue;
		if (error && *error)
			return false;
		if (!set_live_key(d, pair[0], pair[1], error))
			return false;
	}
	/* serial= implies the fault, even if a later fault= listed others */
	if (d->serial_override[0])
		d->faults |= SIM_FAULT_BAD_SERIAL;
	return true;
}

bool lab_spec_parse(struct sim_device *d, enum sim_mode *home, const char *spec, GError **error)
{
	g_auto(GStrv) tok = spec_split(spec, error);
	struct spec_flags flags = {0};
	char **kv;

	if (!tok)
		return false;
	if (!tok[0][0]) {
		g_set_error(error, LAB_ERROR, 0, "empty device spec");
		return false;
	}
	*home = SIM_NORMAL;
	kv = tok + 1;
	if (*kv && !strchr(*kv, '=')) {
		if (!sim_mode_parse(*kv, home) || *home == SIM_GONE) {
			g_set_error(error, LAB_ERROR, 0, "unknown mode '%s'", *kv);
			return false;
		}
		kv++;
	}
	d->ecid = 0x000A1B2C3D4E0000ull + d->id;
	d->transition_ms = LAB_DEFAULT_TRANSITION_MS;
	d->trust = SIM_TRUST_PAIRED;
	if (!apply_keys(d, kv, &flags, error) || !apply_model(d, tok[0], error))
		return false;
	/* A device sitting in recovery or DFU has auto-boot false in NVRAM;
	 * one that booted normally has it true. */
	if (!flags.autoboot_given)
		d->auto_boot = !sim_mode_is_usb(*home);
	d->auto_boot_pending = d->auto_boot;
	if (!d->iboot[0])
		g_strlcpy(d->iboot, "iBoot-8422.141.2", sizeof(d->iboot));
	set_defaults_from_chip(d, flags.udid_old);
	set_default_bad_serial(d);
	return true;
}

/* Within [lo, hi], the same for the same device in every run. */
static unsigned pick(GRand *r, unsigned lo, unsigned hi)
{
	return (unsigned)g_rand_int_range(r, (gint32)lo, (gint32)hi + 1);
}

void lab_spec_realistic(struct sim_device *d)
{
	GRand *r = g_rand_new_with_seed((guint32)(d->ecid ^ (d->ecid >> 32)));

	lab_lock();
	/* Keys the spec gave keep their values. */
	if (!d->leave_ms)
		d->leave_ms = pick(r, 1000, 3000);
	if (!d->enter_ms)
		d->enter_ms = pick(r, 5000, 15000);
	if (!d->boot_ms)
		d->boot_ms = pick(r, 20000, 60000);
	if (!d->boot_refuse_ms)
		d->boot_refuse_ms = pick(r, 2000, 5000);
	if (!d->ld_latency_ms)
		d->ld_latency_ms = 5;
	if (!d->usb_latency_ms)
		d->usb_latency_ms = 1;
	if (!d->saveenv_ms)
		d->saveenv_ms = pick(r, 2100, 3000);
	lab_unlock();
	g_rand_free(r);
}

char *lab_device_describe(const struct sim_device *d)
{
	return g_strdup_printf("%u 0x%016llx %s %s %s %s", d->id, (unsigned long long)d->ecid,
	                       d->udid, d->product_type, sim_mode_name(d->mode),
	                       sim_trust_name(d->trust));
}

/* `ctl show`: every field, "key=value" per line, keys as in specs. */
char *lab_device_show(const struct sim_device *d)
{
	GString *s = g_string_new(NULL);
	g_autofree char *faults = NULL;

	lab_lock();
	faults = sim_faults_format(d->faults);
	g_string_append_printf(s, "id=%u\necid=0x%016llx\nudid=%s\nproduct=%s\nboard=%s\n", d->id,
	                       (unsigned long long)d->ecid, d->udid, d->product_type, d->hw_model);
	g_string_append_printf(s, "cpid=0x%04x\nbdid=0x%02x\nmode=%s\ntarget=%s\ntrust=%s\n",
	                       d->cpid, d->bdid, sim_mode_name(d->mode),
	                       sim_mode_name(lab_device_target(d)), sim_trust_name(d->trust));
	g_string_append_printf(s, "ios=%s\nbuild=%s\nname=%s\niboot=%s\n", d->ios_version, d->build,
	                       d->name, d->iboot);
	g_string_append_printf(s, "autoboot=%s\nautoboot-pending=%s\nloop=%d\n",
	                       d->auto_boot ? "true" : "false",
	                       d->auto_boot_pending ? "true" : "false", d->broken_os);
	g_string_append_printf(s, "transition=%u\nenter-drop=%s\nleave=%u\n", d->transition_ms,
	                       drop_names[d->enter_drop], d->leave_ms);
	g_string_append_printf(s, "enter-time=%u\nboot-time=%u\nboot-refuse=%u\n", d->enter_ms,
	                       d->boot_ms, d->boot_refuse_ms);
	g_string_append_printf(s, "ld-latency=%u\nusb-latency=%u\nsaveenv-time=%u\n",
	                       d->ld_latency_ms, d->usb_latency_ms, d->saveenv_ms);
	g_string_append_printf(s, "inaccessible=%d\nfault=%s\nserial=%s", d->inaccessible, faults,
	                       d->serial_override);
	lab_unlock();
	return g_string_free(s, FALSE);
}
