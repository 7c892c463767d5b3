"""Keep each uploaded return in its row instead of under MEDIA_ROOT.

Existing files are copied in; a file already missing from disk leaves the row's
content empty (its download then says so instead of failing).
"""

from django.db import migrations, models


def copy_files_into_rows(apps, schema_editor):
    ReturnImport = apps.get_model("reporting", "ReturnImport")
    for log in ReturnImport.objects.exclude(file="").iterator():
        try:
            with log.file.open("rb") as handle:
                log.content = handle.read()
        except (FileNotFoundError, OSError):
            continue
        log.save(update_fields=["content"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="returnimport",
            name="content",
            field=models.BinaryField(default=b"", verbose_name="文件内容"),
        ),
        migrations.RunPython(copy_files_into_rows, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="returnimport",
            name="file",
        ),
    ]
