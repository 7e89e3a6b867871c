# The event log now belongs to the shared base (portal 0002): forget it here, keep the tables.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_project_next_due"),
        ("portal", "0002_event_log"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Event"),
                migrations.DeleteModel(name="StreamHead"),
            ],
        ),
    ]
