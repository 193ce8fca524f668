"""Principals, opaque bearer tokens and scope checks (403 AuthorizationFailed outside a principal's scopes)."""

import base64
import json
import secrets
import time

from .errors import ArmError
from .naming import stable_uuid


class Principal:
    def __init__(self, client_id, secret, scopes, name, kind="ServicePrincipal", username=None):
        self.client_id = client_id
        self.secret = secret
        self.name = name
        self.kind = kind
        self.username = username
        self.object_id = stable_uuid("principal", client_id, username or "")
        self.scopes = []                    # [(subscription id, resource group lower or None)]
        for scope in scopes:
            parts = [p for p in scope.split("/") if p]
            self.scopes.append((parts[1].lower(), parts[3].lower() if len(parts) == 4 else None))

    @property
    def log_id(self):
        return self.client_id if self.kind == "ServicePrincipal" else self.username

    def sees_subscription(self, sub_id):
        sub_id = sub_id.lower()
        return any(s == sub_id for s, _rest in self.scopes)

    def has_subscription_scope(self, sub_id):
        sub_id = sub_id.lower()
        return any(s == sub_id and rg is None for s, rg in self.scopes)

    def may_access(self, sub_id, rg=None):
        sub_id = sub_id.lower()
        for s, scope_rg in self.scopes:
            if s != sub_id:
                continue
            if scope_rg is None or (rg is not None and scope_rg == rg.lower()):
                return True
        return False

    def visible_rgs(self, sub_id):
        """None = every resource group of the subscription; else the set of lower-case names."""
        if self.has_subscription_scope(sub_id):
            return None
        return {rg for s, rg in self.scopes if s == sub_id.lower() and rg}


def authorization_failed(principal, action, scope):
    return ArmError(
        403, "AuthorizationFailed",
        f"The client '{principal.log_id}' with object id '{principal.object_id}' does not have authorization to "
        f"perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, "
        "please refresh your credentials.")


class TokenStore:
    def __init__(self):
        self.tokens = {}                    # token -> [principal, issued, expires, revoked]

    def issue(self, principal, lifetime):
        token = secrets.token_urlsafe(48)
        now = time.time()
        self.tokens[token] = [principal, now, now + lifetime, False]
        if len(self.tokens) > 50000:
            self.purge(now)
        return token

    def purge(self, now):
        for token in [t for t, v in self.tokens.items() if v[2] < now - 3600 or v[3]]:
            del self.tokens[token]

    def expire_all(self):
        for entry in self.tokens.values():
            entry[3] = True
        return len(self.tokens)

    def listing(self):
        now = time.time()
        return [{"token": t, "client_id": v[0].log_id, "issued": v[1], "expires": v[2],
                 "expired": v[3] or v[2] <= now} for t, v in self.tokens.items()]

    def check(self, header, authority):
        """The principal for an Authorization header, or raise the 401 ARM gives."""
        if not header:
            raise _unauthorized("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                                authority, "invalid_token",
                                "The authentication failed because of missing 'Authorization' header.")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _unauthorized("AuthenticationFailed",
                                "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                                authority, "invalid_token", "The authentication scheme is not supported.")
        entry = self.tokens.get(token.strip())
        if entry is None:
            raise _unauthorized("InvalidAuthenticationToken", "The access token is invalid.", authority,
                                "invalid_token", "The access token is invalid.")
        principal, _issued, expires, revoked = entry
        now = time.time()
        if revoked or expires <= now:
            stamp = time.strftime("%m/%d/%Y %H:%M:%S", time.gmtime(expires if not revoked else now))
            # The challenge is the one ARM sends when Continuous Access Evaluation revokes a session:
            # azure-core's ARMChallengeAuthenticationPolicy answers it by fetching a fresh token and retrying.
            claims = base64.urlsafe_b64encode(json.dumps(
                {"access_token": {"nbf": {"essential": True, "value": str(int(now))}}}).encode()).decode().rstrip("=")
            raise ArmError(
                401, "ExpiredAuthenticationToken",
                f"The access token expiry UTC time '{stamp}' is earlier than current UTC time "
                f"'{time.strftime('%m/%d/%Y %H:%M:%S', time.gmtime(now))}'.",
                headers={"WWW-Authenticate": (
                    f'Bearer authorization_uri="{authority}", error="insufficient_claims", '
                    f'error_description="The access token has expired or was revoked.", claims="{claims}"')})
        return principal


def _unauthorized(code, message, authority, error, description):
    return ArmError(401, code, message, headers={
        "WWW-Authenticate": f'Bearer authorization_uri="{authority}", error="{error}", '
                            f'error_description="{description}"'})
