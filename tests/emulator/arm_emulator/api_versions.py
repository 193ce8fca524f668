"""api-versions ARM refuses: the network views of a Uniform scale set.

The NICs and public IPs of scale-set VMs live under ``Microsoft.Compute/virtualMachineScaleSets/...``, so ARM
routes them by the Compute provider's api-versions, not the Network provider's. A Network api-version such as
2024-05-01 is answered 400 ``NoRegisteredProviderFound`` (which is why the SDK pins 2018-10-01 for these
operations, and why clients that reuse their Network api-version there lose the NICs). The list is the one
Azure's own error message gave (azure-sdk-for-python issue 32029)."""

from .errors import ArmError

VMSS_NETWORK_API_VERSIONS = (
    "2015-05-01-preview", "2015-06-15", "2016-03-30", "2016-04-30-preview", "2016-06-01", "2016-07-01",
    "2016-08-01", "2016-09-01", "2017-03-30", "2017-12-01", "2018-04-01", "2018-06-01", "2018-10-01",
    "2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01", "2021-04-01",
    "2021-07-01", "2021-11-01", "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01", "2023-07-01",
)


def no_registered_provider(location, api_version, resource_type):
    return ArmError(
        400, "NoRegisteredProviderFound",
        f"No registered resource provider found for location '{location}' and API version '{api_version}' for "
        f"type '{resource_type}'. The supported api-versions are '{', '.join(VMSS_NETWORK_API_VERSIONS)}'. "
        f"The supported locations are '{location}'.")


def vmss_network_route(handler, resource_type, resource_group):
    """Wrap a route handler so that api-versions outside VMSS_NETWORK_API_VERSIONS get ARM's 400.
    ``resource_group(emu, ctx)`` resolves the group, whose location the message names."""

    def checked(emu, ctx):
        version = ctx.query.get("api-version", "")
        if version.lower() not in VMSS_NETWORK_API_VERSIONS:
            raise no_registered_provider(resource_group(emu, ctx).location, version, resource_type)
        return handler(emu, ctx)

    checked.__name__ = handler.__name__
    return checked
