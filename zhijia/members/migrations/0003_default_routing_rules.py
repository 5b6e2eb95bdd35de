from django.db import migrations

DEFAULT_RULES = [
    (10, "雇主有企业工会的，入企业工会", "enterprise"),
    (20, "新就业形态劳动者入本区行业工会", "regional_industry"),
    (30, "入工作地园区工会", "park"),
    (40, "入工作地街道/乡镇总工会", "street"),
    (50, "入工作地社区(村)工会", "community"),
    (60, "由区总工会兜底", "district"),
]


def add_rules(apps, schema_editor):
    RoutingRule = apps.get_model("members", "RoutingRule")
    if not RoutingRule.objects.exists():
        RoutingRule.objects.bulk_create([RoutingRule(priority=p, name=n, strategy=s) for p, n, s in DEFAULT_RULES])


def remove_rules(apps, schema_editor):
    RoutingRule = apps.get_model("members", "RoutingRule")
    RoutingRule.objects.filter(strategy__in=[s for _, _, s in DEFAULT_RULES], match_region_prefix="",
                               match_occupation="").delete()


def staging_unlogged(apps, schema_editor):
    # Roster staging rows are transient: on PostgreSQL they skip the WAL (a crash loses only unfinished imports).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE members_rosterrow SET UNLOGGED")


def staging_logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE members_rosterrow SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("members", "0002_applications_transfers_imports_cards")]

    operations = [
        migrations.RunPython(add_rules, remove_rules),
        migrations.RunPython(staging_unlogged, staging_logged),
    ]
