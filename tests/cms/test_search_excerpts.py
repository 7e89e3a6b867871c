"""Search excerpts and the index hold the plain text a reader reads, for every body block.

The issue: pages made of blocks (figures, questions and answers) showed "{'value': '24,051'…"
and "None None None" in their search excerpts (and, it turned out, on the pages themselves):
the demo stored list items without their ids, which Wagtail reads as old-style raw values.
"""

import re

import pytest
from bs4 import BeautifulSoup
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from cms.blocks import BodyBlock
from cms.models import NewsPage
from cms.richtext import sanitise

from . import builders as b

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate_tasks")]

# A repr or an empty field's "None": never a reader's words (the full texts are compared too).
JUNK = re.compile(r"\{|\}|\bNone\b|<|&lt;|'value'")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _item(value, with_id: bool):
    item = {"type": "item", "value": value}
    return {**item, "id": f"id-{abs(hash(str(value)))}"} if with_id else item


def every_block(with_ids: bool = True) -> list[dict]:
    """A body with one block of every type, optional fields left out where they may be."""
    image = get_image_model().objects.create(title="现场照片", file=get_test_image_file())
    document = get_document_model().objects.create(
        title="审批事项目录", file=ContentFile(b"%PDF-1.4\n", name="catalogue.pdf")
    )
    body = [
        {"type": "heading", "value": {"text": "办理流程", "level": "h2"}},
        {"type": "paragraph", "value": sanitise("<p>一年来共受理<b>审批办件</b>。</p>")},
        {"type": "quote", "value": {"text": "让企业少跑腿", "source": ""}},
        {"type": "image", "value": {"image": image.pk, "alt": "窗口办事大厅", "caption": ""}},
        {"type": "document", "value": {"document": document.pk, "title": ""}},
        {
            "type": "figures",
            "value": [
                _item({"value": "24,051", "unit": "件", "label": "受理办件"}, with_ids),
                _item({"value": "100%", "label": "办结率", "note": "全年"}, with_ids),
            ],
        },
        {
            "type": "notice",
            "value": {"kind": "important", "text": sanitise("<p>容缺受理须承诺</p>")},
        },
        {
            "type": "steps",
            "value": [
                _item({"title": "网上申报"}, with_ids),
                _item({"title": "并联办理", "text": "同时办理"}, with_ids),
            ],
        },
        {
            "type": "questions",
            "value": [
                _item(
                    {"question": "帮办员收费吗？", "answer": sanitise("<p>帮办服务全程免费。</p>")},
                    with_ids,
                )
            ],
        },
    ]
    assert {block["type"] for block in body} == set(BodyBlock().child_blocks), "a block per type"
    return body


EXPECTED = [
    "办理流程",
    "一年来共受理审批办件。",
    "让企业少跑腿",
    "窗口办事大厅",
    "审批事项目录",
    "受理办件 24,051 件",
    "办结率 100%",
    "全年",
    "容缺受理须承诺",
    "网上申报",
    "并联办理",
    "同时办理",
    "帮办员收费吗？",
    "帮办服务全程免费。",
]


@pytest.mark.parametrize("with_ids", [True, False], ids=["as-the-editor-stores", "without-ids"])
def test_every_block_gives_the_index_its_plain_text_in_reading_order(news_index, with_ids):
    page = b.news(news_index, "全年审批服务数据", body="")
    page.body = every_block(with_ids)
    page.save_revision().publish()
    page = NewsPage.objects.get(pk=page.pk)
    content = page.body.stream_block.get_searchable_content(page.body)
    assert content == EXPECTED
    # The page shows the figures and answers themselves, not their data.
    html = str(page.body.render_as_block())
    assert "24,051" in html and "帮办服务全程免费" in html
    assert not JUNK.search(BeautifulSoup(html, "html.parser").get_text(" "))


@pytest.mark.parametrize("with_ids", [True, False], ids=["as-the-editor-stores", "without-ids"])
def test_search_excerpts_are_plain_text_with_the_match_highlighted(client, news_index, with_ids):
    page = b.news(news_index, "全年审批服务数据", body="")
    page.body = every_block(with_ids)
    page.save_revision().publish()

    for query, shown in (
        ("受理办件", "受理办件 24,051 件"),
        ("收费", "帮办员收费吗？ 帮办服务全程免费"),
    ):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200
        hits = BeautifulSoup(response.content, "html.parser").select(".search-hit")
        (hit,) = [h for h in hits if "全年审批服务数据" in h.get_text()]
        excerpt = hit.select("p")[-1]
        text = " ".join(excerpt.get_text(" ").split())
        assert shown.replace(" ", "") in text.replace(" ", ""), text
        assert excerpt.select("mark"), "the match is highlighted"
        assert not JUNK.search(text), text


def test_the_demo_pages_index_and_show_no_data_reprs(seeded_demo, client):
    """Every demo page made of blocks: its searchable text and its page are clean."""
    from wagtail.models import Page

    from cms.models import InterpretationPage, PolicyPage

    pages = Page.objects.live().type(PolicyPage, InterpretationPage, NewsPage).specific()
    with_lists = 0
    for page in pages:
        kinds = {block.block_type for block in page.body}
        content = page.body.stream_block.get_searchable_content(page.body)
        assert all(text.strip() for text in content), page.title
        assert not [text for text in content if JUNK.search(text)], page.title
        if kinds & {"figures", "questions", "steps"}:
            with_lists += 1
            shown = BeautifulSoup(client.get(page.url).content, "html.parser").select_one("main")
            assert not re.search(r"\{'|\bNone\b", shown.get_text(" ")), page.title
    assert with_lists >= 6
    call_command("update_index", verbosity=0)  # the demo was seeded with tasks queued
    response = client.get("/search/", {"q": "受理办件"})
    text = BeautifulSoup(response.content, "html.parser").select_one(".search-results").get_text()
    assert "受理办件 24,051 件" in " ".join(text.split())
    assert "{'value'" not in text and "None" not in text
