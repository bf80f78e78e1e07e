# -*- coding: utf-8 -*-
# Copyright: irecctl contributors
# GNU Lesser General Public License v2.1+ (see LICENSE or https://www.gnu.org/licenses/lgpl-2.1.txt)
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The documentation of the options every module shares; module_utils
(irecctl_argument_spec) holds their argument spec."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # irecctl.fleet.irecctl: every module.
    DOCUMENTATION = r"""
options:
  binary:
    description:
      - Path of the irecctl program. Default is C(irecctl) on the host's C(PATH).
    type: path
requirements:
  - irecctl on the managed host
"""

    # irecctl.fleet.irecctl.selection: the modules that act on devices.
    SELECTION = r"""
options:
  ecid:
    description:
      - The ECID of the one device to act on, as C(0x) hex or decimal.
      - Unquoted hexadecimal in YAML becomes an integer; that is accepted too.
    type: str
  udid:
    description:
      - The UDID of the one device to act on.
    type: str
  all:
    description:
      - Act on every attached device.
    type: bool
    default: false
notes:
  - Exactly one of C(ecid), C(udid) and C(all=true) selects the devices.
"""
