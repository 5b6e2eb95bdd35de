"""The signed token printed in a station's QR code (not a bare id: a forged or altered one is refused).

"s1.<station id>.<qr version>.<HMAC-SHA256 of those, 128 bits, base64url>", keyed by settings.STATIONS_QR_KEY or,
when that is empty, by a key derived from SECRET_KEY for this one purpose. Bumping a station's `qr_version` voids
every copy printed before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.translation import gettext as _

from zhijia.core.errors import ValidationFailed

PREFIX = "s1"


def _key() -> bytes:
    configured = getattr(settings, "STATIONS_QR_KEY", "")
    material = configured.encode() if configured else settings.SECRET_KEY.encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"zhijia-stations",
                info=b"station-checkin-qr").derive(material)


def _mac(body: str) -> str:
    digest = hmac.new(_key(), body.encode(), hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_for(station_id: int, qr_version: int) -> str:
    body = f"{PREFIX}.{station_id}.{qr_version}"
    return f"{body}.{_mac(body)}"


def token_read(token: str) -> tuple[int, int]:
    """(station id, qr version) from an authentic token; ValidationFailed on anything else."""
    parts = (token or "").strip().split(".")
    invalid = ValidationFailed.field("token", _("二维码无效，请扫描站点张贴的签到码"), code="bad_token")
    if len(parts) != 4 or parts[0] != PREFIX or not parts[1].isdigit() or not parts[2].isdigit():
        raise invalid
    if not hmac.compare_digest(_mac(".".join(parts[:3])), parts[3]):
        raise invalid
    return int(parts[1]), int(parts[2])
