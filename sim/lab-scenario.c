/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario files: a script of timed control commands.
 *
 *   # comment
 *   device iPhone10,3:normal:ios=14.4     initial device, plugged at start
 *   0    plug iPhone12,1:recovery         AT_MS COMMAND (control commands)
 *   500  mode 1 recovery
 *   1200 unplug 2
 *
 * Times count from the moment COMMAND starts. Events run in time order,
 * lines with equal times in file order: one timer at a time, re-armed for
 * the next event, so the order never depends on GLib's source ordering.
 */
#include <stdio.h>
#include <string.h>

#include "lab-core.h"

struct event {
	guint64 at_ms;
	unsigned lineno;
	char *command;
};

static GPtrArray *events; /* struct event*, sorted by at_ms (stable) */
static unsigned next_event;
static gint64 start_us;

static void event_free(gpointer p)
{
	struct event *ev = p;

	g_free(ev->command);
	g_free(ev);
}

static gint event_cmp(gconstpointer a, gconstpointer b)
{
	const struct event *x = *(struct event *const *)a, *y = *(struct event *const *)b;

	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	return x->lineno < y->lineno ? -1 : (x->lineno > y->lineno);
}

static bool load_line(const char *path, unsigned lineno, char *line, GError **error)
{
	struct event *ev;
	char *end = NULL;
	GError *err = NULL;

	if (g_str_has_prefix(line, "device") && g_ascii_isspace(line[6])) {
		if (lab_device_add(g_strstrip(line + 7), &err))
			return true;
		g_set_error(error, LAB_ERROR, 0, "%s:%u: %s", path, lineno, err->message);
		g_error_free(err);
		return false;
	}
	ev = g_new0(struct event, 1);
	ev->at_ms = g_ascii_strtoull(line, &end, 10);
	if (end == line || !g_ascii_isspace(*end)) {
		g_set_error(error, LAB_ERROR, 0, "%s:%u: expected 'device SPEC' or 'AT_MS COMMAND'",
		            path, lineno);
		g_free(ev);
		return false;
	}
	ev->lineno = lineno;
	ev->command = g_strdup(g_strstrip(end));
	g_ptr_array_add(events, ev);
	return true;
}

bool lab_scenario_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &text, NULL, error))
		return false;
	if (!events)
		events = g_ptr_array_new_with_free_func(event_free);
	lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]);

		if (!*line || *line == '#')
			continue;
		if (!load_line(path, i + 1, line, error))
			return false;
	}
	g_ptr_array_sort(events, event_cmp);
	return true;
}

static void on_reply(const char *reply, gpointer user)
{
	struct event *ev = user;

	if (g_str_has_prefix(reply, "error:") || strstr(reply, "\nerror:"))
		g_printerr("irecsim: scenario line %u (%s): %s", ev->lineno, ev->command, reply);
}

static gboolean run_due(gpointer data);

static void arm_next(void)
{
	gint64 elapsed_ms = (g_get_monotonic_time() - start_us) / 1000;
	struct event *ev;

	if (!events || next_event >= events->len)
		return;
	ev = g_ptr_array_index(events, next_event);
	g_timeout_add(ev->at_ms > (guint64)elapsed_ms ? ev->at_ms - elapsed_ms : 0, run_due, NULL);
}

static gboolean run_due(gpointer data)
{
	gint64 elapsed_ms = (g_get_monotonic_time() - start_us) / 1000;

	(void)data;
	while (next_event < events->len) {
		struct event *ev = g_ptr_array_index(events, next_event);

		if (ev->at_ms > (guint64)elapsed_ms)
			break;
		next_event++;
		lab_log(NULL, "scenario", "line %u at %llu ms: %s", ev->lineno,
		        (unsigned long long)ev->at_ms, ev->command);
		lab_command_run(ev->command, on_reply, ev);
	}
	arm_next();
	return G_SOURCE_REMOVE;
}

void lab_scenario_start(void)
{
	start_us = g_get_monotonic_time();
	next_event = 0;
	arm_next();
}
