"""The public progress lookup (办件查询): what it shows, what it hides, and that a wrong pair,
an unknown code and a guessing run all look the same."""
# ruff: noqa: F811 - `world` is the fixture imported below, requested by name

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.services import approval_transition
from reports import lookup
from tests.projects.conftest import at, world  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db

CREDIT = "91120111MA05K8Q21X"
OTHER_CREDIT = "91120111MA07DK3P5L"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def glass(world):
    """The glass project (LAND approved, PLAN waiting on a supplement, BUILD pending) with an
    internal comment, a reason and a decision number nobody outside may read."""
    world.ent_a.credit_code = CREDIT
    world.ent_a.save()
    world.ent_b.credit_code = OTHER_CREDIT
    world.ent_b.save()
    for person, name in ((world.officer, "审批员李静"), (world.helper, "帮办员王明")):
        person.name = name
        person.save()
    land, plan = world.approval(world.own, "LAND"), world.approval(world.own, "PLAN")

    def move(approval, action, when, **payload):
        approval_transition(
            actor=world.officer, approval_id=approval.pk, action=action, now=when, **payload
        )

    move(land, "receive", at(2026, 9, 1))
    move(land, "accept", at(2026, 9, 2))
    move(land, "approve", at(2026, 9, 9), decision_number="区规划〔2026〕7号",
         conditions="SECRET-CONDITION")  # fmt: skip
    move(plan, "receive", at(2026, 9, 10))
    move(plan, "accept", at(2026, 9, 10))
    move(plan, "request_supplement", at(2026, 9, 11), reason="SECRET-REASON",
         missing_materials=["申请表"])  # fmt: skip
    return world


def get(client, address="198.51.100.7", **params):
    return client.get(reverse("open_lookup"), params, REMOTE_ADDR=address)


def test_the_pair_of_codes_shows_each_approval_with_its_public_state_and_dates(client, glass):
    response = get(client, code="GLASS", credit_code=CREDIT)
    assert response.status_code == 200
    page = response.content.decode()
    page = page[page.index("<main") :]  # the header's menu is the same for everyone
    assert "汽车玻璃项目" in page
    rows = re.findall(r'data-status="(\w+)"', page)
    assert rows == ["pending", "approved", "supplement_requested"]  # BUILD, LAND, PLAN by code
    assert "Approved" in page and "Waiting for the applicant" in page
    assert "2026-09-01" in page and "2026-09-09" in page  # LAND received, decided
    # Nothing internal: no reason, conditions, decision number, officer, helper or material.
    secrets = ("SECRET-REASON", "SECRET-CONDITION", "区规划", "李静", "王明", "申请表", "补充说明")
    for secret in secrets:
        assert secret not in page
    assert response["Cache-Control"].count("no-store") == 1


def test_lower_case_and_spaces_in_what_is_typed_are_forgiven(client, glass):
    response = get(client, code=" glass ", credit_code=CREDIT.lower())
    assert response.status_code == 200 and "汽车玻璃项目" in response.content.decode()


def _answer(response):
    """The status and the page's main part, with what was typed back into the form blanked."""
    page = response.content.decode()
    main = page[page.index("<main") :]
    return response.status_code, re.sub(r'value="[^"]*"', 'value=""', main)


def test_a_wrong_pair_answers_exactly_like_an_unknown_code(client, glass):
    unknown = get(client, code="NOSUCH", credit_code=CREDIT)
    other_company = get(client, code="GLASS", credit_code=OTHER_CREDIT)
    wrong_enquiry = get(client, code="GLASS", enquiry_code="ABCDE-FGH23")
    no_such_enquiry = get(client, code="NOSUCH", enquiry_code="ABCDE-FGH23")
    # The other project's own pair works, so both codes are real, only not together.
    assert get(client, code="LOGI", credit_code=OTHER_CREDIT).status_code == 200
    status, page = _answer(unknown)
    assert status == 404 and "No project matches this pair of codes" in page
    assert _answer(other_company) == (status, page)
    assert _answer(wrong_enquiry) == _answer(no_such_enquiry) == (status, page)


def test_a_wrong_pair_and_an_unknown_code_run_the_same_queries(glass):
    queries = {}

    for name, query in {
        "unknown": lookup.Query("NOSUCH", credit_code=CREDIT),
        "wrong": lookup.Query("GLASS", credit_code=OTHER_CREDIT),
        "right": lookup.Query("GLASS", credit_code=CREDIT),
    }.items():
        with CaptureQueriesContext(connection) as captured:
            lookup.find(query)
        queries[name] = [re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"]) for q in captured]
    assert queries["unknown"] == queries["wrong"] == queries["right"]
    assert len(queries["right"]) == 2


def test_the_enquiry_code_given_on_registration_opens_the_lookup(client, glass):
    from projects.services.projects import project_enquiry_code_reset

    _project, code = project_enquiry_code_reset(actor=glass.staff, project_id=glass.own.pk)
    response = get(client, code="GLASS", enquiry_code=code.lower())
    assert response.status_code == 200 and "汽车玻璃项目" in response.content.decode()
    # The code is the glass project's, not the logistics base's.
    assert get(client, code="LOGI", enquiry_code=code).status_code == 404
    # The secret typed is never written back into the form.
    page = get(client, code="GLASS", enquiry_code=code).content.decode()
    assert code not in page[page.index("<main") :]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"code": "GLASS"}, "credit_code"),
        ({"credit_code": CREDIT}, "code"),
        ({"code": "GLASS'; DROP TABLE x;--", "credit_code": CREDIT}, "code"),
        ({"code": "G" * 41, "credit_code": CREDIT}, "code"),
        ({"code": "GLASS", "credit_code": "123"}, "credit_code"),
        ({"code": "GLASS", "credit_code": "91120111MA05K8Q21€"}, "credit_code"),
        ({"code": "GLASS", "enquiry_code": "0000000000"}, "enquiry_code"),  # 0 is not used
    ],
)
def test_malformed_input_is_refused_with_the_field_marked(client, glass, params, field):
    response = get(client, **params)
    assert response.status_code == 400
    page = response.content.decode()
    error_id = {"code": "code", "credit_code": "credit", "enquiry_code": "enquiry"}[field]
    assert f'id="id_lookup_{error_id}_error"' in page
    assert "汽车玻璃项目" not in page


def test_guessing_codes_is_stopped_after_ten_lookups_and_finds_nothing(client, glass):
    """An enumeration run: the real project is among the guesses, with its company's code
    guessed too; the limit stops the run before it gets there, in the reader's language."""
    guesses = [f"ZDXM-2026-{n:03d}" for n in range(1, 30)] + ["GLASS"]
    answers = [get(client, code=code, credit_code=CREDIT).status_code for code in guesses]
    assert answers[:10] == [404] * 10
    assert set(answers[10:]) == {429}
    blocked = get(client, code="GLASS", credit_code=CREDIT)
    assert blocked.status_code == 429 and blocked["Retry-After"] == "600"
    assert "Too many lookups from your address" in blocked.content.decode()
    assert "汽车玻璃项目" not in blocked.content.decode()
    chinese = client.get("/open/lookup/", {"code": "GLASS", "credit_code": CREDIT},
                         REMOTE_ADDR="198.51.100.7")  # fmt: skip
    assert chinese.status_code == 429 and 'lang="zh-Hans"' in chinese.content.decode()
    # Another address is not punished for it.
    assert get(client, address="203.0.113.9", code="GLASS", credit_code=CREDIT).status_code == 200


def test_the_blank_form_counts_no_lookup(client, glass):
    for _ in range(20):
        assert client.get(reverse("open_lookup"), REMOTE_ADDR="198.51.100.8").status_code == 200
    assert get(client, address="198.51.100.8", code="GLASS", credit_code=CREDIT).status_code == 200


def test_the_address_behind_a_trusted_proxy_is_the_one_counted(rf, settings):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.5, 198.51.100.1", REMOTE_ADDR="10.0.0.1")
    assert lookup.client_address(request) == "198.51.100.1"
    settings.AXES_IPWARE_PROXY_COUNT = None
    assert lookup.client_address(request) == "10.0.0.1"
