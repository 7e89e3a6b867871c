"""Deciding an approval as an officer would: one consistent state per material, acceptance not
offered while prerequisites wait, a decision document number, files reviewed (or decided on
paper) before approving, and a refused form that keeps everything typed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.errors import InvalidInput, TransitionRefused
from portal.models import Event
from projects import permissions as perms
from projects.checklist import material_status, unreviewed_versions
from projects.models import Approval
from projects.selectors import department_queue, mark_blocking_prerequisites
from projects.services import approval_transition, material_review, material_upload
from tests.projects.conftest import at

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def move(actor, approval, action, **payload):
    return approval_transition(
        actor=actor, approval_id=approval.pk, action=action, now=at(2026, 11, 2), **payload
    )


def pdf(name="申请表.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def received_and_accepted(w, code="LAND"):
    approval = w.approval(w.own, code)
    move(w.officer, approval, "receive")
    return move(w.officer, approval, "accept")


def fresh(approval) -> Approval:
    return Approval.objects.get(pk=approval.pk)


# --- one state per material ----------------------------------------------------------------


def test_accepted_without_a_file_reads_handed_in_on_paper_not_provided_and_not_uploaded(world):
    land = received_and_accepted(world)
    statuses = {m.key: material_status(m).code for m in fresh(land).materials.all()}
    assert statuses == {True: "on_paper", False: "on_paper"}


def test_states_follow_the_newest_version_and_its_review(world):
    land = world.approval(world.own, "LAND")
    form = land.materials.get(key=True)
    draft = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    assert material_status(form).code == "pre_review"
    material_review(actor=world.officer, version_id=draft.pk, verdict="accepted")
    assert material_status(form).code == "pre_review_accepted"
    received_and_accepted(world)
    sent = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    form.refresh_from_db()
    assert material_status(form).code == "awaiting_review"
    material_review(actor=world.officer, version_id=sent.pk, verdict="needs_correction", note="x")
    assert material_status(form).code == "needs_correction"


def test_the_page_never_says_provided_beside_nothing_uploaded(client, world):
    land = received_and_accepted(world)
    client.force_login(world.enterprise)
    # The card's checklist comes on demand (the cards' section, this card).
    html = client.get(f"/projects/{world.own.pk}/sections/cards/?approval={land.pk}").content
    card = html.decode().split(f'id="approval-{land.pk}"')[1].split("</details>")[0]
    # Accepted with nothing uploaded: handed in on paper, and the file column agrees.
    assert "尚未上传" not in card
    assert 'data-state="on_paper"' in card and "纸质" in card


# --- acceptance waits for prerequisites ----------------------------------------------------


def test_accept_is_not_offered_while_a_prerequisite_waits_and_the_page_says_why(client, world):
    plan = world.approval(world.own, "PLAN")
    move(world.officer, plan, "receive")
    assert "accept" not in perms.allowed_actions(world.officer, fresh(plan))
    assert "reject" in perms.allowed_actions(world.officer, fresh(plan))
    client.force_login(world.officer)
    html = client.get(f"/en/projects/{world.own.pk}/sections/cards/?approval={plan.pk}").content
    card = html.decode().split(f'id="approval-{plan.pk}"')[1].split("</details>")[0]
    assert "Acceptance waits for these prerequisites to be approved:" in card
    assert "LAND" in card
    assert "action-form--accept" not in card
    with pytest.raises(TransitionRefused) as refused:
        move(world.officer, plan, "accept")
    assert refused.value.code == "prerequisites_not_approved"
    land = received_and_accepted(world)
    move(world.officer, land, "approve")
    assert "accept" in perms.allowed_actions(world.officer, fresh(plan))


def test_the_queue_computes_what_waits_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    move(world.officer, world.approval(world.own, "PLAN"), "receive")
    move(world.officer, world.approval(world.own, "LAND"), "receive")
    rows = list(department_queue(world.officer))
    with django_assert_max_num_queries(2):
        mark_blocking_prerequisites(rows)
    waiting = {a.item.code: [i.code for i in a.prerequisites_pending] for a in rows}
    assert waiting == {"LAND": [], "PLAN": ["LAND"]}


# --- the decision ----------------------------------------------------------------------------


def test_approve_records_the_decision_document_number(world):
    land = received_and_accepted(world)
    move(
        world.officer,
        land,
        "approve",
        decision_number="  规划许〔2026〕 15号 ",
        conditions="按图施工",
    )
    land = fresh(land)
    assert land.decision_number == "规划许〔2026〕 15号"
    event = Event.objects.filter(event="approval.approved").get()
    assert event.data["decision_number"] == "规划许〔2026〕 15号"


def test_a_decision_number_too_long_is_refused_and_nothing_changes(world):
    land = received_and_accepted(world)
    with pytest.raises(InvalidInput) as refused:
        move(world.officer, land, "approve", decision_number="号" * 61)
    assert refused.value.field == "decision_number"
    assert fresh(land).status == "accepted"


def test_reject_takes_a_decision_number_too(world):
    land = received_and_accepted(world)
    move(world.officer, land, "reject", reason="不符合规划", decision_number="不予许可〔2026〕3号")
    assert fresh(land).decision_number == "不予许可〔2026〕3号"


def test_approving_with_files_not_reviewed_asks_to_review_first_or_decide_on_paper(world):
    land = received_and_accepted(world)
    form = land.materials.get(key=True)
    sent = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    assert [v.pk for v in unreviewed_versions(fresh(land))] == [sent.pk]
    with pytest.raises(TransitionRefused) as refused:
        move(world.officer, land, "approve")
    assert refused.value.code == "unreviewed_versions"
    assert fresh(land).status == "accepted"
    move(world.officer, land, "approve", on_paper=True)
    assert fresh(land).status == "approved"
    event = Event.objects.filter(event="approval.approved").get()
    assert event.data["decided_on_paper"] == [f"{form.label} v{sent.number}"]


def test_once_reviewed_the_approval_goes_through_without_confirmation(world):
    land = received_and_accepted(world)
    form = land.materials.get(key=True)
    sent = material_upload(actor=world.enterprise, material_id=form.pk, upload=pdf())
    material_review(actor=world.officer, version_id=sent.pk, verdict="accepted")
    move(world.officer, land, "approve")
    assert fresh(land).status == "approved"
    assert "decided_on_paper" not in Event.objects.get(event="approval.approved").data


def test_the_page_warns_and_offers_the_paper_confirmation_only_when_files_wait(client, world):
    land = received_and_accepted(world)
    client.force_login(world.officer)
    url = f"/en/projects/{world.own.pk}/sections/cards/"  # the cards' forms, on demand
    html = client.get(url).content.decode()
    assert f'name="a{land.pk}-on_paper"' not in html
    material_upload(
        actor=world.enterprise, material_id=land.materials.get(key=True).pk, upload=pdf()
    )
    html = client.get(url).content.decode()
    assert f'name="a{land.pk}-on_paper"' in html
    assert "1 file sent for this approval waits for review" in html


# --- a refused form keeps what was typed -----------------------------------------------------


def test_a_refused_approval_on_the_project_page_keeps_number_and_conditions(client, world):
    land = received_and_accepted(world)
    material_upload(
        actor=world.enterprise, material_id=land.materials.get(key=True).pk, upload=pdf()
    )
    client.force_login(world.officer)
    response = client.post(
        f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/",
        {
            f"a{land.pk}-action": "approve",
            f"a{land.pk}-decision_number": "规划许〔2026〕15号",
            f"a{land.pk}-conditions": "按审定图纸施工，竣工后报验",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "wait for review" in html  # the reason
    assert 'value="规划许〔2026〕15号"' in html
    assert "按审定图纸施工，竣工后报验</textarea>" in html
    card = re.search(rf'<details class="approval-card" id="approval-{land.pk}"[^>]*>', html)
    assert card and " open" in card.group(0)  # the card with the refused form is open
    assert fresh(land).status == "accepted"


def test_a_refused_rejection_from_the_queue_comes_back_to_the_queue_with_its_form(client, world):
    land = received_and_accepted(world)
    client.force_login(world.officer)
    response = client.post(
        f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/",
        {
            f"a{land.pk}-action": "reject",
            f"a{land.pk}-reason": "   ",
            f"a{land.pk}-decision_number": "不予〔2026〕1号",
            "next": "/en/queue/?state=accepted",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "A rejection needs a reason." in html
    assert 'value="不予〔2026〕1号"' in html
    assert re.search(r'<details class="decision" open><summary>Reject', html)
    assert fresh(land).status == "accepted"


def test_an_invalid_action_form_is_shown_again_not_thrown_away(client, world):
    land = received_and_accepted(world)
    client.force_login(world.officer)
    response = client.post(
        f"/en/projects/{world.own.pk}/approvals/{land.pk}/transition/",
        {f"a{land.pk}-action": "approve", f"a{land.pk}-decision_number": "x" * 80},
    )
    assert response.status_code == 409
    assert "Decision document number" in response.content.decode()
    assert fresh(land).status == "accepted"


# --- the page's structure --------------------------------------------------------------------


def test_the_project_page_opens_with_a_summary_and_collapsed_approvals(client, world):
    received_and_accepted(world)
    client.force_login(world.helper)
    html = client.get(f"/en/projects/{world.own.pk}/").content.decode()
    assert html.index('id="summary"') < html.index('id="approvals"') < html.index('id="details"')
    assert 'class="section-nav' in html
    for href in ("#summary", "#approvals", "#details", "#events", "#comments"):
        assert f'href="{href}"' in html
    cards = re.findall(r'<details class="approval-card"[^>]*>', html)
    assert len(cards) == 3 and not any(" open" in c for c in cards)
    assert "Waiting on whom" in html and "Planning bureau" in html
