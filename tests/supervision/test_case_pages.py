"""The case pages: the list's tabs and filters, the case page by role (guessed numbers are
404), refusals shown with what was typed, the enterprise's requests, the hotline form, the
public tracking page."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.models import Case
from supervision.services import case_open, case_reply, case_transition

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def cases(case_world):
    w = case_world
    complaint, code = case_open(
        actor=w.enterprise, kind="complaint", title="审查太慢", project=w.own
    )
    case_transition(actor=w.staff, case=complaint, action="dispatch", department=w.planning)
    case_reply(
        actor=w.officer,
        case=complaint,
        body="内部意见：先会签",
        internal=True,
        files=[SimpleUploadedFile("内部.pdf", PDF)],
    )
    supervision, _ = case_open(
        actor=w.helper, kind="supervision", title="督办用地", project=w.own, department=w.planning
    )
    other, _ = case_open(actor=w.enterprise2, kind="request", title="物流诉求", project=w.other)
    case_transition(actor=w.staff, case=other, action="dispatch", department=w.housing)
    return complaint, supervision, other, code


def client_for(client, user):
    client.force_login(user)
    return client


def numbers(response):
    return set(re.findall(r"(?:TS|DB|SQ|RX|PJ)-2026-\d{4}", response.content.decode()))


def test_the_list_shows_each_role_its_own_cases(client, case_world, cases):
    w = case_world
    complaint, supervision, other, _ = cases
    url = reverse("case_list")
    expected = {
        w.staff: {complaint.number, supervision.number, other.number},
        w.officer: {complaint.number, supervision.number},
        w.housing_officer: {other.number},
        w.helper: {complaint.number, supervision.number},
        w.helper2: {other.number},
        w.enterprise: {complaint.number},
        w.enterprise2: {other.number},
        w.nobody: set(),
    }
    for user, seen in expected.items():
        client.force_login(user)
        officers = (w.officer, w.housing_officer)
        tab = "all" if user == w.staff else "department" if user in officers else "mine"
        response = client.get(url, {"tab": tab})
        assert response.status_code == 200
        assert numbers(response) == seen, user.username


def test_filters_by_kind_state_and_overdue(client, case_world, cases):
    w = case_world
    complaint, supervision, other, _ = cases
    client.force_login(w.staff)
    url = reverse("case_list")
    assert numbers(client.get(url, {"tab": "all", "kind": "supervision"})) == {supervision.number}
    assert numbers(client.get(url, {"tab": "all", "state": "closed"})) == set()
    Case.objects.filter(pk=other.pk).update(stage_due="2026-01-05")
    assert numbers(client.get(url, {"tab": "all", "overdue": "on"})) == {other.number}
    # Staff start with every case, an officer with the department's.
    assert numbers(client.get(url)) == {complaint.number, supervision.number, other.number}
    client.force_login(w.housing_officer)
    assert numbers(client.get(url)) == {other.number}
    # The enterprise's tab never offers all cases, even when asked.
    client.force_login(w.enterprise)
    assert numbers(client.get(url, {"tab": "all"})) == {complaint.number}


def test_the_list_costs_the_same_queries_at_two_sizes(client, case_world):
    w = case_world
    client.force_login(w.officer)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("case_list"), {"tab": "mine"}).status_code == 200
        return len(captured)

    def add(n):
        for i in range(n):
            case_open(
                actor=w.staff,
                kind="supervision",
                title=f"c{i}",
                project=w.own,
                department=w.planning,
                assignee=w.officer,
            )

    add(3)
    small = queries()
    add(30)
    assert queries() == small


def test_the_case_page_by_role_and_guessed_numbers(client, case_world, cases):
    w = case_world
    complaint, supervision, other, _ = cases
    url = reverse("case_detail", args=[complaint.number])
    for user in (w.staff, w.helper, w.officer, w.officer2, w.enterprise, w.ent_colleague):
        client.force_login(user)
        assert client.get(url).status_code == 200, user.username
    for user in (w.helper2, w.housing_officer, w.enterprise2, w.nobody):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
    client.force_login(w.enterprise)
    assert client.get(reverse("case_detail", args=[supervision.number])).status_code == 404
    assert client.get(reverse("case_detail", args=["TS-2026-0999"])).status_code == 404
    assert (
        client.post(reverse("case_act", args=[other.number]), {"action": "close"}).status_code
        == 404
    )
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_internal_notes_and_their_files_are_hidden_from_the_enterprise(client, case_world, cases):
    w = case_world
    complaint = cases[0]
    attachment = complaint.replies.get(internal=True).attachments.get()
    client.force_login(w.officer2)
    page = client.get(reverse("case_detail", args=[complaint.number])).content.decode()
    assert "内部意见" in page and "内部.pdf" in page
    assert f"case:{complaint.pk}:internal=1" in page
    assert client.get(reverse("case_attachment", args=[attachment.pk])).status_code == 200
    client.force_login(w.enterprise)
    page = client.get(reverse("case_detail", args=[complaint.number])).content.decode()
    assert "内部意见" not in page and "内部.pdf" not in page
    assert 'name="internal"' not in page
    # The page listens live to the case's stream, never to its internal side.
    assert f'data-streams="case:{complaint.pk}=' in page
    assert f"case:{complaint.pk}:internal" not in page
    assert client.get(reverse("case_attachment", args=[attachment.pk])).status_code == 404


def test_only_the_actions_the_viewer_may_take_are_offered(client, case_world, cases):
    w = case_world
    complaint = cases[0]
    url = reverse("case_detail", args=[complaint.number])

    def offered(user):
        client.force_login(user)
        return set(re.findall(r'name="action" value="(\w+)"', client.get(url).content.decode()))

    assert offered(w.officer) == {"sign", "ask_opener"}
    assert offered(w.staff) == {"dispatch", "escalate"}
    assert offered(w.helper) == {"dispatch", "escalate"}
    assert offered(w.enterprise) == set()


def test_a_refused_action_answers_409_with_the_reason_and_the_typed_text(client, case_world, cases):
    w = case_world
    complaint = cases[0]
    client.force_login(w.staff)
    response = client.post(
        reverse("case_act", args=[complaint.number]),
        {
            "action": "dispatch",
            "department": w.planning.pk,
            "assignee": w.housing_officer.pk,
            "note": "请规划局尽快处理",
        },
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "is not an officer of" in page
    assert "请规划局尽快处理" in page
    # The enterprise may not dispatch: the same page says why.
    client.force_login(w.enterprise)
    response = client.post(
        reverse("case_act", args=[complaint.number]),
        {"action": "dispatch", "department": w.planning.pk},
    )
    assert response.status_code == 409
    assert "You may see this case but not dispatch it." in response.content.decode()


def test_the_lifecycle_through_the_pages(client, case_world, cases):
    w = case_world
    complaint = cases[0]
    act = reverse("case_act", args=[complaint.number])
    client.force_login(w.officer)
    assert client.post(act, {"action": "sign"}).status_code == 302
    assert client.post(act, {"action": "answer", "answer": "已批复"}).status_code == 302
    client.force_login(w.enterprise)
    page = client.get(reverse("case_detail", args=[complaint.number])).content.decode()
    assert "已批复" in page and 'value="close"' in page and 'value="reopen"' in page
    assert client.post(act, {"action": "close"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == "closed"


def test_a_refused_attachment_keeps_the_message(client, case_world, cases):
    w = case_world
    complaint = cases[0]
    client.force_login(w.enterprise)
    response = client.post(
        reverse("case_reply", args=[complaint.number]),
        {"body": "补充说明见附件", "files": SimpleUploadedFile("a.exe", b"MZ\x90\x00")},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Files of type .exe are not accepted" in page and "补充说明见附件" in page
    response = client.post(
        reverse("case_reply", args=[complaint.number]),
        {"body": "补充说明见附件", "files": SimpleUploadedFile("a.pdf", PDF)},
    )
    assert response.status_code == 302
    assert complaint.replies.filter(body="补充说明见附件").get().attachments.count() == 1


def test_the_enterprise_asks_for_help_and_sees_its_code_once(client, case_world):
    w = case_world
    client.force_login(w.enterprise)
    url = reverse("case_requests")
    assert client.get(url, {"project": w.own.pk, "kind": "complaint"}).status_code == 200
    # Another enterprise's project is not a choice.
    refused = client.post(
        url, {"kind": "request", "project": w.other.pk, "title": "t", "body": "b"}
    )
    assert refused.status_code == 400 and not Case.objects.exists()
    response = client.post(
        url,
        {
            "kind": "request",
            "project": w.own.pk,
            "approval": w.approval.pk,
            "title": "用地指标",
            "body": "请协调",
        },
    )
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.number])
    assert case.kind == "request" and case.approval == w.approval and case.enterprise == w.ent_a
    first = client.get(response["Location"]).content.decode()
    code = re.search(r'class="tracking-code">(\w+)<', first).group(1)
    assert "tracking-code" not in client.get(response["Location"]).content.decode()
    from supervision.services import tracking_matches

    assert tracking_matches(case, case.number, code)
    assert case.number in client.get(url).content.decode()
    client.force_login(w.staff)
    assert client.get(url).status_code == 403


def test_staff_record_a_hotline_call(client, case_world):
    w = case_world
    url = reverse("case_hotline")
    for user in (w.officer, w.helper, w.enterprise):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(w.staff)
    refused = client.post(url, {"kind": "hotline", "title": "咨询"})
    assert refused.status_code == 400
    assert "Give the caller" in refused.content.decode()
    response = client.post(
        url,
        {
            "kind": "hotline",
            "title": "咨询规划条件",
            "caller_name": "李女士",
            "caller_phone": "022-12345678",
            "department": w.planning.pk,
        },
    )
    case = Case.objects.get()
    assert case.number == "RX-2026-0001" and case.opener_kind == "phone"
    assert case.state == "dispatched" and case.caller_name == "李女士"
    assert "tracking-code" in client.get(response["Location"]).content.decode()


def test_staff_and_the_projects_helpers_open_a_supervision_case(client, case_world):
    w = case_world
    url = reverse("case_new", args=[w.own.pk])
    client.force_login(w.helper2)
    assert client.get(url).status_code == 404  # not their project
    client.force_login(w.enterprise)
    assert client.get(url).status_code == 403
    client.force_login(w.helper)
    response = client.post(
        url,
        {
            "title": "督促用地预审",
            "body": "两周无进展",
            "approval": w.approval.pk,
            "department": w.planning.pk,
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.kind == "supervision" and case.number.startswith("DB-")


def test_the_tracking_page_answers_a_wrong_number_and_a_wrong_code_alike(client, case_world, cases):
    cache.clear()
    w = case_world
    complaint, _, _, code = cases
    case_transition(actor=w.officer, case=complaint, action="sign")
    case_transition(actor=w.officer, case=complaint, action="answer", answer="公开答复内容")
    url = reverse("case_track")
    assert client.get(url).status_code == 200
    found = client.post(url, {"number": complaint.number.lower(), "code": code})
    assert found.status_code == 200
    page = found.content.decode()
    assert "公开答复内容" in page and "内部意见" not in page and "审查太慢" not in page
    wrong_code = client.post(url, {"number": complaint.number, "code": "AAAAAAAAAA"})
    wrong_number = client.post(url, {"number": "TS-2026-0999", "code": code})

    def body(response):
        text = response.content.decode()
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return re.sub(r'value="[^"]*"', "", text)

    assert wrong_code.status_code == wrong_number.status_code == 404
    assert body(wrong_code) == body(wrong_number)
    assert "No case matches this number and code." in wrong_code.content.decode()


def test_the_tracking_page_is_rate_limited_per_address(client, case_world, cases):
    cache.clear()
    url = reverse("case_track")
    statuses = [
        client.post(
            url, {"number": f"TS-2026-{n:04d}", "code": "X"}, REMOTE_ADDR="10.0.0.9"
        ).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [404] * 10 and statuses[10:] == [429, 429]
    # Another address is not held back.
    assert (
        client.post(
            url, {"number": "TS-2026-0001", "code": "X"}, REMOTE_ADDR="10.0.0.10"
        ).status_code
        == 404
    )
    cache.clear()


def test_the_pages_read_in_chinese_at_the_bare_paths(client, case_world, cases):
    from django.utils import translation

    w = case_world
    complaint = cases[0]
    client.force_login(w.staff)
    with translation.override("zh-hans"):
        url = reverse("case_detail", args=[complaint.number])
        listing = reverse("case_list")
    assert not url.startswith("/en/")
    assert client.get(listing).status_code == 200
    page = client.get(url)
    assert page.status_code == 200 and complaint.number in page.content.decode()
    assert client.get("/cases/track/").status_code == 200
