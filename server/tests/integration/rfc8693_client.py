"""A CI job exchanging its identity token with Authlib, an OAuth 2.0 client Steward did not
write: `OAuth2Session.fetch_token` posts RFC 8693's grant (form-encoded, as RFC 6749 says) and
parses the answer as any OAuth token response; then the token is used as a Bearer token. A
second exchange of the same identity token must fail with Authlib's `OAuthError`
(`invalid_grant`).

Input (environment): STEWARD_URL, SUBJECT_TOKEN (the job's JWT), SERVICE_ACCOUNT (its id).
Output: one JSON object; the Rust test (token_exchange.rs) holds the expectations.
"""

import json
import os

from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session

base = os.environ["STEWARD_URL"].rstrip("/")
url = base + "/oauth/token"
params = dict(
    grant_type="urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token=os.environ["SUBJECT_TOKEN"],
    subject_token_type="urn:ietf:params:oauth:token-type:jwt",
    audience=os.environ["SERVICE_ACCOUNT"],
)

# A public client: the identity token is the only credential.
session = OAuth2Session(token_endpoint_auth_method="none")
token = session.fetch_token(url, **params)
whoami = OAuth2Session(token=token).post(base + "/api/v1/auth/whoami", json={})
out = {
    "first": {
        "token_type": token.get("token_type"),
        "issued_token_type": token.get("issued_token_type"),
        "expires_in": token.get("expires_in"),
        "whoami_status": whoami.status_code,
    }
}
try:
    OAuth2Session(token_endpoint_auth_method="none").fetch_token(url, **params)
    out["replay"] = {"error": None}
except OAuthError as e:
    out["replay"] = {"error": e.error}
print(json.dumps(out))
