# The event log moves from `projects` to the shared base. Its tables keep their names, so an
# existing database changes nothing: only Django's idea of which app owns them moves.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0001_initial"),
        ("projects", "0005_project_next_due"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="StreamHead",
                    fields=[
                        (
                            "stream",
                            models.CharField(max_length=80, primary_key=True, serialize=False),
                        ),
                        ("last_seq", models.PositiveBigIntegerField(default=0)),
                        ("updated_at", models.DateTimeField(db_index=True, null=True)),
                    ],
                    options={"db_table": "projects_streamhead"},
                ),
                migrations.CreateModel(
                    name="Event",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("stream", models.CharField(max_length=80)),
                        ("seq", models.PositiveBigIntegerField()),
                        ("event", models.CharField(max_length=60)),
                        ("at", models.DateTimeField(db_index=True)),
                        ("data", models.JSONField(blank=True, default=dict)),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "event",
                        "verbose_name_plural": "events",
                        "db_table": "projects_event",
                        "ordering": ["stream", "seq"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("stream", "seq"), name="event_seq_unique_in_stream"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
