"""Every string a person sees is in the page's language.

Each demo role walks its main pages and forms (and a few submissions that end in a message or a
refused form) in Chinese and in English, with the test client. From each page the visible text
is taken: text nodes (not scripts or styles, not what a person typed into a field), the texts
people read in attributes (placeholder, title, aria-label, alt, a button's value, data-label)
and the live notices' texts. Data is then taken out: what the database holds (names of people
and things, codes, titles, what people wrote, the policy library's Chinese content) and the
patterns of codes, addresses and units listed below with why each may stay as it is.

A Chinese page fails on a Latin word left over; an English page on a Chinese character left
over. The failure lists every such string with its page.
"""

from __future__ import annotations

import gettext
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
import wagtail
from bs4 import BeautifulSoup, NavigableString, Tag
from django.apps import apps
from django.db import models
from django.test import Client
from django.utils import timezone, translation
from wagtail.documents import get_document_model
from wagtail.fields import RichTextField, StreamField
from wagtail.images import get_image_model
from wagtail.models import Page, Task, Workflow
from wagtail.users.models import UserProfile

from cms.models import InterpretationPage, NewsIndexPage, NewsPage, PolicyPage
from meetings.selectors import meetings_visible_to
from portal.models import User
from portal.site.navigation import navigation_for
from projects.models import ApprovalItem, Project
from projects.selectors import projects_visible_to

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
TAG = re.compile(r"<[^>]+>")

# --- What may stay Latin on a Chinese page (and Chinese on an English one), and why ----------
ALLOWED_PATTERNS = [
    # Addresses and files: e-mail addresses, web addresses, file names with their extension.
    r"[\w.+-]+@[\w-]+(\.[\w-]+)+",
    r"\b(https?|webcal)://\S+",
    r"[\w\u3400-\u9fff（）()〔〕.-]+\.(pdf|docx?|xlsx?|csv|png|jpe?g|zip|ics|txt)\b",
    # Codes: project codes (ZDXM-2026-001), item codes (PNR-01, XK-FG-003), credit codes.
    r"\b[A-Z][A-Z0-9]*(-[A-Z0-9]+)+\b",
    r"\b[0-9A-Z]{18}\b",
    # Units and measures: 20 MW, 12 km², 3 000 m², 500 kV, file sizes, percentages.
    r"\b\d[\d,.\s]*\s?(MW|kW|kV|km²|km2|m²|m2|MB|KB|kB|GB|mu)\b",
    r"\b(MW|kW|kV|km²|m²|MB|KB|kB|GB)\b",
    # Names of formats and standards that have no translation: PDF, iCalendar (ICS), RSS,
    # Atom, JSON, API, CSV, Excel, URL, TOTP (the two-factor standard), QR (code), ID, CSP.
    r"\b(PDF|iCalendar|ICS|ics|RSS|Atom|JSON|API|CSV|XLSX|Excel|URL|TOTP|QR|ID|CSP|OpenAPI)\b",
    # Brand names people know in Latin letters: authenticator apps, calendars, the software.
    r"\b(Google|Microsoft|Authenticator|FreeOTP|Outlook|Apple|Wagtail|Django)\b",
    # A language's own name in the language switcher: "English" on a Chinese page.
    r"\bEnglish\b",
    # Times of day and dates in the ISO form every page uses (no words: but "T" and "Z").
    r"\b\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?Z?)?\b",
]
# The bureau's official terms, which English pages quote in brackets after their meaning so that
# a reader knows them again on Chinese documents: "(容缺受理)".
GLOSSARY = [
    "容缺受理",
    "一次性告知",
    "限时办结",
    "补正",
    "调休",
    "先取证再补交",
    "项目推动联席会议",
    "企业家座谈会",
    "现场联合踏勘",
    "主动到府服务",
    "批复文号",
    "政策解读",
    "办事指南",
    "项目单位",
    "受理",
    "工作日",
    "发文机关",
    "并联审批",
    "首问负责制",
    "帮办",
    "督办",
    "联席会议",
    "现场踏勘",
    "诉求",
    "投诉",
    "办件查询",
    "办事公开",
    "回访",
    "好差评",
    "工单",
    "签收",
    "整改",
    "黄牌",
    "红牌",
    "热线",
]
# On English pages: a language's own name in the switcher, those terms, a code that is Chinese.
ALLOWED_ON_ENGLISH = [
    r"简体中文",
    rf"[(（]({'|'.join(GLOSSARY)})[)）]",
    # A decision's document number (文号) is issued in Chinese, as an example of one shows it.
    r"[\u4e00-\u9fff]+〔\d{4}〕\d+号",
]


def _without(patterns: Iterable[str]) -> re.Pattern:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


LATIN_ALLOWED = _without(ALLOWED_PATTERNS)
CJK_ALLOWED = _without(ALLOWED_PATTERNS + ALLOWED_ON_ENGLISH)


# Wagtail 8.0 builds the snippets' breadcrumbs with gettext (not gettext_lazy) when the URLs
# load, so their "Home" stays in the language active then, the default: Chinese.
UPSTREAM_FROZEN = re.compile("首页")


# Wagtail's own admin strings that its zh_Hans catalogues have not translated (hundreds in
# Wagtail 8.0: upstream's gap, not the portal's). Every text of the portal's own back-office
# screens is still checked; a Wagtail string is recognised by its msgid, placeholders and all.
def wagtail_untranslated() -> re.Pattern:
    root = Path(wagtail.__file__).parent
    patterns = set()
    for source in root.glob("**/locale/en/LC_MESSAGES/django.po"):
        chinese_mo = source.parents[2] / "zh_Hans" / "LC_MESSAGES" / "django.mo"
        chinese = (
            gettext.GNUTranslations(chinese_mo.open("rb"))
            if chinese_mo.exists()
            else gettext.NullTranslations()
        )
        for context, msgids in _po_entries(source.read_text(encoding="utf-8")):
            singular = msgids[0]
            translated = (
                chinese.npgettext(context, singular, msgids[-1], 1)
                if context
                else chinese.ngettext(singular, msgids[-1], 1)
            )
            if translated != singular:
                continue
            # A msgid with markup shows as one text per piece between the tags.
            for piece in (part for m in msgids for part in TAG.split(m)):
                if LATIN_WORD.search(PLACEHOLDER.sub("", piece)):
                    patterns.add(_msgid_pattern(piece))
    return re.compile("|".join(sorted(patterns, key=len, reverse=True)))


PO_STRING = re.compile(r'^(msgctxt|msgid|msgid_plural|"|msgstr)')


def _po_entries(text: str) -> Iterator[tuple[str | None, list[str]]]:
    """(context, [msgid, msgid_plural?]) of each entry of a .po file."""
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#") or not PO_STRING.match(line):
                continue
            if not line.startswith('"'):
                key, _space, line = line.partition(" ")
                fields[key] = ""
            fields[key] += json.loads(line)
        if fields.get("msgid"):
            msgids = [fields["msgid"]] + (
                [fields["msgid_plural"]] if "msgid_plural" in fields else []
            )
            yield fields.get("msgctxt"), msgids


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _msgid_pattern(msgid: str) -> str:
    parts = re.split(f"({PLACEHOLDER.pattern})", " ".join(msgid.split()))
    return "".join(".+?" if i % 2 else re.escape(part) for i, part in enumerate(parts))


# --- The visible text of a page --------------------------------------------------------------
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-label", "label")
BUTTON_TYPES = {"submit", "button", "reset"}
# Where the text is what a person typed or a machine reads, not the page's words.
SKIPPED_TAGS = {"script", "style", "textarea", "noscript", "template", "svg"}


def visible_texts(html: str) -> Iterator[str]:
    soup = BeautifulSoup(html, "html.parser")
    live = soup.find("script", id="live-texts")
    if live is not None:
        yield from _strings_in(json.loads(live.string or "null"))
    # One walk down the tree (asking each node for its parents is quadratic on long pages).
    stack = [soup]
    while stack:
        element = stack.pop()
        for child in reversed(element.contents):
            if isinstance(child, Tag):
                if child.name in SKIPPED_TAGS:
                    continue
                for attribute in SEEN_ATTRIBUTES:
                    if child.has_attr(attribute):
                        yield from _text(child[attribute])
                if child.name == "input" and child.get("type") in BUTTON_TYPES:
                    yield from _text(child.get("value", ""))
                stack.append(child)
            elif type(child) is NavigableString and element is not soup:
                yield from _text(str(child))


def _text(value) -> Iterator[str]:
    text = " ".join(str(value).split())
    if text:
        yield text


def _strings_in(value) -> Iterator[str]:
    if isinstance(value, str):
        yield from _text(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


# --- What the database holds: data, shown as it was written ----------------------------------
DATA_APPS = ("portal", "projects", "supervision", "meetings", "cms", "reports")


class Data:
    """Values from the database, found in a page's strings and taken out of them."""

    def __init__(self, values: Iterable[str]):
        pieces = set()
        for value in values:
            for piece in TAG.split(value):
                for line in piece.splitlines():
                    line = " ".join(line.split())
                    if len(line) >= 2:
                        pieces.add(line)
        self.exact = pieces
        # By first character, longest first, for taking values out of longer strings.
        self.by_first: dict[str, list[str]] = defaultdict(list)
        for piece in sorted(pieces, key=len, reverse=True):
            self.by_first[piece[0]].append(piece)

    def remove(self, text: str) -> str:
        if text in self.exact:
            return ""
        out, i = [], 0
        while i < len(text):
            for piece in self.by_first.get(text[i], ()):
                if text.startswith(piece, i):
                    out.append(" ")
                    i += len(piece)
                    break
            else:
                out.append(text[i])
                i += 1
        return "".join(out)


def _field_values(model, language_sibling: bool, english_too: bool = False) -> Iterator[str]:
    """Text values of the model's own fields; with `language_sibling`, a Chinese value whose
    English counterpart (`<field>_en`) is filled is not data on English pages: the page
    should show the English one."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and (english_too or not f.name.endswith("_en"))
        and f.name not in ("password", "content_type", "path", "url_path", "draft_title")
    ]
    if not fields:
        return
    siblings = {f.name: f"{f.name}_en" for f in fields}
    names = {f.attname for f in model._meta.concrete_fields}
    wanted = [f.attname for f in fields] + [s for s in siblings.values() if s in names]
    for row in model._base_manager.values(*wanted).iterator():
        for f in fields:
            value = row[f.attname]
            if not value:
                continue
            if language_sibling and row.get(siblings[f.name]):
                continue
            yield value


def _stream_values(model) -> Iterator[str]:
    """The text inside StreamField and rich-text content (the policy library is Chinese only)."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, (StreamField, RichTextField))]
    for f in fields:
        for value in model._base_manager.values_list(f.attname, flat=True).iterator():
            if value is None:
                continue
            if hasattr(value, "raw_data"):  # a StreamValue: its blocks as stored
                yield from _strings_in(list(value.raw_data))
            else:
                yield str(value)


def database_data(language: str | None) -> Data:
    """The data a page in this language shows as it is; None: every value, both names of a
    thing included (the back office edits both)."""
    values: list[str] = []
    for model in apps.get_models():
        if model._meta.app_label in DATA_APPS:
            values.extend(
                _field_values(model, language_sibling=language == "en", english_too=not language)
            )
            values.extend(_stream_values(model))
    # What editors typed into the page tree, documents and images.
    values.extend(Page.objects.values_list("title", flat=True))
    values.extend(Page.objects.exclude(seo_title="").values_list("seo_title", flat=True))
    values.extend(
        Page.objects.exclude(search_description="").values_list("search_description", flat=True)
    )
    values.extend(get_document_model().objects.values_list("title", flat=True))
    values.extend(get_image_model().objects.values_list("title", flat=True))
    # The moderation workflow and its task are named once, by staff (both languages in one name).
    values.extend(Workflow.objects.values_list("name", flat=True))
    values.extend(Task.objects.values_list("name", flat=True))
    values.extend((*SEARCHES, COMMENT))  # what the walk types
    return Data(values)


# --- The check --------------------------------------------------------------------------------
# Where a page joins a label to data: "Exploring: Root - Wagtail", "名称 · code".
JOINS = re.compile(r"\s+[-–·|]\s+|:\s+|：")


def offending(
    texts: Iterable[str], language: str, data: Data, upstream: re.Pattern | None = None
) -> list[str]:
    """The strings not in the page's language; `upstream`: strings of Wagtail's own."""
    found = []
    for text in texts:
        if upstream is not None and upstream.fullmatch(text):
            continue
        if language == "en":
            if upstream is not None and UPSTREAM_FROZEN.fullmatch(text):
                continue
            # Data first (a stored name with a bracketed term in it), or the bracketed terms
            # first (a term inside text that also contains a shorter stored word).
            if (
                CJK.search(text)
                and CJK.search(CJK_ALLOWED.sub(" ", data.remove(text)))
                and CJK.search(data.remove(CJK_ALLOWED.sub(" ", text)))
            ):
                found.append(text)
            continue
        if not LATIN_WORD.search(text):
            continue
        rest = LATIN_ALLOWED.sub(" ", data.remove(text))
        for piece in JOINS.split(rest):
            piece = piece.strip()
            if not LATIN_WORD.search(piece):
                continue
            if upstream is not None and upstream.fullmatch(piece):
                continue
            found.append(text)
            break
    return list(dict.fromkeys(found))


class Walk:
    """One role's pages in one language; what is wrong, page by page."""

    def __init__(
        self, client: Client, language: str, data: Data, upstream: re.Pattern, admin_data: Data
    ):
        self.client = client
        self.upstream = upstream
        # The back office edits both names of a thing: each is data there.
        self.admin_data = admin_data
        self.language = language
        self.prefix = "/en" if language == "en" else ""
        self.data = data
        self.problems: dict[str, list[str]] = {}
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en" if language == "en" else "zh-hans"

    def url(self, path: str) -> str:
        if path.startswith(("/admin/", "/django-admin/")):
            return path  # not under a language prefix: the browser's language decides
        return self.prefix + path

    def check(self, response, label: str, statuses=(200,)) -> None:
        assert response.status_code in statuses, f"{label}: {response.status_code}"
        if "text/html" not in response.get("Content-Type", ""):
            return
        admin = label.split()[1].startswith("/admin/")
        texts = visible_texts(response.content.decode())
        if admin:
            bad = offending(texts, self.language, self.admin_data, self.upstream)
        else:
            bad = offending(texts, self.language, self.data)
        if bad:
            self.problems[label] = bad

    def get(self, path: str) -> str:
        url = self.url(path)
        response = self.client.get(url, follow=True)
        self.check(response, f"GET {url}")
        return response.content.decode()

    def post(self, path: str, data: dict, label: str = "") -> None:
        url = self.url(path)
        response = self.client.post(url, data, follow=True)
        # A refused form comes back with its page (400 Bad Request, 409 Conflict).
        self.check(response, f"POST {url} {label}".strip(), statuses=(200, 400, 409, 422))


def form_fields(html: str, action_contains: str) -> tuple[str, dict] | None:
    """The first form whose action contains the text: its action and the values it would
    send as it stands (hidden fields, ticked boxes, selected options, the first button)."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form"):
        action = form.get("action") or ""
        if action_contains not in action:
            continue
        values: dict[str, list[str]] = defaultdict(list)
        for field in form.find_all(["input", "select", "textarea"]):
            name = field.get("name")
            if not name:
                continue
            kind = field.get("type", "text")
            if field.name == "select":
                chosen = field.find("option", selected=True) or field.find("option")
                if chosen is not None:
                    values[name].append(chosen.get("value", chosen.text))
            elif kind in ("checkbox", "radio"):
                if field.has_attr("checked"):
                    values[name].append(field.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                values[name].append(field.get("value", "") if field.name == "input" else "")
        button = form.find(["button", "input"], attrs={"type": "submit"})
        if button is not None and button.get("name"):
            values[button["name"]].append(button.get("value", ""))
        return action, dict(values)
    return None


# --- The walks ----------------------------------------------------------------------------------
# What the visitor searches for: one with results, one without. The page repeats the words.
SEARCHES = ("受理", "量子隧穿")
COMMENT = "请补充消防设计说明"  # what the walk writes as a comment
PUBLIC = ["/", "/policies/", "/guide/", *(f"/search/?q={q}" for q in SEARCHES), "/accounts/login/"]
PUBLIC_FORMS = ["/accounts/password/reset/"]


def public_pages() -> list[str]:
    pages = list(PUBLIC) + PUBLIC_FORMS
    for model in (PolicyPage, InterpretationPage, NewsIndexPage, NewsPage):
        page = model.objects.live().order_by("path").first()
        if page is not None:
            pages.append(page.url.removeprefix("/en"))
    item = ApprovalItem.objects.order_by("code").first()
    pages.append(f"/guide/{item.code}/")
    return pages


def signed_in_pages(user) -> list[str]:
    """The navigation's pages, a project and a meeting the person may open, their forms."""
    with translation.override("zh-hans"):
        pages = [item["url"] for item in navigation_for(user, "/")]
    pages.append("/accounts/password/")
    projects = projects_visible_to(user).order_by("pk")
    for project in projects[:2]:
        pages.append(f"/projects/{project.pk}/")
    meetings = meetings_visible_to(user)
    held = meetings.filter(start__lt=timezone.now()).order_by("-start").first()
    coming = meetings.filter(start__gte=timezone.now()).order_by("start").first()
    pages.extend(f"/meetings/{m.pk}/" for m in (held, coming) if m is not None)
    return pages


STAFF_PAGES = [
    "/projects/new/",
    "/meetings/new/",
    "/accounts/users/",
    "/accounts/requests/",
    "/accounts/memberships/",
    "/accounts/lockouts/",
    "/queue/?state=not_applied",
    "/meetings/?view=month",
]
HELPER_PAGES = ["/meetings/new/", "/actions/?owner=me"]
ADMIN_PAGES = [
    "/admin/",
    "/admin/pages/",
    "/admin/snippets/projects/approvalitem/",
    "/admin/snippets/projects/department/",
    "/admin/snippets/projects/workingday/",
]
# Only staff manage workflows (an editor is sent back with Wagtail's "no permission" message).
STAFF_ADMIN_PAGES = ["/admin/workflows/list/"]


def walk_role(client: Client, user, language: str, *context) -> Walk:
    # Wagtail's admin speaks the language chosen in the person's admin profile.
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    walk = Walk(client, language, *context)
    pages = signed_in_pages(user)
    roles = {g.name for g in user.groups.all()}
    if user.is_superuser or "Bureau staff" in roles:
        pages += STAFF_PAGES
    if "Helpers" in roles:
        pages += HELPER_PAGES
    if "/admin/" in pages or user.is_superuser:
        pages += ADMIN_PAGES
        if user.is_superuser or "Bureau staff" in roles:
            pages += STAFF_ADMIN_PAGES
    seen = {}
    for path in dict.fromkeys(pages):
        seen[path] = walk.get(path)

    # Submissions: each ends in a message or a refused form on the page it returns to.
    project_pages = [p for p in seen if re.fullmatch(r"/projects/\d+/", p)]
    for path in project_pages[:1]:
        found = form_fields(seen[path], "/comments/")
        if found is not None:
            action, values = found
            action = action.removeprefix(walk.prefix)
            walk.post(action, {**values, "body": ""}, "(empty comment)")
            walk.post(action, {**values, "body": COMMENT}, "(comment)")
    queue = seen.get("/queue/")
    if queue is not None:
        found = form_fields(queue, "/transition/")
        if found is not None:
            action, values = found
            walk.post(action.removeprefix(walk.prefix), values, "(the first action offered)")
    for path in ("/meetings/new/", "/projects/new/"):
        if path in seen:
            walk.post(path, {}, "(empty form)")
    if "/actions/" in seen:
        found = form_fields(seen["/actions/"], "/close/")
        if found is not None:
            action, values = found
            walk.post(action.removeprefix(walk.prefix), {}, "(no note)")
    walk.post("/accounts/password/", {"old_password": "wrong"}, "(wrong password)")
    project = Project.objects.order_by("pk").first()
    if project is not None and f"/projects/{project.pk}/" not in seen:
        # A project this person may not open: the page that says so.
        response = client.get(walk.url(f"/projects/{project.pk}/"))
        if response.status_code == 404:
            walk.check(_as_ok(response), f"GET {walk.url(f'/projects/{project.pk}/')} (404)")
    return walk


def _as_ok(response):
    response.status_code = 200
    return response


DEMO_ROLES = ("enterprise", "enterprise2", "helper", "helper2", "officer", "staff", "editor")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_speaks_its_language(seeded_demo, language):
    # What a walk needs besides its client: the data of its pages, Wagtail's untranslated
    # strings, the data of the back office.
    context = (database_data(language), wagtail_untranslated(), database_data(None))
    problems: dict[str, list[str]] = {}

    visitor = Walk(Client(), language, *context)
    for path in public_pages():
        visitor.get(path)
    visitor.post("/accounts/login/", {"username": "enterprise", "password": "wrong"}, "(refused)")
    problems.update({f"visitor: {k}": v for k, v in visitor.problems.items()})

    for username in DEMO_ROLES:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        walk = walk_role(client, user, language, *context)
        problems.update({f"{username}: {k}": v for k, v in walk.problems.items()})

    what = "Latin words on Chinese pages" if language != "en" else "Chinese on English pages"
    pages_of: dict[str, list[str]] = defaultdict(list)
    for page, texts in problems.items():
        for text in texts:
            pages_of[text].append(page)
    report = "\n".join(
        f"{text!r}\n    on {pages[0]}" + (f" and {len(pages) - 1} more" if len(pages) > 1 else "")
        for text, pages in pages_of.items()
    )
    assert not problems, f"{what} (not data, a code or a unit):\n{report}"
