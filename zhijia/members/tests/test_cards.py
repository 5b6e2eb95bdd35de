"""E-member card: sign, verify offline with the published key, revoke, rotate."""

import base64
import datetime as dt
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from zhijia.members import cards


@pytest.fixture
def keys(settings):
    a = base64.urlsafe_b64encode(os.urandom(32)).decode()
    b = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings.CARD_KEYS = f"k1:{a}"
    return settings, a, b


def _sign(**kw):
    data = {"member_number": "1101110000000042", "name": "张三丰", "union_name": "房山区快递行业工会联合会",
            "expires": dt.date.today() + dt.timedelta(days=30)} | kw
    return cards.card_token_sign(**data)


def test_token_is_compact_masked_and_verifies_offline_with_the_public_key(keys):
    token = _sign()
    assert len(token) < 300 and "张三丰" not in token
    check = cards.card_token_check(token)
    assert check.valid and check.payload["m"] == "张*丰" and check.payload["k"] == "k1"
    # Offline: only the published public key and the token format are needed.
    pub = base64.urlsafe_b64decode(cards.public_keys()[0]["public_key"] + "==")
    prefix, body, sig = token.split(".")
    Ed25519PublicKey.from_public_bytes(pub).verify(base64.urlsafe_b64decode(sig + "=="), f"{prefix}.{body}".encode())


def test_tampered_expired_revoked_and_garbage_are_refused(keys):
    token = _sign()
    prefix, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["n"] = "1101110000000043"
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    assert cards.card_token_check(f"{prefix}.{forged}.{sig}").status == "tampered"
    assert cards.card_token_check(_sign(expires=dt.date.today() - dt.timedelta(days=1))).status == "expired"
    assert cards.card_token_check(token, revoked={"1101110000000042-1"}).status == "revoked"
    # Another generation of the same member number on the list does not revoke this one.
    assert cards.card_token_check(token, revoked={"1101110000000042-2"}).status == "valid"
    assert cards.card_token_check(_sign(generation=2), revoked={"1101110000000042-1"}).valid
    assert cards.card_token_check("hello").status == "not_a_card"
    assert cards.card_token_check("ZJC1.!!!.???").status == "tampered"


def test_rotation_keeps_old_cards_valid_until_the_old_key_is_dropped(keys):
    settings, a, b = keys
    old_token = _sign()
    settings.CARD_KEYS = f"k2:{b},k1:{a}"
    new_token = _sign()
    assert cards.card_token_check(new_token).payload["k"] == "k2"
    assert cards.card_token_check(old_token).valid
    assert [k["kid"] for k in cards.public_keys()] == ["k2", "k1"] and cards.public_keys()[0]["current"]
    settings.CARD_KEYS = f"k2:{b}"
    assert cards.card_token_check(old_token).reason == "签发密钥未知或已停用"


def test_embedded_default_generates_and_keeps_a_key_file(settings, tmp_path):
    settings.CARD_KEYS = ""
    settings.VAR_DIR = tmp_path
    first = cards.public_keys()
    assert (tmp_path / "card_keys.json").exists() and oct((tmp_path / "card_keys.json").stat().st_mode)[-3:] == "600"
    assert cards.public_keys() == first


def test_qr_is_an_svg():
    assert cards.card_qr_svg("ZJC1.x.y").startswith("data:image/svg+xml")
