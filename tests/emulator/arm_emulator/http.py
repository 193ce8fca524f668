"""Small helpers shared by the route modules: the request context, JSON responses, paging."""

import base64
import bisect
import json
from urllib.parse import quote, urlencode

import orjson
from aiohttp import web

from .errors import ArmError


class Ctx:
    """What a route handler needs from a request (parsed once by the server)."""

    __slots__ = ("request", "method", "path", "query", "query_items", "params", "principal", "body",
                 "client_id")

    def __init__(self, request, method, path, query_items):
        self.request = request
        self.method = method
        self.path = path
        self.query_items = query_items                       # [(key, value)] as sent
        self.query = {k.lower(): v for k, v in query_items}  # case-insensitive lookups
        self.params = {}
        self.principal = None
        self.body = None
        self.client_id = None


def json_response(body, status=200, headers=None):
    # orjson: encoding list pages was 40% of the emulator's CPU, which it takes from the client under test on
    # the same machine (real ARM costs the client none). Same JSON, compact, in key order.
    return web.Response(status=status, body=orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
                        content_type="application/json", headers=headers)


def empty_response(status=200, headers=None):
    return web.Response(status=status, headers=headers)


def _encode_token(source, key):
    return base64.urlsafe_b64encode(json.dumps([source, key]).encode()).decode().rstrip("=")


def _decode_token(token):
    try:
        padded = token + "=" * (-len(token) % 4)
        source, key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return str(source), str(key)
    except Exception as exc:  # noqa: BLE001 - any garbage token is the caller's error
        raise ArmError(400, "InvalidParameter", "The value of parameter $skiptoken is invalid.",
                       target="$skiptoken") from exc


def next_link(emu, ctx, token):
    pairs = [(k, v) for k, v in ctx.query_items if k.lower() != "$skiptoken"]
    pairs.append(("$skiptoken", token))
    return f"{emu.endpoint}{ctx.path}?{urlencode(pairs, quote_via=quote, safe='$/')}"


def paginate(emu, ctx, sources, render, predicate=None):
    """A ``{"value": [...], "nextLink"?}`` page over ``sources``: [(source key, sorted keys, items)], the
    sources themselves sorted by key. Costs O(log n + page) per request (plus skipped non-matching items)."""
    size = emu.settings.page_size
    token = ctx.query.get("$skiptoken")
    start_source, start_key = _decode_token(token) if token else (None, None)
    out = []
    last = None
    for source, keys, items in sources:
        if start_source is not None and source < start_source:
            continue
        index = bisect.bisect_right(keys, start_key) if source == start_source else 0
        while index < len(keys):
            key = keys[index]
            index += 1
            item = items[key]
            if predicate is not None and not predicate(item):
                continue
            if len(out) == size:
                return {"value": out, "nextLink": next_link(emu, ctx, _encode_token(*last))}
            out.append(render(item))
            last = (source, key)
    return {"value": out}
