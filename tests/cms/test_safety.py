"""Uploads are limited in size and type; rich text is only ever stored sanitised."""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document

from cms.blocks import RICH_TEXT_FEATURES
from cms.models import PolicyPage
from cms.richtext import sanitise
from tests.projects import factories as f

from . import builders as b
from .test_moderation import policy_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, make_user):
    from cms.demo import ensure_editorial_setup

    ensure_editorial_setup()
    user = make_user("editor", "editor")
    client.force_login(user)
    return user


def upload(client, name: str, content: bytes):
    return client.post(
        "/admin/documents/add/",
        {
            "title": name,
            "file": SimpleUploadedFile(name, content),
            "collection": _root_collection(),
        },
    )


def _root_collection() -> str:
    from wagtail.models import Collection

    return str(Collection.get_first_root_node().pk)


def test_documents_of_the_allowed_types_upload(client, editor):
    response = upload(client, "附件.pdf", b"%PDF-1.4 demo")
    assert response.status_code == 302
    assert Document.objects.filter(title="附件.pdf").exists()


@pytest.mark.parametrize("name", ["setup.exe", "page.html", "image.svg", "script.js", "macro.docm"])
def test_other_file_types_are_refused(client, editor, name):
    response = upload(client, name, b"MZ...")
    assert response.status_code == 200  # the form again, with the error
    assert not Document.objects.filter(title=name).exists()
    assert "file" in response.context["form"].errors


def test_documents_over_the_size_limit_are_refused(client, editor, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 1024
    response = upload(client, "big.pdf", b"%PDF" + b"0" * 2048)
    assert response.status_code == 200
    assert not Document.objects.filter(title="big.pdf").exists()
    assert "file" in response.context["form"].errors


def test_the_configured_limits(settings):
    assert settings.WAGTAILDOCS_MAX_UPLOAD_SIZE == 20 * 1024 * 1024
    assert "exe" not in settings.WAGTAILDOCS_EXTENSIONS
    assert "html" not in settings.WAGTAILDOCS_EXTENSIONS
    assert "svg" not in settings.WAGTAILDOCS_EXTENSIONS


def test_imported_rich_text_is_stored_as_the_editor_would(db):
    dirty = (
        '<p onclick="steal()">办事<script>alert(1)</script><b>指南</b>'
        '<a href="javascript:alert(1)">链接</a><a href="https://gov.example/">政府网</a>'
        '<img src=x onerror=alert(1)><iframe src="https://evil.example"></iframe></p>'
        '<p style="color:red">说明</p>'
    )
    clean = sanitise(dirty, RICH_TEXT_FEATURES)
    for bad in ("script", "alert", "onclick", "onerror", "iframe", "javascript:", "style=", "<img"):
        assert bad not in clean, bad
    assert "<b>指南</b>" in clean and '<a href="https://gov.example/">政府网</a>' in clean
    assert sanitise(clean) == clean  # stable: importing twice changes nothing


def test_rich_text_posted_to_the_admin_is_sanitised_on_the_server(client, editor, policies):
    state = {
        "blocks": [
            {
                "key": "a1b2c",
                "type": "unstyled",
                "depth": 0,
                "text": "<script>alert(1)</script> 链接",
                "inlineStyleRanges": [],
                "entityRanges": [{"offset": 27, "length": 2, "key": 0}],
                "data": {},
            }
        ],
        "entityMap": {
            "0": {"type": "LINK", "mutability": "MUTABLE", "data": {"url": "javascript:alert(1)"}}
        },
    }
    policy_form(
        client,
        policies,
        action="action-save",  # a draft
        **{"body-0-value": json.dumps(state)},
    )
    page = PolicyPage.objects.get(slug="accept-now")
    stored = json.dumps(page.get_latest_revision_as_object().body.raw_data[0]["value"])
    assert "<script>" not in stored and "javascript:" not in stored
    assert "&lt;script&gt;" in stored


def test_catalogue_text_is_escaped_on_the_guides(client, db):
    item = f.item(f.department("区水务局"), "WAT-01")
    item.legal_basis = '《取水许可和水资源费征收管理条例》<script>alert("x")</script>'
    item.save()
    html = client.get("/guide/WAT-01/").content.decode()
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;" in html


def test_the_demo_pages_contain_no_markup_beyond_the_features(seeded_demo):
    assert PolicyPage.objects.exists()
    for page in PolicyPage.objects.all():
        html = str(page.body)
        assert "<script" not in html and "style=" not in html, page.title
        assert not re.search(r"<[^>]+\son\w+=", html), page.title


def test_the_builders_body_helper_sanitises(db):
    assert "<script" not in b.paragraph("<script>x</script>文字")[0]["value"]
