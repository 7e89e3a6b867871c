"""Atom feeds of new policies and news, in the language of the address (/feeds/… or /en/feeds/…)."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from wagtail.models import Locale

from .models import NewsPage, PolicyPage

FEED_SIZE = 30
KINDS = ("all", "policies", "news")


def _as_datetime(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9)))


class UpdatesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        self.request = request
        return kind

    def title(self, kind):
        return (
            {
                "all": _("Policies and news"),
                "policies": _("New policies"),
                "news": _("News"),
            }[kind]
            + " · "
            + _("Major-project service portal")
        )

    def subtitle(self, kind):
        return _("District Administrative Approval Bureau")

    def link(self, kind):
        return reverse("wagtail_serve", args=[""])

    def feed_url(self, kind):
        return reverse("cms_feed", args=[kind])

    def feed_guid(self, kind):
        return self.request.build_absolute_uri(self.feed_url(kind))

    def items(self, kind):
        locale = Locale.get_active()
        entries = []
        if kind in ("all", "policies"):
            entries += (
                PolicyPage.objects.live()
                .public()
                .filter(locale=locale)
                .select_related("issuing_authority")
                .order_by("-published_on", "-pk")[:FEED_SIZE]
            )
        if kind in ("all", "news"):
            entries += (
                NewsPage.objects.live()
                .public()
                .filter(locale=locale)
                .order_by("-date", "-pk")[:FEED_SIZE]
            )
        entries.sort(key=lambda page: (self._day(page), page.pk), reverse=True)
        return entries[:FEED_SIZE]

    @staticmethod
    def _day(page):
        return page.published_on if isinstance(page, PolicyPage) else page.date

    def item_title(self, page):
        return page.title

    def item_description(self, page):
        return page.summary

    def item_link(self, page):
        return page.get_url(self.request)

    def item_guid(self, page):
        # Stable when the slug or the title changes; one per language version of the page.
        return uuid.uuid5(page.translation_key, translation.get_language()).urn

    item_guid_is_permalink = False

    def item_pubdate(self, page):
        return _as_datetime(self._day(page))

    def item_updateddate(self, page):
        return page.last_published_at or _as_datetime(self._day(page))

    def item_author_name(self, page):
        if isinstance(page, PolicyPage):
            return page.issuing_authority.label
        return page.source or None

    def item_categories(self, page):
        if isinstance(page, PolicyPage):
            return [_("Policy")]
        return [_("News")]

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = translation.get_language()
        return feed
