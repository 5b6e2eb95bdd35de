"""Keyed hashes as 16 bytes (core.crypto.keyed_hash) instead of 64 hex characters.

The stored value keeps its meaning: the new hash is the first 16 bytes of the old one, so every worker is found
again without opening a sealed value. First the values are converted where they are (PostgreSQL: one ALTER per table
to bytea with decode(); SQLite keeps any value in any column, so the hex text is replaced by bytes row by row), then
the fields are altered as usual (on PostgreSQL the columns are bytea already: nothing is rewritten again). There is
no way back: the old hashes had 16 more bytes, which only the key could give again.
"""

from django.db import migrations, models

COLUMNS = {"worker": ("id_number_hash", "phone_hash"), "rosterrow": ("id_number_hash", "phone_hash")}


def to_bytes(apps, schema_editor):
    connection = schema_editor.connection
    for model_name, columns in COLUMNS.items():
        table = apps.get_model("members", model_name)._meta.db_table
        if connection.vendor == "postgresql":
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
    ]
