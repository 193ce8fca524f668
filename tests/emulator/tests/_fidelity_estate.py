"""Shared helpers of the error, throttling, fault and fidelity tests: the sample estate and ways to pick its VMs.

Tests pick VMs by what they need (mode, power state, ephemeral OS) through the control API's VM listing,
so they do not hard-code names or instance IDs of the sample estate.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SAMPLE_ESTATE = Path(__file__).resolve().parents[1] / "estates" / "sample.yml"


def pick_vm(emulator, *, mode: str, power_state: str | None = None, scale_set: str | None = None,
            exclude: tuple = ()) -> dict:
    """The first idle VM (control API summary) matching the wishes; fails the test if the estate has none."""
    for vm in emulator.vms():
        if vm["mode"] != mode or vm["busy"] or vm["name"] in exclude:
            continue
        if power_state and vm["power_state"] != power_state:
            continue
        if scale_set and vm["scale_set"] != scale_set:
            continue
        return vm
    raise AssertionError(f"the sample estate has no idle {mode} VM in power state {power_state} "
                         f"(scale set {scale_set or 'any'})")


def scale_set_with(estate: dict, *, mode: str, ephemeral_os: bool | None = None) -> tuple[str, str]:
    """(resource group, name) of the first scale set in the estate file with that mode (and OS-disk kind)."""
    for subscription in estate["subscriptions"]:
        for group in subscription["resource_groups"]:
            for scale_set in group.get("scale_sets", []):
                if scale_set["mode"] != mode:
                    continue
                if ephemeral_os is not None and bool(scale_set.get("ephemeral_os")) != ephemeral_os:
                    continue
                return group["name"], scale_set["name"]
    raise AssertionError(f"the estate has no {mode} scale set with ephemeral_os={ephemeral_os}")


def load_estate(path: Path = SAMPLE_ESTATE) -> dict:
    return yaml.safe_load(path.read_text())


def unreadable_subscription(estate: dict, client_id: str) -> str:
    """A subscription of the estate that the principal `client_id` has no scope in."""
    principal = next(p for p in estate["principals"] if p["client_id"] == client_id)
    readable = {scope.split("/")[2].lower() for scope in principal["scopes"]}
    for subscription in estate["subscriptions"]:
        if subscription["id"].lower() not in readable:
            return subscription["id"]
    raise AssertionError("every subscription of the estate is readable by the principal")


def requests_to(emulator, path_suffix: str, method: str = "GET") -> list[dict]:
    """Request-log entries whose path ends with `path_suffix` (case-insensitive)."""
    suffix = path_suffix.lower()
    return [entry for entry in emulator.requests()
            if entry["method"] == method and entry["path"].lower().endswith(suffix)]
