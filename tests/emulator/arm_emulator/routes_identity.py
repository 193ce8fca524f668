"""Entra ID (token service) and the cloud metadata endpoint. No bearer token needed here."""

import base64
import json
import time
import uuid
from urllib.parse import parse_qsl

from aiohttp import web

from .http import json_response

PUBLIC_TENANTS = ("common", "organizations", "consumers")


def _aad_error(status, error, code, description):
    now = time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime())
    trace, corr = str(uuid.uuid4()), str(uuid.uuid4())
    return json_response({
        "error": error,
        "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {corr}\r\n"
                             f"Timestamp: {now}",
        "error_codes": [code],
        "timestamp": now,
        "trace_id": trace,
        "correlation_id": corr,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }, status=status)


def openid_configuration(emu, ctx):
    tenant = ctx.params["tenant"]
    base = f"{emu.endpoint}/{tenant}"
    return json_response({
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{emu.endpoint}/{emu.state.tenant_id if tenant in PUBLIC_TENANTS else tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{emu.endpoint}/oidc/userinfo",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"],
        "kerberos_endpoint": f"{base}/kerberos",
        "tenant_region_scope": "NA",
        "cloud_instance_name": "emulator",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    })


def user_realm(emu, ctx):
    user = ctx.params["user"]
    domain = user.split("@")[-1]
    return json_response({"ver": "1.0", "account_type": "Managed", "domain_name": domain,
                          "cloud_instance_name": "emulator", "cloud_audience_urn": "urn:federation:MicrosoftOnline"})


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


async def token(emu, ctx):
    tenant = ctx.params["tenant"]
    raw = await ctx.request.read()
    form = dict(parse_qsl(raw.decode(), keep_blank_values=True))
    ctx.client_id = form.get("client_id") or form.get("username")
    if tenant.lower() not in PUBLIC_TENANTS and tenant.lower() != emu.state.tenant_id.lower():
        return _aad_error(400, "invalid_request", 90002,
                          f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are "
                          "signing into the correct cloud.")
    grant = form.get("grant_type")
    if grant == "client_credentials":
        principal = emu.principals.get(form.get("client_id", ""))
        if principal is None:
            return _aad_error(400, "unauthorized_client", 700016,
                              f"Application with identifier '{form.get('client_id')}' was not found in the directory "
                              f"'{emu.state.tenant_id}'.")
        if form.get("client_secret") != principal.secret:
            return _aad_error(401, "invalid_client", 7000215,
                              "Invalid client secret provided. Ensure the secret being sent in the request is the "
                              "client secret value, not the client secret ID, for a secret added to app "
                              f"'{principal.client_id}'.")
    elif grant == "password":
        principal = emu.users.get((form.get("username") or "").lower())
        if principal is None or form.get("password") != principal.secret:
            return _aad_error(400, "invalid_grant", 50126,
                              "Error validating credentials due to invalid username or password.")
    else:
        return _aad_error(400, "unsupported_grant_type", 70003,
                          f"The app requested an unsupported grant type '{grant}'.")
    lifetime = int(emu.settings.token_lifetime)
    access_token = emu.tokens.issue(principal, lifetime)
    body = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime,
            "access_token": access_token}
    if grant == "password":
        now = int(time.time())
        claims = {"aud": form.get("client_id"), "iss": f"{emu.endpoint}/{emu.state.tenant_id}/v2.0",
                  "iat": now, "nbf": now, "exp": now + lifetime, "oid": principal.object_id,
                  "preferred_username": principal.username, "sub": principal.object_id,
                  "tid": emu.state.tenant_id, "ver": "2.0", "name": principal.username}
        body["id_token"] = f"{_b64({'typ': 'JWT', 'alg': 'none'})}.{_b64(claims)}."
        body["client_info"] = _b64({"uid": principal.object_id, "utid": emu.state.tenant_id})
        body["scope"] = form.get("scope", "")
        body["refresh_token"] = "emulator-refresh-" + access_token[:16]
    return json_response(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def cloud_metadata(emu, ctx):
    endpoint = emu.endpoint
    return json_response([{
        "name": "ArmEmulator",
        "portal": endpoint + "/",
        "resourceManager": endpoint + "/",
        "authentication": {
            "loginEndpoint": endpoint + "/",
            "audiences": ["https://management.core.windows.net/", "https://management.azure.com/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "media": endpoint + "/",
        "graphAudience": "https://graph.windows.net/",
        "graph": "https://graph.windows.net/",
        "batch": "https://batch.core.windows.net/",
        "gallery": endpoint + "/",
        "sqlManagement": "https://management.core.windows.net:8443/",
        "microsoftGraphResourceId": "https://graph.microsoft.com/",
        "appInsightsResourceId": "https://api.applicationinsights.io",
        "appInsightsTelemetryChannelResourceId": "https://dc.applicationinsights.azure.com/v2/track",
        "attestationResourceId": "https://attest.azure.net",
        "synapseAnalyticsResourceId": "https://dev.azuresynapse.net",
        "logAnalyticsResourceId": "https://api.loganalytics.io",
        "ossrDbmsResourceId": "https://ossrdbms-aad.database.windows.net",
        "suffixes": {
            "keyVaultDns": "vault.azure.net",
            "storage": "core.windows.net",
            "sqlServerHostname": "database.windows.net",
            "acrLoginServer": "azurecr.io",
            "attestationEndpoint": "attest.azure.net",
            "synapseAnalytics": "dev.azuresynapse.net",
            "mariadbServerEndpoint": "mariadb.database.azure.com",
            "mysqlServerEndpoint": "mysql.database.azure.com",
            "postgresqlServerEndpoint": "postgres.database.azure.com",
        },
        "batchResourceId": "https://batch.core.windows.net/",
        "activeDirectoryDataLake": "https://datalake.azure.net/",
    }])


def not_found_page(emu, ctx):
    return web.Response(status=404, text="Not found")


# (method, path regex on the lower-cased path, handler)
ROUTES = [
    ("GET", r"/(?P<tenant>[^/]+)/v2\.0/\.well-known/openid-configuration", openid_configuration),
    ("GET", r"/(?P<tenant>[^/]+)/\.well-known/openid-configuration", openid_configuration),
    ("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token", token),
    ("POST", r"/(?P<tenant>[^/]+)/oauth2/token", token),
    ("GET", r"/common/userrealm/(?P<user>[^/]+)", user_realm),
    ("GET", r"/metadata/endpoints", cloud_metadata),
]
