"""The in-memory estate: subscriptions -> resource groups -> scale sets -> VMs, with the indexes the routes
need so that every request costs in proportion to its page, not to the estate."""

import bisect
import ipaddress
import time

from . import naming

PRIVATE_BASE = int(ipaddress.IPv4Address("10.0.0.0"))
PUBLIC_BASE = int(ipaddress.IPv4Address("20.40.0.0"))


class VM:
    __slots__ = (
        "scale_set", "name", "instance_id", "key", "computer_name", "vm_id", "zone", "fault_domain",
        "update_domain", "power", "provisioning", "health", "created_time", "last_op_time", "os_disk_time",
        "power_time", "op", "private_ip", "public_ip", "mac", "latest_model_applied", "protect_from_scale_in",
        "position", "fail_code", "fail_message", "fail_time",
    )

    @property
    def mode(self):
        return self.scale_set.mode

    @property
    def uniform(self):
        return self.scale_set.mode == "Uniform"

    @property
    def id(self):
        ss = self.scale_set
        if self.uniform:
            return f"{ss.id}/virtualMachines/{self.instance_id}"
        return f"{ss.rg.id}/providers/Microsoft.Compute/virtualMachines/{self.name}"

    @property
    def nic_name(self):
        return f"{self.scale_set.name}-nic01" if self.uniform else f"{self.name}-nic01"

    @property
    def nic_id(self):
        if self.uniform:
            return f"{self.id}/networkInterfaces/{self.nic_name}"
        return f"{self.scale_set.rg.id}/providers/Microsoft.Network/networkInterfaces/{self.nic_name}"

    @property
    def ipconfig_id(self):
        return f"{self.nic_id}/ipConfigurations/{self.scale_set.name}-ipconfig"

    @property
    def public_ip_name(self):
        return f"{self.scale_set.name}-pip" if self.uniform else f"{self.name}-pip"

    @property
    def public_ip_id(self):
        if self.uniform:
            return f"{self.ipconfig_id}/publicIPAddresses/{self.public_ip_name}"
        return f"{self.scale_set.rg.id}/providers/Microsoft.Network/publicIPAddresses/{self.public_ip_name}"

    @property
    def os_disk_name(self):
        return f"{self.name}_OsDisk_1_{self.vm_id.replace('-', '')}"

    @property
    def label(self):
        return self.name


class ScaleSet:
    def __init__(self, rg, spec, index):
        self.rg = rg
        self.spec = spec
        self.name = spec["name"]
        self.mode = spec["mode"]
        self.location = spec["location"]
        self.index = index                  # global index: used for the address plan
        self.unique_id = naming.stable_uuid("vmss", rg.sub.id, rg.name, self.name)
        self.created_time = None
        self.vms = {}                       # key -> VM (key sorts in listing order)
        self.keys = []                      # sorted keys
        self.by_name = {}                   # lower VM name (and Uniform instance id) -> VM
        self.rng = naming.seeded_rng(rg.sub.state.seed, rg.sub.id, rg.name, self.name)
        self.last_uniform_id = None
        self.next_position = 0
        self.provisioning = "Succeeded"

    @property
    def id(self):
        return f"{self.rg.id}/providers/Microsoft.Compute/virtualMachineScaleSets/{self.name}"

    @property
    def uniform(self):
        return self.mode == "Uniform"

    def ordered_vms(self):
        return [self.vms[k] for k in self.keys]

    def find(self, ident):
        """A VM by Uniform instance id, or by VM name (either mode); case-insensitive."""
        return self.by_name.get(str(ident).lower())


class ResourceGroup:
    def __init__(self, sub, spec):
        self.sub = sub
        self.name = spec["name"]
        self.location = spec["location"]
        self.tags = spec.get("tags") or {}
        self.scale_sets = {}                # lower name -> ScaleSet
        self.flex_vms = {}                  # lower VM name -> VM (members of Flexible sets: plain VMs)
        self.flex_keys = []

    @property
    def id(self):
        return f"/subscriptions/{self.sub.id}/resourceGroups/{self.name}"

    def sorted_scale_sets(self):
        return [self.scale_sets[k] for k in sorted(self.scale_sets)]


class Subscription:
    def __init__(self, state, spec):
        self.state = state
        self.id = spec["id"]
        self.name = spec["name"]
        self.status = spec.get("state", "Enabled")
        self.rgs = {}                       # lower name -> ResourceGroup

    def sorted_rgs(self):
        return [self.rgs[k] for k in sorted(self.rgs)]


class State:
    """Everything the emulator knows; built from a checked estate (see estate.py)."""

    def __init__(self, estate, now=None):
        self.estate = estate
        self.seed = estate["seed"]
        self.tenant_id = estate["tenant_id"]
        self.subscriptions = {}
        self.vms_by_name = {}               # lower name -> [VM] (control API lookups)
        self.operations = {}                # op id -> Operation
        self.scale_set_count = 0
        now = time.time() if now is None else now
        for sub_spec in estate["subscriptions"]:
            sub = Subscription(self, sub_spec)
            self.subscriptions[sub.id] = sub
            for rg_spec in sub_spec["resource_groups"]:
                rg = ResourceGroup(sub, rg_spec)
                sub.rgs[rg.name.lower()] = rg
                for ss_spec in rg_spec["scale_sets"]:
                    ss = ScaleSet(rg, ss_spec, self.scale_set_count)
                    self.scale_set_count += 1
                    rg.scale_sets[ss.name.lower()] = ss
                    ss.created_time = now - 86400 * 3 - ss.rng.randint(0, 86400)
                    for position in range(ss_spec["capacity"]):
                        vm = self.add_vm(ss, created=ss.created_time + 600 + position * 7)
                        override = ss_spec["instances"].get(position, {})
                        vm.power = override.get("power_state", vm.power)
                        vm.provisioning = override.get("provisioning_state", vm.provisioning)
                        if "health" in override:
                            vm.health = override["health"]
                        elif vm.power != "running" and vm.health is not None:
                            vm.health = "unknown"
                        vm.protect_from_scale_in = override.get("protect_from_scale_in", False)

    # ---- lookups -------------------------------------------------------------------------------------
    def subscription(self, sub_id):
        return self.subscriptions.get(sub_id.lower())

    def resource_group(self, sub_id, rg_name):
        sub = self.subscription(sub_id)
        return sub.rgs.get(rg_name.lower()) if sub else None

    def scale_set(self, sub_id, rg_name, name):
        rg = self.resource_group(sub_id, rg_name)
        return rg.scale_sets.get(name.lower()) if rg else None

    def all_vms(self):
        for sub in self.subscriptions.values():
            for rg in sub.rgs.values():
                for ss in rg.scale_sets.values():
                    yield from ss.vms.values()

    def find_vms(self, name, resource_group=None, subscription=None):
        found = self.vms_by_name.get(str(name).lower(), [])
        if resource_group:
            found = [v for v in found if v.scale_set.rg.name.lower() == resource_group.lower()]
        if subscription:
            found = [v for v in found if v.scale_set.rg.sub.id == subscription.lower()]
        return found

    # ---- churn ---------------------------------------------------------------------------------------
    def add_vm(self, ss, created=None):
        created = time.time() if created is None else created
        vm = VM()
        vm.scale_set = ss
        vm.position = ss.next_position
        ss.next_position += 1
        spec = ss.spec
        if ss.uniform:
            ss.last_uniform_id = naming.next_uniform_id(ss.rng, ss.last_uniform_id)
            vm.instance_id = str(ss.last_uniform_id)
            vm.name = naming.uniform_vm_name(ss.name, vm.instance_id)
            vm.computer_name = naming.uniform_computer_name(spec["computer_name_prefix"], vm.instance_id)
            vm.key = f"{ss.last_uniform_id:012d}"
        else:
            name8, comp6 = naming.flexible_suffixes(ss.rng, lambda n8: f"{ss.name}_{n8}".lower() in ss.by_name)
            vm.name = f"{ss.name}_{name8}"
            vm.instance_id = vm.name
            vm.computer_name = naming.flexible_computer_name(spec["computer_name_prefix"], comp6)
            vm.key = vm.name.lower()
        vm.vm_id = naming.stable_uuid("vm", ss.rg.sub.id, ss.rg.name, vm.name)
        zones = spec["zones"]
        vm.zone = zones[vm.position % len(zones)] if zones else None
        fd_count = max(1, spec["fault_domain_count"])
        vm.fault_domain = (vm.position // max(1, len(zones) or 1)) % fd_count if zones else vm.position % fd_count
        vm.update_domain = vm.position % 5 if ss.uniform else 0
        vm.power = "running"
        vm.provisioning = "Succeeded"
        vm.health = "healthy" if spec["health_extension"] else None
        vm.created_time = created
        vm.last_op_time = created + 95
        vm.os_disk_time = created + 20
        vm.power_time = created + 95
        vm.op = None
        vm.private_ip = str(ipaddress.IPv4Address(PRIVATE_BASE + ss.index * 4096 + 4 + vm.position))
        vm.public_ip = (str(ipaddress.IPv4Address(PUBLIC_BASE + ss.index * 4096 + 10 + vm.position))
                        if spec["public_ips"] else None)
        digest = naming.stable_uuid("mac", vm.vm_id).replace("-", "")[:6].upper()
        vm.mac = "00-0D-3A-" + "-".join(digest[i:i + 2] for i in range(0, 6, 2))
        vm.latest_model_applied = True
        vm.protect_from_scale_in = False
        vm.fail_code = vm.fail_message = vm.fail_time = None
        ss.vms[vm.key] = vm
        bisect.insort(ss.keys, vm.key)
        ss.by_name[vm.name.lower()] = vm
        if ss.uniform:
            ss.by_name[vm.instance_id] = vm
        else:
            ss.rg.flex_vms[vm.key] = vm
            bisect.insort(ss.rg.flex_keys, vm.key)
        self.vms_by_name.setdefault(vm.name.lower(), []).append(vm)
        return vm

    def remove_vm(self, vm):
        ss = vm.scale_set
        del ss.vms[vm.key]
        ss.keys.remove(vm.key)
        ss.by_name.pop(vm.name.lower(), None)
        if ss.uniform:
            ss.by_name.pop(vm.instance_id, None)
        else:
            del ss.rg.flex_vms[vm.key]
            ss.rg.flex_keys.remove(vm.key)
        same = self.vms_by_name.get(vm.name.lower(), [])
        if vm in same:
            same.remove(vm)
        if not same:
            self.vms_by_name.pop(vm.name.lower(), None)
