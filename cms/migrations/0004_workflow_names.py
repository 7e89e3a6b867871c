"""The moderation workflow and its task get names an editor reads in either language.

Wagtail's own migration names both "Moderators approval", which the Chinese admin shows as is
("提交给Moderators approval"). A workflow's name is a single text field, so it carries both
languages, Chinese first: each editor finds theirs. Only Wagtail's default name is replaced; a
name the bureau chose stays. The names are copied here, not imported, so that this migration
keeps meaning the same thing (cms.demo.WORKFLOW_NAME and TASK_NAME are the current ones).
"""

from django.db import migrations

WAGTAIL_DEFAULT = "Moderators approval"
WORKFLOW_NAME = "审核发布 / Review and publish"
TASK_NAME = "审核员审核 / Review by moderators"


def name_them(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WAGTAIL_DEFAULT).update(
        name=WORKFLOW_NAME
    )
    apps.get_model("wagtailcore", "Task").objects.filter(name=WAGTAIL_DEFAULT).update(
        name=TASK_NAME
    )


def restore_wagtails_names(apps, schema_editor):
    apps.get_model("wagtailcore", "Workflow").objects.filter(name=WORKFLOW_NAME).update(
        name=WAGTAIL_DEFAULT
    )
    apps.get_model("wagtailcore", "Task").objects.filter(name=TASK_NAME).update(
        name=WAGTAIL_DEFAULT
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_body_blocks_searchable_text"),
        ("wagtailcore", "0098_apitoken"),
    ]

    operations = [migrations.RunPython(name_them, restore_wagtails_names)]
