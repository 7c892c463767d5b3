from django.db import migrations


def settings_row(apps, schema_editor):
    # The one row of 督办参数 exists from the start, so that reading it is one
    # query on every page (never a first-read insert).
    apps.get_model("supervision", "SupervisionSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_supervision_items")]

    operations = [migrations.RunPython(settings_row, migrations.RunPython.noop)]
