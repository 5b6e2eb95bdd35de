"""Encryption of personal data at rest, and the keyed hash that finds it by exact value.

- Values are sealed with AES-256-GCM under the first key of ZHIJIA_PII_KEYS ("kid:base64key,kid:base64key");
  every listed key can open, so a key is rotated by putting the new one first and re-sealing rows in the
  background (`manage.py pii_rotate_key`) while the service keeps running.
- The keyed hash (HMAC-SHA256 under ZHIJIA_PII_INDEX_KEY) is stable across encryption-key rotations, so exact-value
  search never stops working.
- With nothing configured (the embedded default) both keys are derived from SECRET_KEY; production sets its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _derive(info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhijia-pii", info=info).derive(
        settings.SECRET_KEY.encode()
    )


@lru_cache(maxsize=4)
def _keys(spec: str) -> list[tuple[str, AESGCM]]:
    if not spec:
        return [("dev", AESGCM(_derive(b"pii-encryption")))]
    out = []
    for part in spec.split(","):
        kid, _, b64 = part.strip().partition(":")
        key = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
        if len(key) != 32 or not kid:
            raise ValueError("ZHIJIA_PII_KEYS entries must be 'kid:base64 of 32 bytes'")
        out.append((kid, AESGCM(key)))
    return out


def pii_keys() -> list[tuple[str, AESGCM]]:
    return _keys(getattr(settings, "PII_KEYS", "") or "")


def primary_key_id() -> str:
    return pii_keys()[0][0]


def seal(plain: str) -> str:
    """Encrypt `plain`; the result names its key: 'kid$base64(nonce|ciphertext)'."""
    kid, aead = pii_keys()[0]
    nonce = os.urandom(12)
    ct = aead.encrypt(nonce, plain.encode(), kid.encode())
    return f"{kid}${base64.b64encode(nonce + ct).decode()}"


def open_sealed(sealed: str) -> str:
    kid, _, b64 = sealed.partition("$")
    for key_id, aead in pii_keys():
        if key_id == kid:
            raw = base64.b64decode(b64)
            return aead.decrypt(raw[:12], raw[12:], kid.encode()).decode()
    raise ValueError(f"no key '{kid}' to open this value; add it to ZHIJIA_PII_KEYS")


def sealed_key_id(sealed: str) -> str:
    return sealed.partition("$")[0]


@lru_cache(maxsize=2)
def _index_key(spec: str) -> bytes:
    if spec:
        return base64.urlsafe_b64decode(spec + "=" * (-len(spec) % 4))
    return _derive(b"pii-blind-index")


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of a normalised value: finds a row by exact ID number or phone without decrypting."""
    key = _index_key(os.environ.get("ZHIJIA_PII_INDEX_KEY", ""))
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).hexdigest()
