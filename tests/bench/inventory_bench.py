#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmss.fleet contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the vmss.fleet.azure_vmss inventory plugin at fleet scale.

    . .venv/bin/activate
    python tests/bench/inventory_bench.py [--uniform 10 --flexible 10 --vms-per-set 500 --latency-ms 50 --runs 3]

Generates an estate with ``python -m arm_emulator generate``, serves it with latency and throttling on, runs
``ansible-inventory --list --export`` under ``/usr/bin/time -v`` a few times and reports the median wall time,
the requests the emulator logged (by kind, against the (scale sets + resource groups) x pages expectation) and
the peak memory of ansible-inventory. Right after each run it times ansible-core alone adding the same hosts,
variables and groups through a replay plugin (``core_floor/replay_inventory.py``), the floor no inventory plugin
can go under, so that each ratio compares two runs seconds apart on a machine whose speed drifts. Then it times
the same inventory served from the plugin's cache (no ARM request). A benchmark, not a test: it asserts nothing
but the host counts.
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

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
SCRUBBED_ENV_PREFIXES = ("AZURE_", "ANSIBLE_", "ARM_")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uniform", type=int, default=10)
    parser.add_argument("--flexible", type=int, default=10)
    parser.add_argument("--vms-per-set", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--page-size", type=int, default=100, help="the emulator's page size (ARM's is 100+)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-concurrency", type=int, default=None, help="plugin option (default: the plugin's)")
    parser.add_argument("--instance-view", action="store_true",
                        help="include_instance_view: true (the whole view as host variables; off by default)")
    return parser.parse_args()


def generate_estate(args, workdir):
    path = os.path.join(workdir, "estate.yml")
    command = [sys.executable, "-m", "arm_emulator", "generate", "--uniform", str(args.uniform),
               "--flexible", str(args.flexible), "--vms-per-set", str(args.vms_per_set)]
    with open(path, "w") as handle:
        subprocess.run(command, stdout=handle, check=True)
    with open(path) as handle:
        estate = yaml.safe_load(handle)
    groups = [group for sub in estate["subscriptions"] for group in sub["resource_groups"]]
    sets = [vmss for group in groups for vmss in group["scale_sets"]]
    return path, groups, sets


def inventory_env(emulator_env):
    env = dict((k, v) for k, v in os.environ.items() if not k.startswith(SCRUBBED_ENV_PREFIXES))
    env.update(emulator_env)
    env.update({"PATH": BIN + os.pathsep + env.get("PATH", ""),
                "ANSIBLE_COLLECTIONS_PATH": os.path.join(REPO, ".collections"),
                "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True"})
    return env


def cpu_seconds(time_report):
    """User + system CPU seconds from ``/usr/bin/time -v`` output."""
    return sum(float(re.search(r"%s time \(seconds\): ([\d.]+)" % kind, time_report).group(1))
               for kind in ("User", "System"))


def process_cpu_seconds(pid):
    """CPU seconds (user + system, all threads) a running process has used so far, from /proc."""
    with open("/proc/%d/stat" % pid) as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def run_once(config_path, env, workdir, output_name="inventory.json"):
    """(wall seconds, peak RSS in MiB, host count, CPU seconds) of one ansible-inventory --list --export."""
    output = os.path.join(workdir, output_name)
    command = ["/usr/bin/time", "-v", os.path.join(BIN, "ansible-inventory"), "-i", config_path, "--list",
               "--export", "--output", output]
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, cwd=workdir, check=False)
    wall = time.perf_counter() - started
    if completed.returncode != 0:
        sys.exit("ansible-inventory failed:\n" + completed.stderr[-4000:])
    peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))
    with open(output) as handle:
        hosts = len(json.load(handle)["_meta"]["hostvars"])
    return wall, peak_kib / 1024.0, hosts, cpu_seconds(completed.stderr)


def write_config(workdir, name, config):
    path = os.path.join(workdir, name)
    with open(path, "w") as handle:
        yaml.safe_dump(config, handle)
    return path


def cached_run(config, env, workdir, emu):
    """(wall, peak MiB, hosts, ARM requests) of a run served by the plugin's cache, after one run that fills it."""
    cached = dict(config, cache=True, cache_plugin="ansible.builtin.jsonfile",
                  cache_connection=os.path.join(workdir, "cache"), cache_timeout=3600)
    path = write_config(workdir, "cached.azure_vmss.yml", cached)
    run_once(path, env, workdir, "cache-fill.json")
    emu.clear_requests()
    wall, rss, hosts, _cpu = run_once(path, env, workdir, "cached.json")
    arm = [entry for entry in emu.requests() if entry["path"].lower().startswith("/subscriptions")]
    return wall, rss, hosts, len(arm)


def core_floor_run(env, workdir, exported):
    """(wall, peak MiB, hosts, CPU seconds) of ansible-core alone adding the same hosts, variables and groups
    (replayed from an export by tests/bench/core_floor/replay_inventory.py: no Azure, no records)."""
    path = write_config(workdir, "floor.replay_inventory.yml", {"plugin": "replay_inventory", "source": exported})
    floor_env = dict(env, ANSIBLE_INVENTORY_PLUGINS=os.path.join(REPO, "tests", "bench", "core_floor"),
                     ANSIBLE_INVENTORY_ENABLED="replay_inventory")
    return run_once(path, floor_env, workdir, "replayed.json")


def replay_read_seconds(exported):
    """What the replay plugin spends reading its file (part of the floor run, not ansible-core's cost)."""
    sys.path.insert(0, os.path.join(REPO, "tests", "bench", "core_floor"))
    from replay_inventory import read_export

    started = time.perf_counter()
    read_export(exported)
    return time.perf_counter() - started


PHASES_SNIPPET = r"""
import json, sys, time
from ansible import context
from ansible.module_utils.common.collections import ImmutableDict
context.CLIARGS = ImmutableDict({})
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader()
from ansible_collections.vmss.fleet.plugins.inventory import azure_vmss
phases = {"hosts": 0.0}
first = []
def timed(name, function, add=False):
    def wrapper(*args):
        started = time.perf_counter()
        try:
            return function(*args)
        finally:
            first.append(started)
            phases[name] = phases.get(name, 0.0) * add + time.perf_counter() - started
    return wrapper
azure_vmss.InventoryModule._add_from_azure = timed("listing", azure_vmss.InventoryModule._add_from_azure)
azure_vmss.InventoryModule._add_records = timed("hosts", azure_vmss.InventoryModule._add_records, add=True)
started = time.perf_counter()
InventoryManager(loader=DataLoader(), sources=[sys.argv[1]])
phases["parse"] = time.perf_counter() - started
phases["first_hosts"] = sorted(first)[1] - started if len(first) > 1 else 0.0
print(json.dumps(phases))
"""


def plugin_phases(config_path, env, workdir):
    """Seconds the plugin spends listing and building hosts, inside an InventoryManager (no CLI output)."""
    completed = subprocess.run([sys.executable, "-c", PHASES_SNIPPET, config_path], env=env, capture_output=True,
                               text=True, cwd=workdir, check=False)
    if completed.returncode != 0:
        sys.exit("phase measurement failed:\n" + completed.stderr[-4000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def request_kind(entry):
    path = entry["path"].lower()
    if not path.startswith("/subscriptions"):
        return "identity/metadata"
    for suffix, kind in (("/virtualmachinescalesets", "scale set lists"), ("/virtualmachines", "VM lists"),
                         ("/networkinterfaces", "NIC lists"), ("/publicipaddresses", "public IP lists")):
        if path.endswith(suffix):
            return kind
    return "other"


def pages(count, page_size):
    return max(1, -(-count // page_size))


def expected_lists(groups, sets, page_size):
    """The plan of fleet.py: per set its VM pages (+ NIC and public-IP pages for Uniform), per resource group
    holding Flexible sets its NIC and public-IP pages, plus the scale-set list."""
    total = pages(len(sets), page_size)
    for vmss in sets:
        total += pages(vmss["capacity"], page_size)
        if vmss["mode"] == "Uniform":
            total += pages(vmss["capacity"], page_size) + pages(vmss["capacity"] if vmss.get("public_ips") else 0,
                                                                page_size)
    for group in groups:
        flexible = [vmss for vmss in group["scale_sets"] if vmss["mode"] == "Flexible"]
        if flexible:
            vms = sum(vmss["capacity"] for vmss in flexible)
            with_ip = sum(vmss["capacity"] for vmss in flexible if vmss.get("public_ips"))
            total += pages(vms, page_size) + pages(with_ip, page_size)
    return total


def main():
    args = parse_args()
    sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
    from arm_emulator.testing import EmulatorProcess

    with tempfile.TemporaryDirectory(prefix="vmss-inventory-bench-") as workdir:
        estate, groups, sets = generate_estate(args, workdir)
        vm_count = sum(vmss["capacity"] for vmss in sets)
        config = {"plugin": "vmss.fleet.azure_vmss"}
        if args.max_concurrency:
            config["max_concurrency"] = args.max_concurrency
        if args.instance_view:
            config["include_instance_view"] = True
        config_path = write_config(workdir, "bench.azure_vmss.yml", config)

        extra = ["--latency-ms", str(args.latency_ms), "--throttle", "on", "--page-size", str(args.page_size)]
        with EmulatorProcess(estate, extra_args=extra) as emu:
            env = inventory_env(emu.env)
            results, logs, emulator_cpu, floors = [], [], [], []
            for _run in range(args.runs):
                emu.clear_requests()
                emulator_before = process_cpu_seconds(emu.proc.pid)
                results.append(run_once(config_path, env, workdir))
                emulator_cpu.append(process_cpu_seconds(emu.proc.pid) - emulator_before)
                logs.append(emu.requests())
                # Each run's floor right after it: this machine's speed drifts by a fifth over minutes, and a
                # pair sees the same drift.
                floors.append(core_floor_run(env, workdir, os.path.join(workdir, "inventory.json")))
            phases = plugin_phases(config_path, env, workdir)
            cached = cached_run(config, env, workdir, emu)
            floor = sorted(floors)[len(floors) // 2]
            floor_read = replay_read_seconds(os.path.join(workdir, "inventory.json"))

    walls = [wall for wall, _rss, _hosts, _cpu in results]
    inventory_cpu = statistics.median(cpu for _wall, _rss, _hosts, cpu in results)
    kinds = {}
    for entry in logs[-1]:
        kinds[request_kind(entry)] = kinds.get(request_kind(entry), 0) + 1
    arm = sum(count for kind, count in kinds.items() if kind != "identity/metadata")
    statuses = sorted(set(entry["status"] for log in logs for entry in log))
    print("vmss.fleet.azure_vmss inventory benchmark")
    print("  ansible-core %s, Python %s, %d CPUs (shared with the emulator)"
          % (ANSIBLE_CORE_VERSION, platform.python_version(), os.cpu_count()))
    print("  estate: %d VMs = %d Uniform + %d Flexible scale sets x %d, %d resource groups"
          % (vm_count, args.uniform, args.flexible, args.vms_per_set, len(groups)))
    print("  emulator: latency %g ms, throttling on, page size %d; plugin config %s"
          % (args.latency_ms, args.page_size, json.dumps(config)))
    print("  hosts per run: %s" % ", ".join(str(hosts) for _wall, _rss, hosts, _cpu in results))
    runs = ", ".join("%.2f" % wall for wall in walls)
    print("  wall time: median %.2f s (runs: %s)" % (statistics.median(walls), runs))
    print("  CPU per run (median): ansible-inventory %.2f s, the emulator %.2f s, on the same %d CPUs"
          % (inventory_cpu, statistics.median(emulator_cpu), os.cpu_count()))
    print("  in-process (one more run): the plugin lists and adds hosts in %.2f s; the first hosts are added "
          "%.2f s in, and adding takes %.2f s in all (ansible-core's set_variable included) while a child "
          "process lists; the rest is ansible-inventory's start-up and its --list output"
          % (phases["listing"], phases["first_hosts"], phases["hosts"]))
    print("  served from the plugin's cache (cache: true, jsonfile): %.2f s, %d ARM requests, %d hosts"
          % (cached[0], cached[3], cached[2]))
    print("  ansible-core alone, replaying the same hosts, variables and groups without the plugin (median run): %.2f s, "
          "%.0f MiB, %d hosts, %.2f s of CPU (reading the replayed file takes %.2f s of that)"
          % (floor + (floor_read,)))
    ratios = [wall / floor_run[0] for wall, floor_run in zip(walls, floors)]
    print("  each run against the floor run right after it: %s; median %.2f (target: within 1.3)"
          % (", ".join("%.2f / %.2f" % (wall, floor_run[0]) for wall, floor_run in zip(walls, floors)),
             statistics.median(ratios)))
    print("  so the plugin's own share of the median run: %.2f s (%.2f s counting the replay's file read as "
          "ansible-core's); of CPU: %.2f s"
          % (statistics.median(walls) - floor[0] + floor_read, statistics.median(walls) - floor[0],
             inventory_cpu - floor[3] + floor_read))
    print("  peak memory of ansible-inventory: %.0f MiB (max of runs)" % max(rss for _w, rss, _h, _c in results))
    print("  requests per run: %d total, %d ARM (%s)" % (
        len(logs[-1]), arm, ", ".join("%s %d" % item for item in sorted(kinds.items()))))
    print("  expected ARM lists from the plan: %d; (scale sets + resource groups) x pages = (%d + %d) x %d = %d"
          % (expected_lists(groups, sets, args.page_size), len(sets), len(groups),
             pages(args.vms_per_set, args.page_size),
             (len(sets) + len(groups)) * pages(args.vms_per_set, args.page_size)))
    print("  HTTP statuses seen: %s" % ", ".join(str(status) for status in statuses))
    if any(hosts != vm_count for hosts in [result[2] for result in results] + [cached[2]] + [f[2] for f in floors]):
        sys.exit("host count differs from the estate's %d VMs" % vm_count)


if __name__ == "__main__":
    main()
