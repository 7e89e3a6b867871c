"""Approval guides (办事指南): read from the catalogue, the one source of truth.

A guide is not a page: `/guide/<code>/` renders the catalogue entry as it is now, so a change
to an item, its materials or its department shows on the next request. Running approvals keep
their own copies (projects.Approval), so editing the catalogue never moves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from wagtail.models import Locale

from projects.models import ApprovalItem, ItemMaterial

from .models import PolicyPage
from .search import Term, excerpt, highlight, query_terms


def active_items():
    return ApprovalItem.objects.filter(is_active=True).select_related("department")


def guide_item(code: str) -> ApprovalItem | None:
    return active_items().filter(code=code).first()


def localized_policies(policies, locale: Locale) -> list[PolicyPage]:
    """One page per policy: its translation in `locale` where there is a live one."""
    by_key: dict = {}
    for policy in policies:
        current = by_key.get(policy.translation_key)
        if current is None or policy.locale_id == locale.pk:
            by_key[policy.translation_key] = policy
    return list(by_key.values())


def policies_for_item(item: ApprovalItem, locale: Locale) -> list[PolicyPage]:
    policies = (
        PolicyPage.objects.live()
        .public()
        .filter(approval_item_links__item=item)
        .select_related("issuing_authority")
        .distinct()
        .order_by("-published_on", "-pk")
    )
    return localized_policies(policies, locale)


# --- guides in the search --------------------------------------------------------------------


@dataclass
class GuideHit:
    item: ApprovalItem
    score: int
    title: str
    text: str = ""
    materials: list = field(default_factory=list)


def _field_match(term: Term) -> Q:
    text = term.text
    material = ItemMaterial.objects.filter(item=OuterRef("pk")).filter(
        Q(name__icontains=text) | Q(name_en__icontains=text)
    )
    return (
        Q(code__icontains=text)
        | Q(name__icontains=text)
        | Q(name_en__icontains=text)
        | Q(legal_basis__icontains=text)
        | Q(department__name__icontains=text)
        | Q(department__name_en__icontains=text)
        | Q(department__short_name__icontains=text)
        | Exists(material)
    )


def search_guides(query: str, *, english: bool) -> list[GuideHit]:
    """Active catalogue items matching every word of the query, best first.

    The catalogue is a few hundred rows, so a substring match on the database (which finds
    Chinese words without any segmentation) is exact and always current; it looks for the same
    words as the page search, in the names, the materials, the legal basis and the department.
    """
    terms = query_terms(query)
    if not terms:
        return []
    items = active_items().prefetch_related("materials")
    for term in terms:
        items = items.filter(_field_match(term))
    hits = []
    for item in items:
        name = item.name_en if english and item.name_en else item.name
        other = item.name if name != item.name else item.name_en
        in_title = sum(1 for t in terms if _contains(name, t) or _contains(other, t))
        in_code = sum(1 for t in terms if _contains(item.code, t))
        materials = [
            m.name_en if english and m.name_en else m.name
            for m in item.materials.all()
            if any(_contains(m.name, t) or _contains(m.name_en, t) for t in terms)
        ]
        hits.append(
            GuideHit(
                item=item,
                score=3 * in_title + 2 * in_code + len(materials),
                title=highlight(name, terms),
                text=excerpt(item.legal_basis, terms) if item.legal_basis else "",
                materials=[highlight(m, terms) for m in materials[:4]],
            )
        )
    hits.sort(key=lambda hit: (-hit.score, hit.item.code))
    return hits


def _contains(text: str, term: Term) -> bool:
    return bool(text) and term.text.lower() in text.lower()
