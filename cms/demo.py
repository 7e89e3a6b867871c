"""The demo's Wagtail pages for `seed_demo`."""

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from .models import HomePage

HOME_ZH = {
    "title": "重大项目服务平台",
    "intro": (
        "<p>区行政审批局为重大投资项目提供“超前介入、全程帮办”的一条龙服务：项目洽谈阶段即登记入库，"
        "指定帮办员对接各审批部门，并联审批、限时办结、全程督办，推动项目早开工、早达产。</p>"
    ),
    "hotline": "022-12345",
}
HOME_EN = {
    "title": "Major-Project Service Portal",
    "intro": (
        "<p>The District Administrative Approval Bureau carries major investment projects through "
        "their approvals: a project is registered while still being negotiated, a helper is "
        "assigned to chase every department, approvals run in parallel within promised working "
        "days, and the service group supervises until the project starts and produces.</p>"
    ),
    "hotline": "022-12345",
}


def _publish_if_changed(page, values: dict) -> None:
    changed = [field for field, value in values.items() if getattr(page, field) != value]
    for field in changed:
        setattr(page, field, values[field])
    if changed or not page.live or page.has_unpublished_changes:
        page.save_revision().publish()


@transaction.atomic
def seed_home_pages() -> HomePage:
    """A Chinese home page as the site root, with its English translation; idempotent."""
    zh = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    root = Page.get_first_root_node()
    if root is None:  # a flushed database (transactional tests) has lost Wagtail's root
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=zh))
    # Wagtail's own "Welcome" page (slug "home") is of no use once ours is the root.
    for page in root.get_children().specific():
        if not isinstance(page, HomePage):
            page.delete()
    home = HomePage.objects.filter(locale=zh).first()
    if home is None:
        home = HomePage(slug="home", locale=zh, **HOME_ZH)
        root.add_child(instance=home)
        home.save_revision().publish()
    else:
        _publish_if_changed(home, HOME_ZH)

    Site.objects.update_or_create(
        is_default_site=True,
        defaults={
            "hostname": "localhost",
            "port": 80,
            "root_page": home,
            "site_name": HOME_ZH["title"],
        },
    )

    home_en = home.get_translation_or_none(en)
    if home_en is None:
        home_en = home.copy_for_translation(en)
    _publish_if_changed(home_en.specific, HOME_EN)
    return home


def delete_pages() -> None:
    root = Page.get_first_root_node()
    for page in root.get_children().specific():
        page.delete()
