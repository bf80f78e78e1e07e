#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""validate.py [--lines] [--loose] SCHEMA FILE...

Validates each FILE (the stdout of an `irecctl ... --json` run; with
--lines one JSON document per line, as `watch --json` prints) against
schemas/SCHEMA.schema.json, then checks that every key the output has is
documented in the schema (the shipped schemas let later versions add keys;
the tests must not let this version add undocumented ones). --loose skips
that second check. SCHEMA may also be an irecctl command name.

References between the schema files are resolved from the directory only:
nothing is ever fetched.
"""
import json
import os
import sys

import jsonschema

SCHEMA_DIR = os.environ.get("IRECCTL_SCHEMA_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas")
COMMAND_SCHEMA = {"enter": "modechange", "exit": "modechange"}


def load_all():
    store = {}
    for name in sorted(os.listdir(SCHEMA_DIR)):
        if name.endswith(".schema.json"):
            with open(os.path.join(SCHEMA_DIR, name)) as f:
                store[name] = json.load(f)
    return store


def no_fetch(uri):
    raise LookupError(f"refusing to fetch {uri}: every schema is local")


def make_validator(store, name):
    schema = store[name]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    try:
        from referencing import Registry, Resource
    except ImportError:
        resolver = jsonschema.RefResolver(base_uri=name, referrer=schema, store=store,
                                          handlers={"http": no_fetch, "https": no_fetch})
        return cls(schema, resolver=resolver)
    registry = Registry(retrieve=no_fetch).with_resources(
        (n, Resource.from_contents(s)) for n, s in store.items())
    return cls(schema | {"$id": name}, registry=registry)


# --- undocumented keys -------------------------------------------------------
def resolve(store, base, ref):
    """(file, subschema) a $ref names, relative to the file base."""
    file, _, pointer = ref.partition("#")
    file = file or base
    node = store[file]
    for part in filter(None, pointer.split("/")):
        node = node[part]
    return file, node


def branches(store, base, schema):
    """Every (file, subschema) that applies to the same instance."""
    out = [(base, schema)]
    if "$ref" in schema:
        out += branches(store, *resolve(store, base, schema["$ref"]))
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            out += branches(store, base, sub)
    for key in ("then", "else"):
        if key in schema:
            out += branches(store, base, schema[key])
    return out


def undocumented(store, base, schema, value, path):
    found = []
    applying = branches(store, base, schema)
    if isinstance(value, dict):
        open_ended = any(s.get("additionalProperties", False) is not False or
                         "patternProperties" in s for _, s in applying)
        props = {}
        for file, s in applying:
            for k, sub in s.get("properties", {}).items():
                props.setdefault(k, []).append((file, sub))
        for k, v in value.items():
            if k not in props:
                if not open_ended:
                    found.append(f"{path}.{k}")
                continue
            for file, sub in props[k]:
                found += undocumented(store, file, sub, v, f"{path}.{k}")
    elif isinstance(value, list):
        for file, s in applying:
            if isinstance(s.get("items"), dict):
                for i, v in enumerate(value):
                    found += undocumented(store, file, s["items"], v, f"{path}[{i}]")
    return sorted(set(found))


def main(argv):
    lines = "--lines" in argv
    loose = "--loose" in argv
    args = [a for a in argv if a not in ("--lines", "--loose")]
    if len(args) < 2:
        sys.exit(__doc__)
    store = load_all()
    name = COMMAND_SCHEMA.get(args[0], args[0]) + ".schema.json"
    if name not in store:
        sys.exit(f"validate.py: no schema {name} in {SCHEMA_DIR}")
    validator = make_validator(store, name)
    count = 0
    for path in args[1:]:
        with open(path) as f:
            text = f.read()
        docs = [l for l in text.splitlines() if l.strip()] if lines else [text]
        for n, doc in enumerate(docs, 1):
            where = f"{path}:{n}" if lines else path
            try:
                value = json.loads(doc)
            except ValueError as e:
                sys.exit(f"FAIL: {where}: not JSON: {e}")
            errors = sorted(validator.iter_errors(value), key=lambda e: list(e.path))
            for e in errors[:5]:
                print(f"FAIL: {where}: {'/'.join(map(str, e.path)) or '(root)'}: {e.message}",
                      file=sys.stderr)
            if errors:
                sys.exit(1)
            extra = [] if loose else undocumented(store, name, store[name], value, "$")
            if extra:
                sys.exit(f"FAIL: {where}: keys not in {name}: {', '.join(extra)}")
            count += 1
    print(f"ok: {count} document(s) match {name}")


main(sys.argv[1:])
