"""Agenda proposals on the meeting page: what the organiser ticks is what is saved, even when
the proposals changed between loading the page and saving it."""

import re

import pytest

from meetings.models import AgendaItem
from projects.services import approval_transition
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue(mw):
    """A meeting about a project with three overdue approvals, proposed in item-code order."""
    items = [f.item(mw.planning, code) for code in ("A-PLAN", "B-PLAN", "C-PLAN")]
    project = f.project(mw.staff, mw.enterprise, items, lead=mw.helper, code="AGENDA")
    approvals = list(project.approvals.order_by("item__code"))
    for approval in approvals:
        for action in ("receive", "accept"):
            approval_transition(
                actor=mw.officer, approval_id=approval.pk, action=action, now=at(2026, 10, 12)
            )
    meeting, _ = mw.schedule(projects=[project])
    return meeting, approvals


def proposal_keys(client, meeting) -> list[str]:
    page = client.get(f"/en/meetings/{meeting.pk}/").content.decode()
    return re.findall(r'name="keep" value="(approval-\d+)"', page)


def test_the_ticked_proposal_is_saved_after_the_list_shifted(client, mw, overdue):
    meeting, (first, second, third) = overdue
    client.force_login(mw.helper)
    keys = proposal_keys(client, meeting)
    assert keys == [f"approval-{a.pk}" for a in (first, second, third)]
    # Meanwhile the first is approved: it is no longer proposed and the others move up.
    approval_transition(actor=mw.officer, approval_id=first.pk, action="approve")
    response = client.post(
        f"/en/meetings/{meeting.pk}/",
        {"what": "agenda", "keep": [keys[1]], f"order-{keys[1]}": "1"},
        follow=True,
    )
    assert "Agenda saved." in response.content.decode()
    [saved] = AgendaItem.objects.filter(meeting=meeting)
    assert saved.approval == second
    assert "B-PLAN" in saved.title


def test_a_ticked_proposal_no_longer_proposed_is_left_out_and_named(client, mw, overdue):
    meeting, (first, second, third) = overdue
    client.force_login(mw.helper)
    keys = proposal_keys(client, meeting)
    approval_transition(actor=mw.officer, approval_id=first.pk, action="approve")
    response = client.post(
        f"/en/meetings/{meeting.pk}/",
        {
            "what": "agenda",
            "keep": [keys[0], keys[2]],
            f"order-{keys[0]}": "1",
            f"order-{keys[2]}": "2",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "No longer proposed" in page and "A-PLAN" in page
    assert [a.approval for a in AgendaItem.objects.filter(meeting=meeting)] == [third]


def test_kept_items_and_proposals_are_saved_in_the_order_given(client, mw, overdue):
    meeting, (first, second, third) = overdue
    client.force_login(mw.helper)
    keys = proposal_keys(client, meeting)
    client.post(
        f"/en/meetings/{meeting.pk}/",
        {"what": "agenda", "keep": [keys[0]], f"order-{keys[0]}": "1"},
    )
    [kept] = AgendaItem.objects.filter(meeting=meeting)
    client.post(
        f"/en/meetings/{meeting.pk}/",
        {
            "what": "agenda",
            "keep": [f"a{kept.pk}", keys[2], "approval-999999", "nonsense"],
            f"order-a{kept.pk}": "2",
            f"order-{keys[2]}": "1",
        },
    )
    saved = list(AgendaItem.objects.filter(meeting=meeting).order_by("position"))
    assert [a.approval for a in saved] == [third, first]
    assert saved[1].pk == kept.pk  # the kept item stays the same row (its minutes stay)
