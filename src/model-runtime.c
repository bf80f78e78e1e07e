/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Models from outside irecctl's table (see model-runtime.h): the linked
 * libirecovery's device table, and button classes inferred from a
 * family. The rules are data; each is checked against every row of the
 * table by the unit tests, so a rule the table contradicts fails there.
 */
#include "irecctl/model-runtime.h"

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libirecovery.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Product-type prefix -> device class ("AudioAccessory5,1" is a HomePod). */
static const struct {
	const char *prefix;
	enum device_class dc;
} class_prefixes[] = {
        {"iPhone", CLASS_IPHONE},
        {"iPad", CLASS_IPAD},
        {"iPod", CLASS_IPOD},
        {"AppleTV", CLASS_APPLETV},
        {"Watch", CLASS_WATCH},
        {"AudioAccessory", CLASS_HOMEPOD},
        {"iBridge", CLASS_T2},
        {"RealityDevice", CLASS_VISIONPRO},
        {"AppleDisplay", CLASS_DISPLAY},
        {"VirtualMac", CLASS_VM},
        {"iMac", CLASS_MAC},
        {"Mac", CLASS_MAC},
        {"ADP", CLASS_MAC},
};

/* A family whose every member shares one set of button classes. */
struct family_rule {
	enum device_class dc;
	unsigned int min_major, max_major; /* "iPhoneN,M": N in [min, max] */
	enum rec_class rec;
	enum dfu_class dfu;
	enum fr_class fr;
	const char *family; /* "iPhone from iPhone10,x on": "every <family>" reads */
};

/* Open-ended: every later number of the family. A virtual device the table
 * files under the family's prefix (iPhone99,11, the research VM) is no
 * member of it (product_rule). */
static const struct family_rule family_rules[] = {
        {CLASS_IPHONE, 10, UINT_MAX, REC_VOLUP_VOLDN_SIDE, DFU_VOLUP_VOLDN_SIDE,
         FR_VOLUP_VOLDN_SIDE, "iPhone from iPhone10,x on"},
        {CLASS_IPAD, 13, UINT_MAX, REC_IPAD_NOHOME, DFU_IPAD_NOHOME, FR_IPAD_NOHOME,
         "iPad from iPad13,x on (none has a Home button)"},
};

/* "iPhone19,2" -> CLASS_IPHONE, 19. */
static bool parse_product(const char *pt, enum device_class *dc, unsigned int *major)
{
	for (size_t i = 0; pt && i < COUNT(class_prefixes); i++) {
		size_t n = strlen(class_prefixes[i].prefix);
		if (strncmp(pt, class_prefixes[i].prefix, n) != 0 || !isdigit((unsigned char)pt[n]))
			continue;
		char *end;
		unsigned long long v = strtoull(pt + n, &end, 10);
		if (*end != ',' || v > UINT_MAX)
			return false;
		*dc = class_prefixes[i].dc;
		*major = (unsigned int)v;
		return true;
	}
	return false;
}

static const struct family_rule *rule_for(enum device_class dc, unsigned int major)
{
	for (size_t i = 0; i < COUNT(family_rules); i++)
		if (family_rules[i].dc == dc && major >= family_rules[i].min_major &&
		    major <= family_rules[i].max_major)
			return &family_rules[i];
	return NULL;
}

/* The rule for a product type: its family's, unless the table lists it as
 * a virtual device (no buttons at all). */
static const struct family_rule *product_rule(const char *product_type)
{
	enum device_class dc;
	unsigned int major;
	const struct model *row = model_by_product_type(product_type);

	if (row && row->device_class == CLASS_VM)
		return NULL;
	return parse_product(product_type, &dc, &major) ? rule_for(dc, major) : NULL;
}

/* The rule a table row falls under and agrees with; NULL if none. */
static const struct family_rule *rule_for_row(const struct model *m)
{
	enum device_class dc;
	unsigned int major;
	const struct family_rule *r;

	if (m->device_class == CLASS_VM || !parse_product(m->product_type, &dc, &major) ||
	    !(r = rule_for(dc, major)))
		return NULL;
	return r->rec == m->recovery && r->dfu == m->dfu && r->fr == m->restart ? r : NULL;
}

/* A CPID every table row of which falls under one and the same rule. */
static const struct family_rule *rule_for_cpid(unsigned int cpid)
{
	const struct family_rule *rule = NULL;

	for (size_t i = 0; i < model_count(); i++) {
		const struct model *m = model_at(i);
		if (m->cpid != cpid)
			continue;
		const struct family_rule *r = rule_for_row(m);
		if (!r || (rule && r != rule))
			return NULL;
		rule = r;
	}
	return rule;
}

/* ---- the pool -------------------------------------------------------------- */

struct pooled {
	struct model m;
	char product_type[32], board[32], name[96], basis[256];
	struct pooled *next;
};

/* Never freed: a struct device may point at an entry until the process ends. */
static struct pooled *pool;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

static bool same_entry(const struct pooled *a, const struct pooled *b)
{
	return a->m.origin == b->m.origin && a->m.cpid == b->m.cpid && a->m.bdid == b->m.bdid &&
	       !strcmp(a->product_type, b->product_type) && !strcmp(a->board, b->board);
}

/* The pooled copy of p (added if new); NULL when out of memory. */
static const struct model *intern(const struct pooled *p)
{
	struct pooled *e;

	pthread_mutex_lock(&pool_lock);
	for (e = pool; e && !same_entry(e, p); e = e->next)
		;
	if (!e && (e = malloc(sizeof(*e)))) {
		*e = *p;
		/* The strings live in the entry itself. */
		e->m.product_type = e->product_type;
		e->m.board_config = e->board;
		e->m.name = e->name;
		e->m.inferred_from = e->basis[0] ? e->basis : NULL;
		e->next = pool;
		pool = e;
	}
	pthread_mutex_unlock(&pool_lock);
	return e ? &e->m : NULL;
}

static void apply_rule(struct pooled *p, const struct family_rule *r)
{
	p->m.device_class = r->dc;
	p->m.recovery = r->rec;
	p->m.dfu = r->dfu;
	p->m.restart = r->fr;
	p->m.buttons_inferred = true;
	p->m.recovery_screen = SCREEN_MODERN_POSSIBLE;
}

static void init_pooled(struct pooled *p, enum model_origin origin, unsigned int cpid,
                        unsigned int bdid)
{
	memset(p, 0, sizeof(*p));
	p->m.origin = origin;
	p->m.cpid = cpid;
	p->m.bdid = bdid;
	p->m.normal_pid_confidence = PID_NONE;
	p->m.connector = CONNECTOR_UNKNOWN; /* every cable note applies */
}

/* ---- inference ------------------------------------------------------------- */

const struct model *model_infer(const char *product_type, bool have_ids, unsigned int cpid,
                                unsigned int bdid)
{
	const struct family_rule *r = NULL;
	struct pooled p;

	init_pooled(&p, MODEL_ORIGIN_UNKNOWN, have_ids ? cpid : 0, have_ids ? bdid : 0);
	if (product_type && product_type[0]) {
		/* A product type is more specific than a CPID: it alone decides. */
		if ((r = product_rule(product_type)))
			snprintf(p.basis, sizeof(p.basis), "every %s shares these buttons",
			         r->family);
		snprintf(p.product_type, sizeof(p.product_type), "%s", product_type);
		snprintf(p.name, sizeof(p.name), "Unknown model (%s)", product_type);
	} else if (have_ids) {
		if ((r = rule_for_cpid(cpid)))
			snprintf(p.basis, sizeof(p.basis),
			         "every model with CPID 0x%04x in irecctl's table is an %s, "
			         "and every %s shares these buttons",
			         cpid, r->family, r->family);
		snprintf(p.name, sizeof(p.name), "Unknown model (CPID 0x%04x, BDID 0x%02x)", cpid,
		         bdid);
	}
	if (!r)
		return NULL;
	apply_rule(&p, r);
	return intern(&p);
}

/* ---- libirecovery's table ---------------------------------------------------- */

static bool entry_matches(const struct irecv_device *e, const char *pt, const char *hw,
                          bool have_ids, unsigned int cpid, unsigned int bdid)
{
	if (pt && pt[0])
		return !strcasecmp(e->product_type, pt) &&
		       (!hw || !hw[0] || !e->hardware_model || !strcasecmp(e->hardware_model, hw));
	return have_ids && e->chip_id == cpid && e->board_id == bdid;
}

static const struct model *from_entry(const struct irecv_device *e)
{
	const struct family_rule *r;
	struct pooled p;
	enum device_class dc;
	unsigned int major;

	if (!parse_product(e->product_type, &dc, &major))
		return NULL; /* a kind of device irecctl has no class for */
	init_pooled(&p, MODEL_ORIGIN_LIBIRECOVERY, e->chip_id, e->board_id);
	snprintf(p.product_type, sizeof(p.product_type), "%s", e->product_type);
	snprintf(p.board, sizeof(p.board), "%s", e->hardware_model ? e->hardware_model : "");
	for (char *c = p.board; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	snprintf(p.name, sizeof(p.name), "%s", e->display_name ? e->display_name : e->product_type);
	p.m.device_class = dc;
	if ((r = rule_for(dc, major))) {
		snprintf(p.basis, sizeof(p.basis), "every %s shares these buttons", r->family);
		apply_rule(&p, r);
	} else {
		p.m.buttons_unknown = true;
	}
	return intern(&p);
}

const struct model *model_from_irecv_table(const struct irecv_device *table,
                                           const char *product_type, const char *hw_model,
                                           bool have_ids, unsigned int cpid, unsigned int bdid)
{
	for (const struct irecv_device *e = table; e && e->product_type; e++) {
		if (!entry_matches(e, product_type, hw_model, have_ids, cpid, bdid))
			continue;
		/* irecctl's own row, when it has one, is the better source. */
		if (model_by_product_type(e->product_type))
			return NULL;
		return from_entry(e);
	}
	return NULL;
}

const struct model *model_from_libirecovery(const char *product_type, const char *hw_model,
                                            bool have_ids, unsigned int cpid, unsigned int bdid)
{
	return model_from_irecv_table(irecv_devices_get_all(), product_type, hw_model, have_ids,
	                              cpid, bdid);
}
