"""The project page's cases section: what each role sees of a project's cases and may open."""

import pytest
from django.test import RequestFactory

from supervision.panels_cases import render_panel
from supervision.services import case_open


@pytest.fixture
def panel_cases(case_world):
    w = case_world
    complaint, _ = case_open(actor=w.enterprise, kind="complaint", title="投诉内容", project=w.own)
    supervision, _ = case_open(
        actor=w.staff, kind="supervision", title="督办内容", project=w.own, department=w.planning
    )
    return complaint, supervision


def panel(user, project):
    request = RequestFactory().get("/")
    request.user = user
    return render_panel(request, project) or ""


def test_each_role_sees_its_cases_and_buttons(case_world, panel_cases):
    w = case_world
    complaint, supervision = panel_cases
    staff = panel(w.staff, w.own)
    assert complaint.number in staff and supervision.number in staff
    assert f"/cases/new/{w.own.pk}/" in staff and "kind=complaint" not in staff
    helper = panel(w.helper, w.own)
    assert supervision.number in helper and f"/cases/new/{w.own.pk}/" in helper
    officer = panel(w.officer, w.own)
    assert complaint.number not in officer  # not dispatched to planning
    assert supervision.number in officer and "/cases/new/" not in officer
    ent = panel(w.enterprise, w.own)
    assert complaint.number in ent and supervision.number not in ent
    assert "kind=complaint" in ent and "kind=request" in ent and "/cases/new/" not in ent
    # Not their project: nothing at all.
    assert panel(w.enterprise2, w.own) == ""
    assert panel(w.helper2, w.own) == ""
    # The housing officer sees the project (its approvals) but no case about it.
    assert panel(w.housing_officer, w.other) == ""
