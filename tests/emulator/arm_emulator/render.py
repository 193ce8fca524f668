"""JSON bodies in the shapes of the official 2026-04-01 examples. Every key here is one the installed
azure-mgmt-compute / azure-mgmt-network models know (the fidelity tests check this)."""

import functools
import hashlib
from datetime import datetime, timezone

from .operations import settle

IMAGES = {
    "linux": {
        "image": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                  "version": "latest", "exactVersion": "24.04.202510010"},
        "os_type": "Linux", "os_name": "ubuntu", "os_version": "24.04",
        "health_type": "ApplicationHealthLinux",
    },
    "windows": {
        "image": {"publisher": "MicrosoftWindowsServer", "offer": "WindowsServer",
                  "sku": "2022-datacenter-azure-edition", "version": "latest", "exactVersion": "20348.2700.240905"},
        "os_type": "Windows", "os_name": "Windows Server 2022 Datacenter Azure Edition",
        "os_version": "10.0.20348.2700", "health_type": "ApplicationHealthWindows",
    },
}
AGENT_VERSION = "2.12.0.2"
HEALTH_EXT_VERSION = "2.0.12"

POWER_DISPLAY = {
    "running": "VM running", "stopped": "VM stopped", "deallocated": "VM deallocated",
    "starting": "VM starting", "stopping": "VM stopping", "deallocating": "VM deallocating",
}
HEALTH_DISPLAY = {
    "healthy": ("Info", "The VM is healthy"),
    "unhealthy": ("Warning", "The VM is unhealthy"),
    "unknown": ("Warning", "The VM health is unknown"),
    "initializing": ("Info", "The VM health is initializing"),
}


@functools.lru_cache(maxsize=65536)
def iso(ts):
    # Memoized: every list page formats the same few timestamps per VM again, and formatting them was a fifth
    # of the emulator's CPU in the 10,000-VM benchmark, CPU it takes from the client on the same machine.
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


def _status(code, level, display, time=None, message=None):
    status = {"code": code, "level": level, "displayStatus": display}
    if message is not None:
        status["message"] = message
    if time is not None:
        status["time"] = iso(time)
    return status


def _image(ss):
    return IMAGES["windows" if ss.spec["os"] == "windows" else "linux"]


def subnet_id(ss):
    rg = ss.rg
    return (f"{rg.id}/providers/Microsoft.Network/virtualNetworks/{rg.name}-vnet/subnets/{ss.name}-subnet")


def _etag(*parts):
    return '"' + hashlib.md5("/".join(str(p) for p in parts).encode()).hexdigest()[:8] + '"'


# ---- scale sets --------------------------------------------------------------------------------------------

def _os_profile(ss, computer_name=None):
    profile = {}
    if computer_name is None:
        profile["computerNamePrefix"] = ss.spec["computer_name_prefix"]
    else:
        profile["computerName"] = computer_name
    profile["adminUsername"] = "azureuser"
    if ss.spec["os"] == "windows":
        profile["windowsConfiguration"] = {"provisionVMAgent": True, "enableAutomaticUpdates": True,
                                           "patchSettings": {"patchMode": "AutomaticByOS",
                                                             "assessmentMode": "ImageDefault"}}
    else:
        profile["linuxConfiguration"] = {"disablePasswordAuthentication": True, "provisionVMAgent": True,
                                         "patchSettings": {"patchMode": "ImageDefault",
                                                           "assessmentMode": "ImageDefault"},
                                         "enableVMAgentPlatformUpdates": False}
    profile["secrets"] = []
    profile["allowExtensionOperations"] = True
    profile["requireGuestProvisionSignal"] = True
    return profile


def _os_disk_profile(ss):
    disk = {"osType": _image(ss)["os_type"], "createOption": "FromImage"}
    if ss.spec["ephemeral_os"]:
        disk["caching"] = "ReadOnly"
        disk["diffDiskSettings"] = {"option": "Local", "placement": "ResourceDisk"}
        disk["managedDisk"] = {"storageAccountType": "Standard_LRS"}
    else:
        disk["caching"] = "ReadWrite"
        disk["managedDisk"] = {"storageAccountType": "Premium_LRS"}
    disk["diskSizeGB"] = 30 if ss.spec["os"] == "linux" else 127
    disk["deleteOption"] = "Delete"
    return disk


def _nic_configuration(ss):
    ipconfig = {"primary": True, "subnet": {"id": subnet_id(ss)}, "privateIPAddressVersion": "IPv4"}
    if ss.spec["public_ips"]:
        ipconfig["publicIPAddressConfiguration"] = {
            "name": f"{ss.name}-pip",
            "properties": {"idleTimeoutInMinutes": 15, "publicIPAddressVersion": "IPv4", "deleteOption": "Delete"},
            "sku": {"name": "Standard", "tier": "Regional"},
        }
    return {
        "name": f"{ss.name}-nic01",
        "properties": {
            "primary": True, "enableAcceleratedNetworking": False, "enableIPForwarding": False,
            "dnsSettings": {"dnsServers": []}, "deleteOption": "Delete",
            "ipConfigurations": [{"name": f"{ss.name}-ipconfig", "properties": ipconfig}],
        },
    }


def _health_extension(ss):
    return {
        "name": "HealthExtension",
        "properties": {
            "publisher": "Microsoft.ManagedServices", "type": _image(ss)["health_type"],
            "typeHandlerVersion": "2.0", "autoUpgradeMinorVersion": True,
            "settings": {"protocol": "http", "port": 80, "requestPath": "/health"},
            "provisioningState": "Succeeded",
        },
    }


def scale_set(ss):
    spec = ss.spec
    profile = {
        "osProfile": _os_profile(ss),
        "storageProfile": {"osDisk": _os_disk_profile(ss), "imageReference": _strip_exact(_image(ss)["image"]),
                           "dataDisks": []},
        "networkProfile": {"networkInterfaceConfigurations": [_nic_configuration(ss)]},
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
        "timeCreated": iso(ss.created_time),
    }
    if not ss.uniform:
        profile["networkProfile"]["networkApiVersion"] = "2020-11-01"
    if spec["health_extension"]:
        profile["extensionProfile"] = {"extensions": [_health_extension(ss)]}
    props = {
        "singlePlacementGroup": False,
        "orchestrationMode": ss.mode,
        "upgradePolicy": {"mode": spec["upgrade_policy"]},
        "virtualMachineProfile": profile,
        "provisioningState": ss.provisioning,
        "uniqueId": ss.unique_id,
        "platformFaultDomainCount": spec["fault_domain_count"],
        "timeCreated": iso(ss.created_time),
    }
    if ss.uniform:
        props["overprovision"] = False
        props["doNotRunExtensionsOnOverprovisionedVMs"] = False
    body = {
        "name": ss.name,
        "id": ss.id,
        "type": "Microsoft.Compute/virtualMachineScaleSets",
        "location": ss.location,
        "tags": dict(spec["tags"]),
        "sku": {"name": spec["sku"], "tier": "Standard", "capacity": len(ss.vms)},
        "etag": _etag(ss.id, len(ss.vms)),
        "properties": props,
    }
    if spec["zones"]:
        body["zones"] = list(spec["zones"])
    return body


def _strip_exact(image):
    return {k: v for k, v in image.items() if k != "exactVersion"}


def scale_set_instance_view(ss, now=None):
    counts = {}
    ext_counts = {}
    for vm in ss.vms.values():
        settle(vm, now)
        for status in _vm_statuses(vm):
            code = status["code"]
            counts[code] = counts.get(code, 0) + 1
        if ss.spec["health_extension"]:
            code = "ProvisioningState/succeeded" if vm.power == "running" else "ProvisioningState/Unavailable"
            ext_counts[code] = ext_counts.get(code, 0) + 1
    body = {
        "virtualMachine": {"statusesSummary": [{"code": c, "count": n} for c, n in sorted(counts.items())]},
        "statuses": [_status("ProvisioningState/succeeded", "Info", "Provisioning succeeded",
                             time=ss.created_time + 120)],
        "orchestrationServices": [{"serviceName": "AutomaticRepairs", "serviceState": "NotRunning"}],
    }
    if ss.spec["health_extension"]:
        body["extensions"] = [{"name": "HealthExtension",
                               "statusesSummary": [{"code": c, "count": n} for c, n in sorted(ext_counts.items())]}]
    return body


# ---- VMs ----------------------------------------------------------------------------------------------------

def _vm_statuses(vm):
    if vm.provisioning == "Updating":
        prov = _status("ProvisioningState/updating", "Info", "Updating")
    elif vm.provisioning == "Failed":
        prov = _status(f"ProvisioningState/failed/{vm.fail_code or 'InternalOperationError'}", "Error",
                       "Provisioning failed", time=vm.fail_time or vm.last_op_time,
                       message=vm.fail_message or "The operation failed.")
    elif vm.provisioning == "Creating":
        prov = _status("ProvisioningState/creating", "Info", "Creating")
    elif vm.provisioning == "Deleting":
        prov = _status("ProvisioningState/deleting", "Info", "Deleting")
    else:
        prov = _status("ProvisioningState/succeeded", "Info", "Provisioning succeeded", time=vm.last_op_time)
    faults = getattr(vm.scale_set.rg.sub.state, "faults", None)
    power_time = vm.power_time if getattr(faults, "power_state_times", False) else None
    return [prov, _status(f"PowerState/{vm.power}", "Info", POWER_DISPLAY.get(vm.power, vm.power),
                          time=power_time)]


def instance_view(vm, scale_set_vm, statuses_only=False, power_only=False, now=None):
    settle(vm, now)
    statuses = _vm_statuses(vm)
    if power_only:
        statuses = [s for s in statuses if s["code"].startswith("PowerState")]
    if statuses_only:
        return {"statuses": statuses}
    ss = vm.scale_set
    image = _image(ss)
    windows = ss.spec["os"] == "windows"
    running = vm.power == "running"
    agent_time = max(vm.power_time, vm.last_op_time) + 30
    if running:
        agent_status = _status("ProvisioningState/succeeded", "Info", "Ready",
                               message="Guest Agent is running", time=agent_time)
    else:
        agent_status = _status("ProvisioningState/Unavailable", "Warning", "Not Ready",
                               message="VM status blob is found but not yet populated.", time=vm.power_time)
    handlers = []
    extensions = []
    if ss.spec["health_extension"]:
        handlers.append({"type": f"Microsoft.ManagedServices.{image['health_type']}",
                         "typeHandlerVersion": HEALTH_EXT_VERSION,
                         "status": _status("ProvisioningState/succeeded", "Info", "Ready")})
        health = vm.health or "unknown"
        app_state = {"healthy": "Healthy", "unhealthy": "Unhealthy", "initializing": "Initializing"}.get(
            health, "Unknown")
        extensions.append({
            "name": "HealthExtension",
            "type": f"Microsoft.ManagedServices.{image['health_type']}",
            "typeHandlerVersion": HEALTH_EXT_VERSION,
            "substatuses": [_status(
                f"ComponentStatus/ApplicationHealthState/{'succeeded' if health == 'healthy' else 'failed'}",
                "Info" if health == "healthy" else "Error", f"Application health: {app_state}",
                message=f"Application found to be {app_state.lower()}", time=agent_time)],
            "statuses": [_status("ProvisioningState/succeeded", "Info", "Provisioning succeeded",
                                 message="Enable succeeded", time=agent_time)],
        })
    storage = f"https://bootdiag{ss.unique_id.replace('-', '')[:12]}.blob.core.windows.net"
    view = {
        "platformUpdateDomain": vm.update_domain,
        "platformFaultDomain": vm.fault_domain,
        "computerName": vm.computer_name,
        "osName": image["os_name"],
        "osVersion": image["os_version"],
        "hyperVGeneration": "V2",
        "rdpThumbPrint": (hashlib.sha1(vm.vm_id.encode()).hexdigest().upper() if windows else None),
        "vmAgent": {"vmAgentVersion": AGENT_VERSION if running else "Unknown", "statuses": [agent_status],
                    "extensionHandlers": handlers},
        "maintenanceRedeployStatus": {"isCustomerInitiatedMaintenanceAllowed": False,
                                      "lastOperationResultCode": "None"},
        "disks": [{
            "name": vm.os_disk_name,
            "encryptionSettings": [{"enabled": False}],
            "statuses": [_status("ProvisioningState/succeeded", "Info", "Provisioning succeeded",
                                 time=vm.os_disk_time)],
        }],
        "extensions": extensions,
        "bootDiagnostics": {
            "consoleScreenshotBlobUri": f"{storage}/bootdiagnostics-{vm.vm_id[:8]}/{vm.name}.screenshot.bmp",
            "serialConsoleLogBlobUri": f"{storage}/bootdiagnostics-{vm.vm_id[:8]}/{vm.name}.serialconsole.log",
        },
        "assignedHost": None,
        "statuses": statuses,
    }
    if ss.spec["health_extension"]:
        level, display = HEALTH_DISPLAY[vm.health or "unknown"]
        view["vmHealth"] = {"status": _status(f"HealthState/{vm.health or 'unknown'}", level, display,
                                              time=agent_time)}
    if scale_set_vm:
        view["placementGroupId"] = ss.unique_id
    else:
        view["isVMInStandbyPool"] = False
    return view


def _storage_profile(vm):
    ss = vm.scale_set
    disk = {"osType": _image(ss)["os_type"], "name": vm.os_disk_name, "createOption": "FromImage"}
    if ss.spec["ephemeral_os"]:
        disk["caching"] = "ReadOnly"
        disk["diffDiskSettings"] = {"option": "Local", "placement": "ResourceDisk"}
        disk["managedDisk"] = {"storageAccountType": "Standard_LRS"}
    else:
        disk["caching"] = "ReadWrite"
        disk["managedDisk"] = {
            "storageAccountType": "Premium_LRS",
            "id": f"{ss.rg.id}/providers/Microsoft.Compute/disks/{vm.os_disk_name}",
        }
    disk["diskSizeGB"] = 30 if ss.spec["os"] == "linux" else 127
    disk["deleteOption"] = "Delete"
    return {"imageReference": dict(_image(ss)["image"]), "osDisk": disk, "dataDisks": []}


def _tags(vm):
    return dict(vm.scale_set.spec["tags"])


def scale_set_vm(vm, with_instance_view=False, statuses_only=False, power_only=False, now=None):
    settle(vm, now)
    ss = vm.scale_set
    props = {
        "latestModelApplied": vm.latest_model_applied,
        "modelDefinitionApplied": "VirtualMachineScaleSet",
        "vmId": vm.vm_id,
        "hardwareProfile": {"vmSize": ss.spec["sku"]},
        "storageProfile": _storage_profile(vm),
        "osProfile": _os_profile(ss, vm.computer_name),
        "networkProfile": {"networkInterfaces": [{"id": vm.nic_id}]},
        "networkProfileConfiguration": {"networkInterfaceConfigurations": [_nic_configuration(ss)]},
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
        "provisioningState": vm.provisioning,
        "timeCreated": iso(vm.created_time),
    }
    if vm.protect_from_scale_in:
        props["protectionPolicy"] = {"protectFromScaleIn": True, "protectFromScaleSetActions": False}
    if with_instance_view:
        props["instanceView"] = instance_view(vm, True, statuses_only, power_only, now)
    body = {
        "name": vm.name,
        "id": vm.id,
        "type": "Microsoft.Compute/virtualMachineScaleSets/virtualMachines",
        "location": ss.location,
        "tags": _tags(vm),
        "instanceId": vm.instance_id,
        "sku": {"name": ss.spec["sku"], "tier": "Standard"},
        "etag": _etag(vm.vm_id, vm.last_op_time),
        "properties": props,
    }
    if vm.zone:
        body["zones"] = [vm.zone]
    if ss.spec["health_extension"]:
        body["resources"] = _extension_resources(vm, "Microsoft.Compute/virtualMachineScaleSets/virtualMachines")
    return body


def _extension_resources(vm, vm_type):
    """The VM's extensions as child resources (a VM model lists them under `resources`)."""
    extension = _health_extension(vm.scale_set)
    return [{"name": extension["name"], "id": f"{vm.id}/extensions/{extension['name']}",
             "type": f"{vm_type}/extensions", "location": vm.scale_set.location,
             "properties": dict(extension["properties"])}]


def virtual_machine(vm, with_instance_view=False, now=None):
    settle(vm, now)
    ss = vm.scale_set
    props = {
        "vmId": vm.vm_id,
        "hardwareProfile": {"vmSize": ss.spec["sku"]},
        "storageProfile": _storage_profile(vm),
        "osProfile": _os_profile(ss, vm.computer_name),
        # A Flexible member is created from the scale set's NIC configuration (networkApiVersion set), and its
        # model carries that configuration as well as the NIC it made.
        "networkProfile": {"networkInterfaces": [{"id": vm.nic_id,
                                                  "properties": {"primary": True, "deleteOption": "Delete"}}],
                           "networkApiVersion": "2020-11-01",
                           "networkInterfaceConfigurations": [_nic_configuration(ss)]},
        "diagnosticsProfile": {"bootDiagnostics": {"enabled": True}},
        "virtualMachineScaleSet": {"id": ss.id},
        "provisioningState": vm.provisioning,
        "timeCreated": iso(vm.created_time),
    }
    if not vm.zone:
        props["platformFaultDomain"] = vm.fault_domain
    if with_instance_view:
        props["instanceView"] = instance_view(vm, False, now=now)
    body = {
        "name": vm.name,
        "id": vm.id,
        "type": "Microsoft.Compute/virtualMachines",
        "location": ss.location,
        "tags": _tags(vm),
        "etag": _etag(vm.vm_id, vm.last_op_time),
        "properties": props,
    }
    if vm.zone:
        body["zones"] = [vm.zone]
    if ss.spec["health_extension"]:
        body["resources"] = _extension_resources(vm, "Microsoft.Compute/virtualMachines")
    return body


# ---- network -------------------------------------------------------------------------------------------------

def network_interface(vm):
    ss = vm.scale_set
    ip_props = {
        "provisioningState": "Succeeded",
        "privateIPAddress": vm.private_ip,
        "privateIPAllocationMethod": "Dynamic",
        "subnet": {"id": subnet_id(ss)},
        "primary": True,
        "privateIPAddressVersion": "IPv4",
    }
    if vm.public_ip:
        ip_props["publicIPAddress"] = {"id": vm.public_ip_id}
    return {
        "name": vm.nic_name,
        "id": vm.nic_id,
        "etag": 'W/' + _etag(vm.nic_id),
        "type": "Microsoft.Network/networkInterfaces",
        "location": ss.location,
        "tags": {},
        "properties": {
            "provisioningState": "Succeeded",
            "resourceGuid": vm.vm_id[::-1][:8] + vm.vm_id[8:],
            "ipConfigurations": [{
                "name": f"{ss.name}-ipconfig",
                "id": vm.ipconfig_id,
                "etag": 'W/' + _etag(vm.ipconfig_id),
                "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
                "properties": ip_props,
            }],
            "dnsSettings": {"dnsServers": [], "appliedDnsServers": [],
                            "internalDomainNameSuffix": f"{ss.rg.name.lower()}.internal.cloudapp.net"},
            "macAddress": vm.mac,
            "enableAcceleratedNetworking": False,
            "enableIPForwarding": False,
            "primary": True,
            "virtualMachine": {"id": vm.id},
            "nicType": "Standard",
        },
    }


def public_ip_address(vm):
    ss = vm.scale_set
    props = {
        "provisioningState": "Succeeded",
        "resourceGuid": vm.vm_id[:8] + vm.vm_id[8:][::-1],
        "ipAddress": vm.public_ip,
        "publicIPAddressVersion": "IPv4",
        "publicIPAllocationMethod": "Static",
        "idleTimeoutInMinutes": 15,
        "ipTags": [],
        "ipConfiguration": {"id": vm.ipconfig_id},
    }
    body = {
        "name": vm.public_ip_name,
        "id": vm.public_ip_id,
        "etag": 'W/' + _etag(vm.public_ip_id),
        "type": "Microsoft.Network/publicIPAddresses",
        "location": ss.location,
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": props,
    }
    if vm.zone:
        body["zones"] = [vm.zone]
    return body


# ---- subscriptions / resource groups ------------------------------------------------------------------------

def subscription(sub, tenant_id):
    return {
        "id": f"/subscriptions/{sub.id}",
        "subscriptionId": sub.id,
        "tenantId": tenant_id,
        "displayName": sub.name,
        "state": sub.status,
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
    }


def resource_group(rg):
    return {
        "id": rg.id,
        "name": rg.name,
        "type": "Microsoft.Resources/resourceGroups",
        "location": rg.location,
        "tags": dict(rg.tags),
        "properties": {"provisioningState": "Succeeded"},
    }
