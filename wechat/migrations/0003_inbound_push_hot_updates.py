"""Let PostgreSQL update a push's outcome in place (a HOT update).

Each push is inserted, then its outcome written by one UPDATE. PostgreSQL can
do that UPDATE without touching any index when no indexed column changes and
the row's page has room: so `status` loses its index, and the table keeps 20%
of each page free. SQLite has no such setting; there only the index goes.
"""

from django.db import migrations, models

TABLE = "wechat_inboundmessage"


def leave_room_on_each_page(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 80)")


def fill_pages_again(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("wechat", "0002_outboundsend_mediaupload"),
    ]

    operations = [
        migrations.AlterField(
            model_name="inboundmessage",
            name="status",
            field=models.CharField(
                choices=[
                    ("processing", "processing"),
                    ("answered", "answered"),
                    ("failed", "handler failed"),
                ],
                default="processing",
                max_length=16,
            ),
        ),
        migrations.RunPython(leave_room_on_each_page, fill_pages_again),
    ]
