# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the identifiers a user writes into instance records, for both orchestration modes.

Accepted: Uniform instance IDs (``"3"``, read from Azure, never assumed sequential), Uniform VM names
(``web_3``) and Flexible VM names (``web_1a2b3c4d``, which are also their instance IDs). Every identifier is
checked before anything is done; all the problems are reported together.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError
from ansible_collections.vmss.fleet.plugins.module_utils.records import FLEXIBLE, UNIFORM, orchestration_mode


# Problems named in the message; with thousands of bad identifiers the message must stay readable. The error's
# details list every one.
MAX_PROBLEMS_IN_MESSAGE = 10


def is_instance_id(identifier):
    """Uniform instance IDs are non-negative decimal numbers."""
    return identifier.isdigit() and identifier.isascii()


def scale_sets_by_mode(scale_sets):
    """``{mode: [scale-set names]}`` of scale-set dicts: explains wrong-mode identifiers even for empty sets."""
    modes = {}
    for vmss in scale_sets:
        modes.setdefault(orchestration_mode(vmss), []).append(vmss["name"])
    return modes


def is_wrong_mode(identifier, scale_set_modes):
    """A Uniform instance ID where only Flexible scale sets are in scope: a mistake, never just 'missing'."""
    return is_instance_id(identifier) and bool(scale_set_modes) and UNIFORM not in scale_set_modes


def missing_identifiers(identifiers, records, scale_set_modes):
    """The identifiers that name no instance (wrong-mode ones excluded: those stay errors)."""
    return [identifier for identifier in identifiers
            if not _match(identifier, records) and not is_wrong_mode(identifier, scale_set_modes)]


def _describe_sets(records):
    sets = sorted(set((r["scale_set"], r["orchestration_mode"]) for r in records))
    return ", ".join("'%s' (%s)" % pair for pair in sets) or "none"


def _match(identifier, records):
    if is_instance_id(identifier):
        return [r for r in records if r["orchestration_mode"] == UNIFORM and r["instance_id"] == identifier]
    lowered = identifier.lower()
    return [r for r in records if (r["name"] or "").lower() == lowered]


def _problem(identifier, records, scale_set_modes):
    """Why an identifier matched nothing, said in terms the user can act on."""
    if not identifier.strip():
        return "an empty identifier"
    if is_wrong_mode(identifier, scale_set_modes):
        return ("'%s' is a Uniform instance ID, but %s has Flexible orchestration, whose instances are "
                "addressed by VM name (for example '%s')"
                % (identifier, _describe_sets_by_mode(scale_set_modes), _example_name(records)))
    return "'%s' is not an instance of %s" % (identifier, _describe_sets_by_mode(scale_set_modes))


def _describe_sets_by_mode(scale_set_modes):
    names = sorted(scale_set_modes.get(FLEXIBLE, []) + scale_set_modes.get(UNIFORM, []))
    if len(names) == 1:
        return "scale set '%s'" % names[0]
    return "scale sets %s" % ", ".join("'%s'" % name for name in names)


def _example_name(records):
    flexible = [r["name"] for r in records if r["orchestration_mode"] == FLEXIBLE]
    return flexible[0] if flexible else "myscaleset_1a2b3c4d"


def resolve_identifiers(identifiers, records, scale_sets=None):
    """The records the identifiers name, in the order given; FleetError listing every bad identifier.

    ``scale_sets`` maps mode -> list of scale-set names in scope (to explain wrong-mode identifiers even
    when a set has no VMs); by default it is derived from the records.
    """
    if scale_sets is None:
        scale_sets = {}
        for record in records:
            names = scale_sets.setdefault(record["orchestration_mode"], [])
            if record["scale_set"] not in names:
                names.append(record["scale_set"])
    chosen, problems, seen = [], [], {}
    for identifier in identifiers:
        identifier = str(identifier)
        hits = _match(identifier, records)
        if not hits:
            problems.append(_problem(identifier, records, scale_sets))
        elif len(hits) > 1:
            problems.append("'%s' is ambiguous: it names %s" % (
                identifier, ", ".join("%s in '%s'" % (r["name"], r["scale_set"]) for r in hits)))
        elif hits[0]["id"] in seen:
            problems.append("'%s' and '%s' name the same instance (%s)" % (
                seen[hits[0]["id"]], identifier, hits[0]["name"]))
        else:
            seen[hits[0]["id"]] = identifier
            chosen.append(hits[0])
    if problems:
        raise FleetError("Unknown or invalid instance identifiers: %s. Nothing was done." % _summary(problems),
                         code="InvalidInstances", details=[{"message": problem} for problem in problems])
    return chosen


def _summary(problems):
    shown = "; ".join(problems[:MAX_PROBLEMS_IN_MESSAGE])
    hidden = len(problems) - MAX_PROBLEMS_IN_MESSAGE
    return shown + ("; and %d more (all in details)" % hidden if hidden > 0 else "")
