from django.db import migrations

# Django adds a varchar_pattern_ops twin to every indexed CharField on PostgreSQL, for LIKE 'x%'. Keyed hashes and
# member numbers are only ever matched exactly, so the twins only slow down writes (bulk imports above all).


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename IN ('members_worker', 'members_membership') "
                       "AND indexname LIKE %s", ["%_like"])
        found = {row[0] for row in cursor.fetchall()}
    for name in found:
        if name.startswith(("members_worker_id_number_hash_", "members_worker_phone_hash_",
                            "members_membership_member_number_")):
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("members", "0003_default_routing_rules")]

    operations = [migrations.RunPython(drop, migrations.RunPython.noop)]
