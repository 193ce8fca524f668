# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_facts needs the inventory host's variables, which a module cannot see: this fills them in.

With ``delegate_to: localhost`` the task variables are still those of the inventory host, so its
``vmss_id`` (or ``vmss_scale_set`` + ``vmss_resource_group`` + ``vmss_instance_id``) locate the instance.
Options given in the task win. Everything else is the module's job.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.vmss.fleet.plugins.module_utils.instance_query import (
    DEFAULT_HOSTVARS_PREFIX,
    LOCATOR_OPTIONS,
    locator_from_hostvars,
)


class ActionModule(ActionBase):

    def _host_values(self, task_vars, prefix):
        """The host's locating variables, templated (inventory ``compose`` may leave expressions)."""
        names = [prefix + name for name in LOCATOR_OPTIONS + ("subscription_id",)]
        return dict((name, self._templar.template(task_vars[name])) for name in names if name in task_vars)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        prefix = args.get("hostvars_prefix") or DEFAULT_HOSTVARS_PREFIX
        args.update(locator_from_hostvars(args, self._host_values(task_vars, prefix), prefix))
        result.update(self._execute_module(module_name="vmss.fleet.instance_facts", module_args=args,
                                           task_vars=task_vars))
        return result
