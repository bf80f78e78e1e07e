#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: irecctl contributors
# GNU Lesser General Public License v2.1+ (see LICENSE or https://www.gnu.org/licenses/lgpl-2.1.txt)
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: irecctl_mode
short_description: Put Apple devices into normal, recovery or DFU mode with irecctl
description:
  - Runs C(irecctl exit) (to normal mode) or C(irecctl enter) (to recovery, or to DFU with
    C(--dfu)) on the managed host, with C(--json), and reports one result per device.
  - Success means irecctl saw the same device (by ECID) arrive in the requested mode.
    A device already in that mode is left alone and reported unchanged.
  - The module reads only irecctl's JSON output and exit codes. When a device fails, the
    failure message names the reason (busy, needs-person, not-trusted, recovery-loop, ...)
    and its exit code.
  - In check mode the module runs only C(irecctl status --json) and reports which devices
    would move; it sends nothing to any device.
version_added: "0.1.0"
author:
  - irecctl contributors (!UNKNOWN)
options:
  state:
    description:
      - The mode every selected device should end in.
      - C(normal) boots devices out of recovery mode (C(irecctl exit)).
      - C(recovery) puts normal-mode devices into recovery mode (C(irecctl enter)).
      - C(dfu) is accepted for devices already in DFU mode (or WTF, KIS, Port DFU); any
        other device needs a person to press its buttons and fails with C(needs-person)
        unless C(wait_for_person) is set.
    type: str
    required: true
    choices: [normal, recovery, dfu]
  timeout:
    description:
      - Seconds to wait for the devices to arrive in the mode (irecctl C(--timeout)).
      - irecctl's default is 180 seconds.
    type: float
  lock_timeout:
    description:
      - Seconds to wait for another irecctl process holding a device to release it
        (irecctl C(--lock-timeout)). Without it, a held device fails at once with C(busy).
    type: float
  pair:
    description:
      - Allow a new pairing (the device shows its Trust dialog) when entering recovery needs
        a session (irecctl C(--pair)). Only used when C(state) is C(recovery) or C(dfu).
    type: bool
    default: false
  wait_for_person:
    description:
      - When a device needs its buttons pressed, keep waiting for a person instead of failing
        (irecctl C(--wait-for-person)). Only used when C(state) is C(recovery) or C(dfu).
    type: bool
    default: false
extends_documentation_fragment:
  - irecctl.fleet.irecctl
  - irecctl.fleet.irecctl.selection
notes:
  - With C(all), every device moves in parallel, and a host with no device attached is a
    success with no change.
  - irecctl locks each device by ECID while it acts on it, shared with every other irecctl on
    the host, so two jobs never drive one device.
  - Per-host settings such as C(USBMUXD_SOCKET_ADDRESS) or C(IRECCTL_LOCK_DIR) reach irecctl
    through the task's C(environment).
seealso:
  - module: irecctl.fleet.irecctl_facts
  - module: irecctl.fleet.irecctl_restore
attributes:
  check_mode:
    description: Runs only C(irecctl status) and predicts the outcome.
    support: full
  diff_mode:
    description: Not supported.
    support: none
"""

EXAMPLES = r"""
- name: Every device on the host back to normal mode
  irecctl.fleet.irecctl_mode:
    state: normal
    all: true
    lock_timeout: 60

- name: One device into recovery mode, pairing if it has to
  irecctl.fleet.irecctl_mode:
    state: recovery
    ecid: "0x000a1b2c3d4e0001"
    pair: true
    timeout: 300

- name: Which devices would move (nothing is sent to them)
  irecctl.fleet.irecctl_mode:
    state: recovery
    all: true
  check_mode: true
  register: plan
"""

RETURN = r"""
changed:
  description: Whether at least one device moved to another mode (in check mode, would move).
  returned: always
  type: bool
devices:
  description:
    - One result per selected device, in irecctl's order.
    - Each holds the device record of C(irecctl status --json) (C(ecid), C(udid), C(mode),
      C(product_type), C(name), ...) as it was last seen, and the keys below.
  returned: always
  type: list
  elements: dict
  contains:
    ecid:
      description: The device's ECID, C(0x) and 16 hex digits.
      type: str
      sample: "0x000a1b2c3d4e0001"
    from:
      description: The mode the device was in before.
      type: str
      sample: recovery
    mode:
      description: The mode it is in now (in check mode, still the current mode).
      type: str
      sample: normal
    result:
      description: irecctl's name of the outcome (C(ok), C(busy), C(recovery-loop), ...).
      type: str
      sample: ok
    exit_code:
      description: irecctl's exit code for this device.
      type: int
      sample: 0
    message:
      description: irecctl's own words about this device, for people.
      type: str
      sample: now in normal mode
    changed:
      description: Whether this device moved (in check mode, would move).
      type: bool
    action:
      description:
        - Check mode only. C(none) (already there), C(move) (irecctl would send the request),
          C(needs-person) (its buttons must be pressed), C(refused) (irecctl would refuse).
      type: str
      returned: in check mode
failed_devices:
  description: The ECIDs of the devices that did not end in the requested mode.
  returned: always
  type: list
  elements: str
summary:
  description: How many devices ended with each result.
  returned: always
  type: dict
  sample: {"ok": 3, "recovery-loop": 1}
reason:
  description: On failure, the name of irecctl's exit code (busy, recovery-loop, ...).
  returned: failure
  type: str
  sample: recovery-loop
exit_code:
  description:
    - irecctl's exit code. It is 3 (no-device) with no failure when C(all) is set on a host
      without devices.
  returned: always
  type: int
rc:
  description: irecctl's exit code, when the module failed.
  returned: failure
  type: int
cmd:
  description: The argument vector that was run.
  returned: always
  type: list
  elements: str
stderr:
  description: irecctl's diagnostics, verbatim (never interpreted).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.irecctl.fleet.plugins.module_utils.irecctl import (
    DFU_LIKE,
    Irecctl,
    exit_meaning,
    exit_name,
    failure_hint,
    failure_text,
    format_ecid,
    irecctl_argument_spec,
    record_ecid,
)

# Check mode: what irecctl's enter/exit plans would do, by target and mode.
# (state, current mode) -> action; anything else is "needs-person".
PLAN = {
    ("normal", "normal"): "none",
    ("normal", "recovery"): "move",
    ("recovery", "recovery"): "none",
    ("recovery", "normal"): "move",
}
# Modes irecctl refuses to act on whatever the target.
REFUSED = {"restore": "wrong-mode", "unknown": "protocol"}


def planned_action(state, mode):
    if state == "dfu" and mode in DFU_LIKE:
        return "none"
    if (state, mode) in PLAN:
        return PLAN[(state, mode)]
    if mode in REFUSED:
        return "refused"
    return "needs-person"


def command_for(params):
    """(subcommand, its options) for the requested state."""
    if params["state"] == "normal":
        args = []
        command = "exit"
    else:
        command = "enter"
        args = ["--dfu"] if params["state"] == "dfu" else []
        if params["pair"]:
            args.append("--pair")
        if params["wait_for_person"]:
            args.append("--wait-for-person")
    if params["lock_timeout"] is not None:
        args += ["--lock-timeout", "%g" % params["lock_timeout"]]
    return command, args


def ecid_text(record):
    ecid = record_ecid(record)
    return format_ecid(ecid) if ecid is not None else str(record.get("udid"))


def summarize(devices):
    summary = {}
    for d in devices:
        key = d.get("result") or "unknown"
        summary[key] = summary.get(key, 0) + 1
    return summary


def device_results(records):
    """irecctl's per-device results, each with its own `changed`."""
    out = []
    for rec in records:
        d = dict(rec)
        moved = d.get("from") is not None and d.get("mode") != d.get("from")
        d["changed"] = bool(moved)
        out.append(d)
    return out


def failure_message(verb, state, res, devices):
    bad = [d for d in devices if d.get("exit_code", 0) != 0 or d.get("result", "ok") != "ok"]
    if not bad:
        return failure_text("irecctl %s failed" % verb, res)
    parts = []
    for d in bad:
        name = d.get("name") or d.get("product_type") or "device"
        parts.append("%s (%s): %s: %s" % (ecid_text(d), name,
                                          exit_meaning(d.get("exit_code"), d.get("result")),
                                          d.get("message") or ""))
    return "%d of %d device(s) not in %s mode: %s" % (len(bad), len(devices), state,
                                                      "; ".join(parts))


def check_mode(module, irec, selection):
    state = module.params["state"]
    res, records = irec.status(selection)
    if not records and not module.params["all"]:
        module.fail_json(msg="no attached device matches: %s" % exit_meaning(3), rc=3,
                         reason="no-device", cmd=res.argv, stderr=res.stderr, devices=[])
    devices = []
    warnings = []
    for rec in records:
        d = dict(rec)
        d["from"] = d.get("mode")
        d["action"] = planned_action(state, d.get("mode"))
        d["changed"] = d["action"] == "move"
        if d["action"] in ("needs-person", "refused"):
            warnings.append("%s in %s mode would not reach %s mode: %s"
                            % (ecid_text(d), d.get("mode"), state, d["action"]))
        devices.append(d)
    for w in warnings:
        module.warn(w)
    module.exit_json(changed=any(d["changed"] for d in devices), devices=devices,
                     failed_devices=[], summary=summarize(devices), exit_code=res.rc,
                     cmd=res.argv, stderr=res.stderr)


def main():
    module = AnsibleModule(
        argument_spec=irecctl_argument_spec(
            state=dict(type="str", required=True, choices=["normal", "recovery", "dfu"]),
            lock_timeout=dict(type="float"),
            pair=dict(type="bool", default=False),
            wait_for_person=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    irec = Irecctl.from_params(module)
    selection = irec.require_selection(p)
    if module.check_mode:
        check_mode(module, irec, selection)
    command, args = command_for(p)
    res = irec.run(command, selection + args)
    devices = device_results(res.records())
    changed = any(d["changed"] for d in devices)
    failed = [ecid_text(d) for d in devices if d.get("result", "ok") != "ok"]
    common = dict(changed=changed, devices=devices, failed_devices=failed,
                  summary=summarize(devices), exit_code=res.rc, cmd=res.argv,
                  stderr=res.stderr)
    if res.rc == 3 and p["all"] and not devices:
        module.exit_json(**common)  # --all on a host without devices: nothing to do
    if res.rc != 0 or failed:
        hint = failure_hint(devices)
        module.fail_json(msg=failure_message(command, p["state"], res, devices),
                         reason=exit_name(res.rc, hint), rc=res.rc, **common)
    module.exit_json(**common)


if __name__ == "__main__":
    main()
