"""A resource server that checks Steward's tokens with Authlib, as one built on it would.

Authlib's OAuth 2.0 client sends the RFC 7662 introspection request (a form body; the
gateway authenticates with HTTP Basic, `client_secret_basic`, or with its own Bearer token),
and Authlib's `IntrospectTokenValidator`, behind its `ResourceProtector`, decides whether a
request carrying a token may go on with a required scope. Nothing here knows Steward's
format: it only uses the library.

Input (environment): STEWARD_URL (the server), GATEWAY_TOKEN, and ASK, a JSON object naming
the tokens to ask about. Output: one JSON object, per token and per way of authenticating,
with the introspection answer and what the resource protector decided for each scope. The
Rust test (rfc7662.rs) holds the expectations.
"""

import json
import os

from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2 import OAuth2Error, ResourceProtector
from authlib.oauth2.rfc6749.requests import JsonRequest
from authlib.oauth2.rfc7662 import IntrospectTokenValidator

url = os.environ["STEWARD_URL"].rstrip("/") + "/api/v1/tokens/introspect"
gateway = os.environ["GATEWAY_TOKEN"]
ask = json.loads(os.environ["ASK"])

basic = OAuth2Session(
    client_id="api-gateway",
    client_secret=gateway,
    token_endpoint_auth_method="client_secret_basic",
)
bearer = OAuth2Session(token={"access_token": gateway, "token_type": "Bearer"})


def introspect(session, token, auth=None):
    """Authlib's introspection request; the HTTP status and the decoded answer."""
    res = session.introspect_token(
        url, token=token, token_type_hint="access_token", auth=auth
    )
    try:
        body = res.json()
    except ValueError:
        body = res.text
    return {
        "status": res.status_code,
        "www_authenticate": res.headers.get("WWW-Authenticate"),
        "body": body,
    }


class StewardValidator(IntrospectTokenValidator):
    """The one method Authlib leaves to the resource server: how to reach the endpoint."""

    def introspect_token(self, token_string):
        res = basic.introspect_token(url, token=token_string, token_type_hint="access_token")
        res.raise_for_status()
        return res.json()


protector = ResourceProtector()
protector.register_token_validator(StewardValidator())


def protected(token, scope):
    """What Authlib's resource protector decides for a request with this token."""
    request = JsonRequest("GET", "https://app.example/", {"Authorization": f"Bearer {token}"})
    try:
        protector.validate_request([scope], request)
        return "allowed"
    except OAuth2Error as e:
        return e.error


out = {}
for name, token in ask.items():
    out[name] = {
        "basic": introspect(basic, token),
        "bearer": introspect(bearer, token, auth=bearer.token_auth),
        "protector": {scope: protected(token, scope) for scope in ("read", "write")},
    }
# The gateway's own credentials, wrong: the answer must be a 401 naming the scheme used.
wrong = OAuth2Session(
    client_id="api-gateway",
    client_secret="stw_" + "A" * 38,
    token_endpoint_auth_method="client_secret_basic",
)
out["wrong_gateway"] = introspect(wrong, next(iter(ask.values())))
print(json.dumps(out))
