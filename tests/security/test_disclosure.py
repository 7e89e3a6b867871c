"""What the matrix's status codes cannot show: lists and calendars that name the other side's
objects, and answers that tell an existing name from a guessed one."""

import json

import pytest

from .world import ROLES

pytestmark = pytest.mark.django_db

LISTS = [
    "/projects/",
    "/api/v1/projects",
    "/meetings/?view=agenda",
    "/api/v1/meetings",
    "/actions/?status=open",
    "/api/v1/action-items",
    "/queue/",
    "/accounts/requests/",
]


def _markers(w, side):
    project = w.own if side == "own" else w.other
    return [project.code, w.meeting[side].title, w.action[side].title]


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "staff")])
def test_lists_name_nothing_of_the_other_side(world, url, role):
    response = world.clients[role].get(url)
    assert response.status_code in (200, 404)
    text = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        text = json.dumps(response.json(), ensure_ascii=False)
    shown = [m for m in _markers(world, "other") if m in text]
    assert not shown, f"{role} sees {shown} at {url}"
    assert "sec_ent2" not in text and "新乙" not in text


def test_lists_are_not_vacuous(world):
    """Staff see both sides on the lists above (so the markers are the ones pages show)."""
    for url in ("/api/v1/projects", "/projects/", "/meetings/?view=agenda", "/api/v1/action-items"):
        response = world.clients["staff"].get(url)
        text = response.content.decode()
        if response["Content-Type"].startswith("application/json"):
            text = json.dumps(response.json(), ensure_ascii=False)
        assert any(m in text for m in _markers(world, "other")), url


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_personal_calendar_feed_has_only_own_meetings(world, role):
    from meetings.models import CalendarFeed

    secret = CalendarFeed.objects.get(user=world.people[role]).secret
    text = world.clients["anonymous"].get(f"/calendar/{secret}.ics").content.decode()
    text = text.replace("\r\n ", "")
    if role != "staff":  # staff see every meeting, in their calendar too
        assert world.meeting["other"].title not in text
    if role in ("enterprise", "helper", "officer"):
        assert world.meeting["own"].title in text


def _schedule(world, role, usernames, method="post", meeting=None):
    body = {
        "title": "探测",
        "kind": "joint_meeting",
        "start": world.meeting["own"].start.isoformat(),
        "end": world.meeting["own"].end.isoformat(),
        "participant_usernames": usernames,
    }
    url = "/api/v1/meetings" + (f"/{meeting.pk}" if meeting else "")
    client = world.clients[role]
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("role", "method", "meeting"),
    [
        ("enterprise", "post", None),
        ("officer", "post", None),
        ("editor", "post", None),
        ("enterprise", "patch", "own"),
        ("officer", "patch", "own"),
    ],
)
def test_refused_scheduling_does_not_tell_which_usernames_exist(world, role, method, meeting):
    """Someone who may not schedule (or change) this meeting gets the same answer for another
    company's real username as for a made-up one."""
    target = world.meeting[meeting] if meeting else None
    real = _schedule(world, role, ["sec_ent2"], method, target)
    guessed = _schedule(world, role, ["sec_nobody_here"], method, target)
    assert real.status_code >= 400
    assert (real.status_code, real.json().get("code")) == (
        guessed.status_code,
        guessed.json().get("code"),
    ), f"real {real.content!r} vs guessed {guessed.content!r}"


def _aged_token(world, person, *, days=0, revoked=False):
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import APIToken

    from portal.services import api_token_create

    token, plaintext = api_token_create(actor=person, name="aged")
    changes = {"created": timezone.now() - timedelta(days=days)}
    if revoked:
        changes["revoked_at"] = timezone.now()
    APIToken.objects.filter(pk=token.pk).update(**changes)
    return plaintext


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "revoked",
    ],
)
def test_a_dead_bearer_token_opens_neither_the_api_nor_calendar_files(world, kind):
    from django.test import Client

    plaintext = _aged_token(
        world, world.helper, days=91 if kind == "expired" else 0, revoked=kind == "revoked"
    )
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert Client().get("/api/v1/me", headers=headers).status_code == 401
    ics = Client().get(f"/meetings/{world.meeting['own'].pk}.ics", headers=headers)
    assert ics.status_code == 401


def test_a_live_bearer_token_opens_calendar_files(world):
    from django.test import Client

    headers = {"Authorization": f"Bearer {world.plaintext['helper']}"}
    assert (
        Client().get(f"/meetings/{world.meeting['own'].pk}.ics", headers=headers).status_code == 200
    )
    assert (
        Client().get(f"/meetings/{world.meeting['other'].pk}.ics", headers=headers).status_code
        == 404
    )
