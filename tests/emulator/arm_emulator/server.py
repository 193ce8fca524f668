"""The HTTPS server: one catch-all aiohttp handler that logs, injects latency and faults, authenticates,
authorizes, throttles and dispatches to the route modules.

aiohttp because it is asyncio-native (LRO timers, latency injection and thousands of concurrent connections
without threads), is one dependency that brings its own HTTP server, and is fast enough: thousands of small
requests per second on one core, with no ASGI layer in between."""

import asyncio
import json
import random
import re
import socket
import struct
import time

from aiohttp import web

from . import control, routes_batch, routes_compute, routes_identity, routes_network, routes_resources
from .auth import Principal, TokenStore, authorization_failed
from .errors import ArmError
from .http import Ctx
from .model import State
from .requestlog import RequestLog
from .settings import Faults, Settings
from .throttling import Throttler

ARM_PREFIXES = ("/subscriptions", "/tenants", "/providers")


def _compile(routes):
    table = {}
    for route in routes:
        method, pattern = route[0], route[1]
        table.setdefault(method, []).append((re.compile(pattern + r"/?$"), route))
    return table


ARM_ROUTES = _compile(routes_resources.ROUTES + routes_compute.ROUTES + routes_network.ROUTES)
# Routes outside ARM's resource paths: Entra ID, cloud metadata, and ARM's /batch (which checks its own token).
IDENTITY_ROUTES = _compile(routes_identity.ROUTES + routes_batch.ROUTES)


class Emulator:
    def __init__(self, estate, settings=None, faults=None):
        self.estate = estate
        self.initial_settings = (settings or Settings()).as_dict()
        self.initial_faults = (faults or Faults()).as_dict()
        self.settings = Settings()
        self.settings.update(self.initial_settings)
        self.faults = Faults()
        self.faults.update(self.initial_faults)
        self.tokens = TokenStore()
        self.log = RequestLog(self.settings)
        self.throttler = Throttler(self.settings)
        self.endpoint = "https://127.0.0.1:0"
        self.rng = random.Random(self.faults.seed)
        self.principals = {}
        self.users = {}
        for spec in estate["principals"]:
            self.principals[spec["client_id"]] = Principal(spec["client_id"], spec["client_secret"], spec["scopes"],
                                                           spec["name"])
        for spec in estate["users"]:
            self.users[spec["username"].lower()] = Principal(spec["username"], spec["password"], spec["scopes"],
                                                             spec["username"], kind="User",
                                                             username=spec["username"])
        self.state = None
        self.pending_operations = []        # operations a test asked to start on a matching request
        self.ready = {}
        self.stop_event = None
        self.reset_state()

    def reset_state(self):
        self.state = State(self.estate)
        self.state.faults = self.faults

    def reset(self):
        self.settings.__init__()
        self.settings.update(self.initial_settings)
        self.faults.__init__()
        self.faults.update(self.initial_faults)
        self.rng.seed(self.faults.seed)
        self.throttler.reset()
        self.log.clear()
        self.pending_operations = []
        self.reset_state()

    @property
    def authority(self):
        return f"{self.endpoint}/{self.state.tenant_id}"

    # ---- the one handler ------------------------------------------------------------------------------------
    async def handle(self, request):
        path = request.path
        if path.startswith("/_emulator"):
            return await control.handle(self, request)
        started = time.time()
        entry = self.log.start(request.method, path, request.query, started)
        if self.pending_operations and path.lower().startswith(ARM_PREFIXES):
            entry["started_operations"] = control.start_pending(self, path)
        ctx = None
        try:
            ctx = Ctx(request, request.method, path, list(request.query.items()))
            response = await self._serve(request, ctx, entry)
        except ArmError as err:
            response = err.response()
        except ConnectionResetError:
            entry["status"] = None
            entry["fault"] = "reset"
            self.log.finish(entry, None, ctx.client_id if ctx else None)
            raise
        except web.HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - an emulator bug must still answer like ARM would
            response = ArmError(500, "InternalServerError", f"arm_emulator bug: {type(exc).__name__}: {exc}").response()
            import traceback
            traceback.print_exc()
        response.headers.setdefault("x-ms-request-id", entry["request_id"])
        response.headers.setdefault("x-ms-correlation-request-id", entry["request_id"])
        if ctx is not None and ctx.body is not None:
            entry["body"] = ctx.body        # ARM POST bodies (e.g. instanceIds), so tests can assert on them
        self.log.finish(entry, response.status, ctx.client_id if ctx else None)
        return response

    async def _serve(self, request, ctx, entry):
        settings = self.settings
        delay = settings.latency_ms + (self.rng.random() * settings.jitter_ms if settings.jitter_ms else 0.0)
        faults = self.faults
        path = ctx.path
        lpath = path.lower().rstrip("/") or "/"
        is_arm = lpath.startswith(ARM_PREFIXES)
        if is_arm and faults.slow_ms and self.rng.random() < faults.slow_rate:
            delay += faults.slow_ms
            entry["fault"] = "slow"
        if delay > 0:
            await asyncio.sleep(delay / 1000.0)
        if faults.fail_paths:
            await self._path_fault(request, ctx, entry)
        if is_arm:
            if faults.reset_rate and ctx.method in faults.reset_methods and self.rng.random() < faults.reset_rate:
                self._reset_connection(request)
            if faults.error_rate and ctx.method in faults.error_methods and self.rng.random() < faults.error_rate:
                entry["fault"] = "error"
                headers = {"Retry-After": f"{faults.error_retry_after:g}"} if faults.error_retry_after else None
                code = {500: "InternalServerError", 502: "BadGateway", 503: "ServiceUnavailable",
                        504: "GatewayTimeout"}.get(faults.error_status, "InternalServerError")
                raise ArmError(faults.error_status, code,
                               "The server encountered an internal error. Please retry the request.", headers=headers)
            return await self._arm(request, ctx, lpath)
        for regex, route in IDENTITY_ROUTES.get(ctx.method, ()):
            match = regex.match(lpath)
            if match:
                ctx.params = _params(match, path)
                result = route[2](self, ctx)
                if asyncio.iscoroutine(result):
                    result = await result
                return result
        raise ArmError(404, "NotFound", f"No route for {ctx.method} {path}")

    async def _path_fault(self, request, ctx, entry):
        for rule in self.faults.fail_paths:
            methods = rule.get("methods")
            if methods and ctx.method not in methods:
                continue
            if not re.search(rule["pattern"], ctx.path, re.I):
                continue
            if rule.get("query") and not re.search(rule["query"], request.query_string, re.I):
                continue
            count = rule.get("count")
            if count is not None:
                if count <= 0:
                    continue
                rule["count"] = count - 1
            if rule.get("delay_ms"):
                # A slow answer: the request is still served, as ARM does when the client gave up waiting.
                entry["fault"] = "slow"
                await asyncio.sleep(float(rule["delay_ms"]) / 1000.0)
                return
            if rule.get("reset"):
                self._reset_connection(request)
            entry["fault"] = "path"
            status = int(rule.get("status", 500))
            headers = {"Retry-After": str(rule["retry_after"])} if rule.get("retry_after") else None
            raise ArmError(status, rule.get("code", "InternalServerError"),
                           rule.get("message", "Injected failure."), target=rule.get("target"), headers=headers)

    @staticmethod
    def _reset_connection(request):
        transport = request.transport
        sock = transport.get_extra_info("socket") if transport else None
        if sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        if transport is not None:
            transport.abort()
        raise ConnectionResetError("injected connection reset")

    async def _arm(self, request, ctx, lpath):
        table = ARM_ROUTES.get(ctx.method)
        route = match = None
        for regex, candidate in table or ():
            match = regex.match(lpath)
            if match:
                route = candidate
                break
        if route is None:
            if any(regex.match(lpath) for m, routes in ARM_ROUTES.items() for regex, _rest in routes):
                raise ArmError(405, "MethodNotAllowed", f"The method '{ctx.method}' is not allowed on {ctx.path}.")
            raise ArmError(404, "NotFound", f"No HTTP resource was found that matches the request URI "
                                            f"'{self.endpoint}{ctx.path}'.")
        if "api-version" not in ctx.query:
            raise ArmError(400, "MissingApiVersionParameter",
                           "The api-version query parameter (?api-version=) is required for all requests.")
        _method, _pattern, handler, scope_kind, action, policies, write = route
        ctx.params = _params(match, ctx.path)
        principal = self.tokens.check(request.headers.get("Authorization"), self.authority)
        ctx.principal = principal
        ctx.client_id = principal.log_id
        sub = ctx.params.get("sub")
        if sub is not None:
            self._authorize(principal, scope_kind, sub, ctx, action)
        headers = None
        if policies is not False and sub is not None:
            names = policies(ctx) if callable(policies) else (policies or ())
            headers = self.throttler.charge(sub.lower(), names, write)
        if ctx.method == "POST":
            raw = await request.read()
            if raw:
                try:
                    ctx.body = json.loads(raw)
                except ValueError as exc:
                    raise ArmError(400, "InvalidRequestContent", "The request content was invalid and could not be "
                                                                 f"deserialized: {exc}.") from exc
        response = handler(self, ctx)
        if headers:
            response.headers.update(headers)
        return response

    def _authorize(self, principal, scope_kind, sub, ctx, action):
        if "{action}" in action:
            action = action.replace("{action}", ctx.params.get("action", ""))
        scope = ctx.path
        if scope_kind == "visible":
            ok = principal.sees_subscription(sub)
            scope = f"/subscriptions/{sub}"
        elif scope_kind == "sub":
            ok = principal.has_subscription_scope(sub)
        else:
            ok = principal.may_access(sub, ctx.params.get("rg"))
        if not ok:
            raise authorization_failed(principal, action, scope)


def _params(match, path):
    return {name: path[match.start(name):match.end(name)] for name in match.groupdict() if match.start(name) >= 0}


def build_app(emulator):
    app = web.Application(client_max_size=8 * 1024 * 1024)
    app.router.add_route("*", "/{tail:.*}", emulator.handle)
    return app


def endpoint_for(host, port):
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"https://{shown}:{port}"
