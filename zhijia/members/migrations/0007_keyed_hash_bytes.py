"""Keyed hashes as 16 bytes (core.crypto.keyed_hash) instead of 64 hex characters.

The stored value keeps its meaning: the new hash is the first 16 bytes of the old one, so every worker is found
again without opening a sealed value. First the values are converted where they are (PostgreSQL: one ALTER per table
to bytea with decode(); SQLite keeps any value in any column, so the hex text is replaced by bytes row by row), then
the fields are altered as usual (on PostgreSQL the columns are bytea already: nothing is rewritten again). There is
no way back: the old hashes had 16 more bytes, which only the key could give again.

Stop every web and Celery process of the old code before running it: an old process would send 64 hex characters,
which a bytea column takes as 64 bytes. The CHECK constraints added last refuse such a value instead of storing it.
"""

from django.db import migrations, models
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In

COLUMNS = {"worker": ("id_number_hash", "phone_hash"), "rosterrow": ("id_number_hash", "phone_hash")}


def to_bytes(apps, schema_editor):
    connection = schema_editor.connection
    for model_name, columns in COLUMNS.items():
        table = apps.get_model("members", model_name)._meta.db_table
        if connection.vendor == "postgresql":
            for c in columns:
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {c} !~ '^([0-9a-f]{{64}})?$'")  # noqa: S608
                    if cursor.fetchone()[0]:
                        raise RuntimeError(f"{table}.{c} holds values that are not keyed hashes (64 hex characters); "
                                           "remove them (e.g. rows left by an interrupted benchmark) and migrate again")
            changes = ", ".join(f"ALTER COLUMN {c} TYPE bytea USING decode(left({c}, 32), 'hex')" for c in columns)
            schema_editor.execute(f"ALTER TABLE {table} {changes}")
            continue
        with connection.cursor() as cursor:
            for column in columns:
                cursor.execute(f"SELECT id, {column} FROM {table}")  # noqa: S608 - constants of this migration
                changed = [(bytes.fromhex(value[:32]) if value else b"", pk)
                           for pk, value in cursor.fetchall() if isinstance(value, str)]
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s", changed)  # noqa: S608


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0006_import_indexes"),
    ]

    operations = [
        migrations.RunPython(to_bytes),
        migrations.AlterField(
            model_name="rosterrow",
            name="id_number_hash",
            field=models.BinaryField(blank=True, default=b"", max_length=16),
        ),
        migrations.AlterField(
            model_name="rosterrow",
            name="phone_hash",
            field=models.BinaryField(blank=True, default=b"", max_length=16),
        ),
        migrations.AlterField(
            model_name="worker",
            name="id_number_hash",
            field=models.BinaryField(max_length=16, unique=True),
        ),
        migrations.AlterField(
            model_name="worker",
            name="phone_hash",
            field=models.BinaryField(blank=True, db_index=True, default=b"", max_length=16),
        ),
        migrations.AddConstraint(
            model_name="rosterrow",
            constraint=models.CheckConstraint(condition=In(Length("id_number_hash"), [0, 16]),
                                              name="rosterrow_id_hash_0_or_16"),
        ),
        migrations.AddConstraint(
            model_name="rosterrow",
            constraint=models.CheckConstraint(condition=In(Length("phone_hash"), [0, 16]),
                                              name="rosterrow_phone_hash_0_or_16"),
        ),
        migrations.AddConstraint(
            model_name="worker",
            constraint=models.CheckConstraint(condition=Exact(Length("id_number_hash"), 16),
                                              name="worker_id_number_hash_16"),
        ),
        migrations.AddConstraint(
            model_name="worker",
            constraint=models.CheckConstraint(condition=In(Length("phone_hash"), [0, 16]),
                                              name="worker_phone_hash_0_or_16"),
        ),
    ]
