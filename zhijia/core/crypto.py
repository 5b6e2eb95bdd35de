"""Encryption of personal data at rest, and the keyed hash that finds it by exact value.

- Values are sealed with AES-256-GCM under the first key of ZHIJIA_PII_KEYS ("kid:base64key,kid:base64key");
  every listed key can open, so a key is rotated by putting the new one first and re-sealing rows in the
  background (`manage.py pii_rotate_key`) while the service keeps running.
- The keyed hash (HMAC-SHA256 under ZHIJIA_PII_INDEX_KEY, its first 16 bytes) is stable across encryption-key
  rotations, so exact-value search never stops working.
- With nothing configured (the embedded default) both keys are derived from SECRET_KEY; production sets its own.
- For bulk work (roster imports) `sealer()` and `keyed_hasher()` return callables that give exactly what `seal()` and
  `keyed_hash()` give, with the key looked up once instead of once per value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
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


# The keyed hash is HMAC-SHA256 cut to its first 16 bytes (128 bits) and stored as bytes: the chance that two of a
# hundred million ID numbers share one is about 1e-23, and the indexes over it are less than half the size of
# indexes over 64 hex characters (each import writes them once per row; each lookup reads them).
KEYED_HASH_BYTES = 16


def keyed_hash(value: str) -> bytes:
    """The keyed hash of a normalised value (16 bytes): finds a row by exact ID number or phone without decrypting."""
    key = _index_key(os.environ.get("ZHIJIA_PII_INDEX_KEY", ""))
    return hmac.new(key, value.strip().upper().encode(), hashlib.sha256).digest()[:KEYED_HASH_BYTES]


def keyed_hasher() -> Callable[[str], bytes]:
    """keyed_hash() for a loop over many values: same normalisation, same result. HMAC-SHA256 is
    SHA256(key^opad | SHA256(key^ipad | value)); the two keyed SHA-256 states are computed once and copied per value
    (RFC 2104), which costs about a third of a one-shot HMAC that sets the key up again every time."""
    key = _index_key(os.environ.get("ZHIJIA_PII_INDEX_KEY", ""))
    if len(key) > 64:  # longer than SHA-256's block: HMAC uses the key's digest
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hash_one(value: str) -> bytes:
        i = inner.copy()
        i.update(value.strip().upper().encode())
        o = outer.copy()
        o.update(i.digest())
        return o.digest()[:KEYED_HASH_BYTES]

    return hash_one


def keyed_hash_many(values: list[str]) -> list[bytes]:
    hash_one = keyed_hasher()
    return [hash_one(v) for v in values]


_NONCE_POOL = 12 * 4096
_forks = [0]  # bumped in a forked child: a sealer made before the fork draws fresh nonces there
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


def sealer() -> Callable[[str], str]:
    """seal() for a loop over many values: the primary key's AES-GCM object is taken once, and the 96-bit random
    nonces are sliced from one os.urandom read of 4,096 nonces at a time (the same CSPRNG as seal(), fewer system
    calls). The pool is refilled in a forked child, so two processes never share nonces. Output opens with
    open_sealed() like any other sealed value."""
    kid, aead = pii_keys()[0]
    encrypt, aad, prefix, b64 = aead.encrypt, kid.encode(), f"{kid}$", base64.b64encode
    state = {"fork": -1, "pool": b"", "at": _NONCE_POOL}

    def seal_one(plain: str) -> str:
        at = state["at"]
        if at >= _NONCE_POOL or state["fork"] != _forks[0]:
            state["fork"], state["pool"], at = _forks[0], os.urandom(_NONCE_POOL), 0
        nonce = state["pool"][at:at + 12]
        state["at"] = at + 12
        return prefix + b64(nonce + encrypt(nonce, plain.encode(), aad)).decode()

    return seal_one
