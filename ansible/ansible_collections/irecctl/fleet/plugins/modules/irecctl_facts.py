#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: irecctl contributors
# GNU Lesser General Public License v2.1+ (see LICENSE or https://www.gnu.org/licenses/lgpl-2.1.txt)
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: irecctl_facts
short_description: The Apple devices attached to a host, in every mode, as facts
description:
  - Runs C(irecctl status --json) on the managed host and sets facts with one record per
    physical device (normal, restore, recovery, DFU, WTF, KIS, Port DFU), merged by ECID.
  - Never asks a device to trust the host and never changes a device, so it runs the same
    in check mode.
  - Only irecctl's JSON is read, by key; fields a newer irecctl adds are passed through.
version_added: "0.1.0"
author:
  - irecctl contributors (!UNKNOWN)
options:
  ecid:
    description:
      - Only the device with this ECID (C(0x) hex or decimal).
    type: str
  udid:
    description:
      - Only the device with this UDID.
    type: str
  timeout:
    description:
      - Seconds each device may take to answer (irecctl C(--timeout), default 5). A device
        that does not answer in time is listed with its C(error).
    type: float
extends_documentation_fragment:
  - irecctl.fleet.irecctl
notes:
  - A selected device that is not attached gives an empty list, not a failure.
seealso:
  - module: irecctl.fleet.irecctl_mode
attributes:
  check_mode:
    description: Reads only; runs the same in check mode.
    support: full
  diff_mode:
    description: Not supported.
    support: none
  facts:
    description: Sets the facts listed under RETURN.
    support: full
"""

EXAMPLES = r"""
- name: Read the devices of every host
  irecctl.fleet.irecctl_facts:

- name: Show the hosts' recovery-mode devices
  ansible.builtin.debug:
    msg: "{{ irecctl_devices | selectattr('mode', 'equalto', 'recovery') | map(attribute='ecid') | list }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts about the host's devices.
  returned: always
  type: complex
  contains:
    irecctl_devices:
      description:
        - One record per device, as C(irecctl status --json) prints it.
        - Keys include C(ecid), C(udid), C(mode), C(product_type), C(name), C(board),
          C(os_version), C(build), C(iboot), C(usb_location), C(trusted), C(error).
      type: list
      elements: dict
      sample:
        - ecid: "0x000a1b2c3d4e0001"
          udid: null
          mode: recovery
          product_type: iPhone10,3
          name: iPhone X (Global)
    irecctl_modes:
      description: How many devices are in each mode.
      type: dict
      sample: {"normal": 2, "recovery": 1}
    irecctl_device_count:
      description: The number of devices.
      type: int
      sample: 3
    irecctl_schema_version:
      description: The C(schema_version) of irecctl's JSON, or null if it names none.
      type: raw
      sample: 1
exit_code:
  description: irecctl's exit code (3 when the selected device is not attached).
  returned: success
  type: int
cmd:
  description: The argument vector that was run.
  returned: always
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.irecctl.fleet.plugins.module_utils.irecctl import (
    Irecctl,
    irecctl_argument_spec,
    schema_version,
)


def count_modes(devices):
    modes = {}
    for d in devices:
        mode = d.get("mode") or "unknown"
        modes[mode] = modes.get(mode, 0) + 1
    return modes


def main():
    # ecid and udid filter here; no selection is every device.
    module = AnsibleModule(argument_spec=irecctl_argument_spec(select_all=False),
                           mutually_exclusive=[("ecid", "udid")], supports_check_mode=True)
    p = module.params
    irec = Irecctl.from_params(module)
    res, devices = irec.status(irec.selection(p["ecid"], p["udid"]))
    facts = dict(
        irecctl_devices=devices,
        irecctl_modes=count_modes(devices),
        irecctl_device_count=len(devices),
        irecctl_schema_version=schema_version(res.docs),
    )
    module.exit_json(changed=False, ansible_facts=facts, exit_code=res.rc, cmd=res.argv,
                     stderr=res.stderr)


if __name__ == "__main__":
    main()
