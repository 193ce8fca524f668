#!/usr/bin/env python
"""Benchmark of arm_emulator (not a test): how long it takes to load a 10,000-VM estate and to serve a full
listing of it with instance views through the stock SDK, and how many small requests per second it answers.

    python tests/bench/emulator_bench.py [--uniform 10 --flexible 10 --vms-per-set 500] [--rps-seconds 5]
"""

import argparse
import asyncio
import json
import os
import ssl
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from arm_emulator.generate import dump_estate, generate_estate
from arm_emulator.testing import EmulatorProcess, sdk_clients


def _peak_rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def list_scale_set(clients, scale_set):
    rg = scale_set.id.split("/")[4]
    if scale_set.orchestration_mode == "Uniform":
        vms = clients.compute.virtual_machine_scale_set_vms.list(rg, scale_set.name, expand="instanceView")
    else:
        vms = clients.compute.virtual_machines.list(
            rg, filter=f"'virtualMachineScaleSet/id' eq '{scale_set.id}'", expand="instanceView")
    count = 0
    for vm in vms:
        assert vm.instance_view is not None and vm.instance_view.statuses
        count += 1
    return count


def full_listing(clients, workers):
    started = time.perf_counter()
    scale_sets = list(clients.compute.virtual_machine_scale_sets.list_all())
    if workers == 1:
        counts = [list_scale_set(clients, ss) for ss in scale_sets]
    else:
        with ThreadPoolExecutor(workers) as pool:
            counts = list(pool.map(lambda ss: list_scale_set(clients, ss), scale_sets))
    return time.perf_counter() - started, len(scale_sets), sum(counts)


def network_listing(clients, scale_sets):
    started = time.perf_counter()
    nics = 0
    groups = set()
    for ss in scale_sets:
        rg = ss.id.split("/")[4]
        if ss.orchestration_mode == "Uniform":
            nics += sum(1 for _unused in clients.network.network_interfaces
                        .list_virtual_machine_scale_set_network_interfaces(rg, ss.name))
        else:
            groups.add(rg)
    for rg in groups:
        nics += sum(1 for _unused in clients.network.network_interfaces.list(rg))
    return time.perf_counter() - started, nics


async def _rps(emu, token, path, seconds, concurrency):
    import aiohttp

    context = ssl.create_default_context(cafile=emu.ca_bundle)
    url = emu.endpoint + path
    headers = {"Authorization": f"Bearer {token}"}
    latencies = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=concurrency, ssl=context)
    async with aiohttp.ClientSession(connector=connector) as session:
        async def worker():
            nonlocal errors
            while time.perf_counter() < stop_at:
                t0 = time.perf_counter()
                async with session.get(url, headers=headers) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - t0)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _unused in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "errors": errors,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uniform", type=int, default=10)
    parser.add_argument("--flexible", type=int, default=10)
    parser.add_argument("--vms-per-set", type=int, default=500)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=8, help="concurrent scale-set listings in the second pass")
    parser.add_argument("--rps-seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    results = {"python": sys.version.split()[0], "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="emulator-bench-") as tmp:
        started = time.perf_counter()
        estate = generate_estate(args.uniform, args.flexible, args.vms_per_set)
        path = os.path.join(tmp, "estate.yml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(dump_estate(estate))
        results["generate_s"] = time.perf_counter() - started
        results["vms"] = (args.uniform + args.flexible) * args.vms_per_set

        started = time.perf_counter()
        with EmulatorProcess(path, state_dir=os.path.join(tmp, "state"),
                             extra_args=["--page-size", str(args.page_size)]) as emu:
            results["start_to_ready_s"] = time.perf_counter() - started
            clients = sdk_clients(emu.ready)
            list(clients.subscriptions.subscriptions.list())     # warm up: token, connection

            emu.clear_requests()
            elapsed, sets, vms = full_listing(clients, 1)
            log = emu.requests(clear=True)
            arm = [r for r in log if r["path"].startswith("/subscriptions")]
            results["listing_sequential"] = {
                "seconds": elapsed, "scale_sets": sets, "vms": vms, "requests": len(arm),
                "vms_per_s": vms / elapsed,
                "server_ms_total": sum(r["duration_ms"] for r in arm),
                "server_ms_per_page_p50": statistics.median(r["duration_ms"] for r in arm),
            }
            elapsed, sets, vms = full_listing(clients, args.workers)
            log = emu.requests(clear=True)
            results["listing_concurrent"] = {"seconds": elapsed, "workers": args.workers, "vms": vms,
                                             "requests": len(log), "vms_per_s": vms / elapsed}

            scale_sets = list(clients.compute.virtual_machine_scale_sets.list_all())
            elapsed, nics = network_listing(clients, scale_sets)
            results["nic_listing"] = {"seconds": elapsed, "nics": nics,
                                      "requests": len(emu.requests(clear=True))}

            token = clients.credential.get_token("https://management.azure.com/.default").token
            ss = scale_sets[0]
            path_small = f"{ss.id}?api-version=2026-04-01"
            cpu_before = _cpu_seconds(emu.ready["pid"])
            results["rps_get_scale_set"] = rps = asyncio.run(
                _rps(emu, token, path_small, args.rps_seconds, args.concurrency))
            server_cpu = _cpu_seconds(emu.ready["pid"]) - cpu_before
            rps["server_cpu_ms_per_request"] = 1000.0 * server_cpu / max(1, rps["requests"])
            rps["server_capacity_one_core_rps"] = rps["requests"] / server_cpu if server_cpu else None
            emu.clear_requests()
            results["server_peak_rss_mb"] = _peak_rss_mb(emu.ready["pid"])

    seq, conc = results["listing_sequential"], results["listing_concurrent"]
    rps = results["rps_get_scale_set"]
    print(f"arm_emulator benchmark ({results['cpus']} CPUs, Python {results['python']})")
    print(f"  estate: {results['vms']} VMs in {args.uniform} Uniform + {args.flexible} Flexible sets "
          f"(generated in {results['generate_s']:.2f} s)")
    print(f"  start to ready (load + CA + listen): {results['start_to_ready_s']:.2f} s")
    print(f"  full listing with instance views, sequential: {seq['seconds']:.2f} s, {seq['requests']} requests, "
          f"{seq['vms_per_s']:.0f} VMs/s (server time {seq['server_ms_total'] / 1000:.2f} s, "
          f"median {seq['server_ms_per_page_p50']:.1f} ms per page of {args.page_size})")
    print(f"  full listing, {conc['workers']} scale sets at a time: {conc['seconds']:.2f} s, "
          f"{conc['vms_per_s']:.0f} VMs/s")
    print(f"  NIC listing (per Uniform set + per resource group): {results['nic_listing']['seconds']:.2f} s, "
          f"{results['nic_listing']['nics']} NICs, {results['nic_listing']['requests']} requests")
    print(f"  small GETs (scale set, {args.concurrency} connections, {args.rps_seconds:g} s): {rps['rps']:.0f} req/s, "
          f"p50 {rps['p50_ms']:.1f} ms, p99 {rps['p99_ms']:.1f} ms, errors {rps['errors']}; server CPU "
          f"{rps['server_cpu_ms_per_request']:.2f} ms/request = {rps['server_capacity_one_core_rps']:.0f} req/s "
          "per core (the load generator shares the machine)")
    print(f"  emulator peak RSS: {results['server_peak_rss_mb']:.0f} MB")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
