/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The model table and its lookups. The rows are data (model-table.inc,
 * generated from the reference CSV); this file only searches them. With
 * ~320 rows a linear scan is faster than anything worth maintaining.
 */
#include "irecctl/model.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const struct model models[] = {
#define MODEL(pt, hw, cpid, bdid, name, dc, rec, dfu, fr, pid, pidc, scr, lib)                     \
	{pt, hw, cpid, bdid, name, dc, rec, dfu, fr, pid, pidc, scr, lib},
#include "model-table.inc"
#undef MODEL
};

#define NMODELS (sizeof(models) / sizeof(models[0]))

size_t model_count(void)
{
	return NMODELS;
}

const struct model *model_at(size_t i)
{
	return i < NMODELS ? &models[i] : NULL;
}

const struct model *model_by_product_type(const char *product_type)
{
	if (!product_type)
		return NULL;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].product_type, product_type) == 0)
			return &models[i];
	return NULL;
}

const struct model *model_by_board(const char *board_config)
{
	if (!board_config)
		return NULL;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].board_config, board_config) == 0)
			return &models[i];
	return NULL;
}

const struct model *model_by_cpid_bdid(unsigned int cpid, unsigned int bdid)
{
	for (size_t i = 0; i < NMODELS; i++)
		if (models[i].cpid == cpid && models[i].bdid == bdid)
			return &models[i];
	return NULL;
}

const struct model *model_by_product_and_hwmodel(const char *product_type, const char *hw_model)
{
	if (!product_type)
		return NULL;
	if (hw_model) {
		for (size_t i = 0; i < NMODELS; i++)
			if (strcasecmp(models[i].product_type, product_type) == 0 &&
			    strcasecmp(models[i].board_config, hw_model) == 0)
				return &models[i];
	}
	return model_by_product_type(product_type);
}

size_t model_variants(const struct model *m)
{
	size_t n = 0;

	if (!m)
		return 0;
	for (size_t i = 0; i < NMODELS; i++)
		if (strcasecmp(models[i].product_type, m->product_type) == 0)
			n++;
	return n;
}

/* ---- model_find ---------------------------------------------------------- */

/* The query, trimmed, as pointer + length: never copied, never modified. */
struct query {
	const char *s;
	size_t len;
};

static bool is_word_char(char c)
{
	return isalnum((unsigned char)c);
}

static bool eq_ci(const char *a, struct query q)
{
	return strlen(a) == q.len && strncasecmp(a, q.s, q.len) == 0;
}

/* A word edge sits between a word character and a non-word one (or the end). */
static bool word_edge(const char *hay, size_t pos)
{
	if (pos == 0 || hay[pos] == '\0')
		return true;
	return !is_word_char(hay[pos - 1]) || !is_word_char(hay[pos]);
}

/* Does q occur in hay at pos (case-insensitively), optionally as whole words? */
static bool occurs_at(const char *hay, size_t hlen, size_t pos, struct query q, bool whole_words)
{
	if (pos + q.len > hlen || strncasecmp(hay + pos, q.s, q.len) != 0)
		return false;
	return !whole_words || (word_edge(hay, pos) && word_edge(hay, pos + q.len));
}

static bool occurs(const char *hay, struct query q, bool whole_words)
{
	size_t hlen = strlen(hay);

	for (size_t pos = 0; pos + q.len <= hlen; pos++)
		if (occurs_at(hay, hlen, pos, q, whole_words))
			return true;
	return false;
}

static bool match_exact(const struct model *m, struct query q)
{
	return eq_ci(m->product_type, q) || eq_ci(m->board_config, q) || eq_ci(m->name, q);
}

static bool match_prefix_word(const struct model *m, struct query q)
{
	return occurs_at(m->name, strlen(m->name), 0, q, true);
}

static bool match_prefix(const struct model *m, struct query q)
{
	return occurs_at(m->name, strlen(m->name), 0, q, false);
}

static bool match_infix_word(const struct model *m, struct query q)
{
	return occurs(m->name, q, true);
}

static bool match_infix(const struct model *m, struct query q)
{
	return occurs(m->name, q, false);
}

/* Every space-separated word of the query occurs somewhere in the name. */
static bool match_all_words(const struct model *m, struct query q)
{
	size_t i = 0, nwords = 0;

	while (i < q.len) {
		while (i < q.len && q.s[i] == ' ')
			i++;
		size_t start = i;
		while (i < q.len && q.s[i] != ' ')
			i++;
		if (i == start)
			break;
		struct query word = {q.s + start, i - start};
		if (!occurs(m->name, word, false))
			return false;
		nwords++;
	}
	return nwords > 0;
}

typedef bool (*match_fn)(const struct model *m, struct query q);

/* Most specific first: see model.h. */
static const match_fn tiers[] = {
        match_exact,      match_prefix_word, match_prefix,
        match_infix_word, match_infix,       match_all_words,
};

static bool same_product(const struct model *a, const struct model *b)
{
	return strcasecmp(a->product_type, b->product_type) == 0;
}

/* An earlier row of the same product type also matches: count it once. */
static bool counted_before(size_t i, match_fn match, struct query q)
{
	for (size_t j = 0; j < i; j++)
		if (same_product(&models[j], &models[i]) && match(&models[j], q))
			return true;
	return false;
}

/* Collect the rows matching one tier into res, one per product type. */
static void collect(match_fn match, struct query q, struct model_find_result *res)
{
	res->ncandidates = 0;
	for (size_t i = 0; i < NMODELS; i++) {
		if (!match(&models[i], q) || counted_before(i, match, q))
			continue;
		if (res->ncandidates < MODEL_FIND_MAX_CANDIDATES)
			res->candidates[res->ncandidates] = &models[i];
		res->ncandidates++;
	}
}

static struct query trim(const char *s)
{
	struct query q = {s, strlen(s)};

	while (q.len > 0 && isspace((unsigned char)q.s[0])) {
		q.s++;
		q.len--;
	}
	while (q.len > 0 && isspace((unsigned char)q.s[q.len - 1]))
		q.len--;
	return q;
}

enum model_find_status model_find(const char *query, struct model_find_result *res)
{
	struct model_find_result scratch;

	if (!res)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	res->status = MODEL_NOT_FOUND;
	if (!query)
		return res->status;

	struct query q = trim(query);
	if (q.len == 0)
		return res->status;

	for (size_t t = 0; t < sizeof(tiers) / sizeof(tiers[0]); t++) {
		collect(tiers[t], q, res);
		if (res->ncandidates == 1) {
			res->model = res->candidates[0];
			res->status = MODEL_FOUND;
			return res->status;
		}
		if (res->ncandidates > 1) {
			res->status = MODEL_AMBIGUOUS;
			return res->status;
		}
	}
	return res->status;
}

/* ---- names --------------------------------------------------------------- */

#define NAME2_(e, name) [e] = name,
#define NAME1_(e)       [e] = #e,
static const char *const device_class_names[] = {DEVICE_CLASSES(NAME2_)};
static const char *const rec_names[] = {REC_CLASSES(NAME1_)};
static const char *const dfu_names[] = {DFU_CLASSES(NAME1_)};
static const char *const fr_names[] = {FR_CLASSES(NAME1_)};
#undef NAME1_
#undef NAME2_

static const char *const pid_confidence_names[] = {
        [PID_NONE] = "none",
        [PID_KNOWN] = "known",
        [PID_INFERRED] = "inferred",
};

static const char *const screen_names[] = {
        [SCREEN_NA] = "n/a",
        [SCREEN_ITUNES_LOGO_ONLY] = "itunes-logo-only",
        [SCREEN_MODERN_POSSIBLE] = "modern-possible",
};

/* Casting to unsigned rejects negative values from a corrupted enum too. */
#define NAME_OR_UNKNOWN(table, v)                                                                  \
	((unsigned)(v) < sizeof(table) / sizeof(table[0]) ? table[v] : "unknown")

const char *device_class_name(enum device_class c)
{
	return NAME_OR_UNKNOWN(device_class_names, c);
}

const char *rec_class_name(enum rec_class c)
{
	return NAME_OR_UNKNOWN(rec_names, c);
}

const char *dfu_class_name(enum dfu_class c)
{
	return NAME_OR_UNKNOWN(dfu_names, c);
}

const char *fr_class_name(enum fr_class c)
{
	return NAME_OR_UNKNOWN(fr_names, c);
}

const char *pid_confidence_name(enum pid_confidence c)
{
	return NAME_OR_UNKNOWN(pid_confidence_names, c);
}

const char *recovery_screen_name(enum recovery_screen s)
{
	return NAME_OR_UNKNOWN(screen_names, s);
}
