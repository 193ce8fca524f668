# -*- coding: utf-8 -*-
"""Azure data is never templated: a tag value and a computer name that carry Jinja reach the inventory's
``compose`` and the instance_facts action plugin as plain text, on every supported ansible-core.

Run this file with the pinned core (`make test`) and with the oldest supported one, e.g.
``/tmp/v216/bin/pytest tests/integration/test_injection.py`` (see docs/reliability.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from harness import REPO, run_inventory, run_playbook, start_emulator

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def poisoned():
    with start_emulator("injection.yml") as emu:
        yield emu


def markers(workdir):
    return sorted(name for name in os.listdir(str(workdir)) if name.startswith("MARKER_"))


def plain(value):
    """--export shows untrusted strings as {"__ansible_unsafe": ...} on some cores; the text is what counts."""
    return value["__ansible_unsafe"] if isinstance(value, dict) and "__ansible_unsafe" in value else value


def test_compose_over_azure_values_runs_nothing(poisoned, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = {"plugin": "vmss.fleet.azure_vmss", "include_instance_view": True,
              "compose": {"color": "vmss_tags.color", "host_label": "vmss_computer_name",
                          "first_status": "vmss_instance_view.statuses[0].message | default('')"},
              "keyed_groups": [{"key": "vmss_tags.color", "prefix": "color"}]}
    run = run_inventory(config, poisoned.env)
    assert run.rc == 0, run.output
    assert markers(tmp_path) == [] and markers(REPO) == []
    hosts = run.result["_meta"]["hostvars"]
    uniform = [host for name, host in hosts.items() if name.startswith("vmss-inj-u")]
    assert len(hosts) == 4 and len(uniform) == 2
    for host in uniform:
        assert plain(host["color"]) == "{{ lookup('pipe', 'touch MARKER_tag') }}"
        assert plain(host["host_label"]).startswith("{{ lookup('pipe', 'touch MARKER_cn') }}")


def test_instance_facts_over_poisoned_hosts_runs_nothing(poisoned, tmp_path):
    config = tmp_path / "inj.azure_vmss.yml"
    config.write_text(yaml.safe_dump({"plugin": "vmss.fleet.azure_vmss",
                                      "compose": {"ansible_connection": "'local'"}}))
    play = tmp_path / "facts.yml"
    play.write_text(yaml.safe_dump([{
        "hosts": "all:!localhost", "gather_facts": False,
        "tasks": [{"vmss.fleet.instance_facts": {}, "delegate_to": "localhost"},
                  {"ansible.builtin.copy": {"content": "{{ ansible_facts.vmss_instance.tags.color }}",
                                            "dest": str(tmp_path) + "/{{ inventory_hostname }}.color"},
                   "delegate_to": "localhost"}]}]))
    run = run_playbook(str(play), poisoned.env, ["-i", str(config)])
    assert run.rc == 0, run.output
    assert markers(tmp_path) == [] and markers(REPO) == []
    colors = sorted(open(os.path.join(str(tmp_path), name)).read() for name in os.listdir(str(tmp_path))
                    if name.endswith(".color"))
    assert len(colors) == 4 and all(color.startswith("{{ lookup('pipe', 'touch MARKER_") for color in colors)
