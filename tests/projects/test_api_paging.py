"""GET /api/v1/projects read page after page by position (`after` = the previous `next`)."""

import base64
import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from tests.projects import factories as f
from tests.projects.test_api import add_projects, as_user

pytestmark = pytest.mark.django_db

REFUSED = "not a position this list gave (use its `next`)"


def walk(client, url: str) -> tuple[list[int], int]:
    """Every id the list gives from `url` on, following `next`; and how many pages it took."""
    ids, pages, after = [], 0, None
    while True:
        body = client.get(url + (f"&after={after}" if after else "")).json()
        ids += [row["id"] for row in body["items"]]
        pages += 1
        after = body["next"]
        if after is None:
            return ids, pages
        assert pages < 100, "next never ends"


def cursor(*values: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def test_next_walks_every_visible_project_once_in_the_lists_order(client, world):
    # Eight projects registered at the same moment (the factories' default) and three at
    # others: the ties are told apart by id.
    add_projects(world, 8)
    for day in (3, 5, 4):
        f.project(world.staff, world.ent_a, now=datetime(2026, 10, day, 1, 0, tzinfo=UTC))
    c = as_user(client, world.staff)
    everything = c.get("/api/v1/projects?limit=200").json()
    assert everything["next"] is None  # one page holds them all
    expected = [row["id"] for row in everything["items"]]
    assert expected == list(
        Project.objects.order_by("-registered_at", "-id").values_list("id", flat=True)
    )
    ids, pages = walk(c, "/api/v1/projects?limit=3")
    assert ids == expected and pages == 5  # 13 projects: 3 + 3 + 3 + 3 + 1
    first = c.get("/api/v1/projects?limit=3").json()
    assert first["count"] == 13  # every matching project, on every page
    after = c.get(f"/api/v1/projects?limit=3&after={first['next']}").json()
    assert after["count"] == 13
    # An offset page says where the next one starts too: offset and after agree.
    by_offset = c.get("/api/v1/projects?limit=3&offset=3").json()
    assert by_offset["items"] == after["items"] and by_offset["next"] == after["next"]
    # A filter applies after a position as on the first page.
    ids, _pages = walk(c, "/api/v1/projects?limit=2&q=P-")
    assert ids == [pk for pk in expected if Project.objects.get(pk=pk).code.startswith("P-")]


def test_a_position_shows_no_one_more_than_they_may_see(client, world):
    """A `next` taken from staff's list (or made up) only positions: the caller's own rights
    decide what follows it."""
    add_projects(world, 4)
    staff_first = as_user(client, world.staff).get("/api/v1/projects?limit=1").json()
    c = as_user(client, world.enterprise2)
    ids, _pages = walk(c, f"/api/v1/projects?limit=1&after={staff_first['next']}")
    own = set(Project.objects.filter(enterprise=world.ent_b).values_list("id", flat=True))
    assert ids and set(ids) <= own
    start = cursor("2999-01-01T00:00:00+00:00", str(2**63 - 1))  # before every project
    ids, _pages = walk(c, f"/api/v1/projects?limit=1&after={start}")
    assert set(ids) == own


@pytest.mark.parametrize(
    "after",
    [
        "x",  # not base64
        "AAAA",  # not JSON
        cursor("2026-09-01T02:00:00+00:00"),  # one value short
        cursor("2026-09-01T02:00:00+00:00", "5", "6"),  # one too many
        cursor("yesterday", "5"),  # not a moment
        cursor("2026-02-30T00:00:00+00:00", "5"),  # no such day
        cursor("2026-09-01T02:00:00", "5"),  # a moment without its offset
        cursor("2026-09-01", "5"),
        cursor("2026-09-01T02:00:00+00:00", "five"),  # not an id
        cursor("2026-09-01T02:00:00+00:00", str(2**63)),  # past what an id can be
        cursor("2026-09-01T02:00:00+00:00", "-1"),
        base64.urlsafe_b64encode(b'{"a": 1}').decode().rstrip("="),  # not a list
        base64.urlsafe_b64encode(b"\xff\xfe").decode().rstrip("="),  # not UTF-8
    ],
)
def test_a_position_the_list_did_not_give_is_refused(client, world, after):
    response = as_user(client, world.staff).get(f"/api/v1/projects?after={after}")
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "type": "value_error",
        "loc": ["query", "after"],
        "msg": REFUSED,
    }


def test_after_is_bounded_and_not_mixed_with_an_offset(client, world):
    c = as_user(client, world.staff)
    assert c.get("/api/v1/projects?after=" + "A" * 201).status_code == 422
    assert c.get("/api/v1/projects?after=a%2Bb").status_code == 422  # "+": not base64url
    first = c.get("/api/v1/projects?limit=1").json()
    both = c.get(f"/api/v1/projects?limit=1&offset=1&after={first['next']}")
    assert both.status_code == 422
    assert "either `offset` or `after`" in both.json()["detail"][0]["msg"]


def test_a_page_after_a_position_takes_as_many_queries_however_far_it_is(client, world):
    add_projects(world, 3)
    c = as_user(client, world.staff)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert c.get(url).status_code == 200
        return len(captured)

    first = c.get("/api/v1/projects?limit=1").json()
    near = queries(f"/api/v1/projects?limit=1&after={first['next']}")
    add_projects(world, 10)
    last = Project.objects.order_by("registered_at", "id")[1]  # the list's last but one
    far = cursor(last.registered_at.isoformat(), str(last.pk))
    assert queries(f"/api/v1/projects?limit=1&after={far}") == near
    assert queries("/api/v1/projects?limit=1") == near
