"""Editors write and submit, staff approve and publish, the scheduler publishes on time."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    querydict_from_html,
    rich_text,
    streamfield,
)

from cms.demo import ensure_editorial_setup
from cms.models import PolicyPage
from portal.tasks import publish_scheduled

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]


@pytest.fixture
def people(make_user, policies):
    ensure_editorial_setup()
    return {"editor": make_user("editor", "editor"), "staff": make_user("boss", "staff")}


def policy_form(client, parent, *, action: str, **values) -> dict:
    """The admin's page form as the browser sends it, with `values` filled in."""
    url = f"/admin/pages/add/cms/policypage/{parent.pk}/"
    html = client.get(url).content.decode()
    data = querydict_from_html(html, form_id="page-edit-form").dict()
    data = {k: v for k, v in data.items() if "__prefix__" not in k}
    data.update(
        nested_form_data(
            {
                "body": streamfield(
                    [("paragraph", rich_text("<p>推行容缺受理，缩短审批时限。</p>"))]
                ),
                "comments": inline_formset([]),
            }
        )
    )
    data.update(
        {
            "title": "关于推行容缺受理的通知",
            "slug": "accept-now",
            "summary": "缺少非要件材料的，先予受理。",
            "issuing_authority": str(b.authority().pk),
            "published_on": "2026-11-20",
            "topics": "容缺受理",
            action: "1",
        }
    )
    data.update(values)
    return client.post(url, data)


def found(query: str) -> list[str]:
    return [p.title for p in Page.objects.live().type(PolicyPage).search(query)]


def test_an_editor_submits_and_cannot_publish(client, people, policies):
    client.force_login(people["editor"])
    response = policy_form(client, policies, action="action-publish")
    page = PolicyPage.objects.get(slug="accept-now")
    assert not page.live  # editors have no publish permission: at most a draft
    response = policy_form(client, policies, action="action-submit", slug="accept-now-2")
    assert response.status_code == 302
    page = PolicyPage.objects.get(slug="accept-now-2")
    assert not page.live
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == people["editor"]
    assert found("容缺") == []


def test_staff_approve_and_the_page_goes_live_and_is_found(client, people, policies):
    client.force_login(people["editor"])
    policy_form(client, policies, action="action-submit")
    page = PolicyPage.objects.get(slug="accept-now")
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    client.force_login(people["staff"])
    dashboard = client.get("/admin/").content.decode()
    assert "关于推行容缺受理的通知" in dashboard  # awaiting the staff's review
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": "同意"}
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live
    assert page.topics.names()[0] == "容缺受理"
    assert found("容缺") == ["关于推行容缺受理的通知"]
    assert client.get("/policies/accept-now/").status_code == 200


def test_staff_can_send_a_page_back_for_changes(client, people, policies):
    client.force_login(people["editor"])
    policy_form(client, policies, action="action-submit")
    page = PolicyPage.objects.get(slug="accept-now")
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    client.force_login(people["staff"])
    client.post(
        f"/admin/pages/workflow/action/{page.pk}/reject/{task_state.pk}/", {"comment": "请补充依据"}
    )
    page.refresh_from_db()
    assert not page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_the_scheduler_publishes_an_approved_page_at_its_time(client, people, policies):
    go_live = timezone.localtime() + timedelta(hours=2)
    client.force_login(people["editor"])
    policy_form(
        client, policies, action="action-submit", go_live_at=go_live.strftime("%Y-%m-%d %H:%M")
    )
    page = PolicyPage.objects.get(slug="accept-now")
    task_state = WorkflowState.objects.get(object_id=str(page.pk)).current_task_state
    client.force_login(people["staff"])
    client.post(f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {})
    page.refresh_from_db()
    revision = page.latest_revision
    assert revision.approved_go_live_at is not None
    assert not page.live  # approved, waiting for its time
    publish_scheduled.call()
    page.refresh_from_db()
    assert not page.live  # not yet
    # Two hours later, the scheduler's minute job (run inline here) publishes it.
    later = timezone.now() + timedelta(hours=2, minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        publish_scheduled.enqueue()
    page.refresh_from_db()
    assert page.live
    assert found("容缺") == ["关于推行容缺受理的通知"]


def test_publishing_is_scheduled_every_minute():
    from django.conf import settings

    assert settings.PERIODIC_TASKS["wagtail.publish_scheduled"] == (
        "portal.tasks.publish_scheduled",
        60,
    )


def test_every_edit_is_kept_as_a_revision(people, policies):
    page = b.policy(policies, "初稿")
    page.title = "二稿"
    page.save_revision(user=people["editor"])
    assert [r.as_object().title for r in page.revisions.order_by("created_at")] == ["初稿", "二稿"]
    assert PolicyPage.objects.get(pk=page.pk).title == "初稿"  # the draft is not live yet
