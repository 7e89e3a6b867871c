"""Chinese first, English second: translations, the language switcher, shared metadata."""

from datetime import date

import pytest
from bs4 import BeautifulSoup

from cms.models import PolicyPage, PolicyStatus

from . import builders as b

pytestmark = pytest.mark.django_db


def switch_link(client, url: str) -> str:
    page = BeautifulSoup(client.get(url).content, "html.parser")
    return page.select_one(".language-switcher a")["href"]


def test_the_switcher_goes_to_the_translated_page(client, policies):
    policy = b.policy(policies, "容缺受理实施办法")
    b.translate(policy, title="Accept now, supplement later", slug="accept-now")
    assert switch_link(client, f"/policies/{policy.slug}/") == "/en/policies/accept-now/"
    assert switch_link(client, "/en/policies/accept-now/") == f"/policies/{policy.slug}/"
    assert switch_link(client, "/guide/") == "/en/guide/"
    assert (
        switch_link(client, "/search/?q=%E5%AE%A1%E6%89%B9") == "/en/search/?q=%E5%AE%A1%E6%89%B9"
    )


def test_repealing_the_original_repeals_the_translation(client, policies):
    policy = b.policy(policies, "2014年审批目录", date_written=date(2014, 8, 1))
    english = b.translate(policy, title="2014 catalogue")
    policy.repealed_on = date(2025, 2, 1)
    policy.document_number = "区政发〔2014〕15号"
    policy.save_revision().publish()
    english = PolicyPage.objects.get(pk=english.pk)
    assert english.status == PolicyStatus.REPEALED
    assert english.document_number == "区政发〔2014〕15号"
    assert english.title == "2014 catalogue"  # the text stays the translator's
    page = BeautifulSoup(client.get(english.url).content, "html.parser")
    assert "policy-status--repealed" in page.select_one(".policy-meta .policy-status")["class"]


def test_a_translation_being_edited_keeps_its_draft_and_gets_the_metadata(policies):
    policy = b.policy(policies, "纾困通知")
    english = b.translate(policy, title="Fee relief")
    english.title = "Fee relief for enterprises (draft)"
    english.save_revision()
    policy.expires_on = date(2024, 12, 31)
    policy.published_on = date(2023, 3, 6)
    policy.save_revision().publish()
    english = PolicyPage.objects.get(pk=english.pk)
    assert english.expires_on == date(2024, 12, 31)  # the live page, at once
    assert english.title == "Fee relief"
    draft = english.get_latest_revision_as_object()
    assert (draft.title, draft.expires_on) == (
        "Fee relief for enterprises (draft)",
        date(2024, 12, 31),
    )


def test_editors_may_translate_pages(client, policies, make_user):
    from cms.demo import ensure_editorial_setup

    ensure_editorial_setup()
    policy = b.policy(policies, "容缺受理实施办法")
    client.force_login(make_user("writer", "editor"))
    response = client.get(f"/admin/translation/submit/page/{policy.pk}/")
    assert response.status_code == 200
