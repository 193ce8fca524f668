"""Acceptance 7 (the benchmark itself is tests/bench/emulator_bench.py) and the CLI: `generate` makes large,
deterministic estates that load quickly and list completely through the SDK; `serve --daemon` / `stop`."""

import json
import subprocess
import sys
import time

import yaml

from arm_emulator.estate import check_estate
from arm_emulator.generate import dump_estate, generate_estate
from arm_emulator.cli import _alive
from arm_emulator.model import State
from arm_emulator.testing import EmulatorProcess, sdk_clients
from conftest import SAMPLE, read_env_file


def _generate(*args):
    result = subprocess.run([sys.executable, "-m", "arm_emulator", "generate", *map(str, args)],
                            capture_output=True, text=True, check=True, timeout=60)
    return result.stdout


def test_generate_ten_thousand_vms():
    text = _generate("--uniform", 10, "--flexible", 10, "--vms-per-set", 500)
    estate = check_estate(yaml.safe_load(text))
    sets = [ss for sub in estate["subscriptions"] for rg in sub["resource_groups"] for ss in rg["scale_sets"]]
    assert sorted(ss["mode"] for ss in sets).count("Uniform") == 10 and len(sets) == 20
    started = time.perf_counter()
    state = State(estate)
    load_seconds = time.perf_counter() - started
    vms = list(state.all_vms())
    assert len(vms) == 10_000
    assert load_seconds < 10
    assert len({(vm.scale_set.rg.name, vm.name) for vm in vms}) == 10_000
    for ss in (s for sub in state.subscriptions.values() for rg in sub.rgs.values() for s in rg.scale_sets.values()):
        assert len({vm.computer_name for vm in ss.vms.values()}) == len(ss.vms)
    powers = {vm.power for vm in vms}
    assert {"running", "stopped", "deallocated"} <= powers


def test_generate_is_deterministic():
    one = _generate("--uniform", 2, "--flexible", 2, "--vms-per-set", 5, "--seed", 7)
    assert one == dump_estate(generate_estate(2, 2, 5, seed=7))
    assert one != dump_estate(generate_estate(2, 2, 5, seed=8))
    names = [vm.name for vm in State(check_estate(yaml.safe_load(one))).all_vms()]
    again = [vm.name for vm in State(check_estate(yaml.safe_load(one))).all_vms()]
    assert names == again


def test_generate_several_subscriptions():
    estate = check_estate(yaml.safe_load(_generate("--uniform", 1, "--flexible", 1, "--vms-per-set", 2,
                                                   "--subscriptions", 3)))
    assert len(estate["subscriptions"]) == 3
    assert len(estate["principals"][0]["scopes"]) == 3


def test_generated_estate_lists_completely_through_the_sdk(tmp_path):
    path = tmp_path / "estate.yml"
    path.write_text(_generate("--uniform", 2, "--flexible", 2, "--vms-per-set", 60, "--sets-per-group", 2))
    with EmulatorProcess(path, extra_args=["--page-size", "25"]) as emu:
        clients = sdk_clients(emu.ready)
        total = 0
        scale_sets = list(clients.compute.virtual_machine_scale_sets.list_all())
        assert len(scale_sets) == 4
        emu.clear_requests()
        for ss in scale_sets:
            rg = ss.id.split("/")[4]
            if ss.orchestration_mode == "Uniform":
                vms = clients.compute.virtual_machine_scale_set_vms.list(rg, ss.name, expand="instanceView")
            else:
                vms = clients.compute.virtual_machines.list(
                    rg, filter=f"'virtualMachineScaleSet/id' eq '{ss.id}'", expand="instanceView")
            names = [vm.name for vm in vms]
            assert len(names) == len(set(names)) == 60
            total += len(names)
        assert total == 240
        pages = [r for r in emu.requests() if r["path"].startswith("/subscriptions")]
        assert len(pages) == 4 * 3                      # 60 VMs in pages of 25, per scale set
        assert all(r["status"] == 200 for r in pages)


def test_serve_daemon_and_stop(tmp_path):
    state_dir = tmp_path / "state"
    result = subprocess.run([sys.executable, "-m", "arm_emulator", "serve", "--estate", str(SAMPLE),
                             "--state-dir", str(state_dir), "--daemon"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    ready = json.loads(result.stdout.strip().splitlines()[-1])
    try:
        assert (state_dir / "emulator.pid").read_text().strip() == str(ready["pid"])
        assert read_env_file(state_dir / "env.sh") == ready["env"]
        clients = sdk_clients(ready)
        assert len(list(clients.compute.virtual_machine_scale_sets.list_all())) == 3
    finally:
        stopped = subprocess.run([sys.executable, "-m", "arm_emulator", "stop", "--state-dir", str(state_dir)],
                                 capture_output=True, text=True, timeout=30, check=False)
    assert stopped.returncode == 0, stopped.stderr
    assert not _alive(ready["pid"]), "the daemon is still running"
    assert not (state_dir / "emulator.pid").exists()


def test_bad_estate_is_reported(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("principals: []\nsubscriptions: []\n")
    result = subprocess.run([sys.executable, "-m", "arm_emulator", "serve", "--estate", str(path)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "at least one principal" in result.stderr
