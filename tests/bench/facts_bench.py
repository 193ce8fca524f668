#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of vmss.fleet.instance_facts over many inventory hosts, against a plain set_fact play.

    . .venv/bin/activate
    python tests/bench/facts_bench.py [--uniform 2 --flexible 2 --vms-per-set 250 --subscriptions 2 --runs 3]

Serves a generated estate with latency and throttling on, exports the azure_vmss inventory of it once as a static
YAML inventory (so both plays load the same hosts the same way), then times two one-task plays over every host,
each run under ``/usr/bin/time -v`` (median of ``--runs``, alternating):
  facts:    ``vmss.fleet.instance_facts`` with ``delegate_to: localhost`` (the full record with instance view);
  set_fact: ``ansible.builtin.set_fact`` with ``delegate_to: localhost``, the floor of a task on every host.
Reports wall time, the facts play's ARM requests by kind (against scale sets + pages) and checks, in one more
facts run with the jsonfile fact cache AWX uses for fact storage, that every host got its instance view.
A benchmark, not a test: it asserts only the host counts.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

import yaml
from ansible.release import __version__ as ANSIBLE_CORE_VERSION

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from inventory_bench import inventory_env  # noqa: E402 pylint: disable=wrong-import-position

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.dirname(sys.executable)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uniform", type=int, default=2)
    parser.add_argument("--flexible", type=int, default=2)
    parser.add_argument("--vms-per-set", type=int, default=250)
    parser.add_argument("--subscriptions", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--forks", type=int, default=5, help="ansible-playbook --forks (Ansible's default: 5)")
    parser.add_argument("--runs", type=int, default=3)
    return parser.parse_args()


def generate_estate(args, workdir):
    path = os.path.join(workdir, "estate.yml")
    command = [sys.executable, "-m", "arm_emulator", "generate", "--uniform", str(args.uniform), "--flexible",
               str(args.flexible), "--vms-per-set", str(args.vms_per_set), "--subscriptions", str(args.subscriptions)]
    with open(path, "w") as handle:
        subprocess.run(command, stdout=handle, check=True)
    return path


def export_inventory(env, workdir, subscriptions):
    """The azure_vmss inventory of the estate as a static YAML file (every host runs its tasks locally)."""
    config = os.path.join(workdir, "fleet.azure_vmss.yml")
    with open(config, "w") as handle:
        yaml.safe_dump({"plugin": "vmss.fleet.azure_vmss", "subscriptions": subscriptions,
                        "compose": {"ansible_connection": "'local'"}}, handle)
    static = os.path.join(workdir, "hosts.yml")
    with open(static, "w") as handle:
        subprocess.run([os.path.join(BIN, "ansible-inventory"), "-i", config, "--list", "--export", "-y"],
                       env=env, stdout=handle, stderr=subprocess.DEVNULL, check=True, cwd=workdir)
    return static


PLAYS = {
    "facts": {"vmss.fleet.instance_facts": {}},
    "set_fact": {"ansible.builtin.set_fact": {"vmss_probe": "{{ inventory_hostname }}"}},
}


def write_play(workdir, kind):
    path = os.path.join(workdir, kind + ".yml")
    task = dict(PLAYS[kind], name=kind, delegate_to="localhost")
    with open(path, "w") as handle:
        yaml.safe_dump([{"hosts": "all", "gather_facts": False, "tasks": [task]}], handle)
    return path


def run_play(play, inventory, env, workdir, forks, extra_env=None):
    """(wall seconds, peak RSS MiB, hosts ok) of one ansible-playbook run."""
    command = ["/usr/bin/time", "-v", os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-f", str(forks),
               play]
    started = time.perf_counter()
    completed = subprocess.run(command, env=dict(env, **(extra_env or {})), capture_output=True, text=True,
                               cwd=workdir, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit("ansible-playbook %s failed:\n%s\n%s" % (play, completed.stdout[-3000:], completed.stderr[-3000:]))
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))
    ok_hosts = len(re.findall(r"^\S+\s+: ok=1 ", completed.stdout, re.M))
    return wall, peak_kib / 1024.0, ok_hosts


def request_kind(entry):
    path = entry["path"].lower().rstrip("/")
    if not path.startswith("/subscriptions"):
        return "identity/metadata"
    segments = path.split("/")
    if segments[-1] in ("virtualmachines", "networkinterfaces", "publicipaddresses"):
        return segments[-1] + " lists"
    if segments[-2] == "virtualmachinescalesets":
        return "scale set GETs"
    if "virtualmachines" in segments[:-1]:
        return "single VM reads"
    return "other"


def hosts_with_views(cache_dir):
    """Hosts whose cached facts (AWX fact storage's jsonfile cache) hold the instance view."""
    count = 0
    for name in os.listdir(cache_dir):
        with open(os.path.join(cache_dir, name)) as handle:
            stored = json.load(handle)
        facts = json.loads(stored["__payload__"]) if "__payload__" in stored else stored
        if (facts.get("vmss_instance") or {}).get("instance_view", {}).get("statuses"):
            count += 1
    return count


def main():
    args = parse_args()
    sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
    from arm_emulator.testing import EmulatorProcess

    with tempfile.TemporaryDirectory(prefix="vmss-facts-bench-") as workdir:
        estate = generate_estate(args, workdir)
        with open(estate) as handle:
            generated = yaml.safe_load(handle)
        subscriptions = [sub["id"] for sub in generated["subscriptions"]]
        sets = [vmss for sub in generated["subscriptions"] for group in sub["resource_groups"]
                for vmss in group["scale_sets"]]
        vm_count = sum(vmss["capacity"] for vmss in sets)
        extra = ["--latency-ms", str(args.latency_ms), "--throttle", "on", "--page-size", str(args.page_size)]
        with EmulatorProcess(estate, extra_args=extra) as emu:
            env = inventory_env(emu.env)
            inventory = export_inventory(env, workdir, subscriptions)
            plays = dict((kind, write_play(workdir, kind)) for kind in PLAYS)
            results = {"facts": [], "set_fact": []}
            logs = []
            for run in range(args.runs):
                order = ("facts", "set_fact") if run % 2 == 0 else ("set_fact", "facts")
                for kind in order:
                    emu.clear_requests()
                    results[kind].append(run_play(plays[kind], inventory, env, workdir, args.forks))
                    if kind == "facts":
                        logs.append(emu.requests())
            cache = os.path.join(workdir, "fact-cache")
            run_play(plays["facts"], inventory, env, workdir, args.forks,
                     {"ANSIBLE_CACHE_PLUGIN": "jsonfile", "ANSIBLE_CACHE_PLUGIN_CONNECTION": cache})
            cached_views = hosts_with_views(cache)

    kinds = {}
    for entry in logs[-1]:
        kinds[request_kind(entry)] = kinds.get(request_kind(entry), 0) + 1
    median = dict((kind, statistics.median(wall for wall, _rss, _ok in runs)) for kind, runs in results.items())
    print("vmss.fleet.instance_facts over inventory hosts")
    print("  ansible-core %s, Python %s, %d CPUs (shared with the emulator), --forks %d"
          % (ANSIBLE_CORE_VERSION, platform.python_version(), os.cpu_count(), args.forks))
    print("  estate: %d VMs = %d Uniform + %d Flexible scale sets x %d in %d subscriptions; latency %g ms, "
          "throttling on, page size %d" % (vm_count, args.uniform, args.flexible, args.vms_per_set,
                                           len(subscriptions), args.latency_ms, args.page_size))
    for kind in ("facts", "set_fact"):
        runs = results[kind]
        print("  %-8s play: median %.2f s (runs: %s), peak memory %.0f MiB, hosts ok %s"
              % (kind, median[kind], ", ".join("%.2f" % wall for wall, _rss, _ok in runs),
                 max(rss for _wall, rss, _ok in runs), "/".join(str(ok) for _wall, _rss, ok in runs)))
    print("  facts / set_fact: %.2fx" % (median["facts"] / median["set_fact"]))
    by_kind = ", ".join("%s %d" % item for item in sorted(kinds.items()))
    print("  facts play requests: %d total (%s)" % (len(logs[-1]), by_kind))
    arm = sum(count for kind, count in kinds.items() if kind != "identity/metadata")
    print("  per scale set: %.1f ARM requests (its GET, VM pages, NIC and public-IP pages), none per VM; %d sets"
          % (arm / float(len(sets)), len(sets)))
    print("  hosts whose facts in the jsonfile fact cache (AWX fact storage) carry the instance view: %d"
          % cached_views)
    if any(ok != vm_count for runs in results.values() for _wall, _rss, ok in runs) or cached_views != vm_count:
        sys.exit("not every one of the %d hosts got its facts" % vm_count)


if __name__ == "__main__":
    main()
