#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: irecctl contributors
# GNU Lesser General Public License v2.1+ (see LICENSE or https://www.gnu.org/licenses/lgpl-2.1.txt)
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: irecctl_restore
short_description: Update or restore Apple devices from an IPSW with irecctl
description:
  - Runs C(irecctl restore --json) on the managed host. An update (the default) reinstalls the
    OS and keeps the user's data; an erase restore wipes the device.
  - An erase happens only when C(confirm_ecid) names the ECID of every device it would erase.
    The module checks this itself, before it runs anything that could change a device, and
    refuses otherwise, in check mode too. irecctl checks it again
    (C(--yes --confirm-ecid ECID)).
  - In check mode the module runs C(irecctl restore --plan), which reads the IPSW and the
    devices and prints the engine command lines without touching anything.
  - Success is irecctl's verified outcome (the same ECID back in normal mode on the IPSW's
    build), not the restore engine's exit status. Failures name irecctl's reason and exit code.
version_added: "0.1.0"
author:
  - irecctl contributors (!UNKNOWN)
options:
  ipsw:
    description:
      - The IPSW file on the managed host.
    type: path
    required: true
  method:
    description:
      - C(update) keeps the data. C(erase) wipes the device. C(erase-if-update-fails) is
        Apple's advice (update, and erase only if the update fails).
      - The two erasing methods need C(confirm_ecid).
    type: str
    choices: [update, erase, erase-if-update-fails]
    default: update
  confirm_ecid:
    description:
      - The ECIDs (C(0x) hex or decimal) of the devices that may be erased. This is the
        consent an erase needs; it must name exactly the devices selected.
    type: list
    elements: str
  jobs:
    description:
      - With C(all), how many devices are restored at once (irecctl C(--jobs)).
    type: int
  timeout:
    description:
      - Seconds irecctl waits for a device (irecctl C(--timeout)).
    type: float
extends_documentation_fragment:
  - irecctl.fleet.irecctl
  - irecctl.fleet.irecctl.selection
notes:
  - With C(all), irecctl restores several devices at once (see C(jobs)).
  - Restoring contacts Apple's signing server from the managed host.
  - Erasing devices in several places at once is a decision for a person, who lists their
    ECIDs.
  - Several devices to erase are erased one after another, each with its own ECID as consent
    (C(irecctl restore -d ECID --erase --yes --confirm-ecid ECID)), so a device plugged in
    after the check can never be erased; the first failure stops the rest.
requirements:
  - the restore engine that irecctl's C(restore) command drives, on the managed host
seealso:
  - module: irecctl.fleet.irecctl_facts
  - module: irecctl.fleet.irecctl_mode
attributes:
  check_mode:
    description: Runs C(irecctl restore --plan), which touches nothing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Update a device that loops (keeps its data)
  irecctl.fleet.irecctl_restore:
    ecid: "0x000a1b2c3d4e0001"
    ipsw: /srv/ipsw/iPhone10,3_16.7.8_20H343_Restore.ipsw

- name: Erase one device, with the consent that names it
  irecctl.fleet.irecctl_restore:
    ecid: "0x000a1b2c3d4e0001"
    ipsw: /srv/ipsw/iPhone10,3_16.7.8_20H343_Restore.ipsw
    method: erase
    confirm_ecid: ["0x000a1b2c3d4e0001"]

- name: What would a restore do (nothing is touched)
  irecctl.fleet.irecctl_restore:
    all: true
    ipsw: /srv/ipsw/iPhone10,3_16.7.8_20H343_Restore.ipsw
  check_mode: true
  register: plan
"""

RETURN = r"""
changed:
  description:
    - Whether a device was written to. True after a restore that succeeded, and after one
      that failed once irecctl reported its upload, restore or verify phase. In check mode,
      whether the plan succeeded.
  returned: always
  type: bool
devices:
  description:
    - irecctl's result per device (keys such as C(ecid), C(result), C(exit_code), C(message)),
      or in check mode the plan's records.
  returned: always
  type: list
  elements: dict
events:
  description: irecctl's progress events (C(event) C(phase), C(progress), ... with C(fraction)), in order.
  returned: when irecctl printed any
  type: list
  elements: dict
reason:
  description: On failure, the name of irecctl's exit code, or C(consent) when the module
    refused an erase.
  returned: failure
  type: str
  sample: consent
exit_code:
  description: irecctl's exit code (of the last run, when several devices were erased).
  returned: when irecctl ran
  type: int
rc:
  description: irecctl's exit code, when it failed.
  returned: failure
  type: int
cmd:
  description: The argument vectors that were run, one per irecctl call.
  returned: always
  type: list
  elements: list
plan_text:
  description:
    - In check mode, the plan as irecctl printed it when it printed text rather than JSON
      (verbatim, for people; the outcome is the exit code).
  returned: when irecctl printed a plan as text
  type: str
stderr:
  description: irecctl's diagnostics, verbatim.
  returned: when irecctl ran
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.irecctl.fleet.plugins.module_utils.irecctl import (
    Irecctl,
    exit_name,
    failure_hint,
    failure_text,
    format_ecid,
    irecctl_argument_spec,
    parse_ecid,
    record_ecid,
    records_of,
)

ERASING = ("erase", "erase-if-update-fails")


def refuse(module, msg, **extra):
    module.fail_json(msg="erase refused: " + msg, reason="consent", changed=False,
                     devices=[], cmd=extra.pop("cmd", []), **extra)


def consent_set(module):
    """The ECIDs given in confirm_ecid, as ints; refuses anything unreadable."""
    given = module.params["confirm_ecid"] or []
    if not given:
        refuse(module, "method %s wipes the device; set confirm_ecid to its ECID"
               % module.params["method"])
    ecids = set()
    for text in given:
        ecid = parse_ecid(text)
        if ecid is None:
            refuse(module, "confirm_ecid %r is not an ECID (0x hex or decimal)" % text)
        ecids.add(ecid)
    return ecids


def erase_targets(module, irec, selection):
    """The devices an erase would wipe, each named in confirm_ecid."""
    confirmed = consent_set(module)
    res, records = irec.status(selection)
    targets = set(record_ecid(r) for r in records)
    if not records:
        refuse(module, "no attached device matches the selection", cmd=[res.argv])
    if None in targets:
        refuse(module, "a selected device did not report its ECID", cmd=[res.argv])
    if targets != confirmed:
        refuse(module, "confirm_ecid %s does not name the selected device(s) %s"
               % (", ".join(sorted(format_ecid(e) for e in confirmed)),
                  ", ".join(sorted(format_ecid(e) for e in targets))),
               cmd=[res.argv])
    return sorted(targets), res.argv


def restore_args(p, check_mode):
    args = ["--ipsw", p["ipsw"], "--" + p["method"]]
    if p["jobs"] is not None:
        args += ["--jobs", str(p["jobs"])]
    if check_mode:
        args.append("--plan")
    return args


def split_output(res):
    """irecctl's JSON: NDJSON events (an "event" key: phase, progress,
    engine-start, ..., and one "result" per device) or, without an "event"
    key, device records (a plan, an array)."""
    events, results = [], []
    for doc in res.docs or []:
        if isinstance(doc, dict) and "event" in doc:
            (results if doc["event"] == "result" else events).append(doc)
        elif isinstance(doc, dict) and not records_of(doc):
            results.append(doc)
        else:
            results.extend(records_of(doc))
    return events, results


# irecctl's restore phases from which the device has been written to.
WRITING_PHASES = frozenset(("upload", "restore", "verify"))


def wrote_to_device(events):
    """A failed restore still changed the device once it got this far."""
    return any(e.get("phase") in WRITING_PHASES for e in events)


def run_restore(module, irec, selection, args):
    res = irec.run("restore", selection + args, text_ok=module.check_mode)
    events, results = split_output(res)
    return res, events, results


def finish(module, runs, before=()):
    """Report every irecctl run (after the `before` argument vectors, the
    reads that preceded them); fail with the first failing one's reason."""
    devices, events, cmds = [], [], list(before)
    for res, ev, results in runs:
        devices.extend(results)
        events.extend(ev)
        cmds.append(res.argv)
    last = runs[-1][0]
    if module.check_mode:
        changed = all(r[0].rc == 0 for r in runs)
    else:
        changed = any(r[0].rc == 0 or wrote_to_device(r[1]) for r in runs)
    out = dict(changed=changed, devices=devices, events=events, cmd=cmds, exit_code=last.rc,
               stderr="".join(r[0].stderr or "" for r in runs))
    text = "".join(r[0].stdout or "" for r in runs if not r[0].docs and r[0].stdout)
    if module.check_mode and text:
        out["plan_text"] = text
    for res, ev, results in runs:
        if res.rc != 0:
            hint = failure_hint(results)
            what = "irecctl restore%s failed" % (" --plan" if module.check_mode else "")
            out.update(rc=res.rc)
            module.fail_json(msg=failure_text(what, res, hint), reason=exit_name(res.rc, hint),
                             **out)
    module.exit_json(**out)


def main():
    module = AnsibleModule(
        argument_spec=irecctl_argument_spec(
            ipsw=dict(type="path", required=True),
            method=dict(type="str", default="update", choices=["update"] + list(ERASING)),
            confirm_ecid=dict(type="list", elements="str"),
            jobs=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["method"] in ERASING and not p["confirm_ecid"]:
        refuse(module, "method %s wipes the device; set confirm_ecid to its ECID" % p["method"])
    irec = Irecctl.from_params(module)
    selection = irec.require_selection(p)
    args = restore_args(p, module.check_mode)
    if p["method"] not in ERASING:
        finish(module, [run_restore(module, irec, selection, args)])
    # Each erase names its one device: a device plugged in after the check
    # can never be wiped by an --all.
    runs = []
    targets, status_argv = erase_targets(module, irec, selection)
    for ecid in targets:
        text = format_ecid(ecid)
        run = run_restore(module, irec, ["-d", text],
                          args + ["--yes", "--confirm-ecid", text])
        runs.append(run)
        if run[0].rc != 0:
            break
    finish(module, runs, before=[status_argv])


if __name__ == "__main__":
    main()
