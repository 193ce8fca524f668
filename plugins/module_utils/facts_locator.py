# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""instance_facts' options and how a host's variables locate its instance.

Kept apart from instance_query (and free of imports) because the action plugin reads it for every host of a
play, in a fresh worker process each time: importing the listing code there would cost every host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

LOCATOR_OPTIONS = ("id", "scale_set", "resource_group", "instance_id")
DEFAULT_HOSTVARS_PREFIX = "vmss_"

# instance_facts' own options (the auth and connection options come on top); the action plugin validates
# with the same spec when it reads a scale set for the task's hosts itself.
FACTS_OPTIONS = dict(
    id=dict(type="str"),
    scale_set=dict(type="str"),
    resource_group=dict(type="str"),
    instance_id=dict(type="str"),
    network=dict(type="bool", default=True),
    hostvars_prefix=dict(type="str", default=DEFAULT_HOSTVARS_PREFIX),
    shared_listing=dict(type="bool", default=True),
)


def locator_from_hostvars(args, host_vars, prefix=DEFAULT_HOSTVARS_PREFIX):
    """Options that locate the instance, read from an inventory host's variables when the task gives none.

    Any locating option in the task wins outright (no mixing of task and host values). Of the host
    variables, ``{prefix}id`` is preferred: it also names the subscription.
    """
    if any(args.get(name) not in (None, "") for name in LOCATOR_OPTIONS):
        return {}
    if host_vars.get(prefix + "id"):
        return {"id": str(host_vars[prefix + "id"])}
    found = dict((name, str(host_vars[prefix + name])) for name in ("scale_set", "resource_group", "instance_id")
                 if host_vars.get(prefix + name) not in (None, ""))
    if found and not args.get("subscription_id") and host_vars.get(prefix + "subscription_id"):
        found["subscription_id"] = str(host_vars[prefix + "subscription_id"])
    return found
