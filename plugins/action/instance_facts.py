# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_facts needs the inventory host's variables, which a module cannot see: this fills them in.

With ``delegate_to: localhost`` the task variables are still those of the inventory host, so its
``vmss_id`` (or ``vmss_scale_set`` + ``vmss_resource_group`` + ``vmss_instance_id``) locate the instance.
Options given in the task win.

When several hosts of the play batch belong to one scale set, the set is listed once for the whole task
(see plugin_utils/shared_listing.py) and each host picks its own record from that listing, here on the
controller, without a module run per host. Otherwise the module reads the one VM.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.facts_locator import (
    DEFAULT_HOSTVARS_PREFIX,
    FACTS_OPTIONS,
    LOCATOR_OPTIONS,
    locator_from_hostvars,
)
from ansible_collections.vmss.fleet.plugins.plugin_utils.shared_listing import (
    ListingShare,
    digest,
    hosts_per_scale_set,
)

MODULE = "vmss.fleet.instance_facts"


def host_values(task_vars, prefix):
    """The host's locating variables as the inventory set them. Never templated: they came from Azure."""
    names = [prefix + name for name in LOCATOR_OPTIONS + ("subscription_id", "scale_set_id")]
    return dict((name, task_vars[name]) for name in names if task_vars.get(name) not in (None, ""))


def sdk_on_controller():
    return importlib.util.find_spec("azure.mgmt.compute") is not None


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        prefix = args.get("hostvars_prefix") or DEFAULT_HOSTVARS_PREFIX
        values = host_values(task_vars, prefix)
        located = locator_from_hostvars(args, values, prefix)
        scale_set_id = values.get(prefix + "scale_set_id")
        if located.get("id") and scale_set_id and self._sharing_allowed(args):
            share = self._share(args, task_vars, prefix)
            if self._shared(share, task_vars, prefix, scale_set_id):
                result.update(self._from_shared_listing(share, str(scale_set_id), located["id"]))
                return result
        args.update(located)
        result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        return result

    # -- when to share ---------------------------------------------------------------------------------------

    @staticmethod
    def _sharing_allowed(args):
        """Asked for (the default), and the Azure SDK is on the controller to list with."""
        return boolean(args.get("shared_listing", True), strict=False) and sdk_on_controller()

    def _shared(self, share, task_vars, prefix, scale_set_id):
        """Whether at least two hosts of the play batch are in this scale set (one host is cheaper to read with
        one GET)."""
        first = []

        def count():
            first.append(True)
            return hosts_per_scale_set(self._batch(task_vars), self._inventory_vars(task_vars), prefix)

        counts = share.once("hosts per scale set", count)
        shared = sorted(entry["id"] for entry in counts.values() if entry["hosts"] >= 2)
        if first and shared:
            # The first host of the task lists every shared scale set of the batch at once: their hosts then
            # find their records ready instead of waiting for one listing after the other. A failure here is
            # recorded per set (and reported by each of its hosts).
            share.prefetch(shared, self._list)
        return counts.get(str(scale_set_id).lower(), {}).get("hosts", 0) >= 2

    @staticmethod
    def _batch(task_vars):
        return list(task_vars.get("ansible_play_batch") or task_vars.get("ansible_play_hosts") or [])

    @staticmethod
    def _inventory_vars(task_vars):
        """A host's own inventory variables, read without templating or computing all its variables."""
        inventory = getattr(task_vars.get("hostvars"), "_inventory", None)

        def variables(name):
            host = inventory.get_host(name) if inventory is not None else None
            return getattr(host, "vars", None) or {}
        return variables

    def _share(self, args, task_vars, prefix):
        """This task's share for this play batch and these options (a later task, or the next ``serial``
        batch, lists again, so facts are never older than the task that returns them)."""
        key = digest(self._task._uuid, prefix, json.dumps(args, sort_keys=True, default=str),
                     *sorted(self._batch(task_vars)))
        return ListingShare(os.path.join(C.DEFAULT_LOCAL_TMP, "vmss_fleet_facts", key))

    # -- the shared path -------------------------------------------------------------------------------------

    def _from_shared_listing(self, share, scale_set_id, vm_id):
        # Per host this is a few file reads; only the worker that lists a scale set validates the options,
        # authenticates and imports the Azure SDK.
        try:
            record = share.record(scale_set_id, vm_id, self._list)
            return {"changed": False, "ansible_facts": {"vmss_instance": record}}
        except FleetError as exc:
            return self._failed(exc.to_result())
        except AnsibleActionFail as exc:
            return self._failed({"msg": str(exc)})
        except Exception as exc:  # pylint: disable=broad-except
            # A bug must not end in a traceback that could carry request details.
            return self._failed({"msg": "vmss.fleet.instance_facts failed unexpectedly (%s: %s)."
                                        % (type(exc).__name__, exc)})

    def _params(self):
        """The task's options validated as the module would (defaults, env fallbacks of the auth options)."""
        from ansible_collections.vmss.fleet.plugins.module_utils.auth import module_argument_spec

        spec = module_argument_spec()
        spec.update(FACTS_OPTIONS)
        return self.validate_argument_spec(spec)[1]

    def _list(self, scale_set_id):
        from ansible_collections.vmss.fleet.plugins.module_utils.auth import settings_from_params
        from ansible_collections.vmss.fleet.plugins.module_utils.clients import AzureClients
        from ansible_collections.vmss.fleet.plugins.module_utils.instance_query import scale_set_records

        params = self._params()
        clients = AzureClients(settings_from_params(params))
        try:
            return scale_set_records(clients, scale_set_id, params["network"])
        finally:
            clients.close()

    def _failed(self, result):
        """A failure result without any secret the task's options or the environment carry."""
        from ansible_collections.vmss.fleet.plugins.module_utils.auth import settings_from_params
        from ansible_collections.vmss.fleet.plugins.module_utils.errors import scrub

        try:
            secrets = settings_from_params(self._params()).secrets()
        except AnsibleActionFail:
            secrets = [value for value in (self._task.args.get("secret"), self._task.args.get("password")) if value]
        result = scrub(result, secrets)
        result.update(failed=True, changed=False)
        return result
