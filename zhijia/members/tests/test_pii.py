"""Personal data: sealed at rest, found by keyed hash, masked on output, keys rotated online."""

import base64
import os

import pytest
from django.core.management import call_command
from django.db import connection

from zhijia.core import crypto
from zhijia.core.identity import mask_id_number, mask_phone
from zhijia.members.models import Worker
from zhijia.members.selectors import worker_find_by_id_number, worker_find_by_phone
from zhijia.members.tests.factories import apply, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(city, make_staff):
    agent = make_staff("agent", city.root, role="hotline_agent")
    return apply(agent, 11)


def _raw(worker_id: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM members_worker WHERE id = %s", [worker_id])
        return cursor.fetchone()


def test_id_and_phone_are_sealed_at_rest_and_found_by_exact_value(applied):
    p = person(11)
    raw_id, raw_phone = _raw(applied.worker_id)
    assert p["id_number"] not in raw_id and p["phone"] not in raw_phone
    assert crypto.open_sealed(raw_id) == p["id_number"]
    assert worker_find_by_id_number(p["id_number"].lower()).pk == applied.worker_id
    assert worker_find_by_phone(p["phone"]).pk == applied.worker_id


def test_masks():
    assert mask_id_number("110105199001011234") == "110105********1234"
    assert mask_phone("13812345678") == "138****5678"


def test_batch_hasher_and_sealer_give_what_the_one_at_a_time_functions_give():
    hash_one, seal_one = crypto.keyed_hasher(), crypto.sealer()
    values = ["110105199001011234", "13812345678", "11010519900101123X", " 11010519900101123x "]
    assert [hash_one(v) for v in values] == [crypto.keyed_hash(v) for v in values] == crypto.keyed_hash_many(values)
    sealed = [seal_one(v) for v in values * 2000]  # past one pool of nonces
    assert [crypto.open_sealed(s) for s in sealed] == values * 2000
    assert {crypto.sealed_key_id(s) for s in sealed} == {crypto.primary_key_id()}
    assert len({base64.b64decode(s.partition("$")[2])[:12] for s in sealed}) == len(sealed)  # no nonce twice


def test_rotate_key_reseals_every_row_and_search_still_works(applied, settings):
    old_kid = crypto.sealed_key_id(_raw(applied.worker_id)[0])
    new = base64.urlsafe_b64encode(os.urandom(32)).decode()
    # The embedded default key (id "dev") is derived from SECRET_KEY: list the new key first and the old one after.
    dev_key = base64.urlsafe_b64encode(crypto._derive(b"pii-encryption")).decode()
    settings.PII_KEYS = f"k2:{new},{old_kid}:{dev_key}"
    call_command("pii_rotate_key", batch=1, stdout=open(os.devnull, "w"))  # noqa: SIM115
    raw_id, raw_phone = _raw(applied.worker_id)
    assert crypto.sealed_key_id(raw_id) == "k2" and crypto.sealed_key_id(raw_phone) == "k2"
    w = Worker.objects.get(pk=applied.worker_id)
    assert w.id_number == person(11)["id_number"]
    assert worker_find_by_id_number(person(11)["id_number"]).pk == w.pk
    # With the old key gone, everything still opens.
    settings.PII_KEYS = f"k2:{new}"
    assert Worker.objects.get(pk=applied.worker_id).phone == person(11)["phone"]


def test_a_sealer_made_before_a_fork_draws_fresh_nonces_in_the_child():
    seal_one = crypto.sealer()
    seal_one("x")  # the pool of nonces is filled in the parent
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: seal once and hand the result back
        os.write(write_end, seal_one("x").encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read_end, 200).decode()
    parent = seal_one("x")
    nonce = lambda sealed: base64.b64decode(sealed.partition("$")[2])[:12]  # noqa: E731
    assert crypto.open_sealed(child) == "x" and nonce(child) != nonce(parent)


def test_keyed_hash_is_16_bytes_and_a_hex_string_from_an_old_writer_is_refused(city, make_staff):
    """The keyed hash is the first 16 bytes of the HMAC. A process still on the old code would send 64 hex characters,
    which the column would take as 64 bytes that no lookup ever finds: the CHECK constraint refuses them."""
    from django.db import IntegrityError, transaction

    value = person(90)["id_number"]
    assert crypto.keyed_hash(value) == crypto.keyed_hasher()(value) and len(crypto.keyed_hash(value)) == 16
    agent = make_staff("agent", city.root, role="hotline_agent")
    worker = apply(agent, 90).worker
    assert worker_find_by_id_number(value) == worker
    old_style = crypto.keyed_hash(value).hex() * 2  # 64 characters, the shape the old code wrote
    for column in ("id_number_hash", "phone_hash"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE members_worker SET {column} = %s WHERE id = %s", [old_style, worker.pk])  # noqa: S608
    worker.refresh_from_db()
    assert bytes(worker.id_number_hash) == crypto.keyed_hash(value)
