# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report's numbers: instance records in, counts per scale set and fleet-wide out (controller side).

Pure Python over plain dicts, so the report's Jinja template only lays out a few dozen numbers, whatever the
fleet's size: one pass over the records builds every count, and the instances that need attention are kept
with their reasons (all of them, sorted worst first; a template shows the first few of each reason).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.records import dig

FORMAT_VERSION = 1

# Canonical orders, so that charts and the JSON list the same state in the same place on every run.
POWER_ORDER = ("running", "starting", "stopping", "stopped", "deallocating", "deallocated", "unknown")
PROVISIONING_ORDER = ("succeeded", "creating", "updating", "migrating", "deleting", "failed", "canceled")
HEALTH_ORDER = ("healthy", "initializing", "unknown", "unhealthy", "not_reported")
MODEL_ORDER = ("latest", "stale", "not_applicable")
AGENT_ORDER = ("ready", "not_ready", "unknown")

NOT_REPORTED = "not_reported"
BUSY_PROVISIONING = ("creating", "updating", "migrating", "deleting")
FAILED_PROVISIONING = ("failed", "canceled")

# Why an instance needs attention, worst first; the order sorts the attention list.
REASONS = (
    ("provisioning_failed", "Provisioning failed"),
    ("unhealthy", "Unhealthy"),
    ("not_running", "Not running"),
    ("agent_not_ready", "VM agent not ready"),
    ("health_unknown", "Health unknown"),
    ("provisioning_busy", "Operation in progress"),
    ("stale_model", "Not on the latest model"),
)
REASON_RANK = dict((key, rank) for rank, (key, _label) in enumerate(REASONS))

# Per attention instance, the record fields the report carries (the rest is in instance_info's result).
ATTENTION_FIELDS = ("name", "scale_set", "resource_group", "orchestration_mode", "computer_name", "power_state",
                    "provisioning_state", "health", "fault_domain", "update_domain", "latest_model_applied", "id")


# ---------------------------------------------------------------------------
# Reading one record
# ---------------------------------------------------------------------------

def _first_status(statuses, prefix=""):
    for status in statuses or []:
        if isinstance(status, dict) and str(status.get("code") or "").startswith(prefix):
            return status
    return None


def zone_of(record):
    """The VM's zone, or None for a regional (non-zonal) VM."""
    zones = record.get("zones") or []
    return str(zones[0]) if zones else None


def health_of(record):
    return record.get("health") or NOT_REPORTED


def model_of(record):
    """latest / stale for Uniform; Flexible VMs have no scale-set model to drift from."""
    applied = record.get("latest_model_applied")
    if applied is None:
        return "not_applicable"
    return "latest" if applied else "stale"


def agent_status(record):
    """The VM agent's first status: ``(ready|not_ready|unknown, that status or None)``."""
    status = _first_status(dig(record, "instance_view", "vm_agent", "statuses"))
    if status is None:
        return "unknown", None
    shown = str(status.get("display_status") or "").strip().lower()
    if shown == "ready":
        return "ready", status
    if shown == "not ready" or status.get("level") in ("Warning", "Error"):
        return "not_ready", status
    return "unknown", status


def agent_version(record):
    return dig(record, "instance_view", "vm_agent", "vm_agent_version") or "unknown"


def _status_text(status, fallback):
    """``code-suffix: message`` of an instance-view status, for a reason's detail."""
    if not status:
        return fallback
    parts = [part for part in (status.get("display_status"), status.get("message")) if part]
    return ": ".join(str(part) for part in parts) or fallback


def _failure_detail(record):
    status = _first_status(dig(record, "instance_view", "statuses"), "ProvisioningState/")
    code = str((status or {}).get("code") or "")
    error = code.split("/", 2)[2] if code.count("/") >= 2 else ""
    message = (status or {}).get("message")
    return ": ".join(part for part in (error, message) if part) or record.get("provisioning_state") or "failed"


def attention_reasons(record, agent=None):
    """``[(reason, detail)]`` for one record, worst first; empty when the instance looks fine."""
    power = record.get("power_state") or "unknown"
    provisioning = record.get("provisioning_state") or "unknown"
    health = record.get("health")
    state, status = agent if agent is not None else agent_status(record)
    found = []
    if provisioning in FAILED_PROVISIONING:
        found.append(("provisioning_failed", _failure_detail(record)))
    if health == "unhealthy":
        found.append(("unhealthy", "application health: unhealthy"))
    if power != "running":
        found.append(("not_running", "power state: %s" % power))
    # A VM that does not run has no agent and no health to report: its power state already says why.
    if power == "running" and state != "ready":
        found.append(("agent_not_ready", _status_text(status, "no VM agent status")))
    if power == "running" and health in ("unknown", "initializing"):
        found.append(("health_unknown", "application health: %s" % health))
    if provisioning in BUSY_PROVISIONING:
        found.append(("provisioning_busy", "provisioning state: %s" % provisioning))
    if record.get("latest_model_applied") is False:
        found.append(("stale_model", "latest model not applied"))
    return found


# ---------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------

class Breakdown(object):
    """Every count of the report over one group of instances (a scale set, or the whole fleet)."""

    def __init__(self):
        self.instances = 0
        self.power_states = {}
        self.provisioning_states = {}
        self.health = {}
        self.model = {}
        self.vm_agent = {}
        self.vm_agent_versions = {}
        self.update_domains = {}
        self.placement = {}          # (zone, fault domain) -> count
        self.attention = {}          # reason -> count
        self.attention_instances = 0

    def add(self, record, agent, reasons):
        self.instances += 1
        _bump(self.power_states, record.get("power_state") or "unknown")
        _bump(self.provisioning_states, record.get("provisioning_state") or "unknown")
        _bump(self.health, health_of(record))
        _bump(self.model, model_of(record))
        _bump(self.vm_agent, agent[0])
        _bump(self.vm_agent_versions, agent_version(record))
        _bump(self.update_domains, record.get("update_domain"))
        _bump(self.placement, (zone_of(record), record.get("fault_domain")))
        for reason, _detail in reasons:
            _bump(self.attention, reason)
        self.attention_instances += 1 if reasons else 0

    def as_dict(self):
        return {
            "instances": self.instances,
            "attention_instances": self.attention_instances,
            "power_states": ordered_counts(self.power_states, POWER_ORDER),
            "provisioning_states": ordered_counts(self.provisioning_states, PROVISIONING_ORDER),
            "health": ordered_counts(self.health, HEALTH_ORDER),
            "model": ordered_counts(self.model, MODEL_ORDER),
            "vm_agent": ordered_counts(self.vm_agent, AGENT_ORDER),
            "vm_agent_versions": ordered_counts(self.vm_agent_versions, ()),
            "update_domains": domain_counts(self.update_domains),
            "zones_by_fault_domain": placement_grid(self.placement),
            "attention": ordered_counts(self.attention, [key for key, _label in REASONS]),
        }


def _bump(counts, key):
    counts[key] = counts.get(key, 0) + 1


def ordered_counts(counts, order):
    """The counts as a dict in the canonical order, then any other key alphabetically (Azure may add states)."""
    keys = [key for key in order if key in counts]
    keys += sorted((key for key in counts if key not in order), key=str)
    return dict((str(key), counts[key]) for key in keys)


def _domain_sort_key(value):
    """Domains are numbers; a missing one (None) sorts last."""
    return (value is None, value if isinstance(value, int) else str(value))


def domain_counts(counts):
    """``[{"domain": 0, "count": n}, ...]`` in domain order (a list: JSON object keys would be strings)."""
    return [{"domain": domain, "count": counts[domain]} for domain in sorted(counts, key=_domain_sort_key)]


def placement_grid(cells):
    """Counts per zone (rows; None = not zonal) and fault domain (columns), with every row of the same width."""
    zones = sorted(set(zone for zone, _fd in cells), key=lambda zone: (zone is None, str(zone)))
    fault_domains = sorted(set(fd for _zone, fd in cells), key=_domain_sort_key)
    return {
        "zones": zones,
        "fault_domains": fault_domains,
        "counts": [[cells.get((zone, fd), 0) for fd in fault_domains] for zone in zones],
    }


# ---------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------

def attention_entry(record, reasons):
    entry = dict((field, record.get(field)) for field in ATTENTION_FIELDS)
    entry["zone"] = zone_of(record)
    entry["reasons"] = [{"reason": reason, "detail": detail} for reason, detail in reasons]
    return entry


def _attention_sort_key(entry):
    worst = min(REASON_RANK[reason["reason"]] for reason in entry["reasons"])
    return (worst, str(entry["scale_set"]).lower(), str(entry["resource_group"]).lower(), str(entry["name"]).lower())


def reason_groups(entries, examples):
    """Per reason: how many, in which scale sets, and the first ``examples`` instances (worst first)."""
    groups = []
    for reason, label in REASONS:
        members = [entry for entry in entries if any(item["reason"] == reason for item in entry["reasons"])]
        if not members:
            continue
        per_set = {}
        for entry in members:
            _bump(per_set, entry["scale_set"])
        groups.append({
            "reason": reason,
            "label": label,
            "count": len(members),
            "scale_sets": [{"name": name, "count": per_set[name]} for name in sorted(per_set, key=str)],
            "examples": [_example(entry, reason) for entry in members[:examples]],
        })
    return groups


def _example(entry, reason):
    example = dict((key, value) for key, value in entry.items() if key != "reasons")
    example["detail"] = next(item["detail"] for item in entry["reasons"] if item["reason"] == reason)
    example["other_reasons"] = [item["reason"] for item in entry["reasons"] if item["reason"] != reason]
    return example


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

def _scale_set_header(scale_set):
    return dict((key, scale_set.get(key)) for key in ("name", "id", "resource_group", "subscription_id",
                                                      "orchestration_mode", "location"))


def _scale_set_key(record_or_set, id_key):
    return str(record_or_set.get(id_key) or "").lower()


def summarize(listing, examples=20):
    """The fleet report's data from ``vmss.fleet.instance_info``'s result (its ``scale_sets`` and ``instances``).

    Scale sets keep instance_info's order (by resource id) and appear even when empty. ``examples`` caps the
    instances shown per attention reason; ``attention.instances`` always holds every one of them.
    """
    scale_sets = listing.get("scale_sets") or []
    records = listing.get("instances") or []
    fleet = Breakdown()
    per_set = dict((_scale_set_key(scale_set, "id"), Breakdown()) for scale_set in scale_sets)
    entries = []
    for record in records:
        agent = agent_status(record)
        reasons = attention_reasons(record, agent)
        fleet.add(record, agent, reasons)
        per_set.setdefault(_scale_set_key(record, "scale_set_id"), Breakdown()).add(record, agent, reasons)
        if reasons:
            entries.append(attention_entry(record, reasons))
    entries.sort(key=_attention_sort_key)
    modes = {}
    for scale_set in scale_sets:
        _bump(modes, scale_set.get("orchestration_mode") or "unknown")
    return {
        "format_version": FORMAT_VERSION,
        "totals": {
            "scale_sets": len(scale_sets),
            "instances": len(records),
            "attention_instances": len(entries),
            "scale_sets_by_mode": ordered_counts(modes, ("Uniform", "Flexible")),
        },
        "fleet": fleet.as_dict(),
        "scale_sets": [dict(_scale_set_header(scale_set), **per_set[_scale_set_key(scale_set, "id")].as_dict())
                       for scale_set in scale_sets],
        "attention": {
            "examples_per_reason": examples,
            "reasons": reason_groups(entries, examples),
            "instances": entries,
        },
    }
