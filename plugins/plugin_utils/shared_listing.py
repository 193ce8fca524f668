# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One listing per scale set, shared by every host of an instance_facts task (controller side only).

Ansible runs an action plugin once per host, each time in a worker process of its own, so nothing shared
in memory survives from one host to the next. The share is a private directory instead: the first worker
that needs a scale set takes that set's lock, lists the set once and writes one small file per VM; every
other worker of that set waits for the lock and then reads only its own VM's file. Cost for N hosts in S
scale sets: S listings (O(S + pages) requests) and N small file reads, never one request per host.

Written under the controller's private temporary directory of the ansible-playbook run, which Ansible
removes when the run ends; directories are created owner-only.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import hashlib
import json
import os
import tempfile
import time

from ansible_collections.vmss.fleet.plugins.module_utils.errors import FleetError

DONE = "done"
FAILED = "error.json"
LOCK = "lock"


def digest(*parts):
    """A short, stable file name for the given strings (resource ids are case-insensitive)."""
    joined = "\n".join(str(part).lower() for part in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]


def _write_json(path, value):
    """Atomic: a reader sees the whole file or none of it."""
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(handle, "w") as stream:
        json.dump(value, stream)
    os.replace(temporary, path)


def _read_json(path):
    with open(path) as stream:
        return json.load(stream)


class ListingShare(object):
    """The share of one task (for one play batch): ``root`` holds a directory per scale set."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, mode=0o700, exist_ok=True)

    def once(self, name, produce):
        """``produce()``'s JSON value, computed by the first caller of the task only."""
        directory = os.path.join(self.root, "once-" + digest(name))
        path = os.path.join(directory, DONE)
        if not os.path.exists(path):
            self._exclusively(directory, path, lambda: _write_json(path, produce()))
        return _read_json(path)

    def record(self, scale_set_id, vm_id, list_scale_set):
        """The record of VM ``vm_id``, its scale set listed first if no host of the task did that yet.

        ``list_scale_set(scale_set_id)`` returns the set's records or raises FleetError; a failed listing
        fails every host of that set with the same error, without listing again.
        """
        return self._load(self._listed(scale_set_id, list_scale_set), vm_id)

    def prefetch(self, scale_set_ids, list_scale_set, max_parallel=8):
        """List the given scale sets now, concurrently, so their hosts need not wait for one set after the
        other; a set another worker is listing (or has listed) is left to it."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(scale_set_ids)))) as pool:
            list(pool.map(lambda scale_set_id: self._listed(scale_set_id, list_scale_set), scale_set_ids))

    def _listed(self, scale_set_id, list_scale_set):
        """The scale set's directory, filled by this call unless another worker did that first."""
        directory = os.path.join(self.root, "set-" + digest(scale_set_id))
        done = os.path.join(directory, DONE)
        if not os.path.exists(done):
            self._exclusively(directory, done, lambda: self._store(directory, scale_set_id, list_scale_set))
        return directory

    def _exclusively(self, directory, done, fill):
        """Run ``fill`` unless another worker did (``done`` exists once it has), one worker at a time."""
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(os.path.join(directory, LOCK), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if not os.path.exists(done):
                    fill()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    @staticmethod
    def _store(directory, scale_set_id, list_scale_set):
        try:
            records = list_scale_set(scale_set_id)
        except FleetError as exc:
            _write_json(os.path.join(directory, FAILED), exc.to_result())
        except Exception as exc:  # pylint: disable=broad-except
            # Recorded like any failure, so the set's other hosts fail at once instead of listing again.
            _write_json(os.path.join(directory, FAILED), {"msg": "Listing the scale set failed unexpectedly "
                                                                 "(%s: %s)." % (type(exc).__name__, exc)})
        else:
            for record in records:
                _write_json(os.path.join(directory, digest(record["id"]) + ".json"), record)
        # Written last: its presence says the set's files are complete.
        _write_json(os.path.join(directory, DONE), {"listed": time.time(), "scale_set_id": scale_set_id})

    @staticmethod
    def _load(directory, vm_id):
        failed = os.path.join(directory, FAILED)
        if os.path.exists(failed):
            error = _read_json(failed)
            raise FleetError(error.get("msg", "Could not list the scale set."), status=error.get("status"),
                             code=error.get("code"), target=error.get("target"))
        try:
            return _read_json(os.path.join(directory, digest(vm_id) + ".json"))
        except (IOError, OSError):
            listed = _read_json(os.path.join(directory, DONE))
            raise FleetError(
                "The instance '%s' is not in its scale set '%s' any more: the set was listed at %s and this VM "
                "was not in it (deleted, or removed by a scale-in). Refresh the inventory."
                % (vm_id, listed["scale_set_id"].rstrip("/").rsplit("/", 1)[-1],
                   time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(listed["listed"]))),
                status=404, code="NotFound")


def hosts_per_scale_set(hosts, host_variables, prefix):
    """``{scale set id in lower case: {"id": the id as given, "hosts": number of hosts}}`` for the given hosts.

    ``host_variables(name)`` is a host's inventory variables (a dict, possibly empty).
    """
    counts = {}
    for name in hosts:
        scale_set_id = host_variables(name).get(prefix + "scale_set_id")
        if scale_set_id:
            entry = counts.setdefault(str(scale_set_id).lower(), {"id": str(scale_set_id), "hosts": 0})
            entry["hosts"] += 1
    return counts
