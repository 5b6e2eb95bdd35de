"""电子会员卡: a compact Ed25519-signed token carried in a QR code, verifiable offline with the published public key.

Token: "ZJC1." + base64url(payload JSON) + "." + base64url(signature over the first two parts). The payload holds the
member number (n), the card's generation (g; absent in tokens signed before re-issue existed, which are generation 1),
the masked name (m), the union's name (u), the expiry as a date (e, YYYYMMDD), the issue time (i, unix seconds) and the
key id (k). Nothing else about the person is in it. The card's serial is "<n>-<g>".

Keys: ZHIJIA_CARD_KEYS = "kid:base64(32-byte Ed25519 seed),kid:..." from the environment; the first signs, all verify
(rotation: put a new key first, keep the old ones until the cards they signed expire). With nothing set (the embedded
default) one key is generated once and kept in VAR_DIR/card_keys.json (mode 0600).

Revocation: CardRevocation rows by serial; the list's version is its highest id, so a scanner caches it and asks for
changes. A check answers one of: valid, revoked, expired, tampered (bad signature or unreadable), unknown_key,
not_a_card; the signature is checked first, so a forged token never reads as "revoked" or "expired".
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.utils.translation import gettext as _

from zhijia.core.identity import mask_name

PREFIX = "ZJC1"


def _b64e(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CardKey:
    kid: str
    private: Ed25519PrivateKey

    @property
    def public_bytes(self) -> bytes:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key_file():
    return settings.VAR_DIR / "card_keys.json"


def _load_or_create_file_keys() -> str:
    path = _key_file()
    if path.exists():
        return json.loads(path.read_text())["keys"]
    seed = _b64e(os.urandom(32))
    spec = f"k{dt.date.today():%Y%m}:{seed}"
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"keys": spec}, fh)
    try:
        os.link(tmp, path)  # the first process to create it wins; the others read its key
    except FileExistsError:
        pass
    os.unlink(tmp)
    return json.loads(path.read_text())["keys"]


@lru_cache(maxsize=4)
def _parse(spec: str) -> tuple[CardKey, ...]:
    keys = []
    for part in spec.split(","):
        kid, _sep, b64 = part.strip().partition(":")
        seed = _b64d(b64)
        if not kid or len(seed) != 32:
            raise ValueError("ZHIJIA_CARD_KEYS entries must be 'kid:base64 of a 32-byte seed'")
        keys.append(CardKey(kid=kid, private=Ed25519PrivateKey.from_private_bytes(seed)))
    return tuple(keys)


def card_keys() -> tuple[CardKey, ...]:
    spec = getattr(settings, "CARD_KEYS", "") or _load_or_create_file_keys()
    return _parse(spec)


def public_keys() -> list[dict]:
    keys = card_keys()
    return [{"kid": k.kid, "alg": "Ed25519", "public_key": _b64e(k.public_bytes), "current": i == 0}
            for i, k in enumerate(keys)]


def card_token_sign(*, member_number: str, name: str, union_name: str, expires: dt.date,
                    issued_at: int | None = None, generation: int = 1) -> str:
    """Sign a card. Ed25519 is deterministic: the same card (same fields, same key) always gives the same token."""
    key = card_keys()[0]
    payload = {"n": member_number, "g": int(generation), "m": mask_name(name), "u": union_name,
               "e": int(f"{expires:%Y%m%d}"), "i": int(issued_at if issued_at is not None else time.time()),
               "k": key.kid}
    body = _b64e(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())
    signed = f"{PREFIX}.{body}"
    return f"{signed}.{_b64e(key.private.sign(signed.encode()))}"


class CardStatus:
    """What a check answers (API field `status`)."""

    VALID = "valid"
    REVOKED = "revoked"
    EXPIRED = "expired"
    TAMPERED = "tampered"
    UNKNOWN_KEY = "unknown_key"
    NOT_A_CARD = "not_a_card"


@dataclass(frozen=True)
class CardCheck:
    status: str
    reason: str
    payload: dict

    @property
    def valid(self) -> bool:
        return self.status == CardStatus.VALID

    @property
    def serial(self) -> str | None:
        return token_serial(self.payload) if self.payload.get("n") else None


def token_serial(payload: dict) -> str:
    return f"{payload.get('n')}-{token_generation(payload)}"


def token_generation(payload: dict) -> int:
    try:
        return max(1, int(payload.get("g", 1)))
    except (TypeError, ValueError):
        return 1


def card_token_check(token: str, *, today: dt.date | None = None, revoked: Container[str] | None = None) -> CardCheck:
    """Verify format, key, signature, revocation and expiry, in that order. `revoked` holds revoked serials
    ("<member number>-<generation>"): the scanner's cached list, or a lookup in the database on the server."""
    parts = (token or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return CardCheck(CardStatus.NOT_A_CARD, _("不是职工之家电子会员卡"), {})
    try:
        payload = json.loads(_b64d(parts[1]))
        signature = _b64d(parts[2])
    except (ValueError, UnicodeDecodeError):
        return CardCheck(CardStatus.TAMPERED, _("会员卡内容已损坏或被篡改"), {})
    if not isinstance(payload, dict):
        return CardCheck(CardStatus.TAMPERED, _("会员卡内容已损坏或被篡改"), {})
    key = next((k for k in card_keys() if k.kid == payload.get("k")), None)
    if key is None:
        return CardCheck(CardStatus.UNKNOWN_KEY, _("签发密钥未知或已停用"), {})
    try:
        Ed25519PublicKey.from_public_bytes(key.public_bytes).verify(signature, f"{parts[0]}.{parts[1]}".encode())
    except InvalidSignature:
        # Nothing of an unsigned payload is shown back: it may say anything.
        return CardCheck(CardStatus.TAMPERED, _("签名无效，会员卡被伪造或篡改"), {})
    if revoked is not None and token_serial(payload) in revoked:
        return CardCheck(CardStatus.REVOKED, _("会员卡已注销（已补发新卡或已退会/转出）"), payload)
    today = today or dt.date.today()
    if int(payload.get("e", 0)) < int(f"{today:%Y%m%d}"):
        return CardCheck(CardStatus.EXPIRED, _("会员卡已过期"), payload)
    return CardCheck(CardStatus.VALID, _("有效会员卡"), payload)


def card_qr_svg(token: str) -> str:
    """The QR code of a token as an inline SVG data URI (segno)."""
    import segno

    return segno.make(token, error="m").svg_data_uri(scale=5, border=2)


def card_token_for(card) -> str:
    """The token of an issued MemberCard (deterministic: the QR does not change between page views)."""
    membership = card.membership
    return card_token_sign(member_number=card.member_number, name=membership.worker.name,
                           union_name=membership.union.name, expires=card.expires_on,
                           issued_at=int(card.issued_at.timestamp()), generation=card.generation)


def card_view(card) -> dict:
    """What the worker's card page and `/cards/me` show of an issued card: the token and QR only while it is active."""
    membership = card.membership
    active = card.status == "active"
    token = card_token_for(card) if active else None
    return {"token": token, "qr": card_qr_svg(token) if token else None, "member_number": card.member_number,
            "serial": card.serial, "generation": card.generation, "status": card.status,
            "status_label": card.get_status_display(), "masked_name": mask_name(membership.worker.name),
            "union_name": membership.union.name, "issued_at": card.issued_at, "expires": card.expires_on}
