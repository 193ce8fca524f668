"""python -m arm_emulator serve | stop | generate"""

import argparse
import asyncio
import json
import logging
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time

from aiohttp import web

from .certs import make_tls
from .estate import EstateError, load_estate
from .generate import generate_estate, dump_estate
from .server import Emulator, build_app, endpoint_for
from .settings import Faults, Settings

PID_FILE = "emulator.pid"
READY_FILE = "ready.json"
ENV_FILE = "env.sh"
LOG_FILE = "emulator.log"


def _parser():
    parser = argparse.ArgumentParser(prog="python -m arm_emulator",
                                     description="A local Azure Resource Manager emulator for tests and demos.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve an estate over HTTPS")
    serve.add_argument("--estate", required=True, help="estate YAML file")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 = any free port")
    serve.add_argument("--state-dir", help="where ca.pem, env.sh, ready.json and the pid file go "
                                           "(default: a new temporary directory)")
    serve.add_argument("--latency-ms", type=float, default=0.0)
    serve.add_argument("--jitter-ms", type=float, default=0.0)
    serve.add_argument("--throttle", choices=("on", "off"), default="off")
    serve.add_argument("--page-size", type=int, default=100)
    serve.add_argument("--operation-seconds", type=float, default=2.0, help="duration of a long-running operation")
    serve.add_argument("--token-lifetime", type=int, default=3600, help="seconds")
    serve.add_argument("--error-rate", type=float, default=0.0, help="fraction of ARM GETs answered with a 500")
    serve.add_argument("--reset-rate", type=float, default=0.0, help="fraction of ARM GETs whose connection resets")
    serve.add_argument("--seed", type=int, default=0, help="seed for latency jitter and random faults")
    serve.add_argument("--daemon", action="store_true", help="return once ready, leave the server running")

    stop = sub.add_parser("stop", help="stop a daemon started with --state-dir DIR")
    stop.add_argument("--state-dir", required=True)
    stop.add_argument("--timeout", type=float, default=10.0)

    gen = sub.add_parser("generate", help="print a large estate YAML (for benchmarks)")
    gen.add_argument("--uniform", type=int, default=1, help="Uniform scale sets per subscription")
    gen.add_argument("--flexible", type=int, default=1, help="Flexible scale sets per subscription")
    gen.add_argument("--vms-per-set", type=int, default=10)
    gen.add_argument("--subscriptions", type=int, default=1)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--sets-per-group", type=int, default=5, help="scale sets per resource group")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "stop":
        return stop(args.state_dir, args.timeout)
    if args.command == "generate":
        estate = generate_estate(args.uniform, args.flexible, args.vms_per_set, args.subscriptions, args.seed,
                                 args.sets_per_group)
        sys.stdout.write(dump_estate(estate))
        return 0
    return 2


def serve(args):
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="arm-emulator-")
    os.makedirs(state_dir, exist_ok=True)
    state_dir = os.path.abspath(state_dir)
    if args.daemon:
        return _daemonize(args, state_dir)
    try:
        estate = load_estate(args.estate)
    except (OSError, EstateError) as exc:
        print(f"arm_emulator: cannot load estate: {exc}", file=sys.stderr)
        return 2
    settings = Settings(latency_ms=args.latency_ms, jitter_ms=args.jitter_ms, throttle=args.throttle == "on",
                        page_size=args.page_size, operation_seconds=args.operation_seconds,
                        token_lifetime=args.token_lifetime)
    faults = Faults(error_rate=args.error_rate, reset_rate=args.reset_rate, seed=args.seed)
    emulator = Emulator(estate, settings, faults)
    try:
        asyncio.run(_run(emulator, args, state_dir))
    except KeyboardInterrupt:
        pass
    return 0


class _DropInjectedResets(logging.Filter):
    """Injected connection resets are intended: keep aiohttp from logging a traceback for each."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionResetError)


async def _run(emulator, args, state_dir):
    logging.getLogger("aiohttp.server").addFilter(_DropInjectedResets())
    ssl_context, ca_path = make_tls(state_dir, args.host)
    app = build_app(emulator)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port, ssl_context=ssl_context, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # the port the OS picked for --port 0
    emulator.endpoint = endpoint_for(args.host, port)
    emulator.stop_event = asyncio.Event()
    ready = ready_info(emulator, ca_path, state_dir)
    emulator.ready = ready
    _write(os.path.join(state_dir, ENV_FILE),
           "".join(f"export {k}={shlex.quote(v)}\n" for k, v in ready["env"].items()))
    _write(os.path.join(state_dir, PID_FILE), f"{os.getpid()}\n")
    _write(os.path.join(state_dir, READY_FILE), json.dumps(ready) + "\n")
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, emulator.stop_event.set)
    try:
        await emulator.stop_event.wait()
    finally:
        await runner.cleanup()
        for name in (PID_FILE, READY_FILE):
            try:
                os.unlink(os.path.join(state_dir, name))
            except FileNotFoundError:
                pass


def ready_info(emulator, ca_path, state_dir):
    principal = emulator.estate["principals"][0]
    visible = [s["id"] for s in emulator.estate["subscriptions"]
               if emulator.principals[principal["client_id"]].sees_subscription(s["id"])]
    subscription_id = visible[0] if visible else emulator.estate["subscriptions"][0]["id"]
    endpoint = emulator.endpoint
    env = {
        "AZURE_SUBSCRIPTION_ID": subscription_id,
        "AZURE_CLIENT_ID": principal["client_id"],
        "AZURE_SECRET": principal["client_secret"],
        "AZURE_TENANT": emulator.state.tenant_id,
        "AZURE_CLOUD_ENVIRONMENT": f"{endpoint}/metadata/endpoints?api-version=2022-09-01",
        "AZURE_CA_BUNDLE": ca_path,
    }
    return {
        "endpoint": endpoint,
        "authority_host": endpoint,
        "ca_bundle": ca_path,
        "tenant_id": emulator.state.tenant_id,
        "client_id": principal["client_id"],
        "client_secret": principal["client_secret"],
        "subscription_id": subscription_id,
        "pid": os.getpid(),
        "env": env,
    }


def _write(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def _daemonize(args, state_dir):
    ready_path = os.path.join(state_dir, READY_FILE)
    if os.path.exists(ready_path):
        os.unlink(ready_path)
    argv = [sys.executable, "-m", "arm_emulator"] + [a for a in sys.argv[1:] if a != "--daemon"]
    if "--state-dir" not in argv:
        argv += ["--state-dir", state_dir]
    log = open(os.path.join(state_dir, LOG_FILE), "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if os.path.exists(ready_path):
            with open(ready_path, encoding="utf-8") as handle:
                sys.stdout.write(handle.read())
            sys.stdout.flush()
            return 0
        if proc.poll() is not None:
            print(f"arm_emulator: server exited with {proc.returncode}; see {state_dir}/{LOG_FILE}", file=sys.stderr)
            return 1
        time.sleep(0.05)
    proc.terminate()
    print("arm_emulator: server did not become ready in 30 s", file=sys.stderr)
    return 1


def stop(state_dir, timeout=10.0):
    pid_path = os.path.join(state_dir, PID_FILE)
    try:
        with open(pid_path, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
    except FileNotFoundError:
        print(f"arm_emulator: no {PID_FILE} in {state_dir}: nothing to stop", file=sys.stderr)
        return 1
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        os.unlink(pid_path)
        return 0
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not _alive(pid):
            return 0
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    return 0


def _alive(pid):
    """True while the process runs; a zombie (exited, not yet reaped by its new parent) counts as stopped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True
