from django import template

from portal.streams import event_label as registered_event_label
from portal.streams import event_sentence as registered_event_sentence
from portal.streams import event_subject as registered_event_subject

from .. import permissions as perms
from ..presentation import BALL_LABELS, COLOUR_LABELS, NEED_LABELS
from ..streams import localized as localized_name

register = template.Library()


@register.filter
def colour_label(colour: str) -> str:
    return str(COLOUR_LABELS.get(colour, colour))


@register.filter
def ball_label(ball: str | None) -> str:
    return str(BALL_LABELS.get(ball, "—")) if ball else "—"


@register.filter
def need_label(reason: str) -> str:
    return str(NEED_LABELS.get(reason, reason))


@register.filter
def event_label(event_type: str) -> str:
    return registered_event_label(event_type)


@register.filter
def event_subject(event) -> str:
    """What an event is about (its item, meeting or action item), from the stream registry."""
    return registered_event_subject(event.event, event.data)


@register.filter
def event_sentence(event) -> str:
    """What the actor did, whole ("created the action item “…”, due …"): the same words as
    the live notice, from the stream registry."""
    return registered_event_sentence(event.event, event.data)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def localized(names) -> str:
    """The name in the active language from an event's {"name", "name_en"}."""
    return localized_name(names)


@register.filter
def open_for_upload(material, approval) -> bool:
    """The service's own rule: may this material take a new version now?"""
    return perms.material_open_for_upload(approval, material)
