"""A policy's document metadata is one fact in every language.

When any language version of a policy is published, its translations take the same metadata
(dates, status, numbers, issuing authority): repealing the Chinese original repeals the English
page too. A translation that is live without pending edits is republished at once; one with a
draft in progress gets the metadata in a new draft revision and on its live version.
"""

from wagtail.signals import page_published

from .models import PolicyPage

SHARED_FIELDS = (
    "issuing_authority_id",
    "classification",
    "document_number",
    "index_number",
    "date_written",
    "published_on",
    "effective_from",
    "expires_on",
    "repealed_on",
)


def share_policy_metadata(sender, instance, **kwargs):
    values = {field: getattr(instance, field) for field in SHARED_FIELDS}
    others = PolicyPage.objects.filter(translation_key=instance.translation_key).exclude(
        pk=instance.pk
    )
    for other in others:
        latest = other.get_latest_revision_as_object()
        stale = [f for f, v in values.items() if getattr(latest, f) != v or getattr(other, f) != v]
        if not stale:
            continue
        for field, value in values.items():
            setattr(latest, field, value)
        if other.live and not other.has_unpublished_changes:
            latest.save_revision(log_action=True).publish()
        else:
            latest.save_revision(log_action=True)
            if other.live:
                PolicyPage.objects.filter(pk=other.pk).update(**values)


def connect() -> None:
    page_published.connect(share_policy_metadata, sender=PolicyPage, dispatch_uid="cms-policy-meta")
