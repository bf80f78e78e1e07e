/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "irecctl/contract.h"

/* A copy with schema_version first: readers see the version before the data. */
static json_t *stamp_object(json_t *o)
{
	json_t *s = json_object();

	if (!s ||
	    json_object_set_new(s, "schema_version", json_integer(IRECCTL_JSON_SCHEMA_VERSION)) !=
	            0 ||
	    json_object_update(s, o) != 0) {
		json_decref(s);
		return NULL;
	}
	return s;
}

json_t *contract_stamp(json_t *value)
{
	size_t i;
	json_t *v;

	if (json_is_object(value))
		return stamp_object(value);
	if (!json_is_array(value))
		return json_incref(value);
	json_array_foreach(value, i, v)
	{
		if (!json_is_object(v))
			continue;
		json_t *s = stamp_object(v);
		if (!s || json_array_set_new(value, i, s) != 0)
			return NULL;
	}
	return json_incref(value);
}
