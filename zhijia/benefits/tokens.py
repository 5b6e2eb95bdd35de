"""Redemption codes: a signed token, not a database id.

16 bytes = nonce (3 bytes, stored on the claim) | claim id (5 bytes) | HMAC-SHA256 truncated to 8 bytes, written in
base32 as 26 characters (grouped by four for typing). A forged or altered code fails the MAC before any query; a
code for a cancelled-and-reissued claim fails the nonce. The key is ZHIJIA_BENEFIT_CODE_KEY, else derived from
SECRET_KEY.
"""

from __future__ import annotations

import base64
import os
from functools import lru_cache

from cryptography.hazmat.primitives import constant_time, hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MAC_BYTES = 8


@lru_cache(maxsize=4)
def _key(secret: str, explicit: str) -> bytes:
    if explicit:
        return base64.urlsafe_b64decode(explicit + "=" * (-len(explicit) % 4))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhijia-benefits", info=b"redemption-code").derive(
        secret.encode())


def _mac(body: bytes) -> bytes:
    h = crypto_hmac.HMAC(_key(settings.SECRET_KEY, os.environ.get("ZHIJIA_BENEFIT_CODE_KEY", "")), hashes.SHA256())
    h.update(b"zhijia-benefit-v1|" + body)
    return h.finalize()


def code_issue(*, claim_id: int, nonce: str) -> str:
    body = bytes.fromhex(nonce) + claim_id.to_bytes(5, "big")
    raw = base64.b32encode(body + _mac(body)[:MAC_BYTES]).decode().rstrip("=")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def code_read(code: str) -> tuple[int, str] | None:
    """(claim id, nonce) of a genuine code, None for anything forged, altered or malformed."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch.isalnum())
    if len(cleaned) != 26:
        return None
    try:
        raw = base64.b32decode(cleaned + "=" * 6)
    except ValueError:
        return None
    if base64.b32encode(raw).decode().rstrip("=") != cleaned:  # non-canonical (stray padding bits)
        return None
    body, mac = raw[:8], raw[8:]
    # Constant-time comparison of the truncated MAC.
    if not constant_time.bytes_eq(_mac(body)[:MAC_BYTES], mac):
        return None
    return int.from_bytes(body[3:], "big"), body[:3].hex()
