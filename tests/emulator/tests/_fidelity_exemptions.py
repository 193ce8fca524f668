"""Keys of the official examples that the emulator's estate rightly does not have.

Most examples are "MaximumSet" files: generated bodies with every optional property filled in at once (a VM in
an availability set *and* on a dedicated host, with both Windows and Linux configuration). Azure omits a property
when its feature is not configured, so an emulated estate that does not use a feature must not invent its keys.

Each entry names a key by the end of its path (list markers dropped: `instanceView.disks.statuses.message`
covers `value[].properties.instanceView.disks[].statuses[].message`) and says why the estate lacks it.
A key missing for any other reason is an emulator bug, so the list stays as short as the examples allow.
"""

from __future__ import annotations

_NOT_CONFIGURED = {
    "features no estate scale set uses (Azure omits the key when the feature is off)": [
        "extendedLocation", "identity", "plan", "properties.additionalCapabilities", "properties.applicationProfile",
        "properties.availabilitySet", "properties.capacityReservation", "properties.proximityPlacementGroup",
        "properties.scheduledEventsProfile", "properties.securityProfile", "properties.licenseType",
        "properties.host", "properties.hostGroup", "properties.protectionPolicy", "properties.extensionsTimeBudget",
        "virtualMachineProfile.securityProfile", "upgradePolicy.automaticOSUpgradePolicy",
        "hardwareProfile.vmSizeProperties",
    ],
    "Spot and instance-mix scale sets are not in the estate": [
        "properties.billingProfile", "properties.evictionPolicy", "properties.priority",
        "virtualMachineProfile.billingProfile", "virtualMachineProfile.evictionPolicy",
        "virtualMachineProfile.priority", "properties.priorityMixPolicy", "properties.skuProfile",
    ],
    "disks: managed disks from marketplace images, no encryption, no data disks, no write accelerator": [
        "osDisk.encryptionSettings", "managedDisk.diskEncryptionSet", "managedDisk.securityProfile", "osDisk.vhd",
        "osDisk.image", "osDisk.writeAcceleratorEnabled", "imageReference.id", "imageReference.sharedGalleryImageId",
        "imageReference.communityGalleryImageId", "storageProfile.dataDisks",
        "disks.encryptionSettings.diskEncryptionKey",
        "disks.encryptionSettings.keyEncryptionKey",
    ],
    "an ephemeral OS disk setting exists only on ephemeral scale sets; the Uniform set is not one": [
        "osDisk.diffDiskSettings",
    ],
    "OS profile: the mapped VMs run Linux with password sign-in; custom and user data are never set": [
        "osProfile.windowsConfiguration", "linuxConfiguration.ssh", "osProfile.customData", "properties.userData",
    ],
    "network: no load balancer, gateway, NSG, ASG, FPGA, DSCP, custom DNS, public-IP tags/prefix/label in the estate": [
        "networkSecurityGroup", "ipConfigurations.properties.applicationSecurityGroups",
        "ipConfigurations.properties.applicationGatewayBackendAddressPools",
        "ipConfigurations.properties.loadBalancerBackendAddressPools",
        "ipConfigurations.properties.loadBalancerInboundNatPools",
        "publicIPAddressConfiguration.properties.dnsSettings",
        "publicIPAddressConfiguration.properties.ipTags", "publicIPAddressConfiguration.properties.publicIPPrefix",
        "properties.enableFpga", "properties.disableTcpStateTracking", "properties.dscpConfiguration",
        "dnsSettings.dnsServers",
    ],
    "boot diagnostics use managed storage (no storageUri) and report no failure status": [
        "bootDiagnostics.storageUri", "instanceView.bootDiagnostics.status",
    ],
    "status messages appear only when there is something to say (errors, extension output)": [
        "statuses.message", "status.message", "extensionHandlers.status.time",
    ],
    "no maintenance is scheduled and no patch assessment has run on the estate's VMs": [
        "maintenanceRedeployStatus.preMaintenanceWindowStartTime",
        "maintenanceRedeployStatus.preMaintenanceWindowEndTime", "maintenanceRedeployStatus.maintenanceWindowStartTime",
        "maintenanceRedeployStatus.maintenanceWindowEndTime", "maintenanceRedeployStatus.lastOperationMessage",
        "instanceView.patchStatus", "patchStatus",
    ],
    "automatic repairs have never run, so the service has no last status change or operation": [
        "orchestrationServices.lastStatusChangeTime", "orchestrationServices.latestOperationStatus",
    ],
    "extensions are listed without tags, protected settings or instance view (those need $expand)": [
        "resources.tags", "resources.properties.forceUpdateTag", "resources.properties.enableAutomaticUpgrade",
        "resources.properties.protectedSettings", "resources.properties.instanceView",
        "resources.properties.suppressFailures", "resources.properties.protectedSettingsFromKeyVault",
    ],
    "zonal VMs report no platform fault domain in their model": [
        "properties.platformFaultDomain",
    ],
}

# Exemptions that hold for one family of operations only (operationId prefix).
_SCOPED = {
    "VirtualMachineScaleSetVMs_": {
        "a Uniform instance lists its NICs by id only; its network configuration is networkProfileConfiguration": [
            "networkProfile.networkInterfaces.properties", "networkProfile.networkApiVersion",
            "networkProfile.networkInterfaceConfigurations",
        ],
        "a scale-set VM's sku carries name and tier; its capacity is the scale set's": ["sku.capacity"],
    },
    "VirtualMachines_": {
        "the mapped Flexible VM has an ephemeral OS disk, which is no managed-disk resource and so has no id": [
            "osDisk.managedDisk.id",
        ],
    },
    ("VirtualMachines_", "VirtualMachineScaleSets_CreateOrUpdate"): {
        "mapped onto the ephemeral Flexible set, which has no public IPs": [
            "ipConfigurations.properties.publicIPAddressConfiguration",
        ],
    },
}


def _suffixes(reasons: dict[str, list[str]]) -> dict[str, str]:
    return {suffix: reason for reason, suffixes in reasons.items() for suffix in suffixes}


EXEMPT_SUFFIXES = _suffixes(_NOT_CONFIGURED)


def normalise(path: str) -> str:
    """`value[].properties.dataDisks[] (no items to compare)` -> `value.properties.dataDisks`."""
    return path.split(" (")[0].replace("[]", "").replace(".*", "")


def exemption_for(path: str, operation: str = "") -> str | None:
    """The reason a missing key is acceptable, or None when its absence is an emulator bug."""
    normalised = normalise(path)
    exemptions = dict(EXEMPT_SUFFIXES)
    for prefix, reasons in _SCOPED.items():
        if operation.startswith(prefix):  # str.startswith takes one prefix or a tuple of them
            exemptions.update(_suffixes(reasons))
    for suffix, reason in exemptions.items():
        if normalised == suffix or normalised.endswith("." + suffix):
            return reason
    return None


def unexplained(missing: list[str], operation: str = "") -> list[str]:
    return [path for path in missing if exemption_for(path, operation) is None]
