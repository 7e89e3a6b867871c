"""The JSON API: every route x every role x own / other object, errors, query counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import APIToken

from projects.services import approval_transition
from tests.projects import factories as f
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

ROLES = ["staff", "helper", "helper2", "officer", "housing_officer", "enterprise", "enterprise2"]


def as_user(client, user):
    client.force_login(user)
    return client


def post_json(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


# --- who sees which project -----------------------------------------------------------------

SEES_OWN = {"staff", "helper", "officer", "housing_officer", "enterprise"}
SEES_OTHER = {"staff", "helper2", "officer", "enterprise2"}
READS_OWN_INTERNAL = {"staff", "helper", "officer", "housing_officer"}


@pytest.mark.parametrize("role", ROLES)
def test_project_list_shows_exactly_the_visible_projects(client, world, role):
    response = as_user(client, getattr(world, role)).get("/api/v1/projects")
    assert response.status_code == 200
    codes = {p["code"] for p in response.json()["items"]}
    expected = {"GLASS"} if role in SEES_OWN else set()
    expected |= {"LOGI"} if role in SEES_OTHER else set()
    assert codes == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["own", "other"])
def test_project_detail_is_404_for_those_who_may_not_see_it(client, world, role, which):
    project = getattr(world, which)
    response = as_user(client, getattr(world, role)).get(f"/api/v1/projects/{project.pk}")
    sees = role in (SEES_OWN if which == "own" else SEES_OTHER)
    assert response.status_code == (200 if sees else 404)
    if sees:
        body = response.json()
        assert body["code"] == project.code
        assert f"project:{project.pk}" in body["streams"]
        internal = f"project:{project.pk}:internal" in body["streams"]
        assert internal is (role != "enterprise" and role != "enterprise2")


def test_a_guessed_project_id_is_the_same_404(client, world):
    missing = as_user(client, world.enterprise).get("/api/v1/projects/987654")
    others = client.get(f"/api/v1/projects/{world.other.pk}")
    assert missing.status_code == others.status_code == 404
    assert missing.json() == others.json()


@pytest.mark.parametrize("role", ROLES)
def test_event_streams_are_readable_by_stream(client, world, role):
    approval_transition(
        actor=world.staff, approval_id=world.approval(world.own, "LAND").pk, action="receive"
    )
    c = as_user(client, getattr(world, role))
    public = c.get(f"/api/v1/events?stream=project:{world.own.pk}")
    internal = c.get(f"/api/v1/events?stream=project:{world.own.pk}:internal")
    assert public.status_code == (200 if role in SEES_OWN else 404)
    assert internal.status_code == (200 if role in READS_OWN_INTERNAL else 404)
    if public.status_code == 200:
        items = public.json()["items"]
        assert [e["seq"] for e in items] == list(range(1, len(items) + 1))
        assert items[-1]["event"] == "approval.received"
        assert set(items[-1]) == {"stream", "seq", "event", "at", "actor", "data", "text"}
    me = getattr(world, role)
    assert c.get(f"/api/v1/events?stream=user:{me.pk}").status_code == 200
    someone_else = world.staff if role != "staff" else world.helper
    assert c.get(f"/api/v1/events?stream=user:{someone_else.pk}").status_code == 404


def test_events_after_a_seq_with_a_limit(client, world):
    land = world.approval(world.own, "LAND")
    for action in ("receive", "accept", "approve"):
        approval_transition(actor=world.staff, approval_id=land.pk, action=action)
    c = as_user(client, world.helper)
    stream = f"project:{world.own.pk}"
    page = c.get(f"/api/v1/events?stream={stream}&after=1&limit=2").json()
    assert [e["seq"] for e in page["items"]] == [2, 3]
    assert page["last_seq"] == 4
    assert c.get(f"/api/v1/events?stream={stream}&after=4").json()["items"] == []
    assert c.get("/api/v1/events?stream=nonsense:1").status_code == 404
    assert c.get(f"/api/v1/events?stream={stream}&after=-1").status_code == 422


# --- transitions ------------------------------------------------------------------------------

TRANSITION_STATUS = {
    "staff": 200,
    "officer": 200,
    "helper": 403,
    "housing_officer": 403,
    "enterprise": 403,
    "helper2": 404,
    "enterprise2": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_transition_permission_matrix(client, world, role):
    land = world.approval(world.own, "LAND")
    response = post_json(
        as_user(client, getattr(world, role)),
        f"/api/v1/approvals/{land.pk}/transitions",
        {"action": "receive"},
    )
    assert response.status_code == TRANSITION_STATUS[role], response.content
    if response.status_code == 200:
        assert response.json()["status"] == "received"
        assert response.json()["actions"]
    else:
        assert set(response.json()) >= {"detail", "code"}


def test_anonymous_callers_are_401_everywhere(client, world):
    land = world.approval(world.own, "LAND")
    assert client.get("/api/v1/projects").status_code == 401
    assert client.get(f"/api/v1/projects/{world.own.pk}").status_code == 401
    assert client.get(f"/api/v1/events?stream=project:{world.own.pk}").status_code == 401
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/tokens").status_code == 401
    assert (
        post_json(
            client, f"/api/v1/approvals/{land.pk}/transitions", {"action": "receive"}
        ).status_code
        == 401
    )


def test_transition_errors_have_status_code_and_reason(client, world):
    c = as_user(client, world.officer)
    land = world.approval(world.own, "LAND")
    url = f"/api/v1/approvals/{land.pk}/transitions"
    refused = post_json(c, url, {"action": "approve"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_state"
    assert post_json(c, url, {"action": "receive"}).status_code == 200
    key = post_json(c, url, {"action": "accept", "missing_materials": ["申请表"]})
    assert key.status_code == 409 and key.json()["code"] == "key_materials_missing"
    assert "申请表" in key.json()["detail"]
    no_date = post_json(c, url, {"action": "accept", "missing_materials": ["补充说明"]})
    assert no_date.status_code == 422 and no_date.json()["field"] == "materials_due"
    bad_action = post_json(c, url, {"action": "teleport"})
    assert bad_action.status_code == 422
    bad_date = post_json(c, url, {"action": "accept", "materials_due": "31/12/2026"})
    assert bad_date.status_code == 422
    ok = post_json(
        c,
        url,
        {"action": "accept", "missing_materials": ["补充说明"], "materials_due": "2049-01-01"},
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["missing_materials"] == [
        {
            "id": body["missing_materials"][0]["id"],
            "name": "补充说明",
            "key": False,
            "due": "2049-01-01",
        }
    ]
    assert body["colour"] in {"on_track", "due_soon", "overdue"}
    assert body["ball_with"] == "department"
    assert body["actions"] == ["request_supplement", "approve", "reject", "withdraw"] or set(
        body["actions"]
    ) == {"request_supplement", "approve", "reject"}
    plan = world.approval(world.own, "PLAN")
    post_json(c, f"/api/v1/approvals/{plan.pk}/transitions", {"action": "receive"})
    blocked = post_json(c, f"/api/v1/approvals/{plan.pk}/transitions", {"action": "accept"})
    assert blocked.status_code == 409 and blocked.json()["code"] == "prerequisites_not_approved"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "{}",
        '{"action": null}',
        '{"action": "accept", "missing_materials": "申请表"}',
        '{"action": "accept", "missing_materials": [{"x": 1}]}',
        '{"action": "reject", "reason": 12}',
        '{"action": "approve", "conditions": ["a"]}',
        '{"action": "accept", "materials_due": "2026-02-30"}',
        '{"action": "request_supplement", "missing_materials": [999999], "reason": "r"}',
        '{"action": "receive", "extra": "\\u0000"}',
    ],
)
def test_no_input_gives_a_server_error(client, world, body):
    land = world.approval(world.own, "LAND")
    response = as_user(client, world.staff).post(
        f"/api/v1/approvals/{land.pk}/transitions", body, content_type="application/json"
    )
    assert response.status_code < 500
    assert response.status_code in (200, 400, 409, 422)


def test_transitions_on_a_guessed_approval_id_are_404(client, world):
    response = post_json(
        as_user(client, world.officer),
        "/api/v1/approvals/424242/transitions",
        {"action": "receive"},
    )
    assert response.status_code == 404


# --- tokens and me ----------------------------------------------------------------------------


def test_tokens_are_issued_listed_used_and_revoked(client, world):
    bad = post_json(client, "/api/v1/tokens", {"username": "helper", "password": "wrong"})
    assert bad.status_code == 401
    created = post_json(client, "/api/v1/tokens", {"username": "helper", "password": "pw"})
    assert created.status_code == 201
    token = created.json()
    assert set(token) == {"id", "token", "name", "expires_at"}
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token['token']}"}
    listed = client.get("/api/v1/tokens", **auth)
    assert [t["id"] for t in listed.json()] == [token["id"]]
    assert "token" not in listed.json()[0]
    assert client.get("/api/v1/projects", **auth).json()["count"] == 1
    other = APIToken.create_token(user=world.staff, name="x")[0]
    assert client.delete(f"/api/v1/tokens/{other.pk}", **auth).status_code == 404
    assert client.delete(f"/api/v1/tokens/{token['id']}", **auth).status_code == 204
    assert client.get("/api/v1/projects", **auth).status_code == 401


def test_tokens_expire_are_capped_and_end_with_a_new_password_or_deactivation(
    client, world, settings
):
    from datetime import timedelta

    from django.utils import timezone

    settings.API_TOKENS_PER_USER = 2

    def issue():
        return post_json(client, "/api/v1/tokens", {"username": "helper", "password": "pw"})

    first, second = issue().json(), issue().json()
    refused = issue()
    assert refused.status_code == 409 and refused.json()["code"] == "too_many_tokens"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {first['token']}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    # 90 days after it was made, a token no longer opens anything.
    APIToken.objects.filter(pk=first["id"]).update(
        created=timezone.now() - timedelta(days=settings.API_TOKEN_DAYS, seconds=1)
    )
    assert client.get("/api/v1/me", **auth).status_code == 401
    assert [t["id"] for t in client.get("/api/v1/tokens", **_bearer(second)).json()] == [
        second["id"]
    ]
    # A new password ends every token.
    world.helper.set_password("a-new-password-2026")
    world.helper.save()
    assert client.get("/api/v1/me", **_bearer(second)).status_code == 401
    # So does a deactivation.
    third = post_json(
        client, "/api/v1/tokens", {"username": "helper", "password": "a-new-password-2026"}
    ).json()
    assert client.get("/api/v1/me", **_bearer(third)).status_code == 200
    world.helper.is_active = False
    world.helper.save()
    world.helper.is_active = True
    world.helper.save()
    assert client.get("/api/v1/me", **_bearer(third)).status_code == 401


def _bearer(token: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token['token']}"}


def test_an_inactive_user_gets_no_token(client, world):
    world.helper.is_active = False
    world.helper.save()
    response = post_json(client, "/api/v1/tokens", {"username": "helper", "password": "pw"})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("role", "roles", "department", "enterprise"),
    [
        ("staff", ["staff"], None, None),
        ("helper", ["helper"], None, None),
        ("officer", ["officer"], "规划局", None),
        ("enterprise", ["enterprise"], None, "玻璃公司"),
    ],
)
def test_me(client, world, role, roles, department, enterprise):
    body = as_user(client, getattr(world, role)).get("/api/v1/me").json()
    assert body["username"] == role
    assert body["roles"] == roles
    assert (body["department"] or {}).get("name") == department
    assert (body["enterprise"] or {}).get("name") == enterprise


# --- filters and query counts -----------------------------------------------------------------


def test_list_filters(client, world):
    c = as_user(client, world.staff)
    assert [p["code"] for p in c.get("/api/v1/projects?q=glass").json()["items"]] == ["GLASS"]
    assert [p["code"] for p in c.get("/api/v1/projects?q=物流").json()["items"]] == ["LOGI"]
    by_dept = c.get(f"/api/v1/projects?department={world.housing.pk}").json()["items"]
    assert [p["code"] for p in by_dept] == ["GLASS"]
    assert c.get("/api/v1/projects?stage=production").json()["count"] == 0
    assert c.get("/api/v1/projects?stage=negotiating").json()["count"] == 2
    assert c.get("/api/v1/projects?stage=flying").status_code == 422
    assert c.get("/api/v1/projects?limit=1").json()["count"] == 2
    assert len(c.get("/api/v1/projects?limit=1").json()["items"]) == 1
    assert c.get("/api/v1/projects?limit=0").status_code == 422
    assert c.get("/api/v1/projects?limit=201").status_code == 422
    assert c.get("/api/v1/projects?offset=1").json()["items"][0]["code"] in {"GLASS", "LOGI"}
    # Offsets beyond what the database can count are refused, never a server error.
    assert c.get(f"/api/v1/projects?offset={2**63}").status_code == 422
    assert c.get(f"/api/v1/events?stream=project:1&after={2**64}").status_code == 422


def add_projects(world, n):
    items = [world.land, world.plan, world.build]
    for _ in range(n):
        project = f.project(world.staff, world.ent_a, items, lead=world.helper)
        land = project.approvals.get(item__code="LAND")
        approval_transition(
            actor=world.staff, approval_id=land.pk, action="receive", now=at(2026, 11, 2)
        )
        approval_transition(
            actor=world.staff,
            approval_id=land.pk,
            action="accept",
            now=at(2026, 11, 2),
            missing_materials=["补充说明"],
            materials_due=at(2026, 12, 1).date(),
        )


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["staff", "helper", "officer", "enterprise"])
def test_query_counts_are_constant_as_data_grows(client, world, role):
    c = as_user(client, getattr(world, role))
    add_projects(world, 2)
    small_list = count_queries(c, "/api/v1/projects")
    small_detail = count_queries(c, f"/api/v1/projects/{world.own.pk}")
    add_projects(world, 12)
    assert count_queries(c, "/api/v1/projects") == small_list
    assert count_queries(c, f"/api/v1/projects/{world.own.pk}") == small_detail
    assert small_list <= 12
