/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * model_find(): a model from what a person types. Names are compared as
 * normalised words (case, punctuation, parentheses, "generation"/"gen",
 * "Wi-Fi"/"WiFi" fold away; "3" reads "3rd"), most specific reading first. A
 * name that matches several models answers when every model a looser
 * reading could mean shares the same buttons, and (for several) the query
 * names the family; otherwise it is ambiguous, closest candidates first.
 * See model.h for the tiers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "irecctl/model.h"

#define COUNT(a)  (sizeof(a) / sizeof((a)[0]))
#define TOK_MAX   16
#define TOK_LEN   24
#define QUERY_MAX 128

struct tokens {
	size_t n;
	char t[TOK_MAX][TOK_LEN];
};

/* Words with one meaning and several spellings; "" drops a word only some
 * spellings carry. "gen" stays: "iPad (9th gen)" is not "iPad 9" (9.7-inch?). */
static const struct {
	const char *from, *to;
} synonyms[] = {
        {"generation", "gen"}, {"inch", ""}, {"apple", ""}, {"the", ""}, {"and", ""},
};

/* Two words read as one ("Wi-Fi" is "wi" "fi"; "Wi-Fi + Cellular" is the cellular model). */
static const struct {
	const char *first, *second, *joined;
} pairs[] = {
        {"wi", "fi", "wifi"},
        {"wifi", "cellular", "cellular"},
};

/* Words that tell variants of one model apart: what a person may leave out. */
static const char *const variant_words[] = {
        "wifi", "cellular", "global", "gsm", "cdma", "china", "1tb", "2tb",
};

static const char *synonym(const char *w)
{
	for (size_t i = 0; i < COUNT(synonyms); i++)
		if (!strcmp(w, synonyms[i].from))
			return synonyms[i].to;
	return w;
}

static void push_word(struct tokens *tk, const char *w, size_t len)
{
	char buf[TOK_LEN];

	if (tk->n >= TOK_MAX)
		return;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)tolower((unsigned char)w[i]);
	buf[len] = '\0';
	const char *s = synonym(buf);
	if (s[0])
		snprintf(tk->t[tk->n++], TOK_LEN, "%s", s);
}

/* Join the pairs of pairs[] in place, left to right. */
static void join_pairs(struct tokens *tk)
{
	for (size_t i = 0; i + 1 < tk->n;) {
		size_t k = 0;
		while (k < COUNT(pairs) &&
		       (strcmp(tk->t[i], pairs[k].first) || strcmp(tk->t[i + 1], pairs[k].second)))
			k++;
		if (k == COUNT(pairs)) {
			i++;
			continue;
		}
		snprintf(tk->t[i], TOK_LEN, "%s", pairs[k].joined);
		memmove(tk->t[i + 1], tk->t[i + 2], (tk->n - i - 2) * TOK_LEN);
		tk->n--;
	}
}

/* Words are runs of letters and digits; everything else separates them. */
static void tokenize(const char *s, struct tokens *tk)
{
	tk->n = 0;
	for (size_t i = 0; s[i];) {
		while (s[i] && !isalnum((unsigned char)s[i]))
			i++;
		size_t start = i;
		while (s[i] && isalnum((unsigned char)s[i]))
			i++;
		if (i > start)
			push_word(tk, s + start, i - start);
	}
	join_pairs(tk);
}

static bool is_variant(const char *w)
{
	size_t n = strlen(w);

	for (size_t i = 0; i < COUNT(variant_words); i++)
		if (!strcmp(w, variant_words[i]))
			return true;
	/* Watch case sizes: "40mm". */
	return n > 2 && !strcmp(w + n - 2, "mm") && isdigit((unsigned char)w[0]);
}

static void strip_variants(const struct tokens *in, struct tokens *out)
{
	out->n = 0;
	for (size_t i = 0; i < in->n; i++)
		if (!is_variant(in->t[i]))
			memcpy(out->t[out->n++], in->t[i], TOK_LEN);
}

/* ---- the readings, most specific first ------------------------------------- */

struct finder {
	const char *raw; /* trimmed query */
	struct tokens q;
	struct tokens *names; /* every row's name, tokenized once per lookup */
};

/* "3rd" for "3": a name's ordinal is meant by its bare number (not the other
 * way round: "9th" must not read the 9 of "12.9-inch"). */
static bool ordinal_of(const char *name_word, const char *q)
{
	size_t d = strlen(q);
	const char *suffix = name_word + d;

	for (size_t i = 0; i < d; i++)
		if (!isdigit((unsigned char)q[i]))
			return false;
	return d > 0 && !strncmp(name_word, q, d) &&
	       (!strcmp(suffix, "st") || !strcmp(suffix, "nd") || !strcmp(suffix, "rd") ||
	        !strcmp(suffix, "th"));
}

static bool word_is(const char *name_word, const char *q, bool prefix)
{
	if (prefix)
		return !strncmp(name_word, q, strlen(q));
	return !strcmp(name_word, q) || ordinal_of(name_word, q);
}

/* q equals name's words from `at` on (the last one may be a prefix). */
static bool words_at(const struct tokens *name, size_t at, const struct tokens *q, bool prefix)
{
	if (!q->n || at + q->n > name->n)
		return false;
	for (size_t i = 0; i < q->n; i++)
		if (!word_is(name->t[at + i], q->t[i], prefix && i + 1 == q->n))
			return false;
	return true;
}

static bool same_words(const struct tokens *a, const struct tokens *b)
{
	return a->n == b->n && words_at(a, 0, b, false);
}

typedef bool (*reading_fn)(const struct finder *f, const struct model *m,
                           const struct tokens *name);

static bool read_ids(const struct finder *f, const struct model *m, const struct tokens *name)
{
	(void)name;
	return !strcasecmp(m->product_type, f->raw) || !strcasecmp(m->board_config, f->raw);
}

static bool read_name(const struct finder *f, const struct model *m, const struct tokens *name)
{
	(void)m;
	return same_words(name, &f->q);
}

/* The name without its variant words ("iPhone 7" for "iPhone 7 (GSM)"). */
static bool read_base(const struct finder *f, const struct model *m, const struct tokens *name)
{
	struct tokens a, b;

	(void)m;
	strip_variants(name, &a);
	strip_variants(&f->q, &b);
	return b.n > 0 && same_words(&a, &b);
}

static bool read_start(const struct finder *f, const struct model *m, const struct tokens *name)
{
	(void)m;
	return words_at(name, 0, &f->q, true);
}

static bool read_run(const struct finder *f, const struct model *m, const struct tokens *name)
{
	(void)m;
	for (size_t at = 0; at < name->n; at++)
		if (words_at(name, at, &f->q, true))
			return true;
	return false;
}

/* Every query word is a different word of the name, in any order (the last
 * one may be cut short: "iPhone X" reads XS and XR too). */
static bool read_words(const struct finder *f, const struct model *m, const struct tokens *name)
{
	bool used[TOK_MAX] = {false};

	(void)m;
	for (size_t i = 0; i < f->q.n; i++) {
		bool prefix = i + 1 == f->q.n;
		size_t k = 0;
		while (k < name->n && (used[k] || !word_is(name->t[k], f->q.t[i], prefix)))
			k++;
		if (k == name->n)
			return false;
		used[k] = true;
	}
	return f->q.n > 0;
}

/* Every query word occurs inside some word of the name. */
static bool read_inside(const struct finder *f, const struct model *m, const struct tokens *name)
{
	(void)m;
	for (size_t i = 0; i < f->q.n; i++) {
		size_t k = 0;
		while (k < name->n && !strstr(name->t[k], f->q.t[i]))
			k++;
		if (k == name->n)
			return false;
	}
	return f->q.n > 0;
}

/* The looser reading that checks an answer: see model.h. */
#define LOOSE read_words

static const struct {
	reading_fn read;
	bool checked; /* a several-model answer must survive the looser reading */
} readings[] = {
        {read_ids, false}, {read_name, true},  {read_base, true},    {read_start, true},
        {read_run, true},  {read_words, true}, {read_inside, false},
};

/* ---- collecting candidates -------------------------------------------------- */

static bool row_reads(const struct finder *f, size_t i, reading_fn read)
{
	const struct model *m = model_at(i);

	/* A virtual device's name spells its product type ("iPhone 99,11"): only
	 * its whole name or ids mean it, never a partial one ("iPhone 11"). */
	if (m->device_class == CLASS_VM && read != read_ids && read != read_name)
		return false;
	return read(f, m, &f->names[i]);
}

/* An earlier row of the same product type reads the same: count it once. */
static bool counted_before(const struct finder *f, size_t i, reading_fn read)
{
	for (size_t j = 0; j < i; j++)
		if (!strcasecmp(model_at(j)->product_type, model_at(i)->product_type) &&
		    row_reads(f, j, read))
			return true;
	return false;
}

static bool handheld(const struct model *m)
{
	return m->device_class == CLASS_IPHONE || m->device_class == CLASS_IPAD ||
	       m->device_class == CLASS_IPOD;
}

static void push(struct model_find_result *res, const struct model *m)
{
	if (res->ncandidates < MODEL_FIND_MAX_CANDIDATES)
		res->candidates[res->ncandidates] = m;
	res->ncandidates++;
}

/* Rows that read as `read` but not as `skip`, iPhones, iPads and iPods first. */
static void collect(const struct finder *f, reading_fn read, reading_fn skip,
                    struct model_find_result *res)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < model_count(); i++) {
			if (handheld(model_at(i)) != (pass == 0) || !row_reads(f, i, read) ||
			    (skip && row_reads(f, i, skip)) || counted_before(f, i, read))
				continue;
			push(res, model_at(i));
		}
}

static bool same_buttons(const struct model *a, const struct model *b)
{
	return a->recovery == b->recovery && a->dfu == b->dfu && a->restart == b->restart;
}

/* Every row reading as `read` has m's buttons. */
static bool all_same_buttons(const struct finder *f, reading_fn read, const struct model *m)
{
	for (size_t i = 0; i < model_count(); i++)
		if (!same_buttons(model_at(i), m) && row_reads(f, i, read))
			return false;
	return true;
}

/* The query's first word starts every candidate's name: it names the family. */
static bool names_family(const struct finder *f, const struct model_find_result *res)
{
	size_t n = res->ncandidates < MODEL_FIND_MAX_CANDIDATES ? res->ncandidates
	                                                        : MODEL_FIND_MAX_CANDIDATES;

	for (size_t i = 0; i < n; i++) {
		struct tokens name;
		tokenize(res->candidates[i]->name, &name);
		if (!name.n || strcmp(name.t[0], f->q.t[0]))
			return false;
	}
	return f->q.n > 0;
}

static bool answers(const struct finder *f, size_t r, const struct model_find_result *res)
{
	const struct model *first = res->candidates[0];

	if (!all_same_buttons(f, readings[r].read, first))
		return false;
	if (readings[r].checked && !all_same_buttons(f, LOOSE, first))
		return false;
	return res->ncandidates == 1 || readings[r].read == read_ids || names_family(f, res);
}

static enum model_find_status decide(const struct finder *f, size_t r,
                                     struct model_find_result *res)
{
	if (answers(f, r, res)) {
		res->model = res->candidates[0];
		res->status = MODEL_FOUND;
		return res->status;
	}
	/* The closest first, then what the looser reading adds. */
	if (readings[r].checked && readings[r].read != LOOSE)
		collect(f, LOOSE, readings[r].read, res);
	res->status = MODEL_AMBIGUOUS;
	return res->status;
}

static bool trim_query(const char *query, char *buf, size_t len)
{
	while (isspace((unsigned char)*query))
		query++;
	snprintf(buf, len, "%s", query);
	for (size_t n = strlen(buf); n > 0 && isspace((unsigned char)buf[n - 1]); n--)
		buf[n - 1] = '\0';
	return buf[0] != '\0';
}

enum model_find_status model_find(const char *query, struct model_find_result *res)
{
	struct model_find_result scratch;
	struct finder f;
	char raw[QUERY_MAX];

	if (!res)
		res = &scratch;
	memset(res, 0, sizeof(*res));
	res->status = MODEL_NOT_FOUND;
	if (!query || !trim_query(query, raw, sizeof(raw)))
		return res->status;
	f.raw = raw;
	tokenize(raw, &f.q);
	if (!(f.names = calloc(model_count(), sizeof(*f.names))))
		return res->status;
	for (size_t i = 0; i < model_count(); i++)
		tokenize(model_at(i)->name, &f.names[i]);
	for (size_t r = 0; r < COUNT(readings) && !res->ncandidates; r++) {
		collect(&f, readings[r].read, NULL, res);
		if (res->ncandidates)
			decide(&f, r, res);
	}
	free(f.names);
	return res->status;
}
