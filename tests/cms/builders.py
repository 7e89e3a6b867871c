"""Small builders for public pages; each returns a saved, published page."""

import itertools
from datetime import date

from wagtail.models import Locale

from cms.models import (
    InterpretationPage,
    IssuingAuthority,
    NewsIndexPage,
    NewsPage,
    PolicyIndexPage,
    PolicyPage,
)
from cms.richtext import sanitise

_seq = itertools.count(1)


def paragraph(text: str) -> list[dict]:
    return [{"type": "paragraph", "value": sanitise(f"<p>{text}</p>")}]


def authority(name: str = "区人民政府", name_en: str = "District People's Government"):
    return IssuingAuthority.objects.get_or_create(name=name, defaults={"name_en": name_en})[0]


def publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def policy_index(home) -> PolicyIndexPage:
    return publish(home, PolicyIndexPage(title="政策文件", slug="policies"))


def news_index(home) -> NewsIndexPage:
    return publish(home, NewsIndexPage(title="新闻动态", slug="news"))


def policy(index, title: str | None = None, *, body: str = "", topics=(), **fields) -> PolicyPage:
    n = next(_seq)
    fields.setdefault("summary", f"摘要{n}")
    fields.setdefault("issuing_authority", authority())
    fields.setdefault("published_on", date(2025, 3, 1))
    page = PolicyPage(title=title or f"政策{n}", slug=f"policy-{n}", **fields)
    if body:
        page.body = paragraph(body)
    index.add_child(instance=page)
    if topics:
        page.topics.set(list(topics))
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def interpretation(parent_policy, title: str | None = None, *, body: str = "", **fields):
    n = next(_seq)
    fields.setdefault("summary", f"解读摘要{n}")
    fields.setdefault("published_on", date(2025, 3, 5))
    page = InterpretationPage(title=title or f"解读{n}", slug=f"interpretation-{n}", **fields)
    if body:
        page.body = paragraph(body)
    return publish(parent_policy, page)


def news(index, title: str | None = None, *, body: str = "", **fields) -> NewsPage:
    n = next(_seq)
    fields.setdefault("summary", f"新闻摘要{n}")
    fields.setdefault("date", date(2025, 6, 1))
    page = NewsPage(title=title or f"新闻{n}", slug=f"news-{n}", **fields)
    if body:
        page.body = paragraph(body)
    return publish(index, page)


def translate(page, **values):
    """The page's English translation, published with `values` (the parent must have one)."""
    english = page.copy_for_translation(Locale.objects.get(language_code="en")).specific
    for field, value in values.items():
        setattr(english, field, paragraph(value) if field == "body" else value)
    english.save_revision().publish()
    english.refresh_from_db()
    return english
