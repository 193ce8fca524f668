"""Helpers for test suites (this package's and the collection's integration tests).

    from arm_emulator.testing import EmulatorProcess, sdk_clients

    with EmulatorProcess("tests/emulator/estates/sample.yml", extra_args=["--operation-seconds", "0.3"]) as emu:
        clients = sdk_clients(emu.ready, polling_interval=0.1)
        list(clients.compute.virtual_machine_scale_sets.list_all())
        assert emu.requests()[-1]["status"] == 200

The emulator runs as a subprocess (``python -m arm_emulator serve``), exactly as the demo and CI run it."""

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from types import SimpleNamespace

ARM_SCOPE = "https://management.azure.com/.default"


class EmulatorError(RuntimeError):
    pass


class EmulatorProcess:
    def __init__(self, estate_path, *, state_dir=None, extra_args=(), startup_timeout=30.0, python=None):
        self.estate_path = os.path.abspath(str(estate_path))
        self._own_dir = state_dir is None
        self.state_dir = os.path.abspath(str(state_dir)) if state_dir else None
        self.extra_args = [str(a) for a in extra_args]
        self.startup_timeout = startup_timeout
        self.python = python or sys.executable
        self.proc = None
        self.ready = None
        self._ssl = None

    # ---- lifecycle ----------------------------------------------------------------------------------------
    def start(self):
        if self.state_dir is None:
            self.state_dir = tempfile.mkdtemp(prefix="arm-emulator-test-")
        os.makedirs(self.state_dir, exist_ok=True)
        argv = [self.python, "-m", "arm_emulator", "serve", "--estate", self.estate_path,
                "--state-dir", self.state_dir, *self.extra_args]
        self._stderr = open(os.path.join(self.state_dir, "emulator.stderr.log"), "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL)
        line = {}

        def read():
            line["text"] = self.proc.stdout.readline()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        text = line.get("text")
        if not text:
            self.stop()
            raise EmulatorError(f"arm_emulator did not become ready; see {self.state_dir}/emulator.stderr.log:\n"
                                + self._stderr_tail())
        self.ready = json.loads(text)
        self._ssl = ssl.create_default_context(cafile=self.ready["ca_bundle"])
        return self

    def _stderr_tail(self):
        try:
            with open(os.path.join(self.state_dir, "emulator.stderr.log"), encoding="utf-8", errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def stop(self, timeout=10.0):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None
        if self._own_dir and self.state_dir and os.path.isdir(self.state_dir):
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # ---- ready-line shortcuts -----------------------------------------------------------------------------
    @property
    def env(self):
        return dict(self.ready["env"])

    @property
    def endpoint(self):
        return self.ready["endpoint"]

    @property
    def ca_bundle(self):
        return self.ready["ca_bundle"]

    @property
    def env_file(self):
        return os.path.join(self.state_dir, "env.sh")

    # ---- control API --------------------------------------------------------------------------------------
    def control(self, method, path, body=None, query=None):
        url = f"{self.endpoint}/_emulator/{path.lstrip('/')}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, context=self._ssl, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            raise EmulatorError(f"{method} {path}: {err.code} {err.read().decode(errors='replace')}") from err

    def requests(self, clear=False, since=0):
        query = {"since": since}
        if clear:
            query["clear"] = "true"
        return self.control("GET", "requests", query=query)["requests"]

    def clear_requests(self):
        return self.control("DELETE", "requests")

    def settings(self, **changes):
        if not changes:
            return self.control("GET", "settings")
        return self.control("PATCH", "settings", changes)

    def faults(self, **changes):
        if not changes:
            return self.control("GET", "faults")
        return self.control("PATCH", "faults", changes)

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def vms(self, **filters):
        return self.control("GET", "vms", query=filters)["vms"]

    def vm(self, name, **where):
        found = [v for v in self.vms(**where) if v["name"] == name]
        if len(found) != 1:
            raise EmulatorError(f"{len(found)} VMs named {name!r}")
        return found[0]

    def set_vm(self, name=None, **changes):
        """set_vm("vmss-web_4", power_state="stopped", health="unhealthy") or
        set_vm(scale_set="vmss-web", instance_id="4", provisioning_state="Failed")."""
        body = dict(changes)
        if name is not None:
            body["name"] = name
        return self.control("POST", "vms/state", body)["vms"]

    def start_operation(self, names=None, operation="restart", seconds=None, **kw):
        """Start an operation as if someone else did (the VMs become busy). ``names``: a VM name or a list.
        ``on_request="<regex on the ARM path>"`` defers the start to the first matching ARM request."""
        body = dict(kw, operation=operation)
        if isinstance(names, str):
            body["name"] = names
        elif names:
            body["names"] = list(names)
        if seconds is not None:
            body["seconds"] = seconds
        return self.control("POST", "operations", body)

    def add_instances(self, scale_set, count=1, resource_group=None, subscription=None, **kw):
        body = dict(kw, scale_set=scale_set, count=count)
        if resource_group:
            body["resource_group"] = resource_group
        if subscription:
            body["subscription"] = subscription
        return self.control("POST", "instances/add", body)["added"]

    def remove_instance(self, scale_set, instance, resource_group=None, subscription=None):
        body = {"scale_set": scale_set, "instance": instance}
        if resource_group:
            body["resource_group"] = resource_group
        if subscription:
            body["subscription"] = subscription
        return self.control("POST", "instances/remove", body)["removed"]

    def expire_tokens(self):
        return self.control("POST", "tokens/expire")["expired"]

    def tokens(self):
        return self.control("GET", "tokens")["tokens"]

    def reset(self):
        return self.control("POST", "reset")


def sdk_clients(ready, *, subscription_id=None, polling_interval=1, client_id=None, client_secret=None, **kwargs):
    """The stock SDK clients, built exactly as azure-facts.md shows (nothing emulator-specific but the
    endpoint, the authority and the CA)."""
    from azure.identity import ClientSecretCredential
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    endpoint, ca = ready["endpoint"], ready["ca_bundle"]
    credential = ClientSecretCredential(ready["tenant_id"], client_id or ready["client_id"],
                                        client_secret or ready["client_secret"], authority=endpoint,
                                        disable_instance_discovery=True, connection_verify=ca)
    common = dict(base_url=endpoint, credential_scopes=[ARM_SCOPE], connection_verify=ca, **kwargs)
    sub = subscription_id or ready["subscription_id"]
    return SimpleNamespace(
        credential=credential,
        subscription_id=sub,
        compute=ComputeManagementClient(credential, sub, polling_interval=polling_interval, **common),
        network=NetworkManagementClient(credential, sub, polling_interval=polling_interval, **common),
        subscriptions=SubscriptionClient(credential, **common),
    )
