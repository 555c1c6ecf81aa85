"""Shared access signatures: the service API's Authorization header (dps-protocol.md 5.6)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse
from typing import Dict, Optional

POLICY_NAME = "provisioningserviceowner"


def sign(key_b64: str, resource: str, expiry: int, policy: Optional[str] = POLICY_NAME) -> str:
    """A SharedAccessSignature token for resource (URL-encoded into sr) valid until expiry."""
    sr = urllib.parse.quote(resource, safe="")
    digest = hmac.new(base64.b64decode(key_b64), f"{sr}\n{expiry}".encode(), hashlib.sha256).digest()
    sig = urllib.parse.quote(base64.b64encode(digest).decode(), safe="")
    token = f"SharedAccessSignature sr={sr}&sig={sig}&se={expiry}"
    return token + (f"&skn={policy}" if policy else "")


def _fields(token: str) -> Dict[str, str]:
    prefix = "SharedAccessSignature "
    if not token.startswith(prefix):
        raise ValueError("not a SharedAccessSignature")
    fields = {}
    for part in token[len(prefix):].split("&"):
        name, sep, value = part.partition("=")
        if not sep or name in fields:
            raise ValueError("malformed SharedAccessSignature")
        fields[name] = value  # raw: the HMAC covers sr exactly as sent
    return fields


def verify(token: str, key_b64: str, resource: str, policy: str = POLICY_NAME,
           now: Optional[float] = None) -> Optional[str]:
    """None when the token is valid for resource, else the reason (never echoing the signature)."""
    try:
        f = _fields(token)
        sr, sig, se = f["sr"], urllib.parse.unquote(f["sig"]), int(f["se"])
    except (KeyError, ValueError):
        return "malformed token"
    if f.get("skn", policy) != policy:
        return "unknown key name"
    if se < (time.time() if now is None else now):
        return "token expired"
    if urllib.parse.unquote(sr).lower() != resource.lower():
        return "token is for another resource"
    expected = hmac.new(base64.b64decode(key_b64), f"{sr}\n{se}".encode(), hashlib.sha256).digest()
    try:
        given = base64.b64decode(sig, validate=True)
    except ValueError:
        return "bad signature"
    return None if hmac.compare_digest(expected, given) else "bad signature"
