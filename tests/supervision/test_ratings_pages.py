"""The ratings' pages: rating an approval or case (from the project panel and the decision
email's link), the ratings list with its filters and the follow-up form, per role."""

import re
from datetime import date

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils import translation

from portal.mail import send_to
from projects.models import Approval
from supervision import ratings
from supervision.models import Case, Rating
from supervision.panels_ratings import render_panel
from supervision.services import case_open
from tests.projects import factories as f
from tests.supervision.conftest import at

MON = date(2026, 9, 14)


def decide(approval, status="approved"):
    Approval.objects.filter(pk=approval.pk).update(status=status, decided_on=MON)
    approval.refresh_from_db()
    return approval


def url(approval):
    return f"/en/ratings/approval/{approval.pk}/"


def login(client, user):
    client.force_login(user)
    return client


def give(w, score=1, reasons=("slow",), actor=None, approval=None):
    return ratings.rating_give(
        actor=actor or w.enterprise,
        approval=approval or w.approval,
        score=score,
        reasons=list(reasons),
        comment="跑了两趟",
        today=MON,
        now=at(MON),
    )


# --- rating one approval -----------------------------------------------------------------------


def test_the_enterprise_rates_from_the_page_and_then_reads_its_rating(client, case_world):
    w = case_world
    decide(w.approval)
    c = login(client, w.enterprise)
    page = c.get(url(w.approval))
    assert page.status_code == 200
    assert 'name="score"' in page.text and "asked for materials twice" in page.text
    sent = c.post(
        url(w.approval),
        {"score": "2", "reasons": ["slow", "materials_twice"], "comment": "补正要求前后不一"},
    )
    assert sent.status_code == 302 and sent["Location"] == url(w.approval)
    shown = c.get(url(w.approval))
    assert 'name="score"' not in shown.text  # rated: no form any more
    assert "dissatisfied" in shown.text and "补正要求前后不一" in shown.text
    assert "slow, asked for materials twice" in shown.text
    assert "Rectification case PJ-2026-0001" in shown.text
    assert "Follow-up call pending" not in shown.text  # the bureau's record, not the enterprise's
    rating = Rating.objects.get()
    assert (rating.score, rating.reasons) == (2, ["slow", "materials_twice"])


def test_a_second_rating_answers_409_with_the_reason_and_keeps_what_was_typed(client, case_world):
    w = case_world
    decide(w.approval)
    give(w, score=5, reasons=["fast"])
    response = login(client, w.ent_colleague).post(
        url(w.approval), {"score": "1", "reasons": ["slow"], "comment": "我的同事已经评过了吗"}
    )
    assert response.status_code == 409
    assert "already been rated" in response.text
    assert Rating.objects.get().score == 5


def test_a_refused_rating_keeps_the_form_as_typed(client, case_world):
    w = case_world
    decide(w.approval)
    response = login(client, w.enterprise).post(
        url(w.approval), {"score": "1", "reasons": ["fast"], "comment": "说不清的要求"}
    )
    assert response.status_code == 409
    assert "do not fit the rating you chose" in response.text
    assert "说不清的要求" in response.text
    assert re.search(r'value="1"[^>]*checked', response.text)
    assert re.search(r'value="fast"[^>]*checked', response.text)
    assert not Rating.objects.exists()


def test_an_invalid_form_answers_400_with_the_comment_kept(client, case_world):
    w = case_world
    decide(w.approval)
    response = login(client, w.enterprise).post(url(w.approval), {"comment": "忘了打分"})
    assert response.status_code == 400
    assert "忘了打分" in response.text
    assert not Rating.objects.exists()


def test_an_empty_post_answers_400_with_the_score_asked_for(client, case_world):
    w = case_world
    decide(w.approval)
    response = login(client, w.enterprise).post(url(w.approval), {})
    assert response.status_code == 400
    assert "This field is required." in response.text
    assert not Rating.objects.exists()


def test_an_undecided_approval_shows_no_form(client, case_world):
    w = case_world
    page = login(client, w.enterprise).get(url(w.approval))
    assert page.status_code == 200
    assert 'name="score"' not in page.text
    assert "once it is approved or rejected" in page.text
    refused = client.post(url(w.approval), {"score": "5"})
    assert refused.status_code == 409 and "not decided yet" in refused.text


@pytest.mark.parametrize(
    ("who", "status", "form"),
    [
        ("enterprise", 200, True),
        ("officer", 200, False),  # the rated department reads it
        ("helper", 200, False),  # the project's helper reads it
        ("staff", 200, False),
        ("housing_officer", 404, False),  # another department (not on the project)
        ("helper2", 404, False),
        ("enterprise2", 404, False),
        ("nobody", 404, False),
    ],
)
def test_who_opens_the_rating_page(client, case_world, who, status, form):
    w = case_world
    decide(w.approval)
    page = login(client, getattr(w, who)).get(url(w.approval))
    assert page.status_code == status
    assert ('name="score"' in page.text) is form


def test_an_officer_of_another_department_on_the_same_project_gets_404(client, case_world):
    w = case_world
    build = f.item(w.housing, "BUILD2")
    Approval.objects.create(
        project=w.own,
        item=build,
        department=w.housing,
        statutory_limit_days=10,
        promised_limit_days=5,
    )
    decide(w.approval)
    give(w)
    # On the project (it has a housing approval), but the rating is planning's.
    assert login(client, w.housing_officer).get(url(w.approval)).status_code == 404
    assert not ratings.ratings_visible_to(w.housing_officer).exists()


@pytest.mark.parametrize("who", ["officer", "helper", "staff", "enterprise2", "housing_officer"])
def test_others_cannot_rate_by_posting(client, case_world, who):
    w = case_world
    decide(w.approval)
    response = login(client, getattr(w, who)).post(url(w.approval), {"score": "5"})
    assert response.status_code in (403, 404, 409)
    assert not Rating.objects.exists()


def test_anonymous_is_sent_to_log_in_and_guessed_ids_are_404(client, case_world):
    w = case_world
    decide(w.approval)
    anonymous = client.get(url(w.approval))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    c = login(client, w.enterprise)
    assert c.get("/en/ratings/approval/987654/").status_code == 404
    assert c.get("/en/ratings/case/987654/").status_code == 404
    assert c.get(url(w.other.approvals.get())).status_code == 404


def test_the_staff_follow_up_form_is_on_the_rating_page(client, case_world):
    w = case_world
    decide(w.approval)
    rating = give(w)
    c = login(client, w.staff)
    page = c.get(url(w.approval))
    assert "Follow-up call pending" in page.text
    assert f"/en/ratings/{rating.pk}/follow-up/" in page.text
    done = c.post(
        f"/en/ratings/{rating.pk}/follow-up/", {"note": "已电话回访", "next": url(w.approval)}
    )
    assert done.status_code == 302 and done["Location"] == url(w.approval)
    assert "已电话回访" in c.get(url(w.approval)).text
    # The enterprise reads its rating, not the bureau's record of the call.
    assert "已电话回访" not in login(client, w.enterprise).get(url(w.approval)).text


# --- closed cases ------------------------------------------------------------------------------


def test_a_closed_case_is_rated_from_its_page(client, case_world):
    w = case_world
    case, _ = case_open(actor=w.enterprise, kind="request", title="求助", project=w.own, today=MON)
    c = login(client, w.enterprise)
    address = f"/en/ratings/case/{case.pk}/"
    assert 'name="score"' not in c.get(address).text  # still open
    Case.objects.filter(pk=case.pk).update(state="closed", department=w.planning)
    assert 'name="score"' in c.get(address).text
    assert c.post(address, {"score": "4", "reasons": ["helpful_staff"]}).status_code == 302
    assert Rating.objects.get().case == case
    assert login(client, w.enterprise2).get(address).status_code == 404
    assert login(client, w.officer).get(address).status_code == 200


# --- the project page's panel ------------------------------------------------------------------


def panel(user, project):
    request = RequestFactory().get("/en/")
    request.user = user
    with translation.override("en"):
        return render_panel(request, project)


def test_the_panel_offers_the_enterprise_a_rate_button_then_shows_the_score(case_world):
    w = case_world
    assert panel(w.enterprise, w.own) is None  # nothing decided yet
    decide(w.approval)
    html = panel(w.enterprise, w.own)
    assert f'href="/en/ratings/approval/{w.approval.pk}/"' in html and ">Rate<" in html
    give(w, score=5, reasons=["fast"])
    html = panel(w.enterprise, w.own)
    assert ">Rate<" not in html and "very satisfied" in html


def test_the_project_page_carries_the_ratings_section(client, case_world):
    w = case_world
    decide(w.approval)
    page = login(client, w.enterprise).get(f"/en/projects/{w.own.pk}/")
    assert page.status_code == 200
    assert 'id="panel-ratings"' in page.text
    assert f'href="/en/ratings/approval/{w.approval.pk}/"' in page.text
    other = login(client, w.enterprise2).get(f"/en/projects/{w.other.pk}/")
    assert 'id="panel-ratings"' not in other.text  # nothing decided there


def test_the_panel_shows_the_bureau_side_what_it_may_read(case_world):
    w = case_world
    decide(w.approval)
    give(w, score=1, reasons=["slow", "poor_attitude"])
    for who in ("staff", "helper", "officer"):
        html = panel(getattr(w, who), w.own)
        assert "very dissatisfied" in html and "slow, poor attitude" in html
        assert "PJ-2026-0001" in html
    for who in ("enterprise2", "helper2", "nobody", "housing_officer"):
        assert panel(getattr(w, who), w.own) is None


# --- the decision email's link ----------------------------------------------------------------


def test_the_decision_email_links_the_enterprise_to_rating_once(client, case_world, settings):
    settings.PORTAL_BASE_URL = "https://portal.example"
    w = case_world
    w.enterprise.email, w.helper.email = "ent@example.com", "helper@example.com"
    w.enterprise.language = "en"
    w.enterprise.save()
    w.helper.save()
    decide(w.approval)
    for user in (w.enterprise, w.helper):
        send_to(
            user,
            "projects/email/decided",
            {"user": user, "approval": w.approval, "project": w.own, "url": "https://x/"},
        )
    to_enterprise, to_helper = mail.outbox
    found = re.search(r"https://portal\.example(/\S+)", to_enterprise.body.split("Rate")[-1])
    assert found, to_enterprise.body
    link = found.group(1)
    assert link.endswith(f"/ratings/approval/{w.approval.pk}/")
    assert "ratings/approval" not in to_helper.body  # the lead helper does not rate
    c = login(client, w.enterprise)
    assert 'name="score"' in c.get(link).text
    assert c.post(link, {"score": "5", "reasons": ["fast"]}).status_code == 302
    again = c.get(link)
    assert 'name="score"' not in again.text and "very satisfied" in again.text
    assert c.post(link, {"score": "1", "reasons": ["slow"]}).status_code == 409


# --- the ratings list --------------------------------------------------------------------------


def test_the_list_is_for_the_bureau_side_and_shows_what_each_may_read(client, case_world):
    w = case_world
    decide(w.approval)
    other = decide(w.other.approvals.get())
    give(w, score=1, reasons=["slow"])
    give(w, actor=w.enterprise2, approval=other, score=5, reasons=["fast"])
    own_row, other_row = "LAND", "BUILD"
    shown = {}
    for who in ("staff", "officer", "housing_officer", "helper", "helper2"):
        page = login(client, getattr(w, who)).get("/en/ratings/")
        assert page.status_code == 200
        shown[who] = {code for code in (own_row, other_row) if code in page.text}
    assert shown == {
        "staff": {"LAND", "BUILD"},
        "officer": {"LAND"},
        "housing_officer": {"BUILD"},
        "helper": {"LAND"},
        "helper2": {"BUILD"},
    }
    for who in ("enterprise", "nobody"):
        assert login(client, getattr(w, who)).get("/en/ratings/").status_code == 404


def test_the_list_filters(client, case_world):
    w = case_world
    decide(w.approval)
    other = decide(w.other.approvals.get())
    bad = give(w, score=1, reasons=["slow"])
    give(w, actor=w.enterprise2, approval=other, score=5, reasons=["fast"])
    c = login(client, w.staff)

    def codes(query):
        text = c.get("/en/ratings/?" + query).text
        return {code for code in ("LAND", "BUILD") if code in text}

    assert codes(f"department={w.planning.pk}") == {"LAND"}
    assert codes("score=5") == {"BUILD"}
    assert codes("pending=on") == {"LAND"}
    assert codes("since=2026-09-15") == set()
    assert codes("since=2026-09-14&until=2026-09-14") == {"LAND", "BUILD"}
    ratings.rating_follow_up(actor=w.staff, rating=bad, note="已回访")
    assert codes("pending=on") == set()


def test_the_follow_up_form_on_the_list_refuses_officers_and_keeps_the_note(client, case_world):
    w = case_world
    decide(w.approval)
    rating = give(w)
    c = login(client, w.officer)
    page = c.get("/en/ratings/")
    assert f"/en/ratings/{rating.pk}/follow-up/" not in page.text  # officers read, staff call
    refused = c.post(f"/en/ratings/{rating.pk}/follow-up/", {"note": "我来记录一下"})
    assert refused.status_code == 409
    assert "Only bureau staff" in refused.text
    staff = login(client, w.staff)
    empty = staff.post(f"/en/ratings/{rating.pk}/follow-up/", {"note": ""})
    assert empty.status_code == 400
    long = "回访记录" * 501
    too_long = staff.post(f"/en/ratings/{rating.pk}/follow-up/", {"note": long})
    assert too_long.status_code == 400 and long in too_long.text
    done = staff.post(
        f"/en/ratings/{rating.pk}/follow-up/", {"note": "企业表示满意", "next": "/en/ratings/"}
    )
    assert done.status_code == 302
    assert "企业表示满意" in staff.get("/en/ratings/").text
    assert (
        login(client, w.enterprise2)
        .post(f"/en/ratings/{rating.pk}/follow-up/", {"note": "x"})
        .status_code
        == 404
    )


def test_the_list_takes_the_same_number_of_queries_at_two_sizes(
    client, case_world, django_assert_max_num_queries
):
    w = case_world
    c = login(client, w.staff)

    def rate_some(n):
        for i in range(n):
            ent_user = f.user(f"rater{n}-{i}", "enterprise")
            project = f.project(w.staff, f.enterprise([ent_user]), [f.item(w.planning)])
            approval = decide(project.approvals.get())
            score = 1 + i % 5
            reasons = ["slow"] if score <= 3 else ["fast"]
            give(w, actor=ent_user, approval=approval, score=score, reasons=reasons)

    rate_some(2)
    c.get("/en/ratings/")
    with django_assert_max_num_queries(12) as small:
        assert c.get("/en/ratings/").status_code == 200
    rate_some(6)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert c.get("/en/ratings/").status_code == 200


def test_a_guessed_rating_id_for_the_follow_up_is_404(client, case_world):
    c = login(client, case_world.staff)
    assert c.post("/en/ratings/987654/follow-up/", {"note": "x"}).status_code == 404
    assert c.get("/en/ratings/1/follow-up/").status_code == 405  # a form's target only
