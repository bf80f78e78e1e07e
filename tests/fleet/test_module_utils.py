# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unit tests of the collection's shared code: JSON read defensively, by
key; exit codes named as irecctl names them; check mode's plan table.
Run: python3 -m unittest (with SRC set to the source tree)."""

import os
import re
import sys
import unittest

SRC = os.environ["SRC"]
sys.path.insert(0, os.path.join(SRC, "ansible"))

from ansible_collections.irecctl.fleet.plugins.module_utils import irecctl as u  # noqa: E402
from ansible_collections.irecctl.fleet.plugins.modules import irecctl_mode as mode  # noqa: E402
from ansible_collections.irecctl.fleet.plugins.modules import irecctl_restore as restore  # noqa: E402

REC = {"ecid": "0x000a1b2c3d4e0001", "mode": "recovery"}


class Documents(unittest.TestCase):
    def test_array(self):
        self.assertEqual(u.parse_documents('[{"ecid": null}]'), [[{"ecid": None}]])

    def test_empty(self):
        self.assertEqual(u.parse_documents(""), [])
        self.assertEqual(u.parse_documents("\n"), [])

    def test_ndjson(self):
        docs = u.parse_documents('{"phase": "upload", "fraction": 0.5}\n\n{"result": "ok"}\n')
        self.assertEqual(docs, [{"phase": "upload", "fraction": 0.5}, {"result": "ok"}])

    def test_not_json(self):
        self.assertIsNone(u.parse_documents("MODE  MODEL\nrecovery  iPhone X\n"))


class Records(unittest.TestCase):
    def test_plain_array(self):
        self.assertEqual(u.records_of([REC, "junk"]), [REC])

    def test_versioned_object(self):
        # the shape a schema_version'ed contract may take
        doc = {"schema_version": 1, "devices": [REC]}
        self.assertEqual(u.records_of(doc), [REC])
        self.assertEqual(u.schema_version([doc]), 1)
        self.assertEqual(u.records_of({"schema_version": "1.0", "results": [REC]}), [REC])

    def test_stamped_records(self):
        # irecctl stamps every record of an array (schemas/, contract.h)
        docs = u.parse_documents('[{"schema_version": 1, "ecid": "0x1"}, {"schema_version": 2}]')
        self.assertEqual(u.schema_versions(docs), [1, 2])
        self.assertEqual(u.schema_version(docs), 1)
        self.assertEqual(u.schema_versions(u.parse_documents("[]")), [])

    def test_single_record(self):
        self.assertEqual(u.records_of(REC), [REC])

    def test_no_records(self):
        self.assertEqual(u.records_of({"schema_version": 1}), [])
        self.assertEqual(u.records_of(3), [])
        self.assertIsNone(u.schema_version([[REC]]))

    def test_unknown_keys_kept(self):
        rec = dict(REC, new_field={"x": 1})
        self.assertEqual(u.records_of({"devices": [rec]})[0]["new_field"], {"x": 1})

    def test_ecid_from_either_key(self):
        self.assertEqual(u.record_ecid(REC), 0xA1B2C3D4E0001)
        self.assertEqual(u.record_ecid({"ecid": None, "ecid_int": 17}), 17)
        self.assertIsNone(u.record_ecid({"ecid": None, "udid": "x"}))


class Ecids(unittest.TestCase):
    def test_forms(self):
        self.assertEqual(u.parse_ecid("0x1A"), 26)
        self.assertEqual(u.parse_ecid("26"), 26)
        self.assertEqual(u.parse_ecid(26), 26)
        self.assertEqual(u.parse_ecid(" 0X1a "), 26)
        self.assertIsNone(u.parse_ecid("1A"))
        self.assertIsNone(u.parse_ecid("0xzz"))
        self.assertEqual(u.format_ecid(26), "0x000000000000001a")


class ExitCodes(unittest.TestCase):
    def test_meaning(self):
        self.assertEqual(u.exit_meaning(6), "busy (exit 6: the device is locked by another irecctl process)")
        self.assertTrue(u.exit_meaning(11).startswith("recovery-loop (exit 11: "))

    def test_unknown_code_uses_json_name(self):
        self.assertEqual(u.exit_name(42, "not-signed"), "not-signed")
        self.assertEqual(u.exit_meaning(42, "not-signed"), "not-signed (exit 42)")
        self.assertEqual(u.exit_name(42), "exit-42")

    def test_table_matches_irecctl(self):
        """Every code the modules name is irecctl's own (exitcode.h, exitcode.c)."""
        with open(os.path.join(SRC, "include/irecctl/exitcode.h")) as f:
            numbers = dict(re.findall(r"^\s*(IREC_[A-Z]+) = (\d+),", f.read(), re.M))
        with open(os.path.join(SRC, "src/exitcode.c")) as f:
            names = re.findall(r'\{(IREC_[A-Z]+), "([a-z-]+)"', f.read())
        table = dict((int(numbers[sym]), name) for sym, name in names)
        self.assertTrue(set(range(0, 17)) <= set(table), "irecctl's table not found")
        for code, (name, _) in u.EXIT_CODES.items():
            # codes of a command not merged yet may be missing; never different
            self.assertIn(table.get(code), (name, None), "exit code %d" % code)
        self.assertTrue(set(range(0, 17)) <= set(u.EXIT_CODES))
        missing = sorted(set(table) - set(u.EXIT_CODES))
        if missing:
            sys.stderr.write("note: codes the modules name only through JSON: %s\n" % missing)


class Recorder(object):
    """What Irecctl asks of AnsibleModule, recorded (unit tests only; the
    modules run under the real AnsibleModule in the lab cases)."""

    def __init__(self, stdout, rc=0):
        self.stdout, self.rc, self.warnings, self.argv = stdout, rc, [], None

    def run_command(self, argv, check_rc=False, expand_user_and_vars=True):
        assert expand_user_and_vars is False and check_rc is False
        self.argv = argv
        return self.rc, self.stdout, ""

    def warn(self, text):
        self.warnings.append(text)

    def fail_json(self, **kw):
        raise AssertionError(kw)


class Runs(unittest.TestCase):
    def test_argument_vector(self):
        m = Recorder("[]")
        u.Irecctl(m, "/opt/irecctl", timeout=7.5).run("exit", ["-d", "0x1"])
        self.assertEqual(m.argv, ["/opt/irecctl", "exit", "-d", "0x1", "--json", "--timeout", "7.5"])

    def test_newer_contract_warns(self):
        m = Recorder('[{"schema_version": 2, "ecid": "0x1", "mode": "normal"}]')
        res = u.Irecctl(m, "irecctl").run("status")
        self.assertEqual(len(m.warnings), 1)
        self.assertIn("schema_version 2", m.warnings[0])
        self.assertEqual(res.records()[0]["mode"], "normal")

    def test_known_contract_is_quiet(self):
        m = Recorder('[{"schema_version": 1, "ecid": "0x1"}]')
        u.Irecctl(m, "irecctl").run("status")
        self.assertEqual(m.warnings, [])

    def test_exactly_one_selection(self):
        irec = u.Irecctl(Recorder("[]"), "irecctl")
        self.assertEqual(irec.require_selection({"ecid": None, "udid": None, "all": True}), ["--all"])
        self.assertEqual(irec.require_selection({"ecid": "0x1", "udid": None, "all": False}),
                         ["-d", "0x0000000000000001"])
        for bad in ({"ecid": None, "udid": None, "all": False},
                    {"ecid": "0x1", "udid": "x", "all": False},
                    {"ecid": "0x1", "udid": None, "all": True}):
            with self.assertRaises(AssertionError) as e:
                irec.require_selection(bad)
            self.assertIn("exactly one of ecid, udid or all", str(e.exception))

    def test_from_params(self):
        m = Recorder("[]")
        m.params = dict(binary="/opt/irecctl", timeout=3)
        irec = u.Irecctl.from_params(m)
        self.assertEqual((irec.path, irec.timeout), ("/opt/irecctl", 3))

    def test_failure_message(self):
        res = u.IrecctlResult(["irecctl"], 42, '[{"result": "ok"}, {"result": null},'
                              ' {"result": "not-signed"}]', "irecctl: one\n\n  two\n")
        self.assertEqual(u.failure_hint(res.records()), "not-signed")
        self.assertIsNone(u.failure_hint([{"result": "ok"}, {}]))
        self.assertEqual(u.failure_text("irecctl restore failed", res, "not-signed"),
                         "irecctl restore failed: not-signed (exit 42): irecctl: one / two")
        res = u.IrecctlResult(["irecctl"], 6, "[]", "")
        self.assertEqual(u.failure_text("irecctl exit failed", res),
                         "irecctl exit failed: busy (exit 6: the device is locked by another irecctl process)")

    def test_selection(self):
        irec = u.Irecctl(Recorder("[]"), "irecctl")
        self.assertEqual(irec.selection(ecid=2844626588139521), ["-d", "0x000a1b2c3d4e0001"])
        self.assertEqual(irec.selection(ecid="0xA1B2C3D4E0001"), ["-d", "0x000a1b2c3d4e0001"])
        self.assertEqual(irec.selection(udid="abc"), ["-d", "abc"])
        self.assertEqual(irec.selection(all_devices=True), ["--all"])


class ArgumentSpec(unittest.TestCase):
    def test_shared_options(self):
        spec = u.irecctl_argument_spec(state=dict(type="str", required=True))
        self.assertEqual(set(spec), {"ecid", "udid", "all", "timeout", "binary", "state"})
        self.assertEqual(spec["all"], dict(type="bool", default=False))
        self.assertEqual(set(u.irecctl_argument_spec(select_all=False)),
                         {"ecid", "udid", "timeout", "binary"})

    def test_fresh_each_time(self):
        # a module that changes its spec changes no other module's
        u.irecctl_argument_spec()["binary"]["type"] = "str"
        self.assertEqual(u.irecctl_argument_spec()["binary"], dict(type="path"))

    def test_documented_in_the_fragments(self):
        """The shared options' documentation (doc_fragments) lists exactly the
        shared argument spec, with the same types and defaults."""
        import yaml
        from ansible_collections.irecctl.fleet.plugins.doc_fragments.irecctl import ModuleDocFragment as F
        docs = dict(yaml.safe_load(F.DOCUMENTATION)["options"])
        docs.update(yaml.safe_load(F.SELECTION)["options"])
        spec = u.irecctl_argument_spec()
        del spec["timeout"]  # its meaning is each module's own: documented there
        self.assertEqual(set(docs), set(spec))
        for name, opt in spec.items():
            self.assertEqual(docs[name]["type"], opt["type"], name)
            self.assertEqual(docs[name].get("default"), opt.get("default"), name)


class CheckModePlan(unittest.TestCase):
    def test_table(self):
        cases = [
            ("normal", "normal", "none"), ("normal", "recovery", "move"),
            ("normal", "dfu", "needs-person"), ("normal", "restore", "refused"),
            ("recovery", "normal", "move"), ("recovery", "recovery", "none"),
            ("recovery", "port-dfu", "needs-person"), ("recovery", "unknown", "refused"),
            ("dfu", "kis", "none"), ("dfu", "recovery", "needs-person"),
            ("dfu", "normal", "needs-person"),
        ]
        for state, current, action in cases:
            self.assertEqual(mode.planned_action(state, current), action, (state, current))

    def test_command_vector(self):
        p = dict(state="recovery", pair=True, wait_for_person=False, lock_timeout=2.5)
        self.assertEqual(mode.command_for(p), ("enter", ["--pair", "--lock-timeout", "2.5"]))
        p = dict(state="normal", pair=True, wait_for_person=True, lock_timeout=None)
        self.assertEqual(mode.command_for(p), ("exit", []))  # exit takes neither
        p = dict(state="dfu", pair=False, wait_for_person=True, lock_timeout=None)
        self.assertEqual(mode.command_for(p), ("enter", ["--dfu", "--wait-for-person"]))

    def test_changed_only_when_moved(self):
        out = mode.device_results([
            {"from": "recovery", "mode": "normal", "result": "ok"},
            {"from": "normal", "mode": "normal", "result": "ok"},
            {"from": "recovery", "mode": "recovery", "result": "recovery-loop"},
            {"mode": "recovery", "result": "busy"},
        ])
        self.assertEqual([d["changed"] for d in out], [True, False, False, False])


class Restore(unittest.TestCase):
    def test_output_split(self):
        # irecctl restore --json: one NDJSON event per line, each with its ECID
        text = ('{"schema_version": 1, "event": "phase", "ecid": "0x1", "phase": "sign"}\n'
                '{"schema_version": 1, "event": "engine-start", "ecid": "0x1", "kind": "update"}\n'
                '{"schema_version": 1, "event": "progress", "ecid": "0x1", "phase": "upload", "fraction": 0.5}\n'
                '{"schema_version": 1, "event": "result", "ecid": "0x1", "result": "restore-failed",'
                ' "exit_code": 21}\n')
        res = u.IrecctlResult(["irecctl"], 21, text, "")
        events, results = restore.split_output(res)
        self.assertEqual([e["event"] for e in events], ["phase", "engine-start", "progress"])
        self.assertEqual([r["result"] for r in results], ["restore-failed"])
        self.assertTrue(restore.wrote_to_device(events))
        self.assertFalse(restore.wrote_to_device(events[:2]))
        self.assertEqual(u.exit_meaning(21, "restore-failed").split(":")[0], "restore-failed (exit 21")

    def test_plan_as_array(self):
        res = u.IrecctlResult(["irecctl"], 0, '[{"ecid": "0x1", "plan": ["idevicerestore"]}]', "")
        self.assertEqual(restore.split_output(res), ([], [{"ecid": "0x1", "plan": ["idevicerestore"]}]))

    def test_arguments(self):
        p = dict(ipsw="/x.ipsw", method="erase", jobs=None)
        self.assertEqual(restore.restore_args(p, True), ["--ipsw", "/x.ipsw", "--erase", "--plan"])
        p = dict(ipsw="/x.ipsw", method="update", jobs=2)
        self.assertEqual(restore.restore_args(p, False), ["--ipsw", "/x.ipsw", "--update", "--jobs", "2"])


if __name__ == "__main__":
    unittest.main()
