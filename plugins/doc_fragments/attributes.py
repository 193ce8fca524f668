# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Attributes shared by the modules; each module adds its own check_mode/diff_mode support level.

    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/vmss.fleet.azure) in C(module_defaults) to set auth options once.
    support: full
    membership:
      - vmss.fleet.azure
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return the same data; it never changes anything.
    support: full
  diff_mode:
    description: Reads only, so there is nothing to diff.
    support: N/A
'''
