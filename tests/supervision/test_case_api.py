"""The cases API: every route x role x own / other case, refusals in the portal's shapes,
guessed ids answered 404, pagination and a constant number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision.models import Case
from supervision.services import case_open, case_reply, case_transition

ROLES = [
    "staff",
    "helper",
    "helper2",
    "officer",
    "housing_officer",
    "enterprise",
    "enterprise2",
    "nobody",
]
# Who sees the enterprise's complaint about `own` (dispatched to planning).
SEES_COMPLAINT = {"staff", "helper", "officer", "enterprise"}
# Who sees the supervision case about `own` (planning): never the enterprise.
SEES_SUPERVISION = {"staff", "helper", "officer"}


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def api_cases(case_world):
    w = case_world
    complaint, _ = case_open(actor=w.enterprise, kind="complaint", title="审查太慢", project=w.own)
    case_transition(actor=w.staff, case=complaint, action="dispatch", department=w.planning)
    case_reply(actor=w.officer, case=complaint, body="内部", internal=True)
    supervision, _ = case_open(
        actor=w.staff, kind="supervision", title="督办", project=w.own, department=w.planning
    )
    return complaint, supervision


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_exactly_the_visible_cases(client, case_world, api_cases, role):
    complaint, supervision = api_cases
    client.force_login(getattr(case_world, role))
    response = client.get("/api/v1/cases")
    assert response.status_code == 200
    got = {row["number"] for row in response.json()["items"]}
    expected = {complaint.number} if role in SEES_COMPLAINT else set()
    expected |= {supervision.number} if role in SEES_SUPERVISION else set()
    assert got == expected and response.json()["count"] == len(expected)


@pytest.mark.parametrize("role", ROLES)
def test_the_detail_is_404_for_those_who_may_not_see_it(client, case_world, api_cases, role):
    complaint, supervision = api_cases
    client.force_login(getattr(case_world, role))
    for case, seers in ((complaint, SEES_COMPLAINT), (supervision, SEES_SUPERVISION)):
        response = client.get(f"/api/v1/cases/{case.pk}")
        assert response.status_code == (200 if role in seers else 404)
        if role in seers:
            body = response.json()
            internal = role != "enterprise"
            assert (f"case:{case.pk}:internal" in body["streams"]) is internal
            assert any(r["internal"] for r in body["replies"]) is (internal and case == complaint)
            assert (body["escalation_level"] is None) is (not internal)
        else:
            assert response.json()["code"] == "not_found"
    # A guessed id is answered like a missing one, for every route.
    assert client.get("/api/v1/cases/999999").status_code == 404
    assert post_json(client, "/api/v1/cases/999999/replies", {"body": "x"}).status_code == 404
    assert (
        post_json(client, "/api/v1/cases/999999/transitions", {"action": "sign"}).status_code == 404
    )


def test_anonymous_callers_are_refused(client, api_cases):
    assert client.get("/api/v1/cases").status_code == 401


def test_the_lifecycle_through_the_api(client, case_world):
    w = case_world
    client.force_login(w.enterprise)
    opened = post_json(
        client,
        "/api/v1/cases",
        {"kind": "request", "title": "用地协调", "project": w.own.pk, "body": "请帮忙"},
    )
    assert opened.status_code == 201
    body = opened.json()
    assert body["number"] == "SQ-2026-0001" and len(body["tracking_code"]) == 10
    assert body["state"] == "opened" and body["actions"] == []
    case_id = body["id"]
    client.force_login(w.staff)
    moved = post_json(
        client,
        f"/api/v1/cases/{case_id}/transitions",
        {"action": "dispatch", "department": w.planning.pk, "assignee": w.officer.pk},
    )
    assert moved.status_code == 200 and moved.json()["state"] == "dispatched"
    client.force_login(w.officer)
    assert (
        post_json(client, f"/api/v1/cases/{case_id}/transitions", {"action": "sign"}).json()[
            "state"
        ]
        == "signed"
    )
    reply = post_json(
        client, f"/api/v1/cases/{case_id}/replies", {"body": "内部意见", "internal": True}
    )
    assert reply.status_code == 201 and reply.json()["internal"] is True
    answered = post_json(
        client, f"/api/v1/cases/{case_id}/transitions", {"action": "answer", "answer": "已协调"}
    )
    assert answered.json()["state"] == "answered"
    client.force_login(w.enterprise)
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["answer"] == "已协调" and detail["actions"] == ["close", "reopen"]
    assert [r["body"] for r in detail["replies"]] == ["已协调"]  # no internal note
    closed = post_json(client, f"/api/v1/cases/{case_id}/transitions", {"action": "close"})
    assert closed.json()["state"] == "closed"


def test_refusals_have_the_portal_shape(client, case_world, api_cases):
    w = case_world
    complaint, _ = api_cases
    client.force_login(w.enterprise)
    refused = post_json(
        client,
        f"/api/v1/cases/{complaint.pk}/transitions",
        {"action": "dispatch", "department": w.planning.pk},
    )
    assert refused.status_code == 403
    # The API answers in the portal's language (Chinese): "you may see it, not dispatch it".
    assert refused.json() == {"detail": "您可以查看此工单，但不能派发。", "code": "forbidden"}
    wrong_state = post_json(
        client, f"/api/v1/cases/{complaint.pk}/transitions", {"action": "close"}
    )
    assert wrong_state.status_code == 409 and wrong_state.json()["code"] == "invalid_state"
    internal = post_json(
        client, f"/api/v1/cases/{complaint.pk}/replies", {"body": "x", "internal": True}
    )
    assert internal.status_code == 403
    unknown = post_json(client, f"/api/v1/cases/{complaint.pk}/transitions", {"action": "fly"})
    assert unknown.status_code == 422
    # Another enterprise's project is not there for it.
    client.force_login(w.enterprise2)
    hidden = post_json(
        client, "/api/v1/cases", {"kind": "complaint", "title": "t", "project": w.own.pk}
    )
    assert hidden.status_code == 404
    client.force_login(w.staff)
    empty = post_json(
        client, f"/api/v1/cases/{complaint.pk}/transitions", {"action": "escalate", "reason": " "}
    )
    assert empty.status_code == 422 and empty.json()["field"] == "reason"


def test_filters_pagination_and_constant_queries(client, case_world):
    w = case_world
    client.force_login(w.officer)

    def add(n):
        for i in range(n):
            case_open(
                actor=w.staff,
                kind="supervision",
                title=f"s{i}",
                project=w.own,
                department=w.planning,
                assignee=w.officer,
            )

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/cases", {"limit": 50}).status_code == 200
        return len(captured)

    add(2)
    small = queries()
    add(20)
    assert queries() == small
    page = client.get("/api/v1/cases", {"limit": 5, "offset": 5}).json()
    assert page["count"] == 22 and len(page["items"]) == 5
    case_open(actor=w.enterprise, kind="complaint", title="c", project=w.own)
    client.force_login(w.staff)
    kinds = client.get("/api/v1/cases", {"kind": "complaint"}).json()
    assert [row["kind"] for row in kinds["items"]] == ["complaint"]
    Case.objects.filter(kind="complaint").update(stage_due="2026-01-05")
    overdue = client.get("/api/v1/cases", {"overdue": True}).json()
    assert [row["kind"] for row in overdue["items"]] == ["complaint"]
    assert client.get("/api/v1/cases", {"state": "nope"}).status_code == 422
