"""ARM's batch endpoint, ``POST /batch?api-version=...`` (undocumented, used by the Azure portal and by the
azure.azcollection inventory plugin).

Body ``{"requests": [{"httpMethod", "url", "name"?, "content"?}]}`` (at most 500); answer 200
``{"responses": [{"name", "httpStatusCode", "headers", "content", "contentLength"}]}`` in request order.
Each inner request goes through the server's own handler with the caller's token, so it gets the same
latency, faults, authorization, throttling and request-log entry as if it had been sent alone; entries of
one batch carry the same ``"batch"`` id. Inner requests run concurrently, as ARM fans a batch out to the
resource providers; the batch itself is one more round trip (with its own latency) and is logged as
``POST /batch``."""

import asyncio
import json
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit

from aiohttp import web
from multidict import CIMultiDict, MultiDict

from .errors import ArmError
from .http import json_response

MAX_REQUESTS = 500


class InnerRequest:
    """The slice of an aiohttp request that the server's handler reads, for one request of a batch."""

    def __init__(self, outer, method, url, content):
        parts = urlsplit(url)
        self.method = method.upper()
        self.path = unquote(parts.path) or "/"
        self.query = MultiDict(parse_qsl(parts.query, keep_blank_values=True))
        self.headers = CIMultiDict()
        authorization = outer.headers.get("Authorization")
        if authorization:
            self.headers["Authorization"] = authorization
        # An injected connection reset of an inner request drops the caller's connection, as a network
        # failure during the batch would.
        self.transport = outer.transport
        self._body = b"" if content is None else json.dumps(content).encode()

    async def read(self):
        return self._body


def _inner_specs(body):
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not all(isinstance(r, dict) and r.get("url") for r in requests):
        raise ArmError(400, "InvalidRequestContent",
                       "The batch request must be {\"requests\": [{\"httpMethod\", \"url\", \"name\"}...]}.")
    if len(requests) > MAX_REQUESTS:
        raise ArmError(400, "InvalidRequestContent",
                       f"The batch contains {len(requests)} requests; at most {MAX_REQUESTS} are allowed.")
    return requests


def _refused(spec):
    """Inner requests that may not go through a batch: the control API and nested batches."""
    path = urlsplit(spec["url"]).path.lower().rstrip("/")
    if path.startswith("/_emulator") or path == "/batch":
        return ArmError(400, "InvalidRequestContent", f"'{spec['url']}' cannot be sent inside a batch.").response()
    return None


async def _dispatch(emu, outer, spec):
    refused = _refused(spec)
    if refused is not None:
        return refused
    inner = InnerRequest(outer, spec.get("httpMethod") or "GET", spec["url"], spec.get("content"))
    try:
        return await emu.handle(inner)
    except web.HTTPException as exc:
        return web.Response(status=exc.status, text=exc.text or "")


def _as_item(spec, response):
    body = response.body or b""
    try:
        content = json.loads(body) if body else None
    except ValueError:
        content = body.decode("utf-8", "replace")
    headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
    return {"name": spec.get("name") or str(uuid.uuid4()), "httpStatusCode": response.status, "headers": headers,
            "content": content, "contentLength": len(body)}


def _tag_entries(emu, after_seq, request_ids, batch_id):
    """Mark the log entries of this batch's inner requests (the server logged them as they ran)."""
    for entry in reversed(emu.log.entries):
        if entry["seq"] <= after_seq:
            break
        if entry["request_id"] in request_ids:
            entry["batch"] = batch_id


async def batch(emu, ctx):
    if "api-version" not in ctx.query:
        raise ArmError(400, "MissingApiVersionParameter",
                       "The api-version query parameter (?api-version=) is required for all requests.")
    principal = emu.tokens.check(ctx.request.headers.get("Authorization"), emu.authority)
    ctx.client_id = principal.log_id
    try:
        body = json.loads(await ctx.request.read() or b"null")
    except ValueError as exc:
        raise ArmError(400, "InvalidRequestContent",
                       f"The request content was invalid and could not be deserialized: {exc}.") from exc
    specs = _inner_specs(body)
    after_seq = emu.log.entries[-1]["seq"] if emu.log.entries else 0
    responses = await asyncio.gather(*(_dispatch(emu, ctx.request, spec) for spec in specs))
    _tag_entries(emu, after_seq, {r.headers.get("x-ms-request-id") for r in responses}, str(uuid.uuid4()))
    return json_response({"responses": [_as_item(spec, resp) for spec, resp in zip(specs, responses)]})


ROUTES = [
    ("POST", r"/batch", batch),
]
