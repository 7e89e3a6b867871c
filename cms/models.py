"""The public pages: home, policies and their interpretations, news.

Tree: HomePage (one per language) -> PolicyIndexPage (/policies/) -> PolicyPage ->
InterpretationPage, and HomePage -> NewsIndexPage (/news/) -> NewsPage. Approval guides are not
pages: they are rendered from the catalogue (projects.ApprovalItem) by `cms.views`.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey
from taggit.models import TaggedItemBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    MultipleChooserPanel,
)
from wagtail.documents import get_document_model_string
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page, PageViewRestriction
from wagtail.search import index

from projects.models import Bilingual

from .blocks import SHORT_RICH_TEXT_FEATURES, BodyBlock, FigureBlock

PAGE_SIZE = 10


def _today() -> date:
    return timezone.localdate()


def restricted_paths(request=None) -> tuple[str, ...]:
    """The tree paths under a view restriction (private sections), read once per request."""
    cached = getattr(request, "_cms_restricted_paths", None)
    if cached is not None:
        return cached
    paths = tuple(PageViewRestriction.objects.values_list("page__path", flat=True))
    if request is not None:
        request._cms_restricted_paths = paths
    return paths


def public(pages, request=None):
    """Wagtail's `.public()`: without the private sections, whose paths are read once."""
    condition = Q()
    for path in restricted_paths(request):
        condition |= Q(path__startswith=path)
    return pages.exclude(condition) if condition else pages


def with_ancestors(page, context: dict) -> dict:
    """The pages above `page` below the root, for the breadcrumbs: one query."""
    context["ancestors"] = list(page.get_ancestors().filter(depth__gt=1))
    return context


def paginate(request, items, per_page: int = PAGE_SIZE):
    """One page of `items` from the `page` parameter; out-of-range numbers give the last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


class IssuingAuthority(Bilingual):
    """Who issues policy documents (发文机关): the district government, its office, a bureau."""

    position = models.PositiveSmallIntegerField(_("position"), default=0)

    panels = [FieldPanel("name"), FieldPanel("name_en"), FieldPanel("position")]

    class Meta:
        verbose_name = _("issuing authority")
        verbose_name_plural = _("issuing authorities")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="issuing_authority_name_unique")
        ]


class HomePage(Page):
    """The portal's front page: what the service is, what is new and where each user starts."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link", "ol", "ul"],
        help_text=_("A short introduction to the major-project service."),
    )
    hotline = models.CharField(_("service hotline"), max_length=40, blank=True)
    figures = StreamField(
        [("figure", FigureBlock())],
        blank=True,
        verbose_name=_("public service figures"),
        help_text=_(
            "The figures of the service the bureau publishes, e.g. applications completed."
        ),
    )
    figures_note = models.CharField(
        _("figures note"),
        max_length=200,
        blank=True,
        help_text=_("The period and source of the figures."),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("hotline"),
        MultiFieldPanel(
            [FieldPanel("figures"), FieldPanel("figures_note")], heading=_("Public figures")
        ),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["cms.PolicyIndexPage", "cms.NewsIndexPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["latest_policies"] = (
            public(PolicyPage.objects.live().filter(locale_id=self.locale_id), request)
            .select_related("issuing_authority")
            .order_by("-published_on", "-pk")[:5]
        )
        context["latest_news"] = public(
            NewsPage.objects.live().filter(locale_id=self.locale_id), request
        ).order_by("-date", "-pk")[:5]
        # Their URLs are all the page needs: no query for the specific pages.
        for child in self.get_children().live().type(PolicyIndexPage, NewsIndexPage):
            key = "policy_index" if child.specific_class is PolicyIndexPage else "news_index"
            context.setdefault(key, child)
        # The public figures, the progress lookup (办件查询) and case tracking need no account.
        for key, name in (
            ("statistics_url", "open_index"),
            ("lookup_url", "open_lookup"),
            ("track_url", "case_track"),
        ):
            try:
                context[key] = reverse(name)
            except NoReverseMatch:
                context[key] = None
        return context


# --- policies --------------------------------------------------------------------------------


class Classification(models.TextChoices):
    """主题分类: the State Council's subject classification of government documents (a subset)."""

    GENERAL = "general", _("General government affairs")
    ECONOMY = "economy", _("Economic management and state assets")
    FINANCE = "finance", _("Finance, banking and audit")
    LAND = "land", _("Land, resources and energy")
    AGRICULTURE = "agriculture", _("Agriculture, forestry and water")
    INDUSTRY = "industry", _("Industry and transport")
    COMMERCE = "commerce", _("Commerce, customs and tourism")
    MARKET = "market", _("Market regulation and work safety")
    CONSTRUCTION = "construction", _("Urban and rural construction, environment")
    SCIENCE = "science", _("Science, technology and education")
    LABOUR = "labour", _("Labour, personnel and supervision")
    OTHER = "other", _("Other")


class PolicyStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    NOT_YET = "not_yet", _("Not yet in force")
    EXPIRED = "expired", _("Expired")
    REPEALED = "repealed", _("Repealed")


def policy_status_filter(status: str, today: date) -> Q:
    """The policies that have `status` on `today`, as a filter (the status follows the dates)."""
    repealed = Q(repealed_on__isnull=False, repealed_on__lte=today)
    expired = Q(expires_on__isnull=False, expires_on__lt=today)
    not_yet = Q(effective_from__isnull=False, effective_from__gt=today)
    return {
        PolicyStatus.REPEALED: repealed,
        PolicyStatus.EXPIRED: expired & ~repealed,
        PolicyStatus.NOT_YET: not_yet & ~repealed & ~expired,
        PolicyStatus.IN_FORCE: ~repealed & ~expired & ~not_yet,
    }[PolicyStatus(status)]


class PolicyIndexPage(Page):
    """The policy library at /policies/: every policy document, filtered and paginated."""

    SLUG = "policies"

    intro = RichTextField(_("introduction"), blank=True, features=SHORT_RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.PolicyPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("policy library")
        verbose_name_plural = _("policy libraries")

    def full_clean(self, *args, **kwargs):
        # The main navigation links to /policies/ (and /en/policies/): the slug is fixed.
        self.slug = self.SLUG
        super().full_clean(*args, **kwargs)

    def policies(self, request=None):
        return (
            public(PolicyPage.objects.child_of(self).live(), request)
            .select_related("issuing_authority")
            .order_by("-published_on", "-pk")
        )

    def get_context(self, request, *args, **kwargs):
        from .forms import PolicyFilterForm

        context = with_ancestors(self, super().get_context(request, *args, **kwargs))
        policies = self.policies(request)
        form = PolicyFilterForm(request.GET or None, policies=policies)
        filtered = form.filter(policies)
        context["filter_form"] = form
        context["policies"] = paginate(request, filtered)
        context["result_count"] = context["policies"].paginator.count
        context["filter_query"] = form.query_string()
        context["today"] = _today()
        context["latest_interpretations"] = public(
            InterpretationPage.objects.descendant_of(self).live(), request
        ).order_by("-published_on", "-pk")[:5]
        return context


class PolicyTopicTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.PolicyPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class PolicyPage(Page):
    """A policy document with the metadata block Chinese government sites publish."""

    index_number = models.CharField(
        _("index number"),
        max_length=60,
        blank=True,
        help_text=_("索引号, e.g. 11120111MB/2026-00031"),
    )
    classification = models.CharField(
        _("topic classification"),
        max_length=20,
        choices=Classification.choices,
        default=Classification.GENERAL,
        help_text=_("主题分类"),
    )
    issuing_authority = models.ForeignKey(
        IssuingAuthority,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("issuing authority"),
        help_text=_("发文机关"),
    )
    document_number = models.CharField(
        _("document number"),
        max_length=60,
        blank=True,
        help_text=_("发文字号, e.g. 西青政发〔2026〕3号"),
    )
    date_written = models.DateField(
        _("date written"), null=True, blank=True, help_text=_("成文日期")
    )
    published_on = models.DateField(_("publication date"), default=_today, help_text=_("发布日期"))
    effective_from = models.DateField(
        _("effective date"),
        null=True,
        blank=True,
        help_text=_("Empty: in force from publication."),
    )
    expires_on = models.DateField(
        _("expiry date"),
        null=True,
        blank=True,
        help_text=_("The last day of a policy valid for a fixed period."),
    )
    repealed_on = models.DateField(
        _("repealed on"),
        null=True,
        blank=True,
        help_text=_("The day a later decision repealed the policy."),
    )
    summary = models.TextField(
        _("summary"),
        max_length=600,
        help_text=_("Two or three sentences: who it concerns and what it changes."),
    )
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))
    topics = ClusterTaggableManager(
        through=PolicyTopicTag,
        blank=True,
        verbose_name=_("topics"),
        help_text=_("Keywords people filter by, e.g. 营商环境."),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("index_number"), FieldPanel("classification")]),
                FieldRowPanel([FieldPanel("issuing_authority"), FieldPanel("document_number")]),
                FieldRowPanel([FieldPanel("date_written"), FieldPanel("published_on")]),
                FieldRowPanel(
                    [
                        FieldPanel("effective_from"),
                        FieldPanel("expires_on"),
                        FieldPanel("repealed_on"),
                    ]
                ),
            ],
            heading=_("Document metadata"),
        ),
        FieldPanel("summary"),
        FieldPanel("body"),
        MultipleChooserPanel("attachments", chooser_field_name="document", label=_("Attachments")),
        FieldPanel("topics"),
        MultipleChooserPanel(
            "approval_item_links", chooser_field_name="item", label=_("Related approval items")
        ),
        MultipleChooserPanel(
            "related_policy_links", chooser_field_name="policy", label=_("Related policies")
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
        index.SearchField("document_number"),
        index.SearchField("index_number"),
        index.RelatedFields(
            "issuing_authority", [index.SearchField("name"), index.SearchField("name_en")]
        ),
        index.RelatedFields("topics", [index.SearchField("name")]),
    ]
    parent_page_types = ["cms.PolicyIndexPage"]
    subpage_types = ["cms.InterpretationPage"]

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def clean(self):
        super().clean()
        errors = {}
        if self.date_written and self.published_on and self.published_on < self.date_written:
            errors["published_on"] = _("A policy is published on or after the day it is written.")
        start = self.effective_from or self.published_on
        if self.expires_on and start and self.expires_on < start:
            errors["expires_on"] = _("The expiry date comes after the effective date.")
        if self.repealed_on and self.date_written and self.repealed_on < self.date_written:
            errors["repealed_on"] = _("A policy is repealed after it is written.")
        if errors:
            raise ValidationError(errors)

    def status_on(self, day: date) -> PolicyStatus:
        if self.repealed_on and self.repealed_on <= day:
            return PolicyStatus.REPEALED
        if self.expires_on and self.expires_on < day:
            return PolicyStatus.EXPIRED
        if self.effective_from and self.effective_from > day:
            return PolicyStatus.NOT_YET
        return PolicyStatus.IN_FORCE

    @property
    def status(self) -> PolicyStatus:
        return self.status_on(_today())

    @property
    def description(self) -> str:
        return self.search_description or self.summary

    def get_context(self, request, *args, **kwargs):
        context = with_ancestors(self, super().get_context(request, *args, **kwargs))
        context["interpretations"] = public(
            InterpretationPage.objects.child_of(self).live(), request
        ).order_by("-published_on")
        context["attachments"] = self.attachments.select_related("document")
        context["approval_items"] = [
            link.item
            for link in self.approval_item_links.select_related("item__department")
            if link.item.is_active
        ]
        context["related_policies"] = self.related_policies()
        return context

    def related_policies(self) -> list[PolicyPage]:
        """Linked either way, live, each in the page's language where it is translated.

        Links point at whichever language version the editor chose (translations copy them),
        so they are matched by translation key: three queries however many there are.
        """
        keys = [
            link.policy.translation_key
            for link in self.related_policy_links.select_related("policy")
        ]
        keys += PolicyRelation.objects.filter(
            policy__translation_key=self.translation_key
        ).values_list("page__translation_key", flat=True)
        keys = [key for key in dict.fromkeys(keys) if key != self.translation_key]
        versions: dict = {}
        for policy in (
            PolicyPage.objects.live()
            .filter(translation_key__in=keys)
            .select_related("issuing_authority")
            .order_by("-locale_id")
        ):
            current = versions.get(policy.translation_key)
            if current is None or policy.locale_id == self.locale_id:
                versions[policy.translation_key] = policy
        return [versions[key] for key in keys if key in versions]


class PolicyAttachment(Orderable):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(
        get_document_model_string(),
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("document"),
    )
    title = models.CharField(
        _("link text"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to use the document's title."),
    )

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    @property
    def label(self) -> str:
        return self.title or self.document.title


class PolicyApprovalItem(Orderable):
    """An approval item the policy concerns: its guide lists the policy."""

    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="approval_item_links")
    item = models.ForeignKey(
        "projects.ApprovalItem",
        on_delete=models.CASCADE,
        related_name="policy_links",
        verbose_name=_("approval item"),
    )

    panels = [FieldPanel("item")]

    class Meta(Orderable.Meta):
        verbose_name = _("related approval item")
        verbose_name_plural = _("related approval items")


class PolicyRelation(Orderable):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="related_policy_links")
    policy = models.ForeignKey(
        PolicyPage,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("related policy"),
    )

    panels = [FieldPanel("policy")]

    class Meta(Orderable.Meta):
        verbose_name = _("related policy")
        verbose_name_plural = _("related policies")


class InterpretationPage(Page):
    """An interpretation (政策解读) of the policy it sits under, shown on that policy's page."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text interpretation")
        QA = "qa", _("Questions and answers")
        GRAPHIC = "graphic", _("Graphic interpretation")
        OFFICIAL = "official", _("Interpretation by the responsible official")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TEXT)
    source = models.CharField(
        _("interpreted by"),
        max_length=120,
        blank=True,
        help_text=_("The body or official who gives the interpretation."),
    )
    published_on = models.DateField(_("publication date"), default=_today)
    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("kind"), FieldPanel("source"), FieldPanel("published_on")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
        index.SearchField("source"),
    ]
    parent_page_types = ["cms.PolicyPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("policy interpretation")
        verbose_name_plural = _("policy interpretations")

    def get_context(self, request, *args, **kwargs):
        context = with_ancestors(self, super().get_context(request, *args, **kwargs))
        self.policy = context["ancestors"][-1].specific  # fills the cached property
        context["policy"] = self.policy
        return context

    @cached_property
    def policy(self) -> PolicyPage:
        return self.get_parent().specific

    @property
    def description(self) -> str:
        return self.search_description or self.summary


# --- news ------------------------------------------------------------------------------------


class NewsIndexPage(Page):
    intro = RichTextField(_("introduction"), blank=True, features=SHORT_RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("news index")
        verbose_name_plural = _("news indexes")

    def get_context(self, request, *args, **kwargs):
        context = with_ancestors(self, super().get_context(request, *args, **kwargs))
        news = public(NewsPage.objects.child_of(self).live(), request).order_by("-date", "-pk")
        context["news"] = paginate(request, news)
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=_today)
    source = models.CharField(
        _("source"), max_length=120, blank=True, help_text=_("E.g. 区行政审批局.")
    )
    summary = models.TextField(_("summary"), max_length=600)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldRowPanel([FieldPanel("date"), FieldPanel("source")]),
        FieldPanel("summary"),
        FieldPanel("body"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=1.5),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news article")
        verbose_name_plural = _("news articles")

    def get_context(self, request, *args, **kwargs):
        return with_ancestors(self, super().get_context(request, *args, **kwargs))

    @property
    def description(self) -> str:
        return self.search_description or self.summary
