"""The demo's Wagtail pages for `seed_demo`: home, policies with interpretations, news.

Every function is idempotent: a page that exists is updated (and a revision published) only
when its content differs from the demo's, so running the seed twice leaves the same pages and
revisions. Chinese is the default locale; the main pages have English translations.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.db import transaction
from taggit.models import Tag
from wagtail.blocks import StreamValue
from wagtail.documents import get_document_model
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import (
    HomePage,
    InterpretationPage,
    IssuingAuthority,
    NewsIndexPage,
    NewsPage,
    PolicyApprovalItem,
    PolicyAttachment,
    PolicyIndexPage,
    PolicyPage,
    PolicyRelation,
)
from .richtext import sanitise

# The content (home page, issuing authorities, policies with their interpretations, news) is
# demo/cms.json next to manage.py, outside the installed packages. Figures come from the source
# article (see ../shared/DOMAIN.md). Bodies are StreamField data; rich text goes through
# `cms.richtext.sanitise` when the pages are written.
CONTENT_FILE = Path(settings.BASE_DIR) / "demo" / "cms.json"


@dataclass(frozen=True)
class Text:
    title: str
    summary: str
    body: list = dataclasses.field(default_factory=list)
    topics: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicySpec:
    slug: str
    authority: str
    classification: str
    document_number: str
    index_number: str
    date_written: date
    published_on: date
    zh: Text
    en: Text | None = None
    effective_from: date | None = None
    expires_on: date | None = None
    repealed_on: date | None = None
    items: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    attachments: tuple[str, ...] = ()  # keys of the content's attachments


@dataclass(frozen=True)
class InterpretationSpec:
    policy: str
    slug: str
    kind: str
    source: str
    published_on: date
    zh: Text
    en: Text | None = None
    source_en: str = ""


@dataclass(frozen=True)
class NewsSpec:
    slug: str
    date: date
    source: str
    zh: Text
    en: Text | None = None
    source_en: str = ""


DATE_FIELDS = (
    "date_written",
    "published_on",
    "effective_from",
    "expires_on",
    "repealed_on",
    "date",
)
LIST_FIELDS = ("items", "related", "attachments")


def _spec(cls, row: dict[str, Any]):
    values = dict(row)
    for name in DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    for name in LIST_FIELDS:
        if name in values:
            values[name] = tuple(values[name])
    for language in ("zh", "en"):
        if values.get(language) is not None:
            text = values[language]
            values[language] = Text(
                text["title"], text["summary"], text.get("body", []), tuple(text.get("topics", ()))
            )
    return cls(**values)


def load_content(path: Path = CONTENT_FILE) -> SimpleNamespace:
    data = json.loads(path.read_text(encoding="utf-8"))
    return SimpleNamespace(
        HOME=data["home"],
        AUTHORITIES={k: (a["name"], a["name_en"]) for k, a in data["authorities"].items()},
        POLICY_INDEX=data["policy_index"],
        NEWS_INDEX=data["news_index"],
        # generated as spreadsheets from the demo catalogue: key -> (title, file name)
        ATTACHMENTS={k: (a["title"], a["filename"]) for k, a in data["attachments"].items()},
        POLICIES=[_spec(PolicySpec, row) for row in data["policies"]],
        INTERPRETATIONS=[_spec(InterpretationSpec, row) for row in data["interpretations"]],
        NEWS=[_spec(NewsSpec, row) for row in data["news"]],
    )


content = load_content()
HOME_ZH = {k: content.HOME["zh"][k] for k in ("title", "intro", "hotline")}
HOME_EN = {k: content.HOME["en"][k] for k in ("title", "intro", "hotline")}
HOME_INTRO_FEATURES = ["bold", "italic", "link", "ol", "ul"]
DOCUMENT_COLLECTION = "政策附件"


# --- comparing and publishing -----------------------------------------------------------------


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    if isinstance(value, list | tuple):
        return [_without_ids(v) for v in value]
    return value


def _differs(page, field: str, value) -> bool:
    current = getattr(page, field)
    if isinstance(current, StreamValue):
        return _without_ids(list(current.raw_data)) != _without_ids(value)
    return current != value


def _publish_if_changed(page, values: dict, *, force: bool = False) -> bool:
    """Set the values that differ; publish a revision if anything changed. True if it did."""
    changed = [field for field, value in values.items() if _differs(page, field, value)]
    for field in changed:
        setattr(page, field, values[field])
    if changed or force or not page.live or page.has_unpublished_changes:
        page.save_revision().publish()
        return True
    return False


LIST_BLOCKS = ("figures", "steps", "questions")


def _stream(blocks: Iterable[dict]) -> list[dict]:
    """Demo body blocks as the editor stores them: every rich text sanitised, and every list
    item with its id (without one, Wagtail reads the item as an old-style raw value)."""
    out = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "paragraph":
            value = sanitise(value)
        elif kind == "notice":
            value = {**value, "text": sanitise(value["text"])}
        elif kind == "questions":
            value = [
                {**row, "value": {**row["value"], "answer": sanitise(row["value"]["answer"])}}
                for row in value
            ]
        if kind in LIST_BLOCKS:
            value = [{**row, "type": "item", "id": row.get("id") or str(uuid4())} for row in value]
        out.append({"type": kind, "value": value})
    return out


def _figures(rows) -> list[dict]:
    return [
        {"type": "figure", "value": {"value": v, "unit": u, "label": label, "note": note}}
        for v, u, label, note in rows
    ]


def _locales() -> tuple[Locale, Locale]:
    zh = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    return zh, en


def _translation(page, locale: Locale):
    """The page's translation in `locale`, created (as a draft copy) if missing."""
    translated = page.get_translation_or_none(locale)
    if translated is None:
        translated = page.copy_for_translation(locale)
    return translated.specific


# --- the home page ----------------------------------------------------------------------------


@transaction.atomic
def seed_home_pages() -> HomePage:
    """A Chinese home page as the site root, with its English translation; idempotent."""
    zh, en = _locales()
    root = Page.get_first_root_node()
    if root is None:  # a flushed database (transactional tests) has lost Wagtail's root
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=zh))
    # Wagtail's own "Welcome" page (slug "home") is of no use once ours is the root.
    for page in root.get_children().specific():
        if not isinstance(page, HomePage):
            page.delete()
    home = HomePage.objects.filter(locale=zh).first()
    values_zh = {
        **HOME_ZH,
        "intro": sanitise(HOME_ZH["intro"], HOME_INTRO_FEATURES),
        "figures": _figures(content.HOME["zh"]["figures"]),
        "figures_note": content.HOME["zh"]["figures_note"],
        "search_description": content.HOME["zh"]["search_description"],
    }
    if home is None:
        home = HomePage(slug="home", locale=zh, **values_zh)
        root.add_child(instance=home)
        home.save_revision().publish()
    else:
        _publish_if_changed(home, values_zh)

    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": home,
            "site_name": HOME_ZH["title"],
        },
    )

    home_en = _translation(home, en)
    _publish_if_changed(
        home_en,
        {
            **HOME_EN,
            "intro": sanitise(HOME_EN["intro"], HOME_INTRO_FEATURES),
            "figures": _figures(content.HOME["en"]["figures"]),
            "figures_note": content.HOME["en"]["figures_note"],
            "search_description": content.HOME["en"]["search_description"],
        },
    )
    return home


def delete_pages() -> None:
    root = Page.get_first_root_node()
    for page in root.get_children().specific():
        page.delete()


# --- who edits and who approves ---------------------------------------------------------------

EDITOR_PAGE_PERMISSIONS = ("add_page", "change_page")
MODERATOR_PAGE_PERMISSIONS = ("add_page", "change_page", "publish_page", "lock_page", "unlock_page")
ASSET_PERMISSIONS = (
    ("wagtaildocs", ("add_document", "change_document", "choose_document", "delete_document")),
    ("wagtailimages", ("add_image", "change_image", "choose_image", "delete_image")),
)
CATALOGUE_VIEW_PERMISSIONS = ("view_approvalitem", "view_department", "view_workingday")
AUTHORITY_PERMISSIONS = ("add_issuingauthority", "change_issuingauthority", "view_issuingauthority")


# The moderation workflow and its one task. A workflow's name is a single text field that the
# admin shows as is in every language ("提交给<name>", "Submit to <name>"), so it carries both
# languages, Chinese first; cms/migrations/0004_workflow_names.py renames existing installs.
WORKFLOW_NAME = "审核发布 / Review and publish"
TASK_NAME = "审核员审核 / Review by moderators"
WAGTAIL_DEFAULT_NAME = "Moderators approval"


def _named(model, name: str):
    """The row called `name`, or Wagtail's default one renamed to it, or a new one."""
    found = model.objects.filter(name=name).first()
    if found is None:
        found = model.objects.filter(name=WAGTAIL_DEFAULT_NAME).first()
        if found is not None:
            found.name = name
            found.save(update_fields=["name"])
    return found or model.objects.create(name=name)


def ensure_editorial_setup() -> Workflow:
    """Editors write pages and submit them; moderators and bureau staff approve and publish.

    Wagtail's migrations create the "Editors" and "Moderators" groups and the moderation
    workflow (named in both languages by ours); this restores them where a database lost them
    (a flushed test database), adds the bureau's staff group to the approvers, and lets all
    three translate pages, manage issuing authorities and look up the catalogue. Idempotent.
    """
    root = Page.get_first_root_node()
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in ("Editors", "Moderators", "Bureau staff")
    }
    admin_access = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    extra_permissions = (
        Permission.objects.filter(
            content_type__app_label="projects", codename__in=CATALOGUE_VIEW_PERMISSIONS
        )
        | Permission.objects.filter(
            content_type__app_label="cms", codename__in=AUTHORITY_PERMISSIONS
        )
        | Permission.objects.filter(
            content_type__app_label="simple_translation", codename="submit_translation"
        )
    )
    for name, page_permissions in (
        ("Editors", EDITOR_PAGE_PERMISSIONS),
        ("Moderators", MODERATOR_PAGE_PERMISSIONS),
        ("Bureau staff", MODERATOR_PAGE_PERMISSIONS),
    ):
        group = groups[name]
        group.permissions.add(admin_access, *extra_permissions)
        for app_label, codenames in ASSET_PERMISSIONS:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )
        for codename in page_permissions:
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    task = _named(GroupApprovalTask, TASK_NAME)
    task.groups.add(groups["Moderators"], groups["Bureau staff"])
    workflow = _named(Workflow, WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if not WorkflowPage.objects.filter(page=root).exists():
        WorkflowPage.objects.create(page=root, workflow=workflow)
    return workflow


# --- policies, interpretations, news ----------------------------------------------------------


def _authorities() -> dict[str, IssuingAuthority]:
    result = {}
    for position, (key, (name, name_en)) in enumerate(content.AUTHORITIES.items()):
        result[key] = IssuingAuthority.objects.update_or_create(
            name=name, defaults={"name_en": name_en, "position": position}
        )[0]
    return result


def _root_collection() -> Collection:
    root = Collection.get_first_root_node()
    if root is None:  # a flushed database has lost Wagtail's root collection
        root = Collection.add_root(name="Root")
    return root


def _spreadsheet(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment_rows(key: str) -> list[list]:
    from projects.models import ApprovalItem, ItemMaterial

    if key == "catalogue":
        rows = [
            [
                "序号",
                "事项编码",
                "事项名称",
                "实施部门",
                "法定时限（工作日）",
                "承诺时限（工作日）",
                "全程网办",
            ]
        ]
        items = ApprovalItem.objects.filter(is_active=True).select_related("department")
        for n, item in enumerate(items.order_by("code"), start=1):
            rows.append([
                n, item.code, item.name, item.department.name, item.statutory_limit_days,
                item.promised_limit_days, "是" if item.fully_online else "否",
            ])  # fmt: skip
        return rows
    rows = [["事项编码", "事项名称", "可容缺的非要件材料"]]
    materials = ItemMaterial.objects.filter(key=False, item__is_active=True).select_related("item")
    for material in materials.order_by("item__code", "position"):
        rows.append([material.item.code, material.item.name, material.name])
    return rows


def _documents() -> dict:
    """The demo's attachments as Wagtail documents, made once (kept as they are afterwards)."""
    Document = get_document_model()
    root = _root_collection()
    collection = root.get_children().filter(name=DOCUMENT_COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=DOCUMENT_COLLECTION)
    documents = {}
    for key, (title, filename) in content.ATTACHMENTS.items():
        document = Document.objects.filter(title=title, collection=collection).first()
        if document is None:
            document = Document(title=title, collection=collection)
            document.file.save(
                filename, ContentFile(_spreadsheet(_attachment_rows(key))), save=False
            )
            document.save()
        documents[key] = document
    return documents


def _index_page(home, model, slug: str, texts: dict, en: Locale):
    page = model.objects.child_of(home).first()
    values = {**texts["zh"], "intro": sanitise(texts["zh"]["intro"])}
    if page is None:
        page = model(slug=slug, **values)
        home.add_child(instance=page)
        page.save_revision().publish()
    else:
        _publish_if_changed(page, values)
    translated = _translation(page, en)
    _publish_if_changed(translated, {**texts["en"], "intro": sanitise(texts["en"]["intro"])})
    return page


def _child(parent, model, slug: str):
    return model.objects.child_of(parent).filter(slug=slug).first()


def _sync_policy(page: PolicyPage, spec, text, authorities, items, documents) -> bool:
    values = {
        "title": text.title,
        "summary": text.summary,
        "body": _stream(text.body),
        "issuing_authority": authorities[spec.authority],
        "classification": spec.classification,
        "document_number": spec.document_number,
        "index_number": spec.index_number,
        "date_written": spec.date_written,
        "published_on": spec.published_on,
        "effective_from": spec.effective_from,
        "expires_on": spec.expires_on,
        "repealed_on": spec.repealed_on,
        "search_description": "",
    }
    changed = False
    if sorted(page.topics.names()) != sorted(text.topics):
        page.topics.set(list(text.topics))
        changed = True
    wanted_items = [items[code] for code in spec.items if code in items]
    if [link.item_id for link in page.approval_item_links.all()] != [i.pk for i in wanted_items]:
        page.approval_item_links = [PolicyApprovalItem(item=item) for item in wanted_items]
        changed = True
    wanted_documents = [documents[key] for key in spec.attachments]
    if [a.document_id for a in page.attachments.all()] != [d.pk for d in wanted_documents]:
        page.attachments = [PolicyAttachment(document=document) for document in wanted_documents]
        changed = True
    return _publish_if_changed(page, values, force=changed)


@transaction.atomic
def seed_public_pages() -> int:
    """The policy library, interpretations, news and their English translations; idempotent.

    Needs the home pages (`seed_home_pages`); links policies to the catalogue's items where
    the catalogue is loaded. Returns the number of pages created.
    """
    from projects.models import ApprovalItem

    ensure_editorial_setup()
    zh, en = _locales()
    home = HomePage.objects.get(locale=zh)
    authorities = _authorities()
    items = {item.code: item for item in ApprovalItem.objects.all()}
    documents = _documents()
    before = Page.objects.count()

    policy_index = _index_page(home, PolicyIndexPage, "policies", content.POLICY_INDEX, en)
    news_index = _index_page(home, NewsIndexPage, "news", content.NEWS_INDEX, en)

    policies: dict[str, PolicyPage] = {}
    for spec in content.POLICIES:
        page = _child(policy_index, PolicyPage, spec.slug)
        if page is None:
            page = PolicyPage(
                slug=spec.slug,
                title=spec.zh.title,
                summary=spec.zh.summary,
                issuing_authority=authorities[spec.authority],
                published_on=spec.published_on,
            )
            policy_index.add_child(instance=page)
        _sync_policy(page, spec, spec.zh, authorities, items, documents)
        policies[spec.slug] = page
        if spec.en is not None:
            _sync_policy(_translation(page, en), spec, spec.en, authorities, items, documents)

    # Related policies link the Chinese pages; each language shows its own translation.
    for spec in content.POLICIES:
        page = PolicyPage.objects.get(pk=policies[spec.slug].pk)
        wanted = [policies[slug].pk for slug in spec.related]
        for version in [page, page.get_translation_or_none(en)]:
            if version is None:
                continue
            version = version.specific
            if [link.policy_id for link in version.related_policy_links.all()] != wanted:
                version.related_policy_links = [PolicyRelation(policy_id=pk) for pk in wanted]
                version.save_revision().publish()

    for spec in content.INTERPRETATIONS:
        policy = PolicyPage.objects.get(pk=policies[spec.policy].pk)
        _seed_interpretation(spec, policy, en)

    for spec in content.NEWS:
        _seed_news(spec, news_index, en)

    return Page.objects.count() - before


def _seed_interpretation(spec, policy: PolicyPage, en: Locale) -> None:
    def values(text, source):
        return {
            "title": text.title,
            "summary": text.summary,
            "body": _stream(text.body),
            "kind": spec.kind,
            "source": source,
            "published_on": spec.published_on,
        }

    page = _child(policy, InterpretationPage, spec.slug)
    if page is None:
        page = InterpretationPage(slug=spec.slug, **values(spec.zh, spec.source))
        policy.add_child(instance=page)
        page.save_revision().publish()
    else:
        _publish_if_changed(page, values(spec.zh, spec.source))
    if spec.en is not None and policy.get_translation_or_none(en) is not None:
        _publish_if_changed(_translation(page, en), values(spec.en, spec.source_en))


def _seed_news(spec, news_index: NewsIndexPage, en: Locale) -> None:
    def values(text, source):
        return {
            "title": text.title,
            "summary": text.summary,
            "body": _stream(text.body),
            "date": spec.date,
            "source": source,
        }

    page = _child(news_index, NewsPage, spec.slug)
    if page is None:
        page = NewsPage(slug=spec.slug, **values(spec.zh, spec.source))
        news_index.add_child(instance=page)
        page.save_revision().publish()
    else:
        _publish_if_changed(page, values(spec.zh, spec.source))
    if spec.en is not None:
        _publish_if_changed(_translation(page, en), values(spec.en, spec.source_en))


@transaction.atomic
def delete_public_pages() -> None:
    """Remove the demo's policy library and news (every language), attachments and authorities."""
    for page in Page.objects.type(PolicyIndexPage, NewsIndexPage).specific():
        page.delete()
    Document = get_document_model()
    Document.objects.filter(collection__name=DOCUMENT_COLLECTION).delete()
    IssuingAuthority.objects.filter(
        name__in=[name for name, _en in content.AUTHORITIES.values()], policies__isnull=True
    ).delete()
    demo_topics = {
        t for spec in content.POLICIES for text in (spec.zh, spec.en) if text for t in text.topics
    }
    Tag.objects.filter(name__in=demo_topics, cms_policytopictag_items__isnull=True).delete()
