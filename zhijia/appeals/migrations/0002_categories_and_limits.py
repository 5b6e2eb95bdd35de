from django.db import migrations

def forwards(apps, schema_editor):
    from zhijia.appeals.defaults import ensure_defaults

    ensure_defaults(apps.get_model("appeals", "Category"), apps.get_model("appeals", "TimeLimit"))


def backwards(apps, schema_editor):
    apps.get_model("appeals", "TimeLimit").objects.all().delete()
    Category = apps.get_model("appeals", "Category")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
