# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A benchmark-only inventory plugin: ansible-core's own cost of carrying an inventory.

It replays the ``--list --export`` output of a real run: the same hosts, one ``set_variable`` per host variable
and the same group memberships, with no Azure request and no record building. ``inventory_bench.py`` runs it
to separate what ansible-core spends on 10,000 hosts from what the vmss.fleet plugin adds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: replay_inventory
short_description: Replays an exported inventory (benchmark only)
description:
  - Reads the JSON that C(ansible-inventory --list --export) wrote and adds the same hosts, variables and groups.
options:
  plugin:
    description: The name of this plugin.
    required: true
    choices: [replay_inventory]
  source:
    description: Path of the exported inventory JSON.
    required: true
    type: path
"""

import json

from ansible.plugins.inventory import BaseInventoryPlugin

RESERVED_GROUPS = ("all", "ungrouped", "_meta")
UNSAFE_MARKER = "__ansible_unsafe"


def plain_value(obj):
    """``{"__ansible_unsafe": "text"}`` (how the export marks untrusted strings) -> ``"text"``."""
    if len(obj) == 1 and UNSAFE_MARKER in obj:
        return obj[UNSAFE_MARKER]
    return obj


def read_export(path):
    with open(path) as handle:
        return json.load(handle, object_hook=plain_value)


class InventoryModule(BaseInventoryPlugin):

    NAME = "replay_inventory"

    def verify_file(self, path):
        return path.endswith(".replay_inventory.yml")

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path)
        self._read_config_data(path)
        exported = read_export(self.get_option("source"))
        for hostname, variables in exported["_meta"]["hostvars"].items():
            self.inventory.add_host(hostname)
            for key, value in variables.items():
                self.inventory.set_variable(hostname, key, value)
        for group, content in exported.items():
            if group in RESERVED_GROUPS or not isinstance(content, dict):
                continue
            self.inventory.add_group(group)
            for hostname in content.get("hosts") or []:
                self.inventory.add_child(group, hostname)
