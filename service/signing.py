"""The export signature: lowercase hex HMAC-SHA256 of the exact body bytes, keyed by the secret.

The sink recomputes it over the bytes it received, so the body is signed after it is encoded and
sent exactly as signed.
"""

from __future__ import annotations

import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
