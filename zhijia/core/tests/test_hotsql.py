"""core.hotsql: hand-written reads and the hot insert give what the ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from zhijia.core import hotsql
from zhijia.core.crypto import keyed_hash
from zhijia.members.models import Worker


def _worker(**kw) -> Worker:
    args = {"name": "王小快", "id_number": "110111199001011234", "id_number_hash": keyed_hash("110111199001011234"),
            "phone": "13800138000", "phone_hash": keyed_hash("13800138000"), "gender": "M",
            "birth_date": dt.date(1990, 1, 1), "occupation": "courier"}
    args.update(kw)
    return Worker(**args)


def test_insert_writes_what_create_would_and_sets_the_key(db):
    """Encrypted columns are sealed (get_db_prep_save), auto_now_add is filled (pre_save), the key comes back."""
    worker = hotsql.insert(_worker())
    assert worker.pk and worker.created_at and not worker._state.adding
    again = Worker.objects.get(pk=worker.pk)
    assert (again.name, again.id_number, again.phone, again.birth_date, again.created_at) == (
        "王小快", "110111199001011234", "13800138000", dt.date(1990, 1, 1), worker.created_at)
    with connection.cursor() as cursor:  # stored sealed, not in clear
        cursor.execute("SELECT id_number FROM members_worker WHERE id = %s", [worker.pk])
        assert "110111199001011234" not in cursor.fetchone()[0]


def test_insert_refusal_is_an_integrity_error_and_writes_nothing(db):
    hotsql.insert(_worker())
    with pytest.raises(IntegrityError), transaction.atomic():
        hotsql.insert(_worker(name="同一证件"))
    assert Worker.objects.count() == 1


def test_shape_builds_whole_and_partial_instances(db):
    worker = hotsql.insert(_worker())
    whole = hotsql.Shape(Worker, "w")
    part = hotsql.Shape(Worker, "w", ["id", "name", "occupation"])
    sql = f"SELECT {whole.select()}, {part.select()} FROM members_worker w WHERE w.id = %s"  # noqa: S608 - model columns
    row = hotsql.fetch_one(sql, [worker.pk])
    (full, partial), at = hotsql.build_all([whole, part], row)
    assert at == len(row)
    assert full.id_number == "110111199001011234" and not full.get_deferred_fields()  # opened like the ORM
    with CaptureQueriesContext(connection) as queries:
        assert (partial.pk, partial.name, partial.occupation) == (worker.pk, "王小快", "courier")
    assert not queries.captured_queries
    assert "phone" in partial.get_deferred_fields()


def test_a_partial_shape_keeps_the_models_field_order(db):
    """Model.from_db reads a partial row in the model's field order, whatever order the fields were named in."""
    from zhijia.members.models import Membership

    shape = hotsql.Shape(Membership, "m", ["status", "member_number", "id"])
    assert [f.name for f in shape.fields] == [f.name for f in Membership._meta.concrete_fields
                                              if f.name in ("status", "member_number", "id")]
