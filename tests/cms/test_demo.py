"""The demo's public pages: what `seed_demo` promises a visitor (idempotency: tests/portal)."""

import pytest

from cms.models import InterpretationPage, NewsPage, PolicyIndexPage, PolicyPage, PolicyStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_policies_interpretations_news_and_guides_in_both_languages(
    seeded_demo, client
):
    zh = PolicyPage.objects.filter(locale__language_code="zh-hans").live()
    assert zh.count() >= 12
    statuses = {p.status for p in zh}
    assert statuses >= {PolicyStatus.IN_FORCE, PolicyStatus.REPEALED, PolicyStatus.EXPIRED}
    assert InterpretationPage.objects.live().filter(locale__language_code="zh-hans").count() >= 6
    assert PolicyPage.objects.filter(locale__language_code="en").live().count() == zh.count()
    news = NewsPage.objects.live().filter(locale__language_code="zh-hans")
    assert news.count() >= 8
    assert news.filter(title__contains="24051").exists()
    assert PolicyIndexPage.objects.get(locale__language_code="en").live
    # Every demo page has its English version: the language switcher never leads nowhere.
    for model in (PolicyPage, InterpretationPage, NewsPage):
        chinese = model.objects.live().filter(locale__language_code="zh-hans")
        english = model.objects.live().filter(locale__language_code="en")
        assert set(english.values_list("translation_key", flat=True)) == set(
            chinese.values_list("translation_key", flat=True)
        ), model

    measures = zh.get(slug="investment-environment-measures")
    codes = [link.item.code for link in measures.approval_item_links.all()]
    assert codes[:2] == ["DRC-01", "DRC-02"]
    assert measures.title in client.get("/guide/DRC-01/").content.decode()
    catalogue = zh.get(slug="approval-catalogue-2025")
    attachment = catalogue.attachments.get().document
    assert attachment.file_extension == "xlsx"
    assert client.get(attachment.url).status_code == 200
    for url in ("/", "/en/", "/policies/", "/en/policies/", "/news/", "/en/news/", "/guide/"):
        assert client.get(url).status_code == 200, url
