"""Loading and checking an estate file (YAML). The format is documented in tests/emulator/README.md."""

import yaml

MODES = ("Uniform", "Flexible")
POWER_STATES = ("running", "stopped", "deallocated", "starting", "stopping", "deallocating")
PROVISIONING_STATES = ("Succeeded", "Failed", "Updating", "Creating", "Deleting")
HEALTH_STATES = ("healthy", "unhealthy", "unknown", "initializing")

DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000e001"


class EstateError(ValueError):
    pass


def load_estate(path):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return check_estate(data, source=str(path))


def _need(mapping, key, where):
    if key not in mapping or mapping[key] in (None, ""):
        raise EstateError(f"{where}: missing '{key}'")
    return mapping[key]


def check_estate(data, source="estate"):
    """Validate and fill defaults; returns a plain dict the model is built from."""
    if not isinstance(data, dict):
        raise EstateError(f"{source}: the estate must be a mapping")
    estate = {
        "seed": data.get("seed", 0),
        "tenant_id": str(data.get("tenant_id", DEFAULT_TENANT)),
        "principals": [],
        "users": [],
        "subscriptions": [],
    }
    for i, principal in enumerate(data.get("principals") or []):
        where = f"{source}: principals[{i}]"
        estate["principals"].append({
            "name": principal.get("name", f"principal-{i}"),
            "client_id": str(_need(principal, "client_id", where)),
            "client_secret": str(_need(principal, "client_secret", where)),
            "scopes": [_check_scope(s, where) for s in principal.get("scopes") or []],
        })
    for i, user in enumerate(data.get("users") or []):
        where = f"{source}: users[{i}]"
        estate["users"].append({
            "username": str(_need(user, "username", where)),
            "password": str(_need(user, "password", where)),
            "scopes": [_check_scope(s, where) for s in user.get("scopes") or []],
        })
    if not estate["principals"]:
        raise EstateError(f"{source}: at least one principal is required")
    seen_subs = set()
    for i, sub in enumerate(data.get("subscriptions") or []):
        where = f"{source}: subscriptions[{i}]"
        sub_id = str(_need(sub, "id", where)).lower()
        if sub_id in seen_subs:
            raise EstateError(f"{where}: duplicate subscription {sub_id}")
        seen_subs.add(sub_id)
        out = {"id": sub_id, "name": sub.get("name", f"Subscription {i + 1}"),
               "state": sub.get("state", "Enabled"), "resource_groups": []}
        for j, rg in enumerate(sub.get("resource_groups") or []):
            rg_where = f"{where}.resource_groups[{j}]"
            rg_out = {"name": str(_need(rg, "name", rg_where)), "location": rg.get("location", "eastus"),
                      "tags": rg.get("tags") or {}, "scale_sets": []}
            for k, ss in enumerate(rg.get("scale_sets") or []):
                rg_out["scale_sets"].append(_check_scale_set(ss, f"{rg_where}.scale_sets[{k}]", rg_out["location"]))
            out["resource_groups"].append(rg_out)
        estate["subscriptions"].append(out)
    if not estate["subscriptions"]:
        raise EstateError(f"{source}: at least one subscription is required")
    return estate


def _check_scope(scope, where):
    parts = [p for p in str(scope).split("/") if p]
    ok = (len(parts) == 2 and parts[0].lower() == "subscriptions") or (
        len(parts) == 4 and parts[0].lower() == "subscriptions" and parts[2].lower() == "resourcegroups")
    if not ok:
        raise EstateError(f"{where}: scope {scope!r} must be /subscriptions/ID or /subscriptions/ID/resourceGroups/RG")
    return "/" + "/".join(parts)


def _check_scale_set(ss, where, location):
    mode = ss.get("mode", "Uniform")
    if mode not in MODES:
        raise EstateError(f"{where}: mode must be one of {MODES}, not {mode!r}")
    name = str(_need(ss, "name", where))
    capacity = int(ss.get("capacity", 2))
    if capacity < 0:
        raise EstateError(f"{where}: capacity must be >= 0")
    zones = [str(z) for z in ss.get("zones") or []]
    default_fd = 1 if zones else (5 if mode == "Uniform" else 2)
    overrides = {}
    for key, override in (ss.get("instances") or {}).items():
        position = int(key)
        if not 0 <= position < capacity:
            raise EstateError(f"{where}.instances: position {position} outside 0..{capacity - 1}")
        overrides[position] = _check_override(override or {}, f"{where}.instances[{position}]")
    prefix = ss.get("computer_name_prefix") or name.replace("_", "-")[:9]
    return {
        "name": name,
        "mode": mode,
        "capacity": capacity,
        "location": ss.get("location", location),
        "computer_name_prefix": str(prefix),
        "sku": ss.get("sku", "Standard_D2s_v3"),
        "os": ss.get("os", "linux").lower(),
        "zones": zones,
        "fault_domain_count": int(ss.get("fault_domain_count", default_fd)),
        "ephemeral_os": bool(ss.get("ephemeral_os", False)),
        "health_extension": bool(ss.get("health_extension", True)),
        "public_ips": bool(ss.get("public_ips", False)),
        "upgrade_policy": ss.get("upgrade_policy", "Manual"),
        "tags": {str(k): str(v) for k, v in (ss.get("tags") or {}).items()},
        "instances": overrides,
    }


def _check_override(override, where):
    out = {}
    if "power_state" in override:
        if override["power_state"] not in POWER_STATES:
            raise EstateError(f"{where}: power_state must be one of {POWER_STATES}")
        out["power_state"] = override["power_state"]
    if "provisioning_state" in override:
        value = str(override["provisioning_state"]).capitalize()
        if value not in PROVISIONING_STATES:
            raise EstateError(f"{where}: provisioning_state must be one of {PROVISIONING_STATES}")
        out["provisioning_state"] = value
    if "health" in override:
        if override["health"] not in HEALTH_STATES:
            raise EstateError(f"{where}: health must be one of {HEALTH_STATES}")
        out["health"] = override["health"]
    if "protect_from_scale_in" in override:
        out["protect_from_scale_in"] = bool(override["protect_from_scale_in"])
    extra = set(override) - {"power_state", "provisioning_state", "health", "protect_from_scale_in"}
    if extra:
        raise EstateError(f"{where}: unknown keys {sorted(extra)}")
    return out
