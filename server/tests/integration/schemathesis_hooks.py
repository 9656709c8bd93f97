"""Schemathesis hooks for server/tests/integration/conformance.rs (SCHEMATHESIS_HOOKS).

Schemathesis learns ids from answers (`auth/whoami` names the calling account and token) and
sends them on to other operations. With them it would revoke, refresh, disable or demote the
very token it authenticates with, and every later request would be a 401 that tests nothing.
So before each request, the ids in STEWARD_FUZZ_PROTECTED (the fuzzing account's and token's)
are replaced by an id of the same shape that does not exist: the request is still sent, and
answers 404 as for any unknown id. Nothing else is changed.
"""

import os

import schemathesis

PROTECTED = {i for i in os.environ.get("STEWARD_FUZZ_PROTECTED", "").split(",") if i}


def _unknown(value: str) -> str:
    prefix, _, rest = value.partition("_")
    return f"{prefix}_{'0' * len(rest)}"


def _replace(value):
    if isinstance(value, str):
        return _unknown(value) if value in PROTECTED else value
    if isinstance(value, list):
        return [_replace(v) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v) for k, v in value.items()}
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, (dict, list)):
        replaced = _replace(case.body)
        if replaced != case.body:
            case.body = replaced
