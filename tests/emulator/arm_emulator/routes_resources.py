"""Microsoft.Resources: subscriptions and resource groups, filtered to what the principal can see."""

from . import render
from .errors import not_found_rg, not_found_subscription
from .http import json_response, paginate

SUB = r"/subscriptions/(?P<sub>[^/]+)"


def list_subscriptions(emu, ctx):
    principal = ctx.principal
    subs = {s.id: s for s in emu.state.subscriptions.values() if principal.sees_subscription(s.id)}
    return json_response(paginate(emu, ctx, [("", sorted(subs), subs)],
                                  lambda s: render.subscription(s, emu.state.tenant_id)))


def get_subscription(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    return json_response(render.subscription(sub, emu.state.tenant_id))


def list_resource_groups(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    visible = ctx.principal.visible_rgs(sub.id)
    rgs = {k: v for k, v in sub.rgs.items() if visible is None or k in visible}
    return json_response(paginate(emu, ctx, [("", sorted(rgs), rgs)], render.resource_group))


def get_resource_group(emu, ctx):
    sub = emu.state.subscription(ctx.params["sub"])
    if sub is None:
        raise not_found_subscription(ctx.params["sub"])
    rg = sub.rgs.get(ctx.params["rg"].lower())
    if rg is None:
        raise not_found_rg(ctx.params["rg"])
    return json_response(render.resource_group(rg))


def list_tenants(emu, ctx):
    tenant = emu.state.tenant_id
    return json_response({"value": [{"id": f"/tenants/{tenant}", "tenantId": tenant, "tenantCategory": "Home",
                                     "displayName": "ARM emulator", "defaultDomain": "emulator.example"}]})


ROUTES = [
    ("GET", r"/subscriptions", list_subscriptions, "none", "Microsoft.Resources/subscriptions/read", None, False),
    ("GET", r"/tenants", list_tenants, "none", "Microsoft.Resources/tenants/read", None, False),
    ("GET", SUB, get_subscription, "visible", "Microsoft.Resources/subscriptions/read", None, False),
    ("GET", SUB + r"/resourcegroups", list_resource_groups, "visible",
     "Microsoft.Resources/subscriptions/resourceGroups/read", None, False),
    ("GET", SUB + r"/resourcegroups/(?P<rg>[^/]+)", get_resource_group, "rg",
     "Microsoft.Resources/subscriptions/resourceGroups/read", None, False),
]
