#!/usr/bin/env python
# -*- coding: utf-8 -*-
"""Benchmark: vmss.fleet.instance_info on a 5,000-VM Uniform and a 5,000-VM Flexible scale set.

Not a test (nothing is asserted on time). Starts the emulator on tests/emulator/estates/listing-bench.yml with
a fixed latency per request (default 50 ms), runs instance_info through ansible-playbook as a user would, and
prints per scenario: wall time of the whole ansible-playbook run, the span of its ARM requests, the number of
ARM requests (first pages / next pages), the instances returned, and the peak resident memory of the largest
process (ansible-playbook or the module), measured by /usr/bin/time -v.

    . .venv/bin/activate
    python tests/bench/instance_info_bench.py [--latency-ms 50] [--page-size 100]
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from harness import BIN, REPO, base_env, start_emulator  # noqa: E402 pylint: disable=wrong-import-position

RESOURCE_GROUP = "rg-bench"
SCENARIOS = [
    ("Uniform, 5,000 VMs", {"scale_set": ["bench-uniform"]}),
    ("Flexible, 5,000 VMs", {"scale_set": ["bench-flex"]}),
    ("both, 10,000 VMs", {}),
    ("both, no network", {"network": False}),
    ("one named instance", None),  # filled in once the estate is up: a real Uniform instance ID
]


def playbook(args):
    """Register the result and print only its size: the point is the module, not the terminal."""
    return [{
        "hosts": "localhost",
        "gather_facts": False,
        "tasks": [
            {"name": "instance_info", "vmss.fleet.instance_info": dict(args, resource_group=RESOURCE_GROUP),
             "register": "listing"},
            {"name": "count", "ansible.builtin.debug": {
                "msg": "COUNT={{ listing.instances | length }}"}},
        ],
    }]


def run_scenario(emu, args, workdir):
    path = os.path.join(workdir, "play.yml")
    with open(path, "w") as handle:
        yaml.safe_dump(playbook(args), handle)
    command = ["/usr/bin/time", "-v", os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", "-c", "local",
               path]
    emu.clear_requests()
    started = time.monotonic()
    completed = subprocess.run(command, env=base_env(emu.env), capture_output=True, text=True, cwd=REPO,
                               check=False)
    wall = time.monotonic() - started
    if completed.returncode != 0:
        raise SystemExit("ansible-playbook failed:\n%s\n%s" % (completed.stdout[-3000:], completed.stderr[-3000:]))
    count = int(re.search(r"COUNT=(\d+)", completed.stdout).group(1))
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr).group(1))
    arm = [r for r in emu.requests() if r["path"].lower().startswith("/subscriptions")]
    pages = sum(1 for r in arm if "$skiptoken" in r["query"])
    span = max(r["finished"] for r in arm) - min(r["started"] for r in arm) if arm else 0.0
    return {"wall": wall, "span": span, "requests": len(arm), "pages": pages, "count": count,
            "peak_mb": peak_kb / 1024.0}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", maxsplit=1)[0])
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--page-size", type=int, default=100)
    options = parser.parse_args()

    extra = ["--latency-ms", str(options.latency_ms), "--page-size", str(options.page_size)]
    print("instance_info benchmark: estate listing-bench.yml, latency %g ms per request, page size %d"
          % (options.latency_ms, options.page_size))
    header = ("scenario", "wall s", "ARM s", "requests", "pages", "instances", "peak MB")
    print("%-22s %9s %9s %9s %7s %10s %9s" % header)
    with start_emulator("listing-bench.yml", extra) as emu, tempfile.TemporaryDirectory() as workdir:
        uniform_id = emu.vms(scale_set="bench-uniform")[-1]["instance_id"]
        for name, args in SCENARIOS:
            if args is None:
                args = {"scale_set": ["bench-uniform"], "instances": [uniform_id]}
            figures = run_scenario(emu, args, workdir)
            print("%-22s %9.2f %9.2f %9d %7d %10d %9.1f" % (
                name, figures["wall"], figures["span"], figures["requests"], figures["pages"], figures["count"],
                figures["peak_mb"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
