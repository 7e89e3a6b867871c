"""The moderation workflow reads in the editor's language, on new and existing installs.

A Wagtail workflow's name is one text field, shown as is in every admin language
("提交给<name>" / "Submit to <name>"), so it carries both languages, Chinese first.
"""

import importlib

import pytest
from django.apps import apps
from wagtail.models import GroupApprovalTask, Task, Workflow
from wagtail.users.models import UserProfile

from cms.demo import TASK_NAME, WORKFLOW_NAME, ensure_editorial_setup
from cms.models import PolicyPage

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

migration = importlib.import_module("cms.migrations.0004_workflow_names")


def test_the_names_carry_both_languages_and_match_the_migration():
    for name in (WORKFLOW_NAME, TASK_NAME):
        chinese, english = name.split(" / ")
        assert chinese and english and not any(c.isascii() and c.isalpha() for c in chinese)
    assert (migration.WORKFLOW_NAME, migration.TASK_NAME) == (WORKFLOW_NAME, TASK_NAME)


def test_a_new_install_has_the_bilingual_names_and_no_english_default(policies):
    workflow = ensure_editorial_setup()
    assert workflow.name == WORKFLOW_NAME
    assert [t.name for t in workflow.tasks] == [TASK_NAME]
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    assert ensure_editorial_setup().pk == workflow.pk  # idempotent: renamed, not duplicated
    assert Workflow.objects.filter(name=WORKFLOW_NAME).count() == 1


def test_the_migration_renames_wagtails_default_and_keeps_a_chosen_name():
    default = Workflow.objects.create(name="Moderators approval")
    default_task = GroupApprovalTask.objects.create(name="Moderators approval")
    chosen = Workflow.objects.create(name="法制审核")
    migration.name_them(apps, None)
    default.refresh_from_db(), default_task.refresh_from_db(), chosen.refresh_from_db()
    assert (default.name, default_task.name, chosen.name) == (WORKFLOW_NAME, TASK_NAME, "法制审核")
    migration.restore_wagtails_names(apps, None)
    default.refresh_from_db()
    assert default.name == "Moderators approval"


@pytest.mark.parametrize(
    "language, submit",
    [("zh-hans", "提交给审核发布"), ("en", "Submit to 审核发布 / Review and publish")],
)
def test_the_editor_reads_the_workflow_in_the_page_editor(
    client, make_user, policies, language, submit
):
    ensure_editorial_setup()
    editor = make_user("writer", "editor", language=language)
    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = language
    profile.save()
    page = b.policy(policies, "关于推行容缺受理的通知")
    client.force_login(editor)
    html = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert submit in html
    assert "Moderators approval" not in html
    assert PolicyPage.objects.filter(pk=page.pk).exists()
