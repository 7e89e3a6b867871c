"""GET/POST /api/v1/ratings: what each role sees, giving a rating and every refusal, in the
same shapes as the rest of the API."""

import json
from datetime import date

import pytest

from projects.models import Approval
from supervision import ratings
from supervision.models import Case, Rating
from supervision.services import case_open
from tests.projects import factories as f
from tests.supervision.conftest import at

MON = date(2026, 9, 14)


def decide(approval, status="approved"):
    Approval.objects.filter(pk=approval.pk).update(status=status, decided_on=MON)
    approval.refresh_from_db()
    return approval


def login(client, user):
    client.force_login(user)
    return client


def post(client, body):
    return client.post("/api/v1/ratings", json.dumps(body), content_type="application/json")


@pytest.fixture
def rated(case_world):
    """Planning's LAND on GLASS rated 1 by enterprise A (a PJ case), housing's BUILD on LOGI
    rated 5 by enterprise B; the first one called back."""
    w = case_world
    decide(w.approval)
    other = decide(w.other.approvals.get())
    w.bad = ratings.rating_give(
        actor=w.enterprise,
        approval=w.approval,
        score=1,
        reasons=["slow"],
        comment="太慢",
        today=MON,
        now=at(MON),
    )
    w.good = ratings.rating_give(
        actor=w.enterprise2, approval=other, score=5, reasons=["fast"], today=MON, now=at(MON)
    )
    ratings.rating_follow_up(actor=w.staff, rating=w.bad, note="已回访")
    return w


SEES = {
    "staff": {"LAND", "BUILD"},
    "helper": {"LAND"},
    "helper2": {"BUILD"},
    "officer": {"LAND"},
    "housing_officer": {"BUILD"},
    "enterprise": {"LAND"},
    "enterprise2": {"BUILD"},
    "nobody": set(),
}


@pytest.mark.parametrize("who", list(SEES))
def test_the_list_shows_what_each_role_may_see(client, rated, who):
    response = login(client, getattr(rated, who)).get("/api/v1/ratings")
    assert response.status_code == 200
    body = response.json()
    assert {row["subject"]["label"].split()[0] for row in body["items"]} == SEES[who]
    assert body["count"] == len(SEES[who])
    for row in body["items"]:
        bureau = who not in ("enterprise", "enterprise2")
        if row["score"] == 1:
            assert row["follow_up_case"] == "PJ-2026-0001"
            assert (row["follow_up_note"] == "已回访") is bureau
            assert row["comment"] == "太慢"


def test_the_list_filters_and_pages(client, rated):
    c = login(client, rated.staff)

    def ids(query):
        return [row["id"] for row in c.get("/api/v1/ratings?" + query).json()["items"]]

    assert ids(f"department={rated.planning.pk}") == [rated.bad.pk]
    assert ids("score=5") == [rated.good.pk]
    assert ids(f"project={rated.other.pk}") == [rated.good.pk]
    assert ids("since=2026-09-15") == []
    assert ids("follow_up_pending=true") == []
    page = c.get("/api/v1/ratings?limit=1&offset=1").json()
    assert page["count"] == 2 and len(page["items"]) == 1
    assert c.get("/api/v1/ratings?score=9").status_code == 422


def test_anonymous_is_401(client, rated):
    assert client.get("/api/v1/ratings").status_code == 401
    response = post(client, {"approval": rated.approval.pk, "score": 5})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_the_enterprise_gives_a_rating(client, case_world):
    w = case_world
    decide(w.approval)
    response = post(
        login(client, w.enterprise),
        {"approval": w.approval.pk, "score": 2, "reasons": ["slow"], "comment": "等了很久"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["subject"] == {
        "type": "approval",
        "id": w.approval.pk,
        "label": f"LAND {w.approval.item.label}",
    }
    assert body["score"] == 2 and body["reasons"] == ["slow"]
    assert body["follow_up_case"] == "PJ-2026-0001"
    assert body["follow_up_note"] is None  # the enterprise does not read the bureau's record
    assert Rating.objects.get().rated_by == w.enterprise


def test_a_second_rating_is_409(client, rated):
    response = post(login(client, rated.ent_colleague), {"approval": rated.approval.pk, "score": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "already_rated"
    # The API answers in the portal's language (Chinese): the first rating is named.
    assert "已评价过" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"score": 1, "reasons": ["fast"]}, 422, "reasons"),  # the domain's refusal
        ({"score": 1}, 422, "reasons"),
        ({"score": 5, "reasons": ["invented"]}, 422, None),  # not in the schema's list
        ({"score": 0}, 422, None),
        ({"score": 5, "comment": "长" * 1001}, 422, None),
    ],
)
def test_invalid_input_is_422(client, case_world, body, status, field):
    w = case_world
    decide(w.approval)
    response = post(login(client, w.enterprise), {"approval": w.approval.pk, **body})
    assert response.status_code == status
    if field:
        assert response.json()["field"] == field
    assert not Rating.objects.exists()


def test_either_an_approval_or_a_case(client, case_world):
    w = case_world
    c = login(client, w.enterprise)
    assert post(c, {"score": 5}).status_code == 422
    assert post(c, {"score": 5, "approval": w.approval.pk, "case": 1}).status_code == 422


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("officer", 403),
        ("helper", 403),
        ("staff", 403),
        ("housing_officer", 404),
        ("enterprise2", 404),
        ("nobody", 404),
    ],
)
def test_only_the_enterprise_rates(client, case_world, who, status):
    w = case_world
    decide(w.approval)
    response = post(login(client, getattr(w, who)), {"approval": w.approval.pk, "score": 5})
    assert response.status_code == status
    assert set(response.json()) >= {"detail", "code"}
    assert not Rating.objects.exists()


def test_guessed_and_foreign_ids_are_the_same_404(client, case_world):
    w = case_world
    decide(w.other.approvals.get())
    c = login(client, w.enterprise)
    missing = post(c, {"approval": 987654, "score": 5})
    foreign = post(c, {"approval": w.other.approvals.get().pk, "score": 5})
    case = post(c, {"case": 987654, "score": 5})
    assert missing.status_code == foreign.status_code == case.status_code == 404
    assert missing.json()["code"] == foreign.json()["code"] == "not_found"


def test_an_undecided_approval_is_409(client, case_world):
    w = case_world
    response = post(login(client, w.enterprise), {"approval": w.approval.pk, "score": 5})
    assert response.status_code == 409
    assert response.json()["code"] == "not_decided"


def test_a_closed_case_is_rated_through_the_api(client, case_world):
    w = case_world
    case, _ = case_open(
        actor=w.enterprise, kind="complaint", title="投诉", project=w.own, today=MON
    )
    c = login(client, w.enterprise)
    assert post(c, {"case": case.pk, "score": 4}).json()["code"] == "not_closed"
    Case.objects.filter(pk=case.pk).update(state="closed")
    response = post(c, {"case": case.pk, "score": 4, "reasons": ["helpful_staff"]})
    assert response.status_code == 201
    assert response.json()["subject"] == {"type": "case", "id": case.pk, "label": case.number}


@pytest.mark.parametrize("who", ["staff", "helper"])
def test_the_list_takes_the_same_number_of_queries_at_two_sizes(
    client, case_world, django_assert_max_num_queries, who
):
    w = case_world
    c = login(client, getattr(w, who))

    def rate_some(n):
        for i in range(n):
            rater = f.user(f"api-rater{n}-{i}", "enterprise")
            project = f.project(w.staff, f.enterprise([rater]), [f.item(w.planning)], lead=w.helper)
            approval = decide(project.approvals.get())
            ratings.rating_give(
                actor=rater, approval=approval, score=1, reasons=["slow"], today=MON, now=at(MON)
            )

    rate_some(2)
    c.get("/api/v1/ratings")
    with django_assert_max_num_queries(12) as small:
        assert c.get("/api/v1/ratings").json()["count"] == 2
    rate_some(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get("/api/v1/ratings").json()["count"] == 8
