"""Schemathesis hooks for the TaskNote fuzz lane (loaded through SCHEMATHESIS_HOOKS).

One custom check beside schemathesis' own `object_level_authorization`: every user was seeded with
objects carrying a marker unique to that user (run.ts writes them to TASKNOTE_FUZZ_MARKERS). A
response to one user must never contain another user's markers, whatever the request was.
"""
import json
import os

import schemathesis

_markers = json.loads(os.environ.get("TASKNOTE_FUZZ_MARKERS", "{}"))
# token -> user name, from the Authorization header a request carried.
_tokens = {entry["token"]: name for name, entry in _markers.items()}


@schemathesis.check
def no_other_users_data(ctx, response, case):
    """A response to one user carries nothing seeded for another user."""
    header = response.request.headers.get("Authorization", "")
    user = _tokens.get(header.removeprefix("Bearer ").strip())
    if user is None:
        return None
    body = response.content or b""
    # The fuzzer reuses values it saw in earlier responses as inputs: what the request itself sent
    # (say, another user's id in the path, or their title copied into a new task) is not a leak.
    # Once a user has sent a marker (stored it in a task of their own), it is theirs from then on too.
    sent = (response.request.url or "").encode() + _as_bytes(response.request.body)
    adopted = _adopted.setdefault(user, set())
    for other, entry in _markers.items():
        if other == user:
            continue
        for marker in entry["markers"]:
            m = marker.encode()
            if m in sent:
                adopted.add(marker)
            elif m in body and marker not in adopted:
                raise AssertionError(f"a response to {user} contains {other}'s data ({marker}), which {user} never sent")
    return None


_adopted = {}


def _as_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    return bytes(body)
