# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: azure_vmss
short_description: Azure virtual machine scale set VMs of both orchestration modes as inventory hosts
version_added: 0.1.0
description:
  - Makes every VM of the selected Azure virtual machine scale sets a host, Uniform and Flexible alike, with the
    same record the modules return (under O(hostvars_prefix)), default groups per scale set, orchestration mode,
    power state and zone, and the usual C(compose), C(groups) and C(keyed_groups).
  - Requests scale with scale sets and pages, never with VMs. Per scale set one paged list carries every VM with
    its instance view; addresses come from one list of network interfaces and one of public IPs per Uniform scale
    set, and per resource group for Flexible members. Scale sets, resource groups and subscriptions are read
    concurrently (O(max_concurrency)); throttling (429 with Retry-After) and transient errors are retried by
    azure-core.
  - Hosts are never dropped silently. When a subscription, resource group or scale set cannot be read the run
    fails naming it; with O(fail_on_partial=false) the inventory is built from what could be read and a warning
    names what is missing.
  - The configuration file name must end in C(azure_vmss.yml) or C(azure_vmss.yaml).
  - Every option that an AWX inventory source may need to override also reads an environment variable, because
    AWX turns the source variables of a project-sourced inventory into environment variables.
author:
  - vmss.fleet team (@vmss-fleet)
options:
  plugin:
    description: Marks this file as a configuration of this plugin.
    type: str
    required: true
    choices: [vmss.fleet.azure_vmss]
  subscriptions:
    description:
      - The subscriptions to read. Without it, the credential's subscription (O(subscription_id)).
      - V(all) reads every subscription the credential can see, as listed by Azure's subscriptions API.
      - From the environment, a comma-separated list.
    type: list
    elements: str
    env:
      - name: AZURE_VMSS_SUBSCRIPTIONS
  resource_groups:
    description:
      - Only scale sets of these resource groups. Without it, every scale set of each subscription.
      - With several subscriptions a resource group needs to exist in only one of them; one that exists in none
        is reported as missing.
      - From the environment, a comma-separated list.
    type: list
    elements: str
    env:
      - name: AZURE_VMSS_RESOURCE_GROUPS
  scale_sets:
    description:
      - Only scale sets with these names. Shell-style globs (V(web-*)) are allowed; names compare
        case-insensitively, as Azure's do.
      - A name or glob that matches no scale set fails the run, naming it, so that a typo does not look like an
        empty fleet.
      - From the environment, a comma-separated list.
    type: list
    elements: str
    env:
      - name: AZURE_VMSS_SCALE_SETS
  orchestration_modes:
    description:
      - Only scale sets of these orchestration modes. Without it, both.
    type: list
    elements: str
    choices: [Uniform, Flexible]
    env:
      - name: AZURE_VMSS_ORCHESTRATION_MODES
  hostvars_prefix:
    description:
      - Prefix of the host variables that carry the instance record (V(vmss_power_state), V(vmss_zones)...).
      - Letters, digits and underscores; it may be empty.
    type: str
    default: vmss_
    env:
      - name: AZURE_VMSS_HOSTVARS_PREFIX
  include_instance_view:
    description:
      - Add the whole instance view (statuses, disks, extensions, VM agent...) as the C(instance_view) host
        variable. The instance view is always read (the power state and health come from it); this only decides
        whether all of it becomes a host variable.
      - Off by default since 0.2.0. Without it every host still has what plays group and filter on (power,
        provisioning and health state, zones, fault and update domain, computer name, IP addresses,
        C(latest_model_applied), C(os_disk_ephemeral), tags). The view is about two thirds of all host variables
        and changes on every sync (its status times); at 10,000 VMs it makes C(ansible-inventory) several times
        slower and larger, and AWX stores it per host on every inventory update.
      - For the full view on the hosts a play runs on, use M(vmss.fleet.instance_facts) in the play, which reads
        each scale set once for all of the play's hosts.
    type: bool
    default: false
    env:
      - name: AZURE_VMSS_INCLUDE_INSTANCE_VIEW
  ansible_host_source:
    description:
      - What C(ansible_host) is set to. V(private_ip) and V(public_ip) are the first address of the primary
        network interface; V(computer_name) is the guest's host name; V(name) is the VM name.
      - When the chosen value is missing (a VM without public IP), C(ansible_host) is not set for that host.
    type: str
    default: private_ip
    choices: [private_ip, public_ip, computer_name, name]
    env:
      - name: AZURE_VMSS_ANSIBLE_HOST_SOURCE
  hostnames:
    description:
      - How hosts are named, as a preference list; the first entry that gives a value for a VM names it.
      - An entry is V(name) (the VM name), V(computer_name), V(private_ip), V(public_ip), V(instance_id),
        V(vm_id), or a Jinja2 expression over the host variables (for example
        C(vmss_tags.hostname | default(''))).
      - When no entry gives a value, the VM name is used.
      - Names are unique. Hosts whose names would collide all get a suffix made from their resource id
        (C(web-000001_3f2a9c1b)), so each host keeps its name from one run to the next; a warning names them.
        AWX matches hosts by name, so choose names that do not change when a VM restarts (V(name),
        V(computer_name)).
    type: list
    elements: str
    default: [name]
  default_groups:
    description:
      - Add every host to the groups C({group_prefix}scaleset_{scale set}), C({group_prefix}mode_{uniform|flexible}),
        C({group_prefix}power_{power state}) and, for zonal VMs, C({group_prefix}zone_{location}_{zone})
        (zones are numbered per region). Names are lower case, other characters than letters, digits and C(_)
        become C(_).
      - Scale sets with the same name in different resource groups share their group; use C(keyed_groups) on
        C(vmss_resource_group) to tell them apart.
    type: bool
    default: true
    env:
      - name: AZURE_VMSS_DEFAULT_GROUPS
  group_prefix:
    description:
      - Prefix of the default group names.
    type: str
    default: vmss_
    env:
      - name: AZURE_VMSS_GROUP_PREFIX
  include_filters:
    description:
      - Jinja2 conditionals over the host variables. When given, a VM becomes a host only if at least one is
        true.
      - With O(strict=false) a conditional that cannot be evaluated for a host counts as false; with
        O(strict=true) it fails the run.
    type: list
    elements: str
    default: []
  exclude_filters:
    description:
      - Jinja2 conditionals over the host variables. A VM for which any is true is not a host. Applied after
        O(include_filters).
      - Evaluation errors are handled as for O(include_filters).
    type: list
    elements: str
    default: []
  max_concurrency:
    description:
      - How many list requests are in flight at once, across subscriptions, resource groups and scale sets.
    type: int
    default: 8
    env:
      - name: AZURE_VMSS_MAX_CONCURRENCY
  fail_on_partial:
    description:
      - Fail the run when any subscription, resource group or scale set (or the addresses of one) cannot be
        read, naming each. With V(false) the inventory is built from what could be read and a warning names
        what is missing. Never a silent drop.
      - A run where nothing at all could be read always fails.
    type: bool
    default: true
    env:
      - name: AZURE_VMSS_FAIL_ON_PARTIAL
  list_in_child_process:
    description:
      - List Azure in a child process forked for the purpose, so that ansible-core adds the hosts of the scale
        sets already listed while the others are still read and decoded, on another CPU. Hosts are added in the
        order of their scale sets' ids, and within a scale set of their VMs' ids, whichever is listed first.
      - With V(false), or where a process cannot fork (a controller that is not POSIX, or a caller running
        threads), everything is listed first and then added, in this process. The hosts are the same.
    type: bool
    default: true
    version_added: 0.2.0
    env:
      - name: AZURE_VMSS_LIST_IN_CHILD_PROCESS
extends_documentation_fragment:
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
  - vmss.fleet.azure.plugins
notes:
  - Ansible itself only warns when an inventory source fails to parse, and goes on without its hosts. AWX makes
    that fatal (it sets E(ANSIBLE_INVENTORY_UNPARSED_FAILED)); elsewhere set it too, or
    C(unparsed_is_failed = true) in the C([inventory]) section of C(ansible.cfg), so a failed listing fails the
    play.
  - The cache holds the records that were read, keyed on the options that decide what is read (scope, cloud) and
    on a fingerprint of the credential, not on the file's path. The fingerprint is a digest of the credential's
    identity and a salted PBKDF2 hash of its secret, password or certificate, never the secret itself; a wrong
    secret or another principal never gets a cached listing. A cache hit makes no request to Azure. Changes to
    hostnames, groups, C(compose) or filters apply without a new listing. A listing with missing parts is never
    cached. A file cache's file (C(ansible.builtin.jsonfile)) is made readable by its owner only.
  - In AWX, set the inventory source's C(enabled_var) to C(vmss_power_state) and C(enabled_value) to
    C(running), so stopped and deallocated VMs stay in the inventory as disabled hosts.
'''

EXAMPLES = r'''
# fleet.azure_vmss.yml: every scale set of the credential's subscription (both modes)
plugin: vmss.fleet.azure_vmss

# Each example below is a config file of its own (one YAML document per file).

# web.azure_vmss.yml: two resource groups, web scale sets only, named by computer name
# plugin: vmss.fleet.azure_vmss
# resource_groups: [rg-web-eu, rg-web-us]
# scale_sets: ["web-*"]
# hostnames: [computer_name, name]
# ansible_host_source: private_ip
# exclude_filters:
#   - vmss_provisioning_state == 'failed'
# compose:
#   ansible_user: "'azureuser'"
# keyed_groups:
#   - key: vmss_tags.role | default('none')
#     prefix: role
#   - key: vmss_location
#     prefix: region
# groups:
#   unhealthy: vmss_health == 'unhealthy'

# all.azure_vmss.yml: every subscription the credential can read, cached for 10 minutes
# plugin: vmss.fleet.azure_vmss
# subscriptions: [all]
# max_concurrency: 16
# cache: true
# cache_plugin: ansible.builtin.jsonfile
# cache_connection: /tmp/vmss_inventory_cache
# cache_timeout: 600

# AWX inventory source recipe (project-sourced):
#   1. Commit a file named e.g. inventories/prod.azure_vmss.yml containing `plugin: vmss.fleet.azure_vmss`
#      (and any fixed options), and list vmss.fleet in the project's collections/requirements.yml.
#   2. Inventory source: Source "Sourced from a Project", that project, Inventory file
#      inventories/prod.azure_vmss.yml, Credential: a "Microsoft Azure Resource Manager" credential.
#   3. Options: Overwrite, Update on launch; Enabled Variable: vmss_power_state; Enabled Value: running.
#   4. Source variables become environment variables, for example:
#        AZURE_VMSS_RESOURCE_GROUPS: rg-web-eu,rg-web-us
#        AZURE_VMSS_FAIL_ON_PARTIAL: "false"
'''

import copy
import functools
import hashlib
import json
import os
import re

from ansible.errors import AnsibleError
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.unsafe_proxy import wrap_var
from ansible.inventory.group import to_safe_group_name
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.vmss.fleet.plugins.module_utils.auth import (
    apply_credential_file,
    choose_source,
    settings_from_options,
)
from ansible_collections.vmss.fleet.plugins.module_utils.clients import LISTING_SDK, AzureClients, missing_sdk
from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError, internal_error, scrub
from ansible_collections.vmss.fleet.plugins.module_utils.fleet import FleetRead, fleet_stream, subscription_scope
from ansible_collections.vmss.fleet.plugins.plugin_utils.collector import full_collections_deferred
from ansible_collections.vmss.fleet.plugins.plugin_utils.forked import can_fork, stream_from_child

CONFIG_SUFFIXES = ("azure_vmss.yml", "azure_vmss.yaml")

# hostnames entries that name a record field; anything else is a Jinja2 expression.
HOSTNAME_FIELDS = ("name", "computer_name", "private_ip", "public_ip", "instance_id", "vm_id")

# Options that decide what is read from Azure (the scope and the cloud), and so which cached listing may be
# reused. The credential joins the cache key as a fingerprint (``credential_fingerprint``), never as itself.
CACHE_SCOPE_OPTIONS = ("subscriptions", "resource_groups", "scale_sets", "orchestration_modes",
                       "include_instance_view", "cloud_environment", "base_url", "authority_host")
# Who the credential is: nothing secret.
CREDENTIAL_IDENTITY = ("auth_source", "subscription_id", "tenant", "client_id", "ad_user", "certificate_path",
                       "federated_token_file", "profile")
# PBKDF2 rounds of each secret's proof: a cache file's name must not make testing guesses of a password cheap.
SECRET_HASH_ROUNDS = 100000
CACHE_FILE_MODE = 0o600

VARIABLE_PREFIX = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)?$")

# Before ansible-core 2.19 a plain string an inventory plugin sets is templated wherever it is used (compose,
# keyed_groups, a play), so Jinja in a tag value would run on the controller; marked unsafe, it never is. From
# 2.19 on, values an inventory plugin sets are not trusted templates anyway, and wrapping them only costs time.
MARK_UNSAFE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) < (2, 19)


def untrusted(variables):
    """Host variables that came from Azure, safe from templating on every supported ansible-core."""
    return wrap_var(variables) if MARK_UNSAFE else variables


def evaluate_conditional(templar, conditional):
    """A filter's truth. Templar.evaluate_conditional is new in ansible-core 2.19; before it, the condition is
    templated the way core's own `groups` option does."""
    if hasattr(templar, "evaluate_conditional"):
        return bool(templar.evaluate_conditional(conditional))
    return boolean(templar.template("{%% if %s %%} True {%% else %%} False {%% endif %%}" % conditional))


# ---------------------------------------------------------------------------
# Pure helpers: records in, names and variables out (unit tested)
# ---------------------------------------------------------------------------

def record_value(record, field):
    """A record field for naming and addressing; ``private_ip``/``public_ip`` are the first address."""
    if field in ("private_ip", "public_ip"):
        addresses = record.get(field + "s") or []
        return addresses[0] if addresses else None
    return record.get(field)


def host_variables(record, prefix="vmss_", include_instance_view=False, ansible_host_source="private_ip"):
    """The host variables of one instance record: every field under ``prefix``, and ``ansible_host``."""
    variables = {}
    for key, value in record.items():
        if key == "instance_view" and not include_instance_view:
            continue
        variables[prefix + key] = value
    address = record_value(record, ansible_host_source)
    if address:
        variables["ansible_host"] = address
    return variables


def preferred_hostname(record, preferences, evaluate=None):
    """The first value the ``hostnames`` preferences give for a record; the VM name when none does.

    ``evaluate(expression)`` computes a Jinja2 entry (None when it cannot).
    """
    for preference in preferences or []:
        if preference in HOSTNAME_FIELDS:
            value = record_value(record, preference)
        elif evaluate is not None:
            value = evaluate(preference)
        else:
            value = None
        if value not in (None, ""):
            return to_text(value)
    return record["name"]


def identity_suffix(resource_id):
    """A short suffix that only depends on the VM's own resource id (ids are case-insensitive)."""
    return hashlib.sha256(resource_id.lower().encode("utf-8")).hexdigest()[:8]


class UniqueNames(object):
    """Keeps host names unique while hosts are added one at a time, as their scale sets are listed.

    Every host of a colliding name gets a suffix from its resource id, not from its position, so a host's name
    does not depend on the order Azure lists VMs in. The first host of a name is added under the plain name;
    when a second one comes, ``place`` says to rename the first. ``taken`` are hosts that other inventory
    sources added before this one: they are never renamed away (a VM named like one only merges into it, as
    before any collision).
    """

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.holders = {}  # plain name -> (resource id, payload) of the one host holding it so far
        self.collided = set()

    def place(self, resource_id, name, payload):
        """``(name for this host, [(old name or None, new name, payload)] of hosts already added to move)``.

        An old name of None means: add the new one and leave the host of the old name where it is."""
        if name in self.collided:
            return suffixed(name, resource_id), []
        if name not in self.holders:
            self.holders[name] = (resource_id, payload)
            return name, []
        first_id, first_payload = self.holders.pop(name)
        self.collided.add(name)
        old_name = None if name in self.taken else name
        return suffixed(name, resource_id), [(old_name, suffixed(name, first_id), first_payload)]

    def release(self, name, resource_id):
        """The host of ``resource_id`` was taken back: a later VM of that plain name gets it. (A name that
        collided keeps the suffixes it gave.)"""
        if self.holders.get(name, (None,))[0] == resource_id:
            del self.holders[name]


def suffixed(name, resource_id):
    return "%s_%s" % (name, identity_suffix(resource_id))


class InOrder(object):
    """Pages of scale sets as they come, handed out in the sets' order, so hosts are always added in the same
    order whatever order Azure's lists end in: the first set not over flows a page at a time, the others wait."""

    PAGE, OVER, FAILED = "page", "over", "failed"

    def __init__(self, order):
        self.order = list(order)
        self.pages = dict((key, []) for key in self.order)
        self.ended = {}     # set key -> OVER or FAILED

    def add(self, key, records, over):
        """A message of ``send_fleet``: records None means the set's VMs could not be read."""
        if records is None:
            self.ended[key] = self.FAILED
            return
        self.pages[key].append(records)
        if over:
            self.ended[key] = self.OVER

    def ready(self):
        """``[(set key, what, records)]`` that can be used now: ``page`` with its records, then ``over`` or
        ``failed`` (no records) when the set ends."""
        ready = []
        while self.order:
            head = self.order[0]
            if self.ended.get(head) != self.FAILED:
                ready.extend((head, self.PAGE, records) for records in self.pages[head])
            self.pages[head] = []
            if head not in self.ended:
                break
            ready.append((head, self.ended[head], None))
            self.order.pop(0)
        return ready


@functools.lru_cache(maxsize=4096)
def safe_group_name(name):
    """A valid, lower-case Ansible group name (memoized: 10,000 hosts share a few dozen group names)."""
    return to_safe_group_name(to_text(name).lower(), force=True, silent=True)


def default_groups(record, prefix="vmss_"):
    """The groups a host joins by default: its scale set, mode, power state and zones."""
    groups = [
        "%sscaleset_%s" % (prefix, record.get("scale_set")),
        "%smode_%s" % (prefix, record.get("orchestration_mode")),
        "%spower_%s" % (prefix, record.get("power_state") or "unknown"),
    ]
    for zone in record.get("zones") or []:
        groups.append("%szone_%s_%s" % (prefix, record.get("location"), zone))
    return [safe_group_name(group) for group in groups]


def keep_host(include_results, exclude_results):
    """Include filters are OR-ed (none given keeps everything); any true exclude filter drops the host."""
    included = not include_results or any(include_results)
    return included and not any(exclude_results)


def failure_report(failures):
    """One sentence naming every part that could not be read: ``[(what, FleetError)]``."""
    parts = ["%s: %s" % (what, error.message) for what, error in failures]
    noun = "part" if len(failures) == 1 else "parts"
    return "Could not read %d %s of the fleet. %s" % (len(failures), noun, " | ".join(parts))


def resolved_credential(settings):
    """The settings the credential is built from: with a credential file, its profile's values filled in."""
    resolved = copy.copy(settings)
    if choose_source(resolved) == "credential_file":
        apply_credential_file(resolved)
    return resolved


def credential_secrets(settings):
    """What proves the credential: its secret, its password, its certificate file's content."""
    secrets = [to_bytes(secret) for secret in settings.secrets()]
    if settings.certificate_path:
        try:
            with open(os.path.expanduser(settings.certificate_path), "rb") as handle:
                secrets.append(handle.read())
        except (IOError, OSError):
            pass  # building the credential reports it
    return secrets


def credential_fingerprint(settings):
    """A digest of who the credential is and of what proves it, from which neither can be read back.

    The identity (tenant, client id, user...) is hashed; each secret is hashed with PBKDF2-HMAC-SHA256, keyed by
    the secret, salted with the identity's digest, ``SECRET_HASH_ROUNDS`` rounds.
    """
    identity = json.dumps(dict((name, getattr(settings, name)) for name in CREDENTIAL_IDENTITY), sort_keys=True)
    salt = hashlib.sha256(identity.encode("utf-8")).digest()
    proofs = [hashlib.pbkdf2_hmac("sha256", secret, salt, SECRET_HASH_ROUNDS)
              for secret in credential_secrets(settings)]
    return hashlib.sha256(salt + b"".join(proofs)).hexdigest()


def cache_key(scope, fingerprint):
    """The cache key of a listing: what is read (``scope``: CACHE_SCOPE_OPTIONS' values) and by whom."""
    text = json.dumps({"scope": scope, "credential": fingerprint}, sort_keys=True, default=str)
    return "vmss_fleet_azure_vmss_%s" % hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def restrict_cache_file(cache, key):
    """Owner-only permissions on the file of ``key`` when the cache plugin keeps one file per key (jsonfile and
    the other file caches write 0644, and no option changes that); True when done."""
    file_name = getattr(getattr(cache, "_plugin", None), "_get_cache_file_name", None)
    if file_name is None:
        return False  # not a file cache (redis, memcached, memory): its own access control applies
    directory = os.path.dirname(file_name(key))
    try:
        # ansible-core 2.19 puts a schema tag between the prefix and the key, earlier releases do not: the file
        # is the one whose name ends with the key (a digest, so nothing else does).
        names = [name for name in os.listdir(directory) if name.endswith(key)]
        for name in names:
            os.chmod(os.path.join(directory, name), CACHE_FILE_MODE)
    except (IOError, OSError):
        return False
    return bool(names)


def validate_options(options):
    """FleetError naming the first option value that cannot work."""
    for name in ("hostvars_prefix", "group_prefix"):
        if not VARIABLE_PREFIX.match(options[name] or ""):
            raise FleetError("%s '%s' must be letters, digits and underscores, not starting with a digit."
                             % (name, options[name]))
    if options["max_concurrency"] < 1:
        raise FleetError("max_concurrency must be 1 or more, got %d." % options["max_concurrency"])


# Options that decide what the listing reads (sent to the child that lists).
LISTING_OPTIONS = ("subscriptions", "resource_groups", "orchestration_modes", "scale_sets", "max_concurrency",
                   "include_instance_view")


def send_fleet(settings, scope, send):
    """The listing, as messages: ``("plan", [scale set keys])``, then ``("page", key, records, over)`` for each
    page of a scale set's VMs as soon as their addresses are in (records None: the set's VMs could not be read,
    and the pages sent before do not count), then ``("end", failures, scopes read)``."""
    missing = missing_sdk(LISTING_SDK)
    if missing:
        raise FleetError("The vmss.fleet.azure_vmss inventory needs the Python package %s (pip install %s): %s"
                         % (missing[0], missing[0], missing[1]))
    clients = AzureClients(settings)
    try:
        subscriptions = subscription_scope(scope["subscriptions"], lambda: clients.subscription_id,
                                           clients.list_subscription_ids)
        read = FleetRead()
        stream = fleet_stream(read, clients, subscriptions, scope["resource_groups"], scope["orchestration_modes"],
                              scope["scale_sets"], scope["max_concurrency"], scope["include_instance_view"],
                              by_page=True)
        send(("plan", [vmss["id"].lower() for vmss in stream.scale_sets]))
        for vmss, records, over in stream.pages():
            send(("page", vmss["id"].lower(), records, over))
        send(("end", read.failures + stream.failures, read.scopes_read))
    finally:
        clients.close()


class _AddedHosts(object):
    """The hosts and groups this source added, so that a run that fails can take them all back: ansible-core
    keeps whatever a failed source added, and hosts are added while the listing is still going."""

    def __init__(self, inventory):
        self.inventory = inventory
        self.groups_before = set(inventory.groups)
        self.hosts_before = set(inventory.hosts)
        self.names = set()

    def add(self, name):
        self.inventory.add_host(name)
        self.names.add(name)

    def remove(self, name):
        self.inventory.remove_host(self.inventory.get_host(name))
        self.names.discard(name)

    def take_back(self, name):
        """Remove a host this source added, unless another source had it first (then it stays theirs)."""
        if name in self.names and name not in self.hosts_before:
            self.remove(name)

    def undo(self):
        for name in list(self.names - self.hosts_before):
            self.remove(name)
        for name in set(self.inventory.groups) - self.groups_before:
            group = self.inventory.groups[name]
            for parent in list(group.parent_groups):
                parent.child_groups.remove(group)
            self.inventory.remove_group(group)


# ---------------------------------------------------------------------------
# The plugin
# ---------------------------------------------------------------------------

class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "vmss.fleet.azure_vmss"

    def verify_file(self, path):
        """True only for readable files named ``*azure_vmss.yml|yaml``; never raises."""
        try:
            return to_text(path).endswith(CONFIG_SUFFIXES) and super(InventoryModule, self).verify_file(path)
        except Exception:
            return False

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path)
        self._read_config_data(path)
        settings = settings_from_options(self.get_option)
        with full_collections_deferred():
            failure = self._build(path, cache, settings)
        if failure is not None:
            # Raised outside the except block, so that no traceback of the original exception is chained to it.
            raise AnsibleError(scrub(failure.message, settings.secrets()))

    def _build(self, path, cache, settings):
        """Read and add the hosts; None, or the FleetError that fails the run (then nothing was added)."""
        self._start_hosts()
        try:
            validate_options(self._plugin_options())
            self._add_everything(cache, settings)
        except AnsibleError:
            self._undo()
            raise  # ansible-core's own (a filter that cannot be evaluated with strict): already the user's message
        except FleetError as exc:
            self._undo()
            return exc
        except Exception as exc:  # pylint: disable=broad-except
            # The plugin's one catch-all: a bug is reported as one, never as Azure's answer or as a warning.
            self._undo()
            return internal_error(exc)
        finally:
            self._end_hosts()
        return None

    def _plugin_options(self):
        return dict((name, self.get_option(name)) for name in (
            "hostvars_prefix", "group_prefix", "max_concurrency"))

    # -- reading, through the cache ------------------------------------------------------------------------

    def get_cache_key(self, path):
        return self._cache_key(settings_from_options(self.get_option))

    def _cache_key(self, settings):
        """Keyed on what is read (scope, cloud) and on the credential's fingerprint, not on where the file is:
        AWX and CI check the file out to a new directory for every run. A wrong secret is another key."""
        scope = dict((name, self.get_option(name)) for name in CACHE_SCOPE_OPTIONS)
        return cache_key(scope, credential_fingerprint(resolved_credential(settings)))

    def _add_everything(self, cache, settings):
        """Hosts from the cache when allowed and fresh, else from Azure (then cached if complete)."""
        use_cache = self.get_option("cache")
        key = self._cache_key(settings) if use_cache else None
        if use_cache and cache:
            try:
                records = self._cache[key]
            except KeyError:
                pass
            else:
                restrict_cache_file(self._cache, key)  # an entry written before the file was made owner-only
                self._add_records(records)
                return
        records, complete = self._add_from_azure(settings)
        if use_cache and complete:
            self._store(key, records)

    def _store(self, key, records):
        """Write the entry now rather than after ``parse`` (as ansible-core would), to make its file owner-only."""
        self._cache[key] = records
        self._cache.set_cache()
        restrict_cache_file(self._cache, key)

    def _add_from_azure(self, settings):
        """(records, complete): adds each page of a scale set's hosts as soon as it and the sets before it are
        listed; a set whose list fails midway loses the hosts added from it. Fails, or warns naming what is
        missing, per ``fail_on_partial``."""
        in_order, records, read = InOrder([]), [], FleetRead()
        of_set = {}     # set key -> the records added from it so far
        for message in self._listing_messages(settings):
            if message[0] == "plan":
                in_order = InOrder(sorted(message[1]))
                continue
            if message[0] == "end":
                read.failures, read.scopes_read = message[1], message[2]
                continue
            in_order.add(*message[1:])
            for key, what, page in in_order.ready():
                if what == InOrder.PAGE:
                    self._add_records(page)
                    of_set.setdefault(key, []).extend(page)
                elif what == InOrder.OVER:
                    records.extend(of_set.pop(key, []))
                else:
                    self._take_back(of_set.pop(key, []))
        self._report_failures(read, settings)
        return records, not read.failures

    def _listing_messages(self, settings):
        """The messages of ``send_fleet``: from a forked child while this process adds hosts (see
        plugin_utils/forked.py), or made here first where a child cannot be forked."""
        scope = dict((name, self.get_option(name)) for name in LISTING_OPTIONS)
        if self.get_option("list_in_child_process") and can_fork():
            self.display.vvv("vmss.fleet.azure_vmss: listing in a child process while hosts are added")
            return stream_from_child(lambda send: send_fleet(settings, scope, send))
        self.display.vvv("vmss.fleet.azure_vmss: listing in this process, then adding the hosts")
        messages = []
        send_fleet(settings, scope, messages.append)
        return messages

    def _report_failures(self, read, settings):
        if not read.failures:
            return
        report = scrub(failure_report(read.failures), settings.secrets())
        if self.get_option("fail_on_partial") or read.scopes_read == 0:
            raise FleetError(report + " Nothing was added to the inventory rather than leave those hosts out. "
                             "Grant read access, or set fail_on_partial: false to build the inventory from what "
                             "can be read.")
        self.display.warning("vmss.fleet.azure_vmss: " + report + " The hosts there are missing from this inventory "
                             "(fail_on_partial is false).")

    # -- building hosts --------------------------------------------------------------------------------------

    def _populate(self, records):
        """Adds the hosts of records, all at once (the unit tests' way in)."""
        self._start_hosts()
        try:
            self._add_records(records)
        finally:
            self._end_hosts()

    def _start_hosts(self):
        self._added = _AddedHosts(self.inventory)
        self._names = UniqueNames(taken=self._added.hosts_before)
        self._host_of = {}  # resource id -> the host name its record was added under

    def _take_back(self, records):
        """Remove the hosts of these records (a scale set whose list failed after some of its pages)."""
        for record in records:
            name = self._host_of.pop(record["id"], None)
            if name is not None:
                self._added.take_back(name)
                self._names.release(name, record["id"])

    def _undo(self):
        """Takes back every host and group of a run that fails (and so has no collision worth a warning)."""
        self._added.undo()
        self._names.collided.clear()

    def _end_hosts(self):
        """Warns of collided names, and lets go of what naming held: ansible-core keeps the plugin after parse(),
        and 10,000 records would otherwise stay in memory through the rest of the run."""
        if self._names.collided:
            self.display.warning("vmss.fleet.azure_vmss: several VMs share the host name(s) %s; each got a suffix "
                                 "from its resource id. Choose hostnames that are unique."
                                 % ", ".join(sorted(self._names.collided)))
        self._names = self._added = self._host_of = None

    def _add_records(self, records):
        prefix = self.get_option("hostvars_prefix")
        strict = self.get_option("strict")
        for record in records:
            variables = untrusted(host_variables(record, prefix, self.get_option("include_instance_view"),
                                                 self.get_option("ansible_host_source")))
            if not self._passes_filters(variables, strict):
                continue
            name, moves = self._names.place(record["id"], self._hostname(record, variables, strict),
                                            (record, variables))
            for old_name, new_name, (moved_record, moved_variables) in moves:
                if old_name is not None:
                    self._added.remove(old_name)
                self._add_host(new_name, moved_record, moved_variables, strict)
                self._host_of[moved_record["id"]] = new_name
            self._add_host(name, record, variables, strict)
            self._host_of[record["id"]] = name

    def _add_host(self, hostname, record, variables, strict):
        self._added.add(hostname)
        for key, value in variables.items():
            self.inventory.set_variable(hostname, key, value)
        if self.get_option("default_groups"):
            for group in default_groups(record, self.get_option("group_prefix")):
                self.inventory.add_group(group)
                self.inventory.add_child(group, hostname)
        self._set_composite_vars(self.get_option("compose"), variables, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option("groups"), variables, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, hostname, strict=strict)

    def _hostname(self, record, variables, strict):
        return preferred_hostname(record, self.get_option("hostnames"),
                                  lambda expression: self._evaluate(expression, variables, strict))

    def _evaluate(self, expression, variables, strict):
        """A hostnames expression's value, None when it cannot be evaluated (an error with strict)."""
        try:
            return self._compose(expression, variables)
        except Exception as exc:
            if strict:
                raise AnsibleError("Could not evaluate hostnames entry '%s' for VM '%s': %s"
                                   % (expression, variables.get(self.get_option("hostvars_prefix") + "name"), exc))
            return None

    def _condition(self, conditional, variables, strict):
        self.templar.available_variables = variables
        try:
            return evaluate_conditional(self.templar, conditional)
        except Exception as exc:
            if strict:
                raise AnsibleError("Could not evaluate filter '%s' for VM '%s': %s"
                                   % (conditional, variables.get(self.get_option("hostvars_prefix") + "name"), exc))
            return False

    def _passes_filters(self, variables, strict):
        include = [self._condition(c, variables, strict) for c in self.get_option("include_filters") or []]
        exclude = [self._condition(c, variables, strict) for c in self.get_option("exclude_filters") or []]
        return keep_host(include, exclude)
