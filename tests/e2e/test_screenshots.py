"""Every demo role's main pages, at a desktop and a phone width, in Chinese and English.

Full-page screenshots go to test-artifacts/screenshots/<lang>/<width>/<role>-<page>.png, for
people to look at (test-artifacts/ is not committed). The test itself fails when a page scrolls
sideways on the phone, and, like every browser test, on an accessibility violation (axe-core)
or a Content-Security-Policy violation on any page it loads.

One browser, one context per role (signed in once), each page loaded once per language and
photographed at both widths.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from cms.models import PolicyPage
from meetings.models import Meeting
from meetings.selectors import meetings_visible_to
from portal.models import User
from portal.site.navigation import navigation_for
from projects.selectors import projects_visible_to

pytestmark = [pytest.mark.e2e, pytest.mark.long, pytest.mark.django_db(transaction=True)]

PASSWORD = "shot-pw-1"  # noqa: S105 - a test password
WIDTHS = (1366, 390)
HEIGHT = 900
LANGUAGES = {"zh-hans": ("", "zh-CN"), "en": ("/en", "en")}

# File-name role -> demo login (demo/accounts.json); "visitor" is not signed in. The officer is
# also the meeting participant: the planning department's officer is invited to the demo's joint
# meetings.
ROLES = {
    "visitor": None,
    "enterprise": "enterprise",
    "helper": "helper2",
    "lead-helper": "helper",
    "officer": "officer",
    "staff": "staff",
    "editor": "editor",
}

# The main navigation's pages, by the name their screenshots take. The public pages (home,
# policies, guides) look the same to everyone: they are taken for the visitor, not per role.
NAV_PAGES = {
    "/projects/": "projects",
    "/queue/": "queue",
    "/meetings/": "meetings",
    "/actions/": "actions",
    "/accounts/": "account",
    "/admin/": "admin",
}
SEARCH = "/search/?q=%E5%8F%97%E7%90%86"  # 受理: the demo's content is Chinese in both languages


def public_pages() -> dict[str, str]:
    policy = PolicyPage.objects.live().order_by("path").first()
    return {
        "home": "/",
        "login": "/accounts/login/",
        "policies": "/policies/",
        "policy": policy.url.removeprefix("/en"),
        "guides": "/guide/",
        "search": SEARCH,
    }


def main_pages(user: User) -> dict[str, str]:
    """Name -> path (without the language prefix) of what this person works with: the entries
    of their navigation, a project and a meeting they may open."""
    with translation.override("zh-hans"):
        nav = [item["url"] for item in navigation_for(user, "/")]
    pages = {NAV_PAGES[url]: url for url in nav if url in NAV_PAGES}
    project = projects_visible_to(user).order_by("pk").first()
    if project is not None:
        pages["project"] = f"/projects/{project.pk}/"
    meetings = meetings_visible_to(user) if "meetings" in pages else Meeting.objects.none()
    # One that was held (minutes, decisions, action items), else the next one.
    meeting = meetings.filter(start__lt=timezone.now()).order_by("-start").first()
    meeting = meeting or meetings.order_by("start").first()
    if meeting is not None:
        pages["meeting"] = f"/meetings/{meeting.pk}/"
    return pages


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))


def test_each_roles_main_pages_fit_a_phone_in_both_languages(live_server, new_page, artifacts):
    call_command("seed_demo", "--password", PASSWORD, verbosity=0)
    base = live_server.url
    too_wide = []
    taken = 0
    for role, username in ROLES.items():
        page = new_page(viewport={"width": WIDTHS[0], "height": HEIGHT}, locale="zh-CN")
        if username is None:
            pages = public_pages()
        else:
            pages = main_pages(User.objects.get(username=username))
            sign_in(page, base, username)
        for lang, (prefix, accept) in LANGUAGES.items():
            page.set_extra_http_headers({"Accept-Language": accept})
            if username is not None:
                # Wagtail's admin speaks the language of the person's admin profile.
                profile = UserProfile.get_for_user(User.objects.get(username=username))
                profile.preferred_language = lang
                profile.save(update_fields=["preferred_language"])
            for name, path in pages.items():
                url = base + (path if path.startswith("/admin/") else prefix + path)
                response = page.goto(url)
                assert response is not None and response.ok, f"{role} {url}: {response.status}"
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": HEIGHT})
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    if scroll_width > width:
                        too_wide.append(f"{lang} {role}-{name} ({url}): {scroll_width}px")
                    folder = artifacts / "screenshots" / lang / str(width)
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=folder / f"{role}-{name}.png", full_page=True)
                    taken += 1
                page.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT})
    assert taken >= len(ROLES) * len(LANGUAGES) * len(WIDTHS) * 2
    assert not too_wide, f"pages wider than the {WIDTHS[-1]}px phone:\n" + "\n".join(too_wide)
