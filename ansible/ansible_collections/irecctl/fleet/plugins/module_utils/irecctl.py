# -*- coding: utf-8 -*-
# Copyright: irecctl contributors
# GNU Lesser General Public License v2.1+ (see LICENSE or https://www.gnu.org/licenses/lgpl-2.1.txt)
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared code of the irecctl modules: run `irecctl ... --json` with an
argument vector and read only its JSON and its exit code.

irecctl's human text (stderr, the table without --json) is never parsed:
it is handed back verbatim for people to read. JSON is read by key, so
fields irecctl adds later (schema_version, new keys) change nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# irecctl's exit codes (README "Exit codes", include/irecctl/exitcode.h):
# code -> (stable name, meaning). Codes added later are still reported, by
# number and by the name irecctl's JSON gives them.
EXIT_CODES = {
    0: ("ok", "success"),
    1: ("failed", "general failure"),
    2: ("usage", "invalid command line"),
    3: ("no-device", "no attached device matches"),
    4: ("ambiguous", "more than one device matches"),
    5: ("timeout", "timed out waiting for the device"),
    6: ("busy", "the device is locked by another irecctl process"),
    7: ("wrong-mode", "the device's current mode does not allow the request"),
    8: ("needs-person", "a person must press the device's buttons"),
    9: ("not-trusted", "the device does not trust (is not paired with) this host"),
    10: ("permission", "permission denied on the USB device"),
    11: ("recovery-loop", "the device came back in recovery mode: its OS does not boot"),
    12: ("other-mode", "the device arrived in a different mode than requested"),
    13: ("not-implemented", "this irecctl does not implement the subcommand"),
    14: ("disconnected", "the device disconnected during the command"),
    15: ("passcode-locked", "the device is passcode-locked; unlock it first"),
    16: ("protocol", "the device sent a malformed or unexpected reply"),
    17: ("engine-unusable", "the restore engine (idevicerestore) is missing, too old, or cannot do this"),
    18: ("ipsw-mismatch", "the IPSW does not fit the device (model, board, identity, components, space)"),
    19: ("not-signed", "Apple's signing server refuses this version for the device"),
    20: ("signing-unreachable", "the signing server could not be reached"),
    21: ("restore-failed", "the restore failed after the point of no return: restore the device again"),
    22: ("cannot-verify", "irecctl could not watch for the result (usbmuxd unusable), so it sent nothing"),
    130: ("interrupted", "interrupted by SIGINT or SIGTERM"),
}

NAME_TO_CODE = dict((v[0], k) for k, v in EXIT_CODES.items())

# Modes irecctl reports, grouped the way enter/exit treat them.
DFU_LIKE = frozenset(("dfu", "wtf", "kis", "port-dfu"))

# irecctl's JSON contract: every record carries "schema_version", which
# changes only when a key is removed, renamed or changes meaning (keys may
# be added within a version). The versions this collection was written for:
KNOWN_SCHEMA_VERSIONS = (1,)

# Where a list of records may sit in a JSON document, in order of preference.
LIST_KEYS = ("devices", "results", "targets")


def exit_name(code, hint=None):
    """The stable name of an exit code; `hint` (a JSON "result") for codes
    this table does not know yet."""
    if code in EXIT_CODES:
        return EXIT_CODES[code][0]
    return hint or "exit-%d" % code


def exit_meaning(code, hint=None):
    """'busy (exit 6: the device is locked by another irecctl process)'."""
    if hint and hint in NAME_TO_CODE:
        code = NAME_TO_CODE[hint] if code is None else code
    known = EXIT_CODES.get(code)
    if known:
        return "%s (exit %d: %s)" % (known[0], code, known[1])
    return "%s (exit %s)" % (hint or "unknown", code)


def parse_ecid(value):
    """An ECID as irecctl accepts it ('0x...' hex or decimal) -> int, or None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    try:
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        return None


def format_ecid(ecid):
    return "0x%016x" % ecid


def record_ecid(record):
    """A record's ECID as an int, from "ecid" or "ecid_int"."""
    ecid = parse_ecid(record.get("ecid"))
    if ecid is None:
        ecid = parse_ecid(record.get("ecid_int"))
    return ecid


def parse_documents(text):
    """stdout -> list of JSON values: one document, or NDJSON lines."""
    text = (text or "").strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    docs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            docs.append(json.loads(line))
        except ValueError:
            return None
    return docs


def records_of(doc):
    """The device records in one JSON document: a list of objects, an
    object holding such a list under a known key, or one record."""
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    if not isinstance(doc, dict):
        return []
    for key in LIST_KEYS:
        if isinstance(doc.get(key), list):
            return [r for r in doc[key] if isinstance(r, dict)]
    if "ecid" in doc or "udid" in doc:
        return [doc]
    return []


def diagnostics(text, limit=400):
    """irecctl's stderr on one line, for a failure message (read by people,
    never parsed)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    joined = " / ".join(lines)
    return joined if len(joined) <= limit else joined[:limit - 3] + "..."


def failure_hint(records):
    """The first irecctl result name other than "ok" in the records: it
    names exit codes the table above does not know yet."""
    return next((r["result"] for r in records
                 if isinstance(r.get("result"), str) and r["result"] != "ok"), None)


def failure_text(what, res, hint=None):
    """'WHAT: busy (exit 6: the device is ...): irecctl's stderr'."""
    msg = "%s: %s" % (what, exit_meaning(res.rc, hint))
    detail = diagnostics(res.stderr)
    return msg + ": " + detail if detail else msg


def irecctl_argument_spec(select_all=True, **options):
    """The argument spec of the options every module shares (documented in
    the irecctl.fleet.irecctl doc fragments), plus the module's own. With
    select_all, the devices are selected by exactly one of ecid, udid and
    all (Irecctl.require_selection)."""
    spec = dict(
        ecid=dict(type="str"),
        udid=dict(type="str"),
        timeout=dict(type="float"),
        binary=dict(type="path"),
    )
    if select_all:
        spec["all"] = dict(type="bool", default=False)
    spec.update(options)
    return spec


def schema_versions(docs):
    """Every schema_version in the documents: of an enclosing object, and of
    each record (irecctl stamps each one)."""
    found = []
    for doc in docs or []:
        objs = ([doc] if isinstance(doc, dict) else []) + records_of(doc)
        for obj in objs:
            if "schema_version" in obj and obj["schema_version"] not in found:
                found.append(obj["schema_version"])
    return found


def schema_version(docs):
    """The documents' schema_version (the first one), or None."""
    found = schema_versions(docs)
    return found[0] if found else None


class IrecctlResult(object):
    def __init__(self, argv, rc, stdout, stderr):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.docs = parse_documents(stdout)

    @property
    def json_ok(self):
        return self.docs is not None

    def records(self):
        out = []
        for doc in self.docs or []:
            out.extend(records_of(doc))
        return out

    def objects(self):
        return [d for d in self.docs or [] if isinstance(d, dict)]


class Irecctl(object):
    """irecctl on this host: the `binary` option, else `irecctl` on PATH."""

    def __init__(self, module, binary=None, timeout=None):
        self.module = module
        if binary:
            self.path = binary
        else:
            self.path = module.get_bin_path("irecctl", required=True)
        self.timeout = timeout

    @classmethod
    def from_params(cls, module):
        """irecctl as the shared options (irecctl_argument_spec) name it."""
        return cls(module, module.params.get("binary"), module.params.get("timeout"))

    def require_selection(self, params):
        """Exactly one of ecid, udid and all: true. (AnsibleModule's
        mutually_exclusive and required_one_of count all: false as given.)"""
        given = [k for k in ("ecid", "udid") if params.get(k) is not None]
        given += ["all"] if params.get("all") else []
        if len(given) != 1:
            self.module.fail_json(msg="give exactly one of ecid, udid or all: true (got %s)"
                                  % (", ".join(given) or "none"))
        return self.selection(params.get("ecid"), params.get("udid"), params.get("all"))

    def selection(self, ecid=None, udid=None, all_devices=False):
        if all_devices:
            return ["--all"]
        if ecid is not None:
            parsed = parse_ecid(ecid)
            if parsed is None:
                self.module.fail_json(msg="ecid %r is neither 0x-prefixed hex nor decimal" % ecid)
            return ["-d", format_ecid(parsed)]
        if udid:
            return ["-d", udid]
        return []

    def run(self, command, args=(), text_ok=False):
        """Run irecctl; its stdout must be JSON. With text_ok (a plan, whose
        outcome is its exit code alone) other stdout is kept verbatim for
        people, never read, and the module warns."""
        argv = [self.path, command] + list(args) + ["--json"]
        if self.timeout is not None:
            argv += ["--timeout", "%g" % self.timeout]
        # A list is never given to a shell; no ~ or $VAR expansion either.
        rc, out, err = self.module.run_command(argv, check_rc=False, expand_user_and_vars=False)
        result = IrecctlResult(argv, rc, out, err)
        if not result.json_ok and text_ok:
            self.module.warn("irecctl %s printed text, not JSON: its exit code alone is the outcome"
                             % command)
            result.docs = []
            return result
        if not result.json_ok:
            self.module.fail_json(msg="%s %s printed something that is not JSON (exit %d)"
                                  % (self.path, command, rc), rc=rc, cmd=argv,
                                  stdout=out, stderr=err)
        unknown = [v for v in schema_versions(result.docs) if v not in KNOWN_SCHEMA_VERSIONS]
        if unknown:
            self.module.warn("irecctl %s printed JSON schema_version %s; this collection knows %s "
                             "and reads it by key, but a key it relies on may have changed"
                             % (command, ", ".join(str(v) for v in unknown),
                                ", ".join(str(v) for v in KNOWN_SCHEMA_VERSIONS)))
        return result

    def status(self, selection=()):
        """`irecctl status --json`: the attached devices (filtered by -d)."""
        res = self.run("status", selection)
        if res.rc == 3:  # no-device: -d named a device that is not attached
            return res, []
        if res.rc != 0:
            self.fail(res, "irecctl status failed")
        return res, res.records()

    def fail(self, res, what, **extra):
        hint = failure_hint(res.objects())
        self.module.fail_json(msg=failure_text(what, res, hint), rc=res.rc,
                              reason=exit_name(res.rc, hint), cmd=res.argv,
                              stderr=res.stderr, **extra)
